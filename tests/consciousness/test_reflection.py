"""Reflection engine: coherence, drift EMA and deltas against hand-computed references,
anomalies with evidence, goal alignment, guardian denials, errors and fail-safe recovery."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.domain.consciousness.guardian_integration import ConsciousnessGuardianIntegration
from lukhas.domain.consciousness.reflection_engine import ReflectionConfig, ReflectionEngine


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def _dist(a: dict[str, float], b: dict[str, float]) -> float:
    keys = sorted(a.keys() | b.keys())
    va = np.array([a.get(k, 0.0) for k in keys])
    vb = np.array([b.get(k, 0.0) for k in keys])
    scale = np.linalg.norm(va) + np.linalg.norm(vb)
    return 0.0 if scale == 0 else min(1.0, float(np.linalg.norm(va - vb) / scale))


unit = st.floats(0.0, 1.0)


@settings(max_examples=25)
@given(st.lists(st.fixed_dictionaries({"level": unit, "awareness_level": unit, "mood": unit}),
                min_size=1, max_size=15), st.floats(0.05, 1.0), st.integers(1, 5))
def test_scores_equal_the_reference(states: list[dict[str, float]], alpha: float,
                                    window: int) -> None:
    engine = ReflectionEngine(ReflectionConfig(drift_alpha=alpha, state_stability_window=window))
    ema = 0.0
    for i, state in enumerate(states):
        report = run(engine.reflect(state))
        prev = states[i - 1] if i else None
        delta = 0.0 if prev is None else math.dist([prev[k] for k in state], list(state.values()))
        if prev is not None:
            ema = alpha * _dist(prev, state) + (1 - alpha) * ema
        assert report.state_delta_magnitude == pytest.approx(delta, abs=1e-12)
        assert report.drift_ema == pytest.approx(ema, abs=1e-12)
        units = [state["level"], state["awareness_level"]]  # "mood" is no unit field
        internal = 1 - min(1.0, 2 * float(np.std(units)))
        past = states[max(0, i - window):i]
        if past:
            mean = {k: float(np.mean([p[k] for p in past])) for k in state}
            expected = (0.5 * internal + 0.35 * (1 - _dist(mean, state))) / 0.85
        else:
            expected = internal
        assert report.coherence_score == pytest.approx(expected, abs=1e-9)


def test_snapshot_agreement_and_out_of_range() -> None:
    engine = ReflectionEngine()
    same = run(engine._analyze_state_coherence({"level": 0.5}, {"level": 0.5}))
    apart = run(engine._analyze_state_coherence({"level": 0.5}, {"level": 0.1}))
    assert same["snapshot"] == 1.0 and apart["snapshot"] == pytest.approx(0.6)
    assert apart["score"] == pytest.approx((0.5 * 1 + 0.15 * 0.6) / 0.65)
    wild = run(engine.reflect({"level": 1.6, "awareness_level": 1.6}))
    kinds = {a["type"] for a in wild.anomalies}
    assert "out_of_range" in kinds
    evidence = next(a for a in wild.anomalies if a["type"] == "out_of_range")["evidence"]
    assert evidence == {"fields": ["awareness_level", "level"]}
    assert wild.coherence_components["internal"] == pytest.approx(0.4)


def test_anomalies_and_recommendations_carry_evidence() -> None:
    engine = ReflectionEngine(ReflectionConfig(drift_threshold=0.1), goals={"level": 0.9})
    calm = run(engine.reflect({"level": 0.9, "awareness_level": 0.9}))
    assert calm.anomalies == [] and calm.alignment_score == pytest.approx(1.0)
    jump = run(engine.reflect({"level": 0.1, "awareness_level": 0.9}))
    kinds = [a["type"] for a in jump.anomalies]
    assert {"low_coherence", "high_drift", "goal_gap"} <= set(kinds)
    assert jump.anomaly_count == len(jump.anomalies) == len(jump.recommendations)
    assert jump.alignment_score == pytest.approx(0.2)
    gap = next(r for r in jump.recommendations if r["reason"] == "goal_gap")
    assert gap["evidence"]["gaps"] == {"level": pytest.approx(0.8)} and "level" in gap["action"]
    assert engine.get_performance_stats()["anomalies"]["low_coherence"] == 1


def test_sustained_drift_raises_a_change_point() -> None:
    engine = ReflectionEngine(ReflectionConfig(p95_target_ms=1e6))
    for _ in range(80):
        run(engine.reflect({"level": 0.5, "awareness_level": 0.5}))
    seen = []
    for i in range(60):
        v = 0.2 if i % 2 else 0.8
        seen += [a["type"] for a in run(engine.reflect({"level": v, "awareness_level": v})
                                        ).anomalies]
    assert "drift_change_point" in seen


class DenyAll:
    def validate_action(self, request: Any) -> dict[str, Any]:
        return {"allowed": False, "reason": "quarantine"}


def test_guardian_denial_is_an_anomaly() -> None:
    guard = ConsciousnessGuardianIntegration(guardian_system=DenyAll())
    engine = ReflectionEngine(guardian=guard)
    report = run(engine.reflect({"level": 0.5}))
    denied = next(a for a in report.anomalies if a["type"] == "guardian_denied")
    assert "quarantine" in denied["evidence"]["reason"]
    quiet = ReflectionEngine(ReflectionConfig(guardian_validation_required=False), guardian=guard)
    assert run(quiet.reflect({"level": 0.5})).anomalies == []


def test_errors_turn_on_fail_safe_and_a_probe_recovers() -> None:
    engine = ReflectionEngine()
    bad = {"level": math.nan}
    for k in range(3):
        report = run(engine.reflect(bad))
        assert report.processing_stage == "error" and engine._consecutive_errors == k + 1
        assert "non-finite" in report.anomalies[0]["evidence"]["error"]
    assert engine._fail_safe_active
    stages = [run(engine.reflect({"level": 0.5})).processing_stage for _ in range(10)]
    assert stages == ["fail_safe"] * 9 + ["completed"]
    assert not engine._fail_safe_active and engine._consecutive_errors == 0
    assert len(engine._state_history) == 1  # fail-safe calls did not reflect


def test_metrics_switch_and_bad_input() -> None:
    engine = ReflectionEngine(ReflectionConfig(metrics_collection_enabled=False))
    run(engine.reflect({"level": 0.5}))
    assert engine.get_performance_stats()["no_data"] is True
    with pytest.raises(ValueError, match="drift_alpha must be between 0 and 1"):
        ReflectionEngine(ReflectionConfig(drift_alpha=2.0))
    with pytest.raises(TypeError, match="`config` must be a ReflectionConfig"):
        ReflectionEngine({"drift_alpha": 0.1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`guardian` must be"):
        ReflectionEngine(guardian=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`goals\['level'\]` must be"):
        ReflectionEngine(goals={"level": math.inf})
