"""ADWIN: adaptive windowing for change detection (Bifet and Gavalda, 2007).

The window is an exponential histogram: level ``i`` holds at most
``max_buckets`` buckets of ``2**i`` samples each, every bucket storing its sum
and its sum of squared deviations.  Memory is O(max_buckets log W) for a window
of W samples, and the window's mean and variance stay exact (buckets are
combined with Chan's parallel formula, never approximated).  Only the cut
points between buckets are tested, which is what makes ADWIN2 approximate
with respect to the exact test over every split (``tests/reference``).

The histogram lives in preallocated arrays (one ring of ``max_buckets + 1``
slots per level) and every update, merge and cut test runs in the Numba
kernel :func:`lukhas._kernels.drift.adwin_run`; :meth:`ADWIN.update_many`
processes a whole batch in one kernel call.  Numba loads on first update.
"""

from __future__ import annotations

import functools
import logging
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real

__all__ = ["ADWIN"]


@functools.cache
def _kernels() -> ModuleType:
    """The Numba kernel module, imported on first use (importing it loads Numba)."""
    from lukhas._kernels import drift

    return drift

logger = logging.getLogger(__name__)

#: Levels of the histogram and size of the integer state; equal to
#: ``ADWIN_MAX_LEVELS`` / ``ADWIN_COUNTERS_SIZE`` of the kernel module, which is
#: not imported here so that this module never loads Numba.
_MAX_LEVELS = 62
_WIDTH, _N_LEVELS, _TICKS, _N_DETECTIONS = range(4)


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
        slots = self.max_buckets + 1
        self._bucket_sum = np.zeros((_MAX_LEVELS, slots), dtype=np.float64)
        self._bucket_m2 = np.zeros((_MAX_LEVELS, slots), dtype=np.float64)
        self._level_head = np.zeros(_MAX_LEVELS, dtype=np.int64)
        self._level_count = np.zeros(_MAX_LEVELS, dtype=np.int64)
        self._counters = np.zeros(4, dtype=np.int64)  # width, n_levels, ticks, n_detections
        self._moments = np.zeros(2, dtype=np.float64)  # total, m2
        self._one_sample = np.zeros(1, dtype=np.float64)  # reused by update()
        self._one_flag = np.zeros(1, dtype=np.uint8)
        self.drift_detected = False

    # -- window statistics -----------------------------------------------------------
    @property
    def n_detections(self) -> int:
        """Changes detected so far (kept across :meth:`reset`)."""
        return int(self._counters[_N_DETECTIONS])

    @property
    def width(self) -> int:
        """Samples in the window."""
        return int(self._counters[_WIDTH])

    @property
    def total(self) -> float:
        """Sum of the samples in the window."""
        return float(self._moments[0])

    @property
    def mean(self) -> float:
        """Mean of the window (0.0 when empty)."""
        width = self.width
        return float(self._moments[0]) / width if width else 0.0

    @property
    def variance(self) -> float:
        """Population variance of the window (0.0 when empty)."""
        width = self.width
        return float(self._moments[1]) / width if width else 0.0

    @property
    def n_buckets(self) -> int:
        """Buckets in the exponential histogram (memory is proportional to it)."""
        return int(self._level_count[: self._counters[_N_LEVELS]].sum())

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
        self._one_sample[0] = check_real("x", x)
        self._run(self._one_sample, self._one_flag)
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
        values = check_array("xs", xs, dtype=np.float64, ndim=1, contiguous=True, finite=True)
        flags = np.zeros(values.shape[0], dtype=np.uint8)
        if values.shape[0]:
            self._run(values, flags)
        return flags.astype(bool)

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
        self._level_head[:] = 0
        self._level_count[:] = 0
        self._counters[[_WIDTH, _N_LEVELS, _TICKS]] = 0
        self._moments[:] = 0.0
        self.drift_detected = False

    # -- internals -------------------------------------------------------------------
    def _run(self, values: npt.NDArray[np.float64], flags: npt.NDArray[np.uint8]) -> None:
        """Feed validated, contiguous float64 samples (at least one) to the kernel."""
        _k = _kernels()
        before = int(self._counters[_N_DETECTIONS])
        _k.adwin_run(
            values,
            self.delta,
            self.clock,
            self.max_buckets,
            self.min_window,
            self.grace,
            self._bucket_sum,
            self._bucket_m2,
            self._level_head,
            self._level_count,
            self._counters,
            self._moments,
            flags,
        )
        self.drift_detected = bool(flags[-1])
        if self._counters[_N_DETECTIONS] != before:
            logger.debug(
                "ADWIN: %d change(s) in %d samples, window now %d samples",
                int(self._counters[_N_DETECTIONS]) - before,
                values.shape[0],
                self.width,
            )

    def __repr__(self) -> str:
        return (
            f"ADWIN(delta={self.delta}, width={self.width}, mean={self.mean:.4g}, "
            f"detections={self.n_detections})"
        )
