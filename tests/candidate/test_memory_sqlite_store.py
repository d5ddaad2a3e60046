"""SQLiteStore: persistence round trips, filters, a killed writer, bad input."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from candidate.memory.backends import SQLiteStore
from reference.topk_ref import ref_topk


def _vectors(n: int, dim: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


@pytest.mark.parametrize("index", ["flat", "hnsw"])
def test_round_trip_rebuilds_index(tmp_path: Path, index: str) -> None:
    path = tmp_path / "mem.db"
    data = _vectors(300)
    meta = [{"kind": "even" if i % 2 == 0 else "odd", "n": i} for i in range(300)]
    options = {"seed": 1} if index == "hnsw" else {}  # a flat store takes no index options
    with SQLiteStore(path, dim=6, metric="cosine", index=index, **options) as store:
        store.add(data, metadata=meta)
        store.remove([0, 1, 2])
        before = store.search(data[:10], 5)
    with SQLiteStore(path, index=index, **options) as store:
        assert (store.dim, store.metric, len(store)) == (6, "cosine", 297)
        after = store.search(data[:10], 5)
        assert store.metadata([7, 4]) == [meta[7], meta[4]]
        assert store.add(data[:1]).tolist() == [300]
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_allclose(before[1], after[1], rtol=1e-6)


def test_filtered_search_is_exact_over_matches(tmp_path: Path) -> None:
    data = _vectors(200, seed=3)
    meta = [{"lane": ["candidate", "prod"][i % 2], "hot": i % 5 == 0} for i in range(200)]
    with SQLiteStore(tmp_path / "f.db", dim=6, metric="l2") as store:
        store.add(data, ids=np.arange(200) + 1000, metadata=meta)
        ids, dist = store.search(data[:4], 6, where={"lane": "prod", "hot": True})
    keep = [i for i in range(200) if meta[i]["lane"] == "prod" and meta[i]["hot"]]
    want, want_dist = ref_topk(data[keep], [1000 + i for i in keep], data[:4], 6, "l2")
    assert ids.tolist() == want
    np.testing.assert_allclose(dist, want_dist, rtol=1e-4, atol=1e-5)


def test_settings_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SQLiteStore(path, dim=4, metric="ip").close()
    with pytest.raises(ValueError, match="`dim` must match"):
        SQLiteStore(path, dim=5)
    with pytest.raises(ValueError, match="`metric` must match"):
        SQLiteStore(path, metric="l2")
    with pytest.raises(TypeError, match="`dim` is required"):
        SQLiteStore(tmp_path / "new.db")


def test_bad_batches_store_nothing(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "b.db", dim=3, metric="cosine") as store:
        store.add(np.eye(3), ids=[1, 2, 3])
        with pytest.raises(ValueError, match="already stored"):
            store.add(np.ones((2, 3)), ids=[4, 3])
        with pytest.raises(ValueError, match="NaN"):
            store.add([[np.nan, 1.0, 1.0]])
        with pytest.raises(ValueError, match="zero vectors"):
            store.add(np.zeros((1, 3)))
        with pytest.raises(ValueError, match="JSON"):
            store.add(np.ones((1, 3)), metadata=[{"x": float("nan")}])
        with pytest.raises(TypeError, match="`metadata`"):
            store.add(np.ones((1, 3)), metadata={"x": 1})  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="identifiers"):
            store.search(np.ones(3), 1, where={"a.b": 1})
        with pytest.raises(TypeError, match="where"):
            store.search(np.ones(3), 1, where={"a": [1]})
        with pytest.raises(KeyError):
            store.remove([3, 99])
        assert len(store) == 3
        count = store._conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        assert count == 3


_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from candidate.memory.backends import SQLiteStore

    store = SQLiteStore(sys.argv[1], dim=16, metric="l2")
    rng = np.random.default_rng(0)
    batch = 0
    while True:
        vectors = rng.standard_normal((200, 16)).astype(np.float32)
        ids = np.arange(batch * 200, (batch + 1) * 200)
        store.add(vectors, ids=ids, metadata=[{"batch": batch}] * 200)
        print(batch, flush=True)
        batch += 1
    """
)


@pytest.mark.slow
def test_killed_writer_loses_no_committed_batch(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    committed: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            committed.append(int(line))
            if len(committed) >= 8:
                break
        os.kill(proc.pid, signal.SIGKILL)  # mid-batch: the writer never pauses
        proc.wait(timeout=30)
    assert len(committed) >= 8
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with SQLiteStore(path) as store:
        n = len(store)
        assert n % 200 == 0 and n >= 200 * len(committed)  # whole batches only
        present = set(store.search(np.zeros(16), n)[0].tolist())
        assert present == set(range(n))
        assert store.metadata([n - 1]) == [{"batch": n // 200 - 1}]
        store.add(np.ones((1, 16)))  # still writable


def test_id_counter_is_persisted_and_taken_inside_the_transaction(tmp_path: Path) -> None:
    path = tmp_path / "ids.db"
    with SQLiteStore(path, dim=2, metric="l2") as first:
        assert first.add(np.ones((3, 2))).tolist() == [0, 1, 2]
        first.remove([2])
        # A second connection to the same file reads the counter inside its own
        # write transaction, so the two writers never hand out the same id.
        with SQLiteStore(path) as second:
            assert second.add(np.ones((1, 2))).tolist() == [3]
        assert first.add(np.ones((1, 2))).tolist() == [4]
    with SQLiteStore(path) as reopened:
        assert reopened.add(np.ones((1, 2))).tolist() == [5]
        counter = reopened._conn.execute(
            "SELECT value FROM settings WHERE key = 'next_id'").fetchone()[0]
        assert counter == "6"


def test_store_without_a_counter_counts_from_its_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with SQLiteStore(path, dim=2, metric="l2") as store:
        store.add(np.ones((3, 2)), ids=[4, 7, 9])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM settings WHERE key = 'next_id'")  # as written before it
    conn.close()
    with SQLiteStore(path) as store:
        assert store.add(np.ones((1, 2))).tolist() == [10]
        assert store.add(np.ones((1, 2))).tolist() == [11]
