"""A monotonic wall clock that parallel Numba kernels can read, for per-stream timings.

Numba has no ``time`` module, so kernels read POSIX ``clock_gettime`` through
ctypes.  The ctypes function is passed to each kernel as an argument (not
captured as a global), which keeps the kernels cacheable on disk.
"""

from __future__ import annotations

import ctypes
import functools
from typing import Any

import numpy as np

from lukhas._kernels._jit import njit

__all__ = ["elapsed_seconds", "monotonic_clock", "stamp"]

CLOCK_MONOTONIC = 1  # Linux value of the POSIX constant


@functools.cache
def monotonic_clock() -> Any:
    """Return libc's ``clock_gettime`` as a ctypes function ``(int, void*) -> int``.

    Kernels call it as ``clock(CLOCK_MONOTONIC, timespec_ptr)``; pass the
    returned object to them as their ``clock`` argument.
    """
    libc = ctypes.CDLL(None)
    func = libc.clock_gettime
    func.argtypes = [ctypes.c_int, ctypes.c_void_p]
    func.restype = ctypes.c_int
    return func


@njit(inline="always")
def stamp(clock: Any, timespec: np.ndarray) -> None:
    """Write the current monotonic time into ``timespec``.

    ``timespec`` : int64[2] (seconds, nanoseconds)  # OUT
    """
    clock(CLOCK_MONOTONIC, timespec.ctypes.data)


@njit(inline="always")
def elapsed_seconds(clock: Any, timespec: np.ndarray) -> float:
    """Return the seconds since ``timespec`` was stamped.

    ``timespec`` : int64[2] written by :func:`stamp`  # IN (scratch, overwritten)
    """
    start_s = timespec[0]
    start_ns = timespec[1]
    clock(CLOCK_MONOTONIC, timespec.ctypes.data)
    return float(timespec[0] - start_s) + float(timespec[1] - start_ns) * 1e-9
