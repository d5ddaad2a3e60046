# cython: auto_pickle=False
"""Partial top-k selection over blocks of scores (the exact-search kernel).

Exact search computes a block of scores with one BLAS matrix product and then
streams it through :func:`topk_merge`, which keeps, per query row, a binary
min-heap of the ``k`` best ``(score, id)`` pairs seen so far.  Most candidates
lose against the heap root in one comparison, so the cost per score is about
one load and one compare: no full sort ever happens.  :func:`topk_finish`
heap-sorts each row best first at the end.

Order: a pair is better than another when its score is larger, or when the
scores are equal and its id is smaller.  This is a total order, so the result
is the same whatever the block sizes and the order of the columns.

Kernels trust their input: C-contiguous arrays, finite scores, ``k >= 1``,
matching shapes.  Every function releases the GIL while it runs.
"""

from cython cimport floating
from libc.stdint cimport int64_t

from lukhas._native._topkheap cimport heap_offer, heap_sort_best_first


def topk_merge(
    const floating[:, ::1] scores,    # IN  (n_rows, n_cols) block of scores, larger is better
    const int64_t[::1] ids,           # IN  (n_cols,) id of each column
    const floating[::1] bias,         # IN  (n_cols,) added to every score of a column, or empty
    floating[:, ::1] best_scores,     # IN/OUT (n_rows, k) heap of kept scores per row
    int64_t[:, ::1] best_ids,         # IN/OUT (n_rows, k) ids of the kept scores
    int64_t[::1] filled,              # IN/OUT (n_rows,) number of kept pairs per row
):
    """Merge a block of scores into the per-row top-k heaps (IN/OUT convention)."""
    cdef Py_ssize_t n_rows = scores.shape[0]
    cdef Py_ssize_t n_cols = scores.shape[1]
    cdef Py_ssize_t k = best_scores.shape[1]
    cdef bint with_bias = bias.shape[0] > 0
    cdef Py_ssize_t i, j
    cdef int64_t n
    cdef floating s
    cdef floating* heap_s
    cdef int64_t* heap_i
    with nogil:
        for i in range(n_rows):
            heap_s = &best_scores[i, 0]
            heap_i = &best_ids[i, 0]
            n = filled[i]
            for j in range(n_cols):
                s = scores[i, j]
                if with_bias:
                    s = s + bias[j]
                # Fast reject: a full heap whose root beats s.
                if n == k and s < heap_s[0]:
                    continue
                n = heap_offer(heap_s, heap_i, n, k, s, ids[j])
            filled[i] = n


def topk_finish(
    floating[:, ::1] best_scores,     # IN/OUT (n_rows, k) heaps in, best-first rows out
    int64_t[:, ::1] best_ids,         # IN/OUT (n_rows, k)
    const int64_t[::1] filled,        # IN  (n_rows,) kept pairs per row (the rest is padding)
):
    """Sort each row's heap best first, in place (IN/OUT convention)."""
    cdef Py_ssize_t n_rows = best_scores.shape[0]
    cdef Py_ssize_t i
    with nogil:
        for i in range(n_rows):
            heap_sort_best_first(&best_scores[i, 0], &best_ids[i, 0], filled[i])
