"""Vector search: lukhas FlatIndex / HNSWIndex beside numpy, faiss, hnswlib and usearch.

Data: a Gaussian mixture projected on the unit sphere (clustered, embedding-like),
inner-product metric.  Exact benches assert the ids against lukhas' exact result;
``sgemm-floor`` in the exact group times the bare BLAS products of the exact
search (same shapes and blocks as lukhas, no selection): the time no exact search
built on sgemm can beat.  HNSW benches pick, per library and untimed, the smallest
``ef`` that reaches recall@10 >= 0.99 against the exact result, then time search at
that ``ef`` (so queries/s are compared at the same recall) and assert the recall
again; lukhas and the peers build with every core.

Run: ``pytest benches/bench_memory.py --benchmark-only``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from candidate.memory.backends import FlatIndex, HNSWIndex
from lukhas.primitives.vector._exact import BLOCK_BYTES, QUERY_BLOCK
from reference.topk_ref import recall_at_k

K = 10
EXACT_N, EXACT_DIM, EXACT_Q = 100_000, 128, 1000
ANN_N, ANN_DIM, ANN_Q = 20_000, 96, 2000
M, EF_CONSTRUCTION = 16, 200
EF_LADDER = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
TARGET_RECALL = 0.99


def sphere_mixture(n: int, dim: int, seed: int, clusters: int = 64) -> np.ndarray:
    """Clustered unit vectors: cluster centres plus isotropic noise, normalised."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    x = centres[rng.integers(0, clusters, n)] + 0.5 * rng.standard_normal((n, dim),
                                                                         dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def exact_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    base = sphere_mixture(EXACT_N, EXACT_DIM, 0)
    queries = sphere_mixture(EXACT_Q, EXACT_DIM, 1)
    index = FlatIndex(EXACT_DIM, "ip")
    index.add(base)
    truth, _ = index.search(queries, K)
    return base, queries, truth


def _numpy_topk(base: np.ndarray, queries: np.ndarray) -> np.ndarray:
    scores = queries @ base.T
    part = np.argpartition(-scores, K, axis=1)[:, :K]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
    return np.take_along_axis(part, order, axis=1)


def _faiss_flat(base: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    faiss = pytest.importorskip("faiss")
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    return lambda q: index.search(q, K)[1]


def _lukhas_flat(base: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    index = FlatIndex(base.shape[1], "ip")
    index.add(base)
    return lambda q: index.search(q, K)[0]


EXACT_PEERS: dict[str, Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "lukhas": _lukhas_flat,
    "numpy-matmul-argpartition": lambda base: lambda q: _numpy_topk(base, q),
    "faiss-IndexFlatIP": _faiss_flat,
}


@pytest.mark.benchmark(group="memory-exact-search")
@pytest.mark.parametrize("peer", list(EXACT_PEERS))
def test_exact_search(benchmark: Any, exact_data: Any, peer: str) -> None:
    base, queries, truth = exact_data
    search = EXACT_PEERS[peer](base)
    found = benchmark.pedantic(search, args=(queries,), rounds=3, iterations=1,
                               warmup_rounds=1)
    assert recall_at_k(np.asarray(found, dtype=np.int64), truth) >= 0.999


@pytest.mark.benchmark(group="memory-exact-search")
def test_exact_search_sgemm_floor(benchmark: Any, exact_data: Any) -> None:
    """The score products alone, in lukhas' blocks, into one reused buffer."""
    base, queries, _ = exact_data
    nq, n = queries.shape[0], base.shape[0]
    rows = min(nq, QUERY_BLOCK)
    cols = max(256, min(n, BLOCK_BYTES // (4 * rows)))
    buffer = np.empty((rows, cols), dtype=np.float32)

    def products() -> np.ndarray:
        for q0 in range(0, nq, rows):
            for c0 in range(0, n, cols):
                block = buffer[: min(nq - q0, rows), : min(n - c0, cols)]
                np.matmul(queries[q0 : q0 + rows], base[c0 : c0 + cols].T, out=block)
        return block

    last = benchmark.pedantic(products, rounds=3, iterations=1, warmup_rounds=1)
    q0, c0 = (nq - 1) // rows * rows, (n - 1) // cols * cols
    np.testing.assert_allclose(last, queries[q0:] @ base[c0:].T, rtol=1e-5, atol=1e-5)


# -- HNSW ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ann_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    base = sphere_mixture(ANN_N, ANN_DIM, 2)
    queries = sphere_mixture(ANN_Q, ANN_DIM, 3)
    index = FlatIndex(ANN_DIM, "ip")
    index.add(base)
    truth, _ = index.search(queries, K)
    return base, queries, truth


class _Peer:
    """One ANN library: build, set the beam width, search."""

    def __init__(self, build: Callable[[np.ndarray], Any],
                 search: Callable[[Any, np.ndarray, int], np.ndarray]) -> None:
        self.build = build
        self.search = search


def _hnswlib_build(base: np.ndarray) -> Any:
    hnswlib = pytest.importorskip("hnswlib")
    index = hnswlib.Index("ip", base.shape[1])
    index.init_index(base.shape[0], M, EF_CONSTRUCTION, 0)
    index.add_items(base)
    return index


def _hnswlib_search(index: Any, q: np.ndarray, ef: int) -> np.ndarray:
    index.set_ef(ef)
    return np.asarray(index.knn_query(q, K)[0], dtype=np.int64)


def _faiss_build(base: np.ndarray) -> Any:
    faiss = pytest.importorskip("faiss")
    index = faiss.IndexHNSWFlat(base.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.add(base)
    return index


def _faiss_search(index: Any, q: np.ndarray, ef: int) -> np.ndarray:
    index.hnsw.efSearch = ef
    return np.asarray(index.search(q, K)[1], dtype=np.int64)


def _usearch_build(base: np.ndarray) -> Any:
    usearch = pytest.importorskip("usearch.index")
    index = usearch.Index(ndim=base.shape[1], metric="ip", dtype="f32", connectivity=M,
                          expansion_add=EF_CONSTRUCTION)
    index.add(np.arange(base.shape[0]), base)
    return index


def _usearch_search(index: Any, q: np.ndarray, ef: int) -> np.ndarray:
    index.expansion_search = ef
    return np.asarray(index.search(q, K).keys, dtype=np.int64)


def _lukhas_build(base: np.ndarray) -> HNSWIndex:
    index = HNSWIndex(base.shape[1], "ip", M=M, ef_construction=EF_CONSTRUCTION, seed=0)
    index.add(base)
    return index


ANN_PEERS = {
    "lukhas": _Peer(_lukhas_build, lambda ix, q, ef: ix.search(q, K, ef=ef)[0]),
    "hnswlib": _Peer(_hnswlib_build, _hnswlib_search),
    "faiss-HNSWFlat": _Peer(_faiss_build, _faiss_search),
    "usearch": _Peer(_usearch_build, _usearch_search),
}


@pytest.mark.benchmark(group="memory-hnsw-search-at-recall-0.99")
@pytest.mark.parametrize("peer", list(ANN_PEERS))
def test_hnsw_search(benchmark: Any, ann_data: Any, peer: str) -> None:
    base, queries, truth = ann_data
    lib = ANN_PEERS[peer]
    index = lib.build(base)
    ef = next((ef for ef in EF_LADDER
               if recall_at_k(lib.search(index, queries, ef), truth) >= TARGET_RECALL), None)
    if ef is None:
        pytest.fail(f"{peer} does not reach recall {TARGET_RECALL} with ef <= {EF_LADDER[-1]}")
    benchmark.extra_info["ef"] = ef
    found = benchmark.pedantic(lib.search, args=(index, queries, ef), rounds=5, iterations=1,
                               warmup_rounds=1)
    assert recall_at_k(found, truth) >= TARGET_RECALL


@pytest.mark.benchmark(group="memory-hnsw-build")
@pytest.mark.parametrize("peer", list(ANN_PEERS))
def test_hnsw_build(benchmark: Any, ann_data: Any, peer: str) -> None:
    base, queries, truth = ann_data
    lib = ANN_PEERS[peer]
    index = benchmark.pedantic(lib.build, args=(base,), rounds=2, iterations=1)
    if isinstance(index, HNSWIndex):
        benchmark.extra_info["bytes_per_vector"] = round(index.bytes_per_vector)
    assert recall_at_k(lib.search(index, queries, 256), truth) >= 0.95


# -- filtered search in the SQLite store ---------------------------------------------------
#
# Two filter families over 50,000 stored items with metadata: a selective two-key filter
# (about 1 item in 35 matches) and a broad one-key filter (half of the items).  The peer
# is what a user would write by hand: SQLite's json_extract to select the rows, then a
# numpy product and argpartition over them.  Both must return the same ids.

FILTER_N, FILTER_DIM, FILTER_Q = 50_000, 64, 8
FILTERS = {"selective": {"kind": "c", "shard": 3}, "broad": {"even": True}}


@pytest.fixture(scope="module")
def filtered_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from candidate.memory.backends import SQLiteStore

    base = sphere_mixture(FILTER_N, FILTER_DIM, 5)
    meta = [{"kind": "abcde"[i % 5], "shard": i % 7, "even": i % 2 == 0}
            for i in range(FILTER_N)]
    path = tmp_path_factory.mktemp("filtered") / "store.db"
    store = SQLiteStore(path, dim=FILTER_DIM, metric="ip")
    store.add(base, metadata=meta)
    yield store, base, sphere_mixture(FILTER_Q, FILTER_DIM, 6)
    store.close()


def _json_extract_numpy(store: Any, queries: np.ndarray, where: dict[str, Any]) -> np.ndarray:
    clause = " AND ".join("json_extract(metadata, ?) = ?" for _ in where)
    params = [p for key, value in where.items() for p in (f"$.{key}", value)]
    rows = store._conn.execute(  # the peer reads the same file the store wrote
        f"SELECT id, vector FROM items WHERE {clause} ORDER BY id", params).fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    base = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids[_numpy_topk(base, queries)]


@pytest.mark.benchmark(group="memory-sqlite-filtered-search")
@pytest.mark.parametrize("family", list(FILTERS))
@pytest.mark.parametrize("peer", ["lukhas", "sqlite-json_extract+numpy"])
def test_filtered_search(benchmark: Any, filtered_store: Any, family: str, peer: str) -> None:
    store, _, queries = filtered_store
    where = FILTERS[family]
    if peer == "lukhas":
        found = benchmark(lambda: store.search(queries, K, where=where)[0])
    else:
        found = benchmark(_json_extract_numpy, store, queries, where)
    assert (np.sort(found, axis=1) == np.sort(
        _json_extract_numpy(store, queries, where), axis=1)).all()


# -- HNSW, one query at a time (what agents send) and on hard (uniform) data --------------

SINGLE_FAMILIES = ("clustered", "uniform")
SINGLE_N, SINGLE_DIM, SINGLE_QUERIES = 10_000, 384, 200


@pytest.fixture(scope="module", params=SINGLE_FAMILIES)
def single_data(request: pytest.FixtureRequest) -> tuple[str, np.ndarray, np.ndarray, Any, Any]:
    family = str(request.param)
    if family == "clustered":
        base = sphere_mixture(SINGLE_N, SINGLE_DIM, 5)
        queries = sphere_mixture(SINGLE_QUERIES, SINGLE_DIM, 6)
    else:  # uniform on the sphere: high intrinsic dimension, the hardest realistic family
        rng = np.random.default_rng(7)
        base = rng.standard_normal((SINGLE_N, SINGLE_DIM)).astype(np.float32)
        queries = rng.standard_normal((SINGLE_QUERIES, SINGLE_DIM)).astype(np.float32)
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return family, base, queries, _lukhas_build(base), _hnswlib_build(base)


def _one_at_a_time(search: Callable[[np.ndarray], Any], queries: np.ndarray) -> list[Any]:
    return [search(q) for q in queries]


@pytest.mark.parametrize("ef", [16, 64, 256])
@pytest.mark.parametrize("peer", ["lukhas", "hnswlib"])
def test_hnsw_single_queries(benchmark: Any, single_data: Any, peer: str, ef: int) -> None:
    family, _, queries, ours, theirs = single_data
    benchmark.group = f"memory-hnsw-single-query-{family}-ef{ef}"
    if peer == "lukhas":
        search = functools.partial(ours.search, k=K, ef=ef)
    else:
        theirs.set_ef(ef)
        search = functools.partial(theirs.knn_query, k=K)
    found = benchmark.pedantic(_one_at_a_time, args=(search, queries), rounds=5, iterations=1,
                               warmup_rounds=1)
    batch_ours = ours.search(queries, K, ef=ef)[0] if peer == "lukhas" else None
    if batch_ours is not None:  # one at a time answers exactly what the batch answers
        assert np.array_equal(np.stack([f[0] for f in found]), batch_ours)
    else:
        assert len(found) == len(queries)


@pytest.mark.benchmark(group="memory-hnsw-call-overhead")
@pytest.mark.parametrize("peer", ["lukhas-1-node", "no-op-call"])
def test_hnsw_call_overhead(benchmark: Any, peer: str) -> None:
    # The per-call cost around the kernel: a search of a one-node graph beside a Python
    # call that does no work with the same arguments.
    q = np.ones(SINGLE_DIM, dtype=np.float32)
    if peer == "no-op-call":
        def noop(queries: np.ndarray, k: int) -> None:
            return None
        benchmark(noop, q, 1)
        return
    index = HNSWIndex(SINGLE_DIM, "ip", seed=0)
    index.add(q)
    ids, _ = benchmark(index.search, q, 1)
    assert ids.tolist() == [0]
