"""Validation of clock counters shared by the scalar clocks and the batch kernels."""

from __future__ import annotations

import operator
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, describe, exact_int_array

__all__ = ["U64_MAX", "as_clock_matrix", "check_counter"]

#: Largest counter value.
U64_MAX: Final[int] = (1 << 64) - 1


def check_counter(name: str, value: Any) -> int:
    """Check that ``value`` is a uint64 counter (an int or anything with ``__index__``).

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Value to check.

    Returns
    -------
    value : int

    Raises
    ------
    TypeError
        If ``value`` is not integer-like (bools are refused).
    ValueError
        If it is outside [0, 2**64 - 1].

    Examples
    --------
    >>> check_counter("start", np.uint64(7))
    7
    """
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"`{name}` must be an int in [0, 2**64 - 1], got {describe(value)}.")
    return check_int(name, operator.index(value), low=0, high=U64_MAX)


def as_clock_matrix(
    name: str, value: Any, ndim: int | tuple[int, ...] = 2
) -> npt.NDArray[np.uint64]:
    """Convert clock counters to a C-contiguous uint64 array, refusing lossy input.

    Parameters
    ----------
    name : str
        Parameter name used in messages.
    value : array_like of integers
        Counters; signed input must be non-negative.
    ndim : int or tuple of int, default=2
        Allowed ranks.

    Returns
    -------
    counters : ndarray, dtype=uint64
        ``value`` itself when it already qualifies.

    Raises
    ------
    TypeError
        For non-integer (float, bool, string) input.
    ValueError
        For negative counters or a wrong rank.

    Examples
    --------
    >>> as_clock_matrix("a", [[1, 2], [3, 4]]).dtype
    dtype('uint64')
    """
    if (
        isinstance(value, np.ndarray)
        and value.dtype == np.uint64
        and value.flags.c_contiguous
        and value.dtype.isnative
        and value.ndim == ndim
    ):
        return value
    try:
        arr = check_array(name, value, ndim=ndim)
    except TypeError:
        # A list holding ints beyond uint64 reads as objects: out of range, not a type error.
        if exact_int_array(name, value, np.uint64) is None:
            raise
        raise  # pragma: no cover - exact_int_array raised ValueError for such a list
    if arr.dtype.kind == "f":  # NumPy reads a list holding ints >= 2**63 as float64
        exact = exact_int_array(name, value, np.uint64)
        if exact is not None:
            arr = check_array(name, exact, ndim=ndim)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"`{name}` must hold unsigned integer counters, got {describe(arr)}.")
    if arr.dtype.kind == "b":
        raise TypeError(f"`{name}` must hold integer counters, not booleans.")
    if arr.dtype.kind == "i" and arr.size and int(arr.min()) < 0:
        raise ValueError(f"`{name}` must hold counters >= 0, got {int(arr.min())}.")
    return np.ascontiguousarray(arr, dtype=np.uint64)


