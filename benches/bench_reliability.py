"""Circuit-breaker overhead per call: lukhas.core.reliability beside pybreaker.

Run:

    pytest benches/bench_reliability.py --benchmark-only --benchmark-min-rounds=3
"""

from __future__ import annotations

import pytest

from lukhas.core.reliability import AdaptiveCircuitBreaker, PerformanceRegressionDetector

N = 10_000


def work(x: int) -> int:
    return x + 1


@pytest.mark.benchmark(group="breaker-call")
def test_plain_call(benchmark):
    def run():
        total = 0
        for i in range(N):
            total += work(i)
        return total

    assert benchmark(run) == N * (N + 1) // 2


@pytest.mark.benchmark(group="breaker-call")
def test_breaker_ours(benchmark):
    breaker = AdaptiveCircuitBreaker("bench", window_size=1000)

    def run():
        total = 0
        for i in range(N):
            total += breaker.call_sync(work, i)
        return total

    assert benchmark(run) == N * (N + 1) // 2
    assert breaker.get_health_status()["state"] == "closed"


@pytest.mark.benchmark(group="breaker-call")
def test_breaker_pybreaker(benchmark):
    pybreaker = pytest.importorskip("pybreaker")
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)

    def run():
        total = 0
        for i in range(N):
            total += breaker.call(work, i)
        return total

    assert benchmark(run) == N * (N + 1) // 2


@pytest.mark.benchmark(group="regression-record")
def test_regression_detector_record(benchmark):
    def run():
        detector = PerformanceRegressionDetector(min_samples=50)
        for i in range(2000):
            detector.record_operation("op", 100.0 + (i % 7))
        return detector

    detector = benchmark(run)
    assert detector.get_active_alerts() == []
    assert detector.get_health_summary()["total_samples"] == 2000
