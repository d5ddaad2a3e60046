"""The memory hub: one front door to named memory services, for registered clients.

Services are registered by name (:meth:`MemoryHub.register_service`; anything, a
memory manager above all).  Clients register with the capabilities they may use
(:meth:`MemoryHub.register_client`, ``read``/``write``/``search``).
:meth:`MemoryHub.store`, :meth:`~MemoryHub.retrieve` and :meth:`~MemoryHub.search`
check the client's capability, route to the named service (the default one
when none is named) and announce every write to the connected bridges
(:meth:`MemoryHub.connect_bridge`: objects with an ``on_memory_event(event)``
method or callables, sync or async).  A bridge that fails is counted and
disconnected after ``max_bridge_failures`` failures in a row; it never fails the
write.

Examples
--------
>>> import asyncio
>>> from lukhas.domain.consciousness.reflection.unified_memory_manager import (
...     EnhancedMemoryManager)
>>> async def main():
...     hub = MemoryHub()
...     hub.register_service("episodic", EnhancedMemoryManager())
...     await hub.register_client("reflection", ["read", "write"])
...     mid = await hub.store("reflection", {"text": "calm morning"}, memory_id="m1")
...     return await hub.retrieve("reflection", mid)
>>> asyncio.run(main())
{'text': 'calm morning'}
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from lukhas._validation import check_int, check_str, describe

__all__ = ["CAPABILITIES", "MemoryHub"]

logger = logging.getLogger(__name__)

#: What a client may be allowed to do.
CAPABILITIES = frozenset({"read", "write", "search"})


class MemoryHub:
    """Routes memory requests from registered clients to named services (module notes).

    Parameters
    ----------
    max_bridge_failures : int, default=3
        Failures in a row after which a bridge is disconnected.
    """

    def __init__(self, *, max_bridge_failures: int = 3) -> None:
        self._services: dict[str, Any] = {}
        self._default: str | None = None
        self._clients: dict[str, frozenset[str]] = {}
        self._bridges: list[Any] = []
        self._bridge_failures: dict[int, int] = {}
        self._max_failures = check_int("max_bridge_failures", max_bridge_failures, low=1)
        self.stats: Counter[str] = Counter()

    def register_service(self, name: str, service: Any, *, default: bool = False) -> None:
        """Register a memory service (the first one is the default)."""
        check_str("name", name, empty=False)
        if service is None:
            raise TypeError("`service` must be a memory service, got None.")
        self._services[name] = service
        if default or self._default is None:
            self._default = name

    async def register_client(self, client_id: str,
                              capabilities: Iterable[str] | str | None = None) -> dict[str, Any]:
        """Register a client with its capabilities (default: all); returns its record."""
        check_str("client_id", client_id, empty=False)
        if capabilities is None:
            caps = CAPABILITIES
        else:
            items = [capabilities] if isinstance(capabilities, str) else list(capabilities)
            unknown = sorted(set(map(str, items)) - CAPABILITIES)
            if unknown:
                raise ValueError(f"`capabilities` must be among {sorted(CAPABILITIES)}, "
                                 f"got {unknown}.")
            caps = frozenset(items)
        self._clients[client_id] = caps
        return {"client_id": client_id, "capabilities": sorted(caps),
                "registered_at": datetime.now(UTC)}

    async def connect_bridge(self, bridge: Any) -> bool:
        """Connect a bridge that hears about every write; True if newly connected."""
        if not (callable(bridge) or callable(getattr(bridge, "on_memory_event", None))):
            raise TypeError("`bridge` must be callable or have on_memory_event(event), "
                            f"got {describe(bridge)}.")
        if any(b is bridge for b in self._bridges):
            return False
        self._bridges.append(bridge)
        self._bridge_failures[id(bridge)] = 0
        return True

    @property
    def bridges(self) -> int:
        """Connected bridges."""
        return len(self._bridges)

    def _service(self, client_id: str, capability: str, service: str | None) -> Any:
        caps = self._clients.get(client_id)
        if caps is None:
            raise PermissionError(f"client {client_id!r} is not registered with the hub.")
        if capability not in caps:
            raise PermissionError(f"client {client_id!r} may not {capability} "
                                  f"(capabilities {sorted(caps)}).")
        name = self._default if service is None else service
        if name is None or name not in self._services:
            raise LookupError(f"no memory service {name!r} is registered.")
        self.stats[f"{capability}:{name}"] += 1
        return self._services[name]

    async def _announce(self, event: dict[str, Any]) -> None:
        for bridge in list(self._bridges):
            handler = bridge if callable(bridge) else bridge.on_memory_event
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
                self._bridge_failures[id(bridge)] = 0
            except Exception as err:  # a bridge never fails a write
                self.stats["bridge_failures"] += 1
                n = self._bridge_failures[id(bridge)] = self._bridge_failures[id(bridge)] + 1
                logger.warning("memory bridge failed (%d in a row): %s", n, err)
                if n >= self._max_failures:
                    self._bridges.remove(bridge)
                    del self._bridge_failures[id(bridge)]

    async def store(self, client_id: str, data: Any, memory_id: str | None = None, *,
                    service: str | None = None) -> str:
        """Store through a service; announce the write to the bridges; returns the id."""
        svc = self._service(client_id, "write", service)
        mid = str(await svc.store_memory(data, memory_id=memory_id))
        await self._announce({"type": "memory_stored", "memory_id": mid, "client": client_id,
                              "service": service or self._default,
                              "at": datetime.now(UTC)})
        return mid

    async def retrieve(self, client_id: str, memory_id: str, *,
                       service: str | None = None) -> Any:
        """Retrieve through a service (None if absent)."""
        return await self._service(client_id, "read", service).retrieve_memory(memory_id)

    async def search(self, client_id: str, query: Any, k: int = 5, *,
                     service: str | None = None) -> list[tuple[str, float]]:
        """Search through a service that has ``search(query, k)``."""
        svc = self._service(client_id, "search", service)
        if not callable(getattr(svc, "search", None)):
            raise TypeError(f"memory service {service or self._default!r} cannot search.")
        result: list[tuple[str, float]] = svc.search(query, k)
        return result
