"""Distributed tracing on OpenTelemetry, with a dependency-free W3C Trace Context fallback.

When ``opentelemetry-api`` is installed and the application has configured a tracer
provider, a :class:`Tracer` runs on it: its spans are OpenTelemetry spans
(:class:`OtelSpan`), the current span is OpenTelemetry's (a lukhas span started
inside an application span is its child, and the other way round), and samplers,
processors and exporters are the application's.  Otherwise the same API runs on
:class:`W3CSpan`, plain Python spans with W3C ids.

Spans with timing, attributes, events and status; the current span follows the
code through ``contextvars`` (asyncio tasks inherit it, threads get it through
:func:`bind_context`); :func:`inject` / :func:`extract` carry it across
process boundaries as ``traceparent`` / ``tracestate`` headers that
OpenTelemetry's ``TraceContextTextMapPropagator`` reads and writes too, and
:func:`to_otel` / :func:`from_otel` convert contexts directly.

Examples
--------
>>> from lukhas.services.trace import SpanRecorder, Tracer, extract, inject
>>> recorder = SpanRecorder()
>>> tracer = Tracer("checkout", on_end=recorder)
>>> with tracer.start_as_current_span("client call") as client:
...     headers = inject({})
>>> server_parent = extract(headers)
>>> server_parent.span_id == client.context.span_id
True
"""

from __future__ import annotations

from lukhas.services.trace._otel import OtelSpan, from_otel, to_otel, to_otel_context
from lukhas.services.trace._span import Span, SpanKind, StatusCode, W3CSpan
from lukhas.services.trace._tracer import (
    SpanRecorder,
    Tracer,
    bind_context,
    current_context,
    current_span,
    extract,
    inject,
    use_span,
)
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
    "FLAG_RANDOM",
    "FLAG_SAMPLED",
    "OtelSpan",
    "Span",
    "SpanContext",
    "SpanKind",
    "SpanRecorder",
    "StatusCode",
    "TraceState",
    "Tracer",
    "W3CSpan",
    "bind_context",
    "current_context",
    "current_span",
    "extract",
    "format_traceparent",
    "from_otel",
    "inject",
    "new_span_id",
    "new_trace_id",
    "parse_traceparent",
    "to_otel",
    "to_otel_context",
    "use_span",
]


def __dir__() -> list[str]:
    return list(__all__)
