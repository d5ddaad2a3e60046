"""In-process publish/subscribe bus for the LUKHAS kernels.

:class:`KernelBus` routes events by topic to handlers subscribed with patterns
(``*`` matches one dot-separated word, ``#`` any number of them), calls them in
priority order, isolates their failures and keeps the evidence:

* **Sync and async handlers.** :meth:`KernelBus.emit` / :meth:`KernelBus.publish`
  call sync handlers inline; an async handler's coroutine is scheduled on the running
  event loop (await :meth:`KernelBus.join` to wait for them).  ``await``
  :meth:`KernelBus.emit_async` runs every handler to completion, in order.
* **Error isolation.** A handler that raises (or, async, overruns
  ``handler_timeout``) never stops delivery to the others; the failure becomes a
  :class:`DeadLetter` you can inspect, drain or retry.
* **Backpressure.** :meth:`KernelBus.post` queues an event in a
  :class:`~lukhas.primitives.ring.DecimatingRing` instead of delivering it; the owner
  calls :meth:`KernelBus.drain` on its own cadence (each tick, say).  When posts
  outpace drains the ring sheds load with its documented policy: events are
  dropped or thinned, never reordered, and every loss is counted
  (``posted == delivered_from_queue + queued + dropped + decimated``).
* **Dry run.** A new bus is in ``"dry_run"`` mode (the LUKHAS contract): events are
  validated, routed, journaled and counted, and the receipt names the handlers that
  *would* run, but none is called.  ``configure({"mode": "live"})`` (or
  ``KernelBus(mode="live")``) turns delivery on.

A bus belongs to one thread or one event loop, like the asyncio primitives.

Examples
--------
>>> bus = KernelBus(mode="live")
>>> seen = []
>>> sub = bus.subscribe("memory.*", lambda e: seen.append(e.topic))
>>> bus.emit("memory.fold", {"n": 3})["delivered"]
1
>>> bus.emit("memory.fold.done")["matched"]  # '*' is one word only
0
>>> seen
['memory.fold']
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Mapping
from typing import Any

from lukhas._validation import check_choice, check_int, check_real, check_str, describe
from lukhas.primitives.ring import DecimatingRing, Ring
from lukhas.services.bus._bus_records import (
    BusEvent,
    DeadLetter,
    Handler,
    RoutePlan,
    Subscription,
)
from lukhas.services.bus._dispatch import Dispatcher
from lukhas.services.bus._inspection import BusInspection
from lukhas.services.bus._routing import RouteTable
from lukhas.services.bus._topics import check_topic

__all__ = ["MODES", "BusEvent", "DeadLetter", "KernelBus", "Subscription"]

logger = logging.getLogger(__name__)

#: The delivery modes of a bus.
MODES: tuple[str, ...] = ("dry_run", "live")
#: Keys a LUKHAS message may carry its topic / payload under, in lookup order.
_MESSAGE_TOPIC_KEYS = ("topic", "event", "event_name", "type")
_MESSAGE_PAYLOAD_KEYS = ("payload", "data")
_EMPTY: Mapping[str, Any] = {}
#: ``BusEvent(...)`` without the Python-level ``__new__`` of a NamedTuple (half the cost).
_new_event = tuple.__new__
_now = time.time
#: The plans a dry-run bus sees: none, so its publishes take the general path.
_NO_PLANS: Mapping[str, RoutePlan | None] = {}
#: The bus's own counters (the dispatcher keeps the delivery ones).
_COUNTERS: tuple[str, ...] = ("events_emitted", "events_unrouted", "dry_run_skipped")
_COUNTERS += ("events_posted", "events_decimated", "events_drained", "messages_rejected")


class KernelBus(BusInspection):
    """Topic-routed publish/subscribe bus with priorities, dead letters and backpressure.

    Parameters
    ----------
    mode : {"dry_run", "live"}, default="dry_run"
        ``"dry_run"`` routes and records events without calling handlers.
    history_capacity : int, default=1024
        Recent delivered events kept for :meth:`recent_events` (0 keeps none).
    dead_letter_capacity : int, default=1024
        Dead letters kept; beyond it the oldest are evicted (and counted).
    queue_capacity : int, default=4096
        Capacity of the :meth:`post` queue, at least 2.
    pressure_threshold : float, default=0.8
        Queue utilization in (0, 1] from which posts are shed.
    decimation_factor : int, default=2
        Thinning factor of the queue under pressure, at least 2.
    decimation_strategy : {"skip_nth", "adaptive", "keep_recent"}, default="skip_nth"
        Load-shedding policy of the queue (see :class:`~lukhas.primitives.ring.DecimatingRing`).
    handler_timeout : float or None, default=None
        Seconds an async handler may run before it is cancelled and dead-lettered.

    Attributes
    ----------
    handler_timeout : float or None
        Current async-handler time limit.

    Examples
    --------
    >>> bus = KernelBus()
    >>> _ = bus.subscribe("#", print)
    >>> receipt = bus.emit("boot", {"stage": 1})
    >>> receipt["ok"], receipt["mode"], receipt["handlers"], receipt["delivered"]
    (True, 'dry_run', ['print'], 0)
    >>> bus.get_status()["mode"]
    'dry_run'
    """

    def __init__(
        self,
        *,
        mode: str = "dry_run",
        history_capacity: int = 1024,
        dead_letter_capacity: int = 1024,
        queue_capacity: int = 4096,
        pressure_threshold: float = 0.8,
        decimation_factor: int = 2,
        decimation_strategy: str = "skip_nth",
        handler_timeout: float | None = None,
    ) -> None:
        history = check_int("history_capacity", history_capacity, low=0)
        self._history: Ring | None = Ring(history) if history else None
        self._dispatch = Dispatcher(
            check_int("dead_letter_capacity", dead_letter_capacity, low=1),
            self._check_timeout(handler_timeout),
        )
        self._queue = DecimatingRing(
            check_int("queue_capacity", queue_capacity, low=2),
            pressure_threshold=pressure_threshold,
            decimation_factor=decimation_factor,
            decimation_strategy=decimation_strategy,
        )
        self._table = RouteTable()
        self._routes = self._table.cache  # the hot paths read the route cache directly
        self._plans: Mapping[str, RoutePlan | None] = _NO_PLANS
        self.mode = mode
        self._event_seq = itertools.count()
        self._counts = dict.fromkeys(_COUNTERS, 0)

    @property
    def mode(self) -> str:
        """The delivery mode, ``"dry_run"`` or ``"live"`` (settable)."""
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        self._mode: str = check_choice("mode", value, MODES)
        self._plans = self._table.plans if self._mode == "live" else _NO_PLANS

    @property
    def handler_timeout(self) -> float | None:
        """Seconds an async handler may run before it is dead-lettered (None: no limit)."""
        return self._dispatch.handler_timeout

    @handler_timeout.setter
    def handler_timeout(self, value: float | None) -> None:
        self._dispatch.handler_timeout = self._check_timeout(value)

    # -- subscriptions -------------------------------------------------------------------
    def subscribe(
        self, pattern: str, handler: Handler, priority: int = 0, *, name: str | None = None
    ) -> Subscription:
        """Call ``handler`` for every event whose topic matches ``pattern``.

        Parameters
        ----------
        pattern : str
            Dot-separated words; ``*`` matches one word, ``#`` zero or more.
        handler : callable
            ``handler(event)``; an ``async def`` handler (or one returning an
            awaitable) is awaited as described in the module docstring.
        priority : int, default=0
            Higher runs first; ties run in subscription order.
        name : str or None, default=None
            Label for stats and dead letters (default: the handler's qualified name).

        Returns
        -------
        subscription : Subscription
            Pass it to :meth:`unsubscribe` to stop delivery.

        Raises
        ------
        TypeError
            If ``handler`` is not callable, or an argument has the wrong type.
        ValueError
            If ``pattern`` is malformed.

        Examples
        --------
        >>> bus = KernelBus(mode="live")
        >>> order = []
        >>> _ = bus.subscribe("tick", lambda e: order.append("low"), priority=-1)
        >>> _ = bus.subscribe("tick", lambda e: order.append("high"), priority=5)
        >>> _ = bus.emit("tick", {})
        >>> order
        ['high', 'low']
        """
        return self._table.add(pattern, handler, priority=priority, name=name)

    #: The LUKHAS name of :meth:`subscribe` (``register_handler(event_name, handler)``).
    register_handler = subscribe

    def unsubscribe(self, subscription: Subscription) -> bool:
        """Stop delivery to ``subscription``; return whether it was subscribed here.

        Parameters
        ----------
        subscription : Subscription
            A value returned by :meth:`subscribe` on this bus.

        Returns
        -------
        removed : bool

        Examples
        --------
        >>> bus = KernelBus()
        >>> sub = bus.subscribe("a", print)
        >>> bus.unsubscribe(sub), bus.unsubscribe(sub)
        (True, False)
        """
        return self._table.remove(subscription)

    def subscriptions(self) -> list[Subscription]:
        """Return the active subscriptions in subscription order.

        Returns
        -------
        subscriptions : list of Subscription

        Examples
        --------
        >>> bus = KernelBus()
        >>> _, _ = bus.subscribe("a", print), bus.register_handler("b.#", print)
        >>> [s.pattern for s in bus.subscriptions()]
        ['a', 'b.#']
        """
        return self._table.subscriptions()

    def route(self, topic: str) -> tuple[Subscription, ...]:
        """Return the subscriptions an event on ``topic`` reaches, in delivery order.

        Parameters
        ----------
        topic : str
            Concrete topic (no wildcards).

        Returns
        -------
        subscriptions : tuple of Subscription

        Examples
        --------
        >>> bus = KernelBus()
        >>> _ = bus.subscribe("a.*", print, name="one")
        >>> _ = bus.subscribe("#", print, name="all", priority=1)
        >>> [s.name for s in bus.route("a.b")]
        ['all', 'one']
        """
        return self._table.route(topic)

    # -- synchronous delivery ----------------------------------------------------------
    def publish(
        self, topic: str, payload: Mapping[str, Any] | None = None, *, source: str | None = None
    ) -> int:
        """Deliver an event now; return how many handlers ran without error.

        The lean form of :meth:`emit` for hot loops: no receipt is built.  Async
        handlers are scheduled on the running loop (not counted here; see
        :meth:`join`); with no running loop they are dead-lettered.

        Parameters
        ----------
        topic : str
            Concrete topic.
        payload : Mapping or None, default=None
            Event data (``None`` means empty).
        source : str or None, default=None
            Emitter label, kept on the event.

        Returns
        -------
        delivered : int
            Sync handlers that returned normally (0 in dry-run mode).

        Examples
        --------
        >>> bus = KernelBus(mode="live")
        >>> _ = bus.subscribe("x", lambda e: None)
        >>> bus.publish("x"), bus.get_stats()["deliveries"]
        (1, 1)
        """
        # Fast path: the topic's plan (its handlers, wildcard routes and priorities
        # resolved at the first publish), one event, the bare calls; per-handler
        # accounting and dead letters only once a handler raises or returns a value.
        plan = self._plans.get(topic)
        if plan is None or type(payload) is not dict or not (source is None or type(source) is str):
            return self._publish(topic, payload, source)
        event = _new_event(BusEvent, (next(self._event_seq), topic, payload, _now(), source))
        if self._history is not None:
            self._history.push(event)
        plan.events += 1  # taken back by _resume unless every handler returns None
        try:
            for handler in plan.handlers:
                if (result := handler(event)) is not None:
                    break
            else:
                return plan.size
        except Exception as exc:
            return self._resume(event, plan, handler, None, exc)
        except BaseException:
            self._table.unfast(plan)
            raise
        return self._resume(event, plan, handler, result, None)

    def _publish(self, topic: str, payload: Mapping[str, Any] | None, source: str | None) -> int:
        """:meth:`publish` for what the fast path leaves: new topics, dry run, other payloads."""
        plans = self._plans
        fast = type(payload) is dict and (source is None or type(source) is str)
        if fast and plans is not _NO_PLANS and topic not in plans and self._table.plan(topic):
            return self.publish(topic, payload, source=source)
        subs = self._routes.get(topic)
        if subs is None:
            subs = self._table.route(topic)
        return self._deliver(self._make_event(topic, payload, source), subs)[0]

    def _resume(
        self,
        event: BusEvent,
        plan: RoutePlan,
        handler: Handler,
        result: object,
        error: Exception | None,
    ) -> int:
        """Finish a fast-path event whose ``handler`` raised ``error`` or returned ``result``."""
        self._table.unfast(plan)
        self._counts["events_emitted"] += 1
        index = next(i for i, h in enumerate(plan.handlers) if h is handler)
        return self._dispatch.resume(event, plan.subs, index, result, error)

    def emit(
        self,
        event_name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        source: str | None = None,
    ) -> dict[str, Any]:
        """Deliver an event now and return a receipt.

        Parameters
        ----------
        event_name : str
            Concrete topic.
        payload : Mapping or None, default=None
            Event data.
        source : str or None, default=None
            Emitter label.

        Returns
        -------
        receipt : dict
            ``ok`` (True: the event was accepted; handler failures are reported, not
            raised), ``event``, ``seq``, ``mode``, ``matched``, ``handlers`` (names, in
            delivery order), ``delivered``, ``failed`` and ``scheduled`` (async handlers
            left running on the loop).

        Raises
        ------
        TypeError, ValueError
            If ``event_name`` or ``payload`` is malformed.

        Examples
        --------
        >>> bus = KernelBus(mode="live")
        >>> def broken(event):
        ...     raise KeyError("missing")
        >>> _ = bus.subscribe("job.*", broken)
        >>> _ = bus.subscribe("job.*", lambda e: None, name="fine")
        >>> r = bus.emit("job.done", {"id": 1})
        >>> r["ok"], r["delivered"], r["failed"], bus.dead_letters()[0].reason
        (True, 1, 1, 'handler_error')
        """
        subs = self._table.route(event_name, "event_name")
        event = self._make_event(event_name, payload, source)
        delivered, failed, scheduled = self._deliver(event, subs)
        return self._receipt(event, subs, delivered, failed, scheduled)

    def _make_event(
        self, topic: str, payload: Mapping[str, Any] | None, source: str | None
    ) -> BusEvent:
        if payload is None:
            payload = _EMPTY
        elif type(payload) is not dict and not isinstance(payload, Mapping):
            raise TypeError(f"`payload` must be a Mapping or None, got {describe(payload)}.")
        if source is not None and type(source) is not str:  # hot path: one test per event
            check_str("source", source, allow_none=True)
        return _new_event(BusEvent, (next(self._event_seq), topic, payload, time.time(), source))

    def _receipt(
        self,
        event: BusEvent,
        subs: tuple[Subscription, ...],
        delivered: int,
        failed: int,
        scheduled: int,
    ) -> dict[str, Any]:
        return {
            "ok": True,
            "event": event.topic,
            "seq": event.seq,
            "mode": self.mode,
            "matched": len(subs),
            "handlers": [s.name for s in subs],
            "delivered": delivered,
            "failed": failed,
            "scheduled": scheduled,
        }

    def _record(self, event: BusEvent, subs: tuple[Subscription, ...]) -> bool:
        """Journal and count an event; return whether handlers should run."""
        counts = self._counts
        counts["events_emitted"] += 1
        if self._history is not None:
            self._history.push(event)
        if not subs:
            counts["events_unrouted"] += 1
            return False
        if self.mode == "dry_run":
            counts["dry_run_skipped"] += len(subs)
            return False
        return True

    def _deliver(self, event: BusEvent, subs: tuple[Subscription, ...]) -> tuple[int, int, int]:
        if not self._record(event, subs):
            return 0, 0, 0
        return self._dispatch.deliver(event, subs)

    # -- asynchronous delivery -------------------------------------------------------
    async def emit_async(
        self,
        event_name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        source: str | None = None,
    ) -> dict[str, Any]:
        """Deliver an event, awaiting each async handler in priority order.

        Parameters
        ----------
        event_name : str
            Concrete topic.
        payload : Mapping or None, default=None
            Event data.
        source : str or None, default=None
            Emitter label.

        Returns
        -------
        receipt : dict
            As :meth:`emit`; ``scheduled`` is always 0.

        Examples
        --------
        >>> import asyncio
        >>> bus = KernelBus(mode="live", handler_timeout=0.01)
        >>> async def slow(event):
        ...     await asyncio.sleep(1)
        >>> _ = bus.subscribe("t", slow)
        >>> r = asyncio.run(bus.emit_async("t"))
        >>> r["failed"], bus.dead_letters()[0].reason
        (1, 'timeout')
        """
        subs = self._table.route(event_name, "event_name")
        event = self._make_event(event_name, payload, source)
        delivered, failed = await self._deliver_async(event, subs)
        return self._receipt(event, subs, delivered, failed, 0)

    async def _deliver_async(
        self, event: BusEvent, subs: tuple[Subscription, ...]
    ) -> tuple[int, int]:
        if not self._record(event, subs):
            return 0, 0
        return await self._dispatch.deliver_async(event, subs)

    async def join(self) -> None:
        """Wait until every async handler scheduled by :meth:`emit`/:meth:`drain` has finished.

        Examples
        --------
        >>> import asyncio
        >>> bus = KernelBus(mode="live")
        >>> seen = []
        >>> async def handler(event):
        ...     seen.append(event.seq)
        >>> _ = bus.subscribe("t", handler)
        >>> async def main():
        ...     bus.emit("t")
        ...     await bus.join()
        >>> asyncio.run(main()); seen
        [0]
        """
        await self._dispatch.join()

    # -- queued delivery with backpressure -------------------------------------------
    def post(
        self, topic: str, payload: Mapping[str, Any] | None = None, *, source: str | None = None
    ) -> bool:
        """Queue an event for the next :meth:`drain`; return whether it is queued.

        Under pressure the queue sheds load with its decimation policy: the event
        may be refused (False) or, later, thinned out; losses are counted in
        :meth:`get_stats` and never reorder what remains.

        Parameters
        ----------
        topic : str
            Concrete topic.
        payload : Mapping or None, default=None
            Event data.
        source : str or None, default=None
            Emitter label.

        Returns
        -------
        queued : bool

        Examples
        --------
        >>> bus = KernelBus(mode="live", queue_capacity=4)
        >>> [bus.post("t", {"i": i}) for i in range(3)]
        [True, True, True]
        >>> bus.get_stats()["queued"]
        3
        """
        if topic not in self._routes:
            check_topic("topic", topic)
        event = self._make_event(topic, payload, source)
        queue = self._queue
        before = len(queue)
        self._counts["events_posted"] += 1
        if not queue.push(event):
            return False
        lost = before + 1 - len(queue)
        if lost:
            self._counts["events_decimated"] += lost
            return queue[-1] is event
        return True

    def _take(self, max_events: int | None) -> list[BusEvent]:
        if max_events is None:
            batch: list[BusEvent] = self._queue.pop_all()
        else:
            n = min(check_int("max_events", max_events, low=0), len(self._queue))
            batch = [self._queue.popleft() for _ in range(n)]
        self._counts["events_drained"] += len(batch)
        return batch

    def drain(self, max_events: int | None = None) -> int:
        """Deliver queued events, oldest first; return how many were delivered.

        Events posted by handlers during a drain wait for the next one.

        Parameters
        ----------
        max_events : int or None, default=None
            Deliver at most this many (None: everything queued now).

        Returns
        -------
        drained : int

        Examples
        --------
        >>> bus = KernelBus(mode="live")
        >>> seen = []
        >>> _ = bus.subscribe("t", lambda e: seen.append(e.payload["i"]))
        >>> for i in range(3):
        ...     _ = bus.post("t", {"i": i})
        >>> bus.drain(max_events=2), list(seen)
        (2, [0, 1])
        >>> bus.drain(), seen
        (1, [0, 1, 2])
        """
        batch = self._take(max_events)
        routes = self._routes
        for event in batch:
            subs = routes.get(event.topic)
            if subs is None:
                subs = self._table.route(event.topic)
            self._deliver(event, subs)
        return len(batch)

    async def drain_async(self, max_events: int | None = None) -> int:
        """Like :meth:`drain`, awaiting async handlers in order (see :meth:`emit_async`).

        Parameters
        ----------
        max_events : int or None, default=None
            Deliver at most this many (None: everything queued now).

        Returns
        -------
        drained : int

        Examples
        --------
        >>> import asyncio
        >>> bus = KernelBus(mode="live")
        >>> _ = bus.post("t")
        >>> asyncio.run(bus.drain_async())
        1
        """
        batch = self._take(max_events)
        for event in batch:
            await self._deliver_async(event, self.route(event.topic))
        return len(batch)

    # -- LUKHAS message shape and configuration ----------------------------------------
    def send_message(self, msg: object) -> dict[str, Any]:
        """Emit a LUKHAS-style message; malformed messages are refused, never raised.

        A message is a mapping with the topic under ``"topic"``, ``"event"``,
        ``"event_name"`` or ``"type"`` and the payload under ``"payload"`` or
        ``"data"``, or an object with ``topic`` and ``payload`` attributes.

        Parameters
        ----------
        msg : object
            The message.

        Returns
        -------
        receipt : dict
            The :meth:`emit` receipt, or ``{"ok": False, "error": ...}`` for a
            message that names no valid topic or carries a non-mapping payload
            (counted as ``messages_rejected``).

        Examples
        --------
        >>> bus = KernelBus()
        >>> bus.send_message({"topic": "a.b", "data": {"x": 1}})["ok"]
        True
        >>> bus.send_message(None)["ok"]
        False
        """
        if isinstance(msg, Mapping):
            topic = next((msg[k] for k in _MESSAGE_TOPIC_KEYS if k in msg), None)
            payload = next((msg[k] for k in _MESSAGE_PAYLOAD_KEYS if k in msg), None)
        else:
            topic = getattr(msg, "topic", None)
            payload = getattr(msg, "payload", None)
        if topic is None:
            self._counts["messages_rejected"] += 1
            error = f"the message names no topic, got {describe(msg)}."
            return {"ok": False, "error": error, "mode": self.mode}
        try:
            return self.emit(topic, payload)  # emit validates both
        except (TypeError, ValueError) as err:
            self._counts["messages_rejected"] += 1
            return {"ok": False, "error": str(err), "mode": self.mode}

    @staticmethod
    def _check_timeout(value: object) -> float | None:
        if value is None:
            return None
        return check_real("handler_timeout", value, low=0.0, low_inclusive=False)

    def configure(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Change ``mode`` and/or ``handler_timeout``; return the new :meth:`get_status`.

        Parameters
        ----------
        options : Mapping
            Keys ``"mode"`` (``"dry_run"`` or ``"live"``) and ``"handler_timeout"``
            (seconds or None).  All are checked before any is applied.

        Returns
        -------
        status : dict

        Raises
        ------
        TypeError, ValueError
            On an unknown key or a bad value.

        Examples
        --------
        >>> KernelBus().configure({"mode": "live"})["mode"]
        'live'
        """
        if not isinstance(options, Mapping):
            raise TypeError(f"`options` must be a Mapping, got {describe(options)}.")
        unknown = sorted(set(options) - {"mode", "handler_timeout"})
        if unknown:
            raise ValueError(
                f"`options` may hold 'mode' and 'handler_timeout', got unknown key(s) {unknown}."
            )
        mode = check_choice("mode", options.get("mode", self.mode), MODES)
        timeout = self._check_timeout(options.get("handler_timeout", self.handler_timeout))
        self.mode, self.handler_timeout = mode, timeout
        return self.get_status()

    def __repr__(self) -> str:
        return (
            f"KernelBus(mode={self.mode!r}, subscriptions={len(self._table)}, "
            f"queued={len(self._queue)}, dead_letters={len(self._dispatch.dead)})"
        )
