"""ADWIN: adaptive windowing for change detection (Bifet and Gavalda, 2007).

The window is an exponential histogram: level ``i`` holds at most
``max_buckets`` buckets of ``2**i`` samples each, every bucket storing its sum
and its sum of squared deviations.  Memory is O(max_buckets log W) for a window
of W samples.  Only the cut points between buckets are tested, which is what
makes ADWIN2 approximate with respect to the exact test over every split
(``tests/reference``).

The test, the bucket arithmetic and the order of every floating-point operation
are those of ``river.drift.ADWIN`` (MOA's variant of the paper's bound, with the
minimum sub-window in the harmonic mean), so on the same stream with the same
parameters both report the same change points (``tests/lukhas/core``
cross-checks this against river itself).

The histogram lives in preallocated arrays (one ring of ``max_buckets + 1``
slots per level) owned by this class; every update, merge and cut test runs in
the compiled core :class:`lukhas._native.adwin.ADWINCore`, which this class
extends: :meth:`ADWIN.update` is one C call for a float sample, and
:meth:`ADWIN.update_many` runs a whole batch without the GIL.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._native import adwin as _adwin
from lukhas._validation import check_array, check_int, check_real

__all__ = ["ADWIN"]


logger = logging.getLogger(__name__)

_MAX_LEVELS = _adwin.MAX_LEVELS
_WIDTH, _N_LEVELS, _TICKS = _adwin.WIDTH, _adwin.LEVELS, _adwin.TICKS
_N_DETECTIONS, _LAST = _adwin.DETECTIONS, _adwin.LAST
_CLOCK, _MAX_BUCKETS, _MIN_WINDOW = _adwin.CLOCK, _adwin.MAX_BUCKETS, _adwin.MIN_WINDOW
_GRACE, _RESET, _INTS_SIZE = _adwin.GRACE, _adwin.RESET, _adwin.INTS_SIZE


class ADWIN(_adwin.ADWINCore):
    """Adaptive sliding window that drops its old part when the mean changes.

    Every ``clock`` samples (once the window holds more than ``grace`` samples)
    each cut between buckets splits the window into an older part ``W0`` (``n0``
    samples) and a newer part ``W1`` (``n1``).  With ``w = min_window``, ``m = 1 /
    (1/(n0 - w + 1) + 1/(n1 - w + 1))``, ``s2`` the window variance and ``L = ln(2
    ln(W) / delta)``, the cut is significant when::

        |mean(W0) - mean(W1)| > sqrt(2 s2 L / m) + 2 L / (3 m)

    and then the oldest bucket is dropped and the test repeats.  This is
    ``river.drift.ADWIN``'s test with the same parameter names (``min_window`` is
    river's ``min_window_length``, ``grace`` its ``grace_period``), computed the
    same way: both detect the same change points.

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
        No test until the window holds more than this many samples, >= 2.
    reset_on_drift : bool, default=False
        Empty the window on the sample after a detected change, as river's
        detector does (False keeps the newer part ``W1``, as in the paper).

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

    __slots__ = ("_buckets", "_floats", "_ints", "clock", "delta", "grace", "max_buckets",
                 "min_window", "reset_on_drift")

    def __init__(
        self,
        delta: float = 0.002,
        *,
        clock: int = 32,
        max_buckets: int = 5,
        min_window: int = 5,
        grace: int = 10,
        reset_on_drift: bool = False,
    ) -> None:
        self.delta = check_real("delta", delta, low=0.0, high=1.0, low_inclusive=False,
                                high_inclusive=False)
        self.clock = check_int("clock", clock, low=1)
        self.max_buckets = check_int("max_buckets", max_buckets, low=2)
        self.min_window = check_int("min_window", min_window, low=1)
        self.grace = check_int("grace", grace, low=2)
        self._buckets = np.zeros((2, _MAX_LEVELS, self.max_buckets + 1), dtype=np.float64)
        self._ints = np.zeros(_INTS_SIZE, dtype=np.int64)
        self.reset_on_drift = bool(reset_on_drift)
        self._ints[[_CLOCK, _MAX_BUCKETS, _MIN_WINDOW, _GRACE, _RESET]] = (
            self.clock, self.max_buckets, self.min_window, self.grace, self.reset_on_drift)
        self._floats = np.array([0.0, 0.0, self.delta])  # total, m2, delta
        self._bind(self._buckets, self._ints, self._floats)

    @property
    def drift_detected(self) -> bool:
        """Whether the latest update shrank the window."""
        return bool(self._ints[_LAST])

    # -- window statistics -----------------------------------------------------------
    @property
    def n_detections(self) -> int:
        """Changes detected so far (kept across :meth:`reset`)."""
        return int(self._ints[_N_DETECTIONS])

    @property
    def width(self) -> int:
        """Samples in the window."""
        return int(self._ints[_WIDTH])

    @property
    def total(self) -> float:
        """Sum of the samples in the window."""
        return float(self._floats[0])

    @property
    def mean(self) -> float:
        """Mean of the window (0.0 when empty)."""
        width = self.width
        return float(self._floats[0]) / width if width else 0.0

    @property
    def variance(self) -> float:
        """Population variance of the window (0.0 when empty)."""
        width = self.width
        return float(self._floats[1]) / width if width else 0.0

    @property
    def n_buckets(self) -> int:
        """Buckets in the exponential histogram (memory is proportional to it)."""
        levels = int(self._ints[_N_LEVELS])
        return int(self._ints[_MAX_LEVELS: _MAX_LEVELS + levels].sum())

    # -- updates ---------------------------------------------------------------------
    # update(x) is the compiled core's method itself (one C call per float sample):
    # see lukhas._native.adwin.ADWINCore.update.

    def _coerce_sample(self, x: Any) -> float:
        return check_real("x", x)

    def _on_drift(self, count: int) -> None:
        logger.debug("ADWIN: %d change(s) detected, window now %d samples", count,
                     int(self._ints[_WIDTH]))

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
        self.run(values, flags)
        return flags.view(np.bool_)

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
        self._ints[: _TICKS + 1] = 0  # heads, counts, width, levels, ticks
        self._ints[_LAST] = 0
        self._floats[:2] = 0.0

    def __reduce__(self) -> tuple[Any, ...]:
        params = {"clock": self.clock, "max_buckets": self.max_buckets,
                  "min_window": self.min_window, "grace": self.grace,
                  "reset_on_drift": self.reset_on_drift}
        return (_restore, (self.delta, params, self._buckets, self._ints, self._floats))

    def __repr__(self) -> str:
        return (
            f"ADWIN(delta={self.delta}, width={self.width}, mean={self.mean:.4g}, "
            f"detections={self.n_detections})"
        )


def _restore(delta: float, params: dict[str, Any], buckets: npt.NDArray[np.float64],
             ints: npt.NDArray[np.int64], floats: npt.NDArray[np.float64]) -> ADWIN:
    """Unpickle an :class:`ADWIN`: the parameters, then the histogram state as saved."""
    adwin = ADWIN(delta, **params)
    if (buckets.shape != adwin._buckets.shape or ints.shape != adwin._ints.shape
            or floats.shape != adwin._floats.shape):
        raise ValueError("the pickled ADWIN state does not fit its parameters.")
    adwin._buckets[...] = buckets
    adwin._ints[...] = ints
    adwin._floats[...] = floats
    return adwin
