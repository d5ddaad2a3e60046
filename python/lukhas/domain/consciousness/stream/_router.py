"""The stream's router: logs every publish and forwards it to a kernel bus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lukhas._validation import describe
from lukhas.services.bus.kernel_bus import KernelBus

__all__ = ["ROUTER_LOG_LIMIT", "RouterMessage", "StreamRouter"]

#: Router log entries kept; beyond it the oldest half is discarded (the total is still counted).
ROUTER_LOG_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class RouterMessage:
    """A message the stream publishes through its router.

    Attributes
    ----------
    topic : str
        Topic word, e.g. ``"breakthrough"``.
    lane : str
        Lane of the publishing stream.
    payload : Mapping[str, Any]
        Message data.
    ts : datetime
        Aware UTC creation time.
    """

    topic: str
    lane: str
    payload: Mapping[str, Any]
    ts: datetime = field(default_factory=lambda: datetime.now(UTC))


class StreamRouter:
    """Publishes stream messages: one log entry each, then onto a :class:`KernelBus`.

    Parameters
    ----------
    lane : str
        Lane written into the log entries.
    logs : list of dict
        The list the entries go to (the stream's ``_router_logs``).
    bus : KernelBus or None, default=None
        Where messages are forwarded, as topic ``"<prefix>.<topic>"`` with
        ``source=lane``; None logs only.
    prefix : str, default="consciousness"
        First word of the bus topics.

    Attributes
    ----------
    running : bool
        False until :meth:`start`.
    published : int
        Messages published over the router's life.
    bus : KernelBus or None

    Examples
    --------
    >>> logs = []
    >>> router = StreamRouter("experimental", logs)
    >>> router.start(); router.publish(RouterMessage("breakthrough", "experimental", {}))
    >>> [entry["type"] for entry in logs], logs[1]["data"]["topic"]
    (['router.start', 'router.publish'], 'breakthrough')
    """

    # No __slots__: callers (the LUKHAS tests among them) replace ``publish`` per instance.

    def __init__(
        self,
        lane: str,
        logs: list[dict[str, Any]],
        bus: KernelBus | None = None,
        prefix: str = "consciousness",
    ) -> None:
        if bus is not None and not isinstance(bus, KernelBus):
            raise TypeError(f"`bus` must be a KernelBus or None, got {describe(bus)}.")
        self.lane = lane
        self._logs = logs
        self.bus = bus
        self.prefix = prefix
        self.running = False
        self.published = 0

    def _log(self, kind: str, data: dict[str, Any]) -> None:
        logs = self._logs
        if len(logs) >= ROUTER_LOG_LIMIT:
            del logs[: ROUTER_LOG_LIMIT // 2]
        logs.append({"type": kind, "data": data, "ts": datetime.now(UTC), "lane": self.lane})

    def start(self) -> None:
        """Mark the router running and log ``"router.start"``.

        Examples
        --------
        >>> router = StreamRouter("labs", [])
        >>> router.start(); router.running
        True
        """
        self.running = True
        self._log("router.start", {"lane": self.lane})

    def stop(self) -> None:
        """Mark the router stopped and log ``"router.stop"``.

        Examples
        --------
        >>> logs = []
        >>> router = StreamRouter("labs", logs)
        >>> router.start(); router.stop(); router.running, logs[-1]["type"]
        (False, 'router.stop')
        """
        self.running = False
        self._log("router.stop", {"lane": self.lane})

    def publish(self, message: RouterMessage) -> None:
        """Log ``message`` as one ``"router.publish"`` entry and forward it to the bus.

        Parameters
        ----------
        message : RouterMessage

        Raises
        ------
        TypeError
            If ``message`` is not a :class:`RouterMessage`.

        Examples
        --------
        >>> from lukhas.services.bus.kernel_bus import KernelBus
        >>> bus = KernelBus(mode="live")
        >>> heard = []
        >>> _ = bus.subscribe("consciousness.#", lambda e: heard.append(e.topic))
        >>> StreamRouter("labs", [], bus).publish(RouterMessage("breakthrough", "labs", {}))
        >>> heard
        ['consciousness.breakthrough']
        """
        if not isinstance(message, RouterMessage):
            raise TypeError(f"`message` must be a RouterMessage, got {describe(message)}.")
        self.published += 1
        self._log("router.publish", {"topic": message.topic, "lane": message.lane})
        if self.bus is not None:
            self.bus.publish(f"{self.prefix}.{message.topic}", message.payload, source=message.lane)
