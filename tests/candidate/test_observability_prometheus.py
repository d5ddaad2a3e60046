"""Prometheus exposition read back by prometheus_client's parser, and the bridge."""

from __future__ import annotations

import math

import pytest

from candidate.observability import CONTENT_TYPE, MetricsRegistry, PrometheusBridge

prometheus_client = pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def _populated() -> MetricsRegistry:
    registry = MetricsRegistry()
    requests = registry.counter("http_requests", 'Requests\nwith "quotes" and \\ slash.',
                                ["route", "method"])
    requests.labels("/a", "GET").inc(3)
    requests.labels(route='/b"\n\\', method="POST").inc()
    registry.gauge("temperature_celsius", "Temp.").set(-12.5)
    inflight = registry.gauge("inflight", "In flight.", ["pool"])
    inflight.labels("x").set(math.inf)
    latency = registry.histogram("latency_seconds", "Latency.", ["route"], buckets=[0.1, 1.0])
    for v in (0.05, 0.2, 0.7, 4.0):
        latency.labels("/a").observe(v)
    summary = registry.rolling_summary("work_ms", "Work.", window=4, quantiles=[0.5, 0.9])
    for v in (1.0, 2.0, 3.0, 4.0, 5.0):
        summary.observe(v)
    registry.counter("unused", "No samples yet.")
    return registry


def _parsed(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _samples(family: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for s in family.samples}  # type: ignore[attr-defined]


def test_text_round_trips_through_prometheus_parser() -> None:
    families = _parsed(_populated().render())
    assert {name: f.type for name, f in families.items()} == {  # type: ignore[attr-defined]
        "http_requests": "counter", "temperature_celsius": "gauge", "inflight": "gauge",
        "latency_seconds": "histogram", "work_ms": "summary", "unused": "counter",
    }
    requests = families["http_requests"]
    assert requests.documentation == 'Requests\nwith "quotes" and \\ slash.'  # type: ignore[attr-defined]
    assert _samples(requests) == {
        ("http_requests_total", (("method", "GET"), ("route", "/a"))): 3.0,
        ("http_requests_total", (("method", "POST"), ("route", '/b"\n\\'))): 1.0,
    }
    assert _samples(families["temperature_celsius"]) == {("temperature_celsius", ()): -12.5}
    assert _samples(families["inflight"]) == {("inflight", (("pool", "x"),)): math.inf}
    hist = _samples(families["latency_seconds"])
    assert hist[("latency_seconds_bucket", (("le", "0.1"), ("route", "/a")))] == 1.0
    assert hist[("latency_seconds_bucket", (("le", "1.0"), ("route", "/a")))] == 3.0
    assert hist[("latency_seconds_bucket", (("le", "+Inf"), ("route", "/a")))] == 4.0
    assert hist[("latency_seconds_count", (("route", "/a"),))] == 4.0
    assert hist[("latency_seconds_sum", (("route", "/a"),))] == pytest.approx(4.95)
    summary = _samples(families["work_ms"])
    assert summary[("work_ms", (("quantile", "0.5"),))] == 3.5
    assert summary[("work_ms_count", ())] == 5.0 and summary[("work_ms_sum", ())] == 15.0
    assert CONTENT_TYPE.startswith("text/plain; version=0.0.4")


def test_bridge_matches_our_own_exposition() -> None:
    ours = _populated()
    prom = prometheus_client.CollectorRegistry()
    prom.register(PrometheusBridge(ours))
    via_client = _parsed(prometheus_client.generate_latest(prom).decode())
    direct = _parsed(ours.render())
    assert set(via_client) == set(direct)
    for name, family in direct.items():
        assert _samples(via_client[name]) == _samples(family), name


def test_star_import_exports_everything() -> None:
    namespace: dict[str, object] = {}
    exec("from candidate.observability import *", namespace)
    import candidate.observability as obs

    assert set(obs.__all__) <= set(namespace)
    assert "MetricsRegistry" in namespace and "RollingWindow" in namespace
