"""Clocks: core.clock beside the best numpy formulation and a dict-based vector clock.
Every bench checks its result.

Groups:

* ``vc-compare-merge-<n>x<k>``: fused batch compare + merge (``merge_many(...,
  return_codes=True)``) beside the fastest numpy formulations we found, and
  ``np.copyto`` moving the same number of bytes (the memory-bandwidth floor:
  the kernel reads two (n, k) uint64 matrices and writes one).
* ``vc-merge-<n>x<k>``: merge alone into a preallocated ``out`` beside
  ``np.maximum(a, b, out=out)`` and the same ``np.copyto`` floor.
* ``vc-compare-single-k<k>``: 1,000 ``VectorClock.compare`` calls from Python beside
  the same calls on a per-pair dict clock.
* ``vc-causal-order``: ``causal_order`` beside ``np.lexsort`` on (sum, columns).
* ``hlc-now``: stamping events, compiled HLC beside a pure-Python one.

Run: ``pytest benches/bench_clock.py --benchmark-only``.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
import pytest

from core.clock import HybridLogicalClock, NodeIndex, VectorClock, causal_order, merge_many
from peers.dict_vector_clock import DictVectorClock

SIZES = [(10_000, 8), (1_000_000, 8), (100_000, 64), (1_000_000, 64), (200_000, 3)]


def _pair(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n + k)
    a = rng.integers(0, 1000, size=(n, k), dtype=np.uint64)
    b = a.copy()
    # A mix of orderings: a quarter equal, a quarter before, a quarter after, the rest concurrent.
    b[n // 4 : n // 2, 0] += 1
    b[n // 2 : 3 * n // 4, 0] -= np.minimum(b[n // 2 : 3 * n // 4, 0], 1)
    b[3 * n // 4 :] = rng.integers(0, 1000, size=(n - 3 * n // 4, k), dtype=np.uint64)
    return a, b


def _numpy_compare_merge(
    a: np.ndarray, b: np.ndarray, out: np.ndarray, codes: np.ndarray
) -> None:
    # The fastest numpy formulation we found: one maximum, then "did the max change a
    # (or b)" per row; reductions over bool rows with np.any.
    np.maximum(a, b, out=out)
    lt = np.not_equal(out, a).any(axis=1)
    gt = np.not_equal(out, b).any(axis=1)
    np.add(lt, gt.view(np.uint8) << 1, out=codes, casting="unsafe")


def _numpy_compare_merge_direct(
    a: np.ndarray, b: np.ndarray, out: np.ndarray, codes: np.ndarray
) -> None:
    # The textbook formulation: compare twice, then take the maximum.
    lt = (a < b).any(axis=1)
    gt = (a > b).any(axis=1)
    np.maximum(a, b, out=out)
    codes[:] = lt | (gt.astype(np.int8) << 1)


@pytest.mark.parametrize(("n", "k"), SIZES)
@pytest.mark.parametrize("peer", ["lukhas", "numpy", "numpy-direct", "copyto-floor"])
def test_compare_merge(benchmark: Any, peer: str, n: int, k: int) -> None:
    benchmark.group = f"vc-compare-merge-{n}x{k}"
    a, b = _pair(n, k)
    out = np.empty_like(a)
    codes = np.empty(n, dtype=np.int8)
    expected_merge = np.maximum(a, b)
    expected_codes = ((a < b).any(axis=1) | ((a > b).any(axis=1).astype(np.int8) << 1))
    if peer == "lukhas":
        merged, got = benchmark(merge_many, a, b, out=out, return_codes=True)
        np.testing.assert_array_equal(merged, expected_merge)
        np.testing.assert_array_equal(got, expected_codes)
    elif peer in ("numpy", "numpy-direct"):
        func = _numpy_compare_merge if peer == "numpy" else _numpy_compare_merge_direct
        benchmark(func, a, b, out, codes)
        np.testing.assert_array_equal(out, expected_merge)
        np.testing.assert_array_equal(codes, expected_codes)
    else:
        # Same traffic as the kernel: 24 n k bytes (here 12 n k read + 12 n k written).
        src = np.concatenate([a.ravel(), b.ravel()[: (n * k) // 2]])
        dst = np.empty_like(src)
        benchmark(np.copyto, dst, src)
        np.testing.assert_array_equal(dst, src)


@pytest.mark.parametrize(("n", "k"), SIZES)
@pytest.mark.parametrize("peer", ["lukhas", "numpy-maximum", "copyto-floor"])
def test_merge_into_out(benchmark: Any, peer: str, n: int, k: int) -> None:
    benchmark.group = f"vc-merge-{n}x{k}"
    a, b = _pair(n, k)
    out = np.empty_like(a)
    expected = np.maximum(a, b)
    if peer == "lukhas":
        benchmark(merge_many, a, b, out=out)
        np.testing.assert_array_equal(out, expected)
    elif peer == "numpy-maximum":
        benchmark(np.maximum, a, b, out=out)
        np.testing.assert_array_equal(out, expected)
    else:
        src = np.concatenate([a.ravel(), b.ravel()[: (n * k) // 2]])
        dst = np.empty_like(src)
        benchmark(np.copyto, dst, src)
        np.testing.assert_array_equal(dst, src)


def _clock_pairs(k: int, count: int = 1000) -> tuple[list[Any], list[Any], list[int]]:
    rng = np.random.default_rng(k)
    nodes = NodeIndex(range(k))
    ours: list[tuple[VectorClock, VectorClock]] = []
    peers: list[tuple[DictVectorClock, DictVectorClock]] = []
    for i in range(count):
        x = {j: int(v) for j, v in enumerate(rng.integers(0, 5, size=k))}
        y = dict(x)
        if i % 4 == 1:
            y[int(rng.integers(k))] += 1
        elif i % 4 == 2:
            y = {j: int(v) for j, v in enumerate(rng.integers(0, 5, size=k))}
        ours.append((VectorClock(0, nodes, counts=x), VectorClock(1, nodes, counts=y)))
        peers.append((DictVectorClock(0, x), DictVectorClock(1, y)))
    expected = [p.compare(q) for p, q in peers]
    return ours, peers, expected


@pytest.mark.parametrize("k", [4, 16, 64])
@pytest.mark.parametrize("peer", ["lukhas", "dict"])
def test_single_compare(benchmark: Any, peer: str, k: int) -> None:
    benchmark.group = f"vc-compare-single-k{k}"
    ours, peers, expected = _clock_pairs(k)
    pairs: list[Any] = ours if peer == "lukhas" else peers
    compare = VectorClock.compare if peer == "lukhas" else DictVectorClock.compare
    left = [x for x, _ in pairs]
    right = [y for _, y in pairs]

    def run() -> list[int]:
        # map() keeps the harness overhead per call to a few ns for both peers.
        return list(map(compare, left, right))

    assert benchmark(run) == expected


@pytest.mark.benchmark(group="vc-causal-order")
@pytest.mark.parametrize("peer", ["lukhas", "numpy-lexsort"])
def test_causal_order(benchmark: Any, peer: str) -> None:
    rng = np.random.default_rng(11)
    clocks = rng.integers(0, 50, size=(200_000, 8), dtype=np.uint64)
    if peer == "lukhas":
        order = benchmark(causal_order, clocks)
    else:

        def lexsort() -> np.ndarray:
            keys = np.vstack([clocks.T[::-1], clocks.sum(axis=1, dtype=np.uint64)[None, :]])
            return np.lexsort(keys)

        order = benchmark(lexsort)
    ordered = clocks[order]
    sums = ordered.sum(axis=1)
    assert (np.diff(sums.astype(np.int64)) >= 0).all()
    np.testing.assert_array_equal(np.sort(order), np.arange(len(clocks)))


class _PyHLC:
    """A straightforward pure-Python hybrid logical clock (send/local event only)."""

    def __init__(self) -> None:
        self.l = 0
        self.c = 0

    def now(self) -> int:
        pt = time.time_ns() // 1_000_000
        if pt > self.l:
            self.l, self.c = pt, 0
        else:
            self.c += 1
        return self.l << 16 | self.c


@pytest.mark.benchmark(group="hlc-now")
@pytest.mark.parametrize("peer", ["lukhas", "python"])
def test_hlc_now(benchmark: Any, peer: str) -> None:
    clock: Any = HybridLogicalClock() if peer == "lukhas" else _PyHLC()

    def run() -> list[Any]:
        now = clock.now
        return [now() for _ in range(1000)]

    stamps = [int(s) for s in benchmark(run)]
    assert all(x < y for x, y in itertools.pairwise(stamps))
