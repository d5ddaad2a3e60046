"""The span API (:class:`Span`) and its dependency-free W3C implementation (:class:`W3CSpan`)."""

from __future__ import annotations

import abc
import enum
import logging
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lukhas._validation import check_str
from lukhas.services.trace._w3c import SpanContext

__all__ = ["AttributeValue", "Span", "SpanKind", "StatusCode", "W3CSpan", "check_attribute"]

logger = logging.getLogger(__name__)

AttributeValue = (
    str | bool | int | float | tuple[str, ...] | tuple[bool, ...] | tuple[int, ...]
    | tuple[float, ...]
)


class SpanKind(enum.Enum):
    """The role of a span in a trace (OpenTelemetry's kinds)."""

    INTERNAL = "internal"
    SERVER = "server"
    CLIENT = "client"
    PRODUCER = "producer"
    CONSUMER = "consumer"


class StatusCode(enum.Enum):
    """Outcome of the operation a span covers."""

    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


def check_attribute(key: Any, value: Any) -> AttributeValue:
    """Validate one span attribute (OpenTelemetry's value types); return the stored value.

    Raises
    ------
    TypeError
        If the key is not a non-empty str, or the value is not a str, bool, int,
        float or a homogeneous sequence of one of them.
    """
    if type(key) is str and key and type(value) in (str, int, float, bool):
        return value  # type: ignore[no-any-return]
    check_str("attribute key", key, empty=False)
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = tuple(value)
        kinds = {bool if isinstance(v, bool) else type(v) for v in items}
        if len(kinds) <= 1 and kinds <= {str, bool, int, float}:
            return items
    raise TypeError(
        f"attribute {key!r} must be a str, bool, int, float or a homogeneous sequence of "
        f"one of them, got {type(value).__name__}."
    )


class Span(abc.ABC):
    """A timed operation in a trace, with attributes, events and a status.

    Spans are created by :class:`lukhas.services.trace.Tracer`: a :class:`W3CSpan`
    on the dependency-free backend, an :class:`lukhas.services.trace.OtelSpan` (an
    OpenTelemetry span underneath) when the tracer runs on OpenTelemetry.  End one
    with :meth:`end` or by using it as a context manager (an exception escaping
    the block is recorded and sets the status to ERROR).

    Attributes
    ----------
    name : str
    kind : SpanKind
    context : SpanContext
    parent : SpanContext or None
    start_ns, end_ns : int and int or None
        Epoch nanoseconds.
    attributes : mapping of str to value
    events : list of (str, int, dict)
        ``(name, epoch ns, attributes)``.
    status : StatusCode
    status_description : str or None
    """

    __slots__ = ()

    name: str
    kind: SpanKind

    @property
    @abc.abstractmethod
    def context(self) -> SpanContext:
        """The span's own context (ids, flags, tracestate)."""

    @property
    @abc.abstractmethod
    def parent(self) -> SpanContext | None:
        """The parent's context, or None for a root span."""

    @property
    @abc.abstractmethod
    def start_ns(self) -> int:
        """Start time, epoch nanoseconds."""

    @property
    @abc.abstractmethod
    def end_ns(self) -> int | None:
        """End time, epoch nanoseconds (None while open)."""

    @property
    @abc.abstractmethod
    def attributes(self) -> Mapping[str, AttributeValue]:
        """The attributes set so far."""

    @property
    @abc.abstractmethod
    def events(self) -> list[tuple[str, int, dict[str, AttributeValue]]]:
        """``(name, epoch ns, attributes)`` of every event, oldest first."""

    @property
    @abc.abstractmethod
    def status(self) -> StatusCode:
        """The status (UNSET until set)."""

    @property
    @abc.abstractmethod
    def status_description(self) -> str | None:
        """The description of an ERROR status."""

    @property
    @abc.abstractmethod
    def is_recording(self) -> bool:
        """True while the span records (until it ends; never when sampled out)."""

    @abc.abstractmethod
    def set_attribute(self, key: str, value: Any) -> Span:
        """Set one attribute (ignored after the span ended); return the span.

        Raises
        ------
        TypeError
            If the value is not a str, bool, int, float or a homogeneous sequence.
        """

    @abc.abstractmethod
    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None,
                  timestamp_ns: int | None = None) -> Span:
        """Record a named point in time inside the span; return the span."""

    @abc.abstractmethod
    def set_status(self, status: StatusCode, description: str | None = None) -> Span:
        """Set the status (OK is final; a description only accompanies ERROR)."""

    @abc.abstractmethod
    def end(self, end_ns: int | None = None) -> None:
        """End the span and hand it to the tracer's ``on_end`` (once only)."""

    def set_attributes(self, attributes: Mapping[str, Any]) -> Span:
        """Set several attributes; return the span."""
        for key, value in attributes.items():
            self.set_attribute(key, value)
        return self

    def record_exception(self, exc: BaseException) -> Span:
        """Add an ``exception`` event with the semantic-convention attributes."""
        return self.add_event("exception", {
            "exception.type": type(exc).__qualname__,
            "exception.message": str(exc),
            "exception.stacktrace": "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)
            ),
        })

    @property
    def duration_ms(self) -> float | None:
        """Duration in milliseconds, None while the span is open."""
        end = self.end_ns
        return None if end is None else (end - self.start_ns) / 1e6

    def __enter__(self) -> Span:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        if exc is not None:
            self.record_exception(exc)
            self.set_status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
        self.end()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (ids in hex)."""
        parent = self.parent
        return {
            "name": self.name,
            "trace_id": self.context.trace_id_hex,
            "span_id": self.context.span_id_hex,
            "parent_span_id": None if parent is None else parent.span_id_hex,
            "kind": self.kind.value,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "attributes": dict(self.attributes),
            "events": [{"name": n, "timestamp_ns": t, "attributes": a}
                       for n, t, a in self.events],
            "status": self.status.value,
            "status_description": self.status_description,
        }

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name={self.name!r}, "
                f"trace_id={self.context.trace_id_hex}, span_id={self.context.span_id_hex}, "
                f"duration_ms={self.duration_ms})")


class W3CSpan(Span):
    """A span of the dependency-free backend: plain Python state, W3C ids.

    Parameters
    ----------
    name : str
    context : SpanContext
    parent : SpanContext or None
    kind : SpanKind
    start_ns : int
    time_ns : callable
        The tracer's clock (event timestamps, end time).
    on_end : callable
        Called once with the span when it ends.
    """

    __slots__ = ("_attributes", "_context", "_end_ns", "_events", "_lock", "_on_end", "_parent",
                 "_start_ns", "_status", "_status_description", "_time_ns", "kind", "name")

    def __init__(self, name: str, context: SpanContext, parent: SpanContext | None,
                 kind: SpanKind, start_ns: int, time_ns: Callable[[], int],
                 on_end: Callable[[Span], None]) -> None:
        self.name = name
        self.kind = kind
        self._context = context
        self._parent = parent
        self._start_ns = start_ns
        self._end_ns: int | None = None
        self._attributes: dict[str, AttributeValue] = {}
        self._events: list[tuple[str, int, dict[str, AttributeValue]]] = []
        self._status = StatusCode.UNSET
        self._status_description: str | None = None
        self._time_ns = time_ns
        self._on_end = on_end
        self._lock = threading.Lock()

    @property
    def context(self) -> SpanContext:
        return self._context

    @property
    def parent(self) -> SpanContext | None:
        return self._parent

    @property
    def start_ns(self) -> int:
        return self._start_ns

    @property
    def end_ns(self) -> int | None:
        return self._end_ns

    @property
    def attributes(self) -> dict[str, AttributeValue]:
        return self._attributes

    @property
    def events(self) -> list[tuple[str, int, dict[str, AttributeValue]]]:
        return self._events

    @property
    def status(self) -> StatusCode:
        return self._status

    @property
    def status_description(self) -> str | None:
        return self._status_description

    @property
    def is_recording(self) -> bool:
        return self._end_ns is None

    def set_attribute(self, key: str, value: Any) -> Span:
        checked = check_attribute(key, value)
        with self._lock:
            if self._end_ns is None:
                self._attributes[key] = checked
        return self

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None,
                  timestamp_ns: int | None = None) -> Span:
        checked = {k: check_attribute(k, v) for k, v in (attributes or {}).items()}
        stamp = self._time_ns() if timestamp_ns is None else timestamp_ns
        with self._lock:
            if self._end_ns is None:
                self._events.append((name, stamp, checked))
        return self

    def set_status(self, status: StatusCode, description: str | None = None) -> Span:
        if not isinstance(status, StatusCode):
            raise TypeError(f"`status` must be a StatusCode, got {type(status).__name__}.")
        with self._lock:
            if self._end_ns is None and self._status is not StatusCode.OK:
                self._status = status
                self._status_description = description if status is StatusCode.ERROR else None
        return self

    def end(self, end_ns: int | None = None) -> None:
        with self._lock:
            if self._end_ns is not None:
                logger.debug("span %r ended twice; ignoring", self.name)
                return
            self._end_ns = self._time_ns() if end_ns is None else end_ns
        self._on_end(self)
