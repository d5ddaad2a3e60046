"""Simulated bifurcation (Goto et al., 2019 and 2021), ballistic and discrete, reads in parallel.

The kernel **maximises** ``sum_{i<j} K_ij s_i s_j`` for a symmetric coupling
matrix ``K`` with a zero diagonal (the caller negates an Ising ``J`` and folds
fields ``h`` into an extra spin).  Each read integrates, with the symplectic
Euler scheme,

    y_i += dt * (-(a0 - a(t)) * x_i + c0 * sum_j K_ij * phi(x_j))
    x_i += dt * a0 * y_i
    |x_i| > 1  ->  x_i = sign(x_i), y_i = 0      (inelastic walls)

with ``phi(x) = x`` (ballistic, bSB) or ``phi(x) = sign(x)`` (discrete, dSB)
and the pump ``a(t)`` rising linearly from 0 to ``a0``.  The answer is
``sign(x)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._jit import njit, prange
from lukhas._kernels.walltime import elapsed_seconds, stamp
from lukhas._kernels.xoshiro import uniform

__all__: list[str] = []


@njit(parallel=True)
def _bifurcate(
    K: np.ndarray,
    steps: int,
    dt: float,
    a0: float,
    c0: float,
    discrete: bool,
    x: np.ndarray,
    y: np.ndarray,
    force: np.ndarray,
    spins: np.ndarray,
    rng: np.ndarray,
    clock: Any,
    clock_buf: np.ndarray,
    seconds: np.ndarray,
) -> None:
    """Integrate ``steps`` simulated-bifurcation steps per read and write ``sign(x)``.

    ``K`` : float64[m, m] symmetric, zero diagonal  # IN
    ``x``, ``y`` : float64[reads, m] positions and momenta  # OUT (initialised here)
    ``force`` : float64[reads, m] scratch  # OUT
    ``spins`` : int8[reads, m] in {-1, +1}  # OUT
    ``rng`` : uint64[reads, 4]  # IN/OUT
    ``clock_buf`` : int64[reads, 2] scratch  # OUT
    ``seconds`` : float64[reads]  # OUT
    """
    reads, m = x.shape
    for r in prange(reads):
        stamp(clock, clock_buf[r])
        state = rng[r]
        xr = x[r]
        yr = y[r]
        fr = force[r]
        for i in range(m):
            xr[i] = 0.2 * uniform(state) - 0.1
            yr[i] = 0.2 * uniform(state) - 0.1
        for step in range(steps):
            detuning = a0 - a0 * step / steps
            for i in range(m):
                fr[i] = 0.0
            for j in range(m):
                row = K[j]
                if discrete:
                    if xr[j] > 0.0:
                        for i in range(m):
                            fr[i] += row[i]
                    elif xr[j] < 0.0:
                        for i in range(m):
                            fr[i] -= row[i]
                else:
                    xj = xr[j]
                    for i in range(m):
                        fr[i] += xj * row[i]
            for i in range(m):
                yr[i] += dt * (c0 * fr[i] - detuning * xr[i])
                xr[i] += dt * a0 * yr[i]
                if xr[i] > 1.0:
                    xr[i] = 1.0
                    yr[i] = 0.0
                elif xr[i] < -1.0:
                    xr[i] = -1.0
                    yr[i] = 0.0
        for i in range(m):
            spins[r, i] = np.int8(1) if xr[i] >= 0.0 else np.int8(-1)
        seconds[r] = elapsed_seconds(clock, clock_buf[r])
