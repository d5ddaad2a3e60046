"""Regression detection against a frozen baseline, and error classification."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.core.reliability import (
    ErrorCategory,
    ErrorContextManager,
    ErrorSeverity,
    ManualClock,
    PerformanceRegressionDetector,
    enhanced_error_handler,
    get_error_manager,
    get_performance_detector,
    performance_monitor,
)
from reference.reliability_ref import ref_percentile


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1e4), min_size=10, max_size=80),
       st.lists(st.booleans(), min_size=80, max_size=80))
def test_baseline_equals_reference_statistics(latencies: list[float], ok: list[bool]) -> None:
    detector = PerformanceRegressionDetector(min_samples=10, clock=ManualClock())
    for lat, success in zip(latencies, ok, strict=False):
        detector.record_operation("op", lat, success=success)
    baseline = detector.baselines["op"]
    first = latencies[:10]  # the baseline froze at the tenth sample
    assert baseline.sample_count == 10
    assert baseline.p50_latency == pytest.approx(ref_percentile(first, 50), rel=1e-12, abs=1e-9)
    assert baseline.p95_latency == pytest.approx(ref_percentile(first, 95), rel=1e-12, abs=1e-9)
    assert baseline.p99_latency == pytest.approx(ref_percentile(first, 99), rel=1e-12, abs=1e-9)
    assert baseline.error_rate == pytest.approx(ok[:10].count(False) / 10)


def test_alerts_resolve_and_windows_age_out() -> None:
    clock = ManualClock()
    detector = PerformanceRegressionDetector(
        baseline_window_hours=1, comparison_window_minutes=1, min_samples=20, clock=clock
    )
    for _ in range(20):
        detector.record_operation("op", 100.0)
        clock.advance(1.0)
    clock.advance(120.0)  # baseline samples leave the comparison window
    for _ in range(10):
        detector.record_operation("op", 400.0)
    (alert,) = detector.get_active_alerts("op")
    assert alert.metric == "p95_latency"
    assert alert.degradation == pytest.approx(3.0)
    assert alert.severity is ErrorSeverity.CRITICAL
    clock.advance(120.0)
    for _ in range(10):
        detector.record_operation("op", 100.0)
    assert detector.get_active_alerts() == []
    assert len(detector.alert_history) == 1
    # after the baseline window the baseline is recomputed from the last hour only
    old = detector.baselines["op"]
    clock.advance(3601.0)
    for _ in range(20):
        detector.record_operation("op", 50.0)
    assert detector.baselines["op"] is not old
    assert detector.baselines["op"].p95_latency == pytest.approx(50.0)


def test_error_rate_and_throughput_alerts() -> None:
    clock = ManualClock()
    detector = PerformanceRegressionDetector(min_samples=10, clock=clock)
    for _ in range(10):
        detector.record_operation("op", 10.0, success=True, throughput_rps=100.0)
    for i in range(20):
        detector.record_operation("op", 10.0, success=i % 2 == 0, throughput_rps=20.0)
    metrics = {a.metric for a in detector.get_active_alerts()}
    assert metrics == {"error_rate", "throughput"}
    summary = detector.get_health_summary()
    assert summary["operations_with_alerts"] == ["op"]
    assert summary["total_samples"] == 30


def test_no_check_until_enough_recent_samples() -> None:
    detector = PerformanceRegressionDetector(min_samples=200, clock=ManualClock())
    assert detector.min_recent_samples == 20
    for _ in range(199):
        detector.record_operation("op", 1.0)
    assert detector._get_or_calculate_baseline("op") is None
    with pytest.raises(ValueError, match="latency_ms"):
        detector.record_operation("op", -1.0)


@pytest.mark.parametrize(
    ("exc", "category", "severity"),
    [
        (ConnectionError("Connection refused"), ErrorCategory.NETWORK, ErrorSeverity.MEDIUM),
        (TimeoutError("slow"), ErrorCategory.NETWORK, ErrorSeverity.MEDIUM),
        (ValueError("Invalid input format"), ErrorCategory.VALIDATION, ErrorSeverity.LOW),
        (AttributeError("x"), ErrorCategory.VALIDATION, ErrorSeverity.LOW),
        (PermissionError("Access denied"), ErrorCategory.AUTHORIZATION, ErrorSeverity.HIGH),
        (Exception("authentication failed"), ErrorCategory.AUTHENTICATION, ErrorSeverity.HIGH),
        (MemoryError("out of memory"), ErrorCategory.RESOURCE, ErrorSeverity.MEDIUM),
        (Exception("upstream service unavailable"), ErrorCategory.EXTERNAL,
         ErrorSeverity.MEDIUM),
        (RuntimeError("System failure"), ErrorCategory.SYSTEM, ErrorSeverity.CRITICAL),
        (Exception("fatal: disk gone"), ErrorCategory.RESOURCE, ErrorSeverity.CRITICAL),
        (LookupError("hm"), ErrorCategory.UNKNOWN, ErrorSeverity.LOW),
    ],
)
def test_classification_table(
    exc: Exception, category: ErrorCategory, severity: ErrorSeverity
) -> None:
    manager = ErrorContextManager()
    got = manager._classify_error(exc)
    assert got is category
    assert manager._assess_severity(exc, got) is severity


def test_capture_context_fields() -> None:
    manager = ErrorContextManager()
    context = manager.capture_error(KeyError("k"), "lookup", {"table": "t"}, user_id="u",
                                    request_id="req-1")
    assert context.correlation_id == "req-1"
    assert context.stack_trace  # even for an exception that was never raised
    data = context.to_dict()
    assert data["category"] == "validation" and data["additional_context"] == {"table": "t"}
    summary = manager.get_error_summary()
    assert summary["total_errors"] == 1 and summary["by_category"] == {"validation": 1}
    with pytest.raises(TypeError, match="exc"):
        manager.capture_error("boom", "op")  # type: ignore[arg-type]


def test_sync_decorators_feed_global_services() -> None:
    @performance_monitor("sync_monitored")
    @enhanced_error_handler("sync_handled")
    def divide(a: int, b: int) -> float:
        return a / b

    assert divide(6, 3) == 2.0
    with pytest.raises(ZeroDivisionError) as info:
        divide(1, 0)
    assert any("error_id=" in note for note in info.value.__notes__)
    assert get_error_manager().error_history[-1].operation == "sync_handled"
    summary = get_performance_detector().get_health_summary()
    assert summary["total_operations_monitored"] >= 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 1e3), min_size=30, max_size=300), st.integers(10, 40))
def test_bounded_series_keeps_the_newest_samples(latencies: list[float], keep: int) -> None:
    clock = ManualClock()
    detector = PerformanceRegressionDetector(
        baseline_window_hours=1.0, min_samples=10, max_samples_per_operation=keep, clock=clock
    )
    for lat in latencies:
        detector.record_operation("op", lat)
        clock.advance(1.0)
    # the baseline froze at the tenth sample (t = 9 s); at t = 3609 s it expires and
    # is recomputed from the kept samples inside the last hour (t >= 9 s)
    clock.advance(3609.0 - clock.monotonic())
    n = len(latencies)
    window = [x for t, x in enumerate(latencies) if t >= n - keep and t >= 9]
    baseline = detector._get_or_calculate_baseline("op")
    if len(window) < 10:
        assert baseline is None
    else:
        assert baseline is not None and baseline.sample_count == len(window)
        expected = ref_percentile(window, 95)
        assert baseline.p95_latency == pytest.approx(expected, rel=1e-12, abs=1e-9)
