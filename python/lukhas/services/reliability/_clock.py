"""Injectable clocks: the system clock in production, a manual one in tests.

Every time-dependent piece of :mod:`lukhas.services.reliability` (breaker recovery,
backoff sleeps, latency windows) reads time through a :class:`Clock`, so a test
can drive hours of behaviour without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from lukhas._validation import check_real
from lukhas.primitives.clock import ManualClock as TimeSource

__all__ = ["Clock", "ManualClock", "SystemClock", "utc_datetime"]


@runtime_checkable
class Clock(Protocol):
    """What the reliability services need from time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for durations)."""
        ...

    def time(self) -> float:
        """Seconds since the Unix epoch (for timestamps)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling coroutine for ``seconds``."""
        ...

    def sleep_sync(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic`, :func:`time.time` and real sleeps.

    Examples
    --------
    >>> clock = SystemClock()
    >>> clock.monotonic() <= clock.monotonic()
    True
    """

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def sleep_sync(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to; sleeping advances it instantly.

    The reliability flavour of :class:`lukhas.primitives.clock.ManualClock`, on which it is
    built: it adds the wall-clock reading and the async ``sleep`` of the
    :class:`Clock` protocol, and records every sleep so tests can assert on
    backoff schedules.

    Parameters
    ----------
    start : float, default=1_700_000_000.0
        Initial epoch time in seconds.  The monotonic reading starts at 0.

    Attributes
    ----------
    sleeps : list of float
        Every duration passed to :meth:`sleep` or :meth:`sleep_sync`, in order.

    Examples
    --------
    >>> clock = ManualClock()
    >>> clock.advance(2.5)
    >>> clock.monotonic()
    2.5
    >>> clock.sleep_sync(1.0)
    >>> clock.monotonic(), clock.sleeps
    (3.5, [1.0])
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._epoch0 = check_real("start", start)
        self._elapsed = TimeSource(0.0)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._elapsed.now()

    def time(self) -> float:
        return self._epoch0 + self._elapsed.now()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (>= 0).

        Parameters
        ----------
        seconds : float
            How far to move.

        Raises
        ------
        ValueError
            If ``seconds`` is negative: clocks never run backwards.
        """
        self._elapsed.advance(seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleep_sync(seconds)
        await asyncio.sleep(0)  # still yield, as a real sleep would

    def sleep_sync(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        self._elapsed.sleep(seconds)


def utc_datetime(clock: Clock) -> datetime:
    """Return the clock's wall time as a timezone-aware UTC :class:`datetime`.

    Parameters
    ----------
    clock : Clock
        The clock to read.

    Returns
    -------
    now : datetime
        Aware, in UTC, comparable with ``datetime.now(timezone.utc)``.

    Examples
    --------
    >>> utc_datetime(ManualClock(start=0.0)).isoformat()
    '1970-01-01T00:00:00+00:00'
    """
    return datetime.fromtimestamp(clock.time(), tz=UTC)
