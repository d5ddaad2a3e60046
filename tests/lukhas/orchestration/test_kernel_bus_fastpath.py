"""The exact-topic fast path of ``KernelBus.publish`` against a slow model of the bus.

The fast path calls a topic's precomputed handler tuple and counts one event per
route instead of one delivery per handler; everything a handler can do (raise,
return a value or an awaitable, subscribe or unsubscribe mid-delivery) must leave
the same calls, counters and dead letters as handler-by-handler delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.services.bus.kernel_bus import BusEvent, KernelBus, Subscription
from reference.kernel_bus_ref import RefSub, ref_route

PATTERNS = ["a", "a.b", "a.*", "a.#", "#", "b", "*.b"]
TOPICS = ["a", "a.b", "b", "a.c", "c.b"]
BEHAVIOURS = ["none", "value", "raise", "falsy"]


@dataclass
class Model:
    """The bus as the reference sees it: every delivery counted one by one."""

    subs: list[RefSub] = field(default_factory=list)
    behaviour: dict[int, str] = field(default_factory=dict)
    delivered: dict[int, int] = field(default_factory=dict)
    failed: dict[int, int] = field(default_factory=dict)
    calls: list[tuple[int, int]] = field(default_factory=list)  # (subscription seq, event seq)
    emitted: int = 0
    unrouted: int = 0
    letters: list[tuple[int, int]] = field(default_factory=list)

    def publish(self, seq: int, topic: str, live: bool) -> int:
        self.emitted += 1
        route = ref_route(self.subs, topic)
        if not route:
            self.unrouted += 1
        if not live:
            return 0
        ok = 0
        for sub in route:
            self.calls.append((sub.seq, seq))
            if self.behaviour[sub.seq] == "raise":
                self.failed[sub.seq] += 1
                self.letters.append((sub.seq, seq))
            else:
                self.delivered[sub.seq] += 1
                ok += 1
        return ok


def make_handler(
    behaviour: str, calls: list[tuple[int, int]], key: list[int]
) -> Callable[..., Any]:
    def handler(event: BusEvent) -> object:
        calls.append((key[0], event.seq))
        if behaviour == "raise":
            raise RuntimeError("boom")
        return {"none": None, "value": 7, "falsy": 0}[behaviour]

    return handler


ops = st.lists(
    st.one_of(
        st.tuples(st.just("sub"), st.sampled_from(PATTERNS), st.integers(-1, 1),
                  st.sampled_from(BEHAVIOURS)),
        st.tuples(st.just("unsub"), st.integers(0, 20)),
        st.tuples(st.just("pub"), st.sampled_from(TOPICS)),
        st.tuples(st.just("pub"), st.sampled_from(TOPICS)),
        st.tuples(st.just("mode"), st.sampled_from(["live", "dry_run"])),
    ),
    max_size=40,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(ops)
def test_publish_matches_the_one_by_one_model(script: list[tuple[Any, ...]]) -> None:
    bus = KernelBus(mode="live", dead_letter_capacity=10_000)
    model = Model()
    calls: list[tuple[int, int]] = []
    live_subs: list[tuple[Subscription, RefSub]] = []
    seq = 0
    for op in script:
        if op[0] == "sub":
            _, pattern, priority, behaviour = op
            key = [-1]
            sub = bus.subscribe(pattern, make_handler(behaviour, calls, key), priority)
            key[0] = sub.seq
            ref = RefSub(pattern, priority, sub.seq)
            model.subs.append(ref)
            model.behaviour[sub.seq] = behaviour
            model.delivered[sub.seq] = model.failed[sub.seq] = 0
            live_subs.append((sub, ref))
        elif op[0] == "unsub" and live_subs:
            sub, ref = live_subs.pop(op[1] % len(live_subs))
            assert bus.unsubscribe(sub)
            model.subs.remove(ref)
        elif op[0] == "pub":
            expected = model.publish(seq, op[1], bus.mode == "live")
            assert bus.publish(op[1], {"i": seq}) == expected
            seq += 1
        elif op[0] == "mode":
            bus.mode = op[1]
        # The counters are exact at every step, not only at the end.
        stats = bus.get_stats()
        assert stats["events_emitted"] == model.emitted
        assert stats["events_unrouted"] == model.unrouted
        assert stats["deliveries"] == sum(model.delivered.values())
        assert stats["handler_failures"] == sum(model.failed.values())
    assert calls == model.calls
    for sub, _ in live_subs:
        assert (sub.delivered, sub.failed) == (model.delivered[sub.seq], model.failed[sub.seq])
    letters = [(d.subscription.seq, d.event.seq) for d in bus.dead_letters()]
    assert letters == model.letters


def test_a_handler_that_unsubscribes_mid_delivery_keeps_exact_counts() -> None:
    bus = KernelBus(mode="live")
    seen: list[str] = []
    subs: list[Subscription] = []

    def first(event: BusEvent) -> None:
        seen.append("first")
        if event.seq == 1:
            bus.unsubscribe(subs[1])  # drops the plan while it is being delivered

    subs.append(bus.subscribe("t", first))
    subs.append(bus.subscribe("t", lambda e: seen.append("second")))
    assert [bus.publish("t", {}) for _ in range(3)] == [2, 2, 1]
    # The event being delivered still reaches the handler it routed to.
    assert seen == ["first", "second", "first", "second", "first"]
    assert (subs[0].delivered, subs[1].delivered) == (3, 2)
    assert bus.get_stats()["deliveries"] == 5


def test_a_failure_after_the_plan_was_dropped_is_taken_back() -> None:
    bus = KernelBus(mode="live")

    def subscriber(event: BusEvent) -> None:
        bus.subscribe("other", print)  # invalidates every plan, this one included

    ok = bus.subscribe("t", subscriber)
    bad = bus.subscribe("t", lambda e: 1 / 0, priority=-1)
    assert bus.publish("t", {}) == 1
    assert (ok.delivered, bad.delivered, bad.failed) == (1, 0, 1)
    stats = bus.get_stats()
    assert (stats["events_emitted"], stats["deliveries"], stats["handler_failures"]) == (1, 1, 1)


def test_base_exceptions_propagate_and_are_not_counted_as_deliveries() -> None:
    bus = KernelBus(mode="live")

    def interrupt(event: BusEvent) -> None:
        raise KeyboardInterrupt

    sub = bus.subscribe("t", interrupt)
    with pytest.raises(KeyboardInterrupt):
        bus.publish("t", {})
    assert sub.delivered == 0
    assert bus.get_stats()["deliveries"] == 0


def test_one_handler_subscribed_twice_is_called_twice() -> None:
    bus = KernelBus(mode="live")
    seen: list[BusEvent] = []
    handler = seen.append
    first, second = bus.subscribe("t", handler), bus.subscribe("t", handler)
    assert bus.publish("t", {}) == 2
    assert bus.publish("t", {}) == 2
    assert len(seen) == 4
    assert (first.delivered, second.delivered) == (2, 2)


def test_an_awaitable_mid_route_is_scheduled_and_the_rest_still_runs() -> None:
    bus = KernelBus(mode="live")
    order: list[str] = []

    async def later(event: BusEvent) -> None:
        order.append("async")

    bus.subscribe("t", lambda e: order.append("first"), priority=2)
    awaited = bus.subscribe("t", later, priority=1)
    bus.subscribe("t", lambda e: order.append("last"))

    async def main() -> int:
        delivered = bus.publish("t", {})
        await bus.join()
        return delivered

    assert asyncio.run(main()) == 2
    assert order == ["first", "last", "async"]
    assert awaited.delivered == 1
    assert bus.get_stats()["async_scheduled"] == 1


def test_dry_run_set_on_the_attribute_stops_the_fast_path() -> None:
    bus = KernelBus(mode="live")
    seen: list[int] = []
    bus.subscribe("t", lambda e: seen.append(e.seq))
    bus.publish("t", {})
    bus.mode = "dry_run"
    assert bus.publish("t", {}) == 0
    bus.configure({"mode": "live"})
    bus.publish("t", {})
    assert seen == [0, 2]
    assert bus.get_stats()["dry_run_skipped"] == 1
    with pytest.raises(ValueError, match="mode"):
        bus.mode = "loud"


def test_the_fast_path_journals_and_validates_like_the_general_one() -> None:
    bus = KernelBus(mode="live")
    got: list[BusEvent] = []
    bus.subscribe("t", got.append)
    bus.publish("t", {"x": 1}, source="tick")
    bus.publish("t", {"x": 2})
    assert [(e.payload["x"], e.source) for e in bus.recent_events()] == [(1, "tick"), (2, None)]
    assert got == bus.recent_events()
    with pytest.raises(TypeError, match="payload"):
        bus.publish("t", [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source"):
        bus.publish("t", {}, source=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wildcards"):
        bus.publish("t.*", {})
    assert len(got) == 2
