"""Backoff delays, retry loops (sync/async), adaptive timeouts and fallbacks."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.core.reliability import (
    AdaptiveTimeoutManager,
    BackoffConfig,
    BackoffStrategy,
    IntelligentBackoff,
    ManualClock,
    OperationTimeoutError,
    TimeoutConfig,
    _clock,
    with_fallback,
)


def _plain(strategy: BackoffStrategy, **kw: float) -> IntelligentBackoff:
    config = BackoffConfig(strategy=strategy, jitter=False, load_aware=False, **kw)  # type: ignore[arg-type]
    return IntelligentBackoff(config, clock=ManualClock())


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (BackoffStrategy.EXPONENTIAL, [1.0, 2.0, 4.0, 8.0, 16.0]),
        (BackoffStrategy.LINEAR, [1.0, 2.0, 3.0, 4.0, 5.0]),
        (BackoffStrategy.FIBONACCI, [1.0, 1.0, 2.0, 3.0, 5.0]),
        (BackoffStrategy.ADAPTIVE, [1.0] * 5),  # no history yet: the initial delay
    ],
)
def test_strategy_delays(strategy: BackoffStrategy, expected: list[float]) -> None:
    backoff = _plain(strategy, initial_delay=1.0)
    assert [backoff._calculate_delay(k) for k in range(5)] == expected


def test_adaptive_factor_follows_success_rate() -> None:
    backoff = _plain(BackoffStrategy.ADAPTIVE, initial_delay=1.0)
    for ok, factor in ((True, 1.5), (False, 3.0)):
        backoff.attempt_history.clear()
        backoff.attempt_history.extend({"success": ok} for _ in range(10))
        assert backoff._calculate_delay(2) == pytest.approx(factor**2)
    backoff.attempt_history.clear()
    backoff.attempt_history.extend({"success": i % 3 != 0} for i in range(9))  # 6/9 ok
    assert backoff._calculate_delay(2) == pytest.approx(4.0)


@given(attempt=st.integers(0, 30), seed=st.integers(0, 2**32 - 1))
def test_jitter_and_clamp(attempt: int, seed: int) -> None:
    config = BackoffConfig(initial_delay=0.5, max_delay=20.0, load_aware=False)
    backoff = IntelligentBackoff(config, rng=random.Random(seed))
    delay = backoff._calculate_delay(attempt)
    base = min(0.5 * 2.0**attempt, 1e300)
    assert 0.1 <= delay <= 20.0
    if base * 1.1 <= 20.0:
        assert base * 0.9 <= delay <= base * 1.1


def test_sync_retry_exhausts_and_reraises_last_error() -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(
        BackoffConfig(initial_delay=0.2, max_attempts=4, jitter=False, load_aware=False),
        clock=clock,
    )
    seen = []

    def always_fails() -> None:
        seen.append(len(seen))
        raise TimeoutError(f"attempt {len(seen)}")

    with pytest.raises(TimeoutError, match="attempt 4"):
        backoff.execute_with_backoff_sync("op", always_fails)
    assert clock.sleeps == [0.2, 0.4, 0.8]
    assert [h["attempt"] for h in backoff.attempt_history] == [0, 1, 2, 3]
    assert not any(h["success"] for h in backoff.attempt_history)


def test_non_retryable_error_propagates_at_once() -> None:
    clock = ManualClock()
    backoff = IntelligentBackoff(BackoffConfig(max_attempts=5), retry_on=(ConnectionError,),
                                 clock=clock)

    async def bad() -> None:
        raise KeyError("not transient")

    with pytest.raises(KeyError):
        asyncio.run(backoff.execute_with_backoff("op", bad))
    assert clock.sleeps == []
    assert len(backoff.attempt_history) == 1


def test_backoff_config_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        BackoffConfig(max_attempts=0)
    with pytest.raises(ValueError, match="multiplier"):
        BackoffConfig(multiplier=0.5)
    with pytest.raises(TypeError, match="strategy"):
        BackoffConfig(strategy="exponential")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        IntelligentBackoff({"max_attempts": 3})  # type: ignore[arg-type]


def test_timeout_fires_and_is_recorded() -> None:
    manager = AdaptiveTimeoutManager()
    manager.register_operation("slow", TimeoutConfig(base_timeout=20, max_timeout=100,
                                                     min_timeout=10))

    async def hang() -> None:
        await asyncio.sleep(5)

    with pytest.raises(OperationTimeoutError, match=r"20\.0 ms") as info:
        asyncio.run(manager.execute_with_adaptive_timeout("slow", hang))
    assert isinstance(info.value, TimeoutError)
    assert manager.timeouts_fired == {"slow": 1}
    assert list(manager.latencies["slow"]) == [(20.0, False)]


def test_timeout_smoothing_matches_formula() -> None:
    clock = ManualClock()
    manager = AdaptiveTimeoutManager(clock=clock)
    config = TimeoutConfig(base_timeout=1000, max_timeout=5000, min_timeout=100,
                           adaptation_rate=0.5)
    manager.register_operation("op", config)
    for _ in range(9):
        manager.record_latency("op", 400.0)
    assert manager.get_adaptive_timeout("op") == 1000.0  # fewer than ten samples
    manager.record_latency("op", 400.0)
    assert manager.get_adaptive_timeout("op") == pytest.approx(1000 * 0.5 + 800 * 0.5)
    manager.record_latency("op", 400.0, success=False)  # failures do not shape it
    assert manager.get_adaptive_timeout("op") == pytest.approx(900 * 0.5 + 800 * 0.5)
    for _ in range(200):
        manager.record_latency("op", 10_000.0)
    assert manager.get_adaptive_timeout("op") == pytest.approx(5000.0)  # clamped at max


def test_unknown_operation_is_auto_registered() -> None:
    manager = AdaptiveTimeoutManager()
    assert manager.get_adaptive_timeout("new") == 5000.0
    manager.record_latency("new", 10.0)
    assert manager.configs["new"] == TimeoutConfig(5000, 30000, 100)
    with pytest.raises(ValueError, match="base_timeout"):
        TimeoutConfig(base_timeout=50, max_timeout=5000, min_timeout=100)


def test_fallback_sync_async_and_notes() -> None:
    def primary(x: int) -> int:
        raise ConnectionError("primary down")

    def secondary(x: int) -> int:
        raise TimeoutError("secondary slow")

    chained = with_fallback(secondary, lambda x: x * 10)(primary)
    assert chained(4) == 40

    failing = with_fallback(secondary)(primary)
    with pytest.raises(TimeoutError) as info:
        failing(1)
    assert any("primary down" in note for note in info.value.__notes__)

    async def aprimary() -> str:
        raise ConnectionError("x")

    async def asecondary() -> str:
        return "from cache"

    assert asyncio.run(with_fallback(asecondary)(aprimary)()) == "from cache"
    assert asyncio.run(with_fallback(default="dflt")(aprimary)()) == "dflt"

    narrow = with_fallback(default=0, on=(ConnectionError,))(lambda: {}["k"])
    with pytest.raises(KeyError):
        narrow()
    with pytest.raises(TypeError, match=r"alternatives\[0\]"):
        with_fallback(42)  # type: ignore[arg-type]


def test_manual_clock() -> None:
    clock = ManualClock(start=100.0)
    assert clock.time() == 100.0 and clock.monotonic() == 0.0
    asyncio.run(clock.sleep(1.5))
    assert clock.time() == 101.5 and clock.sleeps == [1.5]
    with pytest.raises(ValueError, match="seconds"):
        clock.advance(-1)
    # Usable wherever a Clock is: the services read its wall time as aware UTC.
    assert _clock.utc_datetime(clock) == datetime(1970, 1, 1, 0, 1, 41, 500000, tzinfo=UTC)
