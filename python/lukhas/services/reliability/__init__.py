"""Reliability services: circuit breakers, retries, adaptive timeouts, fallbacks,
error classification and performance-regression detection.

Sync and async callers are both served; every time-dependent class takes a
``clock`` (:class:`SystemClock` by default, :class:`ManualClock` in tests) so
behaviour over minutes or hours can be tested without sleeping.

Examples
--------
>>> import asyncio
>>> from lukhas.services.reliability import AdaptiveCircuitBreaker, ManualClock
>>> clock = ManualClock()
>>> breaker = AdaptiveCircuitBreaker("api", min_request_threshold=2, recovery_timeout=5.0,
...                                  clock=clock)
>>> def boom():
...     raise ConnectionError("down")
>>> for _ in range(2):
...     try:
...         breaker.call_sync(boom)
...     except ConnectionError:
...         pass
>>> breaker.state.value
'open'
>>> clock.advance(5.0)
>>> breaker.state.value
'half_open'
>>> asyncio.run(breaker.call(lambda: "ok")), breaker.state.value
('ok', 'closed')
"""

from __future__ import annotations

# The submodule must be imported before the decorator of the same name is bound
# below, so that ``from lukhas.services.reliability import circuit_breaker`` yields
# the decorator while ``lukhas.services.reliability.circuit_breaker`` stays a module.
from lukhas.services.reliability import circuit_breaker as _circuit_breaker_module  # noqa: F401
from lukhas.services.reliability._clock import Clock, ManualClock, SystemClock
from lukhas.services.reliability.backoff import (
    TRANSIENT_ERRORS,
    BackoffConfig,
    BackoffStrategy,
    IntelligentBackoff,
    TransientError,
    is_transient,
)
from lukhas.services.reliability.circuit_breaker import (
    AdaptiveCircuitBreaker,
    CircuitBreakerOpenError,
    CircuitBreakerRegistry,
    CircuitState,
    circuit_breaker,
    get_circuit_health,
)
from lukhas.services.reliability.decorators import (
    enhanced_error_handler,
    get_error_manager,
    get_performance_detector,
    get_reliability_health_status,
    get_timeout_manager,
    performance_monitor,
    resilient_operation,
)
from lukhas.services.reliability.errors import (
    ErrorCategory,
    ErrorContext,
    ErrorContextManager,
    ErrorSeverity,
)
from lukhas.services.reliability.fallback import with_fallback
from lukhas.services.reliability.regression import (
    PerformanceBaseline,
    PerformanceRegressionDetector,
    RegressionAlert,
)
from lukhas.services.reliability.timeouts import (
    AdaptiveTimeoutManager,
    OperationTimeoutError,
    TimeoutConfig,
)

__all__ = [
    "TRANSIENT_ERRORS",
    "AdaptiveCircuitBreaker",
    "AdaptiveTimeoutManager",
    "BackoffConfig",
    "BackoffStrategy",
    "CircuitBreakerOpenError",
    "CircuitBreakerRegistry",
    "CircuitState",
    "Clock",
    "ErrorCategory",
    "ErrorContext",
    "ErrorContextManager",
    "ErrorSeverity",
    "IntelligentBackoff",
    "ManualClock",
    "OperationTimeoutError",
    "PerformanceBaseline",
    "PerformanceRegressionDetector",
    "RegressionAlert",
    "SystemClock",
    "TimeoutConfig",
    "TransientError",
    "circuit_breaker",
    "enhanced_error_handler",
    "get_circuit_health",
    "get_error_manager",
    "get_performance_detector",
    "get_reliability_health_status",
    "get_timeout_manager",
    "is_transient",
    "performance_monitor",
    "resilient_operation",
    "with_fallback",
]


def __dir__() -> list[str]:
    return list(__all__)
