"""KernelBus: the LUKHAS contract, routing, priorities, isolation, dead letters, stats."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from lukhas.orchestration.kernel_bus import BusEvent, KernelBus
from lukhas.services.bus import kernel_bus


def live_bus(**kwargs: Any) -> KernelBus:
    return KernelBus(mode="live", **kwargs)


# -- contract ----------------------------------------------------------------------------
def test_new_bus_is_dry_run_and_emit_is_ok() -> None:
    bus = KernelBus()
    receipt = bus.emit("kernel.boot", {"stage": 1})
    assert receipt["ok"] is True
    status = bus.get_status()
    assert status["ok"] is True
    assert status["mode"] == "dry_run"


def test_orchestration_coverage_shapes() -> None:
    bus = KernelBus()
    assert bus.send_message(None)["ok"] is False  # does not raise
    assert bus.send_message({"event": "a.b", "payload": {"x": 1}})["ok"] is True
    bus.register_handler("a.b", lambda e: None)
    assert bus.configure({"mode": "live"})["mode"] == "live"
    seen: list[object] = []
    bus.subscribe("a.*", lambda e: seen.append(e.payload["x"]))
    assert bus.emit("a.b", {"x": 2})["delivered"] == 2  # the registered handler and this one
    assert seen == [2]
    assert kernel_bus.KernelBus is KernelBus


def test_dry_run_routes_and_counts_without_calling() -> None:
    bus = KernelBus()
    calls: list[BusEvent] = []
    bus.subscribe("memory.#", calls.append, name="recorder")
    receipt = bus.emit("memory.fold", {"n": 1})
    assert calls == []
    assert receipt["handlers"] == ["recorder"]
    assert (receipt["matched"], receipt["delivered"]) == (1, 0)
    assert bus.get_stats()["dry_run_skipped"] == 1
    assert [e.topic for e in bus.recent_events()] == ["memory.fold"]
    bus.configure({"mode": "live"})
    assert bus.emit("memory.fold")["delivered"] == 1
    assert len(calls) == 1


# -- routing and priority ------------------------------------------------------------------
def test_handlers_run_by_priority_then_subscription_order() -> None:
    bus = live_bus()
    order: list[str] = []
    for label, prio in [("a", 0), ("b", 5), ("c", 0), ("d", -3), ("e", 5)]:
        bus.subscribe("x.#", lambda e, label=label: order.append(label), priority=prio)
    bus.emit("x.y")
    assert order == ["b", "e", "a", "c", "d"]


def test_each_subscription_receives_the_same_event() -> None:
    bus = live_bus()
    seen: list[BusEvent] = []
    bus.subscribe("t.*", seen.append)
    bus.subscribe("#", seen.append)
    bus.emit("t.u", {"k": 1}, source="test")
    assert len(seen) == 2 and seen[0] is seen[1]
    event = seen[0]
    assert (event.topic, event.payload, event.source, event.seq) == ("t.u", {"k": 1}, "test", 0)
    assert event.ts.tzinfo is not None


def test_unsubscribe_stops_delivery_even_for_cached_routes() -> None:
    bus = live_bus()
    seen: list[int] = []
    sub = bus.subscribe("t", lambda e: seen.append(1))
    bus.emit("t")
    assert bus.unsubscribe(sub) is True
    bus.emit("t")
    assert seen == [1]
    assert bus.unsubscribe(sub) is False
    assert bus.get_status()["subscriptions"] == 0


def test_sequence_numbers_increase_across_all_paths() -> None:
    bus = live_bus()
    seen: list[int] = []
    bus.subscribe("#", lambda e: seen.append(e.seq))
    bus.emit("a")
    bus.publish("b")
    bus.post("c")
    bus.send_message({"topic": "d"})
    bus.drain()
    assert seen == [0, 1, 3, 2]  # 'c' was created third and delivered by the drain


def test_publish_returns_successful_deliveries() -> None:
    bus = live_bus()
    bus.subscribe("t", lambda e: None)
    bus.subscribe("t", lambda e: 1 / 0)
    assert bus.publish("t", {"a": 1}) == 1
    assert bus.publish("nobody") == 0
    stats = bus.get_stats()
    assert (stats["deliveries"], stats["handler_failures"], stats["events_unrouted"]) == (1, 1, 1)


# -- error isolation and dead letters -----------------------------------------------------
def test_failing_handler_never_breaks_delivery_to_others() -> None:
    bus = live_bus()
    seen: list[str] = []

    def boom(event: BusEvent) -> None:
        raise RuntimeError("handler bug")

    bus.subscribe("job.*", lambda e: seen.append("first"), priority=2)
    bus.subscribe("job.*", boom, priority=1)
    bus.subscribe("job.*", lambda e: seen.append("last"))
    receipt = bus.emit("job.done", {"id": 7})
    assert seen == ["first", "last"]
    assert (receipt["delivered"], receipt["failed"]) == (2, 1)
    [letter] = bus.dead_letters()
    assert letter.reason == "handler_error"
    assert letter.handler.endswith("boom")
    assert isinstance(letter.error, RuntimeError)
    assert letter.event.payload == {"id": 7}
    assert letter.subscription.failed == 1


def test_dead_letter_queue_is_bounded_and_counts_evictions() -> None:
    bus = live_bus(dead_letter_capacity=3)
    bus.subscribe("t", lambda e: 1 / 0)
    for i in range(5):
        bus.emit("t", {"i": i})
    assert [d.event.payload["i"] for d in bus.dead_letters()] == [2, 3, 4]
    stats = bus.get_stats()
    assert (stats["dead_letters_total"], stats["dead_letters_evicted"]) == (5, 2)
    assert len(bus.drain_dead_letters()) == 3
    assert bus.dead_letters() == []


def test_retry_redelivers_to_the_failed_handler_only() -> None:
    bus = live_bus()
    healthy: list[int] = []
    flaky_calls: list[int] = []
    failing = {"on": True}

    def flaky(event: BusEvent) -> None:
        flaky_calls.append(event.seq)
        if failing["on"]:
            raise ConnectionError("down")

    bus.subscribe("t", lambda e: healthy.append(e.seq))
    bus.subscribe("t", flaky)
    gone = bus.subscribe("t", lambda e: 1 / 0, name="removed")
    bus.emit("t")
    bus.emit("t")
    bus.unsubscribe(gone)
    assert bus.retry_dead_letters() == 0  # still failing: back in the queue
    assert [d.handler.rsplit(".", 1)[-1] for d in bus.dead_letters()] == ["flaky", "flaky"]
    failing["on"] = False
    assert bus.retry_dead_letters() == 2
    assert bus.dead_letters() == []
    assert healthy == [0, 1]  # never re-run
    assert flaky_calls == [0, 1, 0, 1, 0, 1]


def test_retry_in_dry_run_keeps_nothing_and_calls_nothing() -> None:
    bus = live_bus()
    bus.subscribe("t", lambda e: 1 / 0)
    bus.emit("t")
    bus.configure({"mode": "dry_run"})
    assert bus.retry_dead_letters() == 0
    assert bus.get_stats()["handler_failures"] == 1


# -- LUKHAS message shapes ----------------------------------------------------------------
@pytest.mark.parametrize(
    "msg",
    [
        {"topic": "a.b", "payload": {"v": 1}},
        {"event_name": "a.b", "data": {"v": 1}},
        {"type": "a.b", "payload": {"v": 1}},
        SimpleNamespace(topic="a.b", payload={"v": 1}),
    ],
)
def test_send_message_accepts_lukhas_shapes(msg: object) -> None:
    bus = live_bus()
    seen: list[BusEvent] = []
    bus.subscribe("a.b", seen.append)
    assert bus.send_message(msg)["delivered"] == 1
    assert seen[0].payload == {"v": 1}


@pytest.mark.parametrize(
    ("msg", "fragment"),
    [
        (None, "the message names no topic, got None"),
        ({"payload": {}}, "names no topic"),
        ({"topic": 5}, "`event_name` must be a str"),
        ({"topic": "a.*"}, "cannot contain the wildcards"),
        ({"topic": "a", "payload": [1, 2]}, "`payload` must be a Mapping"),
    ],
)
def test_send_message_refuses_malformed_messages(msg: object, fragment: str) -> None:
    bus = live_bus()
    receipt = bus.send_message(msg)
    assert receipt["ok"] is False
    assert fragment in receipt["error"]
    assert bus.get_stats()["messages_rejected"] == 1


# -- validation at the boundary -----------------------------------------------------------
def test_constructor_and_configure_validate() -> None:
    with pytest.raises(ValueError, match="`mode` must be one of"):
        KernelBus(mode="fast")
    with pytest.raises(ValueError, match="`queue_capacity` must be an int >= 2, got 1"):
        KernelBus(queue_capacity=1)
    with pytest.raises(ValueError, match="`handler_timeout` must be in"):
        KernelBus(handler_timeout=0)
    with pytest.raises(ValueError, match="`decimation_strategy` must be one of"):
        KernelBus(decimation_strategy="random")
    bus = KernelBus()
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['speed'\]"):
        bus.configure({"mode": "live", "speed": 2})
    with pytest.raises(ValueError, match="`mode` must be one of"):
        bus.configure({"mode": "turbo", "handler_timeout": 1.0})
    assert bus.mode == "dry_run" and bus.handler_timeout is None  # nothing half-applied
    with pytest.raises(TypeError, match="`options` must be a Mapping"):
        bus.configure("live")  # type: ignore[arg-type]


def test_subscribe_and_emit_validate() -> None:
    bus = KernelBus()
    with pytest.raises(TypeError, match="`handler` must be callable, got 3"):
        bus.subscribe("t", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`priority` must be an int, got 1\.5"):
        bus.subscribe("t", print, priority=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`name` must be a str or None"):
        bus.subscribe("t", print, name=7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`subscription` must be a Subscription"):
        bus.unsubscribe("t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot contain the wildcards"):
        bus.emit("t.*")
    with pytest.raises(TypeError, match="`payload` must be a Mapping or None, got 'x'"):
        bus.publish("t", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`source` must be a str or None"):
        bus.post("t", source=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`topic` must be non-empty"):
        bus.post("")
    with pytest.raises(ValueError, match="`max_events` must be an int >= 0"):
        bus.drain(-1)
    assert bus.get_stats()["events_emitted"] == 0  # rejected events leave no trace


def test_history_is_bounded_and_optional() -> None:
    bus = KernelBus(history_capacity=2)
    for t in ("a", "b", "c"):
        bus.emit(t)
    assert [e.topic for e in bus.recent_events()] == ["b", "c"]
    assert [e.topic for e in bus.recent_events(1)] == ["c"]
    assert [e.topic for e in bus.recent_events(10)] == ["b", "c"]
    silent = KernelBus(history_capacity=0)
    silent.emit("a")
    assert silent.recent_events() == []


def test_stats_and_status_keys() -> None:
    bus = live_bus()
    stats = bus.get_stats()
    assert set(stats) >= {
        "events_emitted", "events_unrouted", "deliveries", "handler_failures",
        "dry_run_skipped", "async_scheduled", "events_posted", "events_dropped",
        "events_decimated", "events_drained", "queued", "dead_letters_total",
        "dead_letters_evicted", "messages_rejected", "pending_async", "backpressure",
    }  # fmt: skip
    assert len(stats["backpressure"]) == 11
    assert "KernelBus(mode='live'" in repr(bus)
