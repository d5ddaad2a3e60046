"""Calling handlers in isolation: the kernel bus's delivery engine.

:class:`Dispatcher` runs each handler of a route so that nothing one handler
does (raise, hang past the time limit, get cancelled) reaches the others or the
emitter; every such failure becomes a :class:`DeadLetter`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable
from typing import Any

from lukhas.services.bus._bus_records import (
    BusEvent,
    DeadLetter,
    DeadLetterQueue,
    DeadLetterReason,
    Subscription,
)

__all__ = ["Dispatcher"]

logger = logging.getLogger("lukhas.services.bus.kernel_bus")


class Dispatcher:
    """Delivers events to subscriptions, isolating and recording every failure.

    Parameters
    ----------
    dead_letter_capacity : int
        Dead letters held (validated by the caller).
    handler_timeout : float or None
        Seconds an async handler may run (validated by the caller).

    Attributes
    ----------
    dead : DeadLetterQueue
        The failures.
    handler_timeout : float or None
        Current async time limit.
    deliveries, failures, scheduled : int
        Handler calls that succeeded, that failed, and async results scheduled on a loop.

    Examples
    --------
    >>> dispatcher = Dispatcher(8, None)
    >>> ok = Subscription("t", lambda e: None, 0, "ok", 0)
    >>> bad = Subscription("t", lambda e: 1 / 0, 0, "bad", 1)
    >>> dispatcher.deliver(BusEvent(0, "t", {}, 0.0, None), (bad, ok))
    (1, 1, 0)
    >>> dispatcher.dead.to_list()[0].handler
    'bad'
    """

    __slots__ = ("_pending", "dead", "deliveries", "failures", "handler_timeout", "scheduled")

    def __init__(self, dead_letter_capacity: int, handler_timeout: float | None) -> None:
        self.dead = DeadLetterQueue(dead_letter_capacity)
        self.handler_timeout = handler_timeout
        self.deliveries = 0
        self.failures = 0
        self.scheduled = 0
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Scheduled async handlers not finished yet."""
        return len(self._pending)

    def deliver(self, event: BusEvent, subs: tuple[Subscription, ...]) -> tuple[int, int, int]:
        """Call every handler in ``subs``; return (delivered, failed, scheduled).

        Async results go to the running loop (see :meth:`join`).
        """
        delivered = failed = scheduled = 0
        for sub in subs:
            try:
                result = sub.handler(event)
            except Exception as exc:
                self.fail(event, sub, "handler_error", exc)
                failed += 1
                continue
            if result is None or not inspect.isawaitable(result):
                sub._delivered += 1
                delivered += 1
            elif self._schedule(event, sub, result):
                scheduled += 1
            else:
                failed += 1
        self.deliveries += delivered
        return delivered, failed, scheduled

    def resume(
        self,
        event: BusEvent,
        subs: tuple[Subscription, ...],
        index: int,
        result: object,
        error: Exception | None,
    ) -> int:
        """Account for a fast-path call that did not return None, then deliver the rest.

        ``subs[:index]`` returned None; ``subs[index]`` raised ``error`` (when not
        None) or returned ``result``.  Returns the sync deliveries of the whole event.
        """
        for sub in subs[:index]:
            sub._delivered += 1
        self.deliveries += index
        delivered = index
        sub = subs[index]
        if error is not None:
            self.fail(event, sub, "handler_error", error)
        elif inspect.isawaitable(result):
            self._schedule(event, sub, result)
        else:
            sub._delivered += 1
            self.deliveries += 1
            delivered += 1
        return delivered + self.deliver(event, subs[index + 1 :])[0]

    def recall(self, letter: DeadLetter) -> bool:
        """Deliver a dead letter again to its handler; True if a sync handler succeeded."""
        return self.deliver(letter.event, (letter.subscription,))[0] == 1

    def _schedule(self, event: BusEvent, sub: Subscription, awaitable: Awaitable[Any]) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError as err:
            if inspect.iscoroutine(awaitable):
                awaitable.close()  # never started: close it rather than leak a warning
            self.fail(event, sub, "no_event_loop", err)
            return False
        task = loop.create_task(self._run_scheduled(event, sub, awaitable))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        self.scheduled += 1
        return True

    async def _run_scheduled(
        self, event: BusEvent, sub: Subscription, awaitable: Awaitable[Any]
    ) -> None:
        if await self.await_isolated(event, sub, awaitable):
            sub._delivered += 1
            self.deliveries += 1

    async def await_isolated(
        self, event: BusEvent, sub: Subscription, awaitable: Awaitable[Any]
    ) -> bool:
        """Await one handler's result under the time limit; True on success.

        A cancellation of the awaiting task itself is recorded and re-raised.
        """
        try:
            async with asyncio.timeout(self.handler_timeout) as scope:
                await awaitable
        except TimeoutError as exc:
            reason: DeadLetterReason = "timeout" if scope.expired() else "handler_error"
            self.fail(event, sub, reason, exc)
            return False
        except asyncio.CancelledError as exc:
            self.fail(event, sub, "cancelled", exc)
            raise
        except Exception as exc:
            self.fail(event, sub, "handler_error", exc)
            return False
        return True

    async def deliver_async(
        self, event: BusEvent, subs: tuple[Subscription, ...]
    ) -> tuple[int, int]:
        """Call every handler in ``subs``, awaiting each; return (delivered, failed)."""
        delivered = failed = 0
        for sub in subs:
            try:
                result = sub.handler(event)
            except Exception as exc:
                self.fail(event, sub, "handler_error", exc)
                failed += 1
                continue
            if (
                result is not None
                and inspect.isawaitable(result)
                and not await self.await_isolated(event, sub, result)
            ):
                failed += 1
                continue
            sub._delivered += 1
            delivered += 1
        self.deliveries += delivered
        return delivered, failed

    def fail(
        self,
        event: BusEvent,
        sub: Subscription,
        reason: DeadLetterReason,
        error: BaseException | None,
    ) -> None:
        """Record a failed delivery as a dead letter."""
        sub.failed += 1
        self.failures += 1
        self.dead.push(DeadLetter(event, sub, reason, error, time.time()))
        logger.debug("kernel bus: %s for %r on %r: %r", reason, sub.name, event.topic, error)

    async def join(self) -> None:
        """Wait for every scheduled async handler, including ones scheduled meanwhile."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
