"""The consciousness stream against the LUKHAS contract, through both import paths."""

from __future__ import annotations

import importlib
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

import core.consciousness_stream as core_path
import lukhas.core.consciousness_stream as lukhas_path
from core.clock import ManualClock, Ticker
from lukhas.core.ring import DecimatingRing
from lukhas.orchestration.kernel_bus import BusEvent, KernelBus

METRIC_KEYS = {
    "running", "lane", "glyph_id", "tick_count", "events_processed", "store_size",
    "store_capacity", "router_logs", "ticker_metrics", "breakthroughs_per_min", "tick_p95_ms",
    "drift_ema", "total_breakthroughs", "avg_tick_processing_ms", "backpressure_enabled",
    "backpressure_stats",
}  # fmt: skip


@pytest.fixture(params=["lukhas.core.consciousness_stream", "core.consciousness_stream"])
def mod(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("LUKHAS_LANE", "experimental")
    return importlib.import_module(request.param)


def ticks(stream: Any, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        stream._on_consciousness_tick(i)


def kinds(events: list[Any]) -> Counter[str]:
    return Counter(e.kind for e in events)


def test_both_paths_expose_one_class_and_factory() -> None:
    assert core_path.ConsciousnessStream is lukhas_path.ConsciousnessStream
    assert core_path.create_consciousness_stream is lukhas_path.create_consciousness_stream


# -- construction (R1, R11, R14, R15, core R1-R2) ------------------------------------------
def test_defaults(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(fps=10, store_capacity=100)
    assert stream.lane == "experimental"
    assert stream.ticker.fps == 10 and isinstance(stream.ticker, Ticker)
    assert stream.event_store.max_capacity == 100
    assert (stream.running, stream.tick_count, stream.events_processed) == (False, 0, 0)
    assert isinstance(stream.glyph_id, uuid.UUID)
    assert stream._on_consciousness_tick in stream.ticker.subscribers
    ring = stream.backpressure_ring
    assert isinstance(ring, DecimatingRing) and ring.capacity == 50
    assert (ring.pressure_threshold, ring.decimation_factor, ring.decimation_strategy) == (
        0.8, 2, "skip_nth"
    )  # fmt: skip
    assert stream._tick_processing_times.maxlen == 100
    assert stream._breakthrough_timestamps.maxlen == 1000
    default = mod.ConsciousnessStream()
    assert (default.ticker.fps, default.event_store.max_capacity) == (30, 10000)
    u = uuid.uuid4()
    assert mod.ConsciousnessStream(glyph_id=u).glyph_id == u


def test_factory_forwards_keywords(mod: ModuleType) -> None:
    stream = mod.create_consciousness_stream(fps=15, store_capacity=200, enable_backpressure=False)
    assert isinstance(stream, mod.ConsciousnessStream)
    assert (stream.ticker.fps, stream.event_store.max_capacity) == (15, 200)
    assert stream.backpressure_ring is None


def test_router_start_and_parts(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream()
    assert not stream.router.running
    stream.router.start()
    assert stream.router.running
    assert stream.ticker is not None and stream.event_store is not None


@pytest.mark.parametrize("lane", ["candidate", "labs"])
def test_lane_is_read_at_construction_and_carried(
    mod: ModuleType, monkeypatch: pytest.MonkeyPatch, lane: str
) -> None:
    monkeypatch.setenv("LUKHAS_LANE", lane)
    stream = mod.ConsciousnessStream()
    monkeypatch.setenv("LUKHAS_LANE", "other")
    ticks(stream, 3)
    assert stream.lane == lane
    assert {e.lane for e in stream.get_recent_events()} == {lane}
    assert {e["data"]["lane"] for e in stream._router_logs} == {lane}


# -- one tick (R2, R4, R5) --------------------------------------------------------------------
def test_one_tick(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(fps=30)
    stream._on_consciousness_tick(42)
    events = stream.get_recent_events()
    assert kinds(events) == {"consciousness_tick": 1, "tick_processed": 1}
    tick = next(e for e in events if e.kind == "consciousness_tick")
    assert (tick.lane, tick.glyph_id) == ("experimental", stream.glyph_id)
    assert tick.payload == {
        "tick_count": 42, "fps": 30, "stream_id": str(stream.glyph_id), "processing_time": None
    }  # fmt: skip
    done = next(e for e in events if e.kind == "tick_processed")
    assert {"processing_duration_ms", "events_in_store", "router_logs_count", "drift_ema"} <= set(
        done.payload
    )
    assert isinstance(tick.id, uuid.UUID) and tick.ts.tzinfo is not None
    assert tick.hlc < done.hlc
    assert tick.to_dict()["glyph_id"] == str(stream.glyph_id)
    [log] = stream._router_logs
    assert log["type"] == "router.publish"
    assert (log["data"]["topic"], log["data"]["lane"]) == ("breakthrough", "experimental")
    assert stream.tick_count == 42


def test_failing_publish_is_recorded_not_raised(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream()

    def broken(message: object) -> None:
        raise ValueError("Test error")

    stream.router.publish = broken
    stream._on_consciousness_tick(7)
    [error] = stream.get_recent_events()
    assert error.kind == "processing_error"
    assert error.payload["tick_count"] == 7 and "Test error" in error.payload["error"]
    assert error.payload["error_type"] == "ValueError"
    assert stream.events_processed == 0


# -- metrics (R6, R9, R11, R22) ------------------------------------------------------------------
def test_metrics_have_exactly_the_contract_keys(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=500)
    stream.tick_count, stream.events_processed = 17, 9
    metrics = stream.get_stream_metrics()
    assert set(metrics) == METRIC_KEYS
    assert (metrics["tick_count"], metrics["events_processed"]) == (17, 9)
    assert (metrics["store_capacity"], metrics["lane"]) == (500, "experimental")
    assert len(metrics["backpressure_stats"]) == 11
    disabled = mod.ConsciousnessStream(enable_backpressure=False).get_stream_metrics()
    assert disabled["backpressure_enabled"] is False
    assert disabled["backpressure_stats"]["decimation_strategy"] == "disabled"
    assert set(disabled["backpressure_stats"]) == set(metrics["backpressure_stats"])


def test_metrics_after_many_ticks(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=1000)
    t0 = time.perf_counter()
    ticks(stream, 10)
    assert time.perf_counter() - t0 < 0.1  # R8 (generous on a loaded machine too)
    ticks(stream, 50, start=10)
    m = stream.get_stream_metrics()
    assert len(stream._tick_processing_times) == 60 and m["tick_count"] == 59
    for key in ("breakthroughs_per_min", "tick_p95_ms", "drift_ema", "total_breakthroughs",
                "avg_tick_processing_ms"):  # fmt: skip
        assert m[key] >= 0
    assert m["drift_ema"] < 0.1 and m["tick_p95_ms"] < 50 and m["avg_tick_processing_ms"] < 10
    assert m["events_processed"] == 60 and m["store_size"] == 120
    assert m["router_logs"] == 60


def test_breakthrough_needs_a_slow_tick_and_an_absolute_margin(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream()
    for ms in [0.01] * 11:
        stream._record_timing(ms / 1e3)
    stream._record_timing(0.5 / 1e3)  # 50x the mean but only 0.5 ms: jitter, not a breakthrough
    assert len(stream._breakthrough_timestamps) == 0
    stream._record_timing(5.0 / 1e3)
    assert len(stream._breakthrough_timestamps) == 1
    assert stream.get_stream_metrics()["breakthroughs_per_min"] == 1


# -- queries (R7, R25, R27) --------------------------------------------------------------------
def test_recent_and_replay(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream()
    ticks(stream, 50)
    assert len(stream.get_recent_events(limit=3)) == 3
    recent = stream.get_recent_events(limit=1000)
    assert [e.hlc for e in recent] == sorted((e.hlc for e in recent), reverse=True)
    replay = stream.replay_events(since_minutes=1)
    assert 90 <= len(replay) <= 130
    assert [e.ts for e in replay] == sorted(e.ts for e in replay)
    assert {e.lane for e in replay} == {"experimental"}
    assert {e.glyph_id for e in replay} == {stream.glyph_id}
    cutoff = datetime.now(UTC)
    assert all(e.ts >= cutoff for e in stream.replay_events(since_minutes=0))


def test_replay_is_capped_at_the_newest_1000(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=2000)
    ticks(stream, 600)
    replay = stream.replay_events()
    assert len(replay) == 1000
    assert replay[-1].payload["tick_count"] == 599


def test_event_store_queries() -> None:
    stream = lukhas_path.ConsciousnessStream()
    ticks(stream, 5)
    store = stream.event_store
    only_ticks = store.query_recent(limit=10, kind="consciousness_tick")
    assert [e.payload["tick_count"] for e in only_ticks] == [4, 3, 2, 1, 0]
    assert store.query_recent(lane="nobody") == []
    since = only_ticks[1].ts
    assert all(e.ts >= since for e in store.query_recent(since=since))
    assert len(store.window(60.0, kind="tick_processed")) == 5
    with pytest.raises(TypeError, match="`event` must be a StreamEvent"):
        store.append({"kind": "x"})  # type: ignore[arg-type]


# -- backpressure (R10, R12, R13, R17, R21, R28) -------------------------------------------------
def test_backpressure_engages_near_capacity(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(
        store_capacity=10, enable_backpressure=True, backpressure_threshold=0.8, decimation_factor=2
    )
    ticks(stream, 25)
    m = stream.get_stream_metrics()
    stats = m["backpressure_stats"]
    assert m["backpressure_enabled"] is True
    assert stats["total_pushes"] > 0 and stats["drop_rate"] >= 0
    assert m["store_size"] >= m["store_capacity"] - 2


@pytest.mark.parametrize("strategy", ["skip_nth", "keep_recent", "adaptive"])
def test_each_strategy_is_used(mod: ModuleType, strategy: str) -> None:
    stream = mod.ConsciousnessStream(
        store_capacity=5, backpressure_threshold=0.6, decimation_strategy=strategy
    )
    ticks(stream, 20)
    stats = stream.get_stream_metrics()["backpressure_stats"]
    assert stats["decimation_strategy"] == strategy and stats["total_pushes"] > 0


def test_no_drops_with_room(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=1000)
    ticks(stream, 50)
    m = stream.get_stream_metrics()
    assert m["backpressure_stats"]["total_drops"] == 0
    assert m["backpressure_stats"]["drop_rate"] == 0.0
    assert m["store_size"] <= 2 * m["events_processed"]


def test_continuity_under_pressure(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=500)
    ticks(stream, 100)
    m = stream.get_stream_metrics()
    kept = m["store_size"] + m["backpressure_stats"]["current_size"]
    assert kept / (2 * m["events_processed"]) >= 0.8
    tight = mod.ConsciousnessStream(store_capacity=50, backpressure_threshold=0.6)
    ticks(tight, 200)
    m = tight.get_stream_metrics()
    stats = m["backpressure_stats"]
    assert m["store_size"] <= m["store_capacity"]
    assert stats["total_drops"] > 0 or stats["decimation_events"] > 0
    assert stats["drop_rate"] < 0.5


def test_bounded_sequences(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=1000)
    for i in range(250):
        stream._on_consciousness_tick(i)
        assert len(stream.event_store.events) <= 1000
    assert len(stream._tick_processing_times) == 100
    assert len(stream._breakthrough_timestamps) <= 1000


# -- continuity with errors (R16, R19, R20, R23) --------------------------------------------------
def test_fifty_ticks_fifty_publishes(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream()
    ticks(stream, 50)
    publishes = [e for e in stream._router_logs if e["type"] == "router.publish"]
    assert len(publishes) == 50
    assert {(e["data"]["topic"], e["data"]["lane"]) for e in publishes} == {
        ("breakthrough", "experimental")
    }


def test_recovery_after_failing_publishes(mod: ModuleType) -> None:
    stream = mod.ConsciousnessStream(store_capacity=100)
    ticks(stream, 20)
    before = stream.events_processed
    original = stream.router.publish
    failures = {"left": 5}

    def flaky(message: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("router down")
        original(message)

    stream.router.publish = flaky
    ticks(stream, 20, start=20)
    assert stream.events_processed - before >= 15
    errors = [e for e in stream.get_recent_events(100) if e.kind == "processing_error"]
    assert len(errors) >= 5


def test_two_lanes_side_by_side(mod: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    streams = []
    for lane in ("experimental", "candidate"):
        monkeypatch.setenv("LUKHAS_LANE", lane)
        stream = mod.ConsciousnessStream(store_capacity=100)
        ticks(stream, 30)
        streams.append(stream)
    for stream in streams:
        assert len(stream.get_recent_events()) >= 0.8 * 2 * stream.events_processed
    assert [s.get_stream_metrics()["lane"] for s in streams] == ["experimental", "candidate"]


# -- running on the ticker (R3, R24) with a manual clock ----------------------------------
def test_start_runs_for_the_duration_and_stops(mod: ModuleType) -> None:
    clock = ManualClock()
    stream = mod.ConsciousnessStream(fps=30, clock=clock.now, sleep=clock.sleep)
    stream.start(duration_seconds=2)
    events = stream.get_recent_events(limit=1000)
    counts = kinds(events)
    assert stream.running is False and 50 <= stream.tick_count <= 60
    assert 50 <= counts["consciousness_tick"] <= 60 and 50 <= counts["tick_processed"] <= 60
    assert counts["stream_started"] == 1 and counts["stream_stopped"] == 1
    assert events[0].kind == "stream_stopped"
    assert events[0].payload["final_tick_count"] == stream.tick_count
    assert stream.router.running
    assert stream.get_stream_metrics()["ticker_metrics"]["ticks_processed"] == 60


def test_start_for_one_second_at_10_fps(mod: ModuleType) -> None:
    clock = ManualClock()
    stream = mod.ConsciousnessStream(fps=10, clock=clock.now, sleep=clock.sleep)
    stream.start(duration_seconds=1)
    m = stream.get_stream_metrics()
    assert m["tick_count"] >= 2 and m["events_processed"] >= 2 and m["store_size"] >= 4
    assert {"stream_started", "consciousness_tick", "tick_processed", "stream_stopped"} <= set(
        kinds(stream.get_recent_events())
    )
    stream.stop()  # not running any more: no second stopped event
    assert kinds(stream.get_recent_events())["stream_stopped"] == 1


# -- the bus ------------------------------------------------------------------------------------
def test_router_forwards_to_a_bus(mod: ModuleType) -> None:
    bus = KernelBus(mode="live")
    seen: list[BusEvent] = []
    bus.subscribe("consciousness.breakthrough", seen.append)
    stream = mod.ConsciousnessStream(bus=bus)
    ticks(stream, 3)
    assert [e.payload["tick_count"] for e in seen] == [0, 1, 2]
    assert {e.source for e in seen} == {"experimental"}
    assert seen[0].payload["glyph_hash"] == stream.glyph_hash
    tick = stream.get_recent_events(limit=100)[-1]
    assert seen[0].payload["hlc"] == int(tick.hlc)


# -- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"glyph_id": "abc"}, TypeError, "`glyph_id` must be a uuid.UUID or None"),
        ({"store_capacity": 1}, ValueError, "`store_capacity` must be an int >= 2, got 1"),
        ({"backpressure_threshold": 0.0}, ValueError, "`backpressure_threshold` must be in"),
        ({"decimation_factor": 1}, ValueError, "`decimation_factor` must be an int >= 2"),
        ({"decimation_strategy": "lifo"}, ValueError, "`decimation_strategy` must be one of"),
        ({"enable_backpressure": 1}, TypeError, "`enable_backpressure` must be a bool"),
        ({"fps": 0}, ValueError, "`fps` must be an int in"),
        ({"bus": object()}, TypeError, "`bus` must be a KernelBus or None"),
    ],
)
def test_constructor_validates(kwargs: dict[str, Any], exc: type[Exception], fragment: str) -> None:
    with pytest.raises(exc, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        lukhas_path.ConsciousnessStream(**kwargs)


def test_router_refuses_foreign_messages() -> None:
    stream = lukhas_path.ConsciousnessStream()
    with pytest.raises(TypeError, match="`message` must be a RouterMessage"):
        stream.router.publish({"topic": "x"})


def test_listeners_see_every_recorded_event_and_cannot_break_the_stream() -> None:
    stream = lukhas_path.ConsciousnessStream(store_capacity=4)
    seen: list[str] = []

    def broken(event: Any) -> None:
        raise RuntimeError("listener bug")

    stream.add_listener(broken)
    stream.add_listener(lambda e: seen.append(e.kind))
    ticks(stream, 3)  # the store fills: later events go to the ring, listeners still see them
    assert seen == ["consciousness_tick", "tick_processed"] * 3
    assert stream.listener_errors == 6
    assert stream.events_processed == 2  # only ticks that reached the store count
    assert kinds(stream.get_recent_events()) == {"consciousness_tick": 2, "tick_processed": 2}
    stream.remove_listener(broken)
    stream.remove_listener(broken)  # unknown: ignored
    ticks(stream, 1, start=3)
    assert stream.listener_errors == 6
    with pytest.raises(TypeError, match="`listener` must be callable"):
        stream.add_listener(None)  # type: ignore[arg-type]
