"""``SQLiteStore`` shared by several processes (issue 12 item 8).

Regressions: default ids came from ``MAX(id) + 1`` read before the write transaction
(about 1% of concurrent batches failed with a raw IntegrityError), removed top ids were
handed out again, each process's in-memory index missed the other's rows, and a held
lock surfaced as a raw OperationalError after 5 s.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from candidate.memory.backends import SQLiteStore, StoreBusyError

DIM = 4


def _spawn(path: Path, body: str) -> subprocess.Popen[str]:
    script = textwrap.dedent(f"""
        import numpy as np
        from candidate.memory.backends import SQLiteStore
        store = SQLiteStore({str(path)!r}, dim={DIM}, metric="l2")
    """) + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return out


@pytest.mark.parametrize("index", ["flat", "hnsw"])
def test_concurrent_writers_with_default_ids_never_clash(tmp_path: Path, index: str) -> None:
    path = tmp_path / "shared.db"
    SQLiteStore(path, dim=DIM, metric="l2").close()
    body = """
        ids = []
        for b in range(40):
            ids += store.add(np.full((10, 4), b, dtype=np.float32)).tolist()
        print(",".join(map(str, ids)))
    """
    procs = [_spawn(path, body) for _ in range(3)]
    outputs = [_finish(p) for p in procs]
    written = [int(x) for out in outputs for x in out.strip().split(",")]
    assert len(written) == len(set(written)) == 3 * 400
    with SQLiteStore(path, index=index, seed=0) if index == "hnsw" else SQLiteStore(path) as s:
        assert len(s) == 1200
        assert sorted(s._index.ids.tolist()) == sorted(written)


def test_each_store_sees_the_other_processes_commits(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SQLiteStore(path, dim=DIM, metric="l2") as mine:
        mine.add(np.zeros((2, DIM)), ids=[0, 1])
        _finish(_spawn(path, """
            store.add(np.full((1, 4), 7.0), ids=[50])
            store.remove([1])
            store.add(np.full((1, 4), 9.0), ids=[1])   # same id, another vector
        """))
        assert len(mine) == 3 and 50 in mine
        ids, dist = mine.search(np.full(DIM, 9.0), k=1)
        assert ids.tolist() == [1] and dist.tolist() == [0.0]
        # fresh ids continue after the other process's counter, never reusing one
        assert mine.add(np.ones((1, DIM))).tolist() == [51]


def test_removed_top_ids_are_not_handed_out_again_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SQLiteStore(path, dim=DIM, metric="l2") as mine:
        assert mine.add(np.ones((3, DIM))).tolist() == [0, 1, 2]
        _finish(_spawn(path, "store.remove([2])"))
        assert mine.add(np.ones((1, DIM))).tolist() == [3]


def test_a_held_lock_raises_the_store_busy_error_with_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with SQLiteStore(path, dim=DIM, metric="l2", busy_timeout=0.2) as store:
        store.add(np.ones((1, DIM)))
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreBusyError, match=r"0\.2 s") as info:
                store.add(np.ones((1, DIM)))
            assert isinstance(info.value, TimeoutError) and info.value.waited_s == 0.2
            with pytest.raises(StoreBusyError):
                store.remove([0])
        finally:
            blocker.rollback()
            blocker.close()
        assert len(store) == 1  # nothing was lost or half-written
        assert store.add(np.ones((1, DIM))).tolist() == [1]


def test_busy_timeout_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="busy_timeout"):
        SQLiteStore(tmp_path / "x.db", dim=DIM, busy_timeout=-1)
    with pytest.raises(TypeError, match="busy_timeout"):
        SQLiteStore(tmp_path / "x.db", dim=DIM, busy_timeout="5")


def test_a_store_behind_the_pruned_log_reloads(tmp_path: Path, monkeypatch) -> None:
    from lukhas.primitives.vector import sqlite_store

    monkeypatch.setattr(sqlite_store, "_LOG_FLOOR", 3)
    path = tmp_path / "shared.db"
    with SQLiteStore(path, dim=DIM, metric="l2") as mine, SQLiteStore(path) as other:
        mine.add(np.zeros((1, DIM)))
        for i in range(10):
            other.add(np.full((1, DIM), float(i + 1)))
        assert len(mine) == 11
        assert sorted(mine._index.ids.tolist()) == list(range(11))
