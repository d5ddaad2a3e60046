"""ADWIN: adaptive windowing for change detection (Bifet and Gavalda, 2007).

The window is an exponential histogram: level ``i`` holds at most
``max_buckets`` buckets of ``2**i`` samples each, every bucket storing its sum
and its sum of squared deviations.  Memory is O(max_buckets log W) for a window
of W samples, and the window's mean and variance stay exact (buckets are
combined with Chan's parallel formula, never approximated).  Only the cut
points between buckets are tested, which is what makes ADWIN2 approximate
with respect to the exact test over every split (``tests/reference``).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real

__all__ = ["ADWIN"]

logger = logging.getLogger(__name__)

_Bucket = tuple[float, float]  # (sum, sum of squared deviations from the bucket mean)


class ADWIN:
    """Adaptive sliding window that drops its old part when the mean changes.

    Every ``clock`` samples (once the window holds ``grace`` samples) each cut
    between buckets splits the window into an older part ``W0`` (``n0``
    samples) and a newer part ``W1`` (``n1``).  With ``m = 1 / (1/n0 + 1/n1)``,
    ``s2`` the window variance and ``L = ln(2 ln(W) / delta)``, the cut is
    significant when::

        |mean(W0) - mean(W1)| > sqrt(2 s2 L / m) + 2 L / (3 m)

    and then the oldest bucket is dropped and the test repeats.

    Parameters
    ----------
    delta : float, default=0.002
        Confidence parameter in (0, 1): smaller means fewer false alarms and
        slower detection.
    clock : int, default=32
        Test for a change every ``clock`` samples, >= 1.
    max_buckets : int, default=5
        Buckets kept per level before the two oldest merge, >= 2.
    min_window : int, default=5
        Smallest sub-window on either side of a tested cut, >= 1.
    grace : int, default=10
        No test before the window holds this many samples, >= 2.

    Attributes
    ----------
    drift_detected : bool
        Whether the latest update shrank the window.
    n_detections : int
        Changes detected so far.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> adwin = ADWIN(delta=0.002, clock=1)
    >>> alarms = adwin.update_many(np.r_[rng.normal(0, 0.1, 500), rng.normal(1, 0.1, 200)])
    >>> first = int(np.flatnonzero(alarms)[0])
    >>> 500 <= first < 520
    True
    >>> round(adwin.mean, 1)
    1.0
    """

    def __init__(
        self,
        delta: float = 0.002,
        *,
        clock: int = 32,
        max_buckets: int = 5,
        min_window: int = 5,
        grace: int = 10,
    ) -> None:
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_inclusive=False,
                                high_inclusive=False)
        self.clock = check_int("clock", clock, low=1)
        self.max_buckets = check_int("max_buckets", max_buckets, low=2)
        self.min_window = check_int("min_window", min_window, low=1)
        self.grace = check_int("grace", grace, low=2)
        self._levels: list[deque[_Bucket]] = []
        self._width = 0
        self._total = 0.0
        self._m2 = 0.0
        self._ticks = 0
        self.drift_detected = False
        self.n_detections = 0

    # -- window statistics -----------------------------------------------------------
    @property
    def width(self) -> int:
        """Samples in the window."""
        return self._width

    @property
    def total(self) -> float:
        """Sum of the samples in the window."""
        return self._total

    @property
    def mean(self) -> float:
        """Mean of the window (0.0 when empty)."""
        return self._total / self._width if self._width else 0.0

    @property
    def variance(self) -> float:
        """Population variance of the window (0.0 when empty)."""
        return self._m2 / self._width if self._width else 0.0

    @property
    def n_buckets(self) -> int:
        """Buckets in the exponential histogram (memory is proportional to it)."""
        return sum(len(level) for level in self._levels)

    # -- updates ---------------------------------------------------------------------
    def update(self, x: float) -> bool:
        """Add one sample; return whether the window shrank (a change was detected).

        Parameters
        ----------
        x : float
            The sample; must be finite.

        Returns
        -------
        drift : bool
            True if old samples were dropped after this sample.

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not a finite real number.

        Examples
        --------
        >>> adwin = ADWIN(clock=1)
        >>> any(adwin.update(0.0) for _ in range(100))
        False
        >>> adwin.width
        100
        """
        self._add(check_real("x", x))
        return self.drift_detected

    def update_many(self, xs: Any) -> npt.NDArray[np.bool_]:
        """Add many samples; same result as a loop of :meth:`update`.

        Parameters
        ----------
        xs : array_like of shape (n_samples,)
            Finite samples, oldest first.

        Returns
        -------
        alarms : ndarray of shape (n_samples,), dtype=bool
            True at the samples after which the window shrank.

        Raises
        ------
        TypeError, ValueError
            If ``xs`` is not a finite real 1-D array.

        Examples
        --------
        >>> ADWIN().update_many([0.5, 0.5, 0.5]).tolist()
        [False, False, False]
        """
        values = check_array("xs", xs, dtype=np.float64, ndim=1, finite=True)
        alarms = np.zeros(values.shape[0], dtype=bool)
        for i, value in enumerate(values.tolist()):
            self._add(value)
            alarms[i] = self.drift_detected
        return alarms

    def reset(self) -> None:
        """Empty the window (``n_detections`` is kept).

        Examples
        --------
        >>> adwin = ADWIN()
        >>> _ = adwin.update(1.0)
        >>> adwin.reset()
        >>> adwin.width, adwin.mean
        (0, 0.0)
        """
        self._levels.clear()
        self._width = 0
        self._total = 0.0
        self._m2 = 0.0
        self._ticks = 0
        self.drift_detected = False

    # -- internals -------------------------------------------------------------------
    def _add(self, value: float) -> None:
        if self._width:
            mean = self._total / self._width
            self._m2 += (value - mean) ** 2 * self._width / (self._width + 1)
        self._width += 1
        self._total += value
        if not self._levels:
            self._levels.append(deque())
        self._levels[0].append((value, 0.0))
        self._compress()
        self._ticks += 1
        self.drift_detected = False
        if self._ticks % self.clock == 0:
            while self._width >= self.grace and self._significant_cut():
                self._drop_oldest_bucket()
                self.drift_detected = True
            if self.drift_detected:
                self.n_detections += 1
                logger.debug("ADWIN change: window shrank to %d samples", self._width)

    def _compress(self) -> None:
        level = 0
        while len(self._levels[level]) > self.max_buckets:
            size = float(1 << level)
            sum_a, m2_a = self._levels[level].popleft()
            sum_b, m2_b = self._levels[level].popleft()
            diff = sum_a / size - sum_b / size
            merged = (sum_a + sum_b, m2_a + m2_b + diff * diff * size / 2.0)
            if level + 1 == len(self._levels):
                self._levels.append(deque())
            self._levels[level + 1].append(merged)
            level += 1

    def _oldest_first(self) -> list[tuple[int, float]]:
        return [
            (1 << level, bucket[0])
            for level in range(len(self._levels) - 1, -1, -1)
            for bucket in self._levels[level]
        ]

    def _significant_cut(self) -> bool:
        width = self._width
        variance = self._m2 / width
        log_term = math.log(2.0 * math.log(width) / self.delta)
        n0 = 0
        sum0 = 0.0
        for size, bucket_sum in self._oldest_first()[:-1]:
            n0 += size
            sum0 += bucket_sum
            n1 = width - n0
            if n0 < self.min_window:
                continue
            if n1 < self.min_window:
                break
            m = 1.0 / (1.0 / n0 + 1.0 / n1)
            eps = math.sqrt(2.0 * variance * log_term / m) + 2.0 * log_term / (3.0 * m)
            if abs(sum0 / n0 - (self._total - sum0) / n1) > eps:
                return True
        return False

    def _drop_oldest_bucket(self) -> None:
        top = len(self._levels) - 1
        self._levels[top].popleft()
        while self._levels and not self._levels[-1]:
            self._levels.pop()
        # Recombine the remaining buckets exactly (Chan et al.) rather than subtracting.
        width = 0
        total = 0.0
        m2 = 0.0
        for level in range(len(self._levels) - 1, -1, -1):
            size = 1 << level
            for bucket_sum, bucket_m2 in self._levels[level]:
                if width:
                    diff = bucket_sum / size - total / width
                    m2 += bucket_m2 + diff * diff * width * size / (width + size)
                else:
                    m2 = bucket_m2
                width += size
                total += bucket_sum
        self._width, self._total, self._m2 = width, total, m2

    def __repr__(self) -> str:
        return (
            f"ADWIN(delta={self.delta}, width={self._width}, mean={self.mean:.4g}, "
            f"detections={self.n_detections})"
        )
