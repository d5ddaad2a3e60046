"""Circuit breaker state machine, registry and decorator (ManualClock: no sleeping)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.core.reliability import (
    AdaptiveCircuitBreaker,
    CircuitBreakerOpenError,
    CircuitBreakerRegistry,
    CircuitState,
    ManualClock,
    circuit_breaker,
    get_circuit_health,
)
from reference.reliability_ref import RefBreaker


def _fail() -> None:
    raise ConnectionError("down")


def _trip(breaker: AdaptiveCircuitBreaker, n: int) -> None:
    for _ in range(n):
        with pytest.raises(ConnectionError):
            breaker.call_sync(_fail)


def test_open_half_open_closed_cycle() -> None:
    clock = ManualClock()
    breaker = AdaptiveCircuitBreaker(
        "cycle", min_request_threshold=4, recovery_timeout=30.0, clock=clock
    )
    _trip(breaker, 4)
    assert breaker.state is CircuitState.OPEN
    with pytest.raises(CircuitBreakerOpenError) as info:
        breaker.call_sync(lambda: 1)
    assert info.value.retry_after == pytest.approx(30.0)
    clock.advance(29.9)
    assert breaker.state is CircuitState.OPEN
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN
    # a failed probe re-opens for another full recovery_timeout
    with pytest.raises(ConnectionError):
        breaker.call_sync(_fail)
    assert breaker.state is CircuitState.OPEN
    clock.advance(30.0)
    assert breaker.call_sync(lambda: "probe") == "probe"
    health = breaker.get_health_status()
    assert health["state"] == "closed"
    assert health["failure_rate"] == 0.0  # the window restarts after recovery
    assert health["rejected_count"] == 1


def test_half_open_admits_only_max_probes() -> None:
    clock = ManualClock()
    breaker = AdaptiveCircuitBreaker("probes", min_request_threshold=1, recovery_timeout=1.0,
                                     clock=clock)
    _trip(breaker, 1)
    clock.advance(1.0)

    async def scenario() -> None:
        gate = asyncio.Event()

        async def slow_probe() -> str:
            await gate.wait()
            return "ok"

        probe = asyncio.create_task(breaker.call(slow_probe))
        await asyncio.sleep(0)
        with pytest.raises(CircuitBreakerOpenError) as info:
            await breaker.call(lambda: "second")
        assert info.value.retry_after == 0.0
        gate.set()
        assert await probe == "ok"

    asyncio.run(scenario())
    assert breaker.state is CircuitState.CLOSED


def test_cancellation_releases_probe_slot() -> None:
    clock = ManualClock()
    breaker = AdaptiveCircuitBreaker("cancel", min_request_threshold=1, recovery_timeout=1.0,
                                     clock=clock)
    _trip(breaker, 1)
    clock.advance(1.0)

    async def scenario() -> None:
        task = asyncio.create_task(breaker.call(asyncio.sleep, 10))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await breaker.call(lambda: "next probe") == "next probe"

    asyncio.run(scenario())
    assert breaker.failure_count == 1  # the cancelled call was not counted


def test_unlisted_exceptions_pass_through_unrecorded() -> None:
    breaker = AdaptiveCircuitBreaker("narrow", min_request_threshold=1,
                                     failure_exceptions=(ConnectionError,))
    with pytest.raises(KeyError):
        breaker.call_sync(dict().__getitem__, "k")
    assert breaker.request_count == 0
    assert breaker.state is CircuitState.CLOSED


def test_calibrated_baseline_and_slow_calls() -> None:
    clock = ManualClock()
    breaker = AdaptiveCircuitBreaker("slow", min_request_threshold=3,
                                     performance_threshold_ms=50.0, clock=clock)
    assert breaker.calibrate_baseline() is None

    def takes(ms: float) -> None:
        clock.advance(ms / 1000.0)

    for ms in (10.0, 20.0, 30.0):
        breaker.call_sync(takes, ms)
    assert breaker.calibrate_baseline() == pytest.approx(20.0)
    breaker.call_sync(takes, 80.0)
    assert breaker.slow_call_count == 1
    assert list(breaker.response_times) == pytest.approx([10.0, 20.0, 30.0, 80.0])


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.floats(0.0, 3.0), st.booleans()), min_size=1, max_size=60
    ),
    threshold=st.sampled_from([0.2, 0.5, 1.0]),
    min_requests=st.integers(1, 6),
    window=st.integers(1, 10),
)
def test_matches_reference_state_machine(
    events: list[tuple[float, bool]], threshold: float, min_requests: int, window: int
) -> None:
    clock = ManualClock()
    breaker = AdaptiveCircuitBreaker(
        "prop", failure_threshold=threshold, recovery_timeout=2.0,
        min_request_threshold=min_requests, window_size=window, clock=clock,
    )
    ref = RefBreaker(threshold, min_requests, window, 2.0)
    for gap, fails in events:
        clock.advance(gap)
        expected = ref.call(clock.monotonic(), fails)
        try:
            breaker.call_sync(_fail if fails else (lambda: None))
            got = "ok"
        except ConnectionError:
            got = "failed"
        except CircuitBreakerOpenError:
            got = "rejected"
        assert got == expected
        assert breaker.state.value == ref.state_at(clock.monotonic())


def test_registry_and_decorator() -> None:
    registry = CircuitBreakerRegistry()
    a = registry.get_or_create("a", min_request_threshold=2)
    assert registry.get_or_create("a", min_request_threshold=99) is a
    assert a.min_request_threshold == 2
    assert "a" in registry and len(registry) == 1 and registry.names() == ["a"]
    registry.remove("a")
    assert "a" not in registry

    calls = []

    @circuit_breaker("test_registry_sync", min_request_threshold=2, recovery_timeout=60.0)
    def flaky(x: int) -> int:
        calls.append(x)
        raise ConnectionError("down")

    for i in range(2):
        with pytest.raises(ConnectionError):
            flaky(i)
    with pytest.raises(CircuitBreakerOpenError):
        flaky(3)
    assert calls == [0, 1]
    assert get_circuit_health()["test_registry_sync"]["state"] == "open"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"failure_threshold": 0.0}, ValueError, "failure_threshold"),
        ({"failure_threshold": 1.5}, ValueError, "failure_threshold"),
        ({"min_request_threshold": 0}, ValueError, "min_request_threshold"),
        ({"window_size": 2.5}, TypeError, "window_size"),
        ({"recovery_timeout": "1"}, TypeError, "recovery_timeout"),
    ],
)
def test_validation(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        AdaptiveCircuitBreaker("bad", **kwargs)  # type: ignore[arg-type]
