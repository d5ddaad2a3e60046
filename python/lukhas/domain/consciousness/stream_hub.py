"""Consciousness streams wired to the kernel bus and glyph ids (``core.consciousness_stream``).

:class:`ConsciousnessStream` and :func:`create_consciousness_stream` are the very
objects of :mod:`lukhas.domain.consciousness.stream` (re-exported, not copied).
:class:`StreamHub` adds the integration: several streams publish onto one
:class:`~lukhas.services.bus.kernel_bus.KernelBus`; each stream's glyph id is
interned in a :class:`~lukhas.primitives.glyphs.GlyphTable` and recognised on the
bus by its glyph hash; every message a stream publishes is merged into the
hybrid logical clocks of the others, so :meth:`StreamHub.merged_events` orders
the events of all streams consistently with what each could have seen.

Examples
--------
>>> hub = StreamHub()
>>> a = hub.create_stream(fps=10, store_capacity=100)
>>> b = hub.create_stream(fps=10, store_capacity=100)
>>> a._on_consciousness_tick(0)   # b hears a's tick through the bus ...
>>> b._on_consciousness_tick(0)   # ... so b's tick is stamped after it
>>> [e.glyph_id == a.glyph_id for e in hub.merged_events() if e.kind == "consciousness_tick"]
[True, False]
>>> hub.get_hub_metrics()["streams"][0]["messages"]
1
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from lukhas._validation import check_int, describe
from lukhas.domain.consciousness.stream import (
    ConsciousnessStream,
    StreamEvent,
    create_consciousness_stream,
)
from lukhas.primitives.clock import ClockDriftError
from lukhas.primitives.glyphs import GlyphTable
from lukhas.services.bus.kernel_bus import BusEvent, KernelBus

__all__ = ["ConsciousnessStream", "StreamHub", "create_consciousness_stream"]

logger = logging.getLogger(__name__)


class StreamHub:
    """Connects consciousness streams through one kernel bus.

    Parameters
    ----------
    bus : KernelBus or None, default=None
        The bus (default: a new live one).  The hub subscribes to
        ``"<prefix>.#"`` on it.
    prefix : str, default="consciousness"
        First topic word the streams' routers publish under.

    Attributes
    ----------
    bus : KernelBus
    glyphs : GlyphTable
        Stream glyph ids (as ``str``) interned to dense ids, in joining order.

    Examples
    --------
    >>> hub = StreamHub()
    >>> stream = hub.create_stream(fps=5)
    >>> hub.glyphs.glyph_of(0) == str(stream.glyph_id), hub.stream_of(stream.glyph_id) is stream
    (True, True)
    """

    def __init__(self, bus: KernelBus | None = None, *, prefix: str = "consciousness") -> None:
        if bus is not None and not isinstance(bus, KernelBus):
            raise TypeError(f"`bus` must be a KernelBus or None, got {describe(bus)}.")
        self.bus = KernelBus(mode="live") if bus is None else bus
        self.glyphs = GlyphTable()
        self._streams: list[ConsciousnessStream] = []
        self._by_hash: dict[int, int] = {}
        self._messages: list[int] = []
        self._foreign = 0
        self._drift_rejections = 0
        self._subscription = self.bus.subscribe(f"{prefix}.#", self._on_message, name="stream-hub")

    def add(self, stream: ConsciousnessStream) -> int:
        """Join ``stream`` to the hub; return its glyph-table id.

        A stream without a bus gets the hub's; one already on another bus is refused.

        Parameters
        ----------
        stream : ConsciousnessStream

        Returns
        -------
        glyph_index : int

        Raises
        ------
        TypeError
            If ``stream`` is not a :class:`ConsciousnessStream`.
        ValueError
            If it publishes to a different bus, or has already joined.

        Examples
        --------
        >>> hub = StreamHub()
        >>> hub.add(ConsciousnessStream()), hub.add(ConsciousnessStream())
        (0, 1)
        """
        if not isinstance(stream, ConsciousnessStream):
            raise TypeError(f"`stream` must be a ConsciousnessStream, got {describe(stream)}.")
        if stream.router.bus is not None and stream.router.bus is not self.bus:
            raise ValueError("`stream` already publishes to another KernelBus.")
        glyph = str(stream.glyph_id)
        if glyph in self.glyphs:
            raise ValueError(f"`stream` with glyph_id {glyph} has already joined this hub.")
        stream.router.bus = self.bus
        index = self.glyphs.add(glyph)
        self._streams.append(stream)
        self._messages.append(0)
        self._by_hash[stream.glyph_hash] = index
        return index

    def create_stream(self, **kwargs: Any) -> ConsciousnessStream:
        """Build a stream on the hub's bus (keywords as :class:`ConsciousnessStream`) and add it.

        Parameters
        ----------
        **kwargs
            Constructor arguments, except ``bus``.

        Returns
        -------
        stream : ConsciousnessStream

        Examples
        --------
        >>> StreamHub().create_stream(fps=12).ticker.fps
        12
        """
        stream = ConsciousnessStream(bus=self.bus, **kwargs)
        self.add(stream)
        return stream

    def stream_of(self, glyph_id: uuid.UUID | str) -> ConsciousnessStream:
        """Return the joined stream with this glyph id.

        Parameters
        ----------
        glyph_id : uuid.UUID or str

        Returns
        -------
        stream : ConsciousnessStream

        Raises
        ------
        KeyError
            If no such stream has joined.

        Examples
        --------
        >>> hub = StreamHub()
        >>> stream = hub.create_stream()
        >>> hub.stream_of(str(stream.glyph_id)) is stream
        True
        """
        glyph = str(glyph_id)
        if glyph not in self.glyphs:
            raise KeyError(f"no stream with glyph_id {glyph} has joined this hub.")
        return self._streams[int(self.glyphs.ids_of([glyph])[0])]

    def _on_message(self, event: BusEvent) -> None:
        index = self._by_hash.get(event.payload.get("glyph_hash", -1))
        if index is None:
            self._foreign += 1
            return
        self._messages[index] += 1
        stamp = event.payload.get("hlc")
        if stamp is None:
            return
        for i, stream in enumerate(self._streams):
            if i != index:
                try:
                    stream.observe_stamp(stamp)
                except ClockDriftError:
                    self._drift_rejections += 1
                    logger.warning("stream %s refused a stamp beyond its drift guard", i)

    def merged_events(self, limit: int = 1000) -> list[StreamEvent]:
        """Return the newest ``limit`` stored events of all streams, in HLC order.

        Ties (equal stamps from streams that never exchanged one) break by glyph hash.

        Parameters
        ----------
        limit : int, default=1000

        Returns
        -------
        events : list of StreamEvent
            Oldest first.

        Examples
        --------
        >>> hub = StreamHub()
        >>> a, b = hub.create_stream(), hub.create_stream()
        >>> b._on_consciousness_tick(0); a._on_consciousness_tick(1)
        >>> [e.payload["tick_count"] for e in hub.merged_events() if e.kind == "consciousness_tick"]
        [0, 1]
        """
        n = check_int("limit", limit, low=0)
        events = [e for stream in self._streams for e in stream.event_store]
        events.sort(key=lambda e: (int(e.hlc), e.glyph_hash))
        return events[len(events) - n :] if n else []

    def get_hub_metrics(self) -> dict[str, Any]:
        """Return per-stream message counts and the hub's counters.

        Returns
        -------
        metrics : dict
            ``streams`` (list of dicts: ``glyph_index``, ``glyph_id``, ``lane``,
            ``messages``, ``store_size``), ``foreign_messages`` (bus messages from
            streams not in the hub), ``drift_rejections`` and ``bus`` (its stats).

        Examples
        --------
        >>> hub = StreamHub()
        >>> _ = hub.create_stream()
        >>> m = hub.get_hub_metrics()
        >>> len(m["streams"]), m["foreign_messages"]
        (1, 0)
        """
        return {
            "streams": [
                {
                    "glyph_index": i,
                    "glyph_id": str(s.glyph_id),
                    "lane": s.lane,
                    "messages": self._messages[i],
                    "store_size": len(s.event_store),
                }
                for i, s in enumerate(self._streams)
            ],
            "foreign_messages": self._foreign,
            "drift_rejections": self._drift_rejections,
            "bus": self.bus.get_stats(),
        }

    def close(self) -> None:
        """Stop listening on the bus (the streams keep publishing to it).

        Examples
        --------
        >>> hub = StreamHub()
        >>> hub.close(); hub.bus.get_status()["subscriptions"]
        0
        """
        self.bus.unsubscribe(self._subscription)
