"""Exact top-k search: blocked BLAS products streamed through the top-k kernel.

The dispatcher below turns every metric into "larger score is better" for the
kernel (:mod:`lukhas._native.topk`), by the metric's ``kernel`` in the store
core's table (:data:`lukhas.primitives.vector._core.METRICS`):

* ``ip`` and ``cosine`` (rows already unit norm): score = <q, x>;
* ``l2``: score = <2q, x> - |x|^2, so |q - x|^2 = |q|^2 - score.

Queries are taken in blocks of ``QUERY_BLOCK`` rows and the base in blocks of
columns such that one score block holds at most ``BLOCK_BYTES``: memory stays
bounded whatever the batch size, and each block is consumed while it is still
in cache.  The kernel skips most scores with a SIMD threshold scan, so selecting
a block costs a fraction of the BLAS product that made it.  Both phases use
every core in turn: BLAS threads the product, then the rows of the block are
split between worker threads for the selection (the kernel releases the GIL).
Running selection beside the next product instead gains nothing once BLAS
already keeps every core busy.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._native import topk as _topk
from lukhas.primitives.vector._core import METRICS

__all__ = [
    "BLOCK_BYTES", "MIN_ROWS_PER_THREAD", "QUERY_BLOCK", "exact_search", "merge_topk",
]

#: Rows of queries per block.
QUERY_BLOCK = 1024
#: Largest score block, in bytes.
BLOCK_BYTES = 8 << 20
#: Fewest rows of a block handed to one selection thread.
MIN_ROWS_PER_THREAD = 64

_SELECTION_THREADS = max(1, min(8, os.cpu_count() or 1))
_selector: ThreadPoolExecutor | None = None


def _selection_pool() -> ThreadPoolExecutor:
    global _selector
    if _selector is None:
        _selector = ThreadPoolExecutor(max_workers=max(1, _SELECTION_THREADS - 1),
                                       thread_name_prefix="lukhas-topk")
    return _selector


def _select_block(
    scores: npt.NDArray[Any],
    ids: npt.NDArray[np.int64],
    bias: npt.NDArray[Any],
    best: npt.NDArray[Any],
    best_ids: npt.NDArray[np.int64],
    filled: npt.NDArray[np.int64],
) -> None:
    """Merge one score block into the heaps, its rows split between threads."""
    n_rows = scores.shape[0]
    parts = max(1, min(_SELECTION_THREADS, n_rows // MIN_ROWS_PER_THREAD))
    if parts == 1:
        _topk.topk_merge(scores, ids, bias, best, best_ids, filled)
        return
    edges = [n_rows * p // parts for p in range(parts + 1)]
    # Rows edges[p]:edges[p + 1] for p >= 1 go to the pool; the caller takes the first share.
    pending = [
        _selection_pool().submit(_topk.topk_merge, scores[r0:r1], ids, bias,
                                 best[r0:r1], best_ids[r0:r1], filled[r0:r1])
        for r0, r1 in itertools.pairwise(edges[1:])
    ]
    _topk.topk_merge(scores[: edges[1]], ids, bias, best[: edges[1]], best_ids[: edges[1]],
                     filled[: edges[1]])
    for future in pending:
        future.result()


def exact_search(
    base: npt.NDArray[Any],
    base_ids: npt.NDArray[np.int64],
    queries: npt.NDArray[Any],
    k: int,
    metric: str,
    base_sqnorms: npt.NDArray[Any] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Top-k of every query over ``base`` (trusted, validated input).

    Parameters
    ----------
    base : ndarray of shape (n, dim), dtype=float32 or float64, C-contiguous
        Stored vectors (unit rows for cosine).
    base_ids : ndarray of shape (n,), dtype=int64
        Id of each row.
    queries : ndarray of shape (nq, dim), same dtype as ``base``, C-contiguous
        Queries (unit rows for cosine).
    k : int
        Neighbours per query, >= 1.
    metric : {"ip", "cosine", "l2"}
        See :mod:`lukhas.primitives.vector`.
    base_sqnorms : ndarray of shape (n,), optional
        Squared norms of the rows (l2 only); computed when absent.

    Returns
    -------
    ids : ndarray of shape (nq, k), dtype=int64
        Best first; -1 where fewer than k rows exist.
    scores : ndarray of shape (nq, k), dtype of ``base``
        Similarities (ip, cosine) or squared distances (l2); padding is
        -inf or +inf respectively.
    """
    dtype = base.dtype
    squared_l2 = METRICS[metric].kernel == "l2"
    nq, n = queries.shape[0], base.shape[0]
    best = np.full((nq, k), -np.inf, dtype=dtype)
    best_ids = np.full((nq, k), -1, dtype=np.int64)
    filled = np.zeros(nq, dtype=np.int64)
    if squared_l2:
        if base_sqnorms is None:
            base_sqnorms = np.einsum("ij,ij->i", base, base)
        bias = np.ascontiguousarray(-base_sqnorms, dtype=dtype)
        left = queries * dtype.type(2)
    else:
        bias = np.empty(0, dtype=dtype)
        left = queries
    if n and nq:
        col_block = max(256, min(n, BLOCK_BYTES // (dtype.itemsize * min(nq, QUERY_BLOCK))))
        buffer = np.empty(min(nq, QUERY_BLOCK) * col_block, dtype=dtype)
        for q0 in range(0, nq, QUERY_BLOCK):
            q1 = min(nq, q0 + QUERY_BLOCK)
            for c0 in range(0, n, col_block):
                c1 = min(n, c0 + col_block)
                scores = buffer[: (q1 - q0) * (c1 - c0)].reshape(q1 - q0, c1 - c0)
                np.matmul(left[q0:q1], base[c0:c1].T, out=scores)
                _select_block(scores, base_ids[c0:c1], bias[c0:c1] if bias.size else bias,
                              best[q0:q1], best_ids[q0:q1], filled[q0:q1])
    _topk.topk_finish(best, best_ids, filled)
    if squared_l2:
        qnorms = np.einsum("ij,ij->i", queries, queries)
        dist = np.maximum(qnorms[:, None] - best, 0, dtype=dtype)
        dist[best_ids < 0] = np.inf
        return best_ids, dist
    return best_ids, best


def merge_topk(
    ids: npt.NDArray[np.int64], scores: npt.NDArray[Any], k: int, metric: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Keep the best ``k`` of candidate lists (e.g. one top-k per shard, side by side).

    Parameters
    ----------
    ids : ndarray of shape (nq, m), dtype=int64
        Candidate ids, -1 for padding.
    scores : ndarray of shape (nq, m), dtype=float32 or float64
        Their scores in the metric's convention.
    k : int
        Results per row.
    metric : {"ip", "cosine", "l2"}
        Decides whether larger or smaller scores are better.

    Returns
    -------
    ids, scores : ndarray of shape (nq, k)
        Best first, padded as :func:`exact_search` pads.
    """
    dtype = scores.dtype
    nq = ids.shape[0]
    table = METRICS[metric]
    keyed = np.ascontiguousarray(scores if table.larger_is_better else -scores, dtype=dtype)
    keyed[ids < 0] = -np.inf
    best = np.full((nq, k), -np.inf, dtype=dtype)
    best_ids = np.full((nq, k), -1, dtype=np.int64)
    filled = np.zeros(nq, dtype=np.int64)
    empty = np.empty(0, dtype=dtype)
    for row in range(nq):
        live = ids[row] >= 0
        row_scores = np.ascontiguousarray(keyed[row : row + 1, live])
        row_ids = np.ascontiguousarray(ids[row, live])
        _topk.topk_merge(row_scores, row_ids, empty, best[row : row + 1],
                         best_ids[row : row + 1], filled[row : row + 1])
    _topk.topk_finish(best, best_ids, filled)
    if not table.larger_is_better:
        best = -best
    best[best_ids < 0] = table.pad
    return best_ids, best
