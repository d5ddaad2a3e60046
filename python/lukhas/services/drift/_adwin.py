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
slots per level) and every update, merge and cut test runs in the Numba
kernel :func:`lukhas._kernels.drift.adwin_run`.  :meth:`ADWIN.update` only
queues the sample until the next update at which a test can run (every
``clock`` samples, past the grace period), then hands the queue to the kernel in
one call, so a one-at-a-time update costs about a Python call;
:meth:`ADWIN.update_many` processes a whole batch in one kernel call.  Numba
loads on the first kernel call.
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

#: Levels of the histogram and layout of the integer state; equal to the
#: ``ADWIN_*`` constants of the kernel module, which is not imported here so that
#: this module never loads Numba.
_MAX_LEVELS = 62
_WIDTH = 2 * _MAX_LEVELS
_N_LEVELS, _TICKS, _N_DETECTIONS = _WIDTH + 1, _WIDTH + 2, _WIDTH + 3
_CLOCK, _MAX_BUCKETS, _MIN_WINDOW, _GRACE = _WIDTH + 4, _WIDTH + 5, _WIDTH + 6, _WIDTH + 7
_RESET, _LAST = _WIDTH + 8, _WIDTH + 9
_INTS_SIZE = _WIDTH + 10
_NO_FLAGS = np.zeros(0, dtype=np.uint8)  # update() asks the kernel for no per-sample flags


class ADWIN:
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

    __slots__ = ("_buckets", "_due", "_floats", "_ints", "_kernel", "_last_shrank", "_pending",
                 "clock", "delta", "grace", "max_buckets", "min_window", "reset_on_drift")

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
        # Samples queued by update() until the next one at which a test can run.
        self._pending: list[float] = []
        self._due = self._next_due()
        self._last_shrank = False
        self._kernel: Any = None

    @property
    def drift_detected(self) -> bool:
        """Whether the latest update shrank the window."""
        return self._last_shrank and not self._pending

    def _next_due(self) -> int:
        """Queued samples at which the next cut test runs (the kernel's state is current)."""
        ticks, width = int(self._ints[_TICKS]), int(self._ints[_WIDTH])
        if self.reset_on_drift and self._ints[_LAST]:
            ticks = width = 0  # the next sample starts an empty window
        due = self.clock - ticks % self.clock
        while width + due <= self.grace:
            due += self.clock
        return due

    def _sync(self) -> None:
        """Run the queued samples (none of them reaches a test) through the kernel."""
        if self._pending:
            values = np.array(self._pending, dtype=np.float64)
            self._pending.clear()
            self._run(values, np.zeros(values.shape[0], dtype=np.uint8))

    # -- window statistics -----------------------------------------------------------
    @property
    def n_detections(self) -> int:
        """Changes detected so far (kept across :meth:`reset`)."""
        return int(self._ints[_N_DETECTIONS])

    @property
    def width(self) -> int:
        """Samples in the window."""
        self._sync()
        return int(self._ints[_WIDTH])

    @property
    def total(self) -> float:
        """Sum of the samples in the window."""
        self._sync()
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
        self._sync()
        levels = int(self._ints[_N_LEVELS])
        return int(self._ints[_MAX_LEVELS: _MAX_LEVELS + levels].sum())

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
        if type(x) is not float or x - x != 0.0:  # not a float, or inf / NaN
            x = check_real("x", x)
        pending = self._pending
        pending.append(x)
        if len(pending) < self._due:
            return False
        # the queue reaches a test point (only its last sample can shrink the window)
        kernel = self._kernel or self._load_kernel()
        packed = kernel(np.array(pending), self._buckets, self._ints, self._floats, _NO_FLAGS)
        pending.clear()
        self._due = packed >> 1
        shrank = self._last_shrank = bool(packed & 1)
        if shrank:
            logger.debug("ADWIN: change detected, window now %d samples",
                         int(self._ints[_WIDTH]))
        return shrank

    def _load_kernel(self) -> Any:
        self._kernel = _kernels().adwin_run
        return self._kernel

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
            self._sync()
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
        self._ints[: _TICKS + 1] = 0  # heads, counts, width, levels, ticks
        self._ints[_LAST] = 0
        self._floats[:2] = 0.0
        self._pending.clear()
        self._due = self._next_due()
        self._last_shrank = False

    # -- internals -------------------------------------------------------------------
    def _run(self, values: npt.NDArray[np.float64], flags: npt.NDArray[np.uint8]) -> None:
        """Feed validated, contiguous float64 samples (at least one) to the kernel."""
        before = int(self._ints[_N_DETECTIONS])
        packed = _kernels().adwin_run(values, self._buckets, self._ints, self._floats, flags)
        self._last_shrank = bool(flags[-1])
        self._due = packed >> 1
        if self._ints[_N_DETECTIONS] != before:
            logger.debug(
                "ADWIN: %d change(s) in %d samples, window now %d samples",
                int(self._ints[_N_DETECTIONS]) - before,
                values.shape[0],
                int(self._ints[_WIDTH]),
            )

    def __repr__(self) -> str:
        return (
            f"ADWIN(delta={self.delta}, width={self.width}, mean={self.mean:.4g}, "
            f"detections={self.n_detections})"
        )
