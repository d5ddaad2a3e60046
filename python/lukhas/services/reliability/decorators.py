"""Process-wide reliability services and the decorators that feed them.

The decorators wrap async (and, where meaningful, sync) functions:
:func:`resilient_operation` runs the call under an adaptive timeout inside a
retry loop, :func:`performance_monitor` feeds latencies to the global
:class:`PerformanceRegressionDetector`, and :func:`enhanced_error_handler`
captures failures in the global :class:`ErrorContextManager` before
re-raising them.  :func:`get_reliability_health_status` reports on all of it.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar, cast

from lukhas.services.reliability.backoff import BackoffConfig, IntelligentBackoff
from lukhas.services.reliability.circuit_breaker import get_circuit_health
from lukhas.services.reliability.errors import ErrorContextManager
from lukhas.services.reliability.regression import PerformanceRegressionDetector
from lukhas.services.reliability.timeouts import AdaptiveTimeoutManager, TimeoutConfig

__all__ = [
    "enhanced_error_handler",
    "get_error_manager",
    "get_performance_detector",
    "get_reliability_health_status",
    "get_timeout_manager",
    "performance_monitor",
    "resilient_operation",
]

P = ParamSpec("P")
R = TypeVar("R")

_timeout_manager = AdaptiveTimeoutManager()
_performance_detector = PerformanceRegressionDetector()
_error_manager = ErrorContextManager()


def get_timeout_manager() -> AdaptiveTimeoutManager:
    """Return the process-wide :class:`AdaptiveTimeoutManager`."""
    return _timeout_manager


def get_performance_detector() -> PerformanceRegressionDetector:
    """Return the process-wide :class:`PerformanceRegressionDetector`."""
    return _performance_detector


def get_error_manager() -> ErrorContextManager:
    """Return the process-wide :class:`ErrorContextManager`."""
    return _error_manager


def resilient_operation(
    operation: str,
    timeout_config: TimeoutConfig | None = None,
    backoff_config: BackoffConfig | None = None,
    *,
    retry_on: tuple[type[BaseException], ...] | None = None,
    retry_if: Callable[[BaseException], bool] | None = None,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Run an async function under an adaptive timeout, retried with backoff.

    Each attempt gets the operation's current adaptive timeout; a timeout or
    another transient failure is retried per ``backoff_config`` (full-jitter
    waits); anything else (a ``ValueError`` from bad input, ...) propagates at once.

    Parameters
    ----------
    operation : str
        Name shared by the timeout manager and the retry history.
    timeout_config : TimeoutConfig or None, default=None
        Registered for ``operation`` when given.
    backoff_config : BackoffConfig or None, default=None
        Retry policy; ``BackoffConfig()`` when None.
    retry_on, retry_if
        What to retry, as for :class:`IntelligentBackoff` (default: transient errors).

    Returns
    -------
    decorator : callable

    Raises
    ------
    TypeError
        When applied to a function that is not a coroutine function (a
        synchronous call cannot be pre-empted by a timeout).

    Examples
    --------
    >>> import asyncio
    >>> @resilient_operation("doc-op", TimeoutConfig(1000, 5000, 100))
    ... async def ping():
    ...     return "pong"
    >>> asyncio.run(ping())
    'pong'
    """
    if timeout_config is not None:
        _timeout_manager.register_operation(operation, timeout_config)
    backoff = IntelligentBackoff(backoff_config, retry_on=retry_on, retry_if=retry_if)

    def decorate(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        if not inspect.iscoroutinefunction(func):
            raise TypeError(
                f"resilient_operation({operation!r}) needs an async function, got "
                f"{getattr(func, '__qualname__', func)!r}; timeouts cannot pre-empt sync "
                "code (use IntelligentBackoff.execute_with_backoff_sync for retries)."
            )

        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            result = await backoff.execute_with_backoff(
                operation,
                _timeout_manager.execute_with_adaptive_timeout,
                operation,
                func,
                *args,
                **kwargs,
            )
            return cast(R, result)

        return wrapper

    return decorate


def performance_monitor(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record every call's latency and outcome in the global regression detector.

    Parameters
    ----------
    operation : str
        Operation name in the detector.

    Returns
    -------
    decorator : callable
        Works on async and sync functions.

    Examples
    --------
    >>> @performance_monitor("doc-monitored")
    ... def add(a, b):
    ...     return a + b
    >>> add(2, 3)
    5
    >>> get_performance_detector().get_health_summary()["total_operations_monitored"] >= 1
    True
    """

    def record(start: float, success: bool) -> None:
        _performance_detector.record_operation(
            operation, (time.perf_counter() - start) * 1000.0, success=success
        )

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(func):
            async_func = cast(Callable[P, Awaitable[Any]], func)

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                start = time.perf_counter()
                try:
                    result = await async_func(*args, **kwargs)
                except Exception:
                    record(start, False)
                    raise
                record(start, True)
                return result

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            except Exception:
                record(start, False)
                raise
            record(start, True)
            return result

        return sync_wrapper

    return decorate


def enhanced_error_handler(operation: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Capture every exception in the global error manager, then re-raise it.

    The re-raised exception gains a note naming its ``error_id``.

    Parameters
    ----------
    operation : str
        Operation name recorded with each error.

    Returns
    -------
    decorator : callable
        Works on async and sync functions.

    Examples
    --------
    >>> @enhanced_error_handler("doc-handled")
    ... def explode():
    ...     raise ValueError("Invalid input format")
    >>> try:
    ...     explode()
    ... except ValueError:
    ...     pass
    >>> get_error_manager().error_history[-1].operation
    'doc-handled'
    """

    def capture(err: Exception) -> None:
        context = _error_manager.capture_error(err, operation)
        err.add_note(f"lukhas error_id={context.error_id} category={context.category.value}")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(func):
            async_func = cast(Callable[P, Awaitable[Any]], func)

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
                try:
                    return await async_func(*args, **kwargs)
                except Exception as err:
                    capture(err)
                    raise

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except Exception as err:
                capture(err)
                raise

        return sync_wrapper

    return decorate


def get_reliability_health_status() -> dict[str, Any]:
    """Report on every process-wide reliability service.

    Returns
    -------
    status : dict
        ``circuit_breakers`` (name to breaker health), ``performance_monitoring``
        (detector summary), ``error_tracking`` (error summary), ``timeouts``
        (per-operation timeouts), ``open_circuits`` (names of open breakers),
        ``timestamp`` (aware UTC datetime) and ``reliability_systems_operational``
        (True: the services themselves answered; open circuits are reported,
        not treated as a failure of the services).

    Examples
    --------
    >>> get_reliability_health_status()["reliability_systems_operational"]
    True
    """
    circuits = get_circuit_health()
    return {
        "circuit_breakers": circuits,
        "performance_monitoring": _performance_detector.get_health_summary(),
        "error_tracking": _error_manager.get_error_summary(),
        "timeouts": _timeout_manager.get_summary(),
        "open_circuits": sorted(n for n, h in circuits.items() if h["state"] == "open"),
        "timestamp": datetime.now(UTC),
        "reliability_systems_operational": True,
    }
