"""Page-Hinkley change detection for scalar streams.

The statistics, their initial values and the order of every floating-point
operation are those of ``river.drift.PageHinkley`` (``fading`` is river's
``alpha``), so both report the same change points on the same stream
(``tests/lukhas/core`` cross-checks this against river itself).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from lukhas._kernels._codes import PH_MODE
from lukhas._validation import check_array, check_choice, check_int, check_real

__all__ = ["PageHinkley"]

logger = logging.getLogger(__name__)

#: Mode name -> kernel code (defined once, in :mod:`lukhas._kernels._codes`).
_MODES: Final[Mapping[str, int]] = PH_MODE
#: ``[n, mean, up, U, down, D]`` after a reset: U starts at +inf, D at -1 (as in river).
_INITIAL_STATE: Final[tuple[float, ...]] = (0.0, 0.0, 0.0, np.inf, 0.0, -1.0)


class PageHinkley:
    """Page-Hinkley test for a change in the mean of a scalar stream.

    After sample ``t`` (counted since the last alarm) with running mean
    ``mean_t``::

        up_t   = fading * up_{t-1}   + (x_t - mean_t) - delta,  U_t = min(up_1..up_t)
        down_t = fading * down_{t-1} + (x_t - mean_t) + delta,  D_t = max(-1, down_1..down_t)

    An alarm fires when ``t >= min_instances`` and ``up_t - U_t > threshold``
    (mean went up) or ``D_t - down_t > threshold`` (mean went down), as
    selected by ``mode``.  After an alarm the test starts afresh.  ``mean_t`` is
    updated as ``mean += (1 / t) * (x_t - mean)``, and ``D_t`` starts from -1, both
    as in river (and scikit-multiflow before it).

    Parameters
    ----------
    delta : float, default=0.005
        Magnitude of change tolerated without accumulating evidence, >= 0.
    threshold : float, default=50.0
        Alarm threshold (lambda), > 0.
    fading : float, default=1.0
        Forgetting factor of the cumulative sums, in (0, 1]; 1 means none.
    min_instances : int, default=30
        Samples needed after a reset before an alarm may fire, >= 1.
    mode : {"both", "up", "down"}, default="both"
        Which direction of change raises an alarm.

    Attributes
    ----------
    n : int
        Samples since the last reset.
    mean : float
        Their running mean.
    drift_detected : bool
        Whether the most recent sample raised an alarm.
    n_detections : int
        Alarms raised so far.

    Examples
    --------
    >>> ph = PageHinkley(threshold=5.0, min_instances=10)
    >>> alarms = ph.update_many([0.0] * 50 + [1.0] * 20)
    >>> int(np.flatnonzero(alarms)[0])
    55
    """

    def __init__(
        self,
        delta: float = 0.005,
        threshold: float = 50.0,
        *,
        fading: float = 1.0,
        min_instances: int = 30,
        mode: Literal["both", "up", "down"] = "both",
    ) -> None:
        self.delta = check_real("delta", delta, low=0.0)
        self.threshold = check_real("threshold", threshold, low=0.0, low_inclusive=False)
        self.fading = check_real("fading", fading, low=0.0, high=1.0, low_inclusive=False)
        self.min_instances = check_int("min_instances", min_instances, low=1)
        self.mode = check_choice("mode", mode, _MODES)
        self._mode_code = _MODES[self.mode]
        self._state = np.array(_INITIAL_STATE, dtype=np.float64)
        self.drift_detected = False
        self.n_detections = 0

    # -- state views -----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Samples since the last reset."""
        return int(self._state[0])

    @property
    def mean(self) -> float:
        """Running mean of the samples since the last reset."""
        return float(self._state[1])

    @property
    def statistic_up(self) -> float:
        """Evidence of an increase, ``up_t - U_t`` (>= 0; 0.0 before the first sample)."""
        return float(self._state[2] - self._state[3]) if self._state[0] else 0.0

    @property
    def statistic_down(self) -> float:
        """Evidence of a decrease, ``D_t - down_t`` (0.0 before the first sample)."""
        return float(self._state[5] - self._state[4]) if self._state[0] else 0.0

    # -- updates ---------------------------------------------------------------------
    def update(self, x: float) -> bool:
        """Add one sample; return whether it raised an alarm.

        Parameters
        ----------
        x : float
            The sample; must be finite.

        Returns
        -------
        drift : bool
            True if this sample raised an alarm (the test then restarts).

        Raises
        ------
        TypeError, ValueError
            If ``x`` is not a finite real number.

        Examples
        --------
        >>> ph = PageHinkley(threshold=1.0, min_instances=1)
        >>> [ph.update(v) for v in (0.0, 0.0, 3.0)]
        [False, False, True]
        """
        value = check_real("x", x)
        return bool(self.update_many(np.array([value]))[0])

    def update_many(self, xs: Any) -> npt.NDArray[np.bool_]:
        """Add many samples at once; same result as calling :meth:`update` in a loop.

        Parameters
        ----------
        xs : array_like of shape (n_samples,)
            Finite samples, oldest first.

        Returns
        -------
        alarms : ndarray of shape (n_samples,), dtype=bool
            True at the samples that raised an alarm.

        Raises
        ------
        TypeError, ValueError
            If ``xs`` is not a finite real 1-D array.

        Examples
        --------
        >>> PageHinkley(threshold=1.0, min_instances=1).update_many([0.0, 0.0, 3.0]).tolist()
        [False, False, True]
        """
        values = check_array("xs", xs, dtype=np.float64, ndim=1, contiguous=True, finite=True)
        flags = np.zeros(values.shape[0], dtype=np.uint8)
        if values.shape[0]:
            from lukhas._kernels import drift as _k

            _k.page_hinkley_run(
                values,
                self.delta,
                self.threshold,
                self.fading,
                self.min_instances,
                self._mode_code,
                self._state,
                flags,
            )
        alarms = flags.astype(bool)
        n_alarms = int(np.count_nonzero(alarms))
        if n_alarms:
            self.n_detections += n_alarms
            logger.debug("Page-Hinkley: %d alarm(s) in %d samples", n_alarms, alarms.shape[0])
        if alarms.shape[0]:
            self.drift_detected = bool(alarms[-1])
        return alarms

    def reset(self) -> None:
        """Start afresh, as after an alarm (``n_detections`` is kept).

        Examples
        --------
        >>> ph = PageHinkley()
        >>> _ = ph.update(1.0)
        >>> ph.reset()
        >>> ph.n
        0
        """
        self._state[:] = _INITIAL_STATE
        self.drift_detected = False

    def __repr__(self) -> str:
        return (
            f"PageHinkley(delta={self.delta}, threshold={self.threshold}, mode={self.mode!r}, "
            f"n={self.n}, detections={self.n_detections})"
        )
