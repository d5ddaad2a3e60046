"""Ring buffers on one compiled core.

:class:`RingBuffer` is a typed numeric ring for numerical streams (a drop-in
for the usual "numpy circular buffer"), :class:`Ring` a ring of Python objects
and :class:`DecimatingRing` an object ring with the backpressure policy of the
LUKHAS consciousness stream.  All three share the index arithmetic of
``native/lukhas/_native/_ringcore.pxd`` and overwrite the oldest item when
full.

Thread safety
-------------
Every method is atomic with respect to calls from other Python threads: the
compiled core holds the GIL while it changes a ring, and copies large enough
to release the GIL (``NOGIL_COPY_BYTES`` and up) mark the ring busy so every
other call on it waits for them.  Several producers and consumers may
therefore share one ring without a lock of their own; a sequence of calls
(read, then pop) is of course not atomic as a whole.  Views returned by
:meth:`RingBuffer.view` are invalidated by the next write.

Patching in tests
-----------------
The public classes carry an instance ``__dict__`` (the compiled cores do not), so
``unittest.mock.patch.object(ring, "push", ...)`` replaces a method on one ring
object and restores it afterwards; every other ring keeps the compiled method.
Read-only properties (``capacity``, ``dtype``, ...) still refuse assignment.  No
``__setattr__`` hook guards the dict: it would slow every attribute write of
subclasses such as :class:`lukhas.primitives.window.RollingWindow`.  On Python
3.11+ the empty instance dictionary costs a method lookup about half a
nanosecond (``benches/bench_ring.py``, ``lukhas-slotted`` peers).
"""

from __future__ import annotations

import numbers
import operator
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from lukhas._exceptions import EmptyRingError
from lukhas._native import ring as _ring
from lukhas._validation import (
    check_choice,
    check_dtype,
    check_int,
    check_real,
    describe,
    exact_int_array,
)

__all__ = [
    "DECIMATION_STRATEGIES",
    "SUPPORTED_DTYPES",
    "DecimatingRing",
    "EmptyRingError",
    "Ring",
    "RingBuffer",
]

#: Largest buffer a numeric ring may ask for, in bytes (NumPy's limit on one array).
_MAX_BYTES = int(np.iinfo(np.intp).max)
#: Largest object ring: one pointer per slot must fit that limit too.
_MAX_OBJECT_SLOTS = _MAX_BYTES // 8

#: The dtypes :class:`RingBuffer` stores.
SUPPORTED_DTYPES: tuple[np.dtype[Any], ...] = _ring.SUPPORTED_DTYPES
#: The strategies :class:`DecimatingRing` implements.
DECIMATION_STRATEGIES: tuple[str, ...] = _ring.DECIMATION_STRATEGIES


def _check_count(name: str, n: Any, size: int) -> int:
    return check_int(name, n, low=0, high=size)


def _check_index(name: str, key: Any, size: int) -> int:
    if isinstance(key, bool) or not isinstance(key, (numbers.Integral, np.integer)):
        raise TypeError(f"`{name}` must be an int or a slice, got {describe(key)}.")
    i = operator.index(key)
    if not -size <= i < size:
        raise IndexError(f"`{name}`={i} is out of range for a ring of {size} item(s).")
    return i


def _check_float_range(name: str, arr: npt.NDArray[Any], target: np.dtype[Any]) -> None:
    # Finite values beyond the target's range would silently become inf.
    finite = arr[np.isfinite(arr)]
    limit = float(np.finfo(target).max)
    if finite.size and float(np.abs(finite).max()) > limit:
        raise ValueError(
            f"`{name}` holds finite values beyond the {target} range (+-{limit:.6g})."
        )


def _raise_empty(kind: str, op: str) -> NoReturn:
    raise EmptyRingError(f"{op}() from an empty {kind}.")


class RingBuffer(_ring.RingBufferCore):
    """Typed numeric ring buffer with overwrite-oldest semantics.

    Parameters
    ----------
    capacity : int
        Maximum number of items, at least 1.
    dtype : dtype-like, default=np.float64
        One of float64, float32, int64, int32, int16, int8, uint64, uint32,
        uint16, uint8.

    Attributes
    ----------
    capacity : int
        Maximum number of items.
    dtype : numpy.dtype
        Dtype of the items.
    full : bool
        Whether the next write evicts the oldest item.

    Notes
    -----
    ``append`` converts exactly like a C cast for floats (a float32 ring
    rounds) and refuses anything lossy for integers: floats, strings and
    out-of-range integers raise instead of wrapping.  ``extend`` accepts any
    1-D array-like (strided views included) whose values convert under the
    same rules.  A rejected write leaves the ring unchanged.

    Examples
    --------
    >>> rb = RingBuffer(4)
    >>> rb.extend([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> rb.latest(3)
    array([3., 4., 5.])
    >>> rb.append(6)
    >>> rb[-1], len(rb), rb.full
    (np.float64(6.0), 4, True)
    """

    # An instance dict so ``mock.patch.object(ring, "append", ...)`` works (module notes).
    __slots__ = ("__dict__",)

    def __new__(cls, capacity: int, dtype: npt.DTypeLike = np.float64) -> RingBuffer:
        dt = check_dtype("dtype", dtype, SUPPORTED_DTYPES)
        cap = check_int("capacity", capacity, low=1, high=_MAX_BYTES // np.dtype(dt).itemsize)
        ring: RingBuffer = super().__new__(cls, cap, dt)
        return ring

    def __repr__(self) -> str:
        return f"RingBuffer(capacity={self.capacity}, dtype={self.dtype}, len={len(self)})"

    # -- hooks the compiled core calls when its fast-path checks fail ----------------
    def _coerce_scalar(self, x: Any) -> float | int:
        is_bool = isinstance(x, (bool, np.bool_))
        if self.dtype.kind == "f":
            if not is_bool and isinstance(x, (numbers.Real, np.floating, np.integer)):
                try:
                    value = float(x)
                except OverflowError as err:  # an int beyond float64
                    raise ValueError(f"`x`={x} is out of range for a {self.dtype} ring.") from err
                _check_float_range("x", np.array([value]), self.dtype)
                return value
            raise TypeError(
                f"`x` must be a real number for a {self.dtype} ring, got {describe(x)}."
            )
        if is_bool or not isinstance(x, (numbers.Integral, np.integer)):
            raise TypeError(f"`x` must be an int for a {self.dtype} ring, got {describe(x)}.")
        value = operator.index(x)
        info = np.iinfo(self.dtype)
        if not int(info.min) <= value <= int(info.max):
            raise ValueError(
                f"`x`={value} is out of range for a {self.dtype} ring "
                f"[{int(info.min)}, {int(info.max)}]."
            )
        return value

    def _coerce_values(self, values: Any) -> npt.NDArray[Any]:
        if isinstance(values, (str, bytes)) or np.isscalar(values):
            raise TypeError(f"`values` must be a 1-D array-like, got {describe(values)}.")
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError) as err:
            raise TypeError(f"`values` must be a 1-D array-like, got {describe(values)}.") from err
        if arr.ndim != 1:
            raise ValueError(f"`values` must be 1-dimensional, got {describe(arr)}.")
        if arr.size == 0 and not isinstance(values, np.ndarray):
            return np.empty(0, dtype=self.dtype)  # an empty list has no dtype of its own
        target = self.dtype
        if arr.dtype == target:
            return np.ascontiguousarray(arr, dtype=target.newbyteorder("="))
        kind = arr.dtype.kind
        if target.kind == "f" and kind in "fiu":
            if kind == "f":
                _check_float_range("values", arr, target)
            return np.ascontiguousarray(arr, dtype=target)
        if target.kind in "iu" and kind in "fO":
            exact = exact_int_array("values", values, target)  # ints beyond int64 in a list
            if exact is not None:
                return exact
        if target.kind in "iu" and kind in "iu":
            if arr.size and not np.can_cast(arr.dtype, target, casting="safe"):
                info = np.iinfo(target)
                lo, hi = int(arr.min()), int(arr.max())
                if lo < int(info.min) or hi > int(info.max):
                    raise ValueError(
                        f"`values` hold {lo}..{hi}, out of range for a {target} ring "
                        f"[{int(info.min)}, {int(info.max)}]."
                    )
            return np.ascontiguousarray(arr, dtype=target)
        raise TypeError(
            f"`values` must hold numbers convertible to {target} without loss, "
            f"got {describe(arr)}."
        )

    def _check_count(self, name: str, n: Any) -> int:
        return _check_count(name, n, len(self))

    def _check_index(self, name: str, key: Any) -> int:
        return _check_index(name, key, len(self))

    def _check_out(self, out: Any, n: int) -> npt.NDArray[Any]:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"`out` must be a numpy ndarray, got {describe(out)}.")
        if out.dtype != self.dtype or out.ndim != 1 or out.shape[0] != n:
            raise ValueError(
                f"`out` must be a 1-D {self.dtype} array of length {n}, got {describe(out)}."
            )
        if not (out.flags.c_contiguous and out.flags.writeable and out.dtype.isnative):
            raise ValueError("`out` must be a writeable, C-contiguous, native-byte-order array.")
        return out

    def _raise_empty(self, op: str) -> NoReturn:
        _raise_empty("RingBuffer", op)


class Ring(_ring.RingCore):
    """Ring of Python objects with overwrite-oldest semantics.

    Parameters
    ----------
    capacity : int
        Maximum number of items, at least 1.

    Attributes
    ----------
    capacity : int
        Maximum number of items.
    utilization : float
        ``len(ring) / capacity``.

    Examples
    --------
    >>> ring = Ring(capacity=3)
    >>> for i in range(5):
    ...     ring.push(f"item_{i}")
    >>> ring.utilization
    1.0
    >>> ring.pop_all()
    ['item_2', 'item_3', 'item_4']
    >>> len(ring)
    0
    """

    # An instance dict so ``mock.patch.object(ring, "push", ...)`` works (module notes).
    __slots__ = ("__dict__",)

    def __new__(cls, capacity: int) -> Ring:
        ring: Ring = super().__new__(cls, check_int("capacity", capacity, low=1,
                                                         high=_MAX_OBJECT_SLOTS))
        return ring

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, len={len(self)})"

    def _check_count(self, name: str, n: Any) -> int:
        return _check_count(name, n, len(self))

    def _check_index(self, name: str, key: Any) -> int:
        return _check_index(name, key, len(self))

    def _raise_empty(self, op: str) -> NoReturn:
        _raise_empty(type(self).__name__, op)


class DecimatingRing(_ring.DecimatingRingCore, Ring):
    """Object ring that sheds load under pressure (the consciousness stream's policy).

    ``push`` counts every call.  When the utilization before the push is at
    least ``pressure_threshold`` the item may be dropped:

    * ``"skip_nth"``: dropped unless ``total_pushes % decimation_factor == 0``;
    * ``"adaptive"``: with ``r = (u - thr) / (1 - thr)`` and
      ``eff = max(2, int(decimation_factor * (1 + 2 r)))``, dropped unless
      ``total_pushes % eff == 0``;
    * ``"keep_recent"``: never dropped at this step.

    A kept item is appended; if the ring is then full (and holds at least two
    items) it is decimated: ``skip_nth``/``adaptive`` keep the items at
    positions ``0, f, 2f, ...`` (``f = decimation_factor``), ``keep_recent``
    keeps the newest half.

    Parameters
    ----------
    capacity : int
        Maximum number of items, at least 1.
    pressure_threshold : float, default=0.8
        Utilization in (0, 1] from which pushes may be dropped.
    decimation_factor : int, default=2
        Thinning factor, at least 2.
    decimation_strategy : {"skip_nth", "adaptive", "keep_recent"}, default="skip_nth"
        Dropping and decimation policy.

    Examples
    --------
    >>> ring = DecimatingRing(capacity=5, pressure_threshold=0.6, decimation_factor=2)
    >>> kept = [ring.push(i) for i in range(10)]
    >>> stats = ring.get_backpressure_stats()
    >>> stats["total_pushes"], stats["total_drops"] > 0, len(ring) <= 5
    (10, True, True)
    """

    __slots__ = ()  # the instance dict comes from :class:`Ring`

    def __new__(
        cls,
        capacity: int,
        pressure_threshold: float = 0.8,
        decimation_factor: int = 2,
        decimation_strategy: str = "skip_nth",
    ) -> DecimatingRing:
        ring: DecimatingRing = super().__new__(
            cls,
            check_int("capacity", capacity, low=1, high=_MAX_OBJECT_SLOTS),
            check_real(
                "pressure_threshold", pressure_threshold, low=0.0, high=1.0, low_inclusive=False
            ),
            check_int("decimation_factor", decimation_factor, low=2),
            check_choice("decimation_strategy", decimation_strategy, DECIMATION_STRATEGIES),
        )
        return ring
