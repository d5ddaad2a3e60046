"""lukhas.consciousness.guardian_integration: the contract's requirements R1-R7."""

from __future__ import annotations

import asyncio

import pytest

from lukhas.consciousness.guardian_integration import (
    ConsciousnessGuardianIntegration,
    ConsciousnessValidationContext,
    GuardianValidationConfig,
    GuardianValidationResult,
    GuardianValidationType,
    ValidationResult,
    create_validation_context,
)


def test_r1_enum_members() -> None:
    for name in ["CONSCIOUSNESS_STATE_TRANSITION", "REFLECTION_ANALYSIS", "CREATIVE_GENERATION",
                 "DECISION_MAKING", "AWARENESS_PROCESSING", "SAFETY_CHECK"]:
        assert isinstance(GuardianValidationType[name], GuardianValidationType)
    for name in ["APPROVED", "DENIED", "ERROR"]:
        assert isinstance(ValidationResult[name], ValidationResult)


def test_r2_config_defaults_and_keywords() -> None:
    cfg = GuardianValidationConfig()
    assert (cfg.p95_target_ms, cfg.p99_target_ms) == (200.0, 250.0)
    assert (cfg.drift_threshold, cfg.drift_alpha) == (0.15, 0.3)
    assert cfg.fail_closed_on_error is True and cfg.gdpr_audit_enabled is True
    assert cfg.guardian_active is True
    other = GuardianValidationConfig(timeout_ms=500.0, constitutional_check_enabled=False,
                                     performance_regression_detection=False)
    assert other.timeout_ms == 500.0 and other.constitutional_check_enabled is False


def test_r3_validate_messages() -> None:
    assert GuardianValidationConfig().validate() == []
    bad = GuardianValidationConfig(p95_target_ms=-10, drift_threshold=1.5, drift_alpha=-0.1,
                                   timeout_ms=100.0)
    assert bad.validate() == ["p95_target_ms must be positive",
                              "drift_threshold must be between 0 and 1",
                              "drift_alpha must be between 0 and 1",
                              "timeout_ms should be >= p99_target_ms"]


def test_r4_constructor() -> None:
    with pytest.raises(ValueError, match="p95_target_ms must be positive"):
        ConsciousnessGuardianIntegration(config=GuardianValidationConfig(p95_target_ms=-1),
                                         guardian_system=None, ethics_engine=None)
    cfg = GuardianValidationConfig(p95_target_ms=150.0)
    integ = ConsciousnessGuardianIntegration(config=cfg, guardian_system=None, ethics_engine=None)
    assert integ.config == cfg


def test_r5_context_defaults_and_fields() -> None:
    ctx = ConsciousnessValidationContext()
    assert ctx.validation_type is GuardianValidationType.CONSCIOUSNESS_STATE_TRANSITION
    assert (ctx.tenant, ctx.lane, ctx.sensitive_operation) == ("default", "consciousness", False)
    assert not ctx.risk_indicators
    assert ctx.operation_id is not None and ctx.correlation_id is not None
    assert ConsciousnessValidationContext().operation_id != ctx.operation_id
    state = {"level": 0.4}
    ctx = ConsciousnessValidationContext(
        validation_type=GuardianValidationType.SAFETY_CHECK, consciousness_state=state,
        user_id="u", session_id="s", sensitive_operation=True, tenant="acme")
    assert (ctx.validation_type, ctx.consciousness_state, ctx.user_id, ctx.session_id,
            ctx.sensitive_operation, ctx.tenant) == (
        GuardianValidationType.SAFETY_CHECK, state, "u", "s", True, "acme")


def test_r6_create_validation_context() -> None:
    state = {"level": 0.9}
    ctx = create_validation_context(validation_type=GuardianValidationType.REFLECTION_ANALYSIS,
                                    consciousness_state=state, user_id=None, session_id=None,
                                    sensitive_operation=False, tenant="default")
    assert ctx.validation_type is GuardianValidationType.REFLECTION_ANALYSIS
    assert ctx.consciousness_state is state and ctx.tenant == "default"
    ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, state, "u1", "s1",
                                    True, "t1")
    assert (ctx.user_id, ctx.session_id, ctx.sensitive_operation, ctx.tenant) == (
        "u1", "s1", True, "t1")


def test_r7_result_record() -> None:
    res = GuardianValidationResult(operation_id="op", validation_type=GuardianValidationType.
                                   SAFETY_CHECK, result=ValidationResult.APPROVED, reason="ok",
                                   confidence=0.9)
    assert res.validation_duration_ms == 0.0 and res.audit_trail == []
    assert res.is_approved()
    res.add_audit_entry("step", {"k": 1})
    assert len(res.audit_trail) == 1 and res.audit_trail[0]["data"] == {"k": 1}
    for other in (ValidationResult.DENIED, ValidationResult.ERROR):
        assert not GuardianValidationResult("op", GuardianValidationType.SAFETY_CHECK, other,
                                            "no", 0.5).is_approved()


def test_validation_end_to_end_returns_a_measured_result() -> None:
    integ = ConsciousnessGuardianIntegration()
    res = asyncio.run(integ.validate(create_validation_context(
        GuardianValidationType.AWARENESS_PROCESSING, {"level": 0.3})))
    assert res.is_approved() and res.validation_duration_ms > 0
    assert res.audit_trail[0]["event"] == "request"
