"""Hybrid logical clocks (Kulkarni, Demirbas et al., 2014) on a compiled core.

A stamp is ``(l, c)``: ``l`` the largest physical time (ms since the Unix
epoch) the node has heard of, ``c`` a counter that orders events within one
``l``.  Stamps pack into one uint64 as ``l << 16 | c``, so they sort as
integers and plug into :func:`lukhas.services.policy_guard.as_hlc_stamp` through
``__index__``.

Guarantees: every stamp a clock issues is larger than every stamp it issued or
received before.  A received stamp whose ``l`` leads the local physical clock by
more than ``max_drift_ms`` is refused with :class:`ClockDriftError` and leaves
the clock unchanged.  Local events never fail: if 65,536 events share one
``l``, the counter carries into the next millisecond (``l + 1``), as Kulkarni et
al. allow, and if the physical clock steps back, ``l`` holds and local events
keep counting (carrying as needed) until physical time catches up.  The drift
bound therefore applies to remote stamps only; a clock's own ``l`` leads
physical time by at most one millisecond per 65,536 events issued while the
physical clock stood still or went back.
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NoReturn

from lukhas._native import clock as _clock
from lukhas._validation import check_int, describe

__all__ = [
    "DEFAULT_MAX_DRIFT_MS",
    "HLC_COUNTER_BITS",
    "ClockDriftError",
    "HLCTimestamp",
    "HybridLogicalClock",
    "wall_clock_ms",
]

logger = logging.getLogger(__name__)

#: Bits of the logical counter in a packed stamp.
HLC_COUNTER_BITS: Final[int] = _clock.HLC_COUNTER_BITS
#: Default bound on how far logical time may lead physical time (one minute).
DEFAULT_MAX_DRIFT_MS: Final[int] = 60_000
_MAX_MS: Final[int] = _clock.HLC_MAX_PHYSICAL_MS
_MAX_COUNTER: Final[int] = _clock.HLC_MAX_COUNTER
_EPOCH: Final[datetime] = datetime(1970, 1, 1, tzinfo=UTC)
#: Largest physical time a ``datetime`` can show (9999-12-31 23:59:59.999 UTC).
_MAX_DATETIME_MS: Final[int] = (
    (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1))


class ClockDriftError(ValueError):
    """A remote stamp (or the clock itself) leads physical time by more than allowed."""


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch from the system clock.

    Returns
    -------
    ms : int

    Examples
    --------
    >>> wall_clock_ms() > 1_600_000_000_000
    True
    """
    return time.time_ns() // 1_000_000


class HLCTimestamp(_clock.HLCTimestampCore):
    """A hybrid-logical-clock stamp: physical milliseconds plus a logical counter.

    Parameters
    ----------
    physical_ms : int
        Milliseconds since the Unix epoch, in [0, 2**48 - 1].
    counter : int, default=0
        Logical counter, in [0, 65535].

    Attributes
    ----------
    physical_ms : int
    counter : int
    packed : int
        ``physical_ms << 16 | counter``, also returned by ``int()`` and
        ``operator.index()``.

    Examples
    --------
    >>> s = HLCTimestamp(1_700_000_000_000, 3)
    >>> int(s) == 1_700_000_000_000 << 16 | 3
    True
    >>> HLCTimestamp.from_packed(int(s)) == s, s < HLCTimestamp(1_700_000_000_000, 4)
    (True, True)
    >>> s.to_datetime().year
    2023
    """

    __slots__ = ()

    def __new__(cls, physical_ms: int, counter: int = 0) -> HLCTimestamp:
        ms = check_int("physical_ms", physical_ms, low=0, high=_MAX_MS)
        c = check_int("counter", counter, low=0, high=_MAX_COUNTER)
        stamp: HLCTimestamp = super().__new__(cls, ms << HLC_COUNTER_BITS | c)
        return stamp

    @classmethod
    def from_packed(cls, packed: int) -> HLCTimestamp:
        """Unpack a uint64 stamp.

        Parameters
        ----------
        packed : int
            ``physical_ms << 16 | counter``, in [0, 2**64 - 1].

        Returns
        -------
        stamp : HLCTimestamp

        Examples
        --------
        >>> HLCTimestamp.from_packed((5 << 16) | 2)
        HLCTimestamp(physical_ms=5, counter=2)
        """
        value = check_int("packed", packed, low=0, high=(1 << 64) - 1)
        return cls(value >> HLC_COUNTER_BITS, value & _MAX_COUNTER)

    @classmethod
    def from_datetime(cls, moment: datetime, counter: int = 0) -> HLCTimestamp:
        """Stamp a timezone-aware ``datetime`` (whole milliseconds since the epoch).

        Parameters
        ----------
        moment : datetime
            Timezone-aware, not before 1970-01-01.
        counter : int, default=0
            Logical counter, in [0, 65535].

        Returns
        -------
        stamp : HLCTimestamp

        Raises
        ------
        ValueError
            If ``moment`` is naive, before the epoch or beyond 48-bit milliseconds.

        Examples
        --------
        >>> HLCTimestamp.from_datetime(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC))
        HLCTimestamp(physical_ms=1000, counter=0)
        """
        if not isinstance(moment, datetime):
            raise TypeError(f"`moment` must be a datetime, got {describe(moment)}.")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"`moment` must be a timezone-aware datetime, got naive {moment.isoformat()}; "
                "use datetime.now(timezone.utc)."
            )
        millis = (moment - _EPOCH) // timedelta(milliseconds=1)
        if not 0 <= millis <= _MAX_MS:
            raise ValueError(
                f"`moment` must lie in [1970-01-01, 1970 + 2**48 ms), got {moment.isoformat()}."
            )
        return cls(millis, counter)

    def to_datetime(self) -> datetime:
        """The physical part as a timezone-aware UTC ``datetime``.

        Examples
        --------
        >>> HLCTimestamp(0, 9).to_datetime()
        datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
        """
        if self.physical_ms > _MAX_DATETIME_MS:
            raise ValueError(
                f"`physical_ms`={self.physical_ms} is after datetime.max (9999-12-31), the "
                f"latest instant a datetime holds (physical_ms <= {_MAX_DATETIME_MS}).")
        return _EPOCH + timedelta(milliseconds=self.physical_ms)

    def __repr__(self) -> str:
        return f"HLCTimestamp(physical_ms={self.physical_ms}, counter={self.counter})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.physical_ms, self.counter))


def _coerce_stamp(name: str, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(
            f"`{name}` must be an HLCTimestamp or a packed uint64 stamp, got {describe(value)}."
        )
    return check_int(name, operator.index(value), low=0, high=(1 << 64) - 1)


class HybridLogicalClock(_clock.HybridLogicalClockCore):
    """Hybrid logical clock: causality of Lamport clocks, stamps close to wall time.

    Parameters
    ----------
    physical_clock : callable or None, default=None
        Zero-argument callable returning the physical time as int milliseconds
        since the Unix epoch.  ``None`` reads ``CLOCK_REALTIME`` in C (the fast
        path).  Inject one for tests and simulations.
    max_drift_ms : int or None, default=DEFAULT_MAX_DRIFT_MS
        Largest lead of a received stamp's physical part over the local
        physical clock accepted, in ms; ``None`` disables the guard.

    Attributes
    ----------
    last : HLCTimestamp
        The last stamp issued.
    max_drift_ms : int or None

    Raises
    ------
    ClockDriftError
        From :meth:`receive` when the remote stamp's physical part leads the
        local physical clock by more than ``max_drift_ms`` (:meth:`now` and
        :meth:`send` never raise it).

    Examples
    --------
    >>> t = [1_000]
    >>> a = HybridLogicalClock(physical_clock=lambda: t[0], max_drift_ms=500)
    >>> b = HybridLogicalClock(physical_clock=lambda: t[0] - 200, max_drift_ms=500)
    >>> m = a.send(); m
    HLCTimestamp(physical_ms=1000, counter=0)
    >>> b.receive(m)   # b's wall clock is behind: it adopts a's time and counts
    HLCTimestamp(physical_ms=1000, counter=1)
    >>> b.receive(HLCTimestamp(5_000))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    ClockDriftError: `remote` is 4200 ms ahead of the physical clock (800 ms)
    """

    __slots__ = ()

    def __new__(
        cls,
        physical_clock: Callable[[], int] | None = None,
        max_drift_ms: int | None = DEFAULT_MAX_DRIFT_MS,
    ) -> HybridLogicalClock:
        if physical_clock is not None and not callable(physical_clock):
            raise TypeError(
                f"`physical_clock` must be a callable returning ms, got {describe(physical_clock)}."
            )
        drift = (1 << 64) - 1 if max_drift_ms is None else check_int(
            "max_drift_ms", max_drift_ms, low=0, high=_MAX_MS
        )
        clock: HybridLogicalClock = super().__new__(cls, physical_clock, drift, HLCTimestamp)
        return clock

    def __repr__(self) -> str:
        return f"HybridLogicalClock(last={self.last!r}, max_drift_ms={self.max_drift_ms})"

    if TYPE_CHECKING:  # the compiled core returns HLCTimestamp; tell the type checker
        @property
        def last(self) -> HLCTimestamp: ...
        def now(self) -> HLCTimestamp: ...
        def send(self) -> HLCTimestamp: ...
        def receive(self, remote: HLCTimestamp | int, /) -> HLCTimestamp: ...

    # -- hooks the compiled core calls -------------------------------------------------
    def _coerce_physical(self, value: Any) -> int:
        if isinstance(value, bool) or not hasattr(type(value), "__index__"):
            raise TypeError(
                f"`physical_clock` must return int milliseconds, got {describe(value)}."
            )
        return check_int("physical_clock()", operator.index(value), low=0, high=_MAX_MS)

    def _coerce_stamp(self, value: Any) -> int:
        return _coerce_stamp("remote", value)

    def _raise_drift(self, what: str, logical_ms: int, physical_ms: int) -> NoReturn:
        raise ClockDriftError(
            f"{what} is {logical_ms - physical_ms} ms ahead of the physical clock "
            f"({physical_ms} ms); max_drift_ms={self.max_drift_ms}."
        )

    def _raise_exhausted(self, logical_ms: int) -> NoReturn:
        raise OverflowError(f"HLC physical time {logical_ms} ms exceeds the 48-bit range.")
