"""Rolling windows over the latest observations, on :class:`lukhas.primitives.ring.RingBuffer`.

The one rolling-window implementation the services share (metrics summaries,
API analytics, regression detection, adaptive timeouts, circuit breakers):

* :class:`RollingWindow`: the last ``size`` values of one numeric stream, with
  quantiles, mean, min and max computed by numpy over the window on demand;
* :class:`RollingRecords`: the last ``size`` rows of several parallel numeric
  columns (a timestamp, a latency, an outcome, ...), with the rows since a time
  found by binary search on a non-decreasing column.

Appending is O(1) in the ring's compiled core: a :class:`RollingWindow` *is* a
float64 ring, so ``append``, ``len`` and indexing cost what a ``deque``'s do.  A
query is O(size) and never copies more than the window (zero-copy segment views
where numpy can work on them in place); quantiles partially sort (``np.partition``)
instead of sorting, with numpy's default interpolation, bit for bit.

Examples
--------
>>> window = RollingWindow(4)
>>> for ms in (10.0, 1.0, 2.0, 3.0, 4.0):
...     window.append(ms)
>>> window.values()
array([1., 2., 3., 4.])
>>> window.percentile(50), window.mean()
(2.5, 2.5)
>>> calls = RollingRecords(3, t="float64", ok="uint8")
>>> for t in range(5):
...     calls.append(float(t), t % 2)
>>> calls.column("t"), calls.since("t", 3.0)["ok"]
(array([2., 3., 4.]), array([1, 0], dtype=uint8))
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_dtype, check_int, check_real, check_str
from lukhas.primitives.ring import SUPPORTED_DTYPES, RingBuffer

__all__ = ["RollingRecords", "RollingWindow"]


def _joined(ring: RingBuffer) -> npt.NDArray[Any]:
    """The ring's items as one array in any order (a view when it does not wrap)."""
    segments = ring.view()
    if len(segments) == 1:
        return segments[0]
    return np.concatenate(segments) if segments else np.empty(0, ring.dtype)


def _quantile(values: npt.NDArray[np.float64], q: float) -> float:
    """numpy's default ("linear") ``q``-quantile of non-empty ``values``, by partial sort.

    The same virtual index, neighbours and interpolation as ``np.quantile`` (so the
    same float), but ``np.partition`` at the one or two ranks needed instead of
    numpy's general machinery: several times faster on windows of a few thousand.
    """
    n = int(values.shape[0])
    virtual = (n - 1) * q
    lo = math.floor(virtual)
    if lo >= n - 1:
        return float(np.max(values))
    if lo < 0:
        return float(np.min(values))
    part = np.partition(values, (lo, lo + 1))
    a, b = float(part[lo]), float(part[lo + 1])
    t = virtual - lo
    diff = b - a
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


class RollingWindow(RingBuffer):
    """The last ``size`` observations of a numeric stream, with summary statistics.

    A float64 :class:`~lukhas.primitives.ring.RingBuffer` (so ``append``, ``len``,
    indexing and iteration are the ring's compiled methods, as cheap as a
    ``deque``'s) with checked updates and order statistics added.

    Parameters
    ----------
    size : int
        Window length (>= 1).

    Attributes
    ----------
    size : int
        Window length (``maxlen`` is an alias, as on ``collections.deque``).
    total_observed : int
        Observations made through :meth:`observe` and :meth:`extend` (the
        ring's own unchecked ``append`` only stores; it does not count).

    Notes
    -----
    ``append(value)`` is the ring's: any real number is stored as float64 without
    further checks (use :meth:`observe` for a checked, counted one).

    Examples
    --------
    >>> window = RollingWindow(4)
    >>> window.extend([10.0, 1.0, 2.0, 3.0, 4.0])
    >>> window.percentile(50), window.mean(), window.total_observed
    (2.5, 2.5, 5)
    """

    __slots__ = ("total_observed",)

    def __new__(cls, size: int) -> RollingWindow:
        window = super().__new__(cls, check_int("size", size, low=1), np.float64)
        return cast(RollingWindow, window)

    def __init__(self, size: int) -> None:
        self.total_observed = 0

    @property
    def size(self) -> int:
        """Window length."""
        return int(self.capacity)

    @property
    def maxlen(self) -> int:
        """Window length (``collections.deque`` spelling)."""
        return int(self.capacity)

    def observe(self, value: float) -> None:
        """Add one finite observation (checked, counted in :attr:`total_observed`).

        Parameters
        ----------
        value : float

        Raises
        ------
        TypeError, ValueError
            If ``value`` is not a finite real number.
        """
        if type(value) is not float or not math.isfinite(value):
            value = check_real("value", value)
        RingBuffer.append(self, value)
        self.total_observed += 1

    def extend(self, values: Any) -> None:
        """Add many finite observations, oldest first.

        Parameters
        ----------
        values : array_like of shape (n,)
        """
        arr = check_array("values", values, dtype=np.float64, ndim=1, finite=True)
        RingBuffer.extend(self, arr)
        self.total_observed += int(arr.size)

    def values(self) -> npt.NDArray[np.float64]:
        """Return a copy of the window, oldest first.

        Returns
        -------
        window : ndarray of shape (len(self),), dtype=float64
        """
        return self.to_array()

    def quantiles(self, qs: Sequence[float] | npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Linear-interpolation quantiles (numpy's default) of the window.

        Parameters
        ----------
        qs : sequence of float
            Quantiles in [0, 1].

        Returns
        -------
        values : ndarray of shape (len(qs),), dtype=float64
            NaN while the window is empty.
        """
        q = check_array("qs", qs, dtype=np.float64, ndim=1, finite=True)
        if q.size and (q.min() < 0.0 or q.max() > 1.0):
            raise ValueError(f"`qs` must lie in [0, 1], got {q.tolist()}.")
        if len(self) == 0:
            return np.full(q.shape, math.nan)
        values = _joined(self)
        return np.array([_quantile(values, float(x)) for x in q], dtype=np.float64)

    def percentile(self, p: float) -> float:
        """Return the ``p``-th percentile (0-100) of the window; NaN when empty.

        Parameters
        ----------
        p : float
            Percentile in [0, 100].

        Returns
        -------
        value : float
        """
        if type(p) is not float or not 0.0 <= p <= 100.0:
            p = check_real("p", p, low=0.0, high=100.0)
        if len(self) == 0:
            return math.nan
        return _quantile(_joined(self), p / 100.0)

    def mean(self) -> float:
        """Mean of the window (NaN when empty)."""
        return float(np.mean(_joined(self))) if len(self) else math.nan

    def median(self) -> float:
        """Median of the window (NaN when empty)."""
        return float(np.median(_joined(self))) if len(self) else math.nan

    def min(self) -> float:
        """Smallest value in the window (NaN when empty)."""
        return float(np.min(_joined(self))) if len(self) else math.nan

    def max(self) -> float:
        """Largest value in the window (NaN when empty)."""
        return float(np.max(_joined(self))) if len(self) else math.nan

    def __repr__(self) -> str:
        return f"RollingWindow(size={self.capacity}, len={len(self)})"


class RollingRecords:
    """The last ``size`` rows of parallel numeric columns, oldest first.

    Parameters
    ----------
    size : int
        Rows kept (>= 1); the oldest row is dropped beyond it.
    **columns : dtype-like
        Column names and dtypes (those of :class:`RingBuffer`), in row order.

    Examples
    --------
    >>> calls = RollingRecords(100, t="float64", latency="float64", ok="uint8")
    >>> calls.append(0.5, 12.0, 1)
    >>> calls.append(1.5, 30.0, 0)
    >>> calls.since("t", 1.0)["latency"]
    array([30.])
    """

    __slots__ = ("_rings", "names", "size")

    def __init__(self, size: int, **columns: npt.DTypeLike) -> None:
        self.size = check_int("size", size, low=1)
        if not columns:
            raise ValueError("`columns` must name at least one column.")
        self._rings = {
            check_str("column name", name, empty=False):
                RingBuffer(self.size, check_dtype(name, dtype, SUPPORTED_DTYPES))
            for name, dtype in columns.items()
        }
        self.names = tuple(self._rings)

    def append(self, *row: Any) -> None:
        """Add one row, one value per column in column order.

        Raises
        ------
        ValueError
            If the row has the wrong number of values (the records are unchanged).
        """
        if len(row) != len(self._rings):
            raise ValueError(f"a row has {len(self._rings)} values {list(self.names)}, "
                             f"got {len(row)}.")
        for ring, value in zip(self._rings.values(), row, strict=True):
            ring.append(value)

    def pop(self) -> tuple[Any, ...]:
        """Remove and return the newest row."""
        return tuple(ring.pop() for ring in self._rings.values())

    def last(self, name: str) -> Any:
        """The newest value of column ``name`` (IndexError when empty)."""
        return self._ring(name)[-1]

    def __len__(self) -> int:
        return len(next(iter(self._rings.values())))

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """Rows as tuples of Python scalars, oldest first."""
        return zip(*(ring.to_array().tolist() for ring in self._rings.values()), strict=True)

    def _ring(self, name: str) -> RingBuffer:
        ring = self._rings.get(name)
        if ring is None:
            raise KeyError(f"no column {name!r}; the columns are {list(self.names)}.")
        return ring

    def column(self, name: str) -> npt.NDArray[Any]:
        """A copy of column ``name``, oldest first."""
        return self._ring(name).to_array()

    def latest(self, n: int) -> dict[str, npt.NDArray[Any]]:
        """Copies of the newest ``min(n, len(self))`` rows, column by column, oldest first."""
        n = min(check_int("n", n, low=0), len(self))
        return {name: ring.latest(n) for name, ring in self._rings.items()}

    def count_since(self, name: str, start: float) -> int:
        """Rows whose ``name`` value is >= ``start``, for a non-decreasing column (O(log n))."""
        segments = self._ring(name).view()  # oldest segment first
        count = 0
        for segment in reversed(segments):
            i = int(np.searchsorted(segment, start, side="left"))
            count += segment.shape[0] - i
            if i > 0:
                break
        return count

    def since(self, name: str, start: float) -> dict[str, npt.NDArray[Any]]:
        """The rows whose ``name`` value is >= ``start`` (a non-decreasing column).

        Parameters
        ----------
        name : str
            A column whose values never decrease (e.g. a monotonic timestamp).
        start : float

        Returns
        -------
        rows : dict of str to ndarray
            Copies, oldest first, of only the rows found (binary search).
        """
        return self.latest(self.count_since(name, start))

    def clear(self) -> None:
        """Drop every row."""
        for ring in self._rings.values():
            ring.clear()

    def __repr__(self) -> str:
        return f"RollingRecords(size={self.size}, columns={list(self.names)}, len={len(self)})"
