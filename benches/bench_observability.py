"""candidate.observability beside prometheus_client and a deque/numpy rolling window.

Counters and histograms run on prometheus_client underneath now, so the
``counter-inc`` and ``histogram-observe`` groups measure our layer's overhead
over the bare client.  ``rolling-p99`` compares the shared
:class:`lukhas.primitives.window.RollingWindow` (its ``append`` hot path and the
checked ``observe``) with a ``deque`` plus numpy.

Run:

    pytest benches/bench_observability.py --benchmark-only --benchmark-min-rounds=3
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from candidate.observability import Counter, Histogram, MetricsRegistry, RollingWindow

prometheus_client = pytest.importorskip("prometheus_client")

N_UPDATES = 10_000
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@pytest.mark.benchmark(group="counter-inc")
def test_counter_ours(benchmark):
    def run():
        child = Counter("hits", "Hits.", ["route"]).labels("/a")
        for _ in range(N_UPDATES):
            child.inc()
        return child.value

    assert benchmark(run) == N_UPDATES


@pytest.mark.benchmark(group="counter-inc")
def test_counter_prometheus_client(benchmark):
    def run():
        counter = prometheus_client.Counter("hits", "Hits.", ["route"],
                                            registry=prometheus_client.CollectorRegistry())
        child = counter.labels("/a")
        for _ in range(N_UPDATES):
            child.inc()
        (family,) = counter.collect()
        return family.samples[0].value

    assert benchmark(run) == N_UPDATES


@pytest.fixture(scope="module")
def observations():
    return np.random.default_rng(0).exponential(0.2, N_UPDATES).tolist()


@pytest.mark.benchmark(group="histogram-observe")
def test_histogram_ours(benchmark, observations):
    def run():
        h = Histogram("lat", "Latency.", buckets=BUCKETS)
        for x in observations:
            h.observe(x)
        return h.labels().cumulative()

    cumulative = benchmark(run)
    expected = [int(np.sum(np.asarray(observations) <= b)) for b in BUCKETS]
    assert cumulative == [*expected, N_UPDATES]


@pytest.mark.benchmark(group="histogram-observe")
def test_histogram_prometheus_client(benchmark, observations):
    def run():
        h = prometheus_client.Histogram("lat", "Latency.", buckets=BUCKETS,
                                        registry=prometheus_client.CollectorRegistry())
        for x in observations:
            h.observe(x)
        return h

    h = benchmark(run)
    (family,) = h.collect()
    assert family.samples[-3].value == N_UPDATES  # the +Inf bucket


def _ours_registry(series: int) -> MetricsRegistry:
    registry = MetricsRegistry()
    c = registry.counter("requests", "Requests.", ["route"])
    h = registry.histogram("latency_seconds", "Latency.", ["route"], buckets=BUCKETS)
    for i in range(series):
        c.labels(f"/r{i}").inc(i)
        h.labels(f"/r{i}").observe(i / series)
    return registry


def _prom_registry(series: int):
    registry = prometheus_client.CollectorRegistry()
    c = prometheus_client.Counter("requests", "Requests.", ["route"], registry=registry)
    h = prometheus_client.Histogram("latency_seconds", "Latency.", ["route"], buckets=BUCKETS,
                                    registry=registry)
    for i in range(series):
        c.labels(f"/r{i}").inc(i)
        h.labels(f"/r{i}").observe(i / series)
    return registry


@pytest.mark.parametrize("series", [100])
@pytest.mark.benchmark(group="exposition")
def test_exposition_ours(benchmark, series):
    registry = _ours_registry(series)
    text = benchmark(registry.render)
    assert text.count("latency_seconds_bucket") == series * (len(BUCKETS) + 1)


@pytest.mark.parametrize("series", [100])
@pytest.mark.benchmark(group="exposition")
def test_exposition_prometheus_client(benchmark, series):
    registry = _prom_registry(series)
    text = benchmark(prometheus_client.generate_latest, registry).decode()
    assert text.count("latency_seconds_bucket") == series * (len(BUCKETS) + 1)


WINDOW = 1024
# The windows are long-lived (one per metric child, breaker or operation): each is made
# once, outside the timed loop, and every round streams 10,000 observations through it
# and asks for the p99, as a scrape would.


@pytest.mark.benchmark(group="rolling-p99")
def test_rolling_ours_extend(benchmark, observations):
    window = RollingWindow(WINDOW)
    batch = np.asarray(observations)

    def run():
        window.extend(batch)
        return window.percentile(99.0)

    p99 = benchmark(run)
    assert p99 == np.percentile(observations[-WINDOW:], 99.0)


@pytest.mark.benchmark(group="rolling-p99")
def test_rolling_ours_append_loop(benchmark, observations):
    """The shared window's hot path (what the breaker and summaries use) vs deque + numpy."""
    window = RollingWindow(WINDOW)

    def run():
        append = window.append
        for x in observations:
            append(x)
        return window.percentile(99.0)

    p99 = benchmark(run)
    assert p99 == np.percentile(observations[-WINDOW:], 99.0)


@pytest.mark.benchmark(group="rolling-p99")
def test_rolling_ours_observe_loop(benchmark, observations):
    window = RollingWindow(WINDOW)

    def run():
        for x in observations:
            window.observe(x)
        return window.percentile(99.0)

    p99 = benchmark(run)
    assert p99 == np.percentile(observations[-WINDOW:], 99.0)


@pytest.mark.benchmark(group="rolling-p99")
def test_rolling_deque_numpy(benchmark, observations):
    window = deque(maxlen=WINDOW)

    def run():
        append = window.append
        for x in observations:
            append(x)
        return float(np.percentile(np.fromiter(window, float, len(window)), 99.0))

    p99 = benchmark(run)
    assert p99 == np.percentile(observations[-WINDOW:], 99.0)


@pytest.mark.benchmark(group="rolling-p99")
def test_rolling_numpy_ringbuffer(benchmark, observations):
    numpy_ringbuffer = pytest.importorskip("numpy_ringbuffer")
    window = numpy_ringbuffer.RingBuffer(WINDOW, dtype=float)
    # numpy_ringbuffer 0.2.2 silently ignores an overflowing extend of an empty
    # ring, so prime it with one value first
    window.append(observations[0])
    batch = np.asarray(observations[1:])

    def run():
        window.extend(batch)
        return float(np.percentile(np.asarray(window), 99.0))

    p99 = benchmark(run)
    assert p99 == np.percentile(observations[-WINDOW:], 99.0)
