"""Tracers, the current span, and context propagation (contextvars, threads, carriers).

A :class:`Tracer` runs on one of two backends with the same API:

* **OpenTelemetry** (``backend="otel"``, or ``"auto"`` when ``opentelemetry-api`` is
  installed and a tracer provider is configured, globally or passed as
  ``tracer_provider=``): spans are OpenTelemetry spans (wrapped in
  :class:`OtelSpan`), the current span is OpenTelemetry's, and sampling,
  processing, batching and export come from the application's SDK setup;
* **W3C** (``backend="w3c"``, or ``"auto"`` otherwise): a dependency-free
  implementation of the same spans with W3C Trace Context ids.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal, ParamSpec, TypeVar

from lukhas._validation import check_choice, check_str, describe
from lukhas.services.trace import _otel
from lukhas.services.trace._otel import OtelSpan
from lukhas.services.trace._span import Span, SpanKind, W3CSpan, check_attribute
from lukhas.services.trace._w3c import (
    FLAG_RANDOM,
    FLAG_SAMPLED,
    KNOWN_FLAGS,
    SpanContext,
    TraceState,
    format_traceparent,
    new_span_id,
    new_trace_id,
    traceparent_fields,
)

__all__ = [
    "SpanRecorder",
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

_DEFAULT_CLOCK = time.time_ns

_current: contextvars.ContextVar[Span | SpanContext | None] = contextvars.ContextVar(
    "candidate_trace_current", default=None
)


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
        Instrumentation name (the OpenTelemetry instrumentation scope; the
        ``tracer.name`` attribute on the W3C backend).
    on_end : callable or None, default=None
        Called with every finished :class:`Span` (e.g. a :class:`SpanRecorder`).
    time_ns : callable, default=time.time_ns
        Clock in epoch nanoseconds (inject a fake one in tests).
    sampled : bool, default=True
        False: new root traces are never sampled (children follow their
        parent).  True: the W3C backend samples every root, the OpenTelemetry
        backend leaves the decision to the SDK's sampler.
    backend : {"auto", "otel", "w3c"}, default="auto"
        ``"auto"`` runs on OpenTelemetry when ``opentelemetry-api`` is installed
        and a tracer provider is configured (``tracer_provider`` or the global
        one), checked at every span start, and on the W3C backend otherwise.
    tracer_provider : opentelemetry.trace.TracerProvider or None, default=None
        The provider for the OpenTelemetry backend (default: the global one).

    Examples
    --------
    >>> tracer = Tracer("svc", backend="w3c")
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
        backend: Literal["auto", "otel", "w3c"] = "auto",
        tracer_provider: Any = None,
    ) -> None:
        self.name = check_str("name", name)
        self.on_end = on_end
        self.time_ns = time_ns
        self.sampled = bool(sampled)
        self.backend = check_choice("backend", backend, ("auto", "otel", "w3c"))
        self.tracer_provider = tracer_provider
        self._otel_cache: tuple[Any, Any] | None = None

    def _otel_tracer(self) -> Any:
        """The OpenTelemetry tracer to use now, or None for the W3C backend."""
        provider = self.tracer_provider
        cached = self._otel_cache
        if provider is not None and cached is not None and cached[0] is provider:
            return cached[1]  # the fast path: an explicit provider, already resolved
        if self.backend == "w3c":
            return None
        if provider is None:
            trace = _otel.otel_or_none() if self.backend == "auto" else _otel.require_otel()
            if trace is None:
                return None
            provider = trace.get_tracer_provider()
            if self.backend == "auto" and isinstance(provider, trace.ProxyTracerProvider):
                return None  # no SDK configured: OpenTelemetry would only make no-op spans
        else:
            _otel.require_otel()
        cached = self._otel_cache
        if cached is not None and cached[0] is provider:
            return cached[1]
        otel_tracer = provider.get_tracer(self.name)
        self._otel_cache = (provider, otel_tracer)
        return otel_tracer

    @property
    def uses_otel(self) -> bool:
        """Whether spans started now run on OpenTelemetry."""
        return self._otel_tracer() is not None

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
            Explicit parent; by default the current span (unless ``root``), which
            on the OpenTelemetry backend may be a span of the application.
        kind : SpanKind, default=SpanKind.INTERNAL
        attributes : mapping or None, default=None
        root : bool, default=False
            Start a new trace even if a span is current.

        Returns
        -------
        span : Span
            An :class:`OtelSpan` on the OpenTelemetry backend, else a :class:`W3CSpan`.
        """
        otel_tracer = self._otel_tracer()
        if otel_tracer is not None:
            return self._start_otel(otel_tracer, name, parent, kind, attributes, root)
        if parent is None and not root:
            parent = _current.get()
        parent_ctx = parent.context if isinstance(parent, Span) else parent
        if parent_ctx is None:
            flags = (FLAG_SAMPLED if self.sampled else 0) | FLAG_RANDOM
            context = SpanContext(new_trace_id(), new_span_id(), flags)
        else:
            # sampled and random-trace-id carry over; reserved flags are sent as zero
            context = SpanContext(parent_ctx.trace_id, new_span_id(),
                                  parent_ctx.trace_flags & KNOWN_FLAGS, parent_ctx.trace_state)
        span = W3CSpan(name, context, parent_ctx, kind, self.time_ns(), self.time_ns,
                       self._finished)
        span.set_attribute("tracer.name", self.name)
        if attributes:
            span.set_attributes(attributes)
        return span

    def _start_otel(self, otel_tracer: Any, name: str, parent: Span | SpanContext | None,
                    kind: SpanKind, attributes: Mapping[str, Any] | None, root: bool) -> Span:
        state = _otel._STATE
        ctx = None if parent is None and not root else _otel.otel_parent_context(parent, root)
        clock = None if self.time_ns is _DEFAULT_CLOCK else self.time_ns
        checked = ({k: check_attribute(k, v) for k, v in attributes.items()}
                   if attributes else None)
        on_end = None if self.on_end is None else self._finished
        if not self.sampled:
            trace = state["trace"]
            if not trace.get_current_span(ctx).get_span_context().is_valid:
                unsampled = trace.NonRecordingSpan(trace.SpanContext(
                    new_trace_id(), new_span_id(), False, trace.TraceFlags(0)))
                return OtelSpan(unsampled, name, kind, on_end, clock)
        if clock is None:
            otel_span = otel_tracer.start_span(name, ctx, state["kinds"][kind], checked)
        else:
            otel_span = otel_tracer.start_span(name, ctx, state["kinds"][kind], checked,
                                               start_time=clock())
        return OtelSpan(otel_span, name, kind, on_end, clock)

    def start_as_current_span(
        self,
        name: str,
        *,
        parent: Span | SpanContext | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Mapping[str, Any] | None = None,
        root: bool = False,
    ) -> AbstractContextManager[Span]:
        """Start a span, make it current for the block, and end it afterwards.

        Parameters are those of :meth:`start_span`.  An exception escaping the
        block is recorded on the span and sets its status to ERROR.

        Returns
        -------
        manager : context manager yielding the :class:`Span`
        """
        return _Active(self.start_span(name, parent=parent, kind=kind, attributes=attributes,
                                       root=root))

    def _finished(self, span: Span) -> None:
        if self.on_end is not None:
            self.on_end(span)


class _Active(AbstractContextManager[Span]):
    """Makes a span current for a block, then ends it (a class: cheaper than a generator)."""

    __slots__ = ("_span", "_token")

    def __init__(self, span: Span) -> None:
        self._span = span
        self._token: Any = None

    def __enter__(self) -> Span:
        span = self._span
        if isinstance(span, OtelSpan):
            self._token = _otel.activate(span)
        else:
            self._token = _current.set(span)
        return span

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        span = self._span
        if isinstance(span, OtelSpan):
            _otel.deactivate(self._token)
        else:
            _current.reset(self._token)
        span.__exit__(exc_type, exc, tb)


@contextmanager
def use_span(span: Span | SpanContext) -> Iterator[Span | SpanContext]:
    """Make ``span`` (or a remote context) current for the block, without ending it.

    A remote :class:`SpanContext` also becomes OpenTelemetry's current (non-recording)
    span when ``opentelemetry-api`` is installed, so spans of either backend, and
    the application's own OpenTelemetry spans, take it as their parent.

    Parameters
    ----------
    span : Span or SpanContext

    Yields
    ------
    span : Span or SpanContext
    """
    if isinstance(span, OtelSpan):
        token = _otel.activate(span)
        try:
            yield span
        finally:
            _otel.deactivate(token)
        return
    var_token = _current.set(span)
    otel_token = (_otel.activate_remote(span)
                  if isinstance(span, SpanContext) and _otel.otel_or_none() is not None else None)
    try:
        yield span
    finally:
        if otel_token is not None:
            _otel.deactivate(otel_token)
        _current.reset(var_token)


def current_span() -> Span | None:
    """Return the current :class:`Span` of this thread/task, or None.

    With ``opentelemetry-api`` installed this is OpenTelemetry's current span
    when there is one (possibly a span of the application, then wrapped in an
    :class:`OtelSpan`); a remote parent alone is a context, not a span.

    Returns
    -------
    span : Span or None
    """
    if _otel.otel_or_none() is not None:
        span = _otel.current_otel_span()
        if span is not None:
            return span
    value = _current.get()
    return value if isinstance(value, Span) else None


def current_context() -> SpanContext | None:
    """Return the current span's context (or the current remote context), or None.

    Returns
    -------
    context : SpanContext or None
    """
    span = current_span()
    if span is not None:
        return span.context
    value = _current.get()
    if isinstance(value, SpanContext):
        return value
    if _otel.otel_or_none() is not None:
        return _otel.current_otel_context()
    return None


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

    Notes
    -----
    ``traceparent`` is written as version ``00`` with only the flags that version
    defines (sampled, random-trace-id); reserved flags received from a caller
    are sent as zero, as the spec requires.  ``tracestate`` is one header line,
    truncated to 512 characters by whole members (see :class:`TraceState`).
    """
    ctx = context.context if isinstance(context, Span) else context
    if ctx is None:
        ctx = current_context()
    if ctx is not None:
        if ctx.trace_flags & ~KNOWN_FLAGS:
            ctx = SpanContext(ctx.trace_id, ctx.span_id, ctx.trace_flags & KNOWN_FLAGS,
                              ctx.trace_state, ctx.is_remote)
        carrier["traceparent"] = format_traceparent(ctx)
        if ctx.trace_state:
            carrier["tracestate"] = str(ctx.trace_state)
    return carrier


def _flatten(values: list[object]) -> Iterator[object]:
    """The header lines of ``values``: a list or tuple value is several lines."""
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from value
        else:
            yield value


def _trace_headers(carrier: object) -> tuple[list[object], list[object]]:
    """The ``traceparent`` and ``tracestate`` values of every header line of ``carrier``.

    Lines come from ``carrier.items()`` when it has one (dicts, and the multi-line
    header objects: ``email.message.Message``/``http.client.HTTPMessage``, multidict's
    ``CIMultiDict``/``CIMultiDictProxy`` (aiohttp), Starlette's and Werkzeug's
    ``Headers`` all list a repeated header once per line there), else from iterating
    ``carrier`` as ``(name, value)`` pairs.  Names match case-insensitively; pairs
    whose name is not a ``str`` are skipped.
    """
    if isinstance(carrier, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            "`carrier` must be a mapping, a header object or an iterable of (name, value) "
            f"pairs, got {describe(carrier)}."
        )
    items = getattr(carrier, "items", None)
    try:
        pairs: Iterable[Any] = items() if callable(items) else iter(carrier)  # type: ignore[call-overload]
    except TypeError as err:
        raise TypeError(
            "`carrier` must be a mapping, a header object or an iterable of (name, value) "
            f"pairs, got {describe(carrier)}."
        ) from err
    parents: list[object] = []
    states: list[object] = []
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            continue
        if not isinstance(name, str):
            continue
        size = len(name)
        if size == 11:
            if name.lower() == "traceparent":
                parents.append(value)
        elif size == 10 and name.lower() == "tracestate":
            states.append(value)
    return parents, states


def extract(carrier: Any) -> SpanContext | None:
    """Read a remote :class:`SpanContext` from incoming headers.

    Pass the header object your framework hands you as it is: repeated header
    lines and names differing in case are handled as the W3C spec and RFC 9110
    require.

    Parameters
    ----------
    carrier : mapping, header object, or iterable of (str, value) pairs
        * a mapping of header names to a ``str`` or a list/tuple of ``str`` (one
          item per header line);
        * ``http.server``'s ``self.headers`` (``email.message.Message``), aiohttp's
          ``request.headers`` (multidict), Starlette's or Werkzeug's ``Headers``:
          any object whose ``items()`` lists every header line;
        * a list of ``(name, value)`` pairs (decode ASGI's raw ``bytes`` pairs
          first, or wrap them in Starlette's ``Headers``).

        Header names are case-insensitive; values that are not ``str`` are
        discarded.

    Returns
    -------
    context : SpanContext or None
        None when ``traceparent`` is absent, invalid or sent on more than one
        line (then ``tracestate`` is ignored, as the spec requires).  The
        ``tracestate`` lines are combined in order, as one comma-separated list.

    Raises
    ------
    TypeError
        If ``carrier`` is a string or bytes, or neither has ``items()`` nor is
        iterable.

    Examples
    --------
    >>> ctx = extract({"Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ...                "tracestate": "congo=t61rcWkgMzE"})
    >>> ctx.trace_id_hex, ctx.trace_state.get("congo")
    ('0af7651916cd43dd8448eb211c80319c', 't61rcWkgMzE')
    >>> ctx = extract([("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ...                ("TraceState", "rojo=1"), ("tracestate", "congo=2,rojo=3")])
    >>> list(ctx.trace_state)
    [('rojo', '1'), ('congo', '2')]
    """
    parents, states = _trace_headers(carrier)
    if len(parents) != 1:
        return None  # absent, or several traceparent lines: ambiguous, hence invalid
    parent = parents[0]
    if isinstance(parent, (list, tuple)):
        if len(parent) != 1:
            return None
        parent = parent[0]
    fields = traceparent_fields(parent)
    if fields is None:
        return None
    if not states:
        state = TraceState()
    elif len(states) == 1 and isinstance(states[0], str):
        state = TraceState.parse(states[0])  # the usual case: one line
    else:
        state = TraceState.parse(_flatten(states))  # type: ignore[arg-type]
    return SpanContext(*fields, state, is_remote=True)
