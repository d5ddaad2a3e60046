# cython: auto_pickle=False, binding=False, always_allow_keywords=False
"""Logical, vector and hybrid clocks on C counters, and batch vector-clock kernels.

Extension types (private; the public classes in :mod:`core.clock` subclass them
and own validation and error messages through hooks):

* ``LamportClockCore``: one uint64 counter.
* ``VectorClockCore``: dense uint64 counters whose slots follow a shared node
  index (``nodes``); clocks of one index compare and merge in one C loop.
* ``HLCTimestampCore`` / ``HybridLogicalClockCore``: Kulkarni et al. (2014)
  hybrid logical clocks, stamps packed as ``physical_ms << 16 | counter``.

Kernels (``noexcept nogil``, no validation, outputs preallocated by the caller)
work on (n, k) C-contiguous uint64 matrices, one clock per row.

Ordering codes: bit 0 is set when some component of ``a`` is below ``b``'s,
bit 1 when some component is above, so 0 = EQUAL, 1 = BEFORE (``a`` happened
before ``b``), 2 = AFTER and 3 = CONCURRENT.
"""

cimport numpy as cnp
from cpython.long cimport PyLong_CheckExact
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy, memset
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

import enum

import numpy as np

cdef extern from "Python.h":
    # Never raises for an exact int, which is all it is called with here.
    long long PyLong_AsLongLongAndOverflow(object obj, int* overflow) noexcept

cnp.import_array()

cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFF

#: Bits of the logical counter in a packed HLC stamp.
HLC_COUNTER_BITS = 16
#: Largest physical time (milliseconds since the epoch) a packed stamp holds.
HLC_MAX_PHYSICAL_MS = (1 << 48) - 1
#: Largest logical counter a packed stamp holds.
HLC_MAX_COUNTER = (1 << 16) - 1
cdef uint64_t _COUNTER_MASK = 0xFFFF
cdef uint64_t _PHYS_MAX = (<uint64_t> 1 << 48) - 1
#: Batches at least this many uint64 elements release the GIL.
NOGIL_ELEMENTS = 1 << 14
cdef Py_ssize_t _NOGIL_ELEMENTS = NOGIL_ELEMENTS


class Ordering(enum.IntEnum):
    """Causal relation of one vector clock to another.

    The values are the kernels' codes: bit 0 means "some component is
    smaller", bit 1 "some component is larger".
    """

    EQUAL = 0
    BEFORE = 1
    AFTER = 2
    CONCURRENT = 3


cdef tuple _ORDERINGS = (Ordering.EQUAL, Ordering.BEFORE, Ordering.AFTER, Ordering.CONCURRENT)


# -- kernels ---------------------------------------------------------------------------------

cdef inline int vc_compare(
    const uint64_t* a,   # IN  na counters
    Py_ssize_t na,       # IN
    const uint64_t* b,   # IN  nb counters
    Py_ssize_t nb,       # IN
) noexcept nogil:
    # Ordering code of a against b; missing trailing components count as zero.
    cdef Py_ssize_t i
    cdef Py_ssize_t m = na if na < nb else nb
    cdef int code = 0
    for i in range(m):
        if a[i] != b[i]:
            code |= 1 if a[i] < b[i] else 2
            if code == 3:
                return 3
    for i in range(m, na):
        if a[i] != 0:
            return code | 2
    for i in range(m, nb):
        if b[i] != 0:
            return code | 1
    return code


cdef inline void vc_max_into(
    uint64_t* a,          # IN/OUT  na counters, na >= nb
    const uint64_t* b,    # IN      nb counters
    Py_ssize_t nb,        # IN
) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(nb):
        if b[i] > a[i]:
            a[i] = b[i]


# The row kernels are plain C so that GCC/Clang can clone them for AVX-512F and AVX2
# (picked at load time by the CPU, with a baseline fallback) and vectorise the inner
# loop: unsigned 64-bit max and compares exist natively only in AVX-512.
cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__clang__)
    #define LK_CLOCK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
    #else
    #define LK_CLOCK_CLONES
    #endif

    /* codes[i] = ordering code of row i of a against row i of b (b_step 0: one row). */
    LK_CLOCK_CLONES static void lk_vc_compare_rows(
        const uint64_t *a, const uint64_t *b, ptrdiff_t b_step, int8_t *codes,
        ptrdiff_t n, ptrdiff_t k)
    {
        for (ptrdiff_t i = 0; i < n; i++) {
            const uint64_t *x = a + i * k, *y = b + i * b_step;
            uint64_t lt = 0, gt = 0;
            for (ptrdiff_t j = 0; j < k; j++) {
                lt |= x[j] < y[j];
                gt |= x[j] > y[j];
            }
            codes[i] = (int8_t)(lt | (gt << 1));
        }
    }

    /* z = max(x, y) over m elements: z is x, y, or disjoint from both (restrict holds
       in each clone because each pointer that is written is read only at the same index). */
    LK_CLOCK_CLONES static void lk_vc_max_flat(
        const uint64_t *__restrict x, const uint64_t *__restrict y, uint64_t *__restrict z,
        ptrdiff_t m)
    {
        for (ptrdiff_t j = 0; j < m; j++)
            z[j] = x[j] > y[j] ? x[j] : y[j];
    }

    LK_CLOCK_CLONES static void lk_vc_max_inplace(
        uint64_t *__restrict x, const uint64_t *__restrict y, ptrdiff_t m)
    {
        for (ptrdiff_t j = 0; j < m; j++)
            x[j] = x[j] > y[j] ? x[j] : y[j];
    }

    #if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
    #include <immintrin.h>
    #define LK_CLOCK_STREAMS 1
    /* Non-temporal variants for outputs larger than the caches: the stores bypass
       them, so the output costs one write instead of a read-for-ownership plus a
       write.  z must be disjoint from x and y. */
    __attribute__((target("avx512f"))) static void lk_vc_max_stream512(
        const uint64_t *x, const uint64_t *y, uint64_t *z, ptrdiff_t m)
    {
        ptrdiff_t j = 0;
        for (; j < m && ((uintptr_t)(z + j) & 63); j++)
            z[j] = x[j] > y[j] ? x[j] : y[j];
        for (; j + 8 <= m; j += 8) {
            __m512i u = _mm512_loadu_si512((const void *)(x + j));
            __m512i v = _mm512_loadu_si512((const void *)(y + j));
            _mm512_stream_si512((void *)(z + j), _mm512_max_epu64(u, v));
        }
        for (; j < m; j++)
            z[j] = x[j] > y[j] ? x[j] : y[j];
        _mm_sfence();
    }

    __attribute__((target("avx2"))) static void lk_vc_max_stream256(
        const uint64_t *x, const uint64_t *y, uint64_t *z, ptrdiff_t m)
    {
        const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
        ptrdiff_t j = 0;
        for (; j < m && ((uintptr_t)(z + j) & 31); j++)
            z[j] = x[j] > y[j] ? x[j] : y[j];
        for (; j + 4 <= m; j += 4) {
            __m256i u = _mm256_loadu_si256((const __m256i *)(x + j));
            __m256i v = _mm256_loadu_si256((const __m256i *)(y + j));
            __m256i gt = _mm256_cmpgt_epi64(_mm256_xor_si256(u, sign),
                                            _mm256_xor_si256(v, sign));
            _mm256_stream_si256((__m256i *)(z + j), _mm256_blendv_epi8(v, u, gt));
        }
        for (; j < m; j++)
            z[j] = x[j] > y[j] ? x[j] : y[j];
        _mm_sfence();
    }
    #else
    #define LK_CLOCK_STREAMS 0
    #endif

    /* Outputs of at least this many bytes are written with streaming stores. */
    #define LK_CLOCK_STREAM_BYTES ((ptrdiff_t)8 << 20)

    /* out = max(a, b) over m elements (out is a, b, or disjoint from both). */
    static void lk_vc_max_any(const uint64_t *a, const uint64_t *b, uint64_t *out, ptrdiff_t m)
    {
        if (out == a) {
            lk_vc_max_inplace(out, b, m);
            return;
        }
        if (out == b) {
            lk_vc_max_inplace(out, a, m);
            return;
        }
    #if LK_CLOCK_STREAMS
        if (m * (ptrdiff_t)sizeof(uint64_t) >= LK_CLOCK_STREAM_BYTES) {
            if (__builtin_cpu_supports("avx512f")) {
                lk_vc_max_stream512(a, b, out, m);
                return;
            }
            if (__builtin_cpu_supports("avx2")) {
                lk_vc_max_stream256(a, b, out, m);
                return;
            }
        }
    #endif
        lk_vc_max_flat(a, b, out, m);
    }

    /* out = max(a, b) row by row, plus the ordering codes when codes != NULL.
       out may be a itself, or b when b_step == k (each element is read first). */
    LK_CLOCK_CLONES static void lk_vc_merge_rows(
        const uint64_t *a, const uint64_t *b, ptrdiff_t b_step, uint64_t *out,
        int8_t *codes, ptrdiff_t n, ptrdiff_t k)
    {
        if (codes == NULL && b_step == k) {
            lk_vc_max_any(a, b, out, n * k);  /* whole rows: one flat pass */
            return;
        }
        if (codes == NULL) {
            for (ptrdiff_t i = 0; i < n; i++) {
                const uint64_t *x = a + i * k, *y = b + i * b_step;
                uint64_t *z = out + i * k;
                for (ptrdiff_t j = 0; j < k; j++)
                    z[j] = x[j] > y[j] ? x[j] : y[j];
            }
            return;
        }
        for (ptrdiff_t i = 0; i < n; i++) {
            const uint64_t *x = a + i * k, *y = b + i * b_step;
            uint64_t *z = out + i * k;
            uint64_t lt = 0, gt = 0;
            for (ptrdiff_t j = 0; j < k; j++) {
                uint64_t u = x[j], v = y[j];
                lt |= u < v;
                gt |= u > v;
                z[j] = u > v ? u : v;
            }
            codes[i] = (int8_t)(lt | (gt << 1));
        }
    }
    """
    void compare_rows "lk_vc_compare_rows" (
        const uint64_t* a,    # IN   n x k
        const uint64_t* b,    # IN   rows of k, row i at b + i * b_step
        Py_ssize_t b_step,    # IN   k, or 0 to compare every row with one clock
        int8_t* codes,        # OUT  n
        Py_ssize_t n,         # IN
        Py_ssize_t k,         # IN
    ) noexcept nogil
    void merge_rows "lk_vc_merge_rows" (
        const uint64_t* a,    # IN   n x k
        const uint64_t* b,    # IN   rows of k, row i at b + i * b_step
        Py_ssize_t b_step,    # IN   k, or 0 to merge every row with one clock
        uint64_t* out,        # OUT  n x k (may be a itself, or b when b_step == k)
        int8_t* codes,        # OUT  n ordering codes of a against b, or NULL
        Py_ssize_t n,         # IN
        Py_ssize_t k,         # IN
    ) noexcept nogil


cdef void row_sums(
    const uint64_t* c,    # IN   n x k
    uint64_t* hi,         # OUT  n, high words of the 128-bit row sums
    uint64_t* lo,         # OUT  n, low words
    Py_ssize_t n,         # IN
    Py_ssize_t k,         # IN
) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef uint64_t h, s, x
    for i in range(n):
        h = 0
        s = 0
        for j in range(k):
            x = c[i * k + j]
            s += x
            h += s < x  # carry
        hi[i] = h
        lo[i] = s


cdef inline bint key_less(
    const uint64_t* c, const uint64_t* hi, const uint64_t* lo, Py_ssize_t k,
    int64_t p, int64_t q,
) noexcept nogil:
    # Strict order on rows: total, then lexicographic; equal keys keep index order
    # through the stable sort.
    cdef Py_ssize_t j
    if hi[p] != hi[q]:
        return hi[p] < hi[q]
    if lo[p] != lo[q]:
        return lo[p] < lo[q]
    for j in range(k):
        if c[p * k + j] != c[q * k + j]:
            return c[p * k + j] < c[q * k + j]
    return False


cdef void causal_sort(
    const uint64_t* c,    # IN   n x k clocks
    const uint64_t* hi,   # IN   n, row sums (high words)
    const uint64_t* lo,   # IN   n, row sums (low words)
    int64_t* perm,        # OUT  n, the linear extension
    int64_t* tmp,         # OUT  n, scratch
    Py_ssize_t n,         # IN
    Py_ssize_t k,         # IN
) noexcept nogil:
    # Stable bottom-up merge sort of row indices by (sum, row, index).  If a
    # happened before b then sum(a) < sum(b), so the result is a linear
    # extension of the happened-before order.
    cdef Py_ssize_t width, left, mid, right, i, j, t
    cdef int64_t* src = perm
    cdef int64_t* dst = tmp
    cdef int64_t* swap
    for i in range(n):
        perm[i] = i
    width = 1
    while width < n:
        left = 0
        while left < n:
            mid = left + width if left + width < n else n
            right = left + 2 * width if left + 2 * width < n else n
            i = left
            j = mid
            t = left
            while i < mid and j < right:
                if key_less(c, hi, lo, k, src[j], src[i]):
                    dst[t] = src[j]
                    j += 1
                else:
                    dst[t] = src[i]
                    i += 1
                t += 1
            while i < mid:
                dst[t] = src[i]
                i += 1
                t += 1
            while j < right:
                dst[t] = src[j]
                j += 1
                t += 1
            left = right
        swap = src
        src = dst
        dst = swap
        width *= 2
    if src != perm:
        memcpy(perm, src, n * sizeof(int64_t))


cdef void dominated_rows(
    const uint64_t* c,      # IN   n x k clocks
    const int64_t* order,   # IN   n, a causal order of the rows (see causal_sort)
    int64_t* frontier,      # OUT  n, scratch: indices of the maximal rows found so far
    uint8_t* mask,          # OUT  n, 1 where some other row is strictly after this one
    Py_ssize_t n,           # IN
    Py_ssize_t k,           # IN
) noexcept nogil:
    # Walk the rows from the causally latest down.  A row strictly dominated by
    # anything is dominated by a maximal row, and every row that could dominate it
    # has a larger sum, so it has already been seen.
    cdef Py_ssize_t t, f
    cdef Py_ssize_t nf = 0
    cdef int64_t r
    for t in range(n - 1, -1, -1):
        r = order[t]
        mask[r] = 0
        for f in range(nf):
            if vc_compare(c + r * k, k, c + frontier[f] * k, k) == 1:
                mask[r] = 1
                break
        if not mask[r]:
            frontier[nf] = r
            nf += 1


# -- batch entry points (trusted arguments; see core.clock._batch) ---------------------------

def compare_many(const uint64_t[:, ::1] a, const uint64_t[:, ::1] b, int8_t[::1] out):
    """Ordering codes of each row of ``a`` against the row of ``b`` (or its only row)."""
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t k = a.shape[1]
    cdef Py_ssize_t step = k if b.shape[0] > 1 else 0
    if n == 0 or k == 0:
        if n:
            memset(&out[0], 0, n)
        return
    if n * k >= _NOGIL_ELEMENTS:
        with nogil:
            compare_rows(&a[0, 0], &b[0, 0], step, &out[0], n, k)
    else:
        compare_rows(&a[0, 0], &b[0, 0], step, &out[0], n, k)


def merge_many(const uint64_t[:, ::1] a, const uint64_t[:, ::1] b, uint64_t[:, ::1] out,
               int8_t[::1] codes):
    """Element-wise maximum of ``a`` and ``b`` into ``out``; codes too when non-empty."""
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t k = a.shape[1]
    cdef Py_ssize_t step = k if b.shape[0] > 1 else 0
    cdef int8_t* pc = &codes[0] if codes.shape[0] > 0 else NULL
    if n == 0:
        return
    if k == 0:
        if pc != NULL:
            memset(pc, 0, n)
        return
    if n * k >= _NOGIL_ELEMENTS:
        with nogil:
            merge_rows(&a[0, 0], &b[0, 0], step, &out[0, 0], pc, n, k)
    else:
        merge_rows(&a[0, 0], &b[0, 0], step, &out[0, 0], pc, n, k)


def causal_order(const uint64_t[:, ::1] clocks, int64_t[::1] out):
    """A linear extension of the happened-before order of the rows, into ``out``."""
    cdef Py_ssize_t n = clocks.shape[0]
    cdef Py_ssize_t k = clocks.shape[1]
    if n == 0:
        return
    hi = np.empty(n, dtype=np.uint64)
    lo = np.empty(n, dtype=np.uint64)
    tmp = np.empty(n, dtype=np.int64)
    cdef uint64_t[::1] hv = hi
    cdef uint64_t[::1] lv = lo
    cdef int64_t[::1] tv = tmp
    cdef const uint64_t* c = &clocks[0, 0] if k > 0 else <const uint64_t*> &hv[0]
    with nogil:
        row_sums(c, &hv[0], &lv[0], n, k)
        causal_sort(c, &hv[0], &lv[0], &out[0], &tv[0], n, k)


def dominated_mask(const uint64_t[:, ::1] clocks, uint8_t[::1] out):
    """1 for each row that happened strictly before some other row, into ``out``."""
    cdef Py_ssize_t n = clocks.shape[0]
    cdef Py_ssize_t k = clocks.shape[1]
    if n == 0:
        return
    if k == 0:
        memset(&out[0], 0, n)
        return
    order = np.empty(n, dtype=np.int64)
    causal_order(clocks, order)
    frontier = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] ov = order
    cdef int64_t[::1] fv = frontier
    with nogil:
        dominated_rows(&clocks[0, 0], &ov[0], &fv[0], &out[0], n, k)


# -- Lamport clock ---------------------------------------------------------------------------

cdef inline bint _small_uint(object x, uint64_t* out) noexcept:
    # Exact ints in [0, 2**63): the fast path; anything else goes to a hook.
    cdef int overflow = 0
    cdef long long v
    if not PyLong_CheckExact(x):
        return False
    v = PyLong_AsLongLongAndOverflow(x, &overflow)
    if overflow or v < 0:
        return False
    out[0] = <uint64_t> v
    return True


cdef class LamportClockCore:
    """Lamport clock core (private; see ``core.clock.LamportClock``)."""

    cdef uint64_t _time

    def __cinit__(self, uint64_t start=0, *args, **kwargs):
        self._time = start

    @property
    def value(self):
        """int: The current time."""
        return self._time

    cdef uint64_t _remote(self, object remote) except? 0:
        cdef uint64_t r
        if not _small_uint(remote, &r):
            r = <uint64_t> self._coerce_time("remote", remote)
        return r

    def tick(self):
        """Count one local event (or a send) and return the new time."""
        if self._time == U64_MAX:
            self._raise_overflow()
        self._time += 1
        return self._time

    def merge(self, remote):
        """Fold in a remote time without counting an event; return the new time."""
        cdef uint64_t r = self._remote(remote)
        if r > self._time:
            self._time = r
        return self._time

    def receive(self, remote):
        """Count the receipt of a message stamped ``remote``; return the new time."""
        cdef uint64_t r = self._remote(remote)
        cdef uint64_t t = r if r > self._time else self._time
        if t == U64_MAX:
            self._raise_overflow()
        self._time = t + 1
        return self._time


# -- vector clock ----------------------------------------------------------------------------

cdef class VectorClockCore:
    """Vector clock core (private; see ``core.clock.VectorClock``)."""

    cdef uint64_t* _counts
    cdef Py_ssize_t _width      # slots held; components beyond are zero
    cdef Py_ssize_t _alloc      # slots allocated
    cdef readonly Py_ssize_t slot
    cdef readonly object node
    cdef readonly object nodes

    def __cinit__(self, object node, object nodes, Py_ssize_t slot, *args, **kwargs):
        # Trusted: the public subclass registered `node` in `nodes` at `slot`.
        self.node = node
        self.nodes = nodes
        self.slot = slot
        self._counts = NULL
        self._width = 0
        self._alloc = 0

    def __dealloc__(self):
        PyMem_Free(self._counts)

    cdef int _reserve(self, Py_ssize_t width) except -1:
        # Make `width` slots addressable, zero-filled beyond the current width.
        cdef Py_ssize_t alloc
        cdef uint64_t* p
        if width <= self._width:
            return 0
        if width > self._alloc:
            alloc = width if width > 2 * self._alloc else 2 * self._alloc
            if alloc < 4:
                alloc = 4
            p = <uint64_t*> PyMem_Realloc(self._counts, alloc * sizeof(uint64_t))
            if p == NULL:
                raise MemoryError("could not grow a vector clock")
            self._counts = p
            self._alloc = alloc
        memset(self._counts + self._width, 0, (width - self._width) * sizeof(uint64_t))
        self._width = width
        return 0

    @property
    def width(self):
        """int: Number of slots stored (components beyond are zero)."""
        return self._width

    def increment(self):
        """Count one event of this clock's node; return its new counter."""
        self._reserve(self.slot + 1)
        if self._counts[self.slot] == U64_MAX:
            self._raise_overflow()
        self._counts[self.slot] += 1
        return self._counts[self.slot]

    def counter(self, Py_ssize_t slot):
        """Counter at ``slot`` (0 beyond the stored width)."""
        return self._counts[slot] if 0 <= slot < self._width else 0

    cdef int _code(self, object other) except -1:
        cdef VectorClockCore o
        if isinstance(other, VectorClockCore) and (<VectorClockCore> other).nodes is self.nodes:
            o = <VectorClockCore> other
            return vc_compare(self._counts, self._width, o._counts, o._width)
        return self._dense_code(self._align(other))

    cdef int _dense_code(self, const uint64_t[::1] dense) except -1:
        cdef const uint64_t* p = &dense[0] if dense.shape[0] > 0 else NULL
        return vc_compare(self._counts, self._width, p, dense.shape[0])

    def compare(self, other):
        """The :class:`Ordering` of this clock against ``other``."""
        return _ORDERINGS[self._code(other)]

    def dominates(self, other):
        """Whether every component is at least ``other``'s (AFTER or EQUAL)."""
        return (self._code(other) & 1) == 0

    def merge(self, other):
        """Raise every component to at least ``other``'s (the least upper bound)."""
        cdef VectorClockCore o
        if isinstance(other, VectorClockCore) and (<VectorClockCore> other).nodes is self.nodes:
            o = <VectorClockCore> other
            self._reserve(o._width)
            vc_max_into(self._counts, o._counts, o._width)
        else:
            self._merge_dense(self._align(other))

    def receive(self, other):
        """Merge ``other`` (the clock of a received message), then count the receipt."""
        self.merge(other)
        return self.increment()

    def _merge_dense(self, const uint64_t[::1] dense):
        if dense.shape[0] == 0:
            return
        self._reserve(dense.shape[0])
        vc_max_into(self._counts, &dense[0], dense.shape[0])

    def _assign_dense(self, const uint64_t[::1] dense):
        self._width = 0
        self._reserve(dense.shape[0])
        if dense.shape[0]:
            memcpy(self._counts, &dense[0], dense.shape[0] * sizeof(uint64_t))

    def to_array(self, Py_ssize_t width):
        """The counters as a new uint64 array of ``width >= self.width`` slots."""
        arr = np.zeros(width, dtype=np.uint64)
        cdef uint64_t[::1] v = arr
        if self._width:
            memcpy(&v[0], self._counts, self._width * sizeof(uint64_t))
        return arr

    def __eq__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return self._code(other) == 0

    def __ne__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return self._code(other) != 0

    def __lt__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return self._code(other) == 1

    def __le__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return (self._code(other) & 2) == 0

    def __gt__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return self._code(other) == 2

    def __ge__(self, other):
        if not isinstance(other, VectorClockCore):
            return NotImplemented
        return (self._code(other) & 1) == 0

    __hash__ = None


# -- hybrid logical clock --------------------------------------------------------------------

cdef class HLCTimestampCore:
    """Packed HLC stamp core (private; see ``core.clock.HLCTimestamp``)."""

    cdef uint64_t _packed

    def __cinit__(self, *args, **kwargs):
        # HLCTimestampCore(packed) from Python; the clock core fills _packed itself.
        if args:
            self._packed = args[0]

    @property
    def packed(self):
        """int: ``physical_ms << 16 | counter`` as an unsigned 64-bit integer."""
        return self._packed

    @property
    def physical_ms(self):
        """int: Milliseconds since the Unix epoch (48 bits)."""
        return self._packed >> 16

    @property
    def counter(self):
        """int: Logical counter within the millisecond (16 bits)."""
        return self._packed & _COUNTER_MASK

    def __index__(self):
        return self._packed

    def __int__(self):
        return self._packed

    def __hash__(self):
        return hash(self._packed)

    def __eq__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed == (<HLCTimestampCore> other)._packed

    def __ne__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed != (<HLCTimestampCore> other)._packed

    def __lt__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed < (<HLCTimestampCore> other)._packed

    def __le__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed <= (<HLCTimestampCore> other)._packed

    def __gt__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed > (<HLCTimestampCore> other)._packed

    def __ge__(self, other):
        if not isinstance(other, HLCTimestampCore):
            return NotImplemented
        return self._packed >= (<HLCTimestampCore> other)._packed


cdef class HybridLogicalClockCore:
    """Hybrid logical clock core (private; see ``core.clock.HybridLogicalClock``)."""

    cdef uint64_t _l            # logical wall time, ms
    cdef uint64_t _c            # counter within _l
    cdef uint64_t _max_drift    # ms; U64_MAX disables the guard
    cdef object _physical       # None: CLOCK_REALTIME; else a callable returning ms
    cdef object _stamp_type     # a subclass of HLCTimestampCore

    def __cinit__(self, object physical, uint64_t max_drift_ms, object stamp_type,
                  *args, **kwargs):
        self._l = 0
        self._c = 0
        self._physical = physical
        self._max_drift = max_drift_ms
        self._stamp_type = stamp_type

    @property
    def max_drift_ms(self):
        """int or None: Largest accepted lead of logical over physical time, in ms."""
        return None if self._max_drift == U64_MAX else self._max_drift

    @property
    def last(self):
        """The last stamp issued (physical 0, counter 0 before the first event)."""
        return self._stamp(self._l << 16 | self._c)

    cdef object _stamp(self, uint64_t packed):
        cdef HLCTimestampCore stamp = HLCTimestampCore.__new__(self._stamp_type)
        stamp._packed = packed
        return stamp

    cdef uint64_t _pt(self) except? 0:
        # Physical time in ms.
        cdef timespec ts
        cdef uint64_t v
        if self._physical is None:
            clock_gettime(CLOCK_REALTIME, &ts)
            return <uint64_t> ts.tv_sec * 1000 + <uint64_t> ts.tv_nsec // 1000000
        value = self._physical()
        if not _small_uint(value, &v) or v > _PHYS_MAX:
            v = <uint64_t> self._coerce_physical(value)
        return v

    cdef int _commit(self, uint64_t wall, uint64_t count) except -1:
        # Counter overflow carries into the next millisecond (Kulkarni et al. allow
        # l to run ahead of physical time): local events never fail, whatever the
        # physical clock does.  Only remote stamps are held to the drift bound.
        if count > _COUNTER_MASK:
            wall += 1
            count = 0
        if wall > _PHYS_MAX:
            self._raise_exhausted(wall)
        self._l = wall
        self._c = count
        return 0

    def now(self):
        """Stamp a local or send event."""
        cdef uint64_t pt = self._pt()
        if pt > self._l:
            self._commit(pt, 0)
        else:
            self._commit(self._l, self._c + 1)
        return self._stamp(self._l << 16 | self._c)

    def send(self):
        """Stamp an outgoing message (a send is a local event)."""
        return self.now()

    def receive(self, remote):
        """Stamp the receipt of a message stamped ``remote``."""
        cdef uint64_t r, lm, cm, wall, count
        if isinstance(remote, HLCTimestampCore):
            r = (<HLCTimestampCore> remote)._packed
        elif not _small_uint(remote, &r):
            r = <uint64_t> self._coerce_stamp(remote)
        lm = r >> 16
        cm = r & _COUNTER_MASK
        cdef uint64_t pt = self._pt()
        if lm > pt and lm - pt > self._max_drift:
            self._raise_drift("`remote`", lm, pt)
        wall = self._l
        if lm > wall:
            wall = lm
        if pt > wall:
            wall = pt
        if wall == self._l and wall == lm:
            count = (self._c if self._c > cm else cm) + 1
        elif wall == self._l:
            count = self._c + 1
        elif wall == lm:
            count = cm + 1
        else:
            count = 0
        self._commit(wall, count)
        return self._stamp(self._l << 16 | self._c)
