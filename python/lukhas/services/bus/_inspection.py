"""The kernel bus's read side: status, counters, the event journal and dead letters.

:class:`BusInspection` is a base of :class:`~lukhas.services.bus.kernel_bus.KernelBus`
holding the methods that only read (or drain) the state the bus keeps.
"""

from __future__ import annotations

from typing import Any

from lukhas._validation import check_int
from lukhas.primitives.ring import DecimatingRing, Ring
from lukhas.services.bus._bus_records import BusEvent, DeadLetter
from lukhas.services.bus._dispatch import Dispatcher
from lukhas.services.bus._routing import RouteTable

__all__ = ["BusInspection"]


class BusInspection:
    """Read-side methods of the kernel bus (a base class; it holds no state of its own)."""

    _mode: str
    _counts: dict[str, int]
    _table: RouteTable
    _queue: DecimatingRing
    _dispatch: Dispatcher
    _history: Ring | None

    def get_status(self) -> dict[str, Any]:
        """Return a health snapshot.

        Returns
        -------
        status : dict
            ``ok`` (True), ``mode``, ``subscriptions``, ``pending_async``, ``queued``,
            ``dead_letters`` (held now) and ``handler_timeout``.

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> status = KernelBus().get_status()
        >>> status["ok"], status["mode"], status["subscriptions"]
        (True, 'dry_run', 0)
        """
        return {
            "ok": True,
            "mode": self._mode,
            "subscriptions": len(self._table),
            "pending_async": self._dispatch.pending,
            "queued": len(self._queue),
            "dead_letters": len(self._dispatch.dead),
            "handler_timeout": self._dispatch.handler_timeout,
        }

    def get_stats(self) -> dict[str, Any]:
        """Return the delivery counters and the queue's backpressure stats.

        Returns
        -------
        stats : dict
            ``events_emitted`` (journaled events, direct or drained),
            ``events_unrouted`` (no subscriber), ``deliveries`` (handler calls that
            succeeded), ``handler_failures``, ``dry_run_skipped``, ``async_scheduled``,
            ``events_posted``, ``events_dropped`` and ``events_decimated`` (queue
            losses), ``events_drained``, ``queued``, ``dead_letters_total``,
            ``dead_letters_evicted``, ``messages_rejected``, ``pending_async`` and
            ``backpressure`` (the ring's ``get_backpressure_stats()``).

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> bus = KernelBus(mode="live")
        >>> _ = bus.emit("nobody.listens")
        >>> bus.get_stats()["events_unrouted"]
        1
        """
        stats: dict[str, Any] = dict(self._counts)
        fast_events, fast_deliveries = self._table.fast_totals()
        stats["events_emitted"] += fast_events
        stats["events_dropped"] = self._queue.total_drops
        dispatch = self._dispatch
        stats["deliveries"] = dispatch.deliveries + fast_deliveries
        stats["handler_failures"] = dispatch.failures
        stats["async_scheduled"] = dispatch.scheduled
        stats["dead_letters_total"] = dispatch.dead.total
        stats["dead_letters_evicted"] = dispatch.dead.evicted
        stats["queued"] = len(self._queue)
        stats["pending_async"] = self._dispatch.pending
        stats["backpressure"] = self._queue.get_backpressure_stats()
        return stats

    def recent_events(self, n: int | None = None) -> list[BusEvent]:
        """Return the newest ``n`` journaled events (all kept when None), oldest first.

        Parameters
        ----------
        n : int or None, default=None
            How many; at most the number kept.

        Returns
        -------
        events : list of BusEvent

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> bus = KernelBus()
        >>> for t in ("a", "b", "c"):
        ...     _ = bus.emit(t)
        >>> [e.topic for e in bus.recent_events(2)]
        ['b', 'c']
        """
        if self._history is None:
            return []
        if n is None:
            return list(self._history.to_list())
        return list(self._history.latest(min(check_int("n", n, low=0), len(self._history))))

    def dead_letters(self) -> list[DeadLetter]:
        """Return the dead letters held now, oldest first, without removing them.

        Returns
        -------
        letters : list of DeadLetter

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> KernelBus().dead_letters()
        []
        """
        return self._dispatch.dead.to_list()

    def drain_dead_letters(self) -> list[DeadLetter]:
        """Remove and return the dead letters held now, oldest first.

        Returns
        -------
        letters : list of DeadLetter

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> bus = KernelBus(mode="live")
        >>> _ = bus.subscribe("t", lambda e: 1 / 0)
        >>> _ = bus.emit("t")
        >>> len(bus.drain_dead_letters()), len(bus.dead_letters())
        (1, 0)
        """
        return self._dispatch.dead.drain()

    def retry_dead_letters(self) -> int:
        """Re-deliver each dead letter to the handler that failed; return the successes.

        Letters whose subscription has since been removed are discarded; sync
        handlers that fail again return to the queue, and async results are
        scheduled as in :meth:`emit`.

        Returns
        -------
        recovered : int
            Sync handlers that succeeded this time.

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> bus = KernelBus(mode="live")
        >>> flaky = {"fail": True}
        >>> def handler(event):
        ...     if flaky.pop("fail", False):
        ...         raise ConnectionError("down")
        >>> _ = bus.subscribe("t", handler)
        >>> _ = bus.emit("t")
        >>> bus.retry_dead_letters(), bus.dead_letters()
        (1, [])
        """
        recovered = 0
        for letter in self.drain_dead_letters():
            if not letter.subscription.active:
                continue
            if self._mode == "dry_run":
                self._counts["dry_run_skipped"] += 1
            elif self._dispatch.recall(letter):
                recovered += 1
        return recovered
