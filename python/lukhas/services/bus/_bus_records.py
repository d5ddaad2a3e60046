"""The records the kernel bus hands around: events, subscriptions and dead letters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from lukhas.primitives.ring import Ring

__all__ = [
    "BusEvent",
    "DeadLetter",
    "DeadLetterQueue",
    "DeadLetterReason",
    "Handler",
    "RoutePlan",
    "Subscription",
]

#: A handler takes the event; it may return an awaitable (an ``async def`` handler).
Handler = Callable[["BusEvent"], object]


class BusEvent(NamedTuple):
    """One event on the bus.

    Attributes
    ----------
    seq : int
        Bus-wide sequence number, increasing in the order events were created.
    topic : str
        Concrete dot-separated topic, e.g. ``"memory.fold.done"``.
    payload : Mapping[str, Any]
        The data; handlers must treat it as read-only (every handler gets the same mapping).
    timestamp : float
        Creation time, seconds since the Unix epoch.
    source : str or None
        Who emitted it, when the emitter said.

    Examples
    --------
    >>> event = BusEvent(7, "memory.fold", {"n": 3}, 0.0, None)
    >>> event.ts.isoformat(), event.to_dict()["topic"]
    ('1970-01-01T00:00:00+00:00', 'memory.fold')
    """

    seq: int
    topic: str
    payload: Mapping[str, Any]
    timestamp: float
    source: str | None

    @property
    def ts(self) -> datetime:
        """Creation time as a timezone-aware UTC :class:`~datetime.datetime`."""
        return datetime.fromtimestamp(self.timestamp, tz=UTC)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (the timestamp as ISO 8601 text).

        Returns
        -------
        record : dict
            Keys ``seq``, ``topic``, ``payload`` (a shallow copy), ``ts`` and ``source``.

        Examples
        --------
        >>> BusEvent(1, "a.b", {}, 0.0, "test").to_dict()["ts"]
        '1970-01-01T00:00:00+00:00'
        """
        return {
            "seq": self.seq,
            "topic": self.topic,
            "payload": dict(self.payload),
            "ts": self.ts.isoformat(),
            "source": self.source,
        }


class Subscription:
    """A handler bound to a topic pattern; returned by :meth:`KernelBus.subscribe`.

    Identity, not value, makes two subscriptions equal: subscribing the same handler
    twice gives two subscriptions, and each is called.

    Parameters
    ----------
    pattern, handler, priority, name, seq
        As the attributes below.

    Attributes
    ----------
    pattern : str
        Topic pattern, with ``*`` (one word) and ``#`` (any number of words).
    handler : callable
        Called with the :class:`BusEvent`.
    priority : int
        Higher runs first; equal priorities run in subscription order.
    name : str
        Label used in dead letters and stats.
    seq : int
        Subscription order on its bus.
    failed : int
        Calls that raised or timed out.
    active : bool
        False once unsubscribed.

    Examples
    --------
    >>> sub = Subscription("a.*", print, 0, "print", 0)
    >>> sub.delivered, sub.sort_key()
    (0, (0, 0))
    """

    __slots__ = (
        "_delivered",
        "_plans",
        "active",
        "failed",
        "handler",
        "name",
        "pattern",
        "priority",
        "seq",
    )

    def __init__(self, pattern: str, handler: Handler, priority: int, name: str, seq: int) -> None:
        self.pattern = pattern
        self.handler = handler
        self.priority = priority
        self.name = name
        self.seq = seq
        self.failed = 0
        self.active = True
        self._delivered = 0  # counted one by one (dispatcher) or folded in from plans
        self._plans: list[RoutePlan] = []  # live plans whose event counts are also ours

    @property
    def delivered(self) -> int:
        """Calls that returned normally (an async handler: once its awaitable finished)."""
        return self._delivered + sum(plan.events for plan in self._plans)

    def sort_key(self) -> tuple[int, int]:
        """Delivery order: higher priority first, then subscription order."""
        return (-self.priority, self.seq)

    def __repr__(self) -> str:
        return (
            f"Subscription(pattern={self.pattern!r}, name={self.name!r}, "
            f"priority={self.priority}, seq={self.seq}, active={self.active})"
        )


class RoutePlan:
    """One exact topic's precomputed delivery: its route and the bare handler tuple.

    The kernel bus's fast path calls ``handlers`` in order and, when every call
    returned None, adds one to ``events`` instead of counting each delivery: the
    subscriptions read their share back through :attr:`Subscription.delivered`.
    A plan lives until the subscriptions change (see :meth:`RouteTable.flush`).

    Parameters
    ----------
    subs : tuple of Subscription
        The topic's route, in delivery order (not empty).

    Attributes
    ----------
    subs : tuple of Subscription
    handlers : tuple of callable
        ``tuple(s.handler for s in subs)``, distinct objects.
    size : int
        ``len(subs)``.
    events : int
        Events delivered to every handler of the route by the fast path, not yet folded.
    live : bool
        False once folded (the plan is then no longer the topic's).

    Examples
    --------
    >>> sub = Subscription("t", print, 0, "print", 0)
    >>> plan = RoutePlan((sub,))
    >>> plan.events += 2
    >>> sub.delivered
    2
    """

    __slots__ = ("events", "handlers", "live", "size", "subs")

    def __init__(self, subs: tuple[Subscription, ...]) -> None:
        self.subs = subs
        self.handlers: tuple[Handler, ...] = tuple(sub.handler for sub in subs)
        self.size = len(subs)
        self.events = 0
        self.live = True
        for sub in subs:
            sub._plans.append(self)

    def fold(self) -> int:
        """Move the event count into the subscriptions' own counts and return it."""
        events, self.events, self.live = self.events, 0, False
        for sub in self.subs:
            sub._delivered += events
            sub._plans.remove(self)
        return events


#: Why a delivery ended in the dead-letter queue.
DeadLetterReason = Literal["handler_error", "timeout", "cancelled", "no_event_loop"]


class DeadLetter(NamedTuple):
    """A delivery that failed, kept for inspection and retry.

    Attributes
    ----------
    event : BusEvent
        The event that could not be delivered.
    subscription : Subscription
        The subscription whose handler failed.
    reason : str
        ``"handler_error"`` (it raised), ``"timeout"`` (an async handler overran the
        bus's ``handler_timeout``), ``"cancelled"`` (its task was cancelled) or
        ``"no_event_loop"`` (an async handler reached from synchronous code with no
        running event loop).
    error : BaseException or None
        The exception, when there was one.
    timestamp : float
        When the failure was recorded, seconds since the Unix epoch.
    """

    event: BusEvent
    subscription: Subscription
    reason: DeadLetterReason
    error: BaseException | None
    timestamp: float

    @property
    def handler(self) -> str:
        """Name of the handler that failed."""
        return self.subscription.name


class DeadLetterQueue:
    """Bounded queue of :class:`DeadLetter`, oldest evicted first, with lifetime counts.

    Parameters
    ----------
    capacity : int
        Letters held at most (validated by the caller).

    Attributes
    ----------
    total : int
        Letters ever pushed.
    evicted : int
        Letters pushed out by newer ones before anyone drained them.

    Examples
    --------
    >>> queue = DeadLetterQueue(1)
    >>> sub = Subscription("t", print, 0, "print", 0)
    >>> event = BusEvent(0, "t", {}, 0.0, None)
    >>> for _ in range(3):
    ...     queue.push(DeadLetter(event, sub, "handler_error", None, 0.0))
    >>> len(queue), queue.total, queue.evicted
    (1, 3, 2)
    """

    __slots__ = ("_ring", "evicted", "total")

    def __init__(self, capacity: int) -> None:
        self._ring = Ring(capacity)
        self.total = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._ring)

    def push(self, letter: DeadLetter) -> None:
        """Add a letter, evicting the oldest when full."""
        self.total += 1
        if self._ring.full:
            self.evicted += 1
        self._ring.push(letter)

    def to_list(self) -> list[DeadLetter]:
        """The letters held, oldest first, left in place."""
        letters: list[DeadLetter] = self._ring.to_list()
        return letters

    def drain(self) -> list[DeadLetter]:
        """Remove and return the letters held, oldest first."""
        letters: list[DeadLetter] = self._ring.pop_all()
        return letters
