"""One suite, every memory backend: the in-memory fake, flat, HNSW, SQLite and sharded stores.

Each backend is checked against the brute-force oracle in
``tests/reference/topk_ref.py`` and against the same rules for bad input
(:class:`memory.core.MemoryBackend` states them).  HNSW runs with a beam wider
than the data (``ef=256`` over at most 80 vectors), where it must be exact.

The rules of the shared store core hold everywhere too: ids are never handed
out twice, options a backend does not take are refused with a ``ValueError``
naming the option and the backend, metadata filters mean the same in every
backend that keeps metadata, and the persistent backends survive a reopen.
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
Factory = Callable[..., Any]


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
#: The class each backend kind names in its messages.
NAMES = {"fake": "InMemoryBackend", "flat": "FlatIndex", "hnsw": "HNSWIndex",
         "sqlite": "SQLiteStore", "sqlite-hnsw": "SQLiteStore", "sharded": "ShardedStore",
         "sharded-hnsw": "ShardedStore"}
HNSW_KINDS = {"hnsw", "sqlite-hnsw", "sharded-hnsw"}
METADATA_KINDS = {"fake", "sqlite", "sqlite-hnsw", "sharded", "sharded-hnsw"}


@pytest.fixture(params=BACKENDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    opened: list[Any] = []

    def factory(dim: int, metric: str, **extra: Any) -> Any:
        options: dict[str, Any] = {"seed": 0, "ef": 256} if kind in HNSW_KINDS else {}
        options.update(extra)
        if kind == "fake":
            store: Any = InMemoryBackend(dim, metric, **options)
        elif kind == "flat":
            store = FlatIndex(dim, metric, **options)
        elif kind == "hnsw":
            store = HNSWIndex(dim, metric, **options)
        elif kind.startswith("sqlite"):
            if kind.endswith("hnsw"):
                options["index"] = "hnsw"
            store = SQLiteStore(tmp_path / f"store{len(opened)}.db", dim, metric, **options)
        else:
            client = request.getfixturevalue("dask_client")
            if kind.endswith("hnsw"):
                options["index"] = "hnsw"
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


# -- the store core's rules ------------------------------------------------------------


def test_ids_are_never_reused_after_delete(make: Factory) -> None:
    store = make(DIM, "l2")
    assert store.add(_data(3)).tolist() == [0, 1, 2]
    store.remove([2])  # the top id: a MAX(id) + 1 counter would hand it out again
    assert store.add(_data(1)).tolist() == [3]
    store.remove([3, 1])
    assert store.add(_data(2)).tolist() == [4, 5]
    store.add(_data(1), [40])
    store.remove([40])
    assert store.add(_data(1)).tolist() == [41]
    store.add(_data(1), [3])  # a freed id may still be stored explicitly
    assert store.add(_data(1)).tolist() == [42]
    assert sorted(store.search(_data(1)[0], 10)[0][:6].tolist()) == [0, 3, 4, 5, 41, 42]


def test_unknown_options_are_refused(make: Factory, kind: str) -> None:
    name = NAMES[kind]
    with pytest.raises(ValueError, match=f"{name}.*`bogus`"):
        make(DIM, "ip", bogus=1)
    store = make(DIM, "ip")
    store.add(_data(4))
    with pytest.raises(ValueError, match=f"{name}.*`bogus`"):
        store.search(_data(1), 2, bogus=1)
    with pytest.raises(ValueError, match=f"{name}.*`nprobe`"):
        store.search(_data(1), 2, nprobe=4)


HNSW_INDEX_OPTIONS = {"M": 8, "ef_construction": 40, "rebuild_ratio": 0.25, "n_threads": 1}


@pytest.mark.parametrize(("option", "value"), sorted(HNSW_INDEX_OPTIONS.items()))
def test_index_options_are_taken_or_refused(make: Factory, kind: str, option: str,
                                            value: Any) -> None:
    if kind not in HNSW_KINDS:
        with pytest.raises(ValueError, match=f"{NAMES[kind]}.*`{option}`"):
            make(DIM, "l2", **{option: value})
        return
    store = make(DIM, "l2", **{option: value})
    data = _data(40)
    store.add(data)
    store.remove(list(range(0, 40, 3)))  # past rebuild_ratio: the graph is rebuilt
    found, _ = store.search(data, 1)
    keep = [i for i in range(40) if i % 3]
    assert found[keep, 0].tolist() == keep


@pytest.mark.parametrize("option", ["ef", "exact", "where"])
def test_search_options_are_taken_or_refused(make: Factory, kind: str, option: str) -> None:
    store = make(DIM, "l2")
    data = _data(30)
    if kind in METADATA_KINDS:
        store.add(data, metadata=[{"half": i < 15} for i in range(30)])
    else:
        store.add(data)
    value: Any = {"ef": 64, "exact": True, "where": {"half": True}}[option]
    taken = kind in (HNSW_KINDS if option != "where" else METADATA_KINDS)
    if not taken:
        with pytest.raises(ValueError, match=f"{NAMES[kind]}.*`{option}`"):
            store.search(data[:3], 2, **{option: value})
        return
    found, _ = store.search(data[:3], 2, **{option: value})
    assert found[:, 0].tolist() == [0, 1, 2]
    if option == "ef":
        with pytest.raises(ValueError, match="`ef`"):
            store.search(data[:3], 2, ef=0)
    if option == "exact":
        with pytest.raises(TypeError, match="`exact`"):
            store.search(data[:3], 2, exact="yes")


FILTER_ITEMS: list[dict[str, Any]] = [
    {"n": 1}, {"n": 1.0}, {"n": True}, {"n": "1"}, {"n": [1]}, {"n": {"v": 1}}, {},
    {"n": 2, "tag": "x"}, {"n": False, "tag": "x"}, {"n": 0}, {"tag": "y", "n": 2.5},
]
FILTER_CASES: list[tuple[dict[str, Any], list[int]]] = [
    ({"n": 1}, [0, 1, 2]),  # JSON numbers: true == 1 == 1.0
    ({"n": True}, [0, 1, 2]),
    ({"n": 1.0}, [0, 1, 2]),
    ({"n": "1"}, [3]),  # a string never equals a number
    ({"n": 0}, [8, 9]),
    ({"n": False}, [8, 9]),
    ({"n": 2.5}, [10]),
    ({"tag": "x"}, [7, 8]),
    ({"tag": "x", "n": 2}, [7]),  # every key must hold
    ({"missing": 1}, []),
    ({"n": "[1]"}, []),  # arrays and objects equal nothing, not even their JSON text
    ({"n": '{"v":1}'}, []),
]


def test_filters_mean_the_same_everywhere(make: Factory) -> None:
    store = _metadata_store(make, "l2")
    data = np.arange(len(FILTER_ITEMS) * DIM, dtype=np.float32).reshape(-1, DIM)
    store.add(data, metadata=FILTER_ITEMS)
    k = len(FILTER_ITEMS)
    for where, want in FILTER_CASES:
        found, dist = store.search(data[0], k, where=where)
        assert found.tolist() == want + [-1] * (k - len(want)), where
        assert np.isposinf(dist[len(want):]).all()
    with pytest.raises(ValueError, match="identifiers"):
        store.search(data[0], 1, where={"a.b": 1})
    with pytest.raises(TypeError, match="where"):
        store.search(data[0], 1, where={"n": None})
    with pytest.raises(TypeError, match="non-empty"):
        store.search(data[0], 1, where={})


def _reopen(kind: str, store: Any, tmp_path: Path) -> Any:
    if kind == "hnsw":
        path = tmp_path / "graph.npz"
        store.save(path)
        return HNSWIndex.load(path)
    store.close()
    options = {"index": "hnsw", "seed": 0, "ef": 256} if kind == "sqlite-hnsw" else {}
    return SQLiteStore(store.path, **options)


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_persistence_round_trip(make: Factory, kind: str, metric: str, tmp_path: Path) -> None:
    if kind not in {"hnsw", "sqlite", "sqlite-hnsw"}:
        pytest.skip("this backend does not persist")
    store = make(DIM, metric)
    data = _data(50, seed=7)
    meta = [{"i": i, "odd": i % 2 == 1} for i in range(50)]
    if kind == "hnsw":
        store.add(data)
    else:
        store.add(data, metadata=meta)
    store.remove([49, 10, 11])  # 49 is the top id: it must stay retired after the reopen
    queries = _data(5, seed=8)
    before = store.search(queries, 6)
    again = _reopen(kind, store, tmp_path)
    try:
        assert (again.dim, again.metric, len(again)) == (DIM, metric, 47)
        after = again.search(queries, 6)
        np.testing.assert_array_equal(before[0], after[0])
        np.testing.assert_allclose(before[1], after[1], rtol=1e-6)
        if kind != "hnsw":
            assert again.metadata([48, 0]) == [meta[48], meta[0]]
            filtered = again.search(queries, 3, where={"odd": True})[0]
            assert (filtered % 2 == 1).all()
        assert again.add(data[:1]).tolist() == [50]
        assert 10 not in again and 49 not in again and 50 in again
    finally:
        if hasattr(again, "close"):
            again.close()


# -- issue 12: edge input every backend answers with its clear error -----------------------


def test_empty_query_batch_returns_empty_results(make: Factory) -> None:
    store = make(DIM, "l2")
    store.add(np.ones((3, DIM)))
    ids, dist = store.search(np.zeros((0, DIM)), k=2)
    assert ids.shape == (0, 2) and dist.shape == (0, 2)


def test_largest_id_is_refused_so_fresh_ids_never_overflow(make: Factory) -> None:
    store = make(DIM, "l2")
    with pytest.raises(ValueError, match="2\\*\\*63 - 2"):
        store.add(np.ones((1, DIM)), ids=[2**63 - 1])
    store.add(np.ones((1, DIM)), ids=[2**63 - 2])
    with pytest.raises(ValueError, match="fresh ids"):
        store.add(np.ones((1, DIM)))
    assert len(store) == 1


@pytest.mark.parametrize("ident", [True, False, 1.0, "1", None])
def test_membership_needs_an_int_id(make: Factory, ident: Any) -> None:
    store = make(DIM, "l2")
    store.add(np.ones((2, DIM)))
    assert 1 in store and np.int64(0) in store
    with pytest.raises(TypeError, match="`ident` must be an int id"):
        _ = ident in store


@pytest.mark.parametrize("metric", ["l2", "ip"])
def test_magnitudes_that_would_overflow_the_distance_are_refused(
    make: Factory, metric: str
) -> None:
    store = make(DIM, metric)
    huge = np.full((2, DIM), 3e38, dtype=np.float32)
    with pytest.raises(ValueError, match="squared norm above"):
        store.add(huge)
    store.add(np.ones((2, DIM)))
    with pytest.raises(ValueError, match="squared norm above"):
        store.search(huge, k=1)
    # Just inside the limit the distances are finite and ordered.
    limit = float(np.finfo(np.float32).max) / (4.0 if metric == "l2" else 1.0)
    edge = np.sqrt(limit / DIM) * 0.999
    _ids, dist = store.search(np.full((1, DIM), edge, dtype=np.float32), k=2)
    assert np.isfinite(dist).all()
