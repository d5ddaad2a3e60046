# cython: language_level=3, autotestdict=False, auto_pickle=False
"""ADWIN's exponential histogram, compiled: one sample per C call, or a batch without the GIL.

The marshalling layer behind :class:`lukhas.core.drift.ADWIN` (home
``lukhas.services.drift``).  ``ADWINCore`` works on three arrays its public subclass
allocates and owns (it keeps pointers to them):

* ``buckets``: float64[2, MAX_LEVELS, cap], bucket sums then sums of squared
  deviations; level ``l`` is a ring of ``cap = max_buckets + 1`` slots;
* ``ints``: int64[INTS_SIZE], the ring heads and counts per level, then the window
  width, levels in use, ticks, detections, the parameters and the last-shrank flag
  (offsets below);
* ``floats``: float64[3], the window total, its sum of squared deviations, delta.

Same state transitions and floating-point operations, in the same order, as river's
``ADWIN`` (MOA's variant of Bifet and Gavalda's bound), so both report the same change
points on the same stream; the public class's tests cross-check against river.
"""

from libc.math cimport fabs, log, sqrt
from libc.stdint cimport int64_t, uint8_t

# Layout of ``ints`` (C constants; the Python names below mirror them).
cdef enum:
    _L = 62                    # levels of the histogram (2**62 samples)
    _COUNT = _L                # [62, 124): buckets held per level; [0, 62): ring heads
    _WIDTH = 2 * _L            # samples in the window
    _LEVELS = _WIDTH + 1       # levels in use
    _TICKS = _WIDTH + 2        # samples seen since the last reset
    _DETECTIONS = _WIDTH + 3   # updates after which the window shrank
    _CLOCK = _WIDTH + 4        # parameter: test every ``clock`` samples
    _MAX_BUCKETS = _WIDTH + 5  # parameter: buckets per level before the two oldest merge
    _MIN_WINDOW = _WIDTH + 6   # parameter: smallest sub-window on either side of a cut
    _GRACE = _WIDTH + 7        # parameter: no test until the window holds more samples
    _RESET = _WIDTH + 8        # parameter: 1 = empty the window after a detection
    _LAST = _WIDTH + 9         # 1 if the window shrank after the latest sample
    _INTS_SIZE = _WIDTH + 10

MAX_LEVELS = _L
HEAD = 0
COUNT = _COUNT
WIDTH = _WIDTH
LEVELS = _LEVELS
TICKS = _TICKS
DETECTIONS = _DETECTIONS
CLOCK = _CLOCK
MAX_BUCKETS = _MAX_BUCKETS
MIN_WINDOW = _MIN_WINDOW
GRACE = _GRACE
RESET = _RESET
LAST = _LAST
INTS_SIZE = _INTS_SIZE


cdef class ADWINCore:
    """Compiled ADWIN state machine (private; see ``lukhas.core.drift.ADWIN``)."""

    cdef double* _sums       # buckets[0]: MAX_LEVELS * cap bucket sums
    cdef double* _m2s        # buckets[1]: their sums of squared deviations
    cdef int64_t* _ints
    cdef double* _floats
    cdef Py_ssize_t _cap
    cdef object _owners      # the three arrays, kept alive while the pointers are used

    def _bind(self, double[:, :, ::1] buckets, int64_t[::1] ints, double[::1] floats):
        """Point the core at its state arrays (trusted: shaped by the public class)."""
        self._owners = (buckets, ints, floats)
        self._cap = buckets.shape[2]
        self._sums = &buckets[0, 0, 0]
        self._m2s = &buckets[1, 0, 0]
        self._ints = &ints[0]
        self._floats = &floats[0]

    # -- kernels ----------------------------------------------------------------------
    cdef bint _cut(self, double width, double total, double m2, double delta,
                   int64_t n_levels) noexcept nogil:
        # Whether a cut between buckets (oldest first) splits the window into parts of
        # different means (river's bound and arithmetic, in river's order).
        cdef int64_t* ints = self._ints
        cdef double min_window = <double> ints[_MIN_WINDOW]
        cdef double n0 = 0.0, n1 = width, u0 = 0.0, u1 = total, size, t, m_recip, eps
        cdef double delta_prime = log(2.0 * log(width) / delta)
        cdef double variance = m2 / width
        cdef int64_t level, k, count, slot
        for level in range(n_levels - 1, -1, -1):
            size = <double> (<int64_t> 1 << level)
            count = ints[_COUNT + level]
            slot = ints[level]
            for k in range(count):
                n0 += size
                n1 -= size
                t = self._sums[level * self._cap + slot]
                slot += 1
                if slot == self._cap:
                    slot = 0
                u0 += t
                u1 -= t
                if level == 0 and k == count - 1:
                    return False
                if n1 >= min_window and n0 >= min_window:
                    m_recip = 1.0 / (n0 - min_window + 1.0) + 1.0 / (n1 - min_window + 1.0)
                    eps = sqrt(2.0 * m_recip * variance * delta_prime) \
                        + 2.0 / 3.0 * delta_prime * m_recip
                    if fabs(u0 / n0 - u1 / n1) > eps:
                        return True
        return False

    cdef bint _step(self, double value) noexcept nogil:
        # Add one sample, merge full levels, and on a test tick drop old buckets while a
        # cut is significant.  Returns whether the window shrank.
        cdef int64_t* ints = self._ints
        cdef double* fl = self._floats
        cdef Py_ssize_t cap = self._cap
        cdef int64_t clock = ints[_CLOCK], max_buckets = ints[_MAX_BUCKETS]
        cdef int64_t n_levels = ints[_LEVELS], ticks = ints[_TICKS]
        cdef double width = <double> ints[_WIDTH], total = fl[0], m2 = fl[1]
        cdef double increment = 0.0, dv, size, t0, t1, mu1, mu2, temp, merged, n, u, v, mu
        cdef double mu_window
        cdef int64_t level, a, b, up, top, head, slot
        cdef bint shrank = False
        if ints[_RESET] and ints[_LAST]:
            # river's detector starts afresh on the sample after a detection
            for level in range(n_levels):
                ints[level] = 0
                ints[_COUNT + level] = 0
            width = 0.0
            n_levels = 0
            ticks = 0
            total = 0.0
            m2 = 0.0
        # insert: running sum of squared deviations, river's order of operations
        width += 1.0
        if width > 1.0:
            dv = value - total / (width - 1.0)
            increment = (width - 1.0) * dv * dv / width
        m2 += increment
        total += value
        if n_levels == 0:
            n_levels = 1
        slot = ints[0] + ints[_COUNT]
        if slot >= cap:
            slot -= cap
        self._sums[slot] = value
        self._m2s[slot] = 0.0
        ints[_COUNT] += 1
        # carry merges upwards: a level of max_buckets + 1 merges its two oldest
        level = 0
        while ints[_COUNT + level] == max_buckets + 1:
            size = <double> (<int64_t> 1 << level)
            a = ints[level]
            b = a + 1 if a + 1 < cap else 0
            t0 = self._sums[level * cap + a]
            t1 = self._sums[level * cap + b]
            mu1 = t0 / size
            mu2 = t1 / size
            temp = size * 0.5 * (mu1 - mu2) * (mu1 - mu2)
            merged = self._m2s[level * cap + a] + self._m2s[level * cap + b] + temp
            ints[level] = a + 2 if a + 2 < cap else a + 2 - cap
            ints[_COUNT + level] -= 2
            if level + 1 == n_levels:
                n_levels += 1
                ints[level + 1] = 0
                ints[_COUNT + level + 1] = 0
            up = ints[level + 1] + ints[_COUNT + level + 1]
            if up >= cap:
                up -= cap
            self._sums[(level + 1) * cap + up] = t0 + t1
            self._m2s[(level + 1) * cap + up] = merged
            ints[_COUNT + level + 1] += 1
            if ints[_COUNT + level + 1] <= max_buckets:
                break
            level += 1
        # test the cuts every `clock` samples once past the grace period
        ticks += 1
        if ticks % clock == 0 and width > <double> ints[_GRACE]:
            while self._cut(width, total, m2, fl[2], n_levels):
                shrank = True
                # drop the oldest bucket, updating the moments as river does
                top = n_levels - 1
                n = <double> (<int64_t> 1 << top)
                head = ints[top]
                u = self._sums[top * cap + head]
                v = self._m2s[top * cap + head]
                mu = u / n
                width -= n
                total -= u
                mu_window = total / width
                m2 -= v + n * width * (mu - mu_window) * (mu - mu_window) / (n + width)
                ints[top] = head + 1 if head + 1 < cap else 0
                ints[_COUNT + top] -= 1
                if ints[_COUNT + top] == 0:
                    n_levels -= 1
            if shrank:
                ints[_DETECTIONS] += 1
        ints[_LAST] = shrank
        ints[_WIDTH] = <int64_t> width
        ints[_LEVELS] = n_levels
        ints[_TICKS] = ticks
        fl[0] = total
        fl[1] = m2
        return shrank

    # -- entry points -------------------------------------------------------------------
    def update(self, x):
        """Add one sample; return whether the window shrank (a change was detected).

        Parameters
        ----------
        x : float
            The sample; must be finite (other reals are converted).

        Returns
        -------
        drift : bool
            True if old samples were dropped after this sample.

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not a finite real number.
        """
        cdef double value
        if type(x) is float and x - x == 0.0:  # a finite float: the fast path
            value = x
        else:
            value = self._coerce_sample(x)
        if self._step(value):
            self._on_drift(1)
            return True
        return False

    def run(self, const double[::1] values, uint8_t[::1] flags):
        """Add samples oldest first, flags[i] = 1 where the window shrank; without the GIL.

        Returns the number of samples after which the window shrank.
        """
        cdef Py_ssize_t i, n = values.shape[0]
        cdef int64_t shrank = 0
        with nogil:
            for i in range(n):
                flags[i] = self._step(values[i])
                shrank += flags[i]
        if shrank:
            self._on_drift(shrank)
        return shrank

    def _coerce_sample(self, x):
        """Hook: convert a non-float sample or raise (the public class overrides it)."""
        raise TypeError(f"`x` must be a finite float, got {type(x).__name__}.")

    def _on_drift(self, count):
        """Hook: called (with the GIL) after updates that shrank the window."""
