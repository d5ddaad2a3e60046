"""Adaptive circuit breakers: closed, open and half-open, with a named registry.

A breaker watches a sliding window of the most recent calls.  Once the window
holds at least ``min_request_threshold`` calls and the failure rate reaches the
(adaptive) threshold, the circuit **opens**: calls are refused with
:class:`CircuitBreakerOpenError` until ``recovery_timeout`` has passed.  Then
the breaker goes **half-open** and lets ``half_open_max_calls`` probes through:
a successful probe closes the circuit (with a fresh window), a failed one opens
it again for another ``recovery_timeout``.

The threshold adapts to latency: when a performance baseline is known and the
p95 of recent response times exceeds twice that baseline, the breaker uses
``min(1.5 * failure_threshold, 0.8)`` instead of ``failure_threshold``.

That loosening is intended (and required by the LUKHAS contract): while a
dependency is slow, a share of calls fail *because* they are slow (timeouts,
cancelled requests), so the usual failure rate would trip the breaker on
latency alone, and an open breaker cannot tell a slow dependency from a dead
one.  Slowness is reported separately (``slow_call_count``, the health
status' ``p95_response_time_ms`` and ``adaptive_threshold``); the breaker
still opens once failures dominate (at most 0.8 of the window), and the
threshold returns to ``failure_threshold`` as soon as the p95 recovers.

The recent calls (outcomes and response times) are kept in the shared
:class:`lukhas.primitives.window.RollingWindow`.
"""

from __future__ import annotations

import enum
import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from lukhas._validation import check_int, check_real, check_str
from lukhas.primitives.window import RollingWindow
from lukhas.services.reliability._clock import Clock, SystemClock

__all__ = [
    "AdaptiveCircuitBreaker",
    "CircuitBreakerOpenError",
    "CircuitBreakerRegistry",
    "CircuitState",
    "circuit_breaker",
    "get_circuit_health",
]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class CircuitBreakerOpenError(RuntimeError):
    """Raised when a call is refused because its circuit is open.

    A :class:`RuntimeError` (and so the ``Exception`` subclass LUKHAS requires):
    the call was refused because of the breaker's state, not its arguments.

    Parameters
    ----------
    name : str
        The breaker's name.
    retry_after : float
        Seconds until the breaker will let a probe through (0 while a probe is
        already in flight in the half-open state).
    """

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(
            f"circuit {name!r} is open; calls are refused for another {retry_after:.3f} s"
        )
        self.name = name
        self.retry_after = retry_after


class CircuitState(enum.Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class AdaptiveCircuitBreaker:
    """A circuit breaker whose failure threshold adapts to observed latency.

    Parameters
    ----------
    name : str
        Name used in errors, logs and the registry.
    failure_threshold : float, default=0.5
        Failure rate in (0, 1] at which the circuit opens.
    recovery_timeout : float, default=60.0
        Seconds the circuit stays open before a half-open probe is allowed.
    min_request_threshold : int, default=10
        Calls the window must hold before the failure rate is trusted.
    performance_threshold_ms : float, default=1000.0
        A successful call slower than this is logged as slow (it still counts
        as a success).
    window_size : int, default=100
        Number of recent calls (outcomes and response times) remembered.
    half_open_max_calls : int, default=1
        Probes allowed through at once while half-open.
    failure_exceptions : tuple of exception types, default=(Exception,)
        Exceptions that count as failures; others pass through unrecorded.
    clock : Clock or None, default=None
        Time source; the system clock when None.

    Attributes
    ----------
    baseline_performance : float or None
        Typical response time in ms; None until set (or calibrated with
        :meth:`calibrate_baseline`).
    response_times : lukhas.primitives.window.RollingWindow
        Recent response times in ms, newest last (deque-like: ``append``,
        ``len``, iteration; plus percentiles).

    Examples
    --------
    >>> import asyncio
    >>> from lukhas.services.reliability import ManualClock
    >>> breaker = AdaptiveCircuitBreaker("db", min_request_threshold=2, clock=ManualClock())
    >>> asyncio.run(breaker.call(lambda: 42))
    42
    >>> breaker.get_health_status()["state"]
    'closed'
    """

    def __init__(
        self,
        name: str,
        failure_threshold: float = 0.5,
        recovery_timeout: float = 60.0,
        min_request_threshold: int = 10,
        performance_threshold_ms: float = 1000.0,
        window_size: int = 100,
        *,
        half_open_max_calls: int = 1,
        failure_exceptions: tuple[type[BaseException], ...] = (Exception,),
        clock: Clock | None = None,
    ) -> None:
        self.name = check_str("name", name, empty=False)
        self.failure_threshold = check_real(
            "failure_threshold", failure_threshold, low=0.0, high=1.0, low_inclusive=False
        )
        self.recovery_timeout = check_real("recovery_timeout", recovery_timeout, low=0.0)
        self.min_request_threshold = check_int(
            "min_request_threshold", min_request_threshold, low=1
        )
        self.performance_threshold_ms = check_real(
            "performance_threshold_ms", performance_threshold_ms, low=0.0
        )
        self.window_size = check_int("window_size", window_size, low=1)
        self.half_open_max_calls = check_int("half_open_max_calls", half_open_max_calls, low=1)
        self.failure_exceptions = failure_exceptions
        self._clock: Clock = clock if clock is not None else SystemClock()

        self.baseline_performance: float | None = None
        self.response_times = RollingWindow(self.window_size)
        self._outcomes = RollingWindow(self.window_size)  # 1.0 = failure
        self._window_failures = 0  # failures currently in _outcomes, kept incrementally
        self._state = CircuitState.CLOSED
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self.success_count = 0
        self.failure_count = 0
        self.rejected_count = 0
        self.slow_call_count = 0
        self.state_changes = 0
        self._lock = threading.Lock()

    # -- state -----------------------------------------------------------------
    @property
    def state(self) -> CircuitState:
        """The current state (an open circuit past its timeout reads half-open)."""
        with self._lock:
            self._refresh_state()
            return self._state

    @property
    def request_count(self) -> int:
        """Calls that ran and were recorded (successes plus failures)."""
        return self.success_count + self.failure_count

    @property
    def failure_rate(self) -> float:
        """Failure rate over the current window (0.0 when the window is empty)."""
        with self._lock:
            return self._failure_rate()

    def _failure_rate(self) -> float:
        n = len(self._outcomes)
        return self._window_failures / n if n else 0.0

    def _push_outcome(self, failed: bool) -> None:
        outcomes = self._outcomes
        if len(outcomes) == self.window_size and outcomes[0]:
            self._window_failures -= 1  # the oldest outcome is about to be evicted
        outcomes.append(1.0 if failed else 0.0)
        self._window_failures += failed

    def _clear_outcomes(self) -> None:
        self._outcomes.clear()
        self._window_failures = 0

    def _transition(self, new: CircuitState) -> None:
        if new is not self._state:
            logger.info("circuit %r: %s -> %s", self.name, self._state.value, new.value)
            self._state = new
            self.state_changes += 1

    def _refresh_state(self) -> None:
        if (
            self._state is CircuitState.OPEN
            and self._clock.monotonic() - self._opened_at >= self.recovery_timeout
        ):
            self._transition(CircuitState.HALF_OPEN)
            self._probes_in_flight = 0

    def _get_adaptive_threshold(self) -> float:
        """Return the failure-rate threshold in force now.

        ``failure_threshold``, unless a baseline is set and the p95 of the recent
        response times exceeds twice it: then ``min(1.5 * failure_threshold, 0.8)``.
        """
        if self.baseline_performance is None or not self.response_times:
            return self.failure_threshold
        p95 = self.response_times.percentile(95.0)
        if p95 > 2.0 * self.baseline_performance:
            return min(1.5 * self.failure_threshold, 0.8)
        return self.failure_threshold

    def calibrate_baseline(self) -> float | None:
        """Set :attr:`baseline_performance` to the median recent response time.

        Returns
        -------
        baseline : float or None
            The new baseline in ms, or None (unchanged) while fewer than
            ``min_request_threshold`` response times are known.
        """
        if len(self.response_times) < self.min_request_threshold:
            return None
        self.baseline_performance = self.response_times.median()
        return self.baseline_performance

    def _admit(self) -> bool:
        """Reserve a slot for one call or raise; return True for a half-open probe."""
        with self._lock:
            self._refresh_state()
            if self._state is CircuitState.CLOSED:
                return False
            if (
                self._state is CircuitState.HALF_OPEN
                and self._probes_in_flight < self.half_open_max_calls
            ):
                self._probes_in_flight += 1
                return True
            self.rejected_count += 1
            if self._state is CircuitState.OPEN:
                elapsed = self._clock.monotonic() - self._opened_at
                retry_after = max(0.0, self.recovery_timeout - elapsed)
            else:
                retry_after = 0.0
        raise CircuitBreakerOpenError(self.name, retry_after)

    def _record(self, *, failed: bool, elapsed_ms: float, probe: bool) -> None:
        with self._lock:
            self.response_times.append(elapsed_ms)
            if probe:
                self._probes_in_flight -= 1
            if failed:
                self.failure_count += 1
            else:
                self.success_count += 1
                if elapsed_ms > self.performance_threshold_ms:
                    self.slow_call_count += 1
                    logger.debug("circuit %r: slow call %.1f ms", self.name, elapsed_ms)
            if self._state is CircuitState.HALF_OPEN:
                if failed:
                    self._open()
                elif self._probes_in_flight == 0:
                    self._transition(CircuitState.CLOSED)
                    self._clear_outcomes()
                return
            if self._state is CircuitState.OPEN:
                return  # a straggler that started before the circuit opened
            self._push_outcome(failed)
            if len(self._outcomes) < self.min_request_threshold:
                return
            rate = self._failure_rate()
            # the adaptive threshold is one of two values: only compute the latency
            # percentile when the rate reaches the smaller of them
            if rate >= min(self.failure_threshold, 0.8) and rate >= (
                self._get_adaptive_threshold()
            ):
                self._open()

    def _open(self) -> None:
        self._transition(CircuitState.OPEN)
        self._opened_at = self._clock.monotonic()
        self._probes_in_flight = 0

    def _release_probe(self, probe: bool) -> None:
        if probe:
            with self._lock:
                self._probes_in_flight = max(0, self._probes_in_flight - 1)

    # -- calls -----------------------------------------------------------------
    async def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``func(*args, **kwargs)`` through the breaker, awaiting it if needed.

        Parameters
        ----------
        func : callable
            A coroutine function or a plain callable (whose result is awaited
            when it is awaitable).
        *args, **kwargs
            Passed to ``func``.

        Returns
        -------
        result : object
            What ``func`` returned.

        Raises
        ------
        CircuitBreakerOpenError
            If the circuit is open (or half-open with its probes in use).
        Exception
            Whatever ``func`` raised, after it has been recorded.
        """
        probe = self._admit()
        start = self._clock.monotonic()
        try:
            result = func(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except self.failure_exceptions:
            self._record(failed=True, elapsed_ms=self._elapsed_ms(start), probe=probe)
            raise
        except BaseException:
            self._release_probe(probe)
            raise
        self._record(failed=False, elapsed_ms=self._elapsed_ms(start), probe=probe)
        return result

    def call_sync(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a synchronous ``func(*args, **kwargs)`` through the breaker.

        Parameters
        ----------
        func : callable
            A plain callable.
        *args, **kwargs
            Passed to ``func``.

        Returns
        -------
        result : object
            What ``func`` returned.

        Raises
        ------
        CircuitBreakerOpenError
            If the circuit refuses the call.

        Examples
        --------
        >>> AdaptiveCircuitBreaker("cache").call_sync(int, "7")
        7
        """
        probe = self._admit()
        start = self._clock.monotonic()
        try:
            result = func(*args, **kwargs)
        except self.failure_exceptions:
            self._record(failed=True, elapsed_ms=self._elapsed_ms(start), probe=probe)
            raise
        except BaseException:
            self._release_probe(probe)
            raise
        self._record(failed=False, elapsed_ms=self._elapsed_ms(start), probe=probe)
        return result

    def _elapsed_ms(self, start: float) -> float:
        return (self._clock.monotonic() - start) * 1000.0

    def reset(self) -> None:
        """Close the circuit and forget the window and the counters."""
        with self._lock:
            self._transition(CircuitState.CLOSED)
            self._clear_outcomes()
            self.response_times.clear()
            self._probes_in_flight = 0
            self.success_count = self.failure_count = self.rejected_count = 0
            self.slow_call_count = 0

    def get_health_status(self) -> dict[str, Any]:
        """Return a snapshot of the breaker.

        Returns
        -------
        status : dict
            ``name``, ``state`` (``"closed"``, ``"open"`` or ``"half_open"``),
            ``failure_rate``, ``success_count``, ``failure_count``,
            ``request_count``, ``rejected_count``, ``slow_call_count``,
            ``failure_threshold``, ``adaptive_threshold``, ``window_requests``,
            ``p95_response_time_ms`` (None when unknown), ``baseline_performance``,
            ``retry_after`` (seconds until a probe is allowed; 0 unless open) and
            ``state_changes``.
        """
        with self._lock:
            self._refresh_state()
            retry_after = 0.0
            if self._state is CircuitState.OPEN:
                elapsed = self._clock.monotonic() - self._opened_at
                retry_after = max(0.0, self.recovery_timeout - elapsed)
            return {
                "name": self.name,
                "state": self._state.value,
                "failure_rate": self._failure_rate(),
                "success_count": self.success_count,
                "failure_count": self.failure_count,
                "request_count": self.request_count,
                "rejected_count": self.rejected_count,
                "slow_call_count": self.slow_call_count,
                "failure_threshold": self.failure_threshold,
                "adaptive_threshold": self._get_adaptive_threshold(),
                "window_requests": len(self._outcomes),
                "p95_response_time_ms": (self.response_times.percentile(95.0)
                                         if self.response_times else None),
                "baseline_performance": self.baseline_performance,
                "retry_after": retry_after,
                "state_changes": self.state_changes,
            }

    def __repr__(self) -> str:
        return (
            f"AdaptiveCircuitBreaker(name={self.name!r}, state={self.state.value!r}, "
            f"failure_rate={self.failure_rate:.3f})"
        )


class CircuitBreakerRegistry:
    """Process-wide breakers by name, created on first use.

    Examples
    --------
    >>> registry = CircuitBreakerRegistry()
    >>> registry.get_or_create("payments") is registry.get_or_create("payments")
    True
    >>> sorted(registry.health())
    ['payments']
    """

    def __init__(self) -> None:
        self._breakers: dict[str, AdaptiveCircuitBreaker] = {}
        self._lock = threading.Lock()

    def get_or_create(self, name: str, **kwargs: Any) -> AdaptiveCircuitBreaker:
        """Return the breaker called ``name``, creating it with ``kwargs`` if needed.

        Parameters
        ----------
        name : str
            Breaker name.
        **kwargs
            :class:`AdaptiveCircuitBreaker` parameters, used only on creation.

        Returns
        -------
        breaker : AdaptiveCircuitBreaker
        """
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is None:
                breaker = AdaptiveCircuitBreaker(name, **kwargs)
                self._breakers[name] = breaker
            return breaker

    def __contains__(self, name: object) -> bool:
        return name in self._breakers

    def __len__(self) -> int:
        return len(self._breakers)

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        with self._lock:
            return sorted(self._breakers)

    def remove(self, name: str) -> None:
        """Forget the breaker called ``name`` (no error if absent)."""
        with self._lock:
            self._breakers.pop(name, None)

    def health(self) -> dict[str, dict[str, Any]]:
        """Return ``{name: breaker.get_health_status()}`` for every breaker."""
        with self._lock:
            breakers = list(self._breakers.items())
        return {name: b.get_health_status() for name, b in breakers}


_circuit_registry = CircuitBreakerRegistry()


def circuit_breaker(
    name: str, **kwargs: Any
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that every call goes through a registry breaker.

    Async functions stay async (:meth:`AdaptiveCircuitBreaker.call`); plain
    functions go through :meth:`AdaptiveCircuitBreaker.call_sync`.

    Parameters
    ----------
    name : str
        Breaker name in the process-wide registry (shared by every function
        decorated with the same name).
    **kwargs
        :class:`AdaptiveCircuitBreaker` parameters, used when the breaker is created.

    Returns
    -------
    decorator : callable

    Examples
    --------
    >>> @circuit_breaker("doc-example")
    ... def parse(text):
    ...     return int(text)
    >>> parse("12")
    12
    >>> get_circuit_health()["doc-example"]["success_count"] >= 1
    True
    """
    breaker = _circuit_registry.get_or_create(name, **kwargs)

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(func):
            async_func = cast(Callable[P, Awaitable[Any]], func)

            @functools.wraps(func)
            async def async_wrapper(*args: P.args, **kw: P.kwargs) -> Any:
                return await breaker.call(async_func, *args, **kw)

            return cast(Callable[P, R], async_wrapper)

        @functools.wraps(func)
        def sync_wrapper(*args: P.args, **kw: P.kwargs) -> R:
            return breaker.call_sync(func, *args, **kw)

        return sync_wrapper

    return decorate


def get_circuit_health() -> dict[str, dict[str, Any]]:
    """Return ``{name: health status}`` for every breaker in the process-wide registry.

    Returns
    -------
    health : dict of str to dict

    Examples
    --------
    >>> isinstance(get_circuit_health(), dict)
    True
    """
    return _circuit_registry.health()
