"""The contract's requirements R1-R20 for lukhas.core.reliability."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from unittest import mock

import pytest

from lukhas.core.reliability import (
    AdaptiveCircuitBreaker,
    AdaptiveTimeoutManager,
    BackoffConfig,
    BackoffStrategy,
    CircuitBreakerOpenError,
    ErrorCategory,
    ErrorContextManager,
    ErrorSeverity,
    IntelligentBackoff,
    ManualClock,
    PerformanceRegressionDetector,
    TimeoutConfig,
    circuit_breaker,
    enhanced_error_handler,
    get_reliability_health_status,
    performance_monitor,
    resilient_operation,
)


def test_contract_names_and_submodule() -> None:
    import lukhas.core.reliability as rel
    from lukhas.core.reliability import circuit_breaker as deco
    from lukhas.services.reliability.circuit_breaker import (
        CircuitBreakerOpenError as ModuleError,
    )
    from lukhas.services.reliability.circuit_breaker import (
        _circuit_registry,
        get_circuit_health,
    )
    from lukhas.services.reliability.circuit_breaker import circuit_breaker as module_deco

    assert deco is module_deco
    assert ModuleError is CircuitBreakerOpenError
    assert issubclass(CircuitBreakerOpenError, Exception)

    @deco("contract_probe")
    async def probe() -> str:
        return "ok"

    assert asyncio.run(probe()) == "ok"
    breaker = _circuit_registry.get_or_create("contract_probe")
    assert breaker.name == "contract_probe"
    assert _circuit_registry.get_or_create("contract_probe") is breaker
    health = get_circuit_health()["contract_probe"]
    assert (health["state"], health["success_count"]) == ("closed", 1)
    for name in rel.__all__:
        assert getattr(rel, name) is not None


def _breaker() -> AdaptiveCircuitBreaker:
    return AdaptiveCircuitBreaker(
        name="test_circuit", failure_threshold=0.5, recovery_timeout=1.0, min_request_threshold=5
    )


def test_r1_new_breaker_is_closed() -> None:
    health = _breaker().get_health_status()
    assert health["state"] == "closed"
    assert health["failure_rate"] == 0.0


@pytest.mark.asyncio
async def test_r2_successful_calls_keep_it_closed() -> None:
    breaker = _breaker()

    async def ok() -> str:
        return "value"

    for _ in range(10):
        assert await breaker.call(ok) == "value"
    health = breaker.get_health_status()
    assert health["state"] == "closed"
    assert health["success_count"] == 10


@pytest.mark.asyncio
async def test_r3_failures_open_the_circuit() -> None:
    breaker = _breaker()

    async def bad() -> None:
        raise ValueError("nope")

    for _ in range(10):
        with pytest.raises((ValueError, CircuitBreakerOpenError)):
            await breaker.call(bad)
    assert breaker.get_health_status()["state"] == "open"


@pytest.mark.asyncio
async def test_r4_open_circuit_refuses_sync_callables() -> None:
    breaker = _breaker()
    for _ in range(10):
        with pytest.raises((ZeroDivisionError, CircuitBreakerOpenError)):
            await breaker.call(lambda: 1 / 0)
    with pytest.raises(CircuitBreakerOpenError):
        await breaker.call(lambda: "fine")


def test_r5_adaptive_threshold_rises_when_slow() -> None:
    breaker = _breaker()
    assert breaker._get_adaptive_threshold() == breaker.failure_threshold
    breaker.baseline_performance = 100.0
    breaker.response_times.extend([300.0] * 20)
    assert breaker._get_adaptive_threshold() > breaker.failure_threshold
    assert breaker._get_adaptive_threshold() == pytest.approx(0.75)


def _detector() -> PerformanceRegressionDetector:
    return PerformanceRegressionDetector(
        baseline_window_hours=1, comparison_window_minutes=1, min_samples=10
    )


def test_r6_detector_counts_operations() -> None:
    detector = _detector()
    summary = detector.get_health_summary()
    assert summary["total_operations_monitored"] == 0
    assert summary["detector_healthy"] is True
    detector.record_operation("test_op", 100.0)
    assert detector.get_health_summary()["total_operations_monitored"] == 1


def test_r7_baseline_after_enough_samples() -> None:
    detector = _detector()
    for i in range(50):
        detector.record_operation("test_op", 100.0 + i)
    baseline = detector._get_or_calculate_baseline("test_op")
    assert baseline is not None
    assert baseline.operation == "test_op"
    assert baseline.sample_count >= 10


def test_r8_regression_raises_p95_alert_and_baseline_stays() -> None:
    detector = _detector()
    for _ in range(50):
        detector.record_operation("test_op", 100.0)
    baseline = detector._get_or_calculate_baseline("test_op")
    assert baseline is not None
    for _ in range(20):
        detector.record_operation("test_op", 300.0)
    alerts = detector.get_active_alerts()
    assert any(a.metric == "p95_latency" for a in alerts)
    assert detector._get_or_calculate_baseline("test_op") is baseline
    assert baseline.p95_latency == 100.0


def test_r9_classification() -> None:
    manager = ErrorContextManager()
    assert manager._classify_error(ConnectionError("Connection refused")) is ErrorCategory.NETWORK
    assert manager._classify_error(ValueError("Invalid input format")) is ErrorCategory.VALIDATION


def test_r10_severity() -> None:
    manager = ErrorContextManager()
    assert (
        manager._assess_severity(RuntimeError("System failure"), ErrorCategory.SYSTEM)
        is ErrorSeverity.CRITICAL
    )
    assert (
        manager._assess_severity(PermissionError("Access denied"), ErrorCategory.AUTHENTICATION)
        is ErrorSeverity.HIGH
    )


def test_r11_r12_capture_error_and_patterns() -> None:
    manager = ErrorContextManager()
    try:
        raise ValueError("Test error")
    except ValueError as exc:
        context = manager.capture_error(exc, "test_operation")
        others = [manager.capture_error(exc, "test_operation") for _ in range(4)]
    assert context.exception_type == "ValueError"
    assert context.operation == "test_operation"
    assert context.category is ErrorCategory.VALIDATION
    assert context.stack_trace and all(isinstance(line, str) for line in context.stack_trace)
    ids = {context.error_id, *(c.error_id for c in others)}
    assert None not in ids and len(ids) == 5  # an error_id, distinct for every capture
    assert manager.error_patterns == {"validation:ValueError:test_operation": 5}


def test_r13_timeout_adapts_down() -> None:
    manager = AdaptiveTimeoutManager()
    manager.register_operation(
        "test_op", TimeoutConfig(base_timeout=1000, max_timeout=5000, min_timeout=100)
    )
    for _ in range(50):
        manager.record_latency("test_op", 50.0, success=True)
    assert manager.get_adaptive_timeout("test_op") < 1000


@pytest.mark.asyncio
async def test_r14_execute_with_adaptive_timeout() -> None:
    manager = AdaptiveTimeoutManager()

    async def fast() -> str:
        return "done"

    assert await manager.execute_with_adaptive_timeout("test_op", fast) == "done"


@pytest.mark.asyncio
async def test_r15_backoff_succeeds_on_third_attempt() -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(
        BackoffConfig(initial_delay=0.1, max_delay=1.0, max_attempts=3), clock=clock
    )
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("transient")
        return "success"

    assert await backoff.execute_with_backoff("test_op", flaky) == "success"
    assert attempts == 3
    assert len(clock.sleeps) == 2


def test_r16_adaptive_delay_grows_after_failures() -> None:
    backoff = IntelligentBackoff(
        BackoffConfig(initial_delay=0.1, strategy=BackoffStrategy.ADAPTIVE)
    )
    for i in range(10):
        backoff.attempt_history.append(
            {"success": False, "attempt": i, "latency_ms": 10.0, "timestamp": 0.0}
        )
    assert backoff._adaptive_delay(1) > 0.1


def test_r17_fibonacci() -> None:
    assert IntelligentBackoff._fibonacci(5) == 5
    assert IntelligentBackoff._fibonacci(8) == 21
    assert [IntelligentBackoff._fibonacci(n) for n in range(1, 8)] == [1, 1, 2, 3, 5, 8, 13]


def test_r18_load_multiplier_reads_psutil_at_call_time() -> None:
    backoff = IntelligentBackoff(BackoffConfig())
    with (
        mock.patch("psutil.cpu_percent", return_value=80.0),
        mock.patch("psutil.virtual_memory", return_value=SimpleNamespace(percent=70.0)),
    ):
        assert backoff._get_load_multiplier() == pytest.approx(1.0 + 0.5 * 150.0 / 200.0)


@pytest.mark.asyncio
async def test_r19_stacked_decorators() -> None:
    @resilient_operation(
        "r19_op",
        TimeoutConfig(base_timeout=1000, max_timeout=5000, min_timeout=100),
        BackoffConfig(initial_delay=0.01, max_attempts=2),
    )
    @performance_monitor("r19_op")
    @enhanced_error_handler("r19_op")
    @circuit_breaker("r19_circuit")
    async def operation() -> str:
        await asyncio.sleep(0)
        return "success"

    assert await operation() == "success"
    assert operation.__name__ == "operation"


def test_r20_health_status() -> None:
    status = get_reliability_health_status()
    for key in ("circuit_breakers", "performance_monitoring", "error_tracking", "timestamp"):
        assert key in status
    assert status["reliability_systems_operational"] is True
