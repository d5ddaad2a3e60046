"""Batch vector-clock kernels: many clocks as the rows of an (n, k) uint64 matrix.

Column ``j`` is the counter of the node in slot ``j`` of a :class:`NodeIndex`
(see :func:`stack_clocks`).  Validation happens here, once; the compiled
kernels in ``lukhas._native.clock`` trust their arguments and release the GIL
on large inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._native import clock as _clock
from lukhas._validation import describe
from lukhas.primitives.clock._counters import as_clock_matrix
from lukhas.primitives.clock._logical import DEFAULT_NODES, NodeIndex, VectorClock

__all__ = [
    "causal_order",
    "compare_many",
    "dominated_mask",
    "merge_many",
    "stack_clocks",
]

logger = logging.getLogger(__name__)


def _pair(a: Any, b: Any) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    left = as_clock_matrix("a", a)
    right = as_clock_matrix("b", b, ndim=(1, 2))
    if right.ndim == 1:
        right = right.reshape(1, -1)
    elif right.shape[0] not in (1, left.shape[0]):
        raise ValueError(
            f"`b` must have one row per row of `a` ({left.shape[0]}) or be a single clock, "
            f"got {describe(right)}."
        )
    if right.shape[1] != left.shape[1]:
        raise ValueError(
            f"`a` and `b` must have the same number of nodes (columns), got {left.shape[1]} "
            f"and {right.shape[1]}."
        )
    return left, right


def compare_many(a: Any, b: Any) -> npt.NDArray[np.int8]:
    """Compare clocks row by row.

    Parameters
    ----------
    a : array_like of shape (n, k), unsigned integers
        One clock per row.
    b : array_like of shape (n, k) or (k,), unsigned integers
        One clock per row of ``a``, or one clock compared with every row.

    Returns
    -------
    codes : ndarray of shape (n,), dtype=int8
        :class:`Ordering` values of ``a[i]`` against ``b[i]``: 0 EQUAL,
        1 BEFORE, 2 AFTER, 3 CONCURRENT.

    Raises
    ------
    TypeError
        If an input is not an integer array.
    ValueError
        On negative counters or mismatched shapes.

    Examples
    --------
    >>> compare_many([[1, 0], [1, 2], [2, 0], [0, 1]], [1, 1])
    array([1, 2, 3, 1], dtype=int8)
    """
    left, right = _pair(a, b)
    codes = np.empty(left.shape[0], dtype=np.int8)
    _clock.compare_many(left, right, codes)
    return codes


def merge_many(
    a: Any,
    b: Any,
    *,
    out: npt.NDArray[np.uint64] | None = None,
    return_codes: bool = False,
) -> Any:
    """Merge clocks row by row (element-wise maximum: the least upper bound).

    Parameters
    ----------
    a : array_like of shape (n, k), unsigned integers
    b : array_like of shape (n, k) or (k,), unsigned integers
    out : ndarray of shape (n, k), dtype=uint64, optional
        Destination; may be ``a`` (or ``b``) itself for an in-place merge, but
        must not otherwise overlap them.
    return_codes : bool, default=False
        Also return the comparison codes of ``a`` against ``b`` computed in
        the same pass (see :func:`compare_many`).

    Returns
    -------
    merged : ndarray of shape (n, k), dtype=uint64
    codes : ndarray of shape (n,), dtype=int8
        Only when ``return_codes`` is True.

    Examples
    --------
    >>> merge_many([[1, 0], [0, 3]], [[0, 2], [1, 1]])
    array([[1, 2],
           [1, 3]], dtype=uint64)
    >>> merged, codes = merge_many([[1, 0]], [2, 0], return_codes=True); codes
    array([1], dtype=int8)
    """
    left, right = _pair(a, b)
    target = np.empty(left.shape, dtype=np.uint64) if out is None else _check_out(out, left, right)
    codes = np.empty(left.shape[0] if return_codes else 0, dtype=np.int8)
    _clock.merge_many(left, right, target, codes)
    return (target, codes) if return_codes else target


def _check_out(
    out: Any, a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint64]:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"`out` must be a numpy ndarray, got {describe(out)}.")
    if out.dtype != np.uint64 or out.shape != a.shape:
        raise ValueError(f"`out` must be a uint64 array of shape {a.shape}, got {describe(out)}.")
    if not (out.flags.c_contiguous and out.flags.writeable and out.dtype.isnative):
        raise ValueError("`out` must be a writeable, C-contiguous, native-byte-order array.")
    for name, src in (("a", a), ("b", b)):
        same = src.shape == out.shape and src.ctypes.data == out.ctypes.data
        if not same and np.may_share_memory(out, src):
            raise ValueError(f"`out` partially overlaps `{name}`; pass it exactly or not at all.")
    return out


def causal_order(clocks: Any) -> npt.NDArray[np.int64]:
    """Order clocks so that every clock comes after all clocks that happened before it.

    The result is a linear extension of the happened-before partial order.
    Concurrent clocks are tie-broken deterministically, by their counter sum,
    then lexicographically, then by row index; equal clocks keep their input
    order.  This works because a clock that happened before another has a
    strictly smaller counter sum (sums are computed in 128 bits, never
    wrapping).

    Parameters
    ----------
    clocks : array_like of shape (n, k), unsigned integers

    Returns
    -------
    order : ndarray of shape (n,), dtype=int64
        A permutation of ``range(n)``.

    Examples
    --------
    >>> causal_order([[2, 1], [0, 1], [1, 0], [0, 0]])
    array([3, 1, 2, 0])
    """
    matrix = as_clock_matrix("clocks", clocks)
    order = np.empty(matrix.shape[0], dtype=np.int64)
    _clock.causal_order(matrix, order)
    return order


def dominated_mask(clocks: Any) -> npt.NDArray[np.bool_]:
    """Flag the clocks that happened strictly before some other clock of the set.

    ``~dominated_mask(clocks)`` selects the causal frontier: the latest,
    mutually concurrent (or equal) states.  Runs in ``O(n log n + n f k)``
    for a frontier of ``f`` clocks.

    Parameters
    ----------
    clocks : array_like of shape (n, k), unsigned integers

    Returns
    -------
    mask : ndarray of shape (n,), dtype=bool

    Examples
    --------
    >>> dominated_mask([[1, 0], [2, 0], [0, 1], [2, 0]])
    array([ True, False, False, False])
    """
    matrix = as_clock_matrix("clocks", clocks)
    mask = np.empty(matrix.shape[0], dtype=np.uint8)
    _clock.dominated_mask(matrix, mask)
    return mask.view(np.bool_)


def stack_clocks(
    clocks: Iterable[VectorClock], nodes: NodeIndex | None = None
) -> npt.NDArray[np.uint64]:
    """Stack vector clocks as the rows of a matrix for the batch kernels.

    Parameters
    ----------
    clocks : iterable of VectorClock
        Clocks of one :class:`NodeIndex` (others are aligned by node id).
    nodes : NodeIndex or None, default=None
        Column layout; ``None`` takes the first clock's index (or
        :data:`DEFAULT_NODES` for no clocks).

    Returns
    -------
    matrix : ndarray of shape (n_clocks, len(nodes)), dtype=uint64

    Examples
    --------
    >>> idx = NodeIndex()
    >>> a, b = VectorClock("a", idx), VectorClock("b", idx)
    >>> _ = a.increment(); _ = b.receive(a)
    >>> stack_clocks([b, a])
    array([[1, 1],
           [1, 0]], dtype=uint64)
    """
    items = list(clocks)
    for i, clock in enumerate(items):
        if not isinstance(clock, VectorClock):
            raise TypeError(f"`clocks[{i}]` must be a VectorClock, got {describe(clock)}.")
    layout = nodes if nodes is not None else (items[0].nodes if items else DEFAULT_NODES)
    if not isinstance(layout, NodeIndex):
        raise TypeError(f"`nodes` must be a NodeIndex or None, got {describe(layout)}.")
    rows = [
        c.to_dict() if c.nodes is not layout else None for c in items
    ]
    for row in rows:  # register foreign ids first, so the width is final
        if row is not None:
            layout.dense(row, "clocks")
    width = len(layout)
    matrix = np.zeros((len(items), width), dtype=np.uint64)
    for i, (clock, row) in enumerate(zip(items, rows, strict=True)):
        matrix[i] = clock.to_array(width) if row is None else layout.dense(row, "clocks")
    return matrix
