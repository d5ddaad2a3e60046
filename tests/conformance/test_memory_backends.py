"""One suite, every memory backend: the in-memory fake, flat, HNSW, SQLite and sharded stores.

Each backend is checked against the brute-force oracle in
``tests/reference/topk_ref.py`` and against the same rules for bad input
(:class:`memory.core.MemoryBackend` states them).  HNSW runs with a beam wider
than the data (``ef=256`` over at most 80 vectors), where it must be exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from candidate.memory.backends import FlatIndex, HNSWIndex, ShardedStore, SQLiteStore
from memory.core import MemoryBackend, MetadataBackend
from memory.fakes import InMemoryBackend
from reference.topk_ref import ref_topk

DIM = 8
Factory = Callable[[int, str], Any]


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


BACKENDS = ["fake", "flat", "hnsw", "sqlite", "sqlite-hnsw", "sharded", "sharded-hnsw"]


@pytest.fixture(params=BACKENDS)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    kind = request.param
    opened: list[Any] = []

    def factory(dim: int, metric: str) -> Any:
        if kind == "fake":
            store: Any = InMemoryBackend(dim, metric)
        elif kind == "flat":
            store = FlatIndex(dim, metric)
        elif kind == "hnsw":
            store = HNSWIndex(dim, metric, seed=0, ef=256)
        elif kind.startswith("sqlite"):
            options = {"index": "hnsw", "seed": 0, "ef": 256} if kind.endswith("hnsw") else {}
            store = SQLiteStore(tmp_path / f"store{len(opened)}.db", dim, metric, **options)
        else:
            client = request.getfixturevalue("dask_client")
            options = {"index": "hnsw", "seed": 0, "ef": 256} if kind.endswith("hnsw") else {}
            store = ShardedStore(dim, metric, client=client, n_shards=3, **options)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        if hasattr(store, "close"):
            store.close()


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((4, DIM)) * 3
    return (centers[rng.integers(0, 4, n)] + rng.standard_normal((n, DIM))).astype(np.float32)


def test_implements_the_protocol(make: Factory) -> None:
    store = make(DIM, "cosine")
    assert isinstance(store, MemoryBackend)
    assert (store.dim, store.metric, len(store)) == (DIM, "cosine", 0)
    if hasattr(store, "metadata"):
        assert isinstance(store, MetadataBackend)


@pytest.mark.parametrize("metric", ["ip", "cosine", "l2"])
def test_search_matches_the_reference(make: Factory, metric: str) -> None:
    store = make(DIM, metric)
    data = _data(80)
    ids = np.arange(80) * 3 + 5
    assert store.add(data, ids).tolist() == ids.tolist()
    queries = _data(6, seed=1)
    found, scores = store.search(queries, 7)
    want, want_scores = ref_topk(data, ids.tolist(), queries, 7, metric)
    assert found.shape == scores.shape == (6, 7)
    assert found.tolist() == want
    np.testing.assert_allclose(scores, want_scores, rtol=1e-4, atol=1e-4)


def test_single_query_and_padding(make: Factory) -> None:
    store = make(DIM, "l2")
    empty_ids, empty_scores = store.search(np.ones(DIM), 2)
    assert empty_ids.tolist() == [-1, -1] and np.isinf(empty_scores).all()
    store.add(_data(3))
    found, dist = store.search(_data(1, seed=4)[0], 5)
    assert found.shape == dist.shape == (5,)
    assert sorted(found[:3].tolist()) == [0, 1, 2] and found[3:].tolist() == [-1, -1]
    assert np.isposinf(dist[3:]).all() and (np.diff(dist[:3]) >= 0).all()
    sim = make(DIM, "ip")
    sim.add(_data(2))
    assert np.isneginf(sim.search(np.ones((1, DIM)), 4)[1][0, 2:]).all()


def test_ties_go_to_the_smaller_id(make: Factory) -> None:
    store = make(DIM, "l2")
    base = _data(20)
    twin = base[4]
    store.add(base, np.arange(20) + 100)
    store.add(np.stack([twin, twin]), [7, 300])
    found, dist = store.search(twin, 4)
    assert dist[:3].tolist() == [0.0, 0.0, 0.0] and dist[3] > 0
    assert found[:3].tolist() == [7, 104, 300]


def test_ids_assignment_and_membership(make: Factory) -> None:
    store = make(DIM, "cosine")
    assert store.add(_data(3)).tolist() == [0, 1, 2]
    assert store.add(_data(1), [10]).tolist() == [10]
    assert store.add(_data(2)).tolist() == [11, 12]
    assert len(store) == 6
    if hasattr(store, "__contains__"):
        assert 10 in store and 5 not in store and -1 not in store
    store.remove([10, 0])
    assert len(store) == 4
    found = store.search(_data(4, seed=2), 6)[0]
    assert not np.isin(found, [0, 10]).any()
    assert set(found[0].tolist()) == {1, 2, 11, 12, -1}


def test_duplicate_ids_change_nothing(make: Factory) -> None:
    store = make(DIM, "ip")
    store.add(_data(4))
    with pytest.raises(ValueError, match="unique"):
        store.add(_data(2), [20, 20])
    with pytest.raises(ValueError, match="already stored"):
        store.add(_data(2), [30, 3])
    assert len(store) == 4
    assert not np.isin(store.search(_data(3), 10)[0], [20, 30]).any()


@pytest.mark.parametrize(
    ("vectors", "error", "match"),
    [
        (np.full((2, DIM), np.nan), ValueError, "finite"),
        (np.ones((2, DIM + 1)), ValueError, "columns"),
        (np.ones((2, 2, DIM)), ValueError, "dimension"),
        ([["a"] * DIM], TypeError, "vectors"),
    ],
)
def test_bad_vectors_change_nothing(make: Factory, vectors: Any, error: type[Exception],
                                    match: str) -> None:
    store = make(DIM, "cosine")
    store.add(_data(2))
    with pytest.raises(error, match=match):
        store.add(vectors)
    assert len(store) == 2
    with pytest.raises(ValueError, match="zero"):
        store.add(np.zeros((1, DIM)))
    assert len(store) == 2


def test_bad_queries_and_k(make: Factory) -> None:
    store = make(DIM, "l2")
    store.add(_data(5))
    with pytest.raises(ValueError, match="queries"):
        store.search(np.ones(DIM + 2), 1)
    with pytest.raises(ValueError, match="finite"):
        store.search(np.full(DIM, np.inf), 1)
    with pytest.raises(ValueError, match="`k`"):
        store.search(np.ones(DIM), 0)
    with pytest.raises(TypeError, match="`k`"):
        store.search(np.ones(DIM), 1.5)


def test_remove_unknown_changes_nothing(make: Factory) -> None:
    store = make(DIM, "ip")
    store.add(_data(3))
    with pytest.raises(KeyError, match="not stored"):
        store.remove([1, 99])
    assert len(store) == 3
    with pytest.raises(ValueError, match=">= 0"):
        store.remove([-4])


def _metadata_store(make: Factory, metric: str) -> Any:
    store = make(DIM, metric)
    if not isinstance(store, MetadataBackend) or not hasattr(store, "metadata"):
        pytest.skip("this backend keeps no metadata")
    return store


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_filtered_search_is_exact_over_matches(make: Factory, metric: str) -> None:
    store = _metadata_store(make, metric)
    data = _data(60, seed=5)
    meta = [{"lane": ["prod", "dev"][i % 2], "hot": i % 3 == 0, "n": i} for i in range(60)]
    store.add(data, metadata=meta)
    queries = _data(3, seed=6)
    found, scores = store.search(queries, 4, where={"lane": "dev", "hot": True})
    keep = [i for i in range(60) if meta[i]["lane"] == "dev" and meta[i]["hot"]]
    want, want_scores = ref_topk(data[keep], keep, queries, 4, metric)
    assert found.tolist() == want
    np.testing.assert_allclose(scores, want_scores, rtol=1e-4, atol=1e-4)
    assert store.search(queries[0], 3, where={"lane": "nowhere"})[0].tolist() == [-1, -1, -1]


def test_metadata_round_trip_and_errors(make: Factory) -> None:
    store = _metadata_store(make, "ip")
    store.add(_data(3), [4, 5, 6], metadata=[{"a": 1}, {"b": [1, 2]}, {}])
    assert store.metadata([6, 4, 5]) == [{}, {"a": 1}, {"b": [1, 2]}]
    store.metadata([4])[0]["a"] = 99  # copies: the store is unaffected
    assert store.metadata([4]) == [{"a": 1}]
    with pytest.raises(KeyError):
        store.metadata([4, 77])
    with pytest.raises(ValueError, match="one mapping per vector"):
        store.add(_data(2), metadata=[{}])
    with pytest.raises(ValueError, match="JSON"):
        store.add(_data(1), metadata=[{"x": float("nan")}])
    with pytest.raises(TypeError, match="where"):
        store.search(np.ones(DIM), 1, where={"a": [1]})
    assert len(store) == 3
