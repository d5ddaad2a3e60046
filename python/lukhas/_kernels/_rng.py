"""xoshiro256** random numbers for kernels that must be reproducible.

Kernels draw from an explicit ``uint64[4]`` state array instead of Numba's
global generator, so the same seed gives the same stream whether a loop runs
compiled end to end or one step at a time from Python, and two optimisers
running side by side never share a stream.  The generator is Blackman and
Vigna's xoshiro256** (2018); :func:`seed_state` expands a seed with numpy's
``SeedSequence``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._kernels._jit import njit

__all__ = ["seed_state"]

_TWO_PI = 2.0 * np.pi
_INV_2_53 = 1.0 / 9007199254740992.0


def seed_state(seed: Any) -> npt.NDArray[np.uint64]:
    """Return a fresh xoshiro256** state (shape (4,), dtype=uint64) for ``seed``.

    ``seed`` is anything :class:`numpy.random.SeedSequence` accepts (None draws
    OS entropy).  Pure numpy: callable without compiling anything.
    """
    state = np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64)
    if not state.any():  # the all-zero state is the one fixed point of xoshiro
        state[0] = np.uint64(0x9E3779B97F4A7C15)
    return state


@njit()
def _rotl(x: Any, k: Any) -> Any:
    """Rotate a uint64 left by ``k`` bits."""
    return (x << k) | (x >> (np.uint64(64) - k))


@njit()
def _next_u64(state: Any) -> Any:
    """Advance ``state`` (IN/OUT, uint64[4]) and return the next uint64."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * np.uint64(5), np.uint64(7)) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, np.uint64(45))
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@njit()
def _uniform(state: Any) -> float:
    """Next double in [0, 1) from the top 53 bits; ``state`` is IN/OUT."""
    return float(_next_u64(state) >> np.uint64(11)) * _INV_2_53


@njit()
def _randint(state: Any, n: int) -> int:
    """Next integer in [0, n) for ``n >= 1``; ``state`` is IN/OUT."""
    k = int(_uniform(state) * n)
    return k if k < n else n - 1


@njit()
def _normal(state: Any) -> float:
    """Next standard normal draw (Box-Muller); ``state`` is IN/OUT."""
    u1 = 1.0 - _uniform(state)  # in (0, 1]: log is finite
    u2 = _uniform(state)
    return float(np.sqrt(-2.0 * np.log(u1)) * np.cos(_TWO_PI * u2))
