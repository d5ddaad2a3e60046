"""Context propagation across asyncio and threads, and interop with OpenTelemetry."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from candidate.trace import (
    SpanContext,
    SpanRecorder,
    Tracer,
    TraceState,
    bind_context,
    current_context,
    current_span,
    extract,
    from_otel,
    inject,
    to_otel,
    to_otel_context,
    use_span,
)

otel_trace = pytest.importorskip("opentelemetry.trace")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace.propagation.tracecontext import (  # noqa: E402
    TraceContextTextMapPropagator,
)


@pytest.fixture
def otel() -> tuple[object, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("interop"), exporter


def test_asyncio_tasks_inherit_and_isolate() -> None:
    tracer = Tracer("async")

    async def child(name: str) -> tuple[int, int]:
        parent = current_span()
        assert parent is not None
        with tracer.start_as_current_span(name) as span:
            await asyncio.sleep(0)
            assert current_span() is span
            assert span.parent is not None
            return span.parent.span_id, parent.context.span_id

    async def main() -> None:
        with tracer.start_as_current_span("request") as root:
            results = await asyncio.gather(child("a"), child("b"))
            assert current_span() is root  # children did not leak into the parent
        for parent_id, seen_id in results:
            assert parent_id == seen_id == root.context.span_id
        assert current_span() is None

    asyncio.run(main())


def test_threads_need_bind_context() -> None:
    tracer = Tracer("threads")
    with tracer.start_as_current_span("request") as root, ThreadPoolExecutor(2) as pool:
        unbound = pool.submit(current_span).result()
        bound = pool.submit(bind_context(current_span)).result()
        seen: list[object] = []
        thread = threading.Thread(target=bind_context(lambda: seen.append(current_span())))
        thread.start()
        thread.join()
    assert unbound is None
    assert bound is root and seen == [root]


def test_remote_context_as_parent() -> None:
    recorder = SpanRecorder()
    tracer = Tracer("server", on_end=recorder)
    remote = extract({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                      "tracestate": "congo=t61rcWkgMzE"})
    assert remote is not None
    with use_span(remote):
        assert current_context() == remote and current_span() is None
        with tracer.start_as_current_span("handle") as span:
            pass
    assert span.context.trace_id == remote.trace_id
    assert span.parent == remote
    assert span.context.trace_state.get("congo") == "t61rcWkgMzE"
    assert inject({}, span)["tracestate"] == "congo=t61rcWkgMzE"


def test_ours_to_opentelemetry(otel: tuple[object, InMemorySpanExporter]) -> None:
    otel_tracer, exporter = otel
    tracer = Tracer("client")
    with tracer.start_as_current_span("call") as ours:
        headers = inject({})
    headers["tracestate"] = "vendor=abc"
    parent_ctx = TraceContextTextMapPropagator().extract(headers)
    with otel_tracer.start_as_current_span("server", context=parent_ctx):  # type: ignore[attr-defined]
        pass
    (finished,) = exporter.get_finished_spans()
    assert finished.context.trace_id == ours.context.trace_id
    assert finished.parent is not None and finished.parent.span_id == ours.context.span_id
    assert finished.context.trace_state.get("vendor") == "abc"


def test_opentelemetry_to_ours(otel: tuple[object, InMemorySpanExporter]) -> None:
    otel_tracer, _ = otel
    recorder = SpanRecorder()
    tracer = Tracer("server", on_end=recorder)
    carrier: dict[str, str] = {}
    with otel_tracer.start_as_current_span("client") as client:  # type: ignore[attr-defined]
        TraceContextTextMapPropagator().inject(carrier)
    remote = extract(carrier)
    assert remote is not None
    with tracer.start_as_current_span("handle", parent=remote) as span:
        pass
    client_ctx = client.get_span_context()
    assert span.context.trace_id == client_ctx.trace_id
    assert span.parent is not None and span.parent.span_id == client_ctx.span_id
    assert remote.trace_flags == int(client_ctx.trace_flags)


def test_direct_conversions(otel: tuple[object, InMemorySpanExporter]) -> None:
    otel_tracer, exporter = otel
    ours = SpanContext(0x1234, 0x5678, 0x01, TraceState((("k", "v"),)), is_remote=True)
    converted = to_otel(ours)
    assert converted.trace_id == 0x1234 and converted.trace_state.get("k") == "v"
    assert from_otel(converted) == ours
    with otel_tracer.start_as_current_span("child", context=to_otel_context(ours)):  # type: ignore[attr-defined]
        pass
    (finished,) = exporter.get_finished_spans()
    assert finished.parent is not None and finished.parent.span_id == 0x5678
    with pytest.raises(ValueError, match="otel_context"):
        from_otel(otel_trace.INVALID_SPAN_CONTEXT)
