"""Validation helpers for the public boundary.

Every public function validates its input once, with these helpers, and then
trusts the data all the way down to the kernels.  Messages name the parameter,
say what was expected and what arrived: wrong types raise :class:`TypeError`,
wrong values raise :class:`ValueError`.

Examples
--------
>>> check_int("capacity", 8, low=1)
8
>>> check_int("capacity", 0, low=1)
Traceback (most recent call last):
...
ValueError: `capacity` must be an int >= 1, got 0.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "check_array",
    "check_choice",
    "check_dtype",
    "check_finite",
    "check_int",
    "check_real",
    "check_str",
    "describe",
    "exact_int_array",
]


def describe(value: Any) -> str:
    """Return a short description of ``value`` for error messages.

    Parameters
    ----------
    value : object
        Anything.

    Returns
    -------
    text : str
        ``repr`` of small scalars, otherwise the type (and shape/dtype for arrays).

    Examples
    --------
    >>> describe(3)
    '3'
    >>> describe(np.zeros((2, 3)))
    'ndarray of shape (2, 3), dtype=float64'
    """
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape}, dtype={value.dtype}"
    if value is None or isinstance(value, (bool, int, float, complex, np.generic)):
        return repr(value)
    if isinstance(value, (str, bytes)):
        text = repr(value)
        return text if len(text) <= 40 else f"{type(value).__name__} of length {len(value)}"
    return f"an object of type {type(value).__name__}"


def check_int(
    name: str,
    value: Any,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """Check that ``value`` is an integer in ``[low, high]`` and return it as ``int``.

    Booleans are rejected (``True`` is not a capacity); numpy integers are accepted.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Value to check.
    low, high : int or None, default=None
        Inclusive bounds; ``None`` means unbounded.

    Returns
    -------
    value : int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is outside ``[low, high]``.

    Examples
    --------
    >>> check_int("n", np.int64(5), low=0, high=10)
    5
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"`{name}` must be an int, got {describe(value)}.")
    ivalue = operator.index(value)
    if (low is not None and ivalue < low) or (high is not None and ivalue > high):
        if low is not None and high is not None:
            expected = f"an int in [{low}, {high}]"
        elif low is not None:
            expected = f"an int >= {low}"
        else:
            expected = f"an int <= {high}"
        raise ValueError(f"`{name}` must be {expected}, got {ivalue}.")
    return ivalue


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Check that ``value`` is a finite real number within bounds; return it as ``float``.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Value to check.
    low, high : float or None, default=None
        Bounds; ``None`` means unbounded.
    low_inclusive, high_inclusive : bool, default=True
        Whether the bounds are inclusive.

    Returns
    -------
    value : float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is NaN, infinite or out of bounds.

    Examples
    --------
    >>> check_real("threshold", 0.8, low=0.0, high=1.0)
    0.8
    """
    kind = type(value)
    if kind is not float and kind is not int and (  # exact float/int: skip the ABC checks
        isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer))
    ):
        raise TypeError(f"`{name}` must be a real number, got {describe(value)}.")
    fvalue = float(value)
    if not math.isfinite(fvalue):
        raise ValueError(f"`{name}` must be finite, got {fvalue}.")
    too_low = low is not None and (fvalue < low if low_inclusive else fvalue <= low)
    too_high = high is not None and (fvalue > high if high_inclusive else fvalue >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        lo = "-inf" if low is None else repr(low)
        hi = "inf" if high is None else repr(high)
        raise ValueError(f"`{name}` must be in {left}{lo}, {hi}{right}, got {fvalue!r}.")
    return fvalue


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of the strings in ``choices``.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Value to check.
    choices : iterable of str
        Allowed values.

    Returns
    -------
    value : str

    Raises
    ------
    TypeError
        If ``value`` is not a ``str``.
    ValueError
        If ``value`` is not among ``choices``.

    Examples
    --------
    >>> check_choice("algorithm", "xxh64", ("xxh3_64", "xxh64"))
    'xxh64'
    """
    options = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a str, one of {options}, got {describe(value)}.")
    if value not in options:
        raise ValueError(f"`{name}` must be one of {options}, got {value!r}.")
    return value


@overload
def check_str(
    name: str, value: Any, *, empty: bool = ..., max_length: int | None = ...,
    allow_none: Literal[False] = ..., plain_text: bool = ...,
) -> str: ...


@overload
def check_str(
    name: str, value: Any, *, empty: bool = ..., max_length: int | None = ...,
    allow_none: Literal[True], plain_text: bool = ...,
) -> str | None: ...


def check_str(
    name: str,
    value: Any,
    *,
    empty: bool = True,
    max_length: int | None = None,
    allow_none: bool = False,
    plain_text: bool = False,
) -> str | None:
    """Check that ``value`` is a ``str`` (optionally non-empty, bounded, or None).

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        Value to check.
    empty : bool, default=True
        Whether the empty string is allowed.
    max_length : int or None, default=None
        Largest allowed length in characters; ``None`` for no bound.
    allow_none : bool, default=False
        Whether ``None`` is allowed (and returned as is).
    plain_text : bool, default=False
        Refuse NUL characters and lone surrogates: text that must reach an OS
        interface (argv, a file name, a C string) or be encoded as UTF-8.

    Returns
    -------
    value : str or None

    Raises
    ------
    TypeError
        If ``value`` is not a ``str`` (or ``None`` where allowed).
    ValueError
        If ``value`` is empty where that is not allowed, longer than `max_length`,
        or (with ``plain_text``) holds a NUL character or a lone surrogate.

    Examples
    --------
    >>> check_str("topic", "memory.fold")
    'memory.fold'
    >>> check_str("lane", None, allow_none=True) is None
    True
    >>> check_str("name", "", empty=False)
    Traceback (most recent call last):
    ...
    ValueError: `name` must be a non-empty str, got ''.
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        kind = "a non-empty str" if not empty else "a str"
        suffix = " or None" if allow_none else ""
        raise TypeError(f"`{name}` must be {kind}{suffix}, got {describe(value)}.")
    if not empty and not value:
        raise ValueError(f"`{name}` must be a non-empty str, got ''.")
    if max_length is not None and len(value) > max_length:
        raise ValueError(
            f"`{name}` must be a str of at most {max_length} characters, got {len(value)}."
        )
    if plain_text:
        nul = value.find("\x00")
        if nul >= 0:
            raise ValueError(f"`{name}` must not contain NUL characters; one is at index {nul}.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(
                f"`{name}` must be encodable as UTF-8; it holds a lone surrogate at index "
                f"{err.start}.") from None
    return value


def check_dtype(name: str, value: Any, allowed: Iterable[npt.DTypeLike]) -> np.dtype[Any]:
    """Check that ``value`` names one of the ``allowed`` dtypes; return the dtype.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : dtype-like
        Anything :class:`numpy.dtype` accepts.
    allowed : iterable of dtype-like
        The supported dtypes.

    Returns
    -------
    dtype : numpy.dtype

    Raises
    ------
    TypeError
        If ``value`` is not a dtype or not an allowed one.

    Examples
    --------
    >>> check_dtype("dtype", "f8", [np.float64, np.int64])
    dtype('float64')
    """
    allowed_dtypes: list[np.dtype[Any]] = [np.dtype(a) for a in allowed]
    names = ", ".join(str(d) for d in allowed_dtypes)
    try:
        dtype: np.dtype[Any] = np.dtype(value)
    except TypeError as err:
        raise TypeError(
            f"`{name}` must be a numpy dtype, one of {names}, got {describe(value)}."
        ) from err
    if dtype not in allowed_dtypes:
        raise TypeError(f"`{name}` must be one of {names}, got dtype {dtype}.")
    return dtype


def check_array(
    name: str,
    value: Any,
    *,
    dtype: npt.DTypeLike | None = None,
    ndim: int | tuple[int, ...] | None = None,
    contiguous: bool = False,
    copy_ok: bool = True,
    finite: bool = False,
) -> npt.NDArray[Any]:
    """Convert ``value`` to an ndarray and check its dtype, rank and layout.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : array_like
        Input data.
    dtype : dtype-like or None, default=None
        Required dtype.  With ``copy_ok`` the input is cast when the cast is
        ``same_kind`` safe; otherwise a different dtype raises.
    ndim : int or tuple of int or None, default=None
        Allowed ranks.
    contiguous : bool, default=False
        Require (or, with ``copy_ok``, produce) a C-contiguous array.
    copy_ok : bool, default=True
        Allow a converted copy.  When False, the input must already be an
        ndarray of the right dtype and layout.
    finite : bool, default=False
        Reject NaN and infinity (floating dtypes only).

    Returns
    -------
    array : ndarray
        The validated array (the input itself when no conversion was needed).

    Raises
    ------
    TypeError
        Wrong type or dtype.
    ValueError
        Wrong rank, wrong layout, or non-finite values.

    Examples
    --------
    >>> check_array("values", [1, 2, 3], dtype=np.float64, ndim=1).dtype
    dtype('float64')
    """
    want = None if dtype is None else np.dtype(dtype)
    if isinstance(value, np.ndarray):
        arr: npt.NDArray[Any] = value
    elif copy_ok:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f"`{name}` must be array-like, got {describe(value)}.") from err
    else:
        raise TypeError(f"`{name}` must be a numpy ndarray, got {describe(value)}.")
    if arr.dtype == object or arr.dtype.kind in "USVMmO":
        raise TypeError(f"`{name}` must hold numbers, got {describe(arr)}.")
    if want is not None and arr.dtype != want:
        if not copy_ok or not np.can_cast(arr.dtype, want, casting="same_kind"):
            raise TypeError(f"`{name}` must have dtype {want}, got {describe(arr)}.")
        arr = arr.astype(want)
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in ranks:
            expected = " or ".join(str(r) for r in ranks)
            raise ValueError(f"`{name}` must be {expected}-dimensional, got {describe(arr)}.")
    if contiguous and not arr.flags.c_contiguous:
        if not copy_ok:
            raise ValueError(
                f"`{name}` must be C-contiguous, got a strided view; "
                "pass np.ascontiguousarray(...)."
            )
        arr = np.ascontiguousarray(arr)
    if finite and arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise ValueError(f"`{name}` must not contain NaN or infinity.")
    return arr


def check_finite(name: str, arr: npt.NDArray[Any]) -> None:
    """Raise :class:`ValueError` if a floating array holds NaN or infinity.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    arr : ndarray
        Array to check.

    Raises
    ------
    ValueError
        If any element is NaN or infinite.

    Examples
    --------
    >>> check_finite("x", np.array([1.0, 2.0]))
    """
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"`{name}` must be finite, got {bad} NaN or infinite value(s).")


def exact_int_array(name: str, value: Any, dtype: npt.DTypeLike) -> npt.NDArray[Any] | None:
    """Read a nested list or tuple of Python ints exactly, as an integer ``dtype`` array.

    NumPy reads ``[2**64 - 1, 0]`` as float64 (and ints beyond uint64 as objects),
    which loses the values.  Call this when a non-array input came back from
    :func:`numpy.asarray` with a float or object dtype: if every leaf is an int
    (``bool`` excluded) the ints are range-checked and converted exactly.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : object
        The caller's input.
    dtype : dtype-like
        Integer dtype wanted.

    Returns
    -------
    array : ndarray of ``dtype`` or None
        None when ``value`` is an ndarray or not a (nested) sequence of ints only.

    Raises
    ------
    ValueError
        If an int is outside the range of ``dtype``.

    Examples
    --------
    >>> exact_int_array("values", [2**64 - 1, 0], np.uint64)
    array([18446744073709551615,                    0], dtype=uint64)
    >>> exact_int_array("values", [1.5], np.uint64) is None
    True
    """
    if isinstance(value, np.ndarray) or not isinstance(value, list | tuple):
        return None
    try:
        obj = np.array(value, dtype=object)
    except (TypeError, ValueError):
        return None
    flat = obj.reshape(-1).tolist()
    if not flat or not all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)
                           for v in flat):
        return None
    info = np.iinfo(np.dtype(dtype))
    lo, hi = min(int(v) for v in flat), max(int(v) for v in flat)
    if lo < int(info.min) or hi > int(info.max):
        raise ValueError(
            f"`{name}` hold {lo}..{hi}, out of range for {np.dtype(dtype)} "
            f"[{int(info.min)}, {int(info.max)}].")
    return np.array([int(v) for v in flat], dtype=dtype).reshape(obj.shape)
