"""A fixed-rate tick loop with subscribers, drift-corrected scheduling and metrics."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from lukhas._validation import check_int, check_real, describe
from lukhas.primitives.ring import RingBuffer

__all__ = ["TickCallback", "Ticker", "create_consciousness_ticker"]

logger = logging.getLogger(__name__)

#: A subscriber: called with the tick number (0 on the first tick).
TickCallback = Callable[[int], Any]

#: Processing-time samples kept for the p95.
_SAMPLES: Final[int] = 1000
#: Samples needed before the p95 is reported.
_MIN_P95_SAMPLES: Final[int] = 20


class Ticker:
    """Call subscribers at a fixed rate, on a drift-corrected schedule.

    Tick ``i`` is due at ``start + i / fps``: the loop sleeps until the next
    deadline rather than for a fixed period, so sleep overshoot and processing
    time do not accumulate into drift.  A tick that takes longer than
    ``period`` counts as dropped; when the loop falls more than one period
    behind it restarts the schedule from now instead of bursting to catch up
    (``schedule_resets``).

    Parameters
    ----------
    fps : int, default=30
        Ticks per second, in [1, 100000].
    clock : callable, default=time.perf_counter
        Monotonic time source in seconds.
    sleep : callable, default=time.sleep
        Sleeps for the given number of seconds.  Inject a
        :class:`ManualClock`'s ``now`` and ``sleep`` for instant, deterministic
        runs.

    Attributes
    ----------
    fps : int
    period : float
        ``1.0 / fps``.
    subscribers : list of callable
        Called in order with the tick number; each in its own try/except.
    tick_count : int
        Number of the next tick (ticks completed so far).
    running : bool

    Examples
    --------
    >>> from lukhas.primitives.clock import ManualClock
    >>> mc = ManualClock()
    >>> ticker = Ticker(fps=10, clock=mc.now, sleep=mc.sleep)
    >>> seen = []
    >>> ticker.subscribe(seen.append)
    >>> ticker.run(seconds=0.5)
    >>> seen, ticker.running
    ([0, 1, 2, 3, 4], False)
    >>> m = ticker.get_metrics(); m["ticks_processed"], m["ticks_dropped"]
    (5, 0)
    """

    def __init__(
        self,
        fps: int = 30,
        *,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fps: int = check_int("fps", fps, low=1, high=100_000)
        self.period: float = 1.0 / self.fps
        if not callable(clock):
            raise TypeError(f"`clock` must be a callable returning seconds, got {describe(clock)}.")
        if not callable(sleep):
            raise TypeError(f"`sleep` must be a callable taking seconds, got {describe(sleep)}.")
        self._clock = clock
        self._sleep = sleep
        self.subscribers: list[TickCallback] = []
        self.tick_count: int = 0
        self.running: bool = False
        self._samples = RingBuffer(_SAMPLES)
        self._failed: set[int] = set()  # ids of subscribers that have raised
        self.ticks_processed = 0
        self.ticks_dropped = 0
        self.total_processing_time = 0.0
        self.max_processing_time = 0.0
        self.max_subscriber_time = 0.0
        self.subscriber_exceptions = 0
        self.schedule_resets = 0
        self._run_seconds = 0.0

    def __repr__(self) -> str:
        return (
            f"Ticker(fps={self.fps}, tick_count={self.tick_count}, running={self.running}, "
            f"subscribers={len(self.subscribers)})"
        )

    def subscribe(self, callback: TickCallback) -> None:
        """Call ``callback(tick_number)`` on every tick (once, however often subscribed).

        Parameters
        ----------
        callback : callable
            Takes the tick number.

        Raises
        ------
        TypeError
            If ``callback`` is not callable.

        Examples
        --------
        >>> t = Ticker(); t.subscribe(print); print in t.subscribers
        True
        """
        if not callable(callback):
            raise TypeError(f"`callback` must be callable, got {describe(callback)}.")
        if callback not in self.subscribers:
            self.subscribers.append(callback)

    def unsubscribe(self, callback: TickCallback) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored.

        Parameters
        ----------
        callback : callable

        Examples
        --------
        >>> t = Ticker(); t.subscribe(print); t.unsubscribe(print); t.unsubscribe(len)
        >>> t.subscribers
        []
        """
        if callback in self.subscribers:
            self.subscribers.remove(callback)

    def stop(self) -> None:
        """Let the current tick finish and start no further tick (safe from a subscriber).

        Examples
        --------
        >>> t = Ticker(); t.stop(); t.running
        False
        """
        self.running = False

    def run(self, seconds: float = 0) -> None:
        """Tick until stopped or, when ``seconds > 0``, for ``seconds`` seconds (blocking).

        The duration is checked at the end of each tick, after its sleep, so
        a run of ``d`` seconds delivers about ``d * fps`` ticks.

        Parameters
        ----------
        seconds : float, default=0
            Duration; 0 runs until :meth:`stop`.

        Raises
        ------
        RuntimeError
            If the ticker is already running.

        Examples
        --------
        >>> from lukhas.primitives.clock import ManualClock
        >>> mc = ManualClock()
        >>> t = Ticker(fps=4, clock=mc.now, sleep=mc.sleep)
        >>> t.subscribe(lambda n: n == 2 and t.stop())
        >>> t.run(); t.tick_count, mc.now()
        (3, 0.5)
        """
        duration = check_real("seconds", seconds, low=0.0)
        if self.running:
            raise RuntimeError("Ticker.run() called while the ticker is already running.")
        clock, sleep, fps = self._clock, self._sleep, self.fps
        period = self.period
        self.running = True
        start = anchor = clock()
        slot = 0
        try:
            while self.running:
                t0 = clock()
                self._tick()
                t1 = clock()
                elapsed = t1 - t0
                self._record(elapsed)
                if elapsed > period:
                    self.ticks_dropped += 1
                slot += 1
                due = anchor + slot / fps
                if t1 - due > period:
                    # More than one period behind: restart the schedule, don't burst.
                    self.schedule_resets += 1
                    anchor, slot, due = t1, 0, t1
                if self.running and due > t1:
                    sleep(due - t1)
                self.tick_count += 1
                if duration > 0 and max(clock(), due) - start >= duration:
                    break
        finally:
            self.running = False
            self._run_seconds += clock() - start

    def _tick(self) -> None:
        clock = self._clock
        n = self.tick_count
        for callback in tuple(self.subscribers):
            c0 = clock()
            try:
                callback(n)
            except Exception:
                self.subscriber_exceptions += 1
                if id(callback) in self._failed:
                    logger.debug("tick subscriber %r raised on tick %d", callback, n, exc_info=True)
                else:
                    self._failed.add(id(callback))
                    logger.warning(
                        "tick subscriber %r raised on tick %d (further failures of it are "
                        "logged at DEBUG)", callback, n, exc_info=True,
                    )
            spent = clock() - c0
            if spent > self.max_subscriber_time:
                self.max_subscriber_time = spent

    def _record(self, elapsed: float) -> None:
        self.ticks_processed += 1
        self.total_processing_time += elapsed
        if elapsed > self.max_processing_time:
            self.max_processing_time = elapsed
        self._samples.append(elapsed)

    def p95_processing_time(self) -> float:
        """95th percentile of the last 1000 tick processing times, in seconds.

        The sample at index ``ceil(0.95 k) - 1`` of the ``k`` sorted samples;
        0.0 until 20 ticks have run.

        Returns
        -------
        p95 : float

        Examples
        --------
        >>> Ticker().p95_processing_time()
        0.0
        """
        k = len(self._samples)
        if k < _MIN_P95_SAMPLES:
            return 0.0
        idx = math.ceil(0.95 * k) - 1
        return float(np.partition(self._samples.to_array(), idx)[idx])

    def get_metrics(self) -> dict[str, Any]:
        """Counters and timings of the ticks so far.

        Returns
        -------
        metrics : dict
            ``ticks_processed``, ``ticks_dropped``, ``subscriber_exceptions``,
            ``schedule_resets``, ``tick_count`` (int); ``total_processing_time``,
            ``max_processing_time``, ``p95_processing_time``,
            ``max_subscriber_time`` (float seconds); ``fps_target`` (int),
            ``fps_actual`` (ticks per second of run time, 0.0 before any run)
            and ``running`` (bool).

        Examples
        --------
        >>> sorted(Ticker().get_metrics())[:3]
        ['fps_actual', 'fps_target', 'max_processing_time']
        """
        return {
            "ticks_processed": self.ticks_processed,
            "ticks_dropped": self.ticks_dropped,
            "total_processing_time": self.total_processing_time,
            "max_processing_time": self.max_processing_time,
            "p95_processing_time": self.p95_processing_time(),
            "subscriber_exceptions": self.subscriber_exceptions,
            "max_subscriber_time": self.max_subscriber_time,
            "schedule_resets": self.schedule_resets,
            "fps_target": self.fps,
            "fps_actual": (
                self.ticks_processed / self._run_seconds if self._run_seconds > 0 else 0.0
            ),
            "tick_count": self.tick_count,
            "running": self.running,
        }


def create_consciousness_ticker() -> Ticker:
    """The ticker of the consciousness loop: 30 ticks per second.

    Returns
    -------
    ticker : Ticker

    Examples
    --------
    >>> t = create_consciousness_ticker(); t.fps, t.period == 1 / 30
    (30, True)
    """
    return Ticker(fps=30)
