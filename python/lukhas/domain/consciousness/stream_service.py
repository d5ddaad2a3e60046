"""The production consciousness stream service: subscribers, SQLite persistence, windows.

:class:`ConsciousnessStream` here is the service LUKHAS's MATRIZ code drives
(``start``, ``stop``, ``tick``, ``get_current_state``, ``get_recent_artifacts``,
``get_performance_stats``, ``reset_state``).  It runs on the live stream of
:mod:`lukhas.domain.consciousness.stream` (held in :attr:`ConsciousnessStream.stream`)
and adds what a long-running service needs:

* **Subscribers**: callables that receive every event the stream records.
* **Persistence**: events are written to SQLite (WAL mode, batched inserts) so
  history outlives the in-memory ring; :meth:`ConsciousnessStream.query_events`
  reads it back.  ``db_path=":memory:"`` (the default) keeps the database in
  memory; ``None`` turns persistence off.
* **Windowed aggregates**: per-kind counts, tick rate, processing-time statistics
  and error rate over a sliding window.

Construction needs no event loop and no arguments.

Examples
--------
>>> service = ConsciousnessStream(fps=20)
>>> for _ in range(3):
...     state = service.tick()
>>> state["tick_count"], service.get_performance_stats()["persisted_events"]
(2, 6)
>>> [a["kind"] for a in service.get_recent_artifacts(limit=2)]
['tick_processed', 'consciousness_tick']
>>> service.close()
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lukhas._validation import check_int, check_real, describe
from lukhas.domain.consciousness.stream import ConsciousnessStream as LiveStream
from lukhas.domain.consciousness.stream import StreamEvent

__all__ = ["ConsciousnessStream"]

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stream_events (
    id TEXT PRIMARY KEY,
    hlc INTEGER NOT NULL,
    ts TEXT NOT NULL,
    kind TEXT NOT NULL,
    lane TEXT NOT NULL,
    glyph_id TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_events_kind_hlc ON stream_events (kind, hlc);
CREATE INDEX IF NOT EXISTS stream_events_hlc ON stream_events (hlc);
"""

Subscriber = Callable[[StreamEvent], object]


class ConsciousnessStream:
    """Consciousness stream service over the live stream, with persistence and aggregates.

    Parameters
    ----------
    fps : int, default=30
        Tick rate of the live stream.
    store_capacity : int, default=10000
        In-memory events kept by the live stream.
    db_path : str or os.PathLike or None, default=":memory:"
        SQLite database for the event history (None: no persistence).
    flush_every : int, default=256
        Events buffered before a batched insert (also flushed on stop, reset,
        queries and close).
    window_seconds : float, default=60.0
        Default window of :meth:`get_window_aggregates`.
    **stream_kwargs
        Passed to :class:`lukhas.domain.consciousness.stream.ConsciousnessStream`
        (``glyph_id``, backpressure settings, ``bus``, ``clock``, ``sleep``).

    Attributes
    ----------
    stream : lukhas.domain.consciousness.stream.ConsciousnessStream
        The live stream (replaced by :meth:`reset_state`).

    Examples
    --------
    >>> service = ConsciousnessStream(db_path=None)
    >>> service.get_current_state()["running"], service.get_performance_stats()["persistence"]
    (False, False)
    """

    def __init__(
        self,
        fps: int = 30,
        store_capacity: int = 10000,
        *,
        db_path: str | os.PathLike[str] | None = ":memory:",
        flush_every: int = 256,
        window_seconds: float = 60.0,
        **stream_kwargs: Any,
    ) -> None:
        self._config: dict[str, Any] = {"fps": fps, "store_capacity": store_capacity}
        self._config.update(stream_kwargs)
        self._flush_every = check_int("flush_every", flush_every, low=1)
        self._window = check_real("window_seconds", window_seconds, low=0.0, low_inclusive=False)
        if db_path is not None and not isinstance(db_path, (str, os.PathLike)):
            raise TypeError(
                f"`db_path` must be a path, ':memory:' or None, got {describe(db_path)}."
            )
        self._subscribers: list[Subscriber] = []
        self._pending: list[tuple[str, int, str, str, str, str, str]] = []
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if db_path is not None:
            self._db = sqlite3.connect(os.fspath(db_path), check_same_thread=False)
            if os.fspath(db_path) != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        self._persisted = 0
        self._flushes = 0
        self._flush_seconds = 0.0
        self._subscriber_errors = 0
        self.stream = self._new_stream(stream_kwargs.get("glyph_id"))

    def _new_stream(self, glyph_id: Any) -> LiveStream:
        config = dict(self._config)
        if glyph_id is not None:
            config["glyph_id"] = glyph_id
        stream = LiveStream(**config)
        stream.add_listener(self._on_event)
        return stream

    # -- events in -----------------------------------------------------------------------
    def _on_event(self, event: StreamEvent) -> None:
        if self._db is not None:
            row = (
                str(event.id), int(event.hlc), event.ts.isoformat(), event.kind, event.lane,
                str(event.glyph_id), json.dumps(dict(event.payload), default=str),
            )
            with self._lock:
                self._pending.append(row)
                full = len(self._pending) >= self._flush_every
            if full:
                self.flush()
        for subscriber in tuple(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                self._subscriber_errors += 1
                logger.warning("stream subscriber %r failed on %s", subscriber, event.kind,
                               exc_info=True)  # fmt: skip

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback(event)`` for every event recorded from now on.

        A subscriber that raises is logged and counted, never fatal.

        Parameters
        ----------
        callback : callable

        Examples
        --------
        >>> service, kinds = ConsciousnessStream(db_path=None), []
        >>> service.subscribe(lambda e: kinds.append(e.kind))
        >>> _ = service.tick(); kinds
        ['consciousness_tick', 'tick_processed']
        """
        if not callable(callback):
            raise TypeError(f"`callback` must be callable, got {describe(callback)}.")
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored.

        Parameters
        ----------
        callback : callable

        Examples
        --------
        >>> service = ConsciousnessStream(db_path=None)
        >>> service.subscribe(print); service.unsubscribe(print); service.unsubscribe(len)
        >>> service.get_performance_stats()["subscribers"]
        0
        """
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def flush(self) -> int:
        """Write buffered events to SQLite in one transaction; return how many.

        Returns
        -------
        written : int

        Examples
        --------
        >>> service = ConsciousnessStream(flush_every=1000)
        >>> _ = service.tick(); service.flush(), service.flush()
        (2, 0)
        """
        if self._db is None:
            return 0
        with self._lock:
            rows, self._pending = self._pending, []
            if not rows:
                return 0
            start = time.perf_counter()
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO stream_events VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
            self._flush_seconds += time.perf_counter() - start
            self._flushes += 1
            self._persisted += len(rows)
        return len(rows)

    # -- the MATRIZ surface ------------------------------------------------------------------
    def start(self, duration_seconds: float = 0) -> None:
        """Run the live stream (blocking) for ``duration_seconds`` (0: until :meth:`stop`).

        Parameters
        ----------
        duration_seconds : float, default=0

        Examples
        --------
        >>> from lukhas.primitives.clock import ManualClock
        >>> mc = ManualClock()
        >>> service = ConsciousnessStream(fps=5, clock=mc.now, sleep=mc.sleep)
        >>> service.start(duration_seconds=1)
        >>> len(service.query_events(kind="consciousness_tick"))
        5
        """
        try:
            self.stream.start(duration_seconds=duration_seconds)
        finally:
            self.flush()

    def stop(self) -> None:
        """Stop the live stream and flush the history.

        Examples
        --------
        >>> service = ConsciousnessStream()
        >>> service.stop(); service.get_current_state()["running"]
        False
        """
        self.stream.stop()
        self.flush()

    def tick(self) -> dict[str, Any]:
        """Process the next tick by hand (no ticker); return :meth:`get_current_state`.

        Returns
        -------
        state : dict

        Examples
        --------
        >>> service = ConsciousnessStream(db_path=None)
        >>> service.tick()["last_event"]["kind"]
        'tick_processed'
        """
        stream = self.stream
        stream._on_consciousness_tick(stream.ticker.tick_count)
        stream.ticker.tick_count += 1
        return self.get_current_state()

    def get_current_state(self) -> dict[str, Any]:
        """Return where the stream is now.

        Returns
        -------
        state : dict
            ``lane``, ``glyph_id``, ``running``, ``tick_count``, ``events_processed``,
            ``store_size``, ``persisted_events`` and ``last_event`` (a dict or None).

        Examples
        --------
        >>> state = ConsciousnessStream(db_path=None).get_current_state()
        >>> state["tick_count"], state["last_event"]
        (0, None)
        """
        stream = self.stream
        last = stream.get_recent_events(limit=1)
        return {
            "lane": stream.lane,
            "glyph_id": str(stream.glyph_id),
            "running": stream.running,
            "tick_count": stream.tick_count,
            "events_processed": stream.events_processed,
            "store_size": len(stream.event_store),
            "persisted_events": self._persisted + len(self._pending),
            "last_event": last[0].to_dict() if last else None,
        }

    def get_recent_artifacts(self, limit: int = 10) -> list[dict[str, Any]]:
        """Return the newest ``limit`` events as dicts, newest first.

        Parameters
        ----------
        limit : int, default=10

        Returns
        -------
        artifacts : list of dict

        Examples
        --------
        >>> service = ConsciousnessStream(db_path=None)
        >>> _ = service.tick()
        >>> [a["kind"] for a in service.get_recent_artifacts()]
        ['tick_processed', 'consciousness_tick']
        """
        return [e.to_dict() for e in self.stream.get_recent_events(limit=limit)]

    def get_window_aggregates(self, seconds: float | None = None) -> dict[str, Any]:
        """Aggregate the in-memory events of the last ``seconds`` (default: ``window_seconds``).

        Parameters
        ----------
        seconds : float or None, default=None

        Returns
        -------
        aggregates : dict
            ``window_seconds``, ``events``, ``by_kind`` (counts), ``ticks_per_second``,
            ``processing_ms`` (``mean``, ``p95``, ``max`` over tick summaries) and
            ``error_rate`` (processing errors per tick attempt).

        Examples
        --------
        >>> service = ConsciousnessStream(db_path=None)
        >>> for _ in range(4):
        ...     _ = service.tick()
        >>> agg = service.get_window_aggregates(60)
        >>> agg["by_kind"]["consciousness_tick"], agg["error_rate"]
        (4, 0.0)
        """
        span = self._window if seconds is None else check_real("seconds", seconds, low=0.0)
        events = self.stream.event_store.window(span)
        by_kind = Counter(e.kind for e in events)
        durations = sorted(
            float(e.payload["processing_duration_ms"]) for e in events if e.kind == "tick_processed"
        )
        ticks = by_kind["consciousness_tick"]
        errors = by_kind["processing_error"]
        if len(events) >= 2:
            elapsed = (events[-1].ts - events[0].ts).total_seconds()
            rate = (ticks - 1) / elapsed if ticks > 1 and elapsed > 0 else 0.0
        else:
            rate = 0.0
        return {
            "window_seconds": span,
            "events": len(events),
            "by_kind": dict(by_kind),
            "ticks_per_second": rate,
            "processing_ms": {
                "mean": sum(durations) / len(durations) if durations else 0.0,
                "p95": durations[math.ceil(0.95 * len(durations)) - 1] if durations else 0.0,
                "max": durations[-1] if durations else 0.0,
            },
            "error_rate": errors / (ticks + errors) if ticks + errors else 0.0,
        }

    def get_performance_stats(self) -> dict[str, Any]:
        """Return the live stream's metrics, persistence counters and window aggregates.

        Returns
        -------
        stats : dict
            ``stream`` (the 16 stream metrics), ``persistence`` (bool),
            ``persisted_events``, ``flushes``, ``mean_flush_ms``, ``subscribers``,
            ``subscriber_errors`` and ``window`` (:meth:`get_window_aggregates`).

        Examples
        --------
        >>> stats = ConsciousnessStream().get_performance_stats()
        >>> stats["persistence"], stats["persisted_events"], len(stats["stream"])
        (True, 0, 16)
        """
        self.flush()
        return {
            "stream": self.stream.get_stream_metrics(),
            "persistence": self._db is not None,
            "persisted_events": self._persisted,
            "flushes": self._flushes,
            "mean_flush_ms": 1e3 * self._flush_seconds / self._flushes if self._flushes else 0.0,
            "subscribers": len(self._subscribers),
            "subscriber_errors": self._subscriber_errors,
            "window": self.get_window_aggregates(),
        }

    def reset_state(self) -> None:
        """Flush, then start over with a fresh live stream (same glyph id and settings).

        Persisted history and subscribers are kept.

        Examples
        --------
        >>> service = ConsciousnessStream()
        >>> _ = service.tick(); service.reset_state()
        >>> service.get_current_state()["store_size"], len(service.query_events())
        (0, 2)
        """
        self.stream.stop()
        self.flush()
        self.stream.remove_listener(self._on_event)
        self.stream = self._new_stream(self.stream.glyph_id)

    # -- history -------------------------------------------------------------------------
    def query_events(
        self, kind: str | None = None, since: datetime | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Read persisted events back from SQLite, oldest first (newest ``limit``).

        Parameters
        ----------
        kind : str or None, default=None
            Only this kind.
        since : datetime or None, default=None
            Only events at or after this aware time.
        limit : int, default=100

        Returns
        -------
        events : list of dict
            As :meth:`StreamEvent.to_dict`.

        Raises
        ------
        RuntimeError
            If persistence is off.

        Examples
        --------
        >>> service = ConsciousnessStream()
        >>> _ = service.tick()
        >>> [r["kind"] for r in service.query_events()]
        ['consciousness_tick', 'tick_processed']
        """
        if self._db is None:
            raise RuntimeError("persistence is off (db_path=None); nothing to query.")
        n = check_int("limit", limit, low=0)
        self.flush()
        clauses, args = [], []
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        if since is not None:
            clauses.append("ts >= ?")
            args.append(since.astimezone(UTC).isoformat())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, ts, kind, lane, glyph_id, payload, hlc FROM stream_events {where} "
                "ORDER BY hlc DESC LIMIT ?",
                (*args, n),
            ).fetchall()
        keys = ("id", "ts", "kind", "lane", "glyph_id", "payload", "hlc")
        records = [dict(zip(keys, row, strict=True)) for row in reversed(rows)]
        for record in records:
            record["payload"] = json.loads(record["payload"])
        return records

    def close(self) -> None:
        """Stop, flush and close the database.

        Examples
        --------
        >>> service = ConsciousnessStream()
        >>> service.close(); service.get_performance_stats()["persistence"]
        False
        """
        self.stop()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ConsciousnessStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ConsciousnessStream(service, stream={self.stream!r}, persisted={self._persisted})"
