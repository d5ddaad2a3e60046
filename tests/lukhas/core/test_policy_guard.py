"""PolicyGuard: the LUKHAS policy-guard contract (R1-R19) plus rate/budget windows."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lukhas.core.policy_guard import (
    LANE_POLICY_DEFAULTS,
    LanePolicyConfig,
    PolicyGuard,
    PolicyResult,
    ReplayDecision,
    create_policy_guard,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _no_lane_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUKHAS_LANE", raising=False)


def test_lane_defaults(monkeypatch: pytest.MonkeyPatch) -> None:  # R1, R17
    monkeypatch.setenv("LUKHAS_LANE", "experimental")
    g = PolicyGuard()
    assert g.lane == "experimental"
    assert (g.config.max_risk_level, g.config.max_replay_rate) == (0.8, 2000)
    g = PolicyGuard(lane="prod")
    assert (g.config.max_risk_level, g.config.max_replay_rate, g.config.replay_budget) == (
        0.2, 500, 50)
    monkeypatch.setenv("LUKHAS_LANE", "candidate")
    assert PolicyGuard().lane == "candidate"
    monkeypatch.setenv("LUKHAS_LANE", "PROD")
    assert PolicyGuard().lane == "prod"
    monkeypatch.delenv("LUKHAS_LANE")
    assert PolicyGuard().lane == "experimental"


def test_config_defaults() -> None:
    cfg = LanePolicyConfig()
    assert cfg.max_risk_level == 1.0 and cfg.max_replay_rate == 1000
    assert (cfg.replay_budget, cfg.budget_window_minutes) == (100, 5)
    assert (cfg.promotion_drift_threshold, cfg.promotion_coherence_threshold,
            cfg.promotion_window_minutes) == (0.25, 0.8, 10)
    assert cfg.allowed_kinds == {
        "consciousness_tick", "tick_processed", "stream_started", "stream_stopped", "action",
        "intention", "memory_write", "reward", "breakthrough"}
    assert LANE_POLICY_DEFAULTS["candidate"].max_risk_level == 0.5
    assert LANE_POLICY_DEFAULTS["candidate"].replay_budget == 100


@pytest.mark.parametrize(
    "kind", ["consciousness_tick", "action", "intention", "memory_write", "reward", "breakthrough"]
)
def test_allowed_kinds(kind: str) -> None:  # R2
    d = PolicyGuard(lane="experimental").check_replay(kind)
    assert d.allow is True and d.result is PolicyResult.ALLOW


def test_unknown_kind_denied() -> None:  # R2
    d = PolicyGuard(lane="experimental").check_replay("malicious_action")
    assert d.allow is False and d.result is PolicyResult.DENY_KIND
    assert "not allowed" in d.reason


@pytest.mark.parametrize(
    ("lane", "risk", "allowed"),
    [("experimental", 0.7, True), ("experimental", 0.9, False), ("prod", 0.1, True),
     ("prod", 0.3, False)],
)
def test_risk_thresholds(lane: str, risk: float, allowed: bool) -> None:  # R3
    d = PolicyGuard(lane=lane).check_replay("action", risk_level=risk)
    assert d.allow is allowed
    assert d.result is (PolicyResult.ALLOW if allowed else PolicyResult.DENY_RISK)


def test_risk_equal_to_maximum_is_allowed() -> None:
    assert PolicyGuard(lane="candidate").check_replay("action", risk_level=0.5).allow


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [("experimental", "candidate", True), ("candidate", "experimental", False),
     ("prod", "candidate", False), ("candidate", "prod", True), ("mystery", "experimental", True),
     ("candidate", "candidate", True), ("CANDIDATE", "prod", True)],
)
def test_cross_lane(source: str, target: str, allowed: bool) -> None:  # R4, R19
    d = PolicyGuard(lane=target).check_replay("action", risk_level=0.1, source_lane=source)
    assert d.allow is allowed
    assert d.result is (PolicyResult.ALLOW if allowed else PolicyResult.DENY_LANE)


@pytest.mark.parametrize(
    "payload", [{"risk_level": 0.5}, {"error": "boom"}, {"external_action": True},
                {"normal_data": 1}, {}, None],
)
def test_payload_risk_allowed_in_experimental(payload: dict[str, object] | None) -> None:  # R5
    assert PolicyGuard(lane="experimental").check_replay("action", payload=payload).allow


@pytest.mark.parametrize(
    ("payload", "lane", "allowed"),
    [({"exception": "x"}, "candidate", False), ({"external_action": 1}, "candidate", False),
     ({"external_action": 1}, "experimental", True), ({"risk_level": "0.9"}, "prod", None)],
)
def test_payload_risk_values(payload: dict[str, object], lane: str, allowed: bool | None) -> None:
    guard = PolicyGuard(lane=lane)
    if allowed is None:
        with pytest.raises(TypeError, match="risk_level"):
            guard.check_replay("action", payload=payload)
    else:
        assert guard.check_replay("action", payload=payload).allow is allowed


def test_explicit_risk_wins_over_payload() -> None:
    d = PolicyGuard(lane="prod").check_replay("action", {"error": 1}, risk_level=0.1)
    assert d.allow


def test_rate_limit() -> None:  # R6
    clock = FakeClock()
    cfg = {"experimental": LanePolicyConfig(max_replay_rate=3, replay_budget=100)}
    guard = PolicyGuard(lane="experimental", custom_config=cfg, clock=clock)
    results = [guard.check_replay("action").result for _ in range(4)]
    assert results == [PolicyResult.ALLOW] * 3 + [PolicyResult.DENY_RATE]
    clock.advance(59)
    assert guard.check_replay("action").result is PolicyResult.DENY_RATE
    clock.advance(2)  # the first three are now older than 60 s
    assert guard.check_replay("action").result is PolicyResult.ALLOW


def test_budget() -> None:  # R7
    clock = FakeClock()
    cfg = {"experimental": LanePolicyConfig(replay_budget=2, budget_window_minutes=5,
                                            max_replay_rate=1000)}
    guard = PolicyGuard(custom_config=cfg, clock=clock)
    results = [guard.check_replay("action").result for _ in range(3)]
    assert results == [PolicyResult.ALLOW, PolicyResult.ALLOW, PolicyResult.DENY_BUDGET]
    clock.advance(4 * 60)
    assert guard.check_replay("action").result is PolicyResult.DENY_BUDGET
    clock.advance(61)
    assert guard.check_replay("action").result is PolicyResult.ALLOW
    assert guard.get_policy_stats()["current_budget_usage"] == 1


def test_denials_consume_neither_rate_nor_budget() -> None:  # R18
    cfg = {"experimental": LanePolicyConfig(max_risk_level=0.5, max_replay_rate=2, replay_budget=2)}
    guard = PolicyGuard(custom_config=cfg)
    for _ in range(5):
        guard.check_replay("bogus")
        guard.check_replay("action", risk_level=0.99)
    assert guard.get_policy_stats()["current_budget_usage"] == 0
    assert guard.check_replay("action").allow and guard.check_replay("action").allow


def test_decision_log_and_entries() -> None:  # R8
    guard = PolicyGuard(lane="experimental")
    guard.check_replay("action")
    guard.check_replay("malicious_action")
    log = guard.get_decision_log()
    assert [(d.allow, d.result) for d in log] == [
        (True, PolicyResult.ALLOW), (False, PolicyResult.DENY_KIND)]
    entry = log[1].to_log_entry()
    assert set(entry) == {"decision_id", "timestamp", "lane", "event_kind", "result", "allow",
                          "reason"}
    assert entry["result"] == "deny_kind" and entry["allow"] is False
    assert uuid.UUID(entry["decision_id"]) == log[1].decision_id
    assert datetime.fromisoformat(entry["timestamp"]) == log[1].timestamp
    log.clear()
    assert len(guard.get_decision_log()) == 2  # a copy
    assert guard.get_decision_log(limit=1)[0].result is PolicyResult.DENY_KIND
    assert guard.get_decision_log(limit=0) == []


def test_decision_is_frozen_with_unique_ids_and_aware_timestamps() -> None:  # R15
    guard = PolicyGuard()
    decisions = [guard.check_replay("action") for _ in range(20)]
    assert all(isinstance(d, ReplayDecision) for d in decisions)
    assert len({d.decision_id for d in decisions}) == 20
    assert all(d.timestamp.tzinfo is not None for d in decisions)
    with pytest.raises(AttributeError):
        decisions[0].allow = False  # type: ignore[misc]


def test_policy_stats() -> None:  # R9
    clock = FakeClock()
    guard = PolicyGuard(lane="experimental", clock=clock)
    guard.check_replay("action")
    guard.check_replay("malicious_action")
    stats = guard.get_policy_stats()
    assert set(stats) == {
        "lane", "total_decisions", "recent_decisions_5min", "recent_allows", "recent_denies",
        "current_budget_usage", "budget_capacity", "rate_limit_capacity", "max_risk_threshold",
        "allowed_kinds"}
    assert stats["lane"] == "experimental"
    assert (stats["total_decisions"], stats["recent_allows"], stats["recent_denies"]) == (2, 1, 1)
    assert stats["budget_capacity"] == 200 and stats["rate_limit_capacity"] == 2000
    assert stats["max_risk_threshold"] == 0.8 and isinstance(stats["allowed_kinds"], list)
    clock.advance(301)
    stats = guard.get_policy_stats()
    assert (stats["total_decisions"], stats["recent_decisions_5min"]) == (2, 0)
    assert stats["current_budget_usage"] == 0


@pytest.mark.parametrize(
    ("risk", "expected"),
    [(0.1, (True, True, True)), (0.3, (True, True, False)), (0.6, (True, False, False)),
     (0.9, (False, False, False))],
)
def test_risk_matrix(risk: float, expected: tuple[bool, bool, bool]) -> None:  # R10
    got = tuple(PolicyGuard(lane=lane).check_replay("action", risk_level=risk).allow
                for lane in ("experimental", "candidate", "prod"))
    assert got == expected


def test_factory() -> None:  # R11
    guard = create_policy_guard(lane="candidate")
    assert isinstance(guard, PolicyGuard) and guard.lane == "candidate"
    tuned = create_policy_guard(lane="prod", replay_budget=1, allowed_kinds={"x"})
    assert tuned.config.replay_budget == 1 and tuned.config.max_risk_level == 0.2
    assert tuned.check_replay("x").allow and not tuned.check_replay("x").allow
    assert LANE_POLICY_DEFAULTS["prod"].replay_budget == 50  # defaults untouched
    with pytest.raises(TypeError, match="unknown override"):
        create_policy_guard(lane="prod", colour="red")


def test_reset_stats() -> None:  # R12
    guard = PolicyGuard()
    guard.check_replay("action", nonce="n")
    guard.check_replay("action")
    guard.reset_stats()
    stats = guard.get_policy_stats()
    assert stats["total_decisions"] == 0 and stats["current_budget_usage"] == 0
    assert guard.check_replay("action", nonce="n").allow


def test_hundred_decisions_are_fast() -> None:  # R13 (generous: shared CI machines)
    guard = PolicyGuard()
    start = time.perf_counter()
    for i in range(100):
        guard.check_replay("action", {"i": i})
    assert (time.perf_counter() - start) / 100 < 0.010


def test_custom_config_kinds_and_risk() -> None:  # R14
    cfg = {"experimental": LanePolicyConfig(max_risk_level=0.9, max_replay_rate=3000,
                                            allowed_kinds={"action", "test_kind"})}
    guard = PolicyGuard(lane="experimental", custom_config=cfg)
    assert guard.check_replay("action", risk_level=0.85).allow
    assert guard.check_replay("test_kind").allow
    assert guard.check_replay("consciousness_tick").result is PolicyResult.DENY_KIND


def test_custom_config_without_lane_falls_back() -> None:
    guard = PolicyGuard(lane="prod", custom_config={"candidate": LanePolicyConfig()})
    assert guard.config.max_risk_level == 0.8  # default experimental config


def test_configs_are_private_copies() -> None:
    a, b = PolicyGuard(lane="prod"), PolicyGuard(lane="prod")
    a.config.allowed_kinds.discard("action")
    assert b.check_replay("action").allow
    assert "action" in LANE_POLICY_DEFAULTS["prod"].allowed_kinds


def test_capability_denials_and_newest_log_entry() -> None:  # R16, R18
    cases = [("experimental", "malicious_action", 0.9), ("candidate", "action", 0.6),
             ("prod", "action", 0.3)]
    for lane, kind, risk in cases:
        guard = PolicyGuard(lane=lane)
        before = guard.get_policy_stats()["current_budget_usage"]
        d = guard.check_replay(kind, risk_level=risk)
        assert not d.allow
        assert guard.get_decision_log()[-1].decision_id == d.decision_id
        again = guard.check_replay(kind, risk_level=risk)
        assert not again.allow
        assert guard.get_policy_stats()["current_budget_usage"] == before


def test_promotions_and_recent_allows() -> None:  # R19
    for source, target in [("experimental", "candidate"), ("candidate", "prod")]:
        d = PolicyGuard(lane=target).check_replay("action", risk_level=0.1, source_lane=source)
        assert d.allow and d.result is PolicyResult.ALLOW
    guard = PolicyGuard(lane="candidate")
    for _ in range(20):
        guard.check_replay("action", risk_level=0.1)
    assert guard.get_policy_stats()["recent_allows"] >= 16


def test_promotion_stats_window() -> None:
    clock = FakeClock()
    guard = PolicyGuard(lane="candidate", clock=clock)
    guard.record_promotion_signal(0.5, 0.9)
    assert guard.get_promotion_stats()["eligible"] is False  # drift too high
    clock.advance(11 * 60)  # the bad signal leaves the 10-minute window
    guard.record_promotion_signal(0.1, 0.95)
    guard.record_promotion_signal(0.2, 0.85)
    stats = guard.get_promotion_stats()
    assert stats["samples"] == 2 and stats["eligible"] is True
    assert stats["mean_drift"] == pytest.approx(0.15)
    with pytest.raises(ValueError, match="`coherence`"):
        guard.record_promotion_signal(0.1, 1.5)


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [({"event_kind": 3}, TypeError, "event_kind"),
     ({"event_kind": "action", "risk_level": 1.5}, ValueError, "risk_level"),
     ({"event_kind": "action", "risk_level": float("nan")}, ValueError, "risk_level"),
     ({"event_kind": "action", "payload": [1]}, TypeError, "payload"),
     ({"event_kind": "action", "source_lane": 2}, TypeError, "source_lane")],
)
def test_argument_validation(kwargs: dict[str, object], exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=f"`{name}`"):
        PolicyGuard().check_replay(**kwargs)  # type: ignore[arg-type]


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="max_risk_level"):
        LanePolicyConfig(max_risk_level=2.0)
    with pytest.raises(TypeError, match="allowed_kinds"):
        LanePolicyConfig(allowed_kinds="action")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="custom_config"):
        PolicyGuard(custom_config={"experimental": {"max_risk_level": 1}})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="clock"):
        PolicyGuard(clock=lambda: datetime(2026, 1, 1)).check_replay("action")
