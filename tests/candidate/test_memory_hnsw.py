"""HNSWIndex: recall against the exact path, deletes, persistence, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from candidate.memory.backends import FlatIndex, HNSWIndex
from lukhas._native import hnsw as _hnsw
from reference.topk_ref import recall_at_k, ref_topk

#: Stated quality threshold: recall@10 of HNSW against the exact path on
#: clustered data (measured 0.99 at ef=200, the same as hnswlib at equal M, ef_construction, ef).
RECALL_THRESHOLD = 0.97


def _sphere_mixture(n: int, dim: int, seed: int) -> np.ndarray:
    """Gaussian mixture projected to the unit sphere (embedding-like data)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    x = centres[rng.integers(0, 20, n)] + 0.6 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return _sphere_mixture(3000, 32, 0)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return _sphere_mixture(200, 32, 1)


@pytest.mark.parametrize("metric", ["ip", "cosine", "l2"])
def test_recall_against_exact(data: np.ndarray, queries: np.ndarray, metric: str) -> None:
    index = HNSWIndex(32, metric, M=12, ef_construction=100, seed=3)
    index.add(data)
    found, scores = index.search(queries, 10, ef=200)
    truth, truth_scores = index.search(queries, 10, exact=True)
    assert recall_at_k(found, truth) >= RECALL_THRESHOLD
    # Scores are those of the returned ids (compare with the flat index).
    flat = FlatIndex(32, metric)
    flat.add(data)
    flat_ids, flat_scores = flat.search(queries, 10)
    np.testing.assert_array_equal(truth, flat_ids)
    np.testing.assert_allclose(truth_scores, flat_scores, rtol=1e-5, atol=1e-5)
    if metric == "l2":
        assert (np.diff(scores, axis=1) >= 0).all()
    else:
        assert (np.diff(scores, axis=1) <= 1e-6).all()


def test_exact_path_matches_reference(data: np.ndarray) -> None:
    index = HNSWIndex(32, "l2", seed=0)
    index.add(data[:200], ids=np.arange(1000, 1200))
    got, _ = index.search(data[:5], 4, exact=True)
    want, _ = ref_topk(data[:200], list(range(1000, 1200)), data[:5], 4, "l2")
    assert got.tolist() == want


def test_parallel_batch_equals_serial(data: np.ndarray, queries: np.ndarray) -> None:
    index = HNSWIndex(32, "ip", M=8, ef_construction=60, seed=5)
    index.add(data)
    batch = index.search(queries, 5, ef=40)
    rows = [index.search(q, 5, ef=40) for q in queries]
    np.testing.assert_array_equal(batch[0], np.stack([r[0] for r in rows]))
    np.testing.assert_array_equal(batch[1], np.stack([r[1] for r in rows]))


def test_incremental_adds_and_reproducible(data: np.ndarray, queries: np.ndarray) -> None:
    a = HNSWIndex(32, "cosine", M=8, seed=11)
    for chunk in np.array_split(data[:1000], 7):
        a.add(chunk)
    b = HNSWIndex(32, "cosine", M=8, seed=11)
    b.add(data[:1000])
    np.testing.assert_array_equal(a.search(queries, 5)[0], b.search(queries, 5)[0])
    assert len(a) == 1000


def test_deletes_never_returned_and_rebuild(data: np.ndarray, queries: np.ndarray) -> None:
    index = HNSWIndex(32, "l2", M=8, ef_construction=80, seed=2, rebuild_ratio=0.4)
    index.add(data[:1000])
    doomed = np.arange(0, 1000, 3)
    index.remove(doomed)
    found, _ = index.search(queries, 10, ef=200)
    assert not np.isin(found, doomed).any()
    truth, _ = index.search(queries, 10, exact=True)
    assert not np.isin(truth, doomed).any()
    assert recall_at_k(found, truth) >= RECALL_THRESHOLD
    # Crossing the rebuild ratio compacts the graph; ids and results survive.
    index.remove(np.arange(1, 1000, 3)[:120])
    assert index._graph.n_deleted == 0
    assert len(index) == 1000 - 334 - 120
    assert recall_at_k(index.search(queries, 10, ef=200)[0],
                       index.search(queries, 10, exact=True)[0]) >= RECALL_THRESHOLD
    # A removed id may be added again.
    index.add(data[:1], ids=[0])
    assert index.search(data[0], 1)[0].tolist() == [0]


def test_save_load_round_trip(tmp_path: Path, data: np.ndarray, queries: np.ndarray) -> None:
    index = HNSWIndex(32, "cosine", M=8, seed=4, ef=50)
    index.add(data[:800], ids=np.arange(800) * 2)
    index.remove([0, 2, 4])
    path = tmp_path / "graph.npz"
    index.save(path)
    loaded = HNSWIndex.load(path)
    assert len(loaded) == len(index) and loaded.metric == "cosine" and loaded.ef == 50
    for got, want in zip(loaded.search(queries, 7), index.search(queries, 7), strict=True):
        np.testing.assert_array_equal(got, want)
    assert loaded.add(data[:1]).tolist() == [1599]


def test_load_rejects_damaged_archive(tmp_path: Path, data: np.ndarray) -> None:
    index = HNSWIndex(32, "l2", M=8, seed=4)
    index.add(data[:100])
    path = tmp_path / "graph.npz"
    index.save(path)
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["links0"][5, 1] = 10_000  # a link out of range would crash a trusting kernel
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match="links0"):
        HNSWIndex.load(bad)
    del arrays["config"]
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match="not a lukhas HNSW archive"):
        HNSWIndex.load(bad)


def test_small_and_empty_indexes() -> None:
    index = HNSWIndex(3, "l2", seed=0)
    ids, dist = index.search(np.ones(3), 2)
    assert ids.tolist() == [-1, -1] and np.isinf(dist).all()
    index.add(np.eye(3))
    ids, _ = index.search([1.0, 0.0, 0.0], 5)
    assert ids.tolist()[:3] == [0, 1, 2] or ids[0] == 0
    assert sorted(ids[:3].tolist()) == [0, 1, 2] and ids[3:].tolist() == [-1, -1]
    assert index.bytes_per_vector > 0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="`M`"):
        HNSWIndex(4, M=1)
    with pytest.raises(ValueError, match="`ef_construction`"):
        HNSWIndex(4, ef_construction=0)
    index = HNSWIndex(4, "cosine", seed=0)
    index.add(np.eye(4))
    with pytest.raises(ValueError, match="4 columns"):
        index.add(np.ones((1, 5)))
    with pytest.raises(ValueError, match="NaN"):
        index.search([np.nan, 0, 0, 0], 1)
    with pytest.raises(ValueError, match="zero vectors"):
        index.search(np.zeros(4), 1)
    with pytest.raises(ValueError, match="already stored"):
        index.add(np.ones((1, 4)), ids=[1])
    with pytest.raises(ValueError, match="`ef`"):
        index.search(np.ones(4), 1, ef=0)
    with pytest.raises(KeyError):
        index.remove([42])
    assert len(index) == 4


def test_graph_invariants(data: np.ndarray) -> None:
    g = _hnsw.HNSWGraph(32, 6, 40, _hnsw.METRIC_L2, 9, 16, 1)
    g.add(np.ascontiguousarray(data[:500]))
    state = g.state()
    counts = state["links0"][:, 0]
    assert (counts >= 1).all() and (counts <= 12).all()
    for node in range(500):
        links = state["links0"][node, 1 : 1 + counts[node]]
        assert node not in links and len(set(links.tolist())) == len(links)
    assert state["levels"][state["entry"]] == state["max_level"] == state["levels"].max()
    assert _hnsw.simd_name() in {"avx512", "avx2", "scalar"}
