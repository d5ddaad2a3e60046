"""Guardian validation of consciousness operations, with drift, audit and latency tracking.

Every consciousness operation (above all a state transition) is checked by
:meth:`ConsciousnessGuardianIntegration.validate` before it takes effect:

1. **Input**: the state's numeric fields (:func:`state_features`); a NaN or an
   infinity is an error.
2. **Drift**: the distance from the previous state of the same session (the
   normalised L2 distance of :mod:`._state`), smoothed per session as an EMA with
   ``drift_alpha``; an EMA above ``drift_threshold`` is a risk indicator.
3. **Constitutional rules** (``constitutional_check_enabled``): a denial for a
   critical risk indicator (``"harm"``, ``"self_modification"``,
   ``"identity_override"``, ``"privacy_breach"``), for a sensitive operation with
   no accountable user, or for drift beyond twice the threshold.
4. **The guardian and the ethics engine**, when given (any objects that satisfy
   :class:`GuardianSystem` / :class:`EthicsEngine`; sync or async), under the
   ``timeout_ms`` budget: the guardian may deny, the ethics engine's score in
   [0, 1] denies below 0.5.  ``governance.guardian`` does not exist in this
   library yet; these protocols are what it will be wired through.
5. **Outcome**: APPROVED or DENIED with a confidence; on an exception or a
   timeout ERROR (``fail_closed_on_error``, the default) or a fail-open approval.

Each decision carries an audit trail (with ``gdpr_audit_enabled`` the user id is
pseudonymised with SHA-256 and the purpose recorded); its latency goes into a
:class:`~lukhas.primitives.ring.RingBuffer` window from which p50/p95/p99 are
reported against the targets, and a p95 above ``p95_target_ms`` raises a
performance alert.

Examples
--------
>>> import asyncio
>>> guard = ConsciousnessGuardianIntegration()
>>> ok = asyncio.run(guard.validate_state_transition(
...     {"level": 0.5, "awareness": 0.5}, {"level": 0.55, "awareness": 0.5}, session_id="s"))
>>> ok.result.name, ok.is_approved()
('APPROVED', True)
>>> ctx = create_validation_context(GuardianValidationType.SAFETY_CHECK, {"level": 0.5})
>>> ctx.risk_indicators.append("harm")
>>> asyncio.run(guard.validate(ctx)).result.name
'DENIED'
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import inspect
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np

from lukhas._validation import check_int, describe
from lukhas.domain.consciousness._state import state_distance, state_features
from lukhas.primitives.ring import RingBuffer

__all__ = [
    "CRITICAL_RISKS",
    "ConsciousnessGuardianIntegration",
    "ConsciousnessValidationContext",
    "EthicsEngine",
    "GuardianSystem",
    "GuardianValidationConfig",
    "GuardianValidationResult",
    "GuardianValidationType",
    "ValidationResult",
    "create_validation_context",
]

logger = logging.getLogger(__name__)

#: Risk indicators that the constitutional check denies outright.
CRITICAL_RISKS = frozenset({"harm", "self_modification", "identity_override", "privacy_breach"})


class GuardianValidationType(enum.Enum):
    """What kind of consciousness operation is being validated."""

    CONSCIOUSNESS_STATE_TRANSITION = "consciousness_state_transition"
    REFLECTION_ANALYSIS = "reflection_analysis"
    CREATIVE_GENERATION = "creative_generation"
    DECISION_MAKING = "decision_making"
    AWARENESS_PROCESSING = "awareness_processing"
    MEMORY_ACCESS = "memory_access"
    DREAM_SIMULATION = "dream_simulation"
    SAFETY_CHECK = "safety_check"


class ValidationResult(enum.Enum):
    """The guardian's verdict."""

    APPROVED = "approved"
    DENIED = "denied"
    ERROR = "error"


@runtime_checkable
class GuardianSystem(Protocol):
    """What the integration needs from a guardian (``governance.guardian`` when it lands).

    ``validate_action`` receives the request as a dict (``operation_id``,
    ``validation_type``, ``tenant``, ``lane``, ``risk_indicators``, ``drift_ema``,
    ``sensitive_operation``, ``state``) and returns a bool (allowed) or a mapping
    with ``allowed`` (bool) and optionally ``reason`` and ``confidence``; it may be
    a coroutine function.
    """

    def validate_action(self, request: Mapping[str, Any]) -> Any:
        """Decide on one request."""


@runtime_checkable
class EthicsEngine(Protocol):
    """What the integration needs from an ethics engine: a score in [0, 1] per request."""

    def evaluate(self, request: Mapping[str, Any]) -> Any:
        """Score one request (1 is fully acceptable); may be a coroutine function."""


@dataclass
class GuardianValidationConfig:
    """Targets and switches of the guardian integration (see :meth:`validate`).

    Examples
    --------
    >>> GuardianValidationConfig().validate()
    []
    >>> GuardianValidationConfig(p95_target_ms=-10, drift_threshold=1.5, drift_alpha=-0.1,
    ...                          timeout_ms=100.0).validate()  # doctest: +NORMALIZE_WHITESPACE
    ['p95_target_ms must be positive', 'drift_threshold must be between 0 and 1',
     'drift_alpha must be between 0 and 1', 'timeout_ms should be >= p99_target_ms']
    """

    p95_target_ms: float = 200.0
    p99_target_ms: float = 250.0
    timeout_ms: float = 250.0
    drift_threshold: float = 0.15
    drift_alpha: float = 0.3
    fail_closed_on_error: bool = True
    gdpr_audit_enabled: bool = True
    guardian_active: bool = True
    constitutional_check_enabled: bool = True
    performance_regression_detection: bool = True
    latency_window: int = 1024

    def validate(self) -> list[str]:
        """The problems with this configuration, as messages (empty when valid)."""
        errors: list[str] = []

        def bad(x: Any) -> bool:
            return isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x)

        if bad(self.p95_target_ms) or self.p95_target_ms <= 0:
            errors.append("p95_target_ms must be positive")
        if bad(self.p99_target_ms) or self.p99_target_ms <= 0:
            errors.append("p99_target_ms must be positive")
        elif not bad(self.p95_target_ms) and self.p99_target_ms < self.p95_target_ms:
            errors.append("p99_target_ms should be >= p95_target_ms")
        if bad(self.drift_threshold) or not 0.0 <= self.drift_threshold <= 1.0:
            errors.append("drift_threshold must be between 0 and 1")
        if bad(self.drift_alpha) or not 0.0 <= self.drift_alpha <= 1.0:
            errors.append("drift_alpha must be between 0 and 1")
        if bad(self.timeout_ms) or self.timeout_ms <= 0:
            errors.append("timeout_ms must be positive")
        elif not bad(self.p99_target_ms) and self.timeout_ms < self.p99_target_ms:
            errors.append("timeout_ms should be >= p99_target_ms")
        if isinstance(self.latency_window, bool) or not isinstance(self.latency_window, int) \
                or self.latency_window < 1:
            errors.append("latency_window must be a positive int")
        return errors


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class ConsciousnessValidationContext:
    """One operation to validate: what, on which state, for whom, with what risks."""

    validation_type: GuardianValidationType = GuardianValidationType.CONSCIOUSNESS_STATE_TRANSITION
    consciousness_state: Any = None
    previous_state: Any = None
    user_id: str | None = None
    session_id: str | None = None
    tenant: str = "default"
    lane: str = "consciousness"
    sensitive_operation: bool = False
    risk_indicators: list[str] = field(default_factory=list)
    purpose: str = "consciousness_operation"
    metadata: dict[str, Any] = field(default_factory=dict)
    operation_id: str = field(default_factory=_new_id)
    correlation_id: str = field(default_factory=_new_id)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


def create_validation_context(
    validation_type: GuardianValidationType,
    consciousness_state: Any,
    user_id: str | None = None,
    session_id: str | None = None,
    sensitive_operation: bool = False,
    tenant: str = "default",
    **extra: Any,
) -> ConsciousnessValidationContext:
    """Build a :class:`ConsciousnessValidationContext` (extra keywords are its other fields).

    Examples
    --------
    >>> ctx = create_validation_context(GuardianValidationType.DECISION_MAKING, {"level": 1},
    ...                                 user_id="u1", sensitive_operation=True)
    >>> ctx.user_id, ctx.sensitive_operation, ctx.tenant
    ('u1', True, 'default')
    """
    if not isinstance(validation_type, GuardianValidationType):
        raise TypeError("`validation_type` must be a GuardianValidationType, "
                        f"got {describe(validation_type)}.")
    return ConsciousnessValidationContext(
        validation_type=validation_type, consciousness_state=consciousness_state,
        user_id=user_id, session_id=session_id, sensitive_operation=sensitive_operation,
        tenant=tenant, **extra)


@dataclass
class GuardianValidationResult:
    """The guardian's decision on one operation, with its audit trail."""

    operation_id: str
    validation_type: GuardianValidationType
    result: ValidationResult
    reason: str
    confidence: float
    validation_duration_ms: float = 0.0
    drift_score: float = 0.0
    drift_ema: float = 0.0
    risk_indicators: list[str] = field(default_factory=list)
    audit_trail: list[dict[str, Any]] = field(default_factory=list)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def is_approved(self) -> bool:
        """True exactly when the result is APPROVED."""
        return self.result is ValidationResult.APPROVED

    def add_audit_entry(self, name: str, data: Mapping[str, Any]) -> None:
        """Append one timestamped entry to the audit trail."""
        self.audit_trail.append({"event": name, "timestamp": datetime.now(UTC),
                                 "data": dict(data)})


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class ConsciousnessGuardianIntegration:
    """Validates consciousness operations against the guardian (see the module notes).

    Parameters
    ----------
    config : GuardianValidationConfig or None, default=None
        Defaults when None.
    guardian_system : GuardianSystem or None, default=None
        External guardian consulted after the built-in rules.
    ethics_engine : EthicsEngine or None, default=None
        External ethics scorer.

    Raises
    ------
    ValueError
        If ``config.validate()`` reports problems (all are listed).
    """

    def __init__(
        self,
        config: GuardianValidationConfig | None = None,
        guardian_system: GuardianSystem | None = None,
        ethics_engine: EthicsEngine | None = None,
    ) -> None:
        cfg = GuardianValidationConfig() if config is None else config
        if not isinstance(cfg, GuardianValidationConfig):
            raise TypeError(f"`config` must be a GuardianValidationConfig, got {describe(cfg)}.")
        errors = cfg.validate()
        if errors:
            raise ValueError(f"invalid GuardianValidationConfig: {'; '.join(errors)}.")
        for name, obj, method in (("guardian_system", guardian_system, "validate_action"),
                                  ("ethics_engine", ethics_engine, "evaluate")):
            if obj is not None and not callable(getattr(obj, method, None)):
                raise TypeError(f"`{name}` must have a `{method}` method, got {describe(obj)}.")
        self.config = cfg
        self.guardian_system = guardian_system
        self.ethics_engine = ethics_engine
        self._latencies = RingBuffer(cfg.latency_window)
        self._baseline_p95: float | None = None
        self._previous: dict[str, dict[str, float]] = {}
        self._drift_ema: dict[str, float] = {}
        self._counts: Counter[str] = Counter()
        self._by_type: Counter[str] = Counter()

    # ------------------------------------------------------------------ core
    def _request(self, ctx: ConsciousnessValidationContext, drift_ema: float) -> dict[str, Any]:
        return {"operation_id": ctx.operation_id, "validation_type": ctx.validation_type.value,
                "tenant": ctx.tenant, "lane": ctx.lane,
                "risk_indicators": list(ctx.risk_indicators),
                "drift_ema": drift_ema, "sensitive_operation": ctx.sensitive_operation,
                "state": ctx.consciousness_state}

    async def _decide(
        self, ctx: ConsciousnessValidationContext, res: GuardianValidationResult,
        features: dict[str, float],
    ) -> None:
        cfg = self.config
        risks = list(dict.fromkeys(ctx.risk_indicators))
        if res.drift_ema > cfg.drift_threshold:
            risks.append("drift_exceeded")
        res.risk_indicators = risks
        denials: list[str] = []
        if cfg.constitutional_check_enabled:
            critical = sorted(CRITICAL_RISKS.intersection(risks))
            if critical:
                denials.append(f"critical risk indicator(s) {critical}")
            if ctx.sensitive_operation and not ctx.user_id:
                denials.append("sensitive operation without an accountable user")
            if res.drift_ema > 2.0 * cfg.drift_threshold:
                denials.append(f"drift EMA {res.drift_ema:.3f} beyond twice the threshold")
            res.add_audit_entry("constitutional_check", {"denials": list(denials)})
        confidence = 1.0 - 0.5 * min(1.0, res.drift_ema / max(cfg.drift_threshold, 1e-12)) \
            - 0.1 * len(risks)
        request = self._request(ctx, res.drift_ema)
        if self.guardian_system is not None:
            verdict = await _resolve(self.guardian_system.validate_action(request))
            allowed, reason, conf = _read_verdict(verdict)
            res.add_audit_entry("guardian_system", {"allowed": allowed, "reason": reason})
            if not allowed:
                denials.append(f"guardian: {reason or 'denied'}")
            if conf is not None:
                confidence = min(confidence, conf)
        if self.ethics_engine is not None:
            score = await _resolve(self.ethics_engine.evaluate(request))
            if isinstance(score, bool) or not isinstance(score, (int, float)) \
                    or not 0.0 <= score <= 1.0:
                raise TypeError(f"the ethics engine must return a score in [0, 1], "
                                f"got {describe(score)}.")
            res.add_audit_entry("ethics_engine", {"score": float(score)})
            if score < 0.5:
                denials.append(f"ethics score {float(score):.2f} below 0.5")
            confidence = min(confidence, float(score))
        if denials:
            res.result, res.reason = ValidationResult.DENIED, "; ".join(denials)
            res.confidence = max(0.5, 1.0 - 0.5 * max(0.0, confidence))
        else:
            res.result, res.reason = ValidationResult.APPROVED, "within constitutional bounds"
            res.confidence = max(0.0, min(1.0, confidence))

    async def validate(self, context: ConsciousnessValidationContext) -> GuardianValidationResult:
        """Validate one operation (the algorithm of the module notes).

        Parameters
        ----------
        context : ConsciousnessValidationContext

        Returns
        -------
        result : GuardianValidationResult
            With ``validation_duration_ms`` measured and the audit trail filled.
        """
        if not isinstance(context, ConsciousnessValidationContext):
            raise TypeError("`context` must be a ConsciousnessValidationContext, "
                            f"got {describe(context)}.")
        start = time.perf_counter()
        cfg = self.config
        res = GuardianValidationResult(context.operation_id, context.validation_type,
                                       ValidationResult.ERROR, "", 0.0)
        if cfg.gdpr_audit_enabled:
            res.add_audit_entry("request", {
                "correlation_id": context.correlation_id, "tenant": context.tenant,
                "lane": context.lane, "subject": _pseudonym(context.user_id),
                "purpose": context.purpose, "validation_type": context.validation_type.value,
                "lawful_basis": "legitimate_interest"})
        try:
            if not cfg.guardian_active:
                res.result, res.reason, res.confidence = (
                    ValidationResult.APPROVED, "guardian inactive: not checked", 0.0)
            else:
                features = state_features(context.consciousness_state)
                bad = sorted(k for k, v in features.items() if not math.isfinite(v))
                if bad:
                    raise ValueError(f"consciousness_state has non-finite values at {bad}")
                self._drift(context, features, res)
                if self.guardian_system is None and self.ethics_engine is None:
                    await self._decide(context, res, features)  # bounded, no I/O: no timer
                else:
                    await asyncio.wait_for(self._decide(context, res, features),
                                           cfg.timeout_ms / 1e3)
        except Exception as err:  # recorded, and the configured side wins
            kind = "timeout" if isinstance(err, TimeoutError) else type(err).__name__
            res.add_audit_entry("error", {"kind": kind, "message": str(err)})
            if cfg.fail_closed_on_error:
                res.result, res.reason, res.confidence = (
                    ValidationResult.ERROR, f"validation failed ({kind}): {err}", 0.0)
            else:
                res.result, res.reason, res.confidence = (
                    ValidationResult.APPROVED, f"fail-open after {kind}: {err}", 0.0)
            logger.warning("guardian validation %s: %s", context.operation_id, res.reason)
        res.validation_duration_ms = (time.perf_counter() - start) * 1e3
        self._latencies.append(res.validation_duration_ms)
        self._counts[res.result.name] += 1
        self._by_type[context.validation_type.name] += 1
        res.add_audit_entry("decision", {"result": res.result.value, "reason": res.reason,
                                         "duration_ms": res.validation_duration_ms})
        return res

    validate_consciousness_operation = validate

    def _drift(self, ctx: ConsciousnessValidationContext, features: dict[str, float],
               res: GuardianValidationResult) -> None:
        key = f"{ctx.tenant}/{ctx.session_id or _pseudonym(ctx.user_id) or '-'}"
        before = (state_features(ctx.previous_state) if ctx.previous_state is not None
                  else self._previous.get(key))
        if before is not None and any(not math.isfinite(v) for v in before.values()):
            raise ValueError("previous_state has non-finite values")
        drift = 0.0 if before is None else state_distance(before, features)
        alpha = self.config.drift_alpha
        ema = alpha * drift + (1.0 - alpha) * self._drift_ema.get(key, 0.0)
        self._drift_ema[key] = ema
        self._previous[key] = features
        res.drift_score, res.drift_ema = drift, ema
        res.add_audit_entry("drift", {"score": drift, "ema": ema, "session": key})

    async def validate_state_transition(
        self, from_state: Any, to_state: Any, *, user_id: str | None = None,
        session_id: str | None = None, tenant: str = "default",
        sensitive_operation: bool = False, risk_indicators: list[str] | None = None,
    ) -> GuardianValidationResult:
        """Validate the state transition ``from_state -> to_state``."""
        ctx = ConsciousnessValidationContext(
            consciousness_state=to_state, previous_state=from_state, user_id=user_id,
            session_id=session_id, tenant=tenant, sensitive_operation=sensitive_operation,
            risk_indicators=list(risk_indicators or []))
        return await self.validate(ctx)

    # ------------------------------------------------------------------ reporting
    def latency_percentiles(self) -> dict[str, float]:
        """p50, p95 and p99 of the validation latencies in the window (ms; 0 when empty)."""
        data = self._latencies.to_array()
        if data.size == 0:
            return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
        p50, p95, p99 = np.percentile(data, [50.0, 95.0, 99.0])
        return {"p50": float(p50), "p95": float(p95), "p99": float(p99)}

    def get_performance_stats(self) -> dict[str, Any]:
        """Counts per result and type, approval rate, latency percentiles against targets.

        ``performance_alert`` is True when p95 is above ``p95_target_ms``;
        ``regression_detected`` (with ``performance_regression_detection``) when p95
        has grown by over 50 % since the first full window.
        """
        cfg = self.config
        total = sum(self._counts.values())
        pct = self.latency_percentiles()
        if self._latencies.full and self._baseline_p95 is None:
            self._baseline_p95 = pct["p95"]
        regression = (cfg.performance_regression_detection and self._baseline_p95 is not None
                      and pct["p95"] > 1.5 * self._baseline_p95 > 0.0)
        return {
            "total_validations": total,
            "results": {r.name: self._counts.get(r.name, 0) for r in ValidationResult},
            "by_type": dict(self._by_type),
            "approval_rate": self._counts.get("APPROVED", 0) / total if total else 0.0,
            "latency_ms": pct, "window": len(self._latencies),
            "p95_target_ms": cfg.p95_target_ms, "p99_target_ms": cfg.p99_target_ms,
            "performance_alert": pct["p95"] > cfg.p95_target_ms,
            "p99_within_target": pct["p99"] <= cfg.p99_target_ms,
            "regression_detected": bool(regression),
            "drift_ema": dict(self._drift_ema),
        }

    def reset(self, *, window: int | None = None) -> None:
        """Forget latencies, counts and drift state (optionally with a new window size)."""
        size = self.config.latency_window if window is None else check_int("window", window, low=1)
        self._latencies = RingBuffer(size)
        self._baseline_p95 = None
        self._previous.clear()
        self._drift_ema.clear()
        self._counts.clear()
        self._by_type.clear()


def _pseudonym(user_id: str | None) -> str | None:
    """A stable pseudonym for a user id (SHA-256, 16 hex digits), never the id itself."""
    return None if user_id is None else hashlib.sha256(str(user_id).encode()).hexdigest()[:16]


def _read_verdict(verdict: Any) -> tuple[bool, str, float | None]:
    if isinstance(verdict, bool):
        return verdict, "", None
    if isinstance(verdict, Mapping) and isinstance(verdict.get("allowed"), bool):
        conf = verdict.get("confidence")
        value = float(conf) if isinstance(conf, (int, float)) and not isinstance(
            conf, bool) else None
        return verdict["allowed"], str(verdict.get("reason", "")), value
    raise TypeError("the guardian must return a bool or a mapping with a bool 'allowed', "
                    f"got {describe(verdict)}.")

