"""Per-stream pseudo-random numbers for parallel kernels: xoshiro256+ (Blackman and Vigna, 2018).

Each independent stream (one annealing read, one tempering run) owns four
``uint64`` words of state, a row of a ``(streams, 4)`` array the caller seeds
(for instance from :class:`numpy.random.SeedSequence` children).  Because no
stream shares state with another, results do not depend on how ``prange``
schedules the streams over threads.
"""

from __future__ import annotations

import numpy as np

from lukhas._kernels._jit import njit

__all__ = ["next_u64", "uniform"]

_INV_2_53 = 1.0 / 9007199254740992.0  # 2**-53: maps the top 53 bits onto [0, 1)


@njit(inline="always")
def _rotl(x: np.uint64, k: np.uint64) -> np.uint64:
    """Rotate a 64-bit word left by ``k`` bits."""
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(inline="always")
def next_u64(state: np.ndarray) -> np.uint64:
    """Advance one xoshiro256+ stream and return its next 64-bit output.

    ``state`` : uint64[4]  # IN/OUT
    """
    result = state[0] + state[3]
    t = state[1] << np.uint64(17)
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = _rotl(state[3], np.uint64(45))
    return np.uint64(result)


@njit(inline="always")
def uniform(state: np.ndarray) -> float:
    """Return a float64 uniform on ``[0, 1)`` from the top 53 bits of the next output.

    ``state`` : uint64[4]  # IN/OUT
    """
    return float(next_u64(state) >> np.uint64(11)) * _INV_2_53
