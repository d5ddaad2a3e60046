"""The live consciousness event stream.

A :class:`ConsciousnessStream` turns the ticks of a :class:`lukhas.primitives.clock.Ticker`
into typed :class:`StreamEvent` records (lane, glyph id, HLC stamp, glyph hash),
publishes one router message per tick (logged, and forwarded to a
:class:`~lukhas.services.bus.kernel_bus.KernelBus` when given one), keeps
recent history in a compiled ring (:class:`EventStore`) and, under pressure,
sheds load through a :class:`~lukhas.primitives.ring.DecimatingRing`.  It offers
replay, recent-event queries and the contract's 16 stream metrics.

Examples
--------
>>> from lukhas.domain.consciousness.stream import create_consciousness_stream
>>> stream = create_consciousness_stream(fps=10, store_capacity=100)
>>> for n in range(5):
...     stream._on_consciousness_tick(n)
>>> metrics = stream.get_stream_metrics()
>>> metrics["tick_count"], metrics["events_processed"], metrics["store_size"]
(4, 5, 10)
"""

from __future__ import annotations

from lukhas.domain.consciousness.stream._events import EventStore, StreamEvent
from lukhas.domain.consciousness.stream._router import RouterMessage, StreamRouter
from lukhas.domain.consciousness.stream._stream import (
    STORE_PRESSURE,
    ConsciousnessStream,
    create_consciousness_stream,
)

__all__ = [
    "STORE_PRESSURE",
    "ConsciousnessStream",
    "EventStore",
    "RouterMessage",
    "StreamEvent",
    "StreamRouter",
    "create_consciousness_stream",
]


def __dir__() -> list[str]:
    return list(__all__)
