"""The kernel bus's routing table: subscriptions by pattern, routes cached by topic."""

from __future__ import annotations

import itertools

from lukhas._validation import check_int, describe
from lukhas.services.bus._bus_records import Handler, RoutePlan, Subscription
from lukhas.services.bus._topics import TopicTrie, check_pattern, check_topic

__all__ = ["RouteTable"]

#: Routes cached before the cache is rebuilt from scratch (topics carrying ids are unbounded).
_ROUTE_CACHE_LIMIT = 4096


class RouteTable:
    """Subscriptions stored in a :class:`TopicTrie`, with each topic's route cached.

    A route is the tuple of subscriptions a topic reaches, in delivery order
    (priority descending, then subscription order).  Any change to the
    subscriptions clears the cache, so a route never names a removed subscription.

    Beside each non-empty route the table keeps a :class:`RoutePlan` (the bare
    handler tuple the bus's fast path calls); a plan's event count is folded into
    the subscriptions and the totals below before the plans are dropped.

    Attributes
    ----------
    cache : dict of str to tuple of Subscription
        Routes resolved so far.  Hot paths may read it directly; it is cleared in
        place, never rebound.
    plans : dict of str to RoutePlan or None
        The plans of the topics routed by :meth:`plan` (None: no fast path); cleared
        in place with ``cache``, never rebound.
    folded_events, folded_deliveries : int
        Fast-path events (and their deliveries) of plans dropped so far.

    Examples
    --------
    >>> table = RouteTable()
    >>> sub = table.add("memory.#", print, priority=0, name=None)
    >>> table.route("memory.fold") == (sub,), table.route("dream") == ()
    (True, True)
    """

    __slots__ = ("_seq", "_subs", "_trie", "cache", "folded_deliveries", "folded_events", "plans")

    def __init__(self) -> None:
        self._trie: TopicTrie[Subscription] = TopicTrie()
        self._subs: list[Subscription] = []
        self._seq = itertools.count()
        self.cache: dict[str, tuple[Subscription, ...]] = {}
        self.plans: dict[str, RoutePlan | None] = {}
        self.folded_events = 0
        self.folded_deliveries = 0

    def __len__(self) -> int:
        return len(self._subs)

    def add(
        self, pattern: str, handler: Handler, *, priority: int, name: str | None
    ) -> Subscription:
        """Validate and store a subscription (see :meth:`KernelBus.subscribe`)."""
        words = check_pattern("pattern", pattern)
        if not callable(handler):
            raise TypeError(f"`handler` must be callable, got {describe(handler)}.")
        prio = check_int("priority", priority)
        if name is None:
            label = str(getattr(handler, "__qualname__", None) or type(handler).__name__)
        elif isinstance(name, str):
            label = name
        else:
            raise TypeError(f"`name` must be a str or None, got {describe(name)}.")
        sub = Subscription(pattern, handler, prio, label, next(self._seq))
        self._trie.add(words, sub)
        self._subs.append(sub)
        self.invalidate()
        return sub

    def remove(self, subscription: Subscription) -> bool:
        """Remove a subscription; return whether this table held it."""
        if not isinstance(subscription, Subscription):
            raise TypeError(f"`subscription` must be a Subscription, got {describe(subscription)}.")
        words = check_pattern("pattern", subscription.pattern)
        if not self._trie.remove(words, subscription):
            return False
        subscription.active = False
        self._subs.remove(subscription)
        self.invalidate()
        return True

    def invalidate(self) -> None:
        """Drop every cached route and plan, folding the plans' counts first."""
        for plan in self.plans.values():
            if plan is None:
                continue
            events = plan.fold()
            self.folded_events += events
            self.folded_deliveries += events * len(plan.subs)
        self.plans.clear()
        self.cache.clear()

    def fast_totals(self) -> tuple[int, int]:
        """Return the fast path's (events, deliveries) so far, folded or not."""
        events, deliveries = self.folded_events, self.folded_deliveries
        for plan in self.plans.values():
            if plan is None:
                continue
            events += plan.events
            deliveries += plan.events * len(plan.subs)
        return events, deliveries

    def unfast(self, plan: RoutePlan) -> None:
        """Take back one fast-path event of ``plan`` that did not reach every handler."""
        if plan.live:
            plan.events -= 1
            return
        for sub in plan.subs:  # folded while its handlers ran (one of them subscribed)
            sub._delivered -= 1
        self.folded_events -= 1
        self.folded_deliveries -= len(plan.subs)

    def plan(self, topic: str) -> RoutePlan | None:
        """Return (and keep) the plan of ``topic``; None (kept too) for the general path.

        A topic that reaches no one, or reaches one handler object through two
        subscriptions (the fast path tells handlers apart by identity), has no plan.

        Raises
        ------
        TypeError, ValueError
            If ``topic`` is not a concrete topic.
        """
        if topic in self.plans:
            return self.plans[topic]
        subs = self.route(topic)
        distinct = len({id(sub.handler) for sub in subs}) == len(subs)
        plan = self.plans[topic] = RoutePlan(subs) if subs and distinct else None
        return plan

    def subscriptions(self) -> list[Subscription]:
        """Return the subscriptions in subscription order."""
        return list(self._subs)

    def route(self, topic: str, param: str = "topic") -> tuple[Subscription, ...]:
        """Return (and cache) the subscriptions ``topic`` reaches, in delivery order.

        ``param`` names the caller's parameter in error messages.

        Raises
        ------
        TypeError, ValueError
            If ``topic`` is not a concrete topic.
        """
        subs = self.cache.get(topic)
        if subs is None:
            check_topic(param, topic)
            subs = tuple(sorted(self._trie.match(topic), key=Subscription.sort_key))
            if len(self.cache) >= _ROUTE_CACHE_LIMIT:
                self.invalidate()
            self.cache[topic] = subs
        return subs
