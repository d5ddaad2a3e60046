"""core.consciousness_stream.StreamHub: streams on one bus, glyph ids, causal merge."""

from __future__ import annotations

import uuid

import pytest

from candidate.core.symbolic.symbolic_glyph_hash import glyph_hash
from core.consciousness_stream import ConsciousnessStream, StreamHub
from lukhas.orchestration.kernel_bus import KernelBus


def test_streams_join_with_interned_glyph_ids() -> None:
    hub = StreamHub()
    a = hub.create_stream(fps=10)
    b = ConsciousnessStream(fps=10)
    assert hub.add(b) == 1
    assert b.router.bus is hub.bus
    assert [hub.glyphs.glyph_of(i) for i in (0, 1)] == [str(a.glyph_id), str(b.glyph_id)]
    assert hub.stream_of(b.glyph_id) is b and hub.stream_of(str(a.glyph_id)) is a
    assert a.glyph_hash == glyph_hash(str(a.glyph_id))
    with pytest.raises(KeyError, match="no stream with glyph_id"):
        hub.stream_of(uuid.uuid4())
    with pytest.raises(ValueError, match="has already joined"):
        hub.add(a)
    with pytest.raises(ValueError, match="another KernelBus"):
        hub.add(ConsciousnessStream(bus=KernelBus(mode="live")))
    with pytest.raises(TypeError, match="`stream` must be a ConsciousnessStream"):
        hub.add("stream")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`bus` must be a KernelBus or None"):
        StreamHub(bus="bus")  # type: ignore[arg-type]


def test_merge_respects_what_each_stream_heard() -> None:
    hub = StreamHub()
    streams = [hub.create_stream(store_capacity=1000) for _ in range(3)]
    order = [0, 1, 2, 1, 0, 2, 2, 0, 1] * 5
    for step, i in enumerate(order):
        streams[i]._on_consciousness_tick(step)
    merged = hub.merged_events(limit=10_000)
    ticks = [e for e in merged if e.kind == "consciousness_tick"]
    # Every tick was published (heard by the others) before the next tick was made,
    # so the HLC merge reproduces the global order exactly.
    assert [e.payload["tick_count"] for e in ticks] == list(range(len(order)))
    assert [streams.index(hub.stream_of(e.glyph_id)) for e in ticks] == order
    hlcs = [int(e.hlc) for e in merged]
    assert hlcs == sorted(hlcs)
    assert len(hub.merged_events(limit=5)) == 5 and hub.merged_events(limit=0) == []
    metrics = hub.get_hub_metrics()
    assert [s["messages"] for s in metrics["streams"]] == [order.count(i) for i in range(3)]
    assert metrics["foreign_messages"] == 0 and metrics["drift_rejections"] == 0


def test_foreign_publishers_are_counted_and_close_detaches() -> None:
    bus = KernelBus(mode="live")
    hub = StreamHub(bus)
    outsider = ConsciousnessStream(bus=bus)
    outsider._on_consciousness_tick(0)
    bus.emit("consciousness.note", {"text": "hello"})
    assert hub.get_hub_metrics()["foreign_messages"] == 2
    hub.close()
    outsider._on_consciousness_tick(1)
    assert hub.get_hub_metrics()["foreign_messages"] == 2
