"""The live consciousness stream: ticker -> router -> event store, with backpressure."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from lukhas import _config
from lukhas._validation import check_choice, check_int, check_real, describe
from lukhas.domain.consciousness.stream._events import EventStore, StreamEvent
from lukhas.domain.consciousness.stream._router import RouterMessage, StreamRouter
from lukhas.primitives.clock import HLCTimestamp, HybridLogicalClock, Ticker
from lukhas.primitives.glyphs import glyph_hash
from lukhas.primitives.ring import DECIMATION_STRATEGIES, DecimatingRing
from lukhas.services.bus.kernel_bus import KernelBus

__all__ = ["ConsciousnessStream", "create_consciousness_stream"]

logger = logging.getLogger(__name__)

#: Store fill ratio from which new events go to the backpressure ring instead.
STORE_PRESSURE = 0.9
#: Breakthrough: a tick slower than this multiple of the mean ...
_BREAKTHROUGH_RATIO = 1.5
#: ... and slower than the mean by at least this many milliseconds.
_BREAKTHROUGH_FLOOR_MS = 1.0
_BACKPRESSURE_KEYS = (
    "capacity", "current_size", "utilization", "pressure_threshold", "total_pushes",
    "total_drops", "drop_rate", "decimation_events", "decimation_factor",
    "decimation_strategy", "last_decimation_utilization",
)  # fmt: skip


class ConsciousnessStream:
    """A ticker-driven stream of consciousness events with bounded, ring-backed history.

    Every tick of :attr:`ticker` creates a ``"consciousness_tick"`` event, publishes
    one ``"breakthrough"`` message through :attr:`router` (which logs it and, given
    a ``bus``, forwards it to a :class:`~lukhas.services.bus.kernel_bus.KernelBus`),
    stores the event and a ``"tick_processed"`` summary, and updates the timing
    metrics.  When the store is 90 % full, new events go to the backpressure
    :class:`~lukhas.primitives.ring.DecimatingRing` instead, which sheds load by its
    documented policy.  A failing tick stores a ``"processing_error"`` event and
    never stops the stream.

    Events carry the stream's ``lane`` and ``glyph_id``, a hybrid-logical-clock
    stamp (``hlc``) that orders events across streams, and ``glyph_hash``, the
    XXH3-64 key of ``str(glyph_id)`` (the digest a glyph table uses for it).

    Parameters
    ----------
    fps : int, default=30
        Tick rate.
    store_capacity : int, default=10000
        Events kept in :attr:`event_store` (at least 2).
    glyph_id : uuid.UUID or None, default=None
        Stream identity (default: a new ``uuid4()``).
    enable_backpressure : bool, default=True
        Route overflow to a ring of ``store_capacity // 2`` events.
    backpressure_threshold : float, default=0.8
        Ring utilization in (0, 1] from which it drops pushes.
    decimation_factor : int, default=2
        Ring thinning factor (>= 2).
    decimation_strategy : {"skip_nth", "adaptive", "keep_recent"}, default="skip_nth"
        Ring policy.
    bus : KernelBus or None, default=None
        Bus the router forwards messages to (topic ``"consciousness.<topic>"``).
    clock, sleep : callable or None, default=None
        Time source and sleep of the ticker (see :class:`lukhas.primitives.clock.Ticker`);
        inject a :class:`lukhas.primitives.clock.ManualClock`'s for instant runs.

    Examples
    --------
    >>> stream = ConsciousnessStream(fps=10, store_capacity=100)
    >>> stream._on_consciousness_tick(42)
    >>> [e.kind for e in stream.get_recent_events()]
    ['tick_processed', 'consciousness_tick']
    >>> stream.tick_count, stream.events_processed, len(stream._router_logs)
    (42, 1, 1)
    """

    def __init__(
        self,
        fps: int = 30,
        store_capacity: int = 10000,
        glyph_id: uuid.UUID | None = None,
        enable_backpressure: bool = True,
        backpressure_threshold: float = 0.8,
        decimation_factor: int = 2,
        decimation_strategy: str = "skip_nth",
        *,
        bus: KernelBus | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if glyph_id is not None and not isinstance(glyph_id, uuid.UUID):
            raise TypeError(f"`glyph_id` must be a uuid.UUID or None, got {describe(glyph_id)}.")
        if not isinstance(enable_backpressure, bool):
            raise TypeError(
                f"`enable_backpressure` must be a bool, got {describe(enable_backpressure)}."
            )
        capacity = check_int("store_capacity", store_capacity, low=2)
        threshold = check_real(
            "backpressure_threshold", backpressure_threshold, low=0.0, high=1.0,
            low_inclusive=False,
        )
        factor = check_int("decimation_factor", decimation_factor, low=2)
        strategy = check_choice("decimation_strategy", decimation_strategy, DECIMATION_STRATEGIES)
        self.lane: str = _config.lane()  # used as given: no validation, no lowercasing
        self.glyph_id: uuid.UUID = uuid.uuid4() if glyph_id is None else glyph_id
        self.glyph_hash: int = glyph_hash(str(self.glyph_id))
        timing: dict[str, Any] = {}
        if clock is not None:
            timing["clock"] = clock
        if sleep is not None:
            timing["sleep"] = sleep
        self.ticker = Ticker(fps=fps, **timing)
        self._router_logs: list[dict[str, Any]] = []
        self.router = StreamRouter(self.lane, self._router_logs, bus)
        self.event_store = EventStore(capacity)
        self.enable_backpressure: bool = enable_backpressure
        self.backpressure_ring: DecimatingRing | None = (
            DecimatingRing(
                capacity // 2,
                pressure_threshold=threshold,
                decimation_factor=factor,
                decimation_strategy=strategy,
            )
            if enable_backpressure
            else None
        )
        self.running = False
        self.tick_count = 0
        self.events_processed = 0
        self.drift_ema = 0.0
        self._hlc = HybridLogicalClock()
        self._tick_processing_times: deque[float] = deque(maxlen=100)
        self._breakthrough_timestamps: deque[datetime] = deque(maxlen=1000)
        self._listeners: list[Callable[[StreamEvent], object]] = []
        self.listener_errors = 0
        self.ticker.subscribe(self._on_consciousness_tick)

    def __repr__(self) -> str:
        return (
            f"ConsciousnessStream(lane={self.lane!r}, fps={self.ticker.fps}, "
            f"tick_count={self.tick_count}, store={len(self.event_store)}/"
            f"{self.event_store.max_capacity}, running={self.running})"
        )

    # -- events ----------------------------------------------------------------------------
    def make_event(self, kind: str, payload: Mapping[str, Any]) -> StreamEvent:
        """Create an event of this stream (its lane, glyph id, a fresh HLC stamp).

        Parameters
        ----------
        kind : str
            Event kind.
        payload : Mapping
            Event data.

        Returns
        -------
        event : StreamEvent

        Examples
        --------
        >>> stream = ConsciousnessStream()
        >>> a, b = stream.make_event("note", {}), stream.make_event("note", {})
        >>> a.hlc < b.hlc, a.glyph_id == stream.glyph_id
        (True, True)
        """
        return StreamEvent(
            uuid.uuid4(), datetime.now(UTC), kind, self.lane, self.glyph_id, payload,
            self._hlc.now(), self.glyph_hash,
        )

    def observe_stamp(self, stamp: HLCTimestamp | int) -> HLCTimestamp:
        """Merge a remote HLC stamp, so this stream's later events order after it.

        Parameters
        ----------
        stamp : HLCTimestamp or int
            A stamp (or packed stamp) from another stream or node.

        Returns
        -------
        stamp : HLCTimestamp
            This stream's clock after the merge.

        Raises
        ------
        lukhas.primitives.clock.ClockDriftError
            If ``stamp`` leads this machine's clock by more than the drift guard.

        Examples
        --------
        >>> a, b = ConsciousnessStream(), ConsciousnessStream()
        >>> remote = a.make_event("note", {}).hlc
        >>> _ = b.observe_stamp(remote)
        >>> b.make_event("reply", {}).hlc > remote
        True
        """
        return self._hlc.receive(stamp)

    def add_listener(self, listener: Callable[[StreamEvent], object]) -> None:
        """Call ``listener(event)`` for every event the stream records from now on.

        Listeners run after the event is placed (store or backpressure ring); one
        that raises is logged and counted in ``listener_errors``, never fatal.

        Parameters
        ----------
        listener : callable

        Examples
        --------
        >>> stream, seen = ConsciousnessStream(), []
        >>> stream.add_listener(lambda e: seen.append(e.kind))
        >>> stream._on_consciousness_tick(0); seen
        ['consciousness_tick', 'tick_processed']
        """
        if not callable(listener):
            raise TypeError(f"`listener` must be callable, got {describe(listener)}.")
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[StreamEvent], object]) -> None:
        """Stop calling ``listener``; unknown listeners are ignored.

        Parameters
        ----------
        listener : callable

        Examples
        --------
        >>> stream = ConsciousnessStream()
        >>> stream.add_listener(print); stream.remove_listener(print); stream.remove_listener(len)
        >>> stream._on_consciousness_tick(0)
        """
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, event: StreamEvent) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:
                self.listener_errors += 1
                logger.warning(
                    "stream listener %r failed on %s", listener, event.kind, exc_info=True
                )

    def _append(self, event: StreamEvent) -> None:
        """Append straight to the store (lifecycle and error events)."""
        self.event_store.append(event)
        if self._listeners:
            self._notify(event)

    def _store(self, event: StreamEvent) -> bool:
        """Store, or push to the ring under pressure; True if it went to the store."""
        store = self.event_store
        ring = self.backpressure_ring
        if ring is None or len(store.events) / store.max_capacity < STORE_PRESSURE:
            store.append(event)
            in_store = True
        else:
            ring.push(event)
            in_store = False
        if self._listeners:
            self._notify(event)
        return in_store

    # -- the tick ----------------------------------------------------------------------------
    def _on_consciousness_tick(self, tick_count: int) -> None:
        """Process one tick (the ticker's subscriber; callable directly in tests)."""
        start = time.perf_counter()
        try:
            self.tick_count = tick_count
            fps = self.ticker.fps
            tick = self.make_event(
                "consciousness_tick",
                {
                    "tick_count": tick_count,
                    "fps": fps,
                    "stream_id": str(self.glyph_id),
                    "processing_time": None,
                },
            )
            self.router.publish(
                RouterMessage(
                    "breakthrough",
                    self.lane,
                    {
                        "tick_count": tick_count,
                        "fps": fps,
                        "stream_id": str(self.glyph_id),
                        "glyph_hash": self.glyph_hash,
                        "hlc": int(tick.hlc),
                    },
                )
            )
            if self._store(tick):
                self.events_processed += 1
            seconds = time.perf_counter() - start
            self._record_timing(seconds)
            self._store(
                self.make_event(
                    "tick_processed",
                    {
                        "tick_count": tick_count,
                        "processing_duration_ms": seconds * 1e3,
                        "events_in_store": len(self.event_store.events),
                        "router_logs_count": len(self._router_logs),
                        "drift_ema": self.drift_ema,
                    },
                )
            )
        except Exception as exc:
            self._append(
                self.make_event(
                    "processing_error",
                    {"tick_count": tick_count, "error": str(exc), "error_type": type(exc).__name__},
                )
            )

    def _record_timing(self, seconds: float) -> None:
        ms = seconds * 1e3
        times = self._tick_processing_times
        times.append(ms)
        if len(times) > 10:
            mean = sum(times) / len(times)
            if ms > _BREAKTHROUGH_RATIO * mean and ms - mean >= _BREAKTHROUGH_FLOOR_MS:
                self._breakthrough_timestamps.append(datetime.now(UTC))
        drift = abs(seconds - 1.0 / self.ticker.fps)
        self.drift_ema = 0.9 * self.drift_ema + 0.1 * drift

    # -- running ---------------------------------------------------------------------------
    def start(self, duration_seconds: float = 0) -> None:
        """Run the stream (blocking) for ``duration_seconds`` (0: until :meth:`stop`).

        Parameters
        ----------
        duration_seconds : float, default=0
            Run length in seconds.

        Examples
        --------
        >>> from lukhas.primitives.clock import ManualClock
        >>> mc = ManualClock()
        >>> stream = ConsciousnessStream(fps=10, clock=mc.now, sleep=mc.sleep)
        >>> stream.start(duration_seconds=1)
        >>> stream.tick_count, stream.running, stream.get_recent_events(1)[0].kind
        (9, False, 'stream_stopped')
        """
        seconds = check_real("duration_seconds", duration_seconds, low=0.0)
        self.running = True
        self.router.start()
        self._append(
            self.make_event(
                "stream_started",
                {
                    "fps": self.ticker.fps,
                    "store_capacity": self.event_store.max_capacity,
                    "duration_seconds": duration_seconds,
                },
            )
        )
        try:
            self.ticker.run(seconds=seconds)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the ticker and record ``"stream_stopped"`` (no-op when not running).

        Examples
        --------
        >>> stream = ConsciousnessStream()
        >>> stream.stop(); stream.get_recent_events()
        []
        """
        if not self.running:
            return
        self.ticker.stop()
        self.running = False
        self._append(
            self.make_event(
                "stream_stopped",
                {
                    "final_tick_count": self.tick_count,
                    "events_processed": self.events_processed,
                    "final_store_size": len(self.event_store.events),
                    "router_logs": len(self._router_logs),
                },
            )
        )

    # -- queries -----------------------------------------------------------------------------
    def get_recent_events(self, limit: int = 100) -> list[StreamEvent]:
        """Return up to ``limit`` stored events, newest first.

        Parameters
        ----------
        limit : int, default=100

        Returns
        -------
        events : list of StreamEvent

        Examples
        --------
        >>> stream = ConsciousnessStream()
        >>> for n in range(3):
        ...     stream._on_consciousness_tick(n)
        >>> [e.payload["tick_count"] for e in stream.get_recent_events(limit=2)]
        [2, 2]
        """
        return self.event_store.query_recent(limit)

    def replay_events(self, since_minutes: int = 5) -> list[StreamEvent]:
        """Return the stored events of the last ``since_minutes``, oldest first (<= 1000).

        Parameters
        ----------
        since_minutes : int, default=5

        Returns
        -------
        events : list of StreamEvent
            Chronological; the newest 1000 when more qualify.

        Examples
        --------
        >>> stream = ConsciousnessStream()
        >>> stream._on_consciousness_tick(0)
        >>> [e.kind for e in stream.replay_events(since_minutes=1)]
        ['consciousness_tick', 'tick_processed']
        """
        minutes = check_real("since_minutes", since_minutes, low=0.0)
        return self.event_store.window(minutes * 60.0)[-1000:]

    def get_stream_metrics(self) -> dict[str, Any]:
        """Return the 16 stream metrics of the LUKHAS contract.

        Returns
        -------
        metrics : dict
            ``running``, ``lane``, ``glyph_id``, ``tick_count``, ``events_processed``,
            ``store_size``, ``store_capacity``, ``router_logs``, ``ticker_metrics``,
            ``breakthroughs_per_min``, ``tick_p95_ms``, ``drift_ema``,
            ``total_breakthroughs``, ``avg_tick_processing_ms``,
            ``backpressure_enabled`` and ``backpressure_stats``.

        Examples
        --------
        >>> metrics = ConsciousnessStream(enable_backpressure=False).get_stream_metrics()
        >>> len(metrics), metrics["backpressure_stats"]["decimation_strategy"]
        (16, 'disabled')
        """
        times = list(self._tick_processing_times)
        if len(times) >= 5:
            ranked = sorted(times)
            p95 = ranked[math.ceil(0.95 * len(ranked)) - 1]
        else:
            p95 = 0.0
        minute_ago = datetime.now(UTC) - timedelta(seconds=60)
        ring = self.backpressure_ring
        if ring is None:
            stats: dict[str, Any] = dict.fromkeys(_BACKPRESSURE_KEYS, 0)
            stats["decimation_strategy"] = "disabled"
        else:
            stats = ring.get_backpressure_stats()
        return {
            "running": self.running,
            "lane": self.lane,
            "glyph_id": str(self.glyph_id),
            "tick_count": self.tick_count,
            "events_processed": self.events_processed,
            "store_size": len(self.event_store.events),
            "store_capacity": self.event_store.max_capacity,
            "router_logs": len(self._router_logs),
            "ticker_metrics": self.ticker.get_metrics(),
            "breakthroughs_per_min": sum(t >= minute_ago for t in self._breakthrough_timestamps),
            "tick_p95_ms": p95,
            "drift_ema": self.drift_ema,
            "total_breakthroughs": len(self._breakthrough_timestamps),
            "avg_tick_processing_ms": sum(times) / len(times) if times else 0.0,
            "backpressure_enabled": self.enable_backpressure,
            "backpressure_stats": stats,
        }


def create_consciousness_stream(**kwargs: Any) -> ConsciousnessStream:
    """Build a :class:`ConsciousnessStream`, forwarding every keyword argument.

    Parameters
    ----------
    **kwargs
        Constructor arguments.

    Returns
    -------
    stream : ConsciousnessStream

    Examples
    --------
    >>> stream = create_consciousness_stream(fps=15, store_capacity=200)
    >>> stream.ticker.fps, stream.event_store.max_capacity
    (15, 200)
    """
    return ConsciousnessStream(**kwargs)
