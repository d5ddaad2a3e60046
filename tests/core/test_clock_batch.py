"""Batch vector-clock kernels against the loop-based reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.clock import (
    NodeIndex,
    VectorClock,
    causal_order,
    compare_many,
    dominated_mask,
    merge_many,
    stack_clocks,
)
from lukhas._native import clock as _native
from reference.clock_ref import (
    is_linear_extension,
    ref_causal_order,
    ref_compare_rows,
    ref_dominated_mask,
    ref_merge_rows,
)

pytestmark = pytest.mark.clock

counters = st.integers(0, 3) | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1])


@st.composite
def matrix_pairs(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 12))
    k = draw(st.integers(0, 6))
    a = draw(arrays(np.uint64, (n, k), elements=counters))
    b_rows = draw(st.sampled_from([n, 1]))
    b = draw(arrays(np.uint64, (b_rows, k), elements=counters))
    return a, b


@settings(max_examples=200)
@given(matrix_pairs())
def test_compare_and_merge_match_reference(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    codes = compare_many(a, b)
    assert codes.dtype == np.int8 and codes.shape == (a.shape[0],)
    assert codes.tolist() == ref_compare_rows(a.tolist(), b.tolist())
    merged, fused = merge_many(a, b, return_codes=True)
    assert merged.dtype == np.uint64
    assert merged.tolist() == ref_merge_rows(a.tolist(), b.tolist())
    assert fused.tolist() == codes.tolist()
    assert merge_many(a, b).tolist() == merged.tolist()


@pytest.mark.parametrize("n", [0, 1, 5, 3000])  # 3000 x 8 crosses the GIL-release size
def test_sizes_and_single_clock_broadcast(n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.integers(0, 4, size=(n, 8), dtype=np.uint64)
    one = rng.integers(0, 4, size=8, dtype=np.uint64)
    expected = ref_compare_rows(a.tolist(), [one.tolist()])
    assert compare_many(a, one).tolist() == expected
    merged, codes = merge_many(a, one, return_codes=True)
    np.testing.assert_array_equal(merged, np.maximum(a, one))
    assert codes.tolist() == expected
    assert (n * 8 >= _native.NOGIL_ELEMENTS) == (n == 3000)


def test_accepts_lists_signed_and_strided_input() -> None:
    a = np.array([[1, 2, 9], [3, 0, 9]], dtype=np.int64)[:, :2]  # strided view
    assert compare_many(a, [[1, 2], [0, 1]]).tolist() == [0, 3]
    assert merge_many(a.tolist(), np.array([0, 5], dtype=np.uint8)).tolist() == [[1, 5], [3, 5]]


def test_in_place_merge_and_out() -> None:
    a = np.array([[1, 0], [0, 4]], dtype=np.uint64)
    b = np.array([[0, 2], [1, 1]], dtype=np.uint64)
    assert merge_many(a, b, out=a) is a
    assert a.tolist() == [[1, 2], [1, 4]]
    out = np.empty_like(a)
    merge_many(a, b, out=out)
    assert out.tolist() == a.tolist()
    merge_many(a, b, out=b)
    assert b.tolist() == a.tolist()


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: compare_many([[1.5]], [[1.0]]), TypeError, "`a` must hold unsigned integer"),
        (lambda: compare_many([[True]], [[False]]), TypeError, "not booleans"),
        (lambda: compare_many([[-1]], [[0]]), ValueError, "`a` must hold counters >= 0, got -1"),
        (lambda: compare_many([1, 2], [1, 2]), ValueError, "`a` must be 2-dimensional"),
        (lambda: compare_many([[1, 2]], [[1]]), ValueError, "same number of nodes"),
        (lambda: compare_many(np.zeros((3, 2), np.uint64), np.zeros((2, 2), np.uint64)),
         ValueError, "one row per row of `a` \\(3\\)"),
        (lambda: compare_many([["x"]], [[1]]), TypeError, "`a` must hold numbers"),
        (lambda: merge_many([[1]], [[2]], out=[[0]]), TypeError, "`out` must be a numpy ndarray"),
        (lambda: merge_many([[1]], [[2]], out=np.zeros((1, 1), np.int64)), ValueError,
         "`out` must be a uint64 array of shape \\(1, 1\\)"),
        (lambda: causal_order(np.zeros(3)), ValueError, "`clocks` must be 2-dimensional"),
        (lambda: dominated_mask([[1], [-2]]), ValueError, "`clocks` must hold counters >= 0"),
    ],
)
def test_validation(call: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_out_must_not_partially_overlap() -> None:
    buf = np.zeros((3, 2), dtype=np.uint64)
    a = buf[:2]
    with pytest.raises(ValueError, match="partially overlaps `a`"):
        merge_many(a, [[1, 1], [2, 2]], out=buf[1:])
    ro = np.zeros((2, 2), dtype=np.uint64)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        merge_many(a, a, out=ro)


@st.composite
def clock_sets(draw: Any) -> np.ndarray:
    n = draw(st.integers(0, 14))
    k = draw(st.integers(0, 4))
    return draw(arrays(np.uint64, (n, k), elements=st.integers(0, 2) | st.just(2**64 - 1)))


@settings(max_examples=200)
@given(clock_sets())
def test_causal_order_is_the_documented_linear_extension(rows: np.ndarray) -> None:
    order = causal_order(rows)
    assert order.dtype == np.int64
    assert order.tolist() == ref_causal_order(rows.tolist())
    assert is_linear_extension(rows.tolist(), order.tolist())


def test_causal_order_sums_do_not_wrap() -> None:
    # Row 0 happened before row 1, but their 64-bit sums would wrap to 0 and 1.
    top = 2**64 - 1
    rows = np.array([[top, 1, 0], [top, 1, 1], [0, 0, 0]], dtype=np.uint64)
    assert causal_order(rows).tolist() == [2, 0, 1]


def test_causal_order_shuffled_history_large() -> None:
    rng = np.random.default_rng(3)
    nodes = NodeIndex()
    clocks = [VectorClock(i, nodes) for i in range(5)]
    history = []
    for _ in range(400):
        src, dst = rng.integers(0, 5, size=2)
        clocks[src].increment()
        history.append(clocks[src].to_array(5))
        clocks[dst].receive(clocks[src])
        history.append(clocks[dst].to_array(5))
    rows = np.array(history)[rng.permutation(len(history))]
    order = causal_order(rows)
    assert order.tolist() == ref_causal_order(rows.tolist())
    ordered = rows[order]
    # No later row may happen strictly before an earlier one (vectorised check).
    for i in range(0, len(ordered), 97):
        before = np.all(ordered[i + 1 :] <= ordered[i], axis=1) & np.any(
            ordered[i + 1 :] != ordered[i], axis=1
        )
        assert not before.any()


@settings(max_examples=200)
@given(clock_sets())
def test_dominated_mask_matches_pairwise_reference(rows: np.ndarray) -> None:
    mask = dominated_mask(rows)
    assert mask.dtype == np.bool_ and mask.shape == (rows.shape[0],)
    assert mask.tolist() == ref_dominated_mask(rows.tolist())


def test_dominated_mask_frontier_of_a_history() -> None:
    rows = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [1, 1, 0], [2, 1, 0]], dtype=np.uint64)
    assert dominated_mask(rows).tolist() == [True, True, False, True, False]


def test_stack_clocks() -> None:
    nodes = NodeIndex()
    a, b = VectorClock("a", nodes), VectorClock("b", nodes)
    a.increment()
    b.receive(a)
    foreign = VectorClock("z", NodeIndex(), counts={"z": 4, "a": 1})
    matrix = stack_clocks([a, b, foreign])
    assert nodes.ids == ("a", "b", "z")
    assert matrix.tolist() == [[1, 0, 0], [1, 1, 0], [1, 0, 4]]
    assert stack_clocks([], nodes=NodeIndex()).shape == (0, 0)
    with pytest.raises(TypeError, match="`clocks\\[1\\]` must be a VectorClock"):
        stack_clocks([a, {"a": 1}])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="`nodes` must be a NodeIndex"):
        stack_clocks([a], nodes={})  # type: ignore[arg-type]


def test_counters_at_or_above_2_63_in_lists_are_read_exactly() -> None:
    # Regression (issue 12): NumPy reads such lists as float64, and they were refused
    # with a message about float64; now they are exact uint64 counters.
    from core.clock import compare_many, merge_many

    a = [[2**63, 1], [2**64 - 1, 0]]
    b = [[2**63 + 1, 0], [2**64 - 1, 0]]
    merged = merge_many(a, b)
    assert merged.dtype == np.uint64
    assert merged.tolist() == [[2**63 + 1, 1], [2**64 - 1, 0]]
    assert compare_many(a, b).tolist() == [3, 0]
    with pytest.raises(ValueError, match="out of range for uint64"):
        merge_many([[2**64, 0]], [[0, 0]])
    with pytest.raises(TypeError):
        merge_many([[1.5, 0]], [[0, 0]])


@pytest.mark.parametrize("offset", [0, 1, 3, 7])
def test_large_merges_take_the_streaming_path_exactly(offset: int) -> None:
    # Above 8 MiB of output the kernel writes with streaming stores from the first
    # aligned element; any alignment of `out`, and in place, must give np.maximum.
    from core.clock import merge_many

    rng = np.random.default_rng(offset)
    n, k = 20_000, 64  # 10 MiB of output
    a = rng.integers(0, 2**64 - 1, (n, k), dtype=np.uint64, endpoint=True)
    b = rng.integers(0, 2**64 - 1, (n, k), dtype=np.uint64, endpoint=True)
    storage = np.empty(n * k + offset, dtype=np.uint64)
    out = storage[offset:].reshape(n, k)
    merge_many(a, b, out=out)
    np.testing.assert_array_equal(out, np.maximum(a, b))
    expected = np.maximum(a, b)
    merge_many(a, b, out=a)
    np.testing.assert_array_equal(a, expected)
