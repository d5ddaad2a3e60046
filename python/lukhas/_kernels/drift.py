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
    "ADWIN_COUNTERS_SIZE",
    "ADWIN_MAX_LEVELS",
    "PH_STATE_SIZE",
    "adwin_run",
    "ks_2samp_exact_sf",
    "page_hinkley_run",
]

#: Layout of the Page-Hinkley state vector (float64):
#: ``[n, mean, sum_up, min_up, sum_down, max_down]``.
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
        n += 1.0
        mean += (xi - mean) / n
        sum_up = fading * sum_up + (xi - mean - delta)
        min_up = min(min_up, sum_up)
        sum_down = fading * sum_down + (xi - mean + delta)
        max_down = max(max_down, sum_down)
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
            min_up = 0.0
            sum_down = 0.0
            max_down = 0.0
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

#: Layout of the ADWIN integer state (int64):
#: ``[width, n_levels, ticks, n_detections]``.
ADWIN_COUNTERS_SIZE = 4


@njit()
def _adwin_recompute(
    bucket_sum: npt.NDArray[np.float64],  # IN  float64[levels, cap]
    bucket_m2: npt.NDArray[np.float64],  # IN  float64[levels, cap]
    level_head: npt.NDArray[np.int64],  # IN  int64[levels]: ring index of each level's oldest
    level_count: npt.NDArray[np.int64],  # IN  int64[levels]: buckets held per level
    counters: npt.NDArray[np.int64],  # IN/OUT int64[4]: width written
    moments: npt.NDArray[np.float64],  # OUT float64[2]: [total, m2]
) -> None:
    """Combine every bucket, oldest first, into the window's width, sum and m2 (Chan)."""
    cap = bucket_sum.shape[1]
    width = 0
    total = 0.0
    m2 = 0.0
    for level in range(counters[1] - 1, -1, -1):
        size = 1 << level
        for k in range(level_count[level]):
            slot = (level_head[level] + k) % cap
            s = bucket_sum[level, slot]
            if width:
                diff = s / size - total / width
                m2 += bucket_m2[level, slot] + diff * diff * width * size / (width + size)
            else:
                m2 = bucket_m2[level, slot]
            width += size
            total += s
    counters[0] = width
    moments[0] = total
    moments[1] = m2


@njit()
def _adwin_significant_cut(
    bucket_sum: npt.NDArray[np.float64],  # IN  float64[levels, cap]
    level_head: npt.NDArray[np.int64],  # IN  int64[levels]
    level_count: npt.NDArray[np.int64],  # IN  int64[levels]
    n_levels: int,  # IN  levels in use
    width: int,  # IN  samples in the window (>= 2)
    total: float,  # IN  their sum
    m2: float,  # IN  their sum of squared deviations
    delta: float,  # IN  confidence parameter
    min_window: int,  # IN  smallest sub-window tested on either side
) -> bool:
    """Whether any cut between buckets splits the window into parts of different means."""
    cap = bucket_sum.shape[1]
    variance = m2 / width
    log_term = np.log(2.0 * np.log(width) / delta)
    n0 = 0
    sum0 = 0.0
    for level in range(n_levels - 1, -1, -1):
        size = 1 << level
        for k in range(level_count[level]):
            n0 += size
            sum0 += bucket_sum[level, (level_head[level] + k) % cap]
            n1 = width - n0
            if n0 < min_window:
                continue
            if n1 < min_window:
                return False
            m = 1.0 / (1.0 / n0 + 1.0 / n1)
            eps = np.sqrt(2.0 * variance * log_term / m) + 2.0 * log_term / (3.0 * m)
            if abs(sum0 / n0 - (total - sum0) / n1) > eps:
                return True
    return False


@njit()
def adwin_run(
    x: npt.NDArray[np.float64],  # IN  float64[n]: the samples, oldest first
    delta: float,  # IN  confidence parameter in (0, 1)
    clock: int,  # IN  test every ``clock`` samples
    max_buckets: int,  # IN  buckets per level before the two oldest merge
    min_window: int,  # IN  smallest sub-window on either side of a tested cut
    grace: int,  # IN  no test before the window holds this many samples
    bucket_sum: npt.NDArray[np.float64],  # IN/OUT float64[ADWIN_MAX_LEVELS, max_buckets + 1]
    bucket_m2: npt.NDArray[np.float64],  # IN/OUT float64[ADWIN_MAX_LEVELS, max_buckets + 1]
    level_head: npt.NDArray[np.int64],  # IN/OUT int64[ADWIN_MAX_LEVELS]: ring index of oldest
    level_count: npt.NDArray[np.int64],  # IN/OUT int64[ADWIN_MAX_LEVELS]: buckets per level
    counters: npt.NDArray[np.int64],  # IN/OUT int64[4], see ADWIN_COUNTERS_SIZE
    moments: npt.NDArray[np.float64],  # IN/OUT float64[2]: [total, m2] of the window
    flags: npt.NDArray[np.uint8],  # OUT uint8[n]: 1 where the window shrank after the sample
) -> None:
    """ADWIN2 over ``x``: add each sample, merge full levels, drop old buckets on a cut.

    Each level is a ring of ``max_buckets + 1`` slots (a level overflows by one
    bucket before its two oldest merge into the next level).
    """
    cap = bucket_sum.shape[1]
    width = counters[0]
    n_levels = counters[1]
    ticks = counters[2]
    total = moments[0]
    m2 = moments[1]
    for i in range(x.shape[0]):
        value = x[i]
        if width:
            d = value - total / width
            m2 += d * d * width / (width + 1)
        width += 1
        total += value
        # Append a one-sample bucket to level 0, then carry merges upwards.
        if n_levels == 0:
            n_levels = 1
        slot = (level_head[0] + level_count[0]) % cap
        bucket_sum[0, slot] = value
        bucket_m2[0, slot] = 0.0
        level_count[0] += 1
        level = 0
        while level_count[level] > max_buckets:
            size = float(1 << level)
            a = level_head[level]
            b = (a + 1) % cap
            sum_a = bucket_sum[level, a]
            sum_b = bucket_sum[level, b]
            diff = sum_a / size - sum_b / size
            merged_m2 = bucket_m2[level, a] + bucket_m2[level, b] + diff * diff * size / 2.0
            level_head[level] = (a + 2) % cap
            level_count[level] -= 2
            if level + 1 == n_levels:
                n_levels += 1
                level_head[level + 1] = 0
                level_count[level + 1] = 0
            up = (level_head[level + 1] + level_count[level + 1]) % cap
            bucket_sum[level + 1, up] = sum_a + sum_b
            bucket_m2[level + 1, up] = merged_m2
            level_count[level + 1] += 1
            level += 1
        ticks += 1
        shrank = False
        if ticks % clock == 0:
            while width >= grace and _adwin_significant_cut(
                bucket_sum, level_head, level_count, n_levels, width, total, m2, delta, min_window
            ):
                top = n_levels - 1
                level_head[top] = (level_head[top] + 1) % cap
                level_count[top] -= 1
                while n_levels > 0 and level_count[n_levels - 1] == 0:
                    n_levels -= 1
                counters[1] = n_levels
                _adwin_recompute(bucket_sum, bucket_m2, level_head, level_count, counters, moments)
                width = counters[0]
                total = moments[0]
                m2 = moments[1]
                shrank = True
            if shrank:
                counters[3] += 1
        flags[i] = 1 if shrank else 0
    counters[0] = width
    counters[1] = n_levels
    counters[2] = ticks
    moments[0] = total
    moments[1] = m2
