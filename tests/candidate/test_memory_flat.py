"""FlatIndex and the top-k kernel against the brute-force reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from candidate.memory.backends import FlatIndex, _exact
from lukhas._native import topk
from lukhas.primitives.vector._exact import merge_topk
from reference.topk_ref import ref_topk

METRICS = ["ip", "cosine", "l2"]
RTOL = {np.float32: 2e-4, np.float64: 1e-10}


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((8, dim))
    return centres[rng.integers(0, 8, n)] + 0.3 * rng.standard_normal((n, dim))


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 300])
def test_matches_reference(metric: str, dtype: type, n: int) -> None:
    base = _clustered(n, 12, 0).astype(dtype)
    queries = _clustered(9, 12, 1).astype(dtype)
    index = FlatIndex(12, metric, dtype=dtype)
    ids = np.arange(100, 100 + n)
    index.add(base, ids)
    k = 5
    got_ids, got_scores = index.search(queries, k)
    want_ids, want_scores = ref_topk(base, ids.tolist(), queries, k, metric)
    assert got_ids.dtype == np.int64 and got_scores.dtype == dtype
    assert got_ids.tolist() == want_ids
    np.testing.assert_allclose(got_scores, want_scores, rtol=RTOL[dtype], atol=RTOL[dtype])


def test_blocked_path_matches_single_block(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small blocks force many query and column blocks, each split between 3 threads
    # (uneven row shares: 16 rows, then a last block of 6).
    base = _clustered(3000, 16, 2).astype(np.float32)
    queries = _clustered(70, 16, 3).astype(np.float32)
    ids = np.arange(3000, dtype=np.int64)
    monkeypatch.setattr(_exact, "_SELECTION_THREADS", 1)
    whole = _exact.exact_search(base, ids, queries, 10, "l2")
    monkeypatch.setattr(_exact, "_SELECTION_THREADS", 3)
    monkeypatch.setattr(_exact, "MIN_ROWS_PER_THREAD", 2)
    monkeypatch.setattr(_exact, "QUERY_BLOCK", 16)
    monkeypatch.setattr(_exact, "BLOCK_BYTES", 16 * 256 * 4)
    blocked = _exact.exact_search(base, ids, queries, 10, "l2")
    np.testing.assert_array_equal(whole[0], blocked[0])
    np.testing.assert_allclose(whole[1], blocked[1], rtol=1e-5)
    want, _ = ref_topk(base.astype(np.float64), ids.tolist(), queries.astype(np.float64), 10, "l2")
    assert blocked[0].tolist() == want


def test_ties_prefer_smaller_ids() -> None:
    # Small integers: BLAS is exact, so the ties are real ties.
    base = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 0]], dtype=np.float32)
    index = FlatIndex(2, "ip")
    index.add(base, ids=[40, 30, 20, 10, 0])
    ids, scores = index.search([1.0, 0.0], k=4)
    assert ids.tolist() == [10, 20, 40, 0]
    assert scores.tolist() == [1.0, 1.0, 1.0, 0.0]


@settings(max_examples=40, deadline=None)
@given(
    base=arrays(np.float64, st.tuples(st.integers(0, 40), st.just(3)),
                elements=st.integers(-3, 3).map(float)),
    k=st.integers(1, 12),
    metric=st.sampled_from(["ip", "l2"]),
)
def test_property_integer_data_exact(base: np.ndarray, k: int, metric: str) -> None:
    index = FlatIndex(3, metric, dtype=np.float64)
    index.add(base)
    queries = np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 0.0]])
    ids, scores = index.search(queries, k)
    want_ids, want_scores = ref_topk(base, list(range(len(base))), queries, k, metric)
    assert ids.tolist() == want_ids
    assert scores.tolist() == want_scores


@settings(max_examples=25, deadline=None)
@given(data=st.data(), n=st.integers(1, 30))
def test_property_remove_then_search(data: st.DataObject, n: int) -> None:
    base = _clustered(n, 4, n)
    index = FlatIndex(4, "l2", dtype=np.float64)
    index.add(base)
    doomed = data.draw(st.sets(st.integers(0, n - 1), max_size=n))
    if doomed:
        index.remove(sorted(doomed))
    keep = [i for i in range(n) if i not in doomed]
    assert len(index) == len(keep)
    assert sorted(index.ids.tolist()) == keep
    ids, _ = index.search(base[:2], 3)
    want, _ = ref_topk(base[keep], keep, base[:2], 3, "l2")
    assert ids.tolist() == want


def test_single_query_shape_and_padding() -> None:
    index = FlatIndex(3, "l2")
    index.add(np.eye(3))
    ids, dist = index.search([1.0, 0.0, 0.0], k=5)
    assert ids.shape == (5,)
    assert ids[3:].tolist() == [-1, -1]
    assert np.isinf(dist[3:]).all() and (dist[3:] > 0).all()
    ids, sims = FlatIndex(3, "ip").search(np.ones((2, 3)), k=2)
    assert ids.tolist() == [[-1, -1], [-1, -1]] and np.isneginf(sims).all()


def test_add_assigns_fresh_ids_after_explicit_ones() -> None:
    index = FlatIndex(2)
    index.add(np.ones((2, 2)), ids=[5, 9])
    assert index.add(np.ones((2, 2))).tolist() == [10, 11]
    assert 9 in index and 3 not in index
    np.testing.assert_array_equal(index.get([9, 10]), np.ones((2, 2)))


def test_merge_topk_combines_shards() -> None:
    ids = np.array([[3, 1, -1, 7, 2, -1]], dtype=np.int64)
    scores = np.array([[0.5, 0.1, 0.0, 0.3, 0.5, 0.0]], dtype=np.float32)
    got_ids, got = merge_topk(ids, scores, 4, "l2")
    assert got_ids.tolist() == [[1, 7, 2, 3]]
    got_ids, got = merge_topk(ids, scores, 5, "ip")
    assert got_ids.tolist() == [[2, 3, 7, 1, -1]] and np.isneginf(got[0, -1])


def test_kernel_heap_direct() -> None:
    scores = np.array([[1.0, 5.0, 3.0, 5.0, 2.0]], dtype=np.float64)
    best = np.full((1, 3), -np.inf)
    best_ids = np.full((1, 3), -1, dtype=np.int64)
    filled = np.zeros(1, dtype=np.int64)
    topk.topk_merge(scores, np.array([9, 8, 7, 6, 5]), np.empty(0), best, best_ids, filled)
    topk.topk_finish(best, best_ids, filled)
    assert best_ids.tolist() == [[6, 8, 7]] and best.tolist() == [[5.0, 5.0, 3.0]]


SCANNERS = ["avx512", "avx2", "scalar"]


def _merge_in_blocks(
    scores: np.ndarray, ids: np.ndarray, bias: np.ndarray, k: int, cuts: list[int], scanner: str
) -> tuple[np.ndarray, np.ndarray]:
    """Stream the columns of ``scores`` through one named scan, block by block."""
    n_rows, n_cols = scores.shape
    best = np.full((n_rows, k), -np.inf, dtype=scores.dtype)
    best_ids = np.full((n_rows, k), -1, dtype=np.int64)
    filled = np.zeros(n_rows, dtype=np.int64)
    edges = [0, *sorted(c for c in cuts if 0 < c < n_cols), n_cols]
    for c0, c1 in itertools.pairwise(edges):
        block_bias = bias[c0:c1] if bias.size else bias
        topk.topk_merge(np.ascontiguousarray(scores[:, c0:c1]), ids[c0:c1], block_bias,
                        best, best_ids, filled, scanner)
    topk.topk_finish(best, best_ids, filled)
    return best_ids, best


@pytest.mark.parametrize("scanner", SCANNERS)
@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float32, np.float64]),
    n_rows=st.integers(1, 4),
    n_cols=st.integers(0, 300),
    k=st.integers(1, 12),
    with_bias=st.booleans(),
)
def test_threshold_scan_matches_reference(
    scanner: str, data: st.DataObject, dtype: type, n_rows: int, n_cols: int, k: int,
    with_bias: bool,
) -> None:
    # Small integers: every sum is exact and ties are frequent, so the ">=" boundary and
    # the smaller-id-first rule are exercised in and across SIMD chunks and block edges.
    if scanner not in topk.scanners_available():
        pytest.skip(f"this CPU cannot run the {scanner} scan")
    values = st.integers(-6, 6).map(float)
    scores = data.draw(arrays(dtype, (n_rows, n_cols), elements=values))
    bias = (data.draw(arrays(dtype, (n_cols,), elements=values)) if with_bias
            else np.empty(0, dtype=dtype))
    ids = np.asarray(data.draw(st.permutations(range(n_cols))), dtype=np.int64)
    cuts = data.draw(st.lists(st.integers(1, max(1, n_cols - 1)), max_size=3))
    got_ids, got = _merge_in_blocks(scores, ids, bias, k, cuts, scanner)
    biased = scores + bias if with_bias else scores
    # ip with identity queries: the score of (row i, column j) is biased[i, j].
    want_ids, want = ref_topk(biased.T.astype(np.float64), ids.tolist(),
                              np.eye(n_rows), k, "ip")
    assert got_ids.tolist() == want_ids
    assert got.tolist() == want


@pytest.mark.parametrize("scanner", SCANNERS)
def test_threshold_scan_continuous_scores(scanner: str) -> None:
    if scanner not in topk.scanners_available():
        pytest.skip(f"this CPU cannot run the {scanner} scan")
    rng = np.random.default_rng(7)
    scores = rng.standard_normal((3, 1000)).astype(np.float32)
    bias = rng.standard_normal(1000).astype(np.float32)
    ids = rng.permutation(1000).astype(np.int64)
    got_ids, got = _merge_in_blocks(scores, ids, bias, 10, [129, 500, 501], scanner)
    biased = scores + bias  # the kernel adds in float32 too
    want_ids, want = ref_topk(biased.T.astype(np.float64), ids.tolist(), np.eye(3), 10, "ip")
    assert got_ids.tolist() == want_ids
    np.testing.assert_array_equal(got, np.asarray(want, dtype=np.float32))


def test_scanner_choice() -> None:
    available = topk.scanners_available()
    assert available[-1] == "scalar" and set(available) <= set(SCANNERS)
    assert topk.scanner_name() == available[0]
    one = np.zeros((1, 1))
    with pytest.raises(ValueError, match="scanner must be one of"):
        topk.topk_merge(one, np.zeros(1, dtype=np.int64), np.empty(0), np.zeros((1, 1)),
                        np.zeros((1, 1), dtype=np.int64), np.zeros(1, dtype=np.int64), "mmx")


# -- bad input ---------------------------------------------------------------------

def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="`dim`"):
        FlatIndex(0)
    with pytest.raises(ValueError, match="`metric`"):
        FlatIndex(3, "hamming")
    with pytest.raises(TypeError, match="`dtype`"):
        FlatIndex(3, dtype=np.int32)


def test_bad_vectors_change_nothing() -> None:
    index = FlatIndex(3, "cosine")
    index.add(np.eye(3))
    with pytest.raises(ValueError, match="3 columns"):
        index.add(np.ones((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        index.add([[1.0, np.nan, 0.0]])
    with pytest.raises(TypeError, match="`vectors`"):
        index.add([["a", "b", "c"]])
    with pytest.raises(ValueError, match="zero vectors"):
        index.add(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="already stored"):
        index.add(np.ones((1, 3)), ids=[2])
    with pytest.raises(ValueError, match="unique"):
        index.add(np.ones((2, 3)), ids=[7, 7])
    with pytest.raises(ValueError, match=">= 0"):
        index.add(np.ones((1, 3)), ids=[-4])
    with pytest.raises(ValueError, match="one id per vector"):
        index.add(np.ones((2, 3)), ids=[8])
    with pytest.raises(TypeError, match="integers"):
        index.add(np.ones((1, 3)), ids=[1.5])
    assert len(index) == 3
    assert index.search(np.eye(3), 1)[0].ravel().tolist() == [0, 1, 2]


def test_bad_search_and_remove() -> None:
    index = FlatIndex(2)
    index.add(np.eye(2))
    with pytest.raises(ValueError, match="`k`"):
        index.search([1.0, 0.0], 0)
    with pytest.raises(TypeError, match="`k`"):
        index.search([1.0, 0.0], 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        index.search([np.nan, 0.0], 1)
    with pytest.raises(ValueError, match="2 columns"):
        index.search([1.0, 0.0, 0.0], 1)
    with pytest.raises(ValueError, match="dimensional"):
        index.search(np.ones((1, 1, 2)), 1)
    with pytest.raises(KeyError, match="not stored"):
        index.remove([0, 99])
    assert len(index) == 2


@pytest.mark.parametrize("ids", [[1.7], [True], np.array([0.0])])
def test_get_refuses_non_integer_ids_instead_of_truncating(ids: object) -> None:
    # Regression (issue 12): get([1.7]) used to return the vector of id 1.
    index = FlatIndex(2)
    index.add([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="`ids` must hold integers"):
        index.get(ids)
    assert index.get([1, 1]).tolist() == [[3.0, 4.0], [3.0, 4.0]]
