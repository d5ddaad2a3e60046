"""The OpenTelemetry backend: nesting with application spans, context, sampling, export.

The tracer runs on a real ``opentelemetry-sdk`` provider; finished spans go to an
``InMemorySpanExporter`` and, through the SDK's OTLP/HTTP exporter, to a small
OTLP receiver this module starts on loopback (real HTTP requests, protobuf bodies).
"""

from __future__ import annotations

import asyncio
import http.server
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import pytest

from candidate.trace import (
    OtelSpan,
    SpanKind,
    SpanRecorder,
    StatusCode,
    Tracer,
    W3CSpan,
    bind_context,
    current_context,
    current_span,
    extract,
    inject,
    use_span,
)

otel_trace = pytest.importorskip("opentelemetry.trace")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace import sampling  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)


def make_provider(sampler: sampling.Sampler | None = None,
                  ) -> tuple[sdk_trace.TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.fixture
def otel() -> tuple[sdk_trace.TracerProvider, InMemorySpanExporter]:
    return make_provider()


def by_name(exporter: InMemorySpanExporter) -> dict[str, sdk_trace.ReadableSpan]:
    return {s.name: s for s in exporter.get_finished_spans()}


def test_nesting_in_both_directions(otel: tuple[sdk_trace.TracerProvider,
                                                InMemorySpanExporter]) -> None:
    provider, exporter = otel
    app = provider.get_tracer("app")
    tracer = Tracer("lukhas", tracer_provider=provider)
    with app.start_as_current_span("app-request"), \
            tracer.start_as_current_span("lukhas-work") as ours:
        assert isinstance(ours, OtelSpan)
        assert otel_trace.get_current_span() is ours.otel_span
        assert current_span() is ours
        with app.start_as_current_span("app-db"):
            inner = current_span()
            assert inner is not None and inner.name == "app-db"
            with tracer.start_as_current_span("lukhas-leaf"):
                pass
    spans = by_name(exporter)
    assert len(spans) == 4
    chain = ["app-request", "lukhas-work", "app-db", "lukhas-leaf"]
    for parent, child in itertools.pairwise(chain):
        assert spans[child].parent is not None
        assert spans[child].parent.span_id == spans[parent].context.span_id
        assert spans[child].context.trace_id == spans["app-request"].context.trace_id
    assert spans["lukhas-work"].instrumentation_scope.name == "lukhas"
    assert ours.parent is not None and ours.parent.span_id == spans["app-request"].context.span_id
    assert current_span() is None and current_context() is None


def test_auto_backend_follows_the_global_provider(
        otel: tuple[sdk_trace.TracerProvider, InMemorySpanExporter],
        monkeypatch: pytest.MonkeyPatch) -> None:
    provider, exporter = otel
    tracer = Tracer("auto")
    assert not tracer.uses_otel  # no SDK configured: the W3C backend
    assert isinstance(tracer.start_span("before"), W3CSpan)
    monkeypatch.setattr(otel_trace, "get_tracer_provider", lambda: provider)
    assert tracer.uses_otel
    with tracer.start_as_current_span("after") as span:
        assert isinstance(span, OtelSpan)
    assert [s.name for s in exporter.get_finished_spans()] == ["after"]
    assert isinstance(Tracer("pinned", backend="w3c").start_span("x"), W3CSpan)


def test_context_follows_asyncio_tasks_and_bound_threads(
        otel: tuple[sdk_trace.TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = otel
    tracer = Tracer("ctx", tracer_provider=provider)
    app = provider.get_tracer("app")

    async def child(name: str) -> None:
        with tracer.start_as_current_span(name) as span:
            await asyncio.sleep(0)
            assert current_span() is span
            with app.start_as_current_span(name + "-app"):
                await asyncio.sleep(0)

    async def main() -> None:
        with tracer.start_as_current_span("root") as root:
            await asyncio.gather(child("a"), child("b"))
            assert current_span() is root

    asyncio.run(main())
    with tracer.start_as_current_span("request") as request, ThreadPoolExecutor(2) as pool:
        assert pool.submit(current_span).result() is None
        assert pool.submit(bind_context(current_span)).result() is request
        worker = pool.submit(bind_context(lambda: tracer.start_span("worker").end()))
        worker.result()
    spans = by_name(exporter)
    root_id = spans["root"].context.span_id
    for name in ("a", "b"):
        assert spans[name].parent.span_id == root_id  # type: ignore[union-attr]
        assert spans[name + "-app"].parent.span_id == spans[name].context.span_id  # type: ignore[union-attr]
    assert spans["worker"].parent.span_id == spans["request"].context.span_id  # type: ignore[union-attr]


def test_sampling_decisions_are_honoured() -> None:
    provider, exporter = make_provider(sampling.ALWAYS_OFF)
    tracer = Tracer("off", tracer_provider=provider)
    with tracer.start_as_current_span("dropped") as span:
        assert not span.is_recording and not span.context.sampled
        assert int(inject({})["traceparent"][-2:], 16) & 0x01 == 0
    assert exporter.get_finished_spans() == ()

    provider, exporter = make_provider(sampling.ParentBased(sampling.ALWAYS_ON))
    app = provider.get_tracer("app")
    quiet = Tracer("quiet", tracer_provider=provider, sampled=False)
    with quiet.start_as_current_span("unsampled-root") as root:
        assert not root.context.sampled
        with app.start_as_current_span("app-child") as app_child:
            assert not app_child.is_recording()
            assert app_child.get_span_context().trace_id == root.context.trace_id
    remote = extract({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"})
    assert remote is not None
    loud = Tracer("loud", tracer_provider=provider)
    with use_span(remote), loud.start_as_current_span("under-unsampled") as span:
        assert not span.context.sampled and span.context.trace_id == remote.trace_id
    with loud.start_as_current_span("sampled-root") as sampled:
        assert sampled.context.sampled
    assert [s.name for s in exporter.get_finished_spans()] == ["sampled-root"]


def test_attributes_events_status_and_on_end(
        otel: tuple[sdk_trace.TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = otel
    recorder = SpanRecorder()
    now = [1_000_000_000]
    tracer = Tracer("attrs", on_end=recorder, tracer_provider=provider, time_ns=lambda: now[0])
    with pytest.raises(KeyError), tracer.start_as_current_span(
            "op", kind=SpanKind.SERVER, attributes={"n": 1}) as span:
        span.set_attribute("tags", ["a", "b"])
        span.add_event("checkpoint", {"step": 2})
        now[0] += 2_500_000
        with pytest.raises(TypeError, match="attribute"):
            span.set_attribute("bad", {"nested": 1})
        raise KeyError("missing")
    (exported,) = exporter.get_finished_spans()
    assert exported.attributes == {"n": 1, "tags": ("a", "b")}
    assert [e.name for e in exported.events] == ["checkpoint", "exception"]
    assert exported.events[0].attributes == {"step": 2}
    assert exported.events[1].attributes["exception.type"] == "KeyError"
    assert exported.status.status_code is otel_trace.StatusCode.ERROR
    assert exported.kind is otel_trace.SpanKind.SERVER
    assert exported.end_time - exported.start_time == 2_500_000
    assert span.duration_ms == pytest.approx(2.5) and span.status is StatusCode.ERROR
    assert recorder.spans() == [span]
    span.end()  # a second end is ignored (no second on_end, no SDK warning)
    assert len(recorder) == 1
    data = span.to_dict()
    assert data["attributes"]["tags"] == ("a", "b") and data["status"] == "error"


class _OtlpReceiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    bodies: list[tuple[str, str, bytes]] = []
    handler = type("Receiver", (_OtlpReceiver,), {"bodies": bodies})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", bodies
    finally:
        server.shutdown()
        server.server_close()


def test_export_through_otlp_http_to_a_loopback_receiver(
        receiver: tuple[str, list[tuple[str, str, bytes]]]) -> None:
    otlp = pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint, bodies = receiver
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(otlp.OTLPSpanExporter(endpoint=endpoint)))
    tracer = Tracer("otlp", tracer_provider=provider)
    with tracer.start_as_current_span("outer", attributes={"user": "u1"}) as outer, \
            tracer.start_as_current_span("inner") as inner:
        inner.add_event("cache-miss", {"key": "k", "size": 3})
    assert provider.force_flush(10_000)
    provider.shutdown()
    assert bodies and all(path == "/v1/traces" for path, _, _ in bodies)
    assert all(ctype == "application/x-protobuf" for _, ctype, _ in bodies)
    spans = {}
    for _, _, body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                assert scope_spans.scope.name == "otlp"
                spans.update({s.name: s for s in scope_spans.spans})
    assert set(spans) == {"outer", "inner"}
    assert spans["outer"].span_id == outer.context.span_id.to_bytes(8, "big")
    assert spans["inner"].parent_span_id == spans["outer"].span_id
    assert spans["inner"].trace_id == outer.context.trace_id.to_bytes(16, "big")
    outer_attrs = {a.key: a.value.string_value for a in spans["outer"].attributes}
    assert outer_attrs == {"user": "u1"}
    (event,) = spans["inner"].events
    assert event.name == "cache-miss"
    assert {a.key for a in event.attributes} == {"key", "size"}


def test_current_grammar_keys_and_random_flag_survive_the_otel_backend(
        otel: tuple[sdk_trace.TracerProvider, InMemorySpanExporter],
        caplog: pytest.LogCaptureFixture) -> None:
    """OpenTelemetry-Python's TraceState checks the older key grammar; ours must not lose
    keys the current W3C Recommendation allows (issue 19 §4) when spans run on it."""
    provider, exporter = otel
    tracer = Tracer("svc", tracer_provider=provider)
    remote = extract([("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"),
                      ("tracestate", "a@=1,b=2"), ("TraceState", "9c@x@y=3,b=4")])
    assert remote is not None
    with caplog.at_level("WARNING"), tracer.start_as_current_span("server", parent=remote):
        out = inject({})
    assert out["tracestate"] == "a@=1,b=2,9c@x@y=3"
    assert out["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert out["traceparent"].endswith("-03")
    assert not [r for r in caplog.records if "Invalid key" in r.getMessage()]
    (span,) = exporter.get_finished_spans()
    assert dict(span.context.trace_state) == {"a@": "1", "b": "2", "9c@x@y": "3"}
