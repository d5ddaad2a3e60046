"""Exposition through prometheus_client: parsed back, scraped over HTTP, multiprocess mode.

prometheus_client adds a ``<name>_created`` gauge beside counters and histograms
(the series' creation time); the comparisons below leave those out.
"""

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
    return {f.name: f for f in text_string_to_metric_families(text)
            if not f.name.endswith("_created")}


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


def test_scrape_over_http_on_loopback() -> None:
    import urllib.request

    from prometheus_client.openmetrics.parser import (
        text_string_to_metric_families as openmetrics_families,
    )

    registry = _populated()
    server, thread = registry.serve(0, "127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            scraped = _parsed(response.read().decode())
        request = urllib.request.Request(url, headers={"Accept": "application/openmetrics-text"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/openmetrics-text")
            open_text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    direct = _parsed(registry.render())
    assert set(scraped) == set(direct)
    for name, family in direct.items():
        assert _samples(scraped[name]) == _samples(family), name
    om = {f.name: f for f in openmetrics_families(open_text)}
    assert om["http_requests"].type == "counter" and om["work_ms"].type == "summary"
    assert _samples(om["latency_seconds"])[("latency_seconds_count", (("route", "/a"),))] == 4.0


def test_ticker_and_services_share_the_default_registry() -> None:
    import lukhas.domain.consciousness.ticker as ticker
    from candidate.observability import LazyMetric

    ticker.TICK.labels(lane="shared").observe(0.001)
    default = ticker.TICK._get()
    assert default is MetricsRegistry.default().get("lukhas_consciousness_tick_seconds")
    again = LazyMetric("Histogram", "lukhas_consciousness_tick_seconds", "again", ("lane",))
    assert again._get() is default
    text = prometheus_client.generate_latest(prometheus_client.REGISTRY).decode()
    assert 'lukhas_consciousness_tick_seconds_count{lane="shared"}' in text


WORKER = """
import sys
from candidate.observability import Counter, Gauge, Histogram
n = int(sys.argv[1])
jobs = Counter("mp_jobs", "Jobs done.", ["kind"])
jobs.labels("a").inc(n)
jobs.labels("b").inc()
Gauge("mp_workers", "Workers.", multiprocess_mode="livesum").inc()
latency = Histogram("mp_latency_seconds", "Latency.", buckets=[0.1, 1.0])
for _ in range(n):
    latency.observe(0.5)
print("ok")
"""


def test_multiprocess_mode_sums_two_worker_processes(tmp_path: object) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(n)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in (1, 2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["ok", "ok"]
    families = _parsed(MetricsRegistry.multiprocess(tmp_path).render())
    jobs = _samples(families["mp_jobs"])
    assert jobs[("mp_jobs_total", (("kind", "a"),))] == 3.0
    assert jobs[("mp_jobs_total", (("kind", "b"),))] == 2.0
    latency = _samples(families["mp_latency_seconds"])
    assert latency[("mp_latency_seconds_count", ())] == 3.0
    assert latency[("mp_latency_seconds_bucket", (("le", "1.0"),))] == 3.0
    assert latency[("mp_latency_seconds_bucket", (("le", "0.1"),))] == 0.0
    assert latency[("mp_latency_seconds_sum", ())] == 1.5
