"""Lane policy enforcement for replays: kinds, lanes, risk, rate, budget, nonces."""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Final

from lukhas import _config
from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.services.policy_guard._replay_window import ReplayVerdict, ReplayWindow, Stamp

__all__ = [
    "DEFAULT_ALLOWED_KINDS",
    "LANE_POLICY_DEFAULTS",
    "LANE_RANK",
    "LanePolicyConfig",
    "PolicyGuard",
    "PolicyResult",
    "ReplayDecision",
    "create_policy_guard",
]

logger = logging.getLogger(__name__)

#: Event kinds a lane replays unless its configuration says otherwise.
DEFAULT_ALLOWED_KINDS: Final[frozenset[str]] = frozenset(
    {
        "consciousness_tick",
        "tick_processed",
        "stream_started",
        "stream_stopped",
        "action",
        "intention",
        "memory_write",
        "reward",
        "breakthrough",
    }
)

#: Promotion order of the lanes; an unknown lane ranks with ``experimental``.
LANE_RANK: Final[dict[str, int]] = {"experimental": 0, "candidate": 1, "prod": 2}

_RATE_WINDOW: Final[timedelta] = timedelta(seconds=60)
_STATS_WINDOW: Final[timedelta] = timedelta(seconds=300)


class PolicyResult(Enum):
    """Outcome of a replay check; every value but ``ALLOW`` is a denial."""

    ALLOW = "allow"
    DENY_RISK = "deny_risk"
    DENY_LANE = "deny_lane"
    DENY_KIND = "deny_kind"
    DENY_RATE = "deny_rate"
    DENY_BUDGET = "deny_budget"
    DENY_REPLAY = "deny_replay"


@dataclass(frozen=True, slots=True)
class ReplayDecision:
    """One policy decision, as logged.

    Attributes
    ----------
    allow : bool
        Whether the replay may proceed.
    result : PolicyResult
        The rule that decided.
    reason : str
        Human-readable explanation.
    lane : str
        The guard's lane.
    event_kind : str
        The kind of event checked.
    decision_id : uuid.UUID
        Unique id of this decision.
    timestamp : datetime
        When it was decided (timezone-aware UTC).
    """

    allow: bool
    result: PolicyResult
    reason: str
    lane: str
    event_kind: str
    decision_id: uuid.UUID
    timestamp: datetime

    def to_log_entry(self) -> dict[str, Any]:
        """Return the decision as a JSON-ready dict with exactly 7 keys.

        Returns
        -------
        entry : dict
            ``decision_id`` (str), ``timestamp`` (ISO 8601 str), ``lane``,
            ``event_kind``, ``result`` (the enum value), ``allow``, ``reason``.

        Examples
        --------
        >>> guard = PolicyGuard(lane="prod")
        >>> sorted(guard.check_replay("action").to_log_entry())
        ['allow', 'decision_id', 'event_kind', 'lane', 'reason', 'result', 'timestamp']
        """
        return {
            "decision_id": str(self.decision_id),
            "timestamp": self.timestamp.isoformat(),
            "lane": self.lane,
            "event_kind": self.event_kind,
            "result": self.result.value,
            "allow": self.allow,
            "reason": self.reason,
        }


@dataclass
class LanePolicyConfig:
    """Replay policy of one lane.

    Parameters
    ----------
    max_risk_level : float, default=1.0
        Highest risk allowed, in [0, 1].
    allowed_kinds : set of str
        Event kinds that may be replayed (default :data:`DEFAULT_ALLOWED_KINDS`).
    max_replay_rate : int, default=1000
        Allowed replays per minute, >= 0.
    replay_budget : int, default=100
        Allowed replays per ``budget_window_minutes``, >= 0.
    budget_window_minutes : float, default=5
        Length of the budget window, > 0.
    promotion_drift_threshold : float, default=0.25
        Highest smoothed drift that still allows promotion, >= 0.
    promotion_coherence_threshold : float, default=0.8
        Lowest coherence that allows promotion, in [0, 1].
    promotion_window_minutes : float, default=10
        Window over which promotion signals are averaged, > 0.
    replay_window_seconds : float, default=300.0
        How long nonces are remembered and how old a stamped replay may be.
    max_clock_skew_seconds : float, default=5.0
        How far a stamp may run ahead of the guard's clock.

    Raises
    ------
    TypeError, ValueError
        If a field has the wrong type or is out of range.

    Examples
    --------
    >>> cfg = LanePolicyConfig(max_replay_rate=3)
    >>> cfg.replay_budget, "action" in cfg.allowed_kinds
    (100, True)
    """

    max_risk_level: float = 1.0
    allowed_kinds: set[str] = field(default_factory=lambda: set(DEFAULT_ALLOWED_KINDS))
    max_replay_rate: int = 1000
    replay_budget: int = 100
    budget_window_minutes: float = 5
    promotion_drift_threshold: float = 0.25
    promotion_coherence_threshold: float = 0.8
    promotion_window_minutes: float = 10
    replay_window_seconds: float = 300.0
    max_clock_skew_seconds: float = 5.0

    def __post_init__(self) -> None:
        check_real("max_risk_level", self.max_risk_level, low=0.0, high=1.0)
        kinds: object = self.allowed_kinds
        if (
            isinstance(kinds, str)
            or not isinstance(kinds, (set, frozenset, list, tuple))
            or not all(isinstance(kind, str) for kind in kinds)
        ):
            raise TypeError(
                f"`allowed_kinds` must be a set of str, got {describe(self.allowed_kinds)}."
            )
        self.allowed_kinds = set(self.allowed_kinds)
        check_int("max_replay_rate", self.max_replay_rate, low=0)
        check_int("replay_budget", self.replay_budget, low=0)
        check_real("budget_window_minutes", self.budget_window_minutes, low=0.0,
                   low_inclusive=False)
        check_real("promotion_drift_threshold", self.promotion_drift_threshold, low=0.0)
        check_real("promotion_coherence_threshold", self.promotion_coherence_threshold,
                   low=0.0, high=1.0)
        check_real("promotion_window_minutes", self.promotion_window_minutes, low=0.0,
                   low_inclusive=False)
        check_real("replay_window_seconds", self.replay_window_seconds, low=0.0,
                   low_inclusive=False)
        check_real("max_clock_skew_seconds", self.max_clock_skew_seconds, low=0.0)


#: Default configuration per lane: stricter risk, rate and budget towards prod.
LANE_POLICY_DEFAULTS: Final[Mapping[str, LanePolicyConfig]] = {
    "experimental": LanePolicyConfig(max_risk_level=0.8, max_replay_rate=2000, replay_budget=200),
    "candidate": LanePolicyConfig(max_risk_level=0.5, max_replay_rate=1000, replay_budget=100),
    "prod": LanePolicyConfig(max_risk_level=0.2, max_replay_rate=500, replay_budget=50),
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _payload_risk(payload: Mapping[str, Any] | None) -> float:
    if not payload:
        return 0.1
    if "risk_level" in payload:
        return check_real("payload['risk_level']", payload["risk_level"])
    if "error" in payload or "exception" in payload:
        return 0.7
    if "external_action" in payload:
        return 0.6
    return 0.1


def _prune(times: deque[datetime], cutoff: datetime) -> None:
    while times and times[0] < cutoff:
        times.popleft()


class PolicyGuard:
    """Decides whether an event may be replayed into a lane.

    ``check_replay`` applies, in order, the first failing rule winning:
    event kind, lane direction (replays only flow towards stricter lanes),
    risk, nonce freshness (when a nonce is given), rate per minute, budget
    per window.  Only allowed replays consume rate and budget.

    Parameters
    ----------
    lane : str or None, default=None
        The guarded lane; ``None`` reads ``LUKHAS_LANE`` (default
        ``"experimental"``).  Lowercased.
    custom_config : dict of str to LanePolicyConfig or None, default=None
        Replaces the per-lane defaults entirely.
    clock : callable returning datetime or None, default=None
        Source of timezone-aware "now" (tests inject a fake one); defaults to
        ``datetime.now(timezone.utc)``.
    max_log_entries : int, default=10_000
        Most decisions kept in the log (oldest dropped first).

    Attributes
    ----------
    lane : str
    config : LanePolicyConfig
        The lane's configuration (the default experimental one for a lane
        missing from the configs).

    Examples
    --------
    >>> guard = PolicyGuard(lane="candidate")
    >>> guard.check_replay("action", risk_level=0.3).result
    <PolicyResult.ALLOW: 'allow'>
    >>> guard.check_replay("action", risk_level=0.6).result
    <PolicyResult.DENY_RISK: 'deny_risk'>
    >>> guard.check_replay("action", source_lane="prod").result
    <PolicyResult.DENY_LANE: 'deny_lane'>
    """

    def __init__(
        self,
        lane: str | None = None,
        custom_config: Mapping[str, LanePolicyConfig] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        max_log_entries: int = 10_000,
    ) -> None:
        if lane is not None and not isinstance(lane, str):
            raise TypeError(f"`lane` must be a str or None, got {describe(lane)}.")
        resolved = lane if lane else _config.lane()
        self.lane: str = resolved.lower()
        configs = LANE_POLICY_DEFAULTS if custom_config is None else custom_config
        for name, cfg in configs.items():
            if not isinstance(cfg, LanePolicyConfig):
                raise TypeError(
                    f"`custom_config[{name!r}]` must be a LanePolicyConfig, got {describe(cfg)}."
                )
        # Private copies: mutating one guard's config never leaks into another guard.
        self._configs: dict[str, LanePolicyConfig] = {
            name: replace(cfg, allowed_kinds=set(cfg.allowed_kinds))
            for name, cfg in configs.items()
        }
        fallback = self._configs.get("experimental") or replace(
            LANE_POLICY_DEFAULTS["experimental"],
            allowed_kinds=set(DEFAULT_ALLOWED_KINDS),
        )
        self.config: LanePolicyConfig = self._configs.get(self.lane, fallback)
        self._clock = clock or _utc_now
        self._log: deque[ReplayDecision] = deque(
            maxlen=check_int("max_log_entries", max_log_entries, low=1)
        )
        self._rate_times: deque[datetime] = deque()
        self._budget_times: deque[datetime] = deque()
        self._nonces = ReplayWindow(
            self.config.replay_window_seconds, max_skew=self.config.max_clock_skew_seconds
        )
        self._promotion_signals: deque[tuple[datetime, float, float]] = deque()

    # -- decisions -------------------------------------------------------------------
    def _now(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise TypeError(f"`clock` must return a timezone-aware datetime, got {describe(now)}.")
        return now

    def check_replay(
        self,
        event_kind: str,
        payload: Mapping[str, Any] | None = None,
        risk_level: float | None = None,
        source_lane: str | None = None,
        *,
        nonce: str | bytes | int | None = None,
        stamp: Stamp | None = None,
    ) -> ReplayDecision:
        """Decide whether one event may be replayed, and log the decision.

        Parameters
        ----------
        event_kind : str
            Kind of the event.
        payload : mapping or None, default=None
            Event payload; supplies the risk when ``risk_level`` is None:
            ``payload["risk_level"]``, else 0.7 with an ``"error"`` or
            ``"exception"`` key, else 0.6 with ``"external_action"``, else 0.1.
        risk_level : float or None, default=None
            Explicit risk in [0, 1].
        source_lane : str or None, default=None
            Lane the event comes from; it may not be stricter than this lane.
        nonce : str or bytes or int or None, default=None
            Unique id of the replayed message; enables replay detection.
        stamp : datetime or int or HLCStampLike or None, default=None
            When the message was stamped (a packed HLC stamp or an aware
            datetime); defaults to now.

        Returns
        -------
        decision : ReplayDecision

        Raises
        ------
        TypeError, ValueError
            For malformed arguments (a wrong type, a risk outside [0, 1], a
            naive datetime).  Policy denials never raise.

        Examples
        --------
        >>> guard = PolicyGuard(lane="experimental")
        >>> guard.check_replay("action", nonce="m-1").allow
        True
        >>> d = guard.check_replay("action", nonce="m-1")
        >>> d.result, d.reason
        (<PolicyResult.DENY_REPLAY: 'deny_replay'>, "nonce 'm-1' was already replayed")
        """
        check_str("event_kind", event_kind)
        check_str("source_lane", source_lane, allow_none=True)
        if payload is not None and not isinstance(payload, Mapping):
            raise TypeError(f"`payload` must be a mapping or None, got {describe(payload)}.")
        risk = (
            _payload_risk(payload)
            if risk_level is None
            else check_real("risk_level", risk_level, low=0.0, high=1.0)
        )
        now = self._now()
        cfg = self.config
        _prune(self._rate_times, now - _RATE_WINDOW)
        _prune(self._budget_times, now - timedelta(minutes=cfg.budget_window_minutes))

        result, reason = PolicyResult.ALLOW, "allowed"
        verdict = ReplayVerdict.FRESH
        if nonce is not None:
            verdict = self._nonces.check(nonce, now if stamp is None else stamp, now=now)
        if event_kind not in cfg.allowed_kinds:
            result, reason = PolicyResult.DENY_KIND, f"event kind {event_kind!r} is not allowed"
        elif source_lane is not None and source_lane.lower() != self.lane and (
            LANE_RANK.get(source_lane.lower(), 0) > LANE_RANK.get(self.lane, 0)
        ):
            result = PolicyResult.DENY_LANE
            reason = f"replay from lane {source_lane!r} into less strict lane {self.lane!r}"
        elif risk > cfg.max_risk_level:
            result = PolicyResult.DENY_RISK
            reason = f"risk {risk:.3g} exceeds the lane maximum {cfg.max_risk_level:.3g}"
        elif verdict is not ReplayVerdict.FRESH:
            result = PolicyResult.DENY_REPLAY
            reason = {
                ReplayVerdict.DUPLICATE: f"nonce {nonce!r} was already replayed",
                ReplayVerdict.STALE: f"stamp of nonce {nonce!r} is outside the replay window",
                ReplayVerdict.FUTURE: f"stamp of nonce {nonce!r} is ahead of the guard's clock",
            }[verdict]
        elif len(self._rate_times) >= cfg.max_replay_rate:
            result = PolicyResult.DENY_RATE
            reason = f"rate limit of {cfg.max_replay_rate} replays per minute reached"
        elif len(self._budget_times) >= cfg.replay_budget:
            result = PolicyResult.DENY_BUDGET
            reason = (
                f"budget of {cfg.replay_budget} replays per "
                f"{cfg.budget_window_minutes:g} minutes used up"
            )

        allow = result is PolicyResult.ALLOW
        if allow:
            self._rate_times.append(now)
            self._budget_times.append(now)
            if nonce is not None:
                self._nonces.record(nonce, now if stamp is None else stamp, now=now)
        else:
            logger.debug("lane %s denied %s: %s", self.lane, event_kind, reason)
        decision = ReplayDecision(
            allow=allow,
            result=result,
            reason=reason,
            lane=self.lane,
            event_kind=event_kind,
            decision_id=uuid.uuid4(),
            timestamp=now,
        )
        self._log.append(decision)
        return decision

    # -- introspection ---------------------------------------------------------------
    def get_decision_log(self, limit: int | None = None) -> list[ReplayDecision]:
        """Return logged decisions, oldest first (a copy).

        Parameters
        ----------
        limit : int or None, default=None
            Return only the newest ``limit`` decisions.

        Returns
        -------
        decisions : list of ReplayDecision

        Examples
        --------
        >>> guard = PolicyGuard(lane="prod")
        >>> _ = guard.check_replay("action"); _ = guard.check_replay("nope")
        >>> [d.result.value for d in guard.get_decision_log(limit=1)]
        ['deny_kind']
        """
        decisions = list(self._log)
        if limit is None:
            return decisions
        count = check_int("limit", limit, low=0)
        return decisions[len(decisions) - count :] if count else []

    def get_policy_stats(self) -> dict[str, Any]:
        """Summarise recent decisions and the lane's capacities.

        Returns
        -------
        stats : dict
            Exactly ``lane``, ``total_decisions``, ``recent_decisions_5min``,
            ``recent_allows``, ``recent_denies`` (the last 300 s),
            ``current_budget_usage``, ``budget_capacity``,
            ``rate_limit_capacity``, ``max_risk_threshold`` and
            ``allowed_kinds`` (a sorted list).

        Examples
        --------
        >>> guard = PolicyGuard(lane="candidate")
        >>> _ = guard.check_replay("reward")
        >>> s = guard.get_policy_stats()
        >>> s["recent_allows"], s["current_budget_usage"], s["budget_capacity"]
        (1, 1, 100)
        """
        now = self._now()
        cutoff = now - _STATS_WINDOW
        recent = [d for d in self._log if d.timestamp >= cutoff]
        allows = sum(1 for d in recent if d.allow)
        _prune(self._budget_times, now - timedelta(minutes=self.config.budget_window_minutes))
        return {
            "lane": self.lane,
            "total_decisions": len(self._log),
            "recent_decisions_5min": len(recent),
            "recent_allows": allows,
            "recent_denies": len(recent) - allows,
            "current_budget_usage": len(self._budget_times),
            "budget_capacity": self.config.replay_budget,
            "rate_limit_capacity": self.config.max_replay_rate,
            "max_risk_threshold": self.config.max_risk_level,
            "allowed_kinds": sorted(self.config.allowed_kinds),
        }

    # -- promotion -------------------------------------------------------------------
    def record_promotion_signal(self, drift: float, coherence: float) -> None:
        """Record one observation of the lane's drift and coherence.

        Parameters
        ----------
        drift : float
            Smoothed drift (e.g. :attr:`lukhas.services.drift.DriftMonitor.ema`), >= 0.
        coherence : float
            Coherence score in [0, 1].

        Raises
        ------
        TypeError, ValueError
            If either value is not a finite number in range.

        Examples
        --------
        >>> guard = PolicyGuard(lane="candidate")
        >>> guard.record_promotion_signal(0.1, 0.9)
        >>> guard.get_promotion_stats()["eligible"]
        True
        """
        d = check_real("drift", drift, low=0.0)
        c = check_real("coherence", coherence, low=0.0, high=1.0)
        self._promotion_signals.append((self._now(), d, c))

    def get_promotion_stats(self) -> dict[str, Any]:
        """Whether the lane's recent signals allow promoting it.

        Returns
        -------
        stats : dict
            ``lane``, ``samples`` (signals in the promotion window),
            ``mean_drift`` and ``mean_coherence`` (None without samples), the
            two thresholds, ``window_minutes`` and ``eligible``: mean drift at
            most the drift threshold and mean coherence at least the coherence
            threshold.

        Examples
        --------
        >>> PolicyGuard(lane="prod").get_promotion_stats()["eligible"]
        False
        """
        now = self._now()
        cfg = self.config
        cutoff = now - timedelta(minutes=cfg.promotion_window_minutes)
        while self._promotion_signals and self._promotion_signals[0][0] < cutoff:
            self._promotion_signals.popleft()
        n = len(self._promotion_signals)
        mean_drift = sum(s[1] for s in self._promotion_signals) / n if n else None
        mean_coherence = sum(s[2] for s in self._promotion_signals) / n if n else None
        eligible = (
            mean_drift is not None
            and mean_coherence is not None
            and mean_drift <= cfg.promotion_drift_threshold
            and mean_coherence >= cfg.promotion_coherence_threshold
        )
        return {
            "lane": self.lane,
            "samples": n,
            "mean_drift": mean_drift,
            "mean_coherence": mean_coherence,
            "drift_threshold": cfg.promotion_drift_threshold,
            "coherence_threshold": cfg.promotion_coherence_threshold,
            "window_minutes": cfg.promotion_window_minutes,
            "eligible": eligible,
        }

    def reset_stats(self) -> None:
        """Clear the decision log, rate and budget usage, nonces and promotion signals.

        Examples
        --------
        >>> guard = PolicyGuard()
        >>> _ = guard.check_replay("action")
        >>> guard.reset_stats()
        >>> guard.get_policy_stats()["total_decisions"]
        0
        """
        self._log.clear()
        self._rate_times.clear()
        self._budget_times.clear()
        self._nonces.clear()
        self._promotion_signals.clear()

    def __repr__(self) -> str:
        return f"PolicyGuard(lane={self.lane!r}, decisions={len(self._log)})"


def create_policy_guard(lane: str | None = None, **overrides: Any) -> PolicyGuard:
    """Build a :class:`PolicyGuard`, optionally overriding fields of the lane's config.

    Parameters
    ----------
    lane : str or None, default=None
        The lane (``None`` reads ``LUKHAS_LANE``).
    **overrides
        :class:`LanePolicyConfig` fields to change for this lane, plus the
        guard's keyword arguments ``clock`` and ``max_log_entries``.

    Returns
    -------
    guard : PolicyGuard

    Raises
    ------
    TypeError
        If an override names no config field.

    Examples
    --------
    >>> create_policy_guard(lane="candidate").lane
    'candidate'
    >>> create_policy_guard(lane="prod", replay_budget=2).config.replay_budget
    2
    """
    guard_kwargs = {k: overrides.pop(k) for k in ("clock", "max_log_entries") if k in overrides}
    if not overrides:
        return PolicyGuard(lane, **guard_kwargs)
    resolved = (lane if lane else _config.lane()).lower()
    base = LANE_POLICY_DEFAULTS.get(resolved, LANE_POLICY_DEFAULTS["experimental"])
    fields = {"allowed_kinds": set(base.allowed_kinds), **overrides}
    try:
        cfg = replace(base, **fields)
    except TypeError as err:
        raise TypeError(f"create_policy_guard: unknown override in {sorted(overrides)}.") from err
    return PolicyGuard(resolved, {**LANE_POLICY_DEFAULTS, resolved: cfg}, **guard_kwargs)
