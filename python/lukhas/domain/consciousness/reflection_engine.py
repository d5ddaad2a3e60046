"""Self-reflection over consciousness state trajectories: coherence, drift, alignment, anomalies.

Each :meth:`ReflectionEngine.reflect` call turns the state into its numeric fields
(:func:`~lukhas.domain.consciousness._state.state_features`) and measures:

* **Coherence** in [0, 1] (:meth:`ReflectionEngine._analyze_state_coherence`): the
  weighted mean of *internal* consistency (unit-interval fields such as ``level``
  and ``awareness_level`` inside [0, 1] and agreeing with each other:
  ``(1 - out_of_range) * (1 - min(1, 2 * std))``), *temporal* consistency
  (``1 -`` the normalised distance to the mean of the last
  ``state_stability_window`` states) and, when an awareness snapshot is given, its
  agreement with the state on shared fields.
* **Drift**: ``state_delta_magnitude`` is the L2 norm of the change since the last
  state; ``drift_ema`` the EMA (``drift_alpha``) of the normalised distance, and an
  ADWIN detector (:mod:`lukhas.core.drift`) flags change points in it.
* **Alignment** with stated goals (:meth:`ReflectionEngine.set_goals`: field ->
  target) as ``1 -`` the mean absolute gap.
* **Anomalies** (low coherence, high drift, drift change point, out-of-range
  fields, goal gaps, latency above target, a guardian denial) and
  **recommendations**, each with the evidence that triggered it.

Failures are contained: an exception gives an ``"error"`` report with coherence
0; ``max_consecutive_errors`` errors in a row switch on fail-safe mode, in which
reports are fixed (``"fail_safe"``, coherence 0.5, 1 ms) and every tenth call
tries a real reflection, whose success switches fail-safe off again.

Examples
--------
>>> import asyncio
>>> engine = ReflectionEngine()
>>> first = asyncio.run(engine.reflect({"level": 0.8, "awareness_level": 0.8}))
>>> first.processing_stage, first.drift_ema, first.coherence_score > 0.9
('completed', 0.0, True)
>>> later = asyncio.run(engine.reflect({"level": 0.6, "awareness_level": 0.7}))
>>> later.drift_ema > 0 and later.state_delta_magnitude > 0
True
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lukhas._validation import check_real, describe
from lukhas.domain.consciousness._state import state_distance, state_features, state_level
from lukhas.domain.consciousness.guardian_integration import (
    ConsciousnessGuardianIntegration,
    GuardianValidationType,
    create_validation_context,
)
from lukhas.services.drift import ADWIN

__all__ = ["ReflectionConfig", "ReflectionEngine", "ReflectionReport"]

logger = logging.getLogger(__name__)

_UNIT_HINTS = ("level", "awareness", "confidence", "coherence", "clarity", "focus",
               "attention", "stability", "certainty", "intensity")
_HISTORY = 100
_KEEP = 1000  # latencies and coherence scores kept for the statistics


@dataclass
class ReflectionConfig:
    """Settings of :class:`ReflectionEngine` (``validate()`` lists the problems).

    Examples
    --------
    >>> ReflectionConfig().validate()
    []
    >>> ReflectionConfig(drift_alpha=-0.1, state_stability_window=0).validate()
    ['drift_alpha must be between 0 and 1', 'state_stability_window must be >= 1']
    """

    p95_target_ms: float = 10.0
    coherence_threshold: float = 0.6
    drift_alpha: float = 0.3
    drift_threshold: float = 0.15
    state_stability_window: int = 10
    metrics_collection_enabled: bool = True
    memory_integration_enabled: bool = True
    guardian_validation_required: bool = True
    cv_target: float = 0.5
    max_consecutive_errors: int = 3
    goal_tolerance: float = 0.2

    def validate(self) -> list[str]:
        """Problems with these settings, as messages (empty when valid)."""
        errors: list[str] = []

        def num(x: Any) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool) and not math.isnan(x)

        if not num(self.p95_target_ms) or self.p95_target_ms <= 0:
            errors.append("p95_target_ms must be positive")
        if not num(self.coherence_threshold) or not 0 <= self.coherence_threshold <= 1:
            errors.append("coherence_threshold must be between 0 and 1")
        if not num(self.drift_alpha) or not 0 <= self.drift_alpha <= 1:
            errors.append("drift_alpha must be between 0 and 1")
        if not num(self.drift_threshold) or not 0 <= self.drift_threshold <= 1:
            errors.append("drift_threshold must be between 0 and 1")
        for name in ("state_stability_window", "max_consecutive_errors"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                errors.append(f"{name} must be >= 1")
        if not num(self.cv_target) or self.cv_target < 0:
            errors.append("cv_target must be >= 0")
        if not num(self.goal_tolerance) or not 0 <= self.goal_tolerance <= 1:
            errors.append("goal_tolerance must be between 0 and 1")
        return errors


@dataclass
class ReflectionReport:
    """One reflection: scores, drift, anomalies and recommendations with evidence."""

    coherence_score: float
    reflection_duration_ms: float
    processing_stage: str
    consciousness_level: Any
    drift_ema: float
    state_delta_magnitude: float
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    anomaly_count: int = 0
    alignment_score: float | None = None
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    coherence_components: dict[str, Any] = field(default_factory=dict)
    reflection_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


class ReflectionEngine:
    """Reflects on consciousness states (the algorithm of the module notes).

    Parameters
    ----------
    config : ReflectionConfig or None, default=None
        Defaults when None.
    guardian : ConsciousnessGuardianIntegration or None, default=None
        With ``guardian_validation_required``, each reflection is validated as a
        REFLECTION_ANALYSIS; a denial is an anomaly.
    goals : mapping of str to float or None, default=None
        Target values of state fields (see :meth:`set_goals`).

    Raises
    ------
    ValueError
        If ``config.validate()`` reports problems.
    """

    def __init__(self, config: ReflectionConfig | None = None, *,
                 guardian: ConsciousnessGuardianIntegration | None = None,
                 goals: Mapping[str, float] | None = None) -> None:
        cfg = ReflectionConfig() if config is None else config
        if not isinstance(cfg, ReflectionConfig):
            raise TypeError(f"`config` must be a ReflectionConfig or None, got {describe(cfg)}.")
        errors = cfg.validate()
        if errors:
            raise ValueError(f"invalid ReflectionConfig: {'; '.join(errors)}.")
        if guardian is not None and not isinstance(guardian, ConsciousnessGuardianIntegration):
            raise TypeError("`guardian` must be a ConsciousnessGuardianIntegration or None, "
                            f"got {describe(guardian)}.")
        self.config = cfg
        self.guardian = guardian
        self._goals: dict[str, float] = {}
        if goals is not None:
            self.set_goals(goals)
        self._state_history: list[Any] = []
        self._feature_history: list[dict[str, float]] = []
        self._operation_latencies: list[float] = []
        self._coherence_scores: list[float] = []
        self._anomaly_counts: Counter[str] = Counter()
        self._drift_ema = 0.0
        self._fail_safe_active = False
        self._consecutive_errors = 0
        self._fail_safe_calls = 0
        self._detector = ADWIN(delta=0.002, clock=1)

    def set_goals(self, goals: Mapping[str, float]) -> None:
        """Set the stated goals: state field (dotted name) -> target value."""
        if not isinstance(goals, Mapping):
            raise TypeError(f"`goals` must be a mapping of field -> target, got {describe(goals)}.")
        self._goals = {str(k): check_real(f"goals[{k!r}]", v) for k, v in goals.items()}

    # ------------------------------------------------------------------ history
    def update_state_history(self, state: Any, *, _features: dict[str, float] | None = None
                             ) -> None:
        """Append a state (newest last; the oldest beyond 100 dropped)."""
        feats = state_features(state) if _features is None else _features
        self._state_history.append(state)
        self._feature_history.append(feats)
        if len(self._state_history) > _HISTORY:
            del self._state_history[:-_HISTORY]
            del self._feature_history[:-_HISTORY]

    # ------------------------------------------------------------------ analysis
    async def _analyze_state_coherence(
        self, state: Any, awareness_snapshot: Any = None
    ) -> dict[str, Any]:
        """Coherence of `state` with itself, its recent past and the awareness snapshot.

        Returns
        -------
        analysis : dict
            ``score`` in [0, 1] and its parts: ``internal``, ``temporal`` (None
            without history), ``snapshot`` (None without a snapshot),
            ``level_spread`` and ``out_of_range`` (field names).
        """
        feats = state_features(state)
        bad = sorted(k for k, v in feats.items() if not math.isfinite(v))
        if bad:
            raise ValueError(f"the state has non-finite values at {bad}")
        units = {k: v for k, v in feats.items()
                 if any(h in k.rsplit(".", 1)[-1].lower() for h in _UNIT_HINTS)}
        outside = {k: max(0.0, -v, v - 1.0) for k, v in units.items()}
        out_of_range = sorted(k for k, d in outside.items() if d > 0)
        penalty = min(1.0, sum(outside.values()) / len(outside)) if outside else 0.0
        spread = _std(list(units.values())) if len(units) > 1 else 0.0
        internal = (1.0 - penalty) * (1.0 - min(1.0, 2.0 * spread))
        parts: list[tuple[float, float]] = [(0.5, internal)]
        window = self._feature_history[-self.config.state_stability_window:]
        temporal = None
        if window:
            keys = set().union(*window)
            n = len(window)
            mean = {k: sum(f.get(k, 0.0) for f in window) / n for k in keys}
            temporal = 1.0 - state_distance(mean, feats)
            parts.append((0.35, temporal))
        snapshot = None
        snap = state_features(awareness_snapshot) if awareness_snapshot is not None else {}
        shared = [k for k in snap if k in feats and math.isfinite(snap[k])]
        if shared:
            snapshot = 1.0 - min(1.0, sum(abs(snap[k] - feats[k]) for k in shared) / len(shared))
            parts.append((0.15, snapshot))
        total = sum(w for w, _ in parts)
        score = min(1.0, max(0.0, sum(w * s for w, s in parts) / total))
        return {"score": score, "internal": internal, "temporal": temporal,
                "snapshot": snapshot, "level_spread": spread, "out_of_range": out_of_range}

    def _alignment(self, feats: dict[str, float]) -> tuple[float | None, dict[str, float]]:
        gaps = {k: abs(feats[k] - target) for k, target in self._goals.items() if k in feats}
        if not self._goals:
            return None, gaps
        missing = [k for k in self._goals if k not in feats]
        all_gaps = list(gaps.values()) + [1.0] * len(missing)
        return 1.0 - min(1.0, sum(all_gaps) / len(all_gaps)), gaps

    async def reflect(self, state: Any, awareness_snapshot: Any = None) -> ReflectionReport:
        """Reflect on one state (see the module notes); never raises for a bad state.

        Parameters
        ----------
        state : object
            A consciousness state (dataclass, object, mapping); its ``level`` is
            reported as ``consciousness_level``.
        awareness_snapshot : object or None, default=None
            Fields it shares with the state are checked for agreement.

        Returns
        -------
        report : ReflectionReport
        """
        start = time.perf_counter()
        level = state_level(state)
        if self._fail_safe_active:
            self._fail_safe_calls += 1
            if self._fail_safe_calls % 10:
                return ReflectionReport(0.5, 1.0, "fail_safe", level, self._drift_ema, 0.0)
        try:
            report = await self._reflect(state, awareness_snapshot, level, start)
        except Exception as err:  # contained: the caller gets an error report
            self._consecutive_errors += 1
            self._anomaly_counts["reflection_error"] += 1
            if self._consecutive_errors >= self.config.max_consecutive_errors:
                if not self._fail_safe_active:
                    logger.error("reflection: %d errors in a row, fail-safe on",
                                 self._consecutive_errors)
                self._fail_safe_active = True
            anomaly = {"type": "reflection_error", "severity": "high",
                       "evidence": {"error": f"{type(err).__name__}: {err}"}}
            return ReflectionReport(0.0, (time.perf_counter() - start) * 1e3, "error", level,
                                    self._drift_ema, 0.0, [anomaly], 1)
        self._consecutive_errors = 0
        self._fail_safe_active = False
        self._fail_safe_calls = 0
        return report

    async def _reflect(self, state: Any, snapshot: Any, level: Any,
                       start: float) -> ReflectionReport:
        cfg = self.config
        analysis = await self._analyze_state_coherence(state, snapshot)
        feats = state_features(state)
        previous = self._feature_history[-1] if self._feature_history else None
        if previous is None:
            delta = distance = 0.0
        else:
            keys = previous.keys() | feats.keys()
            delta = math.sqrt(sum((feats.get(k, 0.0) - previous.get(k, 0.0)) ** 2 for k in keys))
            distance = state_distance(previous, feats)
        if previous is not None:
            self._drift_ema = cfg.drift_alpha * distance + (1 - cfg.drift_alpha) * self._drift_ema
        change_point = previous is not None and self._detector.update(distance)
        self.update_state_history(state, _features=feats)
        score = analysis["score"]
        alignment, gaps = self._alignment(feats)
        anomalies: list[dict[str, Any]] = []
        recs: list[dict[str, Any]] = []

        def flag(kind: str, severity: str, evidence: dict[str, Any], action: str) -> None:
            anomalies.append({"type": kind, "severity": severity, "evidence": evidence})
            recs.append({"action": action, "reason": kind, "evidence": evidence})

        if score < cfg.coherence_threshold:
            flag("low_coherence", "high" if score < cfg.coherence_threshold / 2 else "medium",
                 {"score": score, "threshold": cfg.coherence_threshold,
                  "internal": analysis["internal"], "temporal": analysis["temporal"]},
                 "stabilise: re-align the level fields and slow state updates")
        if analysis["out_of_range"]:
            flag("out_of_range", "medium", {"fields": analysis["out_of_range"]},
                 "clamp or re-normalise the fields outside [0, 1]")
        if self._drift_ema > cfg.drift_threshold:
            flag("high_drift", "medium", {"drift_ema": self._drift_ema,
                                          "threshold": cfg.drift_threshold},
                 "hold transitions until the drift EMA settles")
        if change_point:
            flag("drift_change_point", "low", {"distance": distance,
                                               "drift_ema": self._drift_ema},
                 "review what changed: the state's drift shifted")
        far = {k: g for k, g in gaps.items() if g > cfg.goal_tolerance}
        if far:
            flag("goal_gap", "medium", {"gaps": far, "goals": {k: self._goals[k] for k in far}},
                 "steer " + ", ".join(sorted(far)) + " toward the stated goals")
        if self.guardian is not None and cfg.guardian_validation_required:
            verdict = await self.guardian.validate(create_validation_context(
                GuardianValidationType.REFLECTION_ANALYSIS, state))
            if not verdict.is_approved():
                flag("guardian_denied", "high", {"reason": verdict.reason},
                     "pause: the guardian did not approve this state")
        elapsed = max((time.perf_counter() - start) * 1e3, 1e-6)
        if elapsed > cfg.p95_target_ms:
            flag("slow_reflection", "low", {"duration_ms": elapsed,
                                            "target_ms": cfg.p95_target_ms},
                 "reduce state_stability_window or the state's size")
        for a in anomalies:
            self._anomaly_counts[a["type"]] += 1
        if cfg.metrics_collection_enabled:
            for series, value in ((self._operation_latencies, elapsed),
                                  (self._coherence_scores, score)):
                series.append(value)
                if len(series) > 2 * _KEEP:
                    del series[:-_KEEP]
        return ReflectionReport(score, elapsed, "completed", level, self._drift_ema, delta,
                                anomalies, len(anomalies), alignment, recs, analysis)

    # ------------------------------------------------------------------ reporting
    def get_performance_stats(self) -> dict[str, Any]:
        """Latency (count, mean, p95, cv against targets), coherence and anomaly counts."""
        cfg = self.config
        base = {"fail_safe_active": self._fail_safe_active,
                "consecutive_errors": self._consecutive_errors,
                "drift_ema": self._drift_ema, "history_size": len(self._state_history)}
        if not self._operation_latencies:
            return {"no_data": True, **base, "anomalies": dict(self._anomaly_counts)}
        lat = np.asarray(self._operation_latencies)
        coh = np.asarray(self._coherence_scores)
        mean = float(lat.mean())
        cv = float(lat.std() / mean) if mean > 0 else 0.0
        p95 = float(np.percentile(lat, 95))
        return {
            "no_data": False, **base,
            "latency": {"count": int(lat.size), "mean_ms": mean,
                        "p50_ms": float(np.percentile(lat, 50)), "p95_ms": p95,
                        "p95_target_ms": cfg.p95_target_ms, "p95_within_target":
                        p95 <= cfg.p95_target_ms, "cv": cv, "cv_target": cfg.cv_target,
                        "cv_within_target": cv <= cfg.cv_target},
            "coherence": {"count": int(coh.size), "mean": float(coh.mean()),
                          "min": float(coh.min()), "last": float(coh[-1]),
                          "below_threshold": int((coh < cfg.coherence_threshold).sum())},
            "anomalies": {**self._anomaly_counts, "total": sum(self._anomaly_counts.values())},
        }

    def reset_state(self) -> _Done:
        """Empty the history, latencies and coherence scores; clear errors, fail-safe, drift.

        The reset happens at once; the return value may also be awaited (LUKHAS
        callers do both).
        """
        self._state_history.clear()
        self._feature_history.clear()
        self._operation_latencies.clear()
        self._coherence_scores.clear()
        self._anomaly_counts.clear()
        self._drift_ema = 0.0
        self._fail_safe_active = False
        self._consecutive_errors = 0
        self._fail_safe_calls = 0
        self._detector = ADWIN(delta=0.002, clock=1)
        return _Done()


def _std(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


class _Done:
    """An already finished awaitable (``await engine.reset_state()`` works too)."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return
        yield
