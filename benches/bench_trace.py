"""candidate.trace beside OpenTelemetry: header propagation and span creation.

Groups:

* ``extract-inject``: W3C header round trip, ours vs OpenTelemetry's propagator;
* ``nested-spans``: the W3C backend vs the bare OpenTelemetry SDK;
* ``otel-span-overhead``: the OpenTelemetry backend (our ``Tracer`` on an SDK
  provider) vs the same SDK provider used bare, nested current spans and plain
  ``start_span``/``end`` (target: within 1.2x of the bare SDK).

Run:

    pytest benches/bench_trace.py --benchmark-only --benchmark-min-rounds=3
"""

from __future__ import annotations

import pytest

from candidate.trace import SpanRecorder, Tracer, extract, inject

propagation = pytest.importorskip("opentelemetry.trace.propagation.tracecontext")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

HEADERS = {
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
}
N = 1000


@pytest.mark.benchmark(group="extract-inject")
def test_propagate_ours(benchmark):
    def run():
        out = None
        for _ in range(N):
            out = inject({}, extract(HEADERS))
        return out

    assert benchmark(run) == HEADERS


@pytest.mark.benchmark(group="extract-inject")
def test_propagate_opentelemetry(benchmark):
    propagator = propagation.TraceContextTextMapPropagator()

    def run():
        out = None
        for _ in range(N):
            out = {}
            propagator.inject(out, context=propagator.extract(HEADERS))
        return out

    assert benchmark(run) == HEADERS


@pytest.mark.benchmark(group="nested-spans")
def test_spans_ours(benchmark):
    recorder = SpanRecorder(max_spans=10 * N)
    tracer = Tracer("bench", on_end=recorder, backend="w3c")

    def run():
        recorder.clear()
        for _ in range(N):
            with (
                tracer.start_as_current_span("outer") as outer,
                tracer.start_as_current_span("inner", attributes={"i": 1}),
            ):
                pass
        return outer

    outer = benchmark(run)
    assert len(recorder) == 2 * N and recorder.spans()[-1] is outer


@pytest.mark.benchmark(group="nested-spans")
def test_spans_opentelemetry_sdk(benchmark):
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")

    def run():
        exporter.clear()
        for _ in range(N):
            with (
                tracer.start_as_current_span("outer"),
                tracer.start_as_current_span("inner", attributes={"i": 1}),
            ):
                pass

    benchmark(run)
    assert len(exporter.get_finished_spans()) == 2 * N


def _sdk() -> tuple[sdk_trace.TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.mark.benchmark(group="otel-span-overhead")
def test_otel_nested_ours_on_sdk(benchmark):
    provider, exporter = _sdk()
    tracer = Tracer("bench", tracer_provider=provider)

    def run():
        exporter.clear()
        for _ in range(N):
            with (
                tracer.start_as_current_span("outer"),
                tracer.start_as_current_span("inner", attributes={"i": 1}),
            ):
                pass

    benchmark(run)
    spans = exporter.get_finished_spans()
    assert len(spans) == 2 * N and spans[0].parent.span_id == spans[1].context.span_id


@pytest.mark.benchmark(group="otel-span-overhead")
def test_otel_nested_bare_sdk(benchmark):
    provider, exporter = _sdk()
    tracer = provider.get_tracer("bench")

    def run():
        exporter.clear()
        for _ in range(N):
            with (
                tracer.start_as_current_span("outer"),
                tracer.start_as_current_span("inner", attributes={"i": 1}),
            ):
                pass

    benchmark(run)
    spans = exporter.get_finished_spans()
    assert len(spans) == 2 * N and spans[0].parent.span_id == spans[1].context.span_id


@pytest.mark.benchmark(group="otel-span-overhead")
def test_otel_start_end_ours_on_sdk(benchmark):
    provider, exporter = _sdk()
    tracer = Tracer("bench", tracer_provider=provider)

    def run():
        exporter.clear()
        for _ in range(N):
            tracer.start_span("op").end()

    benchmark(run)
    assert len(exporter.get_finished_spans()) == N


@pytest.mark.benchmark(group="otel-span-overhead")
def test_otel_start_end_bare_sdk(benchmark):
    provider, exporter = _sdk()
    tracer = provider.get_tracer("bench")

    def run():
        exporter.clear()
        for _ in range(N):
            tracer.start_span("op").end()

    benchmark(run)
    assert len(exporter.get_finished_spans()) == N
