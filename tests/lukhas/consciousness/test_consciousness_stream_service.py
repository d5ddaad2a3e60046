"""lukhas.consciousness.consciousness_stream: the production stream service."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import ManualClock
from lukhas.consciousness.consciousness_stream import ConsciousnessStream
from lukhas.core.consciousness_stream import ConsciousnessStream as LiveStream
from lukhas.core.consciousness_stream import StreamEvent


def test_constructs_without_arguments_or_event_loop() -> None:
    service = ConsciousnessStream()
    assert isinstance(service.stream, LiveStream)
    state = service.get_current_state()
    assert (state["running"], state["tick_count"], state["last_event"]) == (False, 0, None)
    # The LUKHAS call surface works without an event loop (start: test_start_on_a_manual_clock...).
    assert service.tick()["last_event"]["kind"] == "tick_processed"
    kinds = [a["kind"] for a in service.get_recent_artifacts()]
    assert kinds == ["tick_processed", "consciousness_tick"]
    assert service.get_performance_stats()["persisted_events"] == 2
    service.reset_state()
    assert service.get_current_state()["store_size"] == 0
    service.stop()
    assert service.get_current_state()["running"] is False
    service.close()


def test_ticks_persist_to_sqlite_and_survive_the_ring(tmp_path: Path) -> None:
    db = tmp_path / "stream.sqlite"
    with ConsciousnessStream(store_capacity=20, db_path=db, flush_every=7) as service:
        for _ in range(30):
            service.tick()
        in_memory = len(service.stream.event_store) + len(service.stream.backpressure_ring or [])
        assert in_memory < 60  # the live stream shed load ...
        rows = service.query_events(limit=1000)
        assert len(rows) == 60  # ... but every event reached the database
        assert [r["hlc"] for r in rows] == sorted(r["hlc"] for r in rows)
        ticks = service.query_events(kind="consciousness_tick", limit=5)
        assert [r["payload"]["tick_count"] for r in ticks] == [25, 26, 27, 28, 29]
        future = datetime.now(UTC) + timedelta(minutes=1)
        assert service.query_events(since=future) == []
        glyph = str(service.stream.glyph_id)
    with sqlite3.connect(db) as con:
        kinds = dict(con.execute("SELECT kind, COUNT(*) FROM stream_events GROUP BY kind"))
    assert kinds == {"consciousness_tick": 30, "tick_processed": 30}
    reopened = ConsciousnessStream(db_path=db, glyph_id=uuid.UUID(glyph))
    assert len(reopened.query_events(limit=100)) == 60  # history outlives the process
    reopened.close()


def test_subscribers_receive_every_event_and_failures_are_isolated() -> None:
    service = ConsciousnessStream(db_path=None)
    seen: list[StreamEvent] = []

    def broken(event: StreamEvent) -> None:
        raise RuntimeError("subscriber bug")

    service.subscribe(broken)
    service.subscribe(seen.append)
    service.tick()
    assert [e.kind for e in seen] == ["consciousness_tick", "tick_processed"]
    stats = service.get_performance_stats()
    assert stats["subscriber_errors"] == 2 and stats["subscribers"] == 2
    service.unsubscribe(broken)
    service.tick()
    assert service.get_performance_stats()["subscriber_errors"] == 2
    with pytest.raises(TypeError, match="`callback` must be callable"):
        service.subscribe(3)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="persistence is off"):
        service.query_events()


def test_start_on_a_manual_clock_flushes_lifecycle_events() -> None:
    clock = ManualClock()
    service = ConsciousnessStream(fps=10, clock=clock.now, sleep=clock.sleep, flush_every=1000)
    service.start(duration_seconds=1)
    kinds = [r["kind"] for r in service.query_events(limit=1000)]
    assert kinds[0] == "stream_started" and kinds[-1] == "stream_stopped"
    assert kinds.count("consciousness_tick") == 10
    stats = service.get_performance_stats()
    assert stats["stream"]["tick_count"] == 9 and stats["flushes"] >= 1


def test_window_aggregates_and_artifacts() -> None:
    service = ConsciousnessStream(db_path=None)
    for _ in range(5):
        service.tick()
    service.stream.router.publish = lambda message: 1 / 0  # type: ignore[assignment]
    service.tick()
    agg = service.get_window_aggregates()
    assert agg["by_kind"] == {"consciousness_tick": 5, "tick_processed": 5, "processing_error": 1}
    assert agg["error_rate"] == pytest.approx(1 / 6)
    assert agg["processing_ms"]["max"] >= agg["processing_ms"]["p95"] >= 0.0
    assert agg["ticks_per_second"] >= 0.0
    artifacts = service.get_recent_artifacts(limit=3)
    assert artifacts[0]["kind"] == "processing_error" and len(artifacts) == 3
    assert service.get_window_aggregates(0)["events"] <= 1


def test_reset_state_starts_over_with_the_same_identity() -> None:
    service = ConsciousnessStream()
    seen: list[str] = []
    service.subscribe(lambda e: seen.append(e.kind))
    glyph = service.stream.glyph_id
    for _ in range(3):
        service.tick()
    old = service.stream
    service.reset_state()
    assert service.stream is not old and service.stream.glyph_id == glyph
    assert service.get_current_state()["tick_count"] == 0
    assert len(service.stream.event_store) == 0
    service.tick()
    assert seen.count("consciousness_tick") == 4  # subscribers carried over
    old._on_consciousness_tick(99)  # the old stream is detached from the service
    assert seen.count("consciousness_tick") == 4
    assert len(service.query_events(limit=100)) == 8


@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"flush_every": 0}, ValueError, "`flush_every` must be an int >= 1"),
        ({"window_seconds": 0}, ValueError, "`window_seconds` must be in"),
        ({"db_path": 3}, TypeError, "`db_path` must be a path"),
        ({"store_capacity": 1}, ValueError, "`store_capacity` must be an int >= 2"),
    ],
)
def test_arguments_are_validated(
    kwargs: dict[str, object], exc: type[Exception], fragment: str
) -> None:
    with pytest.raises(exc, match=fragment):
        ConsciousnessStream(**kwargs)  # type: ignore[arg-type]
