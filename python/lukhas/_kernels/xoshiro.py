"""Per-stream pseudo-random numbers for kernels: xoshiro256** (Blackman and Vigna, 2018).

Kernels draw from an explicit ``uint64[4]`` state instead of Numba's global
generator.  Each independent stream (one annealing read, one tempering run, one
optimiser) owns its state, a row of a ``(streams, 4)`` array or a single
vector the caller seeds, so:

* results do not depend on how ``prange`` schedules streams over threads;
* the same seed gives the same stream whether a loop runs compiled end to end
  or one step at a time from Python;
* two optimisers running side by side never share a stream.

:func:`seed_state` draws one state from a numpy ``Generator``; callers that
need many streams seed rows from :class:`numpy.random.SeedSequence` children.
This is the library's only random-number kernel: ``tests/reference`` replays
it in pure Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._kernels._jit import njit

__all__ = ["fill_uniform32", "next_u64", "normal", "randint", "seed_state", "uniform"]

_TWO_PI = 2.0 * np.pi
_INV_2_53 = 1.0 / 9007199254740992.0  # 2**-53: maps the top 53 bits onto [0, 1)
_INV_2_32 = 1.0 / 4294967296.0


def seed_state(rng: np.random.Generator) -> npt.NDArray[np.uint64]:
    """Draw a fresh xoshiro256** state (shape (4,), dtype=uint64) from ``rng``.

    Pure numpy: callable without compiling anything.  Seeding goes through a
    numpy ``Generator`` so one ``seed`` fixes both the initial population drawn
    in Python and the stream the kernels draw from.
    """
    state = rng.integers(0, np.iinfo(np.uint64).max, size=4, dtype=np.uint64, endpoint=True)
    if not state.any():  # the all-zero state is the one fixed point of xoshiro
        state[0] = np.uint64(0x9E3779B97F4A7C15)
    return state


@njit(inline="always")
def _rotl(x: Any, k: Any) -> Any:
    """Rotate a uint64 left by ``k`` bits."""
    return (x << k) | (x >> (np.uint64(64) - k))


@njit(inline="always")
def next_u64(state: Any) -> Any:
    """Advance ``state`` and return its next 64-bit output.

    ``state`` : uint64[4]  # IN/OUT
    """
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


@njit(inline="always")
def uniform(state: Any) -> float:
    """Next float64 uniform on ``[0, 1)`` from the top 53 bits.

    ``state`` : uint64[4]  # IN/OUT
    """
    return float(np.int64(next_u64(state) >> np.uint64(11))) * _INV_2_53


@njit()
def fill_uniform32(state: Any, out: Any) -> None:
    """Fill ``out`` with uniforms on ``[0, 1)`` at 32-bit resolution, two per draw.

    Half the generator work of :func:`uniform` where ``2**-32`` granularity is
    plenty (PSO coefficients); the high half of each draw comes first.

    ``state`` : uint64[4]  # IN/OUT
    ``out`` : float64[n]  # OUT
    """
    n = out.shape[0]
    k = 0
    while k < n:
        bits = next_u64(state)
        out[k] = float(np.int64(bits >> np.uint64(32))) * _INV_2_32
        if k + 1 < n:
            out[k + 1] = float(np.int64(bits & np.uint64(0xFFFFFFFF))) * _INV_2_32
        k += 2


@njit()
def randint(state: Any, n: int) -> int:
    """Next integer on ``[0, n)`` for ``n >= 1``.

    ``state`` : uint64[4]  # IN/OUT
    """
    k = int(uniform(state) * n)
    return k if k < n else n - 1


@njit()
def normal(state: Any) -> float:
    """Next standard normal draw (Box-Muller).

    ``state`` : uint64[4]  # IN/OUT
    """
    u1 = 1.0 - uniform(state)  # in (0, 1]: the log is finite
    u2 = uniform(state)
    return float(np.sqrt(-2.0 * np.log(u1)) * np.cos(_TWO_PI * u2))
