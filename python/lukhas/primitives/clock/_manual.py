"""A manually advanced clock for tests and simulations."""

from __future__ import annotations

import logging

from lukhas._validation import check_real

__all__ = ["ManualClock"]

logger = logging.getLogger(__name__)


class ManualClock:
    """Time that only moves when told to: sleeping advances it instantly.

    Plug it into a :class:`Ticker` (``clock=mc.now, sleep=mc.sleep``) or a
    :class:`HybridLogicalClock` (``physical_clock=mc.ms``) to make runs fast and
    deterministic.

    Parameters
    ----------
    start : float, default=0.0
        Initial time in seconds.

    Attributes
    ----------
    time : float
        Current time in seconds.
    slept : float
        Total time advanced through :meth:`sleep`.

    Examples
    --------
    >>> mc = ManualClock(10.0)
    >>> mc.sleep(0.25); mc.advance(1.0); mc.now()
    11.25
    >>> mc.ms(), mc.slept
    (11250, 0.25)
    """

    __slots__ = ("slept", "time")

    def __init__(self, start: float = 0.0) -> None:
        self.time = check_real("start", start, low=0.0)
        self.slept = 0.0

    def now(self) -> float:
        """Current time in seconds.

        Examples
        --------
        >>> ManualClock(2.5).now()
        2.5
        """
        return self.time

    def ms(self) -> int:
        """Current time in whole milliseconds.

        Examples
        --------
        >>> ManualClock(1.0019).ms()
        1001
        """
        return int(self.time * 1000.0)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (work done, not a sleep).

        Parameters
        ----------
        seconds : float
            Non-negative duration.

        Examples
        --------
        >>> mc = ManualClock(); mc.advance(0.5); mc.now()
        0.5
        """
        self.time += check_real("seconds", seconds, low=0.0)

    def sleep(self, seconds: float) -> None:
        """Advance time by ``seconds`` and count it as slept.

        Parameters
        ----------
        seconds : float
            Non-negative duration.

        Examples
        --------
        >>> mc = ManualClock(); mc.sleep(0.1); mc.slept
        0.1
        """
        dt = check_real("seconds", seconds, low=0.0)
        self.time += dt
        self.slept += dt

    def __repr__(self) -> str:
        return f"ManualClock(time={self.time!r})"
