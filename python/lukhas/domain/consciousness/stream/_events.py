"""Stream events and the ring-backed event store of the consciousness stream."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lukhas._validation import check_int, check_real, describe
from lukhas.primitives.clock import HLCTimestamp
from lukhas.primitives.ring import Ring

__all__ = ["EventStore", "StreamEvent"]


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a consciousness stream.

    Attributes
    ----------
    id : uuid.UUID
        Unique id of the event.
    ts : datetime
        Aware UTC wall time of creation (comparable across LUKHAS modules).
    kind : str
        ``"consciousness_tick"``, ``"tick_processed"``, ``"processing_error"``,
        ``"stream_started"``, ``"stream_stopped"``, ...
    lane : str
        Lane of the stream that created it.
    glyph_id : uuid.UUID
        Identity of the stream that created it.
    payload : Mapping[str, Any]
        Event data.
    hlc : HLCTimestamp
        Hybrid-logical-clock stamp: orders the events of many streams causally
        even when their wall clocks disagree.
    glyph_hash : int
        XXH3-64 of ``str(glyph_id)``: the stream identity as a uint64 key.

    Examples
    --------
    >>> event = StreamEvent(uuid.UUID(int=1), datetime(2025, 1, 1, tzinfo=UTC), "note",
    ...                     "experimental", uuid.UUID(int=2), {"x": 1}, HLCTimestamp(5, 1), 7)
    >>> event.to_dict()["hlc"], event.to_dict()["ts"]
    (327681, '2025-01-01T00:00:00+00:00')
    """

    id: uuid.UUID
    ts: datetime
    kind: str
    lane: str
    glyph_id: uuid.UUID
    payload: Mapping[str, Any]
    hlc: HLCTimestamp
    glyph_hash: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (ids and time as text, the HLC stamp packed).

        Returns
        -------
        record : dict
            Keys ``id``, ``ts``, ``kind``, ``lane``, ``glyph_id``, ``payload`` (a
            shallow copy), ``hlc`` and ``glyph_hash``.

        Examples
        --------
        >>> from lukhas.primitives.clock import HLCTimestamp
        >>> e = StreamEvent(uuid.UUID(int=1), datetime(2025, 1, 1, tzinfo=UTC), "note", "labs",
        ...                 uuid.UUID(int=2), {}, HLCTimestamp(1, 0), 0)
        >>> sorted(e.to_dict())
        ['glyph_hash', 'glyph_id', 'hlc', 'id', 'kind', 'lane', 'payload', 'ts']
        """
        return {
            "id": str(self.id),
            "ts": self.ts.isoformat(),
            "kind": self.kind,
            "lane": self.lane,
            "glyph_id": str(self.glyph_id),
            "payload": dict(self.payload),
            "hlc": int(self.hlc),
            "glyph_hash": self.glyph_hash,
        }


class EventStore:
    """Bounded, ordered store of stream events on a compiled :class:`~lukhas.primitives.ring.Ring`.

    The oldest event is evicted when a new one arrives at ``max_capacity``.

    Parameters
    ----------
    max_capacity : int
        Events kept at most, at least 1.

    Attributes
    ----------
    max_capacity : int
    events : Ring
        The events, oldest first (sized, iterable, indexable).

    Examples
    --------
    >>> store = EventStore(2)
    >>> store.max_capacity, len(store.events)
    (2, 0)
    """

    __slots__ = ("events", "max_capacity")

    def __init__(self, max_capacity: int) -> None:
        self.max_capacity = check_int("max_capacity", max_capacity, low=1)
        self.events = Ring(self.max_capacity)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[StreamEvent]:
        return iter(self.events)

    def append(self, event: StreamEvent) -> None:
        """Store ``event``, evicting the oldest when full.

        Parameters
        ----------
        event : StreamEvent

        Examples
        --------
        >>> store = EventStore(1)
        >>> store.append("x")
        Traceback (most recent call last):
        ...
        TypeError: `event` must be a StreamEvent, got 'x'.
        """
        if not isinstance(event, StreamEvent):
            raise TypeError(f"`event` must be a StreamEvent, got {describe(event)}.")
        self.events.push(event)

    def query_recent(
        self,
        limit: int = 100,
        kind: str | None = None,
        lane: str | None = None,
        since: datetime | None = None,
    ) -> list[StreamEvent]:
        """Return up to ``limit`` events, newest first, optionally filtered.

        Parameters
        ----------
        limit : int, default=100
            Most events returned.
        kind, lane : str or None, default=None
            Keep only events of this kind / lane.
        since : datetime or None, default=None
            Keep only events with ``ts >= since`` (aware datetimes).

        Returns
        -------
        events : list of StreamEvent

        Examples
        --------
        >>> EventStore(4).query_recent(limit=2, kind="consciousness_tick")
        []
        """
        n = check_int("limit", limit, low=0)
        if kind is None and lane is None and since is None:
            return self.events.latest(min(n, len(self.events)))[::-1]
        found: list[StreamEvent] = []
        for event in reversed(self.events.to_list()):
            if len(found) >= n:
                break
            if (
                (kind is None or event.kind == kind)
                and (lane is None or event.lane == lane)
                and (since is None or event.ts >= since)
            ):
                found.append(event)
        return found

    def window(
        self, seconds: float, *, kind: str | None = None, now: datetime | None = None
    ) -> list[StreamEvent]:
        """Return the events of the last ``seconds`` (sliding window), oldest first.

        Parameters
        ----------
        seconds : float
            Window length, >= 0.
        kind : str or None, default=None
            Keep only events of this kind.
        now : datetime or None, default=None
            End of the window (default: the current UTC time).

        Returns
        -------
        events : list of StreamEvent

        Examples
        --------
        >>> EventStore(4).window(60.0)
        []
        """
        length = check_real("seconds", seconds, low=0.0)
        start = (datetime.now(UTC) if now is None else now) - timedelta(seconds=length)
        return [
            e for e in self.events.to_list() if e.ts >= start and (kind is None or e.kind == kind)
        ]
