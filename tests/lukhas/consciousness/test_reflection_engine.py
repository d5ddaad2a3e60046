"""lukhas.consciousness.reflection_engine: the contract's requirements R1-R4."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest

from lukhas.consciousness.reflection_engine import ReflectionConfig, ReflectionEngine


@dataclass
class ConsciousnessState:  # shaped like LUKHAS's state type
    phase: str = "REFLECT"
    level: float = 0.8
    awareness_level: float = 0.8
    emotional_tone: str = "curious"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_r1_config_fields_and_validate() -> None:
    cfg = ReflectionConfig(p95_target_ms=5.0, coherence_threshold=0.7, drift_alpha=0.2,
                           state_stability_window=4, metrics_collection_enabled=True,
                           memory_integration_enabled=False, guardian_validation_required=False,
                           cv_target=0.3)
    assert (cfg.p95_target_ms, cfg.state_stability_window, cfg.cv_target) == (5.0, 4, 0.3)
    assert ReflectionConfig().validate() == []
    for bad in ({"drift_alpha": -0.1}, {"p95_target_ms": -1.0}, {"coherence_threshold": 1.5},
                {"state_stability_window": 0}):
        assert ReflectionConfig(**bad).validate(), bad


def test_r2_reports() -> None:
    engine = ReflectionEngine(config=None)
    first = run(engine.reflect(ConsciousnessState(), awareness_snapshot=None))
    assert 0.0 <= first.coherence_score <= 1.0
    assert 0.0 < first.reflection_duration_ms < 100.0
    assert first.processing_stage == "completed"
    assert first.consciousness_level == 0.8
    assert first.drift_ema == 0.0 and first.state_delta_magnitude == 0.0
    assert first.anomaly_count == len(first.anomalies)
    second = run(engine.reflect(ConsciousnessState(level=0.6, awareness_level=0.7)))
    assert second.consciousness_level == 0.6
    assert second.drift_ema > 0 and second.state_delta_magnitude > 0
    assert 0.0 < second.reflection_duration_ms < 100.0


def test_r3_private_state_fail_safe_and_error() -> None:
    engine = ReflectionEngine()
    for i in range(120):
        run(engine.reflect(ConsciousnessState(level=0.5 + i / 1000)))
    assert len(engine._state_history) == 100
    assert engine._state_history[-1].level == pytest.approx(0.5 + 119 / 1000)
    assert isinstance(engine._anomaly_counts, dict)
    assert len(engine._coherence_scores) == len(engine._operation_latencies) == 120
    assert engine._fail_safe_active is False and engine._consecutive_errors == 0
    engine._fail_safe_active = True
    report = run(engine.reflect(ConsciousnessState()))
    assert report.processing_stage == "fail_safe"
    assert report.coherence_score == 0.5 and report.reflection_duration_ms == 1.0
    engine._fail_safe_active = False
    with mock.patch.object(engine, "_analyze_state_coherence",
                           side_effect=RuntimeError("boom")):
        before = engine._consecutive_errors
        report = run(engine.reflect(ConsciousnessState()))
    assert report.processing_stage == "error" and report.coherence_score == 0.0
    assert engine._consecutive_errors == before + 1


def test_r4_coherence_history_stats_reset() -> None:
    engine = ReflectionEngine()
    coherent = run(engine._analyze_state_coherence(ConsciousnessState(), None))
    incoherent = run(engine._analyze_state_coherence(
        ConsciousnessState(level=0.95, awareness_level=0.05), None))
    assert coherent["score"] > 0.6 > incoherent["score"]
    engine.update_state_history(ConsciousnessState())
    assert len(engine._state_history) == 1
    fresh = ReflectionEngine()
    stats = fresh.get_performance_stats()
    assert stats["no_data"] is True
    for _ in range(5):
        run(fresh.reflect(ConsciousnessState()))
    stats = fresh.get_performance_stats()
    assert stats["latency"]["count"] == 5 and stats["latency"]["mean_ms"] > 0
    assert "coherence" in stats and "anomalies" in stats
    fresh._consecutive_errors, fresh._fail_safe_active = 2, True
    fresh.reset_state()
    assert fresh._operation_latencies == [] and fresh._coherence_scores == []
    assert fresh._consecutive_errors == 0 and fresh._fail_safe_active is False
    assert fresh._drift_ema == 0.0
    run(fresh.reflect(ConsciousnessState()))

    async def awaited() -> None:
        await fresh.reset_state()  # may be awaited too

    run(awaited())
    assert fresh.get_performance_stats()["no_data"] is True
