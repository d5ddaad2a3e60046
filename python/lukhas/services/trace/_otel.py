"""The OpenTelemetry backend: :class:`OtelSpan`, context activation and conversions.

OpenTelemetry is imported only when it is used (a tracer on the OpenTelemetry
backend, or one of the conversion functions).  An :class:`OtelSpan` wraps a real
OpenTelemetry span: the user's SDK (samplers, processors, exporters, batching)
sees that span, and the OpenTelemetry context holds it as the current span, so
spans started by the application under a lukhas span have it as their parent and
vice versa.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lukhas.services.trace._span import (
    AttributeValue,
    Span,
    SpanKind,
    StatusCode,
    check_attribute,
)
from lukhas.services.trace._w3c import SpanContext, TraceState

if TYPE_CHECKING:
    from types import ModuleType

    from opentelemetry.context import Context
    from opentelemetry.trace import Span as OtelApiSpan
    from opentelemetry.trace import SpanContext as OtelSpanContext

__all__ = ["OtelSpan", "from_otel", "to_otel", "to_otel_context"]

logger = logging.getLogger(__name__)

#: Key of the lukhas wrapper of the current span in OpenTelemetry's context.
OURS_KEY = "lukhas-trace-span"

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}  # filled once by otel(): the modules and derived constants


def otel_or_none() -> ModuleType | None:
    """``opentelemetry.trace`` if installed (imported on first call), else None."""
    state = _STATE
    if "trace" not in state:
        with _LOCK:
            if "trace" not in state:
                try:
                    from opentelemetry import context, trace
                except ImportError:
                    state["trace"] = None
                else:
                    span_key = next(iter(trace.set_span_in_context(
                        trace.INVALID_SPAN, context.Context())))
                    state.update(
                        context=context,
                        span_key=span_key,
                        kinds={k: getattr(trace.SpanKind, k.name) for k in SpanKind},
                        codes={StatusCode.UNSET: trace.StatusCode.UNSET,
                               StatusCode.OK: trace.StatusCode.OK,
                               StatusCode.ERROR: trace.StatusCode.ERROR},
                        back={trace.StatusCode.UNSET: StatusCode.UNSET,
                              trace.StatusCode.OK: StatusCode.OK,
                              trace.StatusCode.ERROR: StatusCode.ERROR},
                    )
                    state["trace"] = trace
    module: ModuleType | None = state["trace"]
    return module


def require_otel() -> ModuleType:
    """``opentelemetry.trace``, or a clear ImportError."""
    module = otel_or_none()
    if module is None:
        raise ImportError(
            "lukhas.services.trace's OpenTelemetry backend needs `opentelemetry-api` "
            "(pip install 'lukhas[otel]')"
        )
    return module


def activate(span: OtelSpan) -> object:
    """Attach a context whose current span is ``span``; return the detach token."""
    state = _STATE
    values = dict(state["context"].get_current())
    values[state["span_key"]] = span.otel_span
    values[OURS_KEY] = span
    return state["context"].attach(state["context"].Context(values))


def activate_remote(context: SpanContext) -> object:
    """Attach a context whose current span is the remote ``context``; return the token."""
    trace = require_otel()
    return _STATE["context"].attach(
        trace.set_span_in_context(trace.NonRecordingSpan(to_otel(context))))


def deactivate(token: object) -> None:
    """Detach a token from :func:`activate` / :func:`activate_remote`."""
    _STATE["context"].detach(token)


def current_otel_span() -> OtelSpan | None:
    """The current OpenTelemetry span as an :class:`OtelSpan`; None if none or remote only."""
    state = _STATE
    ctx = state["context"].get_current()
    if not ctx:
        return None
    otel_span = ctx.get(state["span_key"])
    if otel_span is None:
        return None
    ours = ctx.get(OURS_KEY)
    if ours is not None and ours.otel_span is otel_span:
        return ours  # type: ignore[no-any-return]
    span_ctx = otel_span.get_span_context()
    if not span_ctx.is_valid or (span_ctx.is_remote and not otel_span.is_recording()):
        return None  # a remote parent (extracted headers) is a context, not a span
    return OtelSpan(otel_span, getattr(otel_span, "name", ""), SpanKind.INTERNAL, None)


def current_otel_context() -> SpanContext | None:
    """The current OpenTelemetry span context (local or remote) as ours, or None."""
    trace = _STATE["trace"]
    span_ctx = trace.get_current_span().get_span_context()
    return from_otel(span_ctx) if span_ctx.is_valid else None


def otel_parent_context(parent: Span | SpanContext | None, root: bool) -> Context | None:
    """The OpenTelemetry ``Context`` to start a span in (None: the current one)."""
    trace = _STATE["trace"]
    result: Context | None
    if root:
        result = _STATE["context"].Context()
    elif parent is None:
        result = None
    elif isinstance(parent, OtelSpan):
        result = trace.set_span_in_context(parent.otel_span, _STATE["context"].Context())
    else:
        ctx = parent.context if isinstance(parent, Span) else parent
        result = trace.set_span_in_context(trace.NonRecordingSpan(to_otel(ctx)),
                                           _STATE["context"].Context())
    return result


class OtelSpan(Span):
    """A lukhas :class:`Span` over a real OpenTelemetry span.

    Every call goes to the OpenTelemetry span (``otel_span``); the SDK records,
    samples and exports it.  Attributes are validated as on the W3C backend (a
    clear ``TypeError`` rather than the SDK's silent drop).

    Parameters
    ----------
    otel_span : opentelemetry.trace.Span
    name : str
    kind : SpanKind
    on_end : callable or None
        Called once with this wrapper when it ends.
    time_ns : callable or None, default=None
        A clock for end and event times (None: the SDK's).
    """

    __slots__ = ("_context", "_ended", "_on_end", "_time_ns", "kind", "name", "otel_span")

    def __init__(self, otel_span: OtelApiSpan, name: str, kind: SpanKind,
                 on_end: Callable[[Span], None] | None,
                 time_ns: Callable[[], int] | None = None) -> None:
        self.otel_span = otel_span
        self.name = name
        self.kind = kind
        self._on_end = on_end
        self._time_ns = time_ns
        self._ended = False
        self._context: SpanContext | None = None

    @property
    def context(self) -> SpanContext:
        ctx = self._context
        if ctx is None:
            ctx = self._context = from_otel(self.otel_span.get_span_context())
        return ctx

    @property
    def parent(self) -> SpanContext | None:
        parent = getattr(self.otel_span, "parent", None)
        return None if parent is None or not parent.is_valid else from_otel(parent)

    @property
    def start_ns(self) -> int:
        return int(getattr(self.otel_span, "start_time", None) or 0)

    @property
    def end_ns(self) -> int | None:
        end = getattr(self.otel_span, "end_time", None)
        return None if end is None else int(end)

    @property
    def attributes(self) -> dict[str, AttributeValue]:
        return dict(getattr(self.otel_span, "attributes", None) or {})

    @property
    def events(self) -> list[tuple[str, int, dict[str, AttributeValue]]]:
        return [(e.name, int(e.timestamp), dict(e.attributes or {}))
                for e in getattr(self.otel_span, "events", ())]

    @property
    def status(self) -> StatusCode:
        status = getattr(self.otel_span, "status", None)
        return StatusCode.UNSET if status is None else _STATE["back"][status.status_code]

    @property
    def status_description(self) -> str | None:
        status = getattr(self.otel_span, "status", None)
        return None if status is None else status.description

    @property
    def is_recording(self) -> bool:
        return not self._ended and self.otel_span.is_recording()

    def set_attribute(self, key: str, value: Any) -> Span:
        self.otel_span.set_attribute(key, check_attribute(key, value))
        return self

    def set_attributes(self, attributes: Mapping[str, Any]) -> Span:
        self.otel_span.set_attributes({k: check_attribute(k, v) for k, v in attributes.items()})
        return self

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None,
                  timestamp_ns: int | None = None) -> Span:
        checked = {k: check_attribute(k, v) for k, v in (attributes or {}).items()}
        if timestamp_ns is None and self._time_ns is not None:
            timestamp_ns = self._time_ns()
        self.otel_span.add_event(name, checked, timestamp_ns)
        return self

    def record_exception(self, exc: BaseException) -> Span:
        if self._time_ns is None:
            self.otel_span.record_exception(exc)
            return self
        return super().record_exception(exc)

    def set_status(self, status: StatusCode, description: str | None = None) -> Span:
        if not isinstance(status, StatusCode):
            raise TypeError(f"`status` must be a StatusCode, got {type(status).__name__}.")
        code = _STATE["codes"][status]
        self.otel_span.set_status(code, description if status is StatusCode.ERROR else None)
        return self

    def end(self, end_ns: int | None = None) -> None:
        if self._ended:
            logger.debug("span %r ended twice; ignoring", self.name)
            return
        self._ended = True
        if end_ns is None and self._time_ns is not None:
            end_ns = self._time_ns()
        self.otel_span.end(end_ns)
        if self._on_end is not None:
            self._on_end(self)


def to_otel(context: Span | SpanContext) -> OtelSpanContext:
    """Convert to an ``opentelemetry.trace.SpanContext``.

    Parameters
    ----------
    context : Span or SpanContext

    Returns
    -------
    otel_context : opentelemetry.trace.SpanContext
    """
    trace = require_otel()
    if isinstance(context, OtelSpan):
        own: OtelSpanContext = context.otel_span.get_span_context()
        return own
    ctx = context.context if isinstance(context, Span) else context
    converted: OtelSpanContext = trace.SpanContext(
        trace_id=ctx.trace_id,
        span_id=ctx.span_id,
        is_remote=ctx.is_remote,
        trace_flags=trace.TraceFlags(ctx.trace_flags),
        trace_state=_otel_trace_state(trace, ctx.trace_state),
    )
    return converted


def _otel_trace_state(trace: ModuleType, state: TraceState) -> Any:
    """An ``opentelemetry.trace.TraceState`` holding every member of ``state``.

    OpenTelemetry-Python's ``TraceState`` still checks keys against the older W3C
    grammar (``tenant@vendor`` with 241/14 limits) and drops, with a warning, keys
    the current Recommendation allows (``a@``, ``a@b@c``, a digit first ...).
    Our members are already validated against the current grammar, so they are
    stored as they are when the OpenTelemetry object has its usual ``_dict``
    store; other versions get OpenTelemetry's own constructor.
    """
    entries = list(state)
    otel_state = trace.TraceState()
    store = getattr(otel_state, "_dict", None)
    if not entries:
        return otel_state
    if isinstance(store, dict) and not store:
        store.update(entries)
        return otel_state
    return trace.TraceState(entries)


def to_otel_context(context: Span | SpanContext) -> Context:
    """Return an OpenTelemetry ``Context`` whose current span is ``context``.

    Pass it as ``context=`` to an OpenTelemetry tracer to parent its spans on ours.

    Parameters
    ----------
    context : Span or SpanContext

    Returns
    -------
    otel_context : opentelemetry.context.Context
    """
    trace = require_otel()
    span = (context.otel_span if isinstance(context, OtelSpan)
            else trace.NonRecordingSpan(to_otel(context)))
    result: Context = trace.set_span_in_context(span)
    return result


def from_otel(otel_context: OtelSpanContext) -> SpanContext:
    """Convert an ``opentelemetry.trace.SpanContext`` to ours.

    Parameters
    ----------
    otel_context : opentelemetry.trace.SpanContext

    Returns
    -------
    context : SpanContext

    Raises
    ------
    ValueError
        If the OpenTelemetry context is invalid (zero ids).
    """
    require_otel()
    if not otel_context.is_valid:
        raise ValueError("`otel_context` is not a valid OpenTelemetry span context.")
    state = otel_context.trace_state
    return SpanContext(otel_context.trace_id, otel_context.span_id,
                       int(otel_context.trace_flags),
                       TraceState(tuple(state.items())) if state else TraceState(),
                       is_remote=otel_context.is_remote)
