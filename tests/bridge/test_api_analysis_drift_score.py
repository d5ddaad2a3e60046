"""lukhas.services.analytics.drift_score: per-user drift profiles on lukhas.core.drift."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest

from bridge.api.analysis import drift_score
from lukhas.core.drift import LANE_CFG
from lukhas.services.analytics.drift_score import (
    DriftProfileStore,
    score_drift,
    update_user_drift_profile,
)
from reference.drift_ref import ref_cosine


def _metrics(e: float, c: float, n: float, **extra: object) -> dict[str, object]:
    return {"symbolic_entropy": e, "emotional_charge": c, "narrative_coherence": n, **extra}


@pytest.fixture(autouse=True)
def _no_lane_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUKHAS_LANE", raising=False)


@pytest.mark.asyncio
async def test_caller_shape() -> None:
    """The LUKHAS API handler awaits it with (user_id, metrics) and reads these keys."""
    store = DriftProfileStore()
    metrics = _metrics(0.65, 0.3, 0.85, timestamp="2025-07-10T12:00:00Z")
    profile = await update_user_drift_profile("user-1", metrics, store=store)
    assert isinstance(profile, dict)
    assert profile.get("total_dreams", 0) == 1
    assert profile.get("drift_history", [{}])[-1].get("drift_score", 0.0) == 0.0
    assert profile["drift_history"][-1]["timestamp"] == "2025-07-10T12:00:00Z"


@pytest.mark.asyncio
async def test_default_store_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drift_score, "_DEFAULT_STORE", None)
    await update_user_drift_profile(42, _metrics(0.5, 0.0, 0.8))
    second = await update_user_drift_profile(42, _metrics(0.5, 0.0, 0.8))
    assert second["total_dreams"] == 2 and 42 in drift_score.default_store()


def test_profile_equals_batch_computation_after_every_update() -> None:
    rng = np.random.default_rng(0)
    clock_time = datetime(2026, 1, 1, tzinfo=UTC)
    store = DriftProfileStore(history=5, clock=lambda: clock_time)
    seen: list[tuple[float, float, float]] = []
    ema = 0.0
    for _ in range(12):
        e, c, n = float(rng.uniform(0, 1)), float(rng.uniform(-1, 1)), float(rng.uniform(0, 1))
        profile = store.update("u", _metrics(e, c, n))
        baseline = tuple(np.mean(seen, axis=0).tolist()) if seen else (e, c, n)
        diffs = (e - baseline[0], c - baseline[1], n - baseline[2])
        score = 0.4 * abs(diffs[0]) + 0.3 * abs(diffs[1]) + 0.3 * abs(diffs[2])
        latest = profile["drift_history"][-1]
        assert latest["drift_score"] == pytest.approx(score, abs=1e-12)
        assert (latest["entropy_drift"], latest["emotional_drift"], latest["coherence_drift"]) \
            == pytest.approx(diffs, abs=1e-12)
        assert latest["is_significant"] is (score > 0.2)
        assert latest["timestamp"] == clock_time.isoformat()
        if seen:
            drift = 1.0 - ref_cosine(list(baseline), [e, c, n])
            assert latest["cosine_drift"] == pytest.approx(drift, abs=1e-9)
            ema = 0.2 * drift + 0.8 * ema
        assert profile["drift_ema"] == pytest.approx(ema, abs=1e-9)
        assert profile["guardian"] == LANE_CFG["experimental"].decide(profile["drift_ema"])
        seen.append((e, c, n))
        means = np.mean(seen, axis=0)
        assert (profile["avg_entropy"], profile["avg_emotional"], profile["avg_coherence"]) \
            == pytest.approx(tuple(means), abs=1e-12)
        assert profile["total_dreams"] == len(seen)
        assert len(profile["drift_history"]) == min(len(seen), 5)


def test_trend_detection() -> None:
    store = DriftProfileStore(trend_threshold=0.3)
    for _ in range(20):
        profile = store.update("calm", _metrics(0.5, 0.0, 0.8))
    assert profile["trend"] == "stable"
    rng = np.random.default_rng(2)
    for _ in range(30):  # the user's dreams start swinging wildly: drift scores rise
        profile = store.update("calm", _metrics(*rng.uniform(0, 1, 3)))
    assert profile["trend"] == "increasing"


def test_guardian_follows_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    store = DriftProfileStore(lane="prod")
    store.update("u", _metrics(1.0, 0.0, 0.0))
    profile = store.update("u", _metrics(0.0, 1.0, 0.0))  # orthogonal to the baseline
    assert profile["lane"] == "prod"
    assert profile["drift_ema"] == pytest.approx(0.2)
    assert profile["guardian"] == "warn"  # prod warns at 0.15
    monkeypatch.setenv("LUKHAS_LANE", "candidate")
    assert DriftProfileStore().update("v", _metrics(0.1, 0.1, 0.1))["lane"] == "candidate"


def test_users_are_independent_and_bounded() -> None:
    store = DriftProfileStore(max_users=2)
    store.update("a", _metrics(0.1, 0.1, 0.1))
    store.update("b", _metrics(0.9, 0.9, 0.9))
    store.update("a", _metrics(0.1, 0.1, 0.1))  # "a" is now the most recent
    store.update("c", _metrics(0.5, 0.5, 0.5))
    assert len(store) == 2 and "b" not in store and "a" in store
    assert store.profile("a")["total_dreams"] == 2  # type: ignore[index]
    assert store.profile("b") is None
    assert store.forget("a") and not store.forget("a")


def test_returned_profile_is_a_copy() -> None:
    store = DriftProfileStore()
    profile = store.update("u", _metrics(0.1, 0.2, 0.3))
    profile["drift_history"][0]["drift_score"] = 99.0
    profile["drift_history"].clear()
    assert store.profile("u")["drift_history"][0]["drift_score"] == 0.0  # type: ignore[index]


@pytest.mark.asyncio
async def test_concurrent_updates_are_all_counted() -> None:
    store = DriftProfileStore()
    await asyncio.gather(*(
        update_user_drift_profile("u", _metrics(i / 50, 0.0, 0.5), store=store)
        for i in range(50)))
    assert store.profile("u")["total_dreams"] == 50  # type: ignore[index]


def test_score_drift_helper() -> None:
    base = _metrics(0.5, 0.0, 0.8)
    d = score_drift(_metrics(0.5, 0.0, 0.8), base)
    assert d["drift_score"] == 0.0
    d = score_drift(_metrics(0.6, 0.5, 0.7), base, weights=(1.0, 0.0, 0.0))
    assert d["drift_score"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="`baseline`"):
        score_drift(base, {"symbolic_entropy": 0.1})


@pytest.mark.parametrize(
    ("user_id", "metrics", "exc", "text"),
    [("u", {"symbolic_entropy": 0.5}, ValueError, "emotional_charge"),
     ("u", _metrics(float("nan"), 0, 0), ValueError, "symbolic_entropy"),
     ("u", _metrics("high", 0, 0), TypeError, "symbolic_entropy"),
     ("u", [0.1, 0.2, 0.3], TypeError, "`metrics`"),
     ("u", _metrics(0, 0, 0, timestamp=123), TypeError, "timestamp"),
     (["list"], _metrics(0, 0, 0), TypeError, "`user_id`"),
     (None, _metrics(0, 0, 0), TypeError, "`user_id`")],
)
def test_validation_leaves_profile_unchanged(user_id: object, metrics: object,
                                             exc: type[Exception], text: str) -> None:
    store = DriftProfileStore()
    with pytest.raises(exc, match=text):
        store.update(user_id, metrics)  # type: ignore[arg-type]
    assert len(store) == 0
    with pytest.raises(ValueError, match="`history`"):
        DriftProfileStore(history=0)
    with pytest.raises(TypeError, match="`weights`"):
        DriftProfileStore(weights=[0.4, 0.3, 0.3])  # type: ignore[arg-type]
