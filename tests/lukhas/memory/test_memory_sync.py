"""lukhas.memory.sync: the contract's budget rules, the log, stats and replica conflicts."""

from __future__ import annotations

import dataclasses
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from core.clock import HybridLogicalClock
from lukhas.memory.sync import (
    LANE_DEFAULTS,
    MemorySynchronizer,
    ReconcileOutcome,
    ReplicaStore,
    SyncBudgetConfig,
    SyncOperation,
    SyncResult,
    create_memory_synchronizer,
)

_FOLD = {"fold_id": "fold-1", "content": "remember the glyph"}
_OP_KEYS = {"op_id", "timestamp", "source_lane", "target_lane", "operation_type", "fold_id",
            "data_size", "fanout_cost", "fanin_cost", "depth_level", "result", "duration_ms",
            "error_message"}
_STAT_KEYS = {"lane", "total_operations", "recent_operations", "successful_operations",
              "success_rate", "current_fanout", "current_fanin", "fanout_capacity",
              "fanin_capacity", "ops_budget_utilization", "max_depth", "active_operations"}


def _custom(lane: str = "experimental", **limits: object) -> MemorySynchronizer:
    return MemorySynchronizer(lane=lane, custom_config={lane: SyncBudgetConfig(**limits)})  # type: ignore[arg-type]


def test_result_values_and_defaults() -> None:
    assert {r.name.lower(): r.value for r in SyncResult} == {r.value: r.value for r in SyncResult}
    assert len(SyncResult) == 8
    c = SyncBudgetConfig()
    assert (c.max_fanout, c.max_fanin, c.max_depth, c.ops_budget_per_tick,
            c.data_budget_per_tick_mb, c.budget_window_seconds, c.allow_cross_lane_sync,
            c.require_governance_approval) == (8, 4, 3, 50, 10.0, 30, True, False)


def test_lane_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:  # R1, R21
    monkeypatch.delenv("LUKHAS_LANE", raising=False)
    sync = MemorySynchronizer()
    assert (sync.lane, sync.config.max_fanout, sync.config.max_fanin) == ("experimental", 12, 8)
    monkeypatch.setenv("LUKHAS_LANE", "Candidate")
    assert MemorySynchronizer().lane == "candidate"
    prod = MemorySynchronizer(lane="prod")
    assert (prod.config.max_fanout, prod.config.max_fanin) == (4, 2)
    assert MemorySynchronizer(lane="labs").config == LANE_DEFAULTS["experimental"]


def test_same_lane_success() -> None:  # R2, R12
    sync = MemorySynchronizer(lane="experimental")
    op = sync.sync_fold("experimental", "experimental", _FOLD, fold_id="fold-1")
    assert op.result is SyncResult.SUCCESS
    assert (op.source_lane, op.target_lane, op.fold_id) == ("experimental", "experimental",
                                                           "fold-1")
    assert op.error_message is None and op.duration_ms > 0
    assert (op.fanout_cost, op.fanin_cost, op.depth_level) == (0, 0, 0)
    assert op.data_size == len(b'{"fold_id": "fold-1", "content": "remember the glyph"}')
    log = sync.get_sync_log()
    assert len(log) == 1 and log[0].fold_id == "fold-1" and log[0].result is SyncResult.SUCCESS
    d = op.to_dict()
    assert set(d) == _OP_KEYS and d["result"] == "success" and d["op_id"] == str(op.op_id)
    assert datetime.fromisoformat(d["timestamp"]) == op.timestamp
    with pytest.raises(AttributeError):
        op.result = SyncResult.ERROR_DEPTH  # type: ignore[misc]


def test_cross_lane_policy() -> None:  # R3, R15
    assert MemorySynchronizer(lane="experimental").sync_fold(
        "candidate", "experimental", _FOLD).result is SyncResult.SUCCESS
    op = MemorySynchronizer(lane="prod").sync_fold("candidate", "prod", _FOLD)
    assert op.result is SyncResult.ERROR_LANE_POLICY and "policy" in (op.error_message or "")
    for lane, (fanout, fanin, cross) in {"experimental": (12, 8, True),
                                         "candidate": (8, 4, True),
                                         "prod": (4, 2, False)}.items():
        sync = MemorySynchronizer(lane=lane)
        assert (sync.config.max_fanout, sync.config.max_fanin,
                sync.config.allow_cross_lane_sync) == (fanout, fanin, cross)
        result = sync.sync_fold("other_lane", lane, _FOLD).result
        assert result is (SyncResult.SUCCESS if cross else SyncResult.ERROR_LANE_POLICY)


def test_fanout_limit_with_reserved_operations() -> None:  # R4
    sync = _custom(max_fanout=2)
    a, b = uuid.uuid4(), uuid.uuid4()
    sync._reserve_resources(a, "experimental", "candidate", 1, 0, 0)
    sync._reserve_resources(b, "experimental", "other_lane", 1, 0, 0)
    op = sync.sync_fold("experimental", "third_lane", _FOLD)
    assert op.result is SyncResult.ERROR_FANOUT and "fanout" in (op.error_message or "")
    sync._release_resources(a, "experimental", "candidate", 1, 0)
    sync._release_resources(b, "experimental", "other_lane", 1, 0)
    assert sync.get_sync_stats()["current_fanout"] == 0
    assert sync.sync_fold("experimental", "third_lane", _FOLD).result is SyncResult.SUCCESS


def test_fanin_limit() -> None:  # R5
    sync = _custom(max_fanin=1)
    held = uuid.uuid4()
    sync._reserve_resources(held, "candidate", "experimental", 0, 1, 0)
    op = sync.sync_fold("other_candidate", "experimental", _FOLD)
    assert op.result is SyncResult.ERROR_FANIN and "fanin" in (op.error_message or "")
    assert sync.get_sync_stats()["current_fanin"] == 1


def test_depth_limit() -> None:  # R6
    sync = _custom(max_depth=1)
    parent = uuid.uuid4()
    sync._operation_depth[parent] = 1
    op = sync.sync_fold("experimental", "experimental", _FOLD, parent_op_id=parent)
    assert op.result is SyncResult.ERROR_DEPTH and op.depth_level == 2
    assert "depth" in (op.error_message or "")
    sync._operation_depth[parent] = 0
    assert sync.sync_fold("experimental", "experimental", _FOLD,
                          parent_op_id=parent).result is SyncResult.SUCCESS


def test_ops_budget() -> None:  # R7, R22
    sync = _custom(ops_budget_per_tick=2, budget_window_seconds=60)
    results = [sync.sync_fold("experimental", "experimental", _FOLD).result for _ in range(3)]
    assert results[:2] == [SyncResult.SUCCESS] * 2 and results[2] is SyncResult.ERROR_BUDGET
    assert "budget" in (sync.get_sync_log()[-1].error_message or "")
    for _ in range(3):
        sync.sync_fold("experimental", "experimental", _FOLD)
    assert sync.get_sync_stats()["ops_budget_utilization"] == 1.0


def test_failures_do_not_spend_the_budget() -> None:
    sync = _custom(ops_budget_per_tick=1)
    assert sync.sync_fold("experimental", "experimental", {}).result is \
        SyncResult.ERROR_DATA_VALIDATION
    assert sync.sync_fold("experimental", "experimental", _FOLD).result is SyncResult.SUCCESS


def test_data_budget() -> None:  # R8
    sync = _custom(data_budget_per_tick_mb=0.001)
    op = sync.sync_fold("experimental", "experimental", {"content": "x" * 5000})
    assert op.result is SyncResult.ERROR_BUDGET and "budget" in (op.error_message or "")
    assert op.data_size > 5000
    # Two payloads that fit alone but not together.
    sync = _custom(data_budget_per_tick_mb=3000 / 2**20)
    first = sync.sync_fold("experimental", "experimental", {"content": "y" * 1400})
    second = sync.sync_fold("experimental", "experimental", {"content": "y" * 1600})
    assert (first.result, second.result) == (SyncResult.SUCCESS, SyncResult.ERROR_BUDGET)


@pytest.mark.parametrize("payload", ["a string", {}, {"other": 1}, None, [1, 2], {1, 2}])
def test_invalid_payloads(payload: object) -> None:  # R9
    sync = MemorySynchronizer(lane="experimental")
    op = sync.sync_fold("experimental", "experimental", payload)
    assert op.result is SyncResult.ERROR_DATA_VALIDATION and op.data_size > 0


def test_resources_released_after_success() -> None:  # R10
    sync = _custom(max_fanout=2, max_fanin=2)
    for _ in range(2):
        assert sync.sync_fold("experimental", "candidate", _FOLD).result is SyncResult.SUCCESS
    stats = sync.get_sync_stats()
    assert stats["current_fanout"] == 0 and stats["current_fanin"] == 0
    assert stats["active_operations"] == 0


def test_stats_and_reset() -> None:  # R11, R19
    sync = MemorySynchronizer(lane="experimental")
    sync.sync_fold("experimental", "experimental", _FOLD)
    sync.sync_fold("experimental", "experimental", _FOLD)
    sync.sync_fold("experimental", "experimental", "bad")
    stats = sync.get_sync_stats()
    assert set(stats) == _STAT_KEYS
    assert (stats["total_operations"], stats["recent_operations"],
            stats["successful_operations"]) == (3, 3, 2)
    assert stats["success_rate"] == pytest.approx(2 / 3)
    assert stats["ops_budget_utilization"] == pytest.approx(3 / 100)
    assert [op.result for op in sync.get_sync_log(limit=1)] == [SyncResult.ERROR_DATA_VALIDATION]
    assert sync.get_sync_log(limit=0) == []
    sync.reset_stats()
    stats = sync.get_sync_stats()
    assert stats["total_operations"] == 0 and stats["active_operations"] == 0


def test_repeated_syncs_get_distinct_ids() -> None:  # R13
    sync = MemorySynchronizer(lane="experimental")
    ops = [sync.sync_fold("experimental", "candidate", _FOLD, fold_id="same") for _ in range(3)]
    assert all(op.result is SyncResult.SUCCESS for op in ops)
    assert len({op.op_id for op in ops}) == 3 and {op.fold_id for op in ops} == {"same"}


def test_concurrent_syncs() -> None:  # R14
    sync = MemorySynchronizer(lane="experimental")
    with ThreadPoolExecutor(max_workers=5) as pool:
        ops = list(pool.map(lambda i: sync.sync_fold("experimental", "experimental",
                                                     {"fold_id": f"f{i}", "content": i}),
                            range(10)))
    assert all(op.result is SyncResult.SUCCESS for op in ops)
    assert len(sync.get_sync_log()) == 10


def test_custom_config_is_exposed() -> None:  # R16
    cfg = SyncBudgetConfig(max_fanout=20, max_fanin=15, max_depth=5, ops_budget_per_tick=200,
                           data_budget_per_tick_mb=50.0, allow_cross_lane_sync=False)
    sync = MemorySynchronizer(lane="candidate", custom_config={"candidate": cfg})
    assert sync.config is cfg
    assert sync.get_sync_stats()["fanout_capacity"] == 20


def test_sync_is_fast() -> None:  # R17 (generous: the machine is shared)
    sync = MemorySynchronizer(lane="experimental")
    fold = {"fold_id": "f", "content": "z" * 80}
    start = time.perf_counter()
    for i in range(50):
        assert sync.sync_fold("experimental", "candidate", fold, fold_id=f"f{i}").result is \
            SyncResult.SUCCESS
    assert (time.perf_counter() - start) / 50 < 0.05


def test_factory() -> None:  # R18
    sync = create_memory_synchronizer(lane="candidate")
    assert isinstance(sync, MemorySynchronizer) and sync.lane == "candidate"
    tuned = create_memory_synchronizer(lane="prod", allow_cross_lane_sync=True)
    assert tuned.config.allow_cross_lane_sync and tuned.config.max_fanout == 4
    with pytest.raises(TypeError, match="unknown budget override"):
        create_memory_synchronizer(max_speed=3)


def test_window_slides() -> None:  # R20
    sync = _custom(ops_budget_per_tick=2, budget_window_seconds=1)
    assert [sync.sync_fold("experimental", "experimental", _FOLD).result
            for _ in range(3)][2] is SyncResult.ERROR_BUDGET
    time.sleep(1.1)
    assert sync.sync_fold("experimental", "experimental", _FOLD).result is SyncResult.SUCCESS


def test_timestamps_are_comparable_with_policy_guard() -> None:  # R23
    before = datetime.now(UTC)
    op = MemorySynchronizer(lane="experimental").sync_fold("experimental", "experimental", _FOLD)
    assert op.timestamp >= before and op.timestamp.tzinfo is not None
    guard_mod = pytest.importorskip("lukhas.core.policy_guard")
    decision = guard_mod.PolicyGuard(lane="experimental").check_replay(
        "memory_write", nonce=str(uuid.uuid4()))
    later = MemorySynchronizer(lane="experimental").sync_fold(
        "experimental", "experimental", _FOLD)
    assert later.timestamp >= decision.timestamp


def test_unexpected_failure_is_reported() -> None:
    def broken(source: str, target: str, data: object) -> bool:
        raise RuntimeError("approver offline")

    sync = MemorySynchronizer(lane="experimental", approver=broken, custom_config={
        "experimental": SyncBudgetConfig(require_governance_approval=True)})
    op = sync.sync_fold("experimental", "experimental", _FOLD)
    assert op.result is SyncResult.ERROR_CONCURRENCY and op.error_message == "approver offline"
    assert sync.get_sync_stats()["active_operations"] == 0


def test_governance_approval() -> None:
    config = {"experimental": SyncBudgetConfig(require_governance_approval=True)}
    refused = MemorySynchronizer(lane="experimental", custom_config=config)
    assert refused.sync_fold("experimental", "x", _FOLD).result is SyncResult.ERROR_LANE_POLICY
    allowed = MemorySynchronizer(lane="experimental", custom_config=config,
                                 approver=lambda s, t, d: t != "prod")
    assert allowed.sync_fold("experimental", "x", _FOLD).result is SyncResult.SUCCESS
    assert allowed.sync_fold("experimental", "prod", _FOLD).result is \
        SyncResult.ERROR_LANE_POLICY


def test_bad_config_values() -> None:
    with pytest.raises(ValueError, match="max_fanout"):
        SyncBudgetConfig(max_fanout=-1)
    with pytest.raises(ValueError, match="budget_window_seconds"):
        SyncBudgetConfig(budget_window_seconds=0)
    with pytest.raises(TypeError, match="allow_cross_lane_sync"):
        SyncBudgetConfig(allow_cross_lane_sync="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="custom_config"):
        MemorySynchronizer(custom_config={"experimental": {"max_fanout": 1}})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="`lane`"):
        MemorySynchronizer(lane=3)  # type: ignore[arg-type]
    # The record is a frozen dataclass with exactly the contract's 13 fields.
    assert {f.name for f in dataclasses.fields(SyncOperation)} == _OP_KEYS
    assert SyncOperation.__dataclass_params__.frozen  # type: ignore[attr-defined]


# -- replicas: vector clocks and HLC stamps -----------------------------------


def _manual_store(start_ms: int = 1_000_000) -> tuple[ReplicaStore, list[int]]:
    now = [start_ms]
    return ReplicaStore(hlc=HybridLogicalClock(physical_clock=lambda: now[0])), now


def test_sync_propagates_versions() -> None:
    sync = MemorySynchronizer(lane="candidate")
    sync.sync_fold("candidate", "prod", {"fold_id": "f", "content": "v1"})
    assert sync.replicas.get("prod", "f").data["content"] == "v1"  # type: ignore[union-attr]
    sync.sync_fold("candidate", "prod", {"fold_id": "f", "content": "v2"})
    prod = sync.replicas.get("prod", "f")
    cand = sync.replicas.get("candidate", "f")
    assert prod is not None and cand is not None
    assert prod.data["content"] == "v2" and prod.clock.to_dict() == {"candidate": 2}
    # An older copy coming back from prod does not overwrite the newer candidate version.
    assert sync.replicas.reconcile("prod", "candidate", "f") is ReconcileOutcome.UNCHANGED


def test_replica_outcomes_follow_causality() -> None:
    store, now = _manual_store()
    store.write("a", "f", {"v": 1})
    assert store.reconcile("a", "b", "f") is ReconcileOutcome.APPLIED
    assert store.reconcile("a", "b", "f") is ReconcileOutcome.UNCHANGED
    now[0] += 5
    store.write("b", "f", {"v": 2})                       # b edits after seeing a
    assert store.reconcile("a", "b", "f") is ReconcileOutcome.STALE
    assert store.reconcile("b", "a", "f") is ReconcileOutcome.APPLIED
    assert store.get("a", "f").data == {"v": 2}  # type: ignore[union-attr]
    assert store.conflicts == 0
    with pytest.raises(KeyError):
        store.reconcile("zz", "a", "f")


def test_concurrent_writes_resolve_the_same_everywhere() -> None:
    store, now = _manual_store()
    store.write("a", "f", {"v": "a"})
    now[0] += 10
    store.write("b", "f", {"v": "b"})                      # concurrent, later stamp
    assert store.reconcile("a", "b", "f") is ReconcileOutcome.RESOLVED
    assert store.reconcile("b", "a", "f") is ReconcileOutcome.APPLIED
    a, b = store.get("a", "f"), store.get("b", "f")
    assert a is not None and b is not None
    assert a.data == b.data == {"v": "b"}
    assert b.clock.to_dict() == {"a": 1, "b": 2} and store.conflicts == 1
    # Entries are snapshots: mutating what was written changes nothing stored.
    payload = {"v": [1]}
    store.write("c", "g", payload)
    payload["v"].append(2)
    assert store.get("c", "g").data == {"v": [1]}  # type: ignore[union-attr]


def test_custom_resolver_plugs_in() -> None:
    def merge_lists(local, remote):  # type: ignore[no-untyped-def]
        return {"v": sorted(set(local.data["v"]) | set(remote.data["v"]))}

    store = ReplicaStore(resolver=merge_lists)
    store.write("a", "f", {"v": [1, 2]})
    store.write("b", "f", {"v": [2, 3]})
    assert store.reconcile("a", "b", "f") is ReconcileOutcome.RESOLVED
    assert store.get("b", "f").data == {"v": [1, 2, 3]}  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="resolver"):
        ReplicaStore(resolver=3)  # type: ignore[arg-type]
