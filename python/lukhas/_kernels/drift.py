"""Numba kernels behind :mod:`lukhas.services.drift`.

Kernels are dumb: contiguous arrays in, preallocated outputs written, no
validation, no logging.  Arguments are marked ``# IN`` / ``# OUT``; the public
layer (:mod:`lukhas.services.drift`) decides everything before the call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from lukhas._kernels._codes import PH_DOWN, PH_UP
from lukhas._kernels._jit import njit

__all__ = [
    "ADWIN_CLOCK",
    "ADWIN_COUNT",
    "ADWIN_COUNTERS_SIZE",
    "ADWIN_DETECTIONS",
    "ADWIN_FLOATS_SIZE",
    "ADWIN_GRACE",
    "ADWIN_HEAD",
    "ADWIN_INTS_SIZE",
    "ADWIN_LAST",
    "ADWIN_LEVELS",
    "ADWIN_MAX_BUCKETS",
    "ADWIN_MAX_LEVELS",
    "ADWIN_MIN_WINDOW",
    "ADWIN_RESET",
    "ADWIN_TICKS",
    "ADWIN_WIDTH",
    "PH_STATE_SIZE",
    "adwin_run",
    "ks_2samp_exact_sf",
    "page_hinkley_run",
]

#: Layout of the Page-Hinkley state vector (float64):
#: ``[n, mean, sum_up, min_up, sum_down, max_down]``; after a reset
#: ``[0, 0, 0, inf, 0, -1]`` (river's initial extremes).
PH_STATE_SIZE = 6


@njit()
def page_hinkley_run(
    x: npt.NDArray[np.float64],  # IN  float64[n]: the samples, oldest first
    delta: float,  # IN  tolerated change of the mean
    threshold: float,  # IN  alarm threshold (lambda)
    fading: float,  # IN  forgetting factor in (0, 1] applied to the cumulative sums
    min_instances: int,  # IN  no alarm before this many samples since the last reset
    mode: int,  # IN  _codes.PH_MODE: PH_BOTH, PH_UP (increases only), PH_DOWN (decreases only)
    state: npt.NDArray[np.float64],  # IN/OUT float64[6], see PH_STATE_SIZE
    flags: npt.NDArray[np.uint8],  # OUT uint8[n]: 1 where an alarm fired (state reset after it)
) -> None:
    """Run the two-sided Page-Hinkley test over ``x``, resetting after each alarm."""
    n = state[0]
    mean = state[1]
    sum_up = state[2]
    min_up = state[3]
    sum_down = state[4]
    max_down = state[5]
    for i in range(x.shape[0]):
        xi = x[i]
        # river's PageHinkley, operation for operation
        n += 1.0
        mean += (1.0 / n) * (xi - mean)
        dev = xi - mean
        sum_up = fading * sum_up + dev - delta
        sum_down = fading * sum_down + dev + delta
        if sum_up < min_up:
            min_up = sum_up
        if sum_down > max_down:
            max_down = sum_down
        alarm = False
        if n >= min_instances:
            if mode != PH_DOWN and sum_up - min_up > threshold:
                alarm = True
            if mode != PH_UP and max_down - sum_down > threshold:
                alarm = True
        if alarm:
            flags[i] = 1
            n = 0.0
            mean = 0.0
            sum_up = 0.0
            min_up = np.inf
            sum_down = 0.0
            max_down = -1.0
        else:
            flags[i] = 0
    state[0] = n
    state[1] = mean
    state[2] = sum_up
    state[3] = min_up
    state[4] = sum_down
    state[5] = max_down


@njit()
def ks_2samp_exact_sf(
    n: int,  # IN  size of the first sample
    m: int,  # IN  size of the second sample
    d_above: int,  # IN  region ``i m - j n >= d_above`` (first ECDF above); n*m+1: unused
    d_below: int,  # IN  region ``j n - i m >= d_below`` (first ECDF below); n*m+1: unused
    work: npt.NDArray[np.float64],  # OUT float64[m + 1]: scratch row
) -> float:
    """Exact share of monotone lattice paths (0, 0) -> (n, m) that enter the region.

    Every arrangement of the pooled sample is equally likely under the null
    hypothesis; a path point (i, j) (``i`` values of the first sample and
    ``j`` of the second seen so far) is in the critical region when
    ``i m - j n >= d_above`` or ``j n - i m >= d_below``.  Both thresholds
    equal to ``D n m`` give the two-sided p-value ``P(D' >= D)``; one of them
    set past ``n m`` gives a one-sided p-value.  Both must be >= 1.

    The recurrence keeps, for every point, the *fraction* of paths that already
    reached the region, so values stay in [0, 1] and tiny p-values keep their
    relative precision.  Only the band of points outside the region is visited
    (O(n m) at worst); inside it the fraction is 1.
    """
    for j in range(m + 1):
        work[j] = 1.0
    for i in range(n + 1):
        # Outside the region: i m - d_above < j n < i m + d_below.
        lo = (i * m - d_above) // n + 1
        if lo < 0:
            lo = 0
        hi = (i * m + d_below - 1) // n
        if hi > m:
            hi = m
        if lo > hi:
            return 1.0  # every path crosses a row with no point outside the region
        if lo >= 1:
            work[lo - 1] = 1.0  # left of the band: inside the region, fraction 1
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                work[j] = 0.0
            elif i == 0:
                work[j] = work[j - 1]
            elif j == 0:
                pass  # only paths from (i - 1, 0): the fraction carries over unchanged
            else:
                work[j] = (i * work[j] + j * work[j - 1]) / (i + j)
    return float(work[m])


#: Levels of the ADWIN exponential histogram (level ``i`` holds buckets of
#: ``2**i`` samples); 62 levels cover any window an int64 can count.
ADWIN_MAX_LEVELS = 62

#: Layout of the ADWIN integer state (int64[ADWIN_INTS_SIZE]): the per-level ring
#: heads and counts, then the counters and the parameters.
ADWIN_HEAD = 0  # [0, 62): ring index of each level's oldest bucket
ADWIN_COUNT = ADWIN_MAX_LEVELS  # [62, 124): buckets held per level
ADWIN_WIDTH = 2 * ADWIN_MAX_LEVELS  # samples in the window
ADWIN_LEVELS = ADWIN_WIDTH + 1  # levels in use
ADWIN_TICKS = ADWIN_WIDTH + 2  # samples seen since the last reset
ADWIN_DETECTIONS = ADWIN_WIDTH + 3  # updates after which the window shrank
ADWIN_CLOCK = ADWIN_WIDTH + 4  # parameter: test every ``clock`` samples
ADWIN_MAX_BUCKETS = ADWIN_WIDTH + 5  # parameter: buckets per level before two merge
ADWIN_MIN_WINDOW = ADWIN_WIDTH + 6  # parameter: smallest sub-window on either side of a cut
ADWIN_GRACE = ADWIN_WIDTH + 7  # parameter: no test until the window holds more samples
ADWIN_RESET = ADWIN_WIDTH + 8  # parameter: 1 = empty the window before the sample after a cut
ADWIN_LAST = ADWIN_WIDTH + 9  # 1 if the window shrank after the latest sample
ADWIN_INTS_SIZE = ADWIN_WIDTH + 10
#: The four counters, kept for callers that name them.
ADWIN_COUNTERS_SIZE = 4
#: Layout of the ADWIN float state (float64[3]): ``[total, m2, delta]``.
ADWIN_FLOATS_SIZE = 3


@njit()
def _adwin_cut(
    buckets: npt.NDArray[np.float64],  # IN  float64[2, levels, cap]: sums, then m2
    ints: npt.NDArray[np.int64],  # IN  int64[ADWIN_INTS_SIZE]
    width: float,  # IN  samples in the window
    total: float,  # IN  their sum
    m2: float,  # IN  their sum of squared deviations
    delta: float,  # IN  confidence parameter
) -> bool:
    """Whether a cut between buckets splits the window into parts of different means.

    The cuts are tested oldest first, with the bound of river's ADWIN (MOA's
    variant of Bifet and Gavalda's test): with ``m = 1 / (1/(n0 - w + 1) + 1/(n1 -
    w + 1))`` (``w`` the minimum sub-window), ``v`` the window variance and ``d =
    ln(2 ln(width) / delta)``, a cut is significant when ``|mean0 - mean1| >
    sqrt(2 v d / m) + 2 d / (3 m)``.  The arithmetic is river's, in river's order
    (a downdated variance that rounds below zero makes the bound NaN: no cut, as there).
    """
    cap = buckets.shape[2]
    min_window = float(ints[ADWIN_MIN_WINDOW])
    n_levels = ints[ADWIN_LEVELS]
    n0 = 0.0
    n1 = width
    u0 = 0.0
    u1 = total
    delta_prime = np.log(2.0 * np.log(width) / delta)
    variance = m2 / width
    for level in range(n_levels - 1, -1, -1):
        size = float(1 << level)
        count = ints[ADWIN_COUNT + level]
        slot = ints[ADWIN_HEAD + level]
        for k in range(count):
            n0 += size
            n1 -= size
            t = buckets[0, level, slot]
            slot += 1
            if slot == cap:
                slot = 0
            u0 += t
            u1 -= t
            if level == 0 and k == count - 1:
                return False
            if n1 >= min_window and n0 >= min_window:
                m_recip = 1.0 / (n0 - min_window + 1.0) + 1.0 / (n1 - min_window + 1.0)
                epsilon = (np.sqrt(2.0 * m_recip * variance * delta_prime)
                           + 2.0 / 3.0 * delta_prime * m_recip)
                if abs(u0 / n0 - u1 / n1) > epsilon:
                    return True
    return False


@njit()
def adwin_run(
    x: npt.NDArray[np.float64],  # IN  float64[n]: the samples, oldest first
    buckets: npt.NDArray[np.float64],  # IN/OUT float64[2, ADWIN_MAX_LEVELS, max_buckets + 1]
    ints: npt.NDArray[np.int64],  # IN/OUT int64[ADWIN_INTS_SIZE], see ADWIN_HEAD...
    floats: npt.NDArray[np.float64],  # IN/OUT float64[3]: [total, m2, delta]
    flags: npt.NDArray[np.uint8],  # OUT uint8[n] (or uint8[0]: not written): 1 = shrank
) -> int:
    """ADWIN over ``x``: add each sample, merge full levels, drop old buckets on a cut.

    Returns ``2 * due + last``: ``last`` is 1 if the window shrank after the last
    sample, ``due`` how many more samples reach the next cut test (so a caller can
    queue samples until then without changing any result).

    Same state transitions and floating-point operations, in the same order, as
    river's ``ADWIN`` (``rust_src/adwin.rs``, a port of its former Cython code), so
    both report the same change points on the same stream.  Each level is a ring
    of ``max_buckets + 1`` slots (a level overflows by one bucket before its two
    oldest merge into the next level); ``buckets[0]`` holds bucket sums,
    ``buckets[1]`` their sums of squared deviations.
    """
    cap = buckets.shape[2]
    clock = ints[ADWIN_CLOCK]
    max_buckets = ints[ADWIN_MAX_BUCKETS]
    grace = float(ints[ADWIN_GRACE])
    delta = floats[2]
    width = float(ints[ADWIN_WIDTH])
    n_levels = ints[ADWIN_LEVELS]
    ticks = ints[ADWIN_TICKS]
    total = floats[0]
    m2 = floats[1]
    for i in range(x.shape[0]):
        value = x[i]
        if ints[ADWIN_RESET] and ints[ADWIN_LAST]:
            # river's detector starts afresh on the sample after a detection
            for level in range(n_levels):
                ints[ADWIN_HEAD + level] = 0
                ints[ADWIN_COUNT + level] = 0
            width = 0.0
            n_levels = 0
            ticks = 0
            total = 0.0
            m2 = 0.0
        # -- insert: running sum of squared deviations, river's order of operations
        width += 1.0
        increment = 0.0
        if width > 1.0:
            dv = value - total / (width - 1.0)
            increment = (width - 1.0) * dv * dv / width
        m2 += increment
        total += value
        if n_levels == 0:
            n_levels = 1
        slot = ints[ADWIN_HEAD] + ints[ADWIN_COUNT]
        if slot >= cap:
            slot -= cap
        buckets[0, 0, slot] = value
        buckets[1, 0, slot] = 0.0
        ints[ADWIN_COUNT] += 1
        # -- carry merges upwards: a level of max_buckets + 1 merges its two oldest
        level = 0
        while ints[ADWIN_COUNT + level] == max_buckets + 1:
            size = float(1 << level)
            a = ints[ADWIN_HEAD + level]
            b = a + 1 if a + 1 < cap else 0
            t0 = buckets[0, level, a]
            t1 = buckets[0, level, b]
            mu1 = t0 / size
            mu2 = t1 / size
            temp = size * 0.5 * (mu1 - mu2) * (mu1 - mu2)
            merged_m2 = buckets[1, level, a] + buckets[1, level, b] + temp
            ints[ADWIN_HEAD + level] = a + 2 if a + 2 < cap else a + 2 - cap
            ints[ADWIN_COUNT + level] -= 2
            if level + 1 == n_levels:
                n_levels += 1
                ints[ADWIN_HEAD + level + 1] = 0
                ints[ADWIN_COUNT + level + 1] = 0
            up = ints[ADWIN_HEAD + level + 1] + ints[ADWIN_COUNT + level + 1]
            if up >= cap:
                up -= cap
            buckets[0, level + 1, up] = t0 + t1
            buckets[1, level + 1, up] = merged_m2
            ints[ADWIN_COUNT + level + 1] += 1
            if ints[ADWIN_COUNT + level + 1] <= max_buckets:
                break
            level += 1
        # -- test the cuts every `clock` samples once past the grace period
        ticks += 1
        shrank = False
        if ticks % clock == 0 and width > grace:
            ints[ADWIN_LEVELS] = n_levels
            while _adwin_cut(buckets, ints, width, total, m2, delta):
                shrank = True
                # drop the oldest bucket, updating the moments as river does
                top = n_levels - 1
                n = float(1 << top)
                head = ints[ADWIN_HEAD + top]
                u = buckets[0, top, head]
                v = buckets[1, top, head]
                mu = u / n
                width -= n
                total -= u
                mu_window = total / width
                m2 -= v + n * width * (mu - mu_window) * (mu - mu_window) / (n + width)
                ints[ADWIN_HEAD + top] = head + 1 if head + 1 < cap else 0
                ints[ADWIN_COUNT + top] -= 1
                if ints[ADWIN_COUNT + top] == 0:
                    n_levels -= 1
                ints[ADWIN_LEVELS] = n_levels
            if shrank:
                ints[ADWIN_DETECTIONS] += 1
        if flags.shape[0]:
            flags[i] = 1 if shrank else 0
        ints[ADWIN_LAST] = 1 if shrank else 0
    ints[ADWIN_WIDTH] = int(width)
    ints[ADWIN_LEVELS] = n_levels
    ints[ADWIN_TICKS] = ticks
    floats[0] = total
    floats[1] = m2
    # samples until the next test: tick a multiple of clock with the window past grace
    if ints[ADWIN_RESET] and ints[ADWIN_LAST]:
        ticks = 0
        width = 0.0
    due = clock - ticks % clock
    while width + due <= grace:
        due += clock
    return int(2 * due + ints[ADWIN_LAST])
