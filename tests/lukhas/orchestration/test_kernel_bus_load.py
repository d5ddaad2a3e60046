"""100,000 events through the kernel bus (and the streams): nothing lost, nothing reordered.

Direct delivery must hand every subscriber exactly the events its pattern
matches, in emission order.  Queued delivery under backpressure may lose events
only as ``DecimatingRing`` documents; the reference ring, driven by the same
posts and drains, predicts exactly which events arrive.  Two consciousness
streams on one bus produce 100,000 stream events: every bus subscriber hears
every message in order, each store keeps the head of its stream in order, and
each backpressure ring holds exactly what the reference ring predicts.
"""

from __future__ import annotations

import itertools
import random

import pytest

from core.consciousness_stream import StreamHub
from lukhas.orchestration.kernel_bus import BusEvent, KernelBus
from reference.kernel_bus_ref import ref_topic_matches
from reference.ring_ref import RefDecimatingRing

N_EVENTS = 100_000
TOPICS = ("mind.tick", "mind.dream.start", "memory.fold", "guardian.alert", "mind.dream.end")
PATTERNS = ("mind.#", "*.fold", "#", "mind.dream.*", "guardian.alert")

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_direct_delivery_of_100k_events_to_several_subscribers() -> None:
    bus = KernelBus(mode="live", history_capacity=64)
    received: dict[str, list[int]] = {p: [] for p in PATTERNS}
    for pattern in PATTERNS:
        bus.subscribe(pattern, lambda e, out=received[pattern]: out.append(e.payload["i"]))
    rng = random.Random(3)
    sent = [rng.choice(TOPICS) for _ in range(N_EVENTS)]
    for i, topic in enumerate(sent):
        bus.publish(topic, {"i": i})
    for pattern in PATTERNS:
        expected = [i for i, t in enumerate(sent) if ref_topic_matches(pattern, t)]
        assert received[pattern] == expected, pattern
    stats = bus.get_stats()
    assert stats["events_emitted"] == N_EVENTS
    assert stats["deliveries"] == sum(len(v) for v in received.values())
    assert stats["handler_failures"] == 0


@pytest.mark.parametrize("strategy", ["skip_nth", "adaptive", "keep_recent"])
def test_queued_delivery_loses_only_what_the_policy_documents(strategy: str) -> None:
    capacity, threshold, factor = 256, 0.75, 3
    bus = KernelBus(
        mode="live",
        history_capacity=16,
        queue_capacity=capacity,
        pressure_threshold=threshold,
        decimation_factor=factor,
        decimation_strategy=strategy,
    )
    ref = RefDecimatingRing(capacity, threshold, factor, strategy)
    delivered: list[list[int]] = [[], [], []]
    bus.subscribe("stream.#", lambda e: delivered[0].append(e.seq))
    bus.subscribe("stream.*", lambda e: delivered[1].append(e.seq), priority=2)

    def sometimes_fails(event: BusEvent) -> None:
        delivered[2].append(event.seq)
        if event.seq % 997 == 0:
            raise RuntimeError("transient")

    bus.subscribe("#", sometimes_fails)
    rng = random.Random(11)
    expected: list[int] = []
    posted = 0
    while posted < N_EVENTS:
        # Bursty producer, slower consumer: the queue comes under pressure often.
        for _ in range(min(rng.randint(1, 400), N_EVENTS - posted)):
            event_seq = posted  # the bus numbers events in creation order from 0
            bus.post("stream.data", {"n": posted})
            ref.push(event_seq)
            posted += 1
        n = rng.randint(0, 300)
        take = min(n, len(ref))
        expected.extend(ref.items[:take])
        del ref.items[:take]
        assert bus.drain(max_events=n) == take
    expected.extend(ref.items)
    bus.drain()

    for seqs in delivered:
        assert seqs == expected  # exactly the survivors, in post order
    assert all(a < b for a, b in itertools.pairwise(expected))
    stats = bus.get_stats()
    lost = stats["events_dropped"] + stats["events_decimated"]
    assert stats["events_posted"] == N_EVENTS
    assert stats["events_drained"] == len(expected)
    assert len(expected) + lost == N_EVENTS  # every event is delivered or counted as lost
    assert stats["events_dropped"] == ref.total_drops
    assert stats["backpressure"]["decimation_events"] == ref.decimation_events
    assert stats["handler_failures"] == sum(1 for s in expected if s % 997 == 0)
    assert len(bus.dead_letters()) == min(stats["handler_failures"], 1024)
    assert lost > 0  # the scenario really exercised the policy


def test_100k_stream_events_through_bus_and_streams() -> None:
    """Two streams on one bus, 25,000 ticks each: 100,000 stream events, 50,000 messages."""
    n_ticks, capacity = 25_000, 2_000
    bus = KernelBus(mode="live", history_capacity=16)
    heard: dict[str, list[tuple[int, int]]] = {"all": [], "topic": [], "prefix": []}
    patterns = {"all": "#", "topic": "consciousness.breakthrough", "prefix": "consciousness.*"}
    for key, pattern in patterns.items():

        def listen(event: BusEvent, out: list[tuple[int, int]] = heard[key]) -> None:
            out.append((event.payload["glyph_hash"], event.payload["tick_count"]))

        bus.subscribe(pattern, listen)
    hub = StreamHub(bus)
    streams = [hub.create_stream(store_capacity=capacity, backpressure_threshold=0.75,
                                 decimation_factor=3) for _ in range(2)]  # fmt: skip
    for t in range(n_ticks):
        for stream in streams:
            stream._on_consciousness_tick(t)

    expected_messages = [(s.glyph_hash, t) for t in range(n_ticks) for s in streams]
    for key, got in heard.items():
        assert got == expected_messages, key  # nothing lost or reordered on the bus
    kinds = ("consciousness_tick", "tick_processed")
    produced = [(t, kind) for t in range(n_ticks) for kind in kinds]
    in_store = int(capacity * 0.9)  # the store takes events until it is 90 % full
    for stream in streams:
        stored = [(e.payload["tick_count"], e.kind) for e in stream.event_store]
        assert stored == produced[:in_store]  # the store keeps the head, in order
        ref = RefDecimatingRing(capacity // 2, 0.75, 3, "skip_nth")
        for item in produced[in_store:]:
            ref.push(item)
        ring = stream.backpressure_ring
        assert ring is not None
        assert [(e.payload["tick_count"], e.kind) for e in ring.to_list()] == ref.items
        assert ring.total_drops == ref.total_drops
        assert stream.events_processed == in_store // 2  # the tick events among them
    assert hub.get_hub_metrics()["foreign_messages"] == 0
