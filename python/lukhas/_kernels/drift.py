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
    "PH_STATE_SIZE",
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
