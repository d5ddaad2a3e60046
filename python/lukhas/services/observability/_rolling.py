"""Rolling-window statistics over the most recent observations, on ``RingBuffer``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real
from lukhas.primitives.ring import RingBuffer

__all__ = ["RollingWindow"]


class RollingWindow:
    """The last ``size`` observations of a numeric stream, with summary statistics.

    Storage is a :class:`lukhas.primitives.ring.RingBuffer` (overwrite-oldest,
    compiled core); statistics are computed with numpy over the window on
    demand, so observing costs O(1) and a query O(size).

    Parameters
    ----------
    size : int
        Window length (>= 1).

    Examples
    --------
    >>> window = RollingWindow(4)
    >>> window.extend([10.0, 1.0, 2.0, 3.0, 4.0])
    >>> window.values()
    array([1., 2., 3., 4.])
    >>> window.percentile(50), window.mean(), window.total_observed
    (2.5, 2.5, 5)
    """

    def __init__(self, size: int) -> None:
        self.size = check_int("size", size, low=1)
        self._ring = RingBuffer(self.size, dtype=np.float64)
        self.total_observed = 0

    def observe(self, value: float) -> None:
        """Add one finite observation.

        Parameters
        ----------
        value : float
        """
        if type(value) is not float or not math.isfinite(value):  # fast path for floats
            value = check_real("value", value)
        self._ring.append(value)
        self.total_observed += 1

    def extend(self, values: Any) -> None:
        """Add many observations, oldest first.

        Parameters
        ----------
        values : array_like of shape (n,)
            Finite numbers.
        """
        arr = check_array("values", values, dtype=np.float64, ndim=1, finite=True)
        self._ring.extend(arr)
        self.total_observed += int(arr.size)

    def __len__(self) -> int:
        return len(self._ring)

    def values(self) -> npt.NDArray[np.float64]:
        """Return a copy of the window, oldest first.

        Returns
        -------
        window : ndarray of shape (len(self),), dtype=float64
        """
        return self._ring.to_array()

    def _window(self) -> npt.NDArray[np.float64]:
        segments = self._ring.view()  # order is irrelevant to the statistics below
        return segments[0] if len(segments) == 1 else np.concatenate(segments)

    def quantiles(self, qs: Sequence[float]) -> npt.NDArray[np.float64]:
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
        if len(self._ring) == 0:
            return np.full(q.shape, math.nan)
        result: npt.NDArray[np.float64] = np.quantile(self._window(), q)
        return result

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
        p = check_real("p", p, low=0.0, high=100.0)
        return float(self.quantiles([p / 100.0])[0])

    def mean(self) -> float:
        """Mean of the window (NaN when empty)."""
        return float(np.mean(self._window())) if len(self._ring) else math.nan

    def min(self) -> float:
        """Smallest value in the window (NaN when empty)."""
        return float(np.min(self._window())) if len(self._ring) else math.nan

    def max(self) -> float:
        """Largest value in the window (NaN when empty)."""
        return float(np.max(self._window())) if len(self._ring) else math.nan

    def clear(self) -> None:
        """Empty the window (``total_observed`` is kept)."""
        self._ring.clear()
