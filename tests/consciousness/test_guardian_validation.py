"""Guardian integration: drift EMA against a hand-computed reference, the constitutional
rules, external guardian/ethics protocols, fail-closed/fail-open, latency percentiles
on the ring window, GDPR pseudonymisation, bad input."""

from __future__ import annotations

import asyncio
import hashlib
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.domain.consciousness.guardian_integration import (
    ConsciousnessGuardianIntegration,
    EthicsEngine,
    GuardianSystem,
    GuardianValidationConfig,
    GuardianValidationType,
    ValidationResult,
    create_validation_context,
)

R = ValidationResult


def _dist(a: dict[str, float], b: dict[str, float]) -> float:
    keys = sorted(a.keys() | b.keys())
    va = np.array([a.get(k, 0.0) for k in keys])
    vb = np.array([b.get(k, 0.0) for k in keys])
    scale = np.linalg.norm(va) + np.linalg.norm(vb)
    return 0.0 if scale == 0 else min(1.0, float(np.linalg.norm(va - vb) / scale))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@settings(max_examples=30)
@given(st.lists(st.fixed_dictionaries({"level": st.floats(0, 1), "awareness": st.floats(0, 1),
                                       "focus": st.floats(-1, 1)}), min_size=1, max_size=12),
       st.floats(0.05, 1.0))
def test_drift_ema_equals_reference(states: list[dict[str, float]], alpha: float) -> None:
    cfg = GuardianValidationConfig(drift_alpha=alpha, drift_threshold=1.0,
                                   constitutional_check_enabled=False)
    integ = ConsciousnessGuardianIntegration(cfg)
    ema = 0.0  # EMA from zero: ema_t = alpha * d_t + (1 - alpha) * ema_{t-1}
    for i, state in enumerate(states):
        res = run(integ.validate(create_validation_context(
            GuardianValidationType.CONSCIOUSNESS_STATE_TRANSITION, state, session_id="s")))
        expected_d = 0.0 if i == 0 else _dist(states[i - 1], state)
        ema = alpha * expected_d + (1 - alpha) * ema
        assert res.drift_score == pytest.approx(expected_d, abs=1e-12)
        assert res.drift_ema == pytest.approx(ema, abs=1e-12)


def test_drift_is_tracked_per_session_and_large_jumps_are_denied() -> None:
    integ = ConsciousnessGuardianIntegration()
    calm = {"level": 0.5, "awareness": 0.5}
    run(integ.validate_state_transition(calm, calm, session_id="a"))
    jump = run(integ.validate_state_transition(calm, {"level": -0.5, "awareness": -0.5},
                                               session_id="a"))
    assert jump.drift_score == pytest.approx(1.0) and jump.drift_ema == pytest.approx(0.3)
    assert jump.is_approved() and "drift_exceeded" in jump.risk_indicators  # 0.3 > 0.15
    assert jump.confidence < 0.5
    back = run(integ.validate_state_transition({"level": -0.5, "awareness": -0.5}, calm,
                                               session_id="a"))
    assert back.drift_ema == pytest.approx(0.3 + 0.7 * 0.3)  # 0.51 > 2 * 0.15
    assert back.result is R.DENIED and "twice the threshold" in back.reason
    small = run(integ.validate_state_transition(calm, {"level": 0.52, "awareness": 0.5},
                                                session_id="b"))
    assert small.is_approved() and small.drift_score < 0.05
    assert set(integ.get_performance_stats()["drift_ema"]) == {"default/a", "default/b"}


def test_constitutional_rules() -> None:
    integ = ConsciousnessGuardianIntegration()
    ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, {"level": 1.0})
    ctx.risk_indicators.append("self_modification")
    assert run(integ.validate(ctx)).result is R.DENIED
    ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, {"level": 1.0},
                                    sensitive_operation=True)
    res = run(integ.validate(ctx))
    assert res.result is R.DENIED and "accountable user" in res.reason
    ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, {"level": 1.0},
                                    user_id="alice", sensitive_operation=True)
    assert run(integ.validate(ctx)).is_approved()
    off = ConsciousnessGuardianIntegration(GuardianValidationConfig(
        constitutional_check_enabled=False))
    ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, {"level": 1.0})
    ctx.risk_indicators.append("harm")
    assert run(off.validate(ctx)).is_approved()


class Guardian:
    def __init__(self, allowed: bool, delay: float = 0.0) -> None:
        self.allowed, self.delay, self.seen = allowed, delay, []

    async def validate_action(self, request: Any) -> dict[str, Any]:
        self.seen.append(request)
        await asyncio.sleep(self.delay)
        return {"allowed": self.allowed, "reason": "policy 7", "confidence": 0.8}


class Ethics:
    def __init__(self, score: float) -> None:
        self.score = score

    def evaluate(self, request: Any) -> float:
        return self.score


def test_external_guardian_and_ethics_engine() -> None:
    assert isinstance(Guardian(True), GuardianSystem) and isinstance(Ethics(1), EthicsEngine)
    g = Guardian(False)
    integ = ConsciousnessGuardianIntegration(guardian_system=g)
    res = run(integ.validate(create_validation_context(
        GuardianValidationType.CREATIVE_GENERATION, {"level": 0.2}, tenant="acme")))
    assert res.result is R.DENIED and "policy 7" in res.reason
    assert g.seen[0]["tenant"] == "acme" and g.seen[0]["validation_type"] == "creative_generation"
    ok = ConsciousnessGuardianIntegration(guardian_system=Guardian(True))
    res = run(ok.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK, {})))
    assert res.is_approved() and res.confidence <= 0.8
    low = ConsciousnessGuardianIntegration(ethics_engine=Ethics(0.2))
    res = run(low.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK, {})))
    assert res.result is R.DENIED and "ethics score 0.20" in res.reason


def test_timeout_and_errors_fail_closed_or_open() -> None:
    cfg = GuardianValidationConfig(p95_target_ms=10.0, p99_target_ms=20.0, timeout_ms=30.0)
    closed = ConsciousnessGuardianIntegration(cfg, guardian_system=Guardian(True, delay=1.0))
    res = run(closed.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK, {})))
    assert res.result is R.ERROR and "timeout" in res.reason and not res.is_approved()
    cfg_open = GuardianValidationConfig(p95_target_ms=10.0, p99_target_ms=20.0, timeout_ms=30.0,
                                        fail_closed_on_error=False)
    opened = ConsciousnessGuardianIntegration(cfg_open, guardian_system=Guardian(True, delay=1.0))
    res = run(opened.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK, {})))
    assert res.is_approved() and res.reason.startswith("fail-open")
    nan = run(closed.validate(create_validation_context(
        GuardianValidationType.SAFETY_CHECK, {"level": math.nan, "x": {"y": math.inf}})))
    assert nan.result is R.ERROR and "'level', 'x.y'" in nan.reason
    bad_ethics = ConsciousnessGuardianIntegration(ethics_engine=Ethics(3.0))
    res = run(bad_ethics.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK,
                                                            {})))
    assert res.result is R.ERROR and "score in [0, 1]" in res.reason


def test_guardian_inactive_approves_without_checks() -> None:
    integ = ConsciousnessGuardianIntegration(GuardianValidationConfig(guardian_active=False))
    ctx = create_validation_context(GuardianValidationType.SAFETY_CHECK, {"level": math.nan})
    ctx.risk_indicators.append("harm")
    res = run(integ.validate(ctx))
    assert res.is_approved() and "inactive" in res.reason


def test_latency_percentiles_on_the_ring_window() -> None:
    integ = ConsciousnessGuardianIntegration(GuardianValidationConfig(latency_window=16))
    durations = []
    for i in range(40):
        res = run(integ.validate(create_validation_context(
            GuardianValidationType.AWARENESS_PROCESSING, {"level": i / 40}, session_id="s")))
        durations.append(res.validation_duration_ms)
    stats = integ.get_performance_stats()
    assert stats["window"] == 16 and stats["total_validations"] == 40
    expected = np.percentile(durations[-16:], [50, 95, 99])
    assert [stats["latency_ms"][k] for k in ("p50", "p95", "p99")] == pytest.approx(expected)
    assert stats["performance_alert"] is bool(expected[1] > 200.0)
    assert stats["results"]["APPROVED"] + stats["results"]["DENIED"] == 40
    integ._latencies.extend([1e4] * 16)  # a slow window after the baseline was taken
    assert integ.get_performance_stats()["performance_alert"] is True
    assert integ.get_performance_stats()["regression_detected"] is True


def test_gdpr_audit_pseudonymises_the_user() -> None:
    integ = ConsciousnessGuardianIntegration()
    res = run(integ.validate(create_validation_context(
        GuardianValidationType.SAFETY_CHECK, {}, user_id="alice@example.com")))
    request = res.audit_trail[0]
    assert request["event"] == "request"
    assert request["data"]["subject"] == hashlib.sha256(b"alice@example.com").hexdigest()[:16]
    assert "alice" not in repr(res.audit_trail)
    assert res.audit_trail[-1]["event"] == "decision"
    quiet = ConsciousnessGuardianIntegration(GuardianValidationConfig(gdpr_audit_enabled=False))
    res = run(quiet.validate(create_validation_context(GuardianValidationType.SAFETY_CHECK, {})))
    assert [e["event"] for e in res.audit_trail if e["event"] == "request"] == []


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="`config` must be a GuardianValidationConfig"):
        ConsciousnessGuardianIntegration(config={"p95_target_ms": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`guardian_system` must have a `validate_action`"):
        ConsciousnessGuardianIntegration(guardian_system=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`validation_type` must be a GuardianValidationType"):
        create_validation_context("safety", {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`context` must be a ConsciousnessValidationContext"):
        run(ConsciousnessGuardianIntegration().validate({"level": 1}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="p99_target_ms should be >= p95_target_ms"):
        ConsciousnessGuardianIntegration(GuardianValidationConfig(p95_target_ms=300.0,
                                                                  timeout_ms=400.0))
