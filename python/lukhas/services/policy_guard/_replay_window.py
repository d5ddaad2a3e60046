"""Nonce / time-window replay detection over hybrid-logical-clock stamps.

Stamps are compared in one integer space, the packed HLC layout
``physical_ms << 16 | logical_counter`` (48-bit milliseconds since the Unix
epoch, 16-bit counter).  That is the interface a hybrid logical clock plugs
into: any stamp object implementing ``__index__`` (returning its packed
uint64) is accepted, as are plain ints and timezone-aware ``datetime`` values
(counter 0).

:class:`ReplayWindow` remembers every nonce it accepted together with its
stamp, for ``window`` of stamp time.  A message is rejected as

* ``DUPLICATE`` if its nonce is remembered,
* ``STALE`` if its stamp is below the window's floor (its nonce may have been
  forgotten, so it can no longer be proven fresh),
* ``FUTURE`` if its stamp is more than ``max_skew`` ahead of ``now``.

The floor only rises: to ``now - window`` as time passes, and past the stamp of
any nonce evicted early because ``max_entries`` was reached.  So a nonce is
never accepted twice, and memory stays bounded.
"""

from __future__ import annotations

import heapq
import logging
import operator
from datetime import datetime, timedelta
from enum import Enum
from typing import Final, Protocol, SupportsIndex, TypeAlias, cast

from lukhas._validation import check_int, check_real, describe
from lukhas.primitives.clock import HLC_COUNTER_BITS, HLCTimestamp

__all__ = [
    "HLC_COUNTER_BITS",
    "HLCStampLike",
    "ReplayVerdict",
    "ReplayWindow",
    "Stamp",
    "as_hlc_stamp",
    "hlc_stamp_from_datetime",
]

logger = logging.getLogger(__name__)

_MAX_STAMP: Final[int] = (1 << 64) - 1


class HLCStampLike(Protocol):
    """An HLC timestamp object: ``operator.index(stamp)`` gives its packed uint64."""

    def __index__(self) -> int: ...


Stamp: TypeAlias = "datetime | int | HLCStampLike"


def hlc_stamp_from_datetime(moment: datetime) -> int:
    """Pack a timezone-aware ``datetime`` as an HLC stamp with counter 0.

    Parameters
    ----------
    moment : datetime
        Must be timezone-aware and not before the Unix epoch.

    Returns
    -------
    stamp : int
        ``milliseconds_since_epoch << 16``.

    Raises
    ------
    ValueError
        If ``moment`` is naive or before 1970.

    Examples
    --------
    >>> from datetime import timezone
    >>> hlc_stamp_from_datetime(datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    65536000
    """
    try:
        return int(HLCTimestamp.from_datetime(moment))
    except ValueError as err:
        raise ValueError(str(err).replace("`moment`", "`stamp`")) from None


def as_hlc_stamp(name: str, stamp: object) -> int:
    """Normalise a ``datetime``, packed int or HLC stamp object to a packed uint64.

    Parameters
    ----------
    name : str
        Parameter name used in error messages.
    stamp : datetime or int or HLCStampLike
        The stamp.

    Returns
    -------
    packed : int
        In ``[0, 2**64)``.

    Raises
    ------
    TypeError
        If ``stamp`` is neither a datetime nor an integer-like stamp (floats and
        bools are rejected).
    ValueError
        If it is a naive datetime or out of the uint64 range.

    Examples
    --------
    >>> as_hlc_stamp("stamp", (1_700_000_000_000 << 16) | 3) & 0xFFFF
    3
    """
    if isinstance(stamp, datetime):
        try:
            return hlc_stamp_from_datetime(stamp)
        except ValueError as err:
            raise ValueError(str(err).replace("`stamp`", f"`{name}`")) from None
    if isinstance(stamp, bool) or not hasattr(type(stamp), "__index__"):
        raise TypeError(
            f"`{name}` must be a timezone-aware datetime or a packed HLC stamp (int), "
            f"got {describe(stamp)}."
        )
    packed = operator.index(cast(SupportsIndex, stamp))
    if not 0 <= packed <= _MAX_STAMP:
        raise ValueError(f"`{name}` must be a packed uint64 HLC stamp, got {packed}.")
    return packed


def _span(name: str, value: timedelta | float) -> int:
    """A duration (timedelta or seconds) in packed-stamp units."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    seconds = check_real(name, seconds, low=0.0)
    return round(seconds * 1000.0) << HLC_COUNTER_BITS


class ReplayVerdict(Enum):
    """Outcome of a replay check."""

    FRESH = "fresh"
    DUPLICATE = "duplicate"
    STALE = "stale"
    FUTURE = "future"


class ReplayWindow:
    """Remembers accepted nonces for a window of stamp time.

    Parameters
    ----------
    window : timedelta or float, default=300.0
        How long (seconds if a float) a nonce is remembered, measured in stamp
        time; also how old a stamp may be.
    max_skew : timedelta or float, default=5.0
        How far (seconds) a stamp may run ahead of ``now``.
    max_entries : int, default=100_000
        Most nonces remembered; beyond it the oldest is forgotten and the floor
        rises past its stamp.

    Examples
    --------
    >>> from datetime import timezone
    >>> now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> rw = ReplayWindow(window=60.0)
    >>> rw.check("n-1", now, now=now), rw.record("n-1", now, now=now)
    (<ReplayVerdict.FRESH: 'fresh'>, None)
    >>> rw.check("n-1", now, now=now)
    <ReplayVerdict.DUPLICATE: 'duplicate'>
    >>> rw.check("n-2", now - timedelta(minutes=5), now=now)
    <ReplayVerdict.STALE: 'stale'>
    """

    def __init__(
        self,
        window: timedelta | float = 300.0,
        *,
        max_skew: timedelta | float = 5.0,
        max_entries: int = 100_000,
    ) -> None:
        self._window = _span("window", window)
        self._skew = _span("max_skew", max_skew)
        self.max_entries = check_int("max_entries", max_entries, low=1)
        self._seen: dict[str | bytes | int, int] = {}
        self._heap: list[tuple[int, int, str | bytes | int]] = []
        self._tiebreak = 0
        self._floor = 0

    @property
    def floor(self) -> int:
        """The smallest packed stamp still accepted."""
        return self._floor

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, nonce: object) -> bool:
        return nonce in self._seen

    def _advance(self, now: int) -> None:
        self._floor = max(self._floor, now - self._window)
        heap = self._heap
        while heap and heap[0][0] < self._floor:
            self._forget(*heapq.heappop(heap))

    def _forget(self, stamp: int, _tiebreak: int, nonce: str | bytes | int) -> None:
        # A nonce may be reused once its first use left the window: only drop the
        # entry when it is the one this heap item recorded.
        if self._seen.get(nonce) == stamp:
            del self._seen[nonce]

    def check(self, nonce: str | bytes | int, stamp: Stamp, *, now: Stamp) -> ReplayVerdict:
        """Classify a message without remembering it.

        Parameters
        ----------
        nonce : str or bytes or int
            The message's unique id.
        stamp : datetime or int or HLCStampLike
            When the message was stamped.
        now : datetime or int or HLCStampLike
            The receiver's current time.

        Returns
        -------
        verdict : ReplayVerdict

        Raises
        ------
        TypeError, ValueError
            If ``nonce``, ``stamp`` or ``now`` is malformed.

        Examples
        --------
        >>> ReplayWindow().check(b"x", 5 << 16, now=5 << 16)
        <ReplayVerdict.FRESH: 'fresh'>
        """
        if isinstance(nonce, bool) or not isinstance(nonce, (str, bytes, int)):
            raise TypeError(f"`nonce` must be a str, bytes or int, got {describe(nonce)}.")
        packed = as_hlc_stamp("stamp", stamp)
        current = as_hlc_stamp("now", now)
        self._advance(current)
        if nonce in self._seen:
            return ReplayVerdict.DUPLICATE
        if packed < self._floor:
            return ReplayVerdict.STALE
        if packed > current + self._skew:
            return ReplayVerdict.FUTURE
        return ReplayVerdict.FRESH

    def record(self, nonce: str | bytes | int, stamp: Stamp, *, now: Stamp) -> None:
        """Remember an accepted nonce (call after :meth:`check` said FRESH).

        Parameters
        ----------
        nonce : str or bytes or int
            The message's unique id.
        stamp : datetime or int or HLCStampLike
            When the message was stamped.
        now : datetime or int or HLCStampLike
            The receiver's current time.

        Raises
        ------
        ValueError
            If the nonce is not FRESH (recording it would hide a replay).

        Examples
        --------
        >>> rw = ReplayWindow()
        >>> rw.record("a", 1 << 16, now=1 << 16)
        >>> "a" in rw, len(rw)
        (True, 1)
        """
        verdict = self.check(nonce, stamp, now=now)
        if verdict is not ReplayVerdict.FRESH:
            raise ValueError(f"`nonce` {nonce!r} cannot be recorded: it is {verdict.value}.")
        packed = as_hlc_stamp("stamp", stamp)
        self._seen[nonce] = packed
        self._tiebreak += 1
        heapq.heappush(self._heap, (packed, self._tiebreak, nonce))
        while len(self._seen) > self.max_entries:
            evicted, tiebreak, old = heapq.heappop(self._heap)
            self._forget(evicted, tiebreak, old)
            self._floor = max(self._floor, evicted + 1)
            logger.debug("replay window full: floor raised to stamp %d", self._floor)

    def clear(self) -> None:
        """Forget every nonce and reset the floor.

        Examples
        --------
        >>> rw = ReplayWindow()
        >>> rw.record("a", 1 << 16, now=1 << 16)
        >>> rw.clear()
        >>> len(rw), rw.floor
        (0, 0)
        """
        self._seen.clear()
        self._heap.clear()
        self._floor = 0
