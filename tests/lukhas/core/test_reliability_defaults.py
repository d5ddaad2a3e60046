"""Retry defaults (transient errors only, full jitter from tenacity) and the adaptive breaker.

Issue 20, item 3: by default a retry loop retried any ``Exception``, so a ``ValueError``
from bad input was retried five times over 15 to 25 seconds.  Now only transient
failures are retried (timeouts, connection errors, :class:`TransientError`, a bare
``Exception``, and what a user predicate accepts), with full-jitter waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from unittest import mock

import pytest
import tenacity
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.core.reliability import (
    AdaptiveCircuitBreaker,
    BackoffConfig,
    BackoffStrategy,
    CircuitBreakerOpenError,
    IntelligentBackoff,
    OperationTimeoutError,
    TimeoutConfig,
    resilient_operation,
)
from lukhas.services.reliability import ManualClock, TransientError, is_transient


class RateLimitedError(TransientError):
    pass


class QuotaError(Exception):
    pass


def _run(backoff: IntelligentBackoff, exc: BaseException) -> int:
    calls = []

    def fail() -> None:
        calls.append(1)
        raise exc

    with pytest.raises(type(exc)):
        asyncio.run(backoff.execute_with_backoff("op", fail))
    return len(calls)


PERMANENT = [ValueError("bad input"), TypeError("wrong type"), KeyError("k"),
             PermissionError("denied"), ZeroDivisionError("x"), QuotaError("over")]
TRANSIENT = [TimeoutError("slow"), TimeoutError(), OperationTimeoutError("late"),
             ConnectionError("reset"), ConnectionRefusedError("refused"),
             TransientError("busy"), RateLimitedError("429"), Exception("unclassified")]


@pytest.mark.parametrize("exc", PERMANENT, ids=lambda e: type(e).__name__)
def test_permanent_errors_are_not_retried(exc: BaseException) -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(BackoffConfig(max_attempts=5), clock=clock)
    assert _run(backoff, exc) == 1
    assert clock.sleeps == [] and not is_transient(exc)


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient_errors_are_retried(exc: BaseException) -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(BackoffConfig(max_attempts=4), clock=clock)
    assert _run(backoff, exc) == 4
    assert len(clock.sleeps) == 3 and is_transient(exc)


def test_predicate_and_explicit_classes() -> None:
    clock = ManualClock()
    by_predicate = IntelligentBackoff(BackoffConfig(max_attempts=3), clock=clock,
                                      retry_if=lambda e: isinstance(e, QuotaError))
    assert _run(by_predicate, QuotaError("over")) == 3
    assert _run(by_predicate, ValueError("still permanent")) == 1
    everything = IntelligentBackoff(BackoffConfig(max_attempts=3), clock=clock,
                                    retry_on=(Exception,))
    assert _run(everything, ValueError("retried when asked")) == 3
    only_keys = IntelligentBackoff(BackoffConfig(max_attempts=3), clock=clock,
                                   retry_on=(KeyError,))
    assert _run(only_keys, ConnectionError("not in retry_on")) == 1


def test_sync_twin_follows_the_same_defaults() -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(BackoffConfig(max_attempts=3), clock=clock)
    calls = []

    def bad() -> None:
        calls.append(1)
        raise ValueError("bad")

    with pytest.raises(ValueError):
        backoff.execute_with_backoff_sync("op", bad)
    assert calls == [1] and clock.sleeps == []


def test_resilient_operation_does_not_retry_bad_input() -> None:
    calls = []

    @resilient_operation("defaults-bad-input", TimeoutConfig(1000, 5000, 100),
                         BackoffConfig(initial_delay=0.01, max_delay=0.02, min_delay=0.0))
    async def handler(x: int) -> int:
        calls.append(x)
        if x < 0:
            raise ValueError("x must be >= 0")
        if len(calls) < 3:
            raise ConnectionError("flaky")
        return x

    with pytest.raises(ValueError):
        asyncio.run(handler(-1))
    assert calls == [-1]
    calls.clear()
    assert asyncio.run(handler(5)) == 5 and calls == [5, 5, 5]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       initial=st.floats(0.01, 2.0), multiplier=st.floats(1.0, 4.0),
       max_delay=st.floats(0.5, 30.0), strategy=st.sampled_from(list(BackoffStrategy)))
def test_full_jitter_draws_within_zero_and_the_cap(seed: int, initial: float,
                                                    multiplier: float, max_delay: float,
                                                    strategy: BackoffStrategy) -> None:
    cfg = BackoffConfig(initial_delay=initial, multiplier=multiplier, max_delay=max_delay,
                        max_attempts=6, strategy=strategy, min_delay=0.0)
    clock = ManualClock()
    backoff = IntelligentBackoff(cfg, clock=clock, rng=random.Random(seed))
    with mock.patch("random.uniform", random.Random(seed).uniform):
        assert _run(backoff, ConnectionError("down")) == 6
    caps = []
    for k in range(5):
        if strategy is BackoffStrategy.LINEAR:
            cap = initial * (k + 1)
        elif strategy is BackoffStrategy.FIBONACCI:
            cap = initial * IntelligentBackoff._fibonacci(k + 1)
        elif strategy is BackoffStrategy.ADAPTIVE:
            cap = initial * 3.0**k if k else initial  # only failures in the history
        else:
            cap = initial * multiplier**k
        caps.append(min(cap, max_delay))
    assert len(clock.sleeps) == 5
    for sleep, cap in zip(clock.sleeps, caps, strict=True):
        assert 0.0 <= sleep <= cap * (1 + 1e-12)


def test_full_jitter_spreads_and_comes_from_tenacity() -> None:
    backoff = IntelligentBackoff(BackoffConfig(initial_delay=1.0, max_delay=8.0))
    assert isinstance(backoff.wait_strategy(), tenacity.wait_random_exponential)
    fixed = IntelligentBackoff(BackoffConfig(initial_delay=1.0, jitter=False))
    assert isinstance(fixed.wait_strategy(), tenacity.wait_exponential)
    clock = ManualClock()
    spread = IntelligentBackoff(BackoffConfig(initial_delay=1.0, max_delay=1.0, min_delay=0.0,
                                              max_attempts=201), clock=clock)
    _run(spread, TimeoutError())
    draws = clock.sleeps
    assert len(draws) == 200 and max(draws) <= 1.0
    # full jitter uses the whole range, not +-10 % around the cap
    assert min(draws) < 0.1 and sum(d < 0.5 for d in draws) > 50


def test_load_aware_is_one_more_wait_strategy() -> None:
    clock = ManualClock()
    cfg = BackoffConfig(initial_delay=1.0, max_delay=100.0, load_aware=True, jitter=False,
                        max_attempts=3)
    backoff = IntelligentBackoff(cfg, clock=clock)
    with (mock.patch("psutil.cpu_percent", return_value=80.0),
          mock.patch("psutil.virtual_memory", return_value=mock.Mock(percent=70.0))):
        assert backoff._get_load_multiplier() == pytest.approx(1.375)
        _run(backoff, TimeoutError())
    assert clock.sleeps == pytest.approx([1.375, 2.75])


# --- the adaptive breaker threshold ------------------------------------------------------
# Decision: the loosening is intended (and the LUKHAS contract requires it).  While latency
# is degraded (p95 > 2x baseline) the breaker needs min(1.5 x threshold, 0.8) failures to
# open, so slowness alone (whose timeouts show up as failures) does not trip it; failures
# beyond that still open it, and the usual threshold returns as soon as latency recovers.


def _breaker(clock: ManualClock, threshold: float = 0.5) -> AdaptiveCircuitBreaker:
    breaker = AdaptiveCircuitBreaker("adaptive", failure_threshold=threshold,
                                     min_request_threshold=10, window_size=10,
                                     recovery_timeout=30.0, clock=clock)
    breaker.baseline_performance = 100.0
    return breaker


def _calls(breaker: AdaptiveCircuitBreaker, clock: ManualClock, failures: int,
           latency_ms: float, total: int = 10) -> None:
    def call(fail: bool) -> None:
        clock.advance(latency_ms / 1000.0)
        if fail:
            raise ConnectionError("down")

    for i in range(total):
        fail = i < failures
        with contextlib.suppress(ConnectionError):
            breaker.call_sync(call, fail)


@pytest.mark.parametrize(("latency_ms", "state"), [(50.0, "open"), (300.0, "closed")])
def test_degraded_latency_loosens_the_threshold(latency_ms: float, state: str) -> None:
    clock = ManualClock()
    breaker = _breaker(clock)
    _calls(breaker, clock, failures=6, latency_ms=latency_ms)  # a failure rate of 0.6
    assert breaker.state.value == state
    expected = 0.75 if latency_ms > 200.0 else 0.5
    assert breaker._get_adaptive_threshold() == expected
    assert breaker.get_health_status()["adaptive_threshold"] == expected


def test_failures_still_open_a_slow_circuit_and_the_threshold_recovers() -> None:
    clock = ManualClock()
    breaker = _breaker(clock)
    _calls(breaker, clock, failures=8, latency_ms=300.0)  # 0.8 >= 0.75
    assert breaker.state.value == "open"
    with pytest.raises(CircuitBreakerOpenError):
        breaker.call_sync(lambda: None)
    calm = _breaker(clock)
    _calls(calm, clock, failures=0, latency_ms=300.0)
    assert calm._get_adaptive_threshold() == 0.75
    _calls(calm, clock, failures=0, latency_ms=50.0)  # the window holds only fast calls now
    assert calm._get_adaptive_threshold() == 0.5


@given(st.floats(0.05, 1.0), st.lists(st.floats(0.0, 1000.0), min_size=1, max_size=30))
def test_adaptive_threshold_rule(threshold: float, times: list[float]) -> None:
    breaker = AdaptiveCircuitBreaker("rule", failure_threshold=threshold, window_size=30)
    breaker.baseline_performance = 100.0
    for t in times:
        breaker.response_times.append(t)
    times_sorted = sorted(times)
    # numpy's linear p95, written out
    h = (len(times) - 1) * 0.95
    lo = int(h)
    hi = min(lo + 1, len(times) - 1)
    p95 = times_sorted[lo] + (times_sorted[hi] - times_sorted[lo]) * (h - lo)
    expected = min(1.5 * threshold, 0.8) if p95 > 200.0 else threshold
    if abs(p95 - 200.0) > 1e-9:
        assert breaker._get_adaptive_threshold() == pytest.approx(expected)
    assert breaker._get_adaptive_threshold() >= threshold or threshold > 0.8
