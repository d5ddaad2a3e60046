"""Spans, tracers and context propagation (contextvars, threads, carriers)."""

from __future__ import annotations

import contextvars
import enum
import functools
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from lukhas._validation import check_str
from lukhas.services.trace._w3c import (
    FLAG_RANDOM,
    FLAG_SAMPLED,
    SpanContext,
    TraceState,
    format_traceparent,
    new_span_id,
    new_trace_id,
    parse_traceparent,
)

__all__ = [
    "Span",
    "SpanKind",
    "SpanRecorder",
    "StatusCode",
    "Tracer",
    "bind_context",
    "current_context",
    "current_span",
    "extract",
    "inject",
    "use_span",
]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

AttributeValue = (
    str | bool | int | float | tuple[str, ...] | tuple[bool, ...] | tuple[int, ...]
    | tuple[float, ...]
)

_current: contextvars.ContextVar[Span | SpanContext | None] = contextvars.ContextVar(
    "candidate_trace_current", default=None
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


def _check_attribute(key: Any, value: Any) -> AttributeValue:
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


class Span:
    """A timed operation in a trace, with attributes, events and a status.

    Spans are created by :class:`Tracer`; end one with :meth:`end` or by
    using it as a context manager (an exception escaping the block is recorded
    and sets the status to ERROR).

    Attributes
    ----------
    name : str
    context : SpanContext
    parent : SpanContext or None
    kind : SpanKind
    start_ns, end_ns : int and int or None
        Epoch nanoseconds.
    attributes : dict
    events : list of (str, int, dict)
        ``(name, epoch ns, attributes)``.
    status : StatusCode
    status_description : str or None
    """

    def __init__(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        start_ns: int,
        tracer: Tracer,
    ) -> None:
        self.name = name
        self.context = context
        self.parent = parent
        self.kind = kind
        self.start_ns = start_ns
        self.end_ns: int | None = None
        self.attributes: dict[str, AttributeValue] = {}
        self.events: list[tuple[str, int, dict[str, AttributeValue]]] = []
        self.status = StatusCode.UNSET
        self.status_description: str | None = None
        self._tracer = tracer
        self._lock = threading.Lock()

    @property
    def is_recording(self) -> bool:
        """True until the span has ended."""
        return self.end_ns is None

    @property
    def duration_ms(self) -> float | None:
        """Duration in milliseconds, None while the span is open."""
        return None if self.end_ns is None else (self.end_ns - self.start_ns) / 1e6

    def set_attribute(self, key: str, value: Any) -> Span:
        """Set one attribute (ignored after the span ended); return the span.

        Raises
        ------
        TypeError
            If the value is not a str, bool, int, float or a homogeneous sequence.
        """
        checked = _check_attribute(key, value)
        with self._lock:
            if self.end_ns is None:
                self.attributes[key] = checked
        return self

    def set_attributes(self, attributes: Mapping[str, Any]) -> Span:
        """Set several attributes; return the span."""
        for key, value in attributes.items():
            self.set_attribute(key, value)
        return self

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None,
                  timestamp_ns: int | None = None) -> Span:
        """Record a named point in time inside the span; return the span."""
        checked = {k: _check_attribute(k, v) for k, v in (attributes or {}).items()}
        stamp = self._tracer.time_ns() if timestamp_ns is None else timestamp_ns
        with self._lock:
            if self.end_ns is None:
                self.events.append((name, stamp, checked))
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

    def set_status(self, status: StatusCode, description: str | None = None) -> Span:
        """Set the status (OK is final; a description only accompanies ERROR)."""
        if not isinstance(status, StatusCode):
            raise TypeError(f"`status` must be a StatusCode, got {type(status).__name__}.")
        with self._lock:
            if self.end_ns is None and self.status is not StatusCode.OK:
                self.status = status
                self.status_description = description if status is StatusCode.ERROR else None
        return self

    def end(self, end_ns: int | None = None) -> None:
        """End the span and hand it to the tracer's ``on_end`` (once only)."""
        with self._lock:
            if self.end_ns is not None:
                logger.debug("span %r ended twice; ignoring", self.name)
                return
            self.end_ns = self._tracer.time_ns() if end_ns is None else end_ns
        self._tracer._finished(self)

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
        return {
            "name": self.name,
            "trace_id": self.context.trace_id_hex,
            "span_id": self.context.span_id_hex,
            "parent_span_id": None if self.parent is None else self.parent.span_id_hex,
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
        return (f"Span(name={self.name!r}, trace_id={self.context.trace_id_hex}, "
                f"span_id={self.context.span_id_hex}, duration_ms={self.duration_ms})")


class SpanRecorder:
    """A bounded, thread-safe collector of finished spans (pass it as ``on_end``).

    Parameters
    ----------
    max_spans : int, default=10000
        Oldest spans are dropped beyond this.

    Examples
    --------
    >>> recorder = SpanRecorder()
    >>> tracer = Tracer("demo", on_end=recorder)
    >>> with tracer.start_as_current_span("work"):
    ...     pass
    >>> [s.name for s in recorder.spans()]
    ['work']
    """

    def __init__(self, max_spans: int = 10_000) -> None:
        self._spans: deque[Span] = deque(maxlen=max_spans)
        self._lock = threading.Lock()

    def __call__(self, span: Span) -> None:
        with self._lock:
            self._spans.append(span)

    def spans(self, trace_id: int | None = None) -> list[Span]:
        """Finished spans in end order (of one trace, or all)."""
        with self._lock:
            return [s for s in self._spans if trace_id is None or s.context.trace_id == trace_id]

    def clear(self) -> None:
        """Forget every recorded span."""
        with self._lock:
            self._spans.clear()

    def __len__(self) -> int:
        return len(self._spans)


class Tracer:
    """Creates spans, tracks the current one, and reports finished ones.

    Parameters
    ----------
    name : str
        Instrumentation name, recorded as the ``tracer.name`` attribute.
    on_end : callable or None, default=None
        Called with every finished :class:`Span` (e.g. a :class:`SpanRecorder`).
    time_ns : callable, default=time.time_ns
        Clock in epoch nanoseconds (inject a fake one in tests).
    sampled : bool, default=True
        Sampling decision for new root traces; children inherit their parent's.

    Examples
    --------
    >>> tracer = Tracer("svc")
    >>> with tracer.start_as_current_span("outer") as outer:
    ...     with tracer.start_as_current_span("inner") as inner:
    ...         inner.parent.span_id == outer.context.span_id
    True
    """

    def __init__(
        self,
        name: str,
        on_end: Callable[[Span], None] | None = None,
        *,
        time_ns: Callable[[], int] = time.time_ns,
        sampled: bool = True,
    ) -> None:
        self.name = name
        self.on_end = on_end
        self.time_ns = time_ns
        self.sampled = sampled

    def start_span(
        self,
        name: str,
        *,
        parent: Span | SpanContext | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Mapping[str, Any] | None = None,
        root: bool = False,
    ) -> Span:
        """Start a span (not made current).

        Parameters
        ----------
        name : str
            Operation name.
        parent : Span, SpanContext or None, default=None
            Explicit parent; by default the current span (unless ``root``).
        kind : SpanKind, default=SpanKind.INTERNAL
        attributes : mapping or None, default=None
        root : bool, default=False
            Start a new trace even if a span is current.

        Returns
        -------
        span : Span
        """
        if parent is None and not root:
            parent = _current.get()
        parent_ctx = parent.context if isinstance(parent, Span) else parent
        if parent_ctx is None:
            flags = (FLAG_SAMPLED if self.sampled else 0) | FLAG_RANDOM
            context = SpanContext(new_trace_id(), new_span_id(), flags)
        else:
            context = SpanContext(parent_ctx.trace_id, new_span_id(), parent_ctx.trace_flags,
                                  parent_ctx.trace_state)
        span = Span(name, context, parent_ctx, kind, self.time_ns(), self)
        span.set_attribute("tracer.name", self.name)
        if attributes:
            span.set_attributes(attributes)
        return span

    @contextmanager
    def start_as_current_span(
        self,
        name: str,
        *,
        parent: Span | SpanContext | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Mapping[str, Any] | None = None,
        root: bool = False,
    ) -> Iterator[Span]:
        """Start a span, make it current for the block, and end it afterwards.

        Parameters are those of :meth:`start_span`.

        Yields
        ------
        span : Span
        """
        span = self.start_span(name, parent=parent, kind=kind, attributes=attributes, root=root)
        with use_span(span), span:
            yield span

    def _finished(self, span: Span) -> None:
        if self.on_end is not None:
            self.on_end(span)


@contextmanager
def use_span(span: Span | SpanContext) -> Iterator[Span | SpanContext]:
    """Make ``span`` (or a remote context) current for the block, without ending it.

    Parameters
    ----------
    span : Span or SpanContext

    Yields
    ------
    span : Span or SpanContext
    """
    token = _current.set(span)
    try:
        yield span
    finally:
        _current.reset(token)


def current_span() -> Span | None:
    """Return the current :class:`Span` of this thread/task, or None.

    Returns
    -------
    span : Span or None
    """
    value = _current.get()
    return value if isinstance(value, Span) else None


def current_context() -> SpanContext | None:
    """Return the current span's context (or the current remote context), or None.

    Returns
    -------
    context : SpanContext or None
    """
    value = _current.get()
    return value.context if isinstance(value, Span) else value


def bind_context(func: Callable[P, R]) -> Callable[P, R]:
    """Capture the current context now; run ``func`` inside it later, on any thread.

    asyncio tasks inherit the context by themselves; threads (``Thread``,
    ``ThreadPoolExecutor.submit``) do not, so wrap the callable first.

    Parameters
    ----------
    func : callable

    Returns
    -------
    wrapper : callable
        Each call runs in a fresh copy of the captured context.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> tracer = Tracer("svc")
    >>> with tracer.start_as_current_span("request") as span:
    ...     with ThreadPoolExecutor(1) as pool:
    ...         seen = pool.submit(bind_context(current_span)).result()
    >>> seen is span
    True
    """
    captured = contextvars.copy_context()

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return captured.copy().run(func, *args, **kwargs)

    return wrapper


def inject(carrier: MutableMapping[str, str],
           context: Span | SpanContext | None = None) -> MutableMapping[str, str]:
    """Write ``traceparent`` (and a non-empty ``tracestate``) into ``carrier``.

    Parameters
    ----------
    carrier : mutable mapping of str to str
        E.g. outgoing HTTP headers.
    context : Span, SpanContext or None, default=None
        What to propagate; the current context by default (nothing is written
        when there is none).

    Returns
    -------
    carrier : mutable mapping
        The same object.
    """
    ctx = context.context if isinstance(context, Span) else context
    if ctx is None:
        ctx = current_context()
    if ctx is not None:
        carrier["traceparent"] = format_traceparent(ctx)
        if ctx.trace_state:
            carrier["tracestate"] = str(ctx.trace_state)
    return carrier


def extract(carrier: Mapping[str, Any]) -> SpanContext | None:
    """Read a remote :class:`SpanContext` from ``carrier`` (header names case-insensitive).

    Parameters
    ----------
    carrier : mapping
        Incoming headers; a value may be a str or a list of str (repeated
        ``tracestate`` headers are joined with commas).

    Returns
    -------
    context : SpanContext or None
        None when ``traceparent`` is absent or invalid (then ``tracestate`` is
        ignored, as the spec requires).

    Examples
    --------
    >>> ctx = extract({"Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ...                "tracestate": "congo=t61rcWkgMzE"})
    >>> ctx.trace_id_hex, ctx.trace_state.get("congo")
    ('0af7651916cd43dd8448eb211c80319c', 't61rcWkgMzE')
    """
    lowered: dict[str, Any] = {}
    for key, value in carrier.items():
        if isinstance(key, str):
            lowered.setdefault(key.lower(), value)
    parent = lowered.get("traceparent")
    if isinstance(parent, (list, tuple)):
        if len(parent) != 1:
            return None  # several traceparent headers: ambiguous, hence invalid
        parent = parent[0]
    ctx = parse_traceparent(parent)
    if ctx is None:
        return None
    state = TraceState.parse(lowered.get("tracestate"))
    return SpanContext(ctx.trace_id, ctx.span_id, ctx.trace_flags, state, is_remote=True)
