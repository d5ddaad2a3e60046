# Bounded binary min-heaps of (score, id) pairs, shared by the top-k and HNSW kernels.
#
# The root (index 0) is the *worst* kept pair.  Pair a is worse than pair b when
# a.score < b.score, or the scores are equal and a.id > b.id: a total order, so
# selections do not depend on the order candidates arrive in.
# Every function here is a kernel: no validation, no Python objects, no GIL.

from cython cimport floating
from libc.stdint cimport int64_t


cdef inline bint pair_worse(floating sa, int64_t ia, floating sb, int64_t ib) noexcept nogil:
    return sa < sb or (sa == sb and ia > ib)


cdef inline void heap_sift_down(floating* hs, int64_t* hi, int64_t n, int64_t pos) noexcept nogil:
    # Restore the heap below `pos` (the pair at `pos` may be too good for its place).
    cdef floating s = hs[pos]
    cdef int64_t ident = hi[pos]
    cdef int64_t child
    while True:
        child = 2 * pos + 1
        if child >= n:
            break
        if child + 1 < n and pair_worse(hs[child + 1], hi[child + 1], hs[child], hi[child]):
            child += 1
        if not pair_worse(hs[child], hi[child], s, ident):
            break
        hs[pos] = hs[child]
        hi[pos] = hi[child]
        pos = child
    hs[pos] = s
    hi[pos] = ident


cdef inline int64_t heap_offer(
    floating* hs, int64_t* hi, int64_t n, int64_t k, floating s, int64_t ident
) noexcept nogil:
    # Offer (s, ident) to a heap holding n <= k pairs; return the new size.
    cdef int64_t pos, parent
    if n < k:
        pos = n
        while pos > 0:
            parent = (pos - 1) >> 1
            if not pair_worse(s, ident, hs[parent], hi[parent]):
                break
            hs[pos] = hs[parent]
            hi[pos] = hi[parent]
            pos = parent
        hs[pos] = s
        hi[pos] = ident
        return n + 1
    if pair_worse(hs[0], hi[0], s, ident):
        hs[0] = s
        hi[0] = ident
        heap_sift_down(hs, hi, n, 0)
    return n


cdef inline void heap_sort_best_first(floating* hs, int64_t* hi, int64_t n) noexcept nogil:
    # Turn a heap of n pairs into an array sorted best first.
    cdef floating s
    cdef int64_t ident
    while n > 1:
        n -= 1
        s = hs[n]
        ident = hi[n]
        hs[n] = hs[0]
        hi[n] = hi[0]
        hs[0] = s
        hi[0] = ident
        heap_sift_down(hs, hi, n, 0)
