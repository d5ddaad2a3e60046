"""Conversions to and from OpenTelemetry (requires ``opentelemetry-api``).

OpenTelemetry is imported only when one of these functions is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lukhas.services.trace._tracer import Span
from lukhas.services.trace._w3c import SpanContext, TraceState

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import SpanContext as OtelSpanContext

__all__ = ["from_otel", "to_otel", "to_otel_context"]


def _require_otel() -> None:
    try:
        import opentelemetry.trace  # noqa: F401
    except ImportError as err:  # pragma: no cover - exercised only without the package
        raise ImportError(
            "lukhas.services.trace's OpenTelemetry interop needs `opentelemetry-api` "
            "(pip install opentelemetry-api)"
        ) from err


def to_otel(context: Span | SpanContext) -> OtelSpanContext:
    """Convert to an ``opentelemetry.trace.SpanContext``.

    Parameters
    ----------
    context : Span or SpanContext

    Returns
    -------
    otel_context : opentelemetry.trace.SpanContext
    """
    _require_otel()
    from opentelemetry.trace import SpanContext as OtelContext
    from opentelemetry.trace import TraceFlags
    from opentelemetry.trace import TraceState as OtelState

    ctx = context.context if isinstance(context, Span) else context
    return OtelContext(
        trace_id=ctx.trace_id,
        span_id=ctx.span_id,
        is_remote=ctx.is_remote,
        trace_flags=TraceFlags(ctx.trace_flags),
        trace_state=OtelState(list(ctx.trace_state)),
    )


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
    _require_otel()
    from opentelemetry.trace import NonRecordingSpan, set_span_in_context

    return set_span_in_context(NonRecordingSpan(to_otel(context)))


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
    _require_otel()
    if not otel_context.is_valid:
        raise ValueError("`otel_context` is not a valid OpenTelemetry span context.")
    state = TraceState(tuple(otel_context.trace_state.items()))
    return SpanContext(otel_context.trace_id, otel_context.span_id,
                       int(otel_context.trace_flags), state, is_remote=otel_context.is_remote)
