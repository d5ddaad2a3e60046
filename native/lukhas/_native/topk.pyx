# cython: auto_pickle=False
"""Partial top-k selection over blocks of scores (the exact-search kernel).

Exact search computes a block of scores with one BLAS matrix product and then
streams it through :func:`topk_merge`, which keeps, per query row, a binary
min-heap of the ``k`` best ``(score, id)`` pairs seen so far.  Once a heap is
full, a SIMD threshold scan (``lk_topk.c``: AVX-512F, AVX2 or scalar, chosen at
run time) skips every score below its root; only the rare survivors reach the
heap, so the cost per score is a fraction of one vector compare and no full
sort ever happens.  :func:`topk_finish`
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

cdef extern from "lk_topk.h" nogil:
    ctypedef size_t (*lk_topk_scan_f32_fn)(const float *scores, const float *bias,
                                           size_t start, size_t n, float threshold)
    ctypedef size_t (*lk_topk_scan_f64_fn)(const double *scores, const double *bias,
                                           size_t start, size_t n, double threshold)
    ctypedef struct lk_topk_scanner:
        const char *name
        lk_topk_scan_f32_fn scan_f32
        lk_topk_scan_f64_fn scan_f64
    const lk_topk_scanner *lk_topk_best_scanner()
    const lk_topk_scanner *lk_topk_named_scanner(const char *name)


cdef void _merge_rows(
    const lk_topk_scanner *scanner,
    const floating[:, ::1] scores,    # IN  (n_rows, n_cols)
    const int64_t[::1] ids,           # IN  (n_cols,)
    const floating[::1] bias,         # IN  (n_cols,) or empty
    floating[:, ::1] best_scores,     # IN/OUT (n_rows, k)
    int64_t[:, ::1] best_ids,         # IN/OUT (n_rows, k)
    int64_t[::1] filled,              # IN/OUT (n_rows,)
) noexcept nogil:
    cdef size_t n_rows = <size_t>scores.shape[0]
    cdef size_t n_cols = <size_t>scores.shape[1]
    cdef int64_t k = best_scores.shape[1]
    cdef const floating* bias_ptr = &bias[0] if bias.shape[0] > 0 else NULL
    cdef const floating* row
    cdef size_t i, j
    cdef int64_t n
    cdef floating s
    cdef floating* heap_s
    cdef int64_t* heap_i
    if n_cols == 0:
        return
    for i in range(n_rows):
        row = &scores[i, 0]
        heap_s = &best_scores[i, 0]
        heap_i = &best_ids[i, 0]
        n = filled[i]
        j = 0
        # Fill the heap; afterwards only scores >= its root can enter it.
        while j < n_cols and n < k:
            s = row[j] + bias_ptr[j] if bias_ptr != NULL else row[j]
            n = heap_offer(heap_s, heap_i, n, k, s, ids[j])
            j += 1
        while j < n_cols:
            if floating is float:
                j = scanner.scan_f32(row, bias_ptr, j, n_cols, heap_s[0])
            else:
                j = scanner.scan_f64(row, bias_ptr, j, n_cols, heap_s[0])
            if j >= n_cols:
                break
            s = row[j] + bias_ptr[j] if bias_ptr != NULL else row[j]
            n = heap_offer(heap_s, heap_i, n, k, s, ids[j])
            j += 1
        filled[i] = n


def topk_merge(
    const floating[:, ::1] scores,    # IN  (n_rows, n_cols) block of scores, larger is better
    const int64_t[::1] ids,           # IN  (n_cols,) id of each column
    const floating[::1] bias,         # IN  (n_cols,) added to every score of a column, or empty
    floating[:, ::1] best_scores,     # IN/OUT (n_rows, k) heap of kept scores per row
    int64_t[:, ::1] best_ids,         # IN/OUT (n_rows, k) ids of the kept scores
    int64_t[::1] filled,              # IN/OUT (n_rows,) number of kept pairs per row
    str scanner=None,
):
    """Merge a block of scores into the per-row top-k heaps (IN/OUT convention).

    Once a row's heap is full, a SIMD threshold scan (``lk_topk.c``) skips the
    scores below its root; only the rare survivors touch the heap.  ``scanner``
    (a test hook) forces one scan, by name, instead of the CPU's best; naming one
    this CPU cannot run raises ValueError.
    """
    cdef const lk_topk_scanner *chosen = lk_topk_best_scanner()
    cdef bytes name
    if scanner is not None:
        name = scanner.encode("ascii")
        chosen = lk_topk_named_scanner(name)
        if chosen == NULL:
            raise ValueError(
                f"scanner must be one of {scanners_available()!r} on this CPU, got {scanner!r}"
            )
    with nogil:
        _merge_rows(chosen, scores, ids, bias, best_scores, best_ids, filled)


def scanner_name():
    """Name of the threshold scan this CPU uses: "avx512", "avx2" or "scalar"."""
    return lk_topk_best_scanner().name.decode("ascii")


def scanners_available():
    """Names of the threshold scans this CPU can run, best first."""
    return [name for name in ("avx512", "avx2", "scalar")
            if lk_topk_named_scanner(name.encode("ascii")) != NULL]


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
