"""``MemorySynchronizer``: budgeted fold sync between lanes, with a sync log."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from lukhas import _config
from lukhas._validation import check_int, describe
from lukhas.domain.memory.sync._budget import (
    DEFAULT_LANE,
    LANE_DEFAULTS,
    SyncBudgetConfig,
    SyncOperation,
    SyncResult,
)
from lukhas.domain.memory.sync._replicas import (
    ConflictResolver,
    ReconcileOutcome,
    ReplicaStore,
    last_writer_wins,
)
from lukhas.primitives.clock import HybridLogicalClock

__all__ = ["Approver", "MemorySynchronizer", "create_memory_synchronizer"]

logger = logging.getLogger(__name__)

#: Governance approver: ``(source_lane, target_lane, fold_data) -> approved``.
Approver = Callable[[str, str, Any], bool]

_MB = 1024 * 1024


class _RejectedError(ValueError):
    """A check of the requested sync failed; carries the result code (internal control flow only).

    A :class:`ValueError`: the fold or its lanes are refused as given.
    """

    def __init__(self, result: SyncResult, message: str) -> None:
        super().__init__(message)
        self.result = result


class MemorySynchronizer:
    """Moves memory folds between lanes within fan-out, fan-in, depth and per-window budgets.

    Every :meth:`sync_fold` call, successful or not, is appended once to the
    sync log.  A successful call also reconciles the fold's replica on the
    target lane with the source's version (:class:`ReplicaStore`, vector
    clocks and HLC stamps from :mod:`lukhas.primitives.clock`; concurrent writes go to the
    ``resolver``).

    Parameters
    ----------
    lane : str or None, default=None
        This synchronizer's lane (lower-cased); ``None`` reads ``LUKHAS_LANE``
        at construction, else ``"experimental"``.
    custom_config : dict of str to SyncBudgetConfig, optional
        Budgets per lane, replacing :data:`LANE_DEFAULTS`; a lane missing from
        it uses the default experimental budgets.
    resolver : ConflictResolver, default=last_writer_wins
        Chooses the data of concurrently written versions.
    approver : callable or None, default=None
        Consulted when ``config.require_governance_approval`` is set; without
        one every operation is refused.
    hlc : HybridLogicalClock or None, default=None
        Stamps replica writes (inject for simulations).
    max_log_entries : int, default=100_000
        The sync log keeps this many most recent operations.

    Attributes
    ----------
    lane : str
    config : SyncBudgetConfig
    replicas : ReplicaStore
        Each lane's version of each fold synced so far.

    Notes
    -----
    Thread-safe: one re-entrant lock serialises :meth:`sync_fold`.  Timestamps
    are timezone-aware UTC ``datetime`` objects; the budget window slides on
    the monotonic clock.

    Examples
    --------
    >>> sync = MemorySynchronizer(lane="candidate")
    >>> op = sync.sync_fold("candidate", "prod", {"fold_id": "f1", "content": "hi"})
    >>> op.result, op.fanout_cost, op.fanin_cost
    (<SyncResult.SUCCESS: 'success'>, 1, 0)
    >>> sync.replicas.get("prod", "f1").data
    {'fold_id': 'f1', 'content': 'hi'}
    >>> MemorySynchronizer(lane="prod").sync_fold("candidate", "prod", {"content": 1}).result
    <SyncResult.ERROR_LANE_POLICY: 'error_lane_policy'>
    """

    def __init__(
        self,
        lane: str | None = None,
        custom_config: Mapping[str, SyncBudgetConfig] | None = None,
        *,
        resolver: ConflictResolver = last_writer_wins,
        approver: Approver | None = None,
        hlc: HybridLogicalClock | None = None,
        max_log_entries: int = 100_000,
    ) -> None:
        chosen = lane if lane is not None else _config.lane()
        if not isinstance(chosen, str):
            raise TypeError(f"`lane` must be a str or None, got {describe(lane)}.")
        self.lane = chosen.lower()
        configs = dict(LANE_DEFAULTS if custom_config is None else custom_config)
        for key, value in configs.items():
            if not isinstance(value, SyncBudgetConfig):
                raise TypeError(f"`custom_config[{key!r}]` must be a SyncBudgetConfig, "
                                f"got {describe(value)}.")
        self.configs = configs
        self.config = configs.get(self.lane, LANE_DEFAULTS[DEFAULT_LANE])
        self.approver = approver
        self.replicas = ReplicaStore(resolver, hlc)
        self._log: deque[SyncOperation] = deque(
            maxlen=check_int("max_log_entries", max_log_entries, low=1))
        self._budget_history: deque[tuple[float, int]] = deque()  # (monotonic s, bytes)
        self._active_fanout: dict[str, set[uuid.UUID]] = {}
        self._active_fanin: dict[str, set[uuid.UUID]] = {}
        self._operation_depth: dict[uuid.UUID, int] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"MemorySynchronizer(lane={self.lane!r}, config={self.config!r})"

    # -- resources -------------------------------------------------------

    def _reserve_resources(self, op_id: uuid.UUID, source_lane: str, target_lane: str,
                           fanout_cost: int, fanin_cost: int, depth_level: int) -> None:
        """Count ``op_id`` in flight: outbound to ``target_lane``, inbound from ``source_lane``."""
        with self._lock:
            if fanout_cost > 0:
                self._active_fanout.setdefault(target_lane, set()).add(op_id)
            if fanin_cost > 0:
                self._active_fanin.setdefault(source_lane, set()).add(op_id)
            self._operation_depth[op_id] = depth_level

    def _release_resources(self, op_id: uuid.UUID, source_lane: str, target_lane: str,
                           fanout_cost: int, fanin_cost: int) -> None:
        """Undo :meth:`_reserve_resources`."""
        with self._lock:
            if fanout_cost > 0:
                self._discard(self._active_fanout, target_lane, op_id)
            if fanin_cost > 0:
                self._discard(self._active_fanin, source_lane, op_id)
            self._operation_depth.pop(op_id, None)

    @staticmethod
    def _discard(active: dict[str, set[uuid.UUID]], lane: str, op_id: uuid.UUID) -> None:
        ops = active.get(lane)
        if ops is not None:
            ops.discard(op_id)
            if not ops:
                del active[lane]

    def _current(self, active: dict[str, set[uuid.UUID]]) -> int:
        return sum(len(ops) for ops in active.values())

    def _window_usage(self) -> tuple[int, int]:
        """Successful operations and their bytes within the budget window."""
        horizon = time.monotonic() - self.config.budget_window_seconds
        history = self._budget_history
        while history and history[0][0] < horizon:
            history.popleft()
        return len(history), sum(size for _, size in history)

    # -- the operation ---------------------------------------------------

    def sync_fold(
        self,
        source_lane: str,
        target_lane: str,
        fold_data: Any,
        fold_id: str | None = None,
        operation_type: str = "fold_sync",
        parent_op_id: uuid.UUID | None = None,
    ) -> SyncOperation:
        """Sync one fold from ``source_lane`` to ``target_lane`` if every limit allows it.

        Checks, first failure wins: lane policy (and governance approval when
        required), fan-out, fan-in, depth, operation budget, data budget, then
        payload validation.

        Parameters
        ----------
        source_lane, target_lane : str
        fold_data : dict
            Must hold ``"fold_id"`` or ``"content"``; other values are refused
            with ``ERROR_DATA_VALIDATION`` (never an exception).
        fold_id : str or None, default=None
            Echoed in the record; replica tracking uses it, else ``fold_data["fold_id"]``.
        operation_type : str, default="fold_sync"
        parent_op_id : uuid.UUID or None, default=None
            The operation that triggered this one (sets the depth).

        Returns
        -------
        operation : SyncOperation
            Also appended to the sync log.

        Examples
        --------
        >>> sync = MemorySynchronizer(lane="experimental")
        >>> sync.sync_fold("experimental", "experimental", "not a dict").result
        <SyncResult.ERROR_DATA_VALIDATION: 'error_data_validation'>
        """
        start = time.perf_counter()
        timestamp = datetime.now(UTC)
        op_id = uuid.uuid4()
        with self._lock:
            fanout_cost = int(target_lane != self.lane)
            fanin_cost = int(source_lane != self.lane)
            depth = 0 if parent_op_id is None else self._operation_depth.get(parent_op_id, 0) + 1
            data_size = _payload_size(fold_data)
            result, message = SyncResult.SUCCESS, None
            try:
                self._check(source_lane, target_lane, fold_data, fanout_cost, fanin_cost,
                            depth, data_size)
                self._reserve_resources(op_id, source_lane, target_lane, fanout_cost,
                                        fanin_cost, depth)
                try:
                    self._apply(source_lane, target_lane, fold_data, fold_id)
                    self._budget_history.append((time.monotonic(), data_size))
                finally:
                    self._release_resources(op_id, source_lane, target_lane, fanout_cost,
                                            fanin_cost)
            except _RejectedError as rejection:
                result, message = rejection.result, str(rejection)
            except Exception as err:  # an unexpected failure is reported, never raised
                logger.exception("sync %s of fold %s failed", op_id, fold_id)
                result, message = SyncResult.ERROR_CONCURRENCY, str(err)
            operation = SyncOperation(
                op_id=op_id, timestamp=timestamp, source_lane=source_lane,
                target_lane=target_lane, operation_type=operation_type, fold_id=fold_id,
                data_size=data_size, fanout_cost=fanout_cost, fanin_cost=fanin_cost,
                depth_level=depth, result=result,
                duration_ms=(time.perf_counter() - start) * 1e3, error_message=message)
            self._log.append(operation)
        if result is not SyncResult.SUCCESS:
            logger.debug("sync %s refused: %s", op_id, message)
        return operation

    def _check(self, source_lane: str, target_lane: str, fold_data: Any, fanout_cost: int,
               fanin_cost: int, depth: int, data_size: int) -> None:
        config = self.config
        if source_lane != target_lane and not config.allow_cross_lane_sync:
            raise _RejectedError(SyncResult.ERROR_LANE_POLICY,
                            f"lane policy of {self.lane!r} forbids cross-lane sync "
                            f"({source_lane!r} -> {target_lane!r})")
        if config.require_governance_approval and not (
                self.approver is not None and self.approver(source_lane, target_lane, fold_data)):
            raise _RejectedError(SyncResult.ERROR_LANE_POLICY,
                            "governance policy: the operation was not approved")
        current_fanout = self._current(self._active_fanout)
        if fanout_cost and current_fanout + fanout_cost > config.max_fanout:
            raise _RejectedError(SyncResult.ERROR_FANOUT,
                            f"fanout limit reached: {current_fanout} of {config.max_fanout} "
                            "outbound operations in flight")
        current_fanin = self._current(self._active_fanin)
        if fanin_cost and current_fanin + fanin_cost > config.max_fanin:
            raise _RejectedError(SyncResult.ERROR_FANIN,
                            f"fanin limit reached: {current_fanin} of {config.max_fanin} "
                            "inbound operations in flight")
        if depth > config.max_depth:
            raise _RejectedError(SyncResult.ERROR_DEPTH,
                            f"depth {depth} exceeds max_depth {config.max_depth}")
        ops, used_bytes = self._window_usage()
        if ops >= config.ops_budget_per_tick:
            raise _RejectedError(SyncResult.ERROR_BUDGET,
                            f"operation budget exhausted: {ops} of {config.ops_budget_per_tick} "
                            f"in the last {config.budget_window_seconds} s")
        wanted_mb = (used_bytes + data_size) / _MB
        if wanted_mb > config.data_budget_per_tick_mb:
            raise _RejectedError(SyncResult.ERROR_BUDGET,
                            f"data budget exceeded: {wanted_mb:.4f} MB > "
                            f"{config.data_budget_per_tick_mb} MB per window")
        if not isinstance(fold_data, dict) or not ("fold_id" in fold_data
                                                   or "content" in fold_data):
            raise _RejectedError(SyncResult.ERROR_DATA_VALIDATION,
                            "fold_data must be a dict with a 'fold_id' or 'content' key, "
                            f"got {describe(fold_data)}")

    def _apply(self, source_lane: str, target_lane: str, fold_data: dict[str, Any],
               fold_id: str | None) -> ReconcileOutcome | None:
        key = fold_id if fold_id is not None else fold_data.get("fold_id")
        if key is None:
            return None  # nothing names the fold: it cannot be versioned
        key = str(key)
        self.replicas.observe(source_lane, key, fold_data)
        return self.replicas.reconcile(source_lane, target_lane, key)

    # -- reporting -------------------------------------------------------

    def get_sync_log(self, limit: int | None = None) -> list[SyncOperation]:
        """The logged operations, oldest first (the last ``limit`` of them if given).

        Parameters
        ----------
        limit : int or None, default=None
            Most recent entries to return, >= 0.

        Returns
        -------
        log : list of SyncOperation

        Examples
        --------
        >>> sync = MemorySynchronizer(lane="experimental")
        >>> _ = [sync.sync_fold("experimental", "experimental", {"content": i}) for i in range(3)]
        >>> [op.data_size for op in sync.get_sync_log(limit=2)]
        [14, 14]
        """
        with self._lock:
            log = list(self._log)
        if limit is None:
            return log
        limit = check_int("limit", limit, low=0)
        return log[len(log) - limit:] if limit else []

    def get_sync_stats(self) -> dict[str, Any]:
        """Counters over the log and the budget window (exactly 12 keys).

        Returns
        -------
        stats : dict
            ``lane``, ``total_operations``, ``recent_operations`` (within the
            window), ``successful_operations`` (recent), ``success_rate``,
            ``current_fanout``, ``current_fanin``, ``fanout_capacity``,
            ``fanin_capacity``, ``ops_budget_utilization`` (<= 1),
            ``max_depth``, ``active_operations``.

        Examples
        --------
        >>> sync = MemorySynchronizer(lane="experimental")
        >>> _ = sync.sync_fold("experimental", "experimental", {"content": 1})
        >>> stats = sync.get_sync_stats()
        >>> len(stats), stats["success_rate"], stats["fanout_capacity"]
        (12, 1.0, 12)
        """
        with self._lock:
            horizon = datetime.now(UTC) - timedelta(
                seconds=self.config.budget_window_seconds)
            recent = [op for op in self._log if op.timestamp >= horizon]
            successful = sum(op.result is SyncResult.SUCCESS for op in recent)
            budget = self.config.ops_budget_per_tick
            return {
                "lane": self.lane,
                "total_operations": len(self._log),
                "recent_operations": len(recent),
                "successful_operations": successful,
                "success_rate": successful / max(1, len(recent)),
                "current_fanout": self._current(self._active_fanout),
                "current_fanin": self._current(self._active_fanin),
                "fanout_capacity": self.config.max_fanout,
                "fanin_capacity": self.config.max_fanin,
                "ops_budget_utilization": min(1.0, len(recent) / budget) if budget else 1.0,
                "max_depth": self.config.max_depth,
                "active_operations": len(self._operation_depth),
            }

    def reset_stats(self) -> None:
        """Clear the log, the budget history, the in-flight sets and the depth map.

        Examples
        --------
        >>> sync = MemorySynchronizer(lane="experimental")
        >>> _ = sync.sync_fold("experimental", "experimental", {"content": 1})
        >>> sync.reset_stats(); sync.get_sync_stats()["total_operations"]
        0
        """
        with self._lock:
            self._log.clear()
            self._budget_history.clear()
            self._active_fanout.clear()
            self._active_fanin.clear()
            self._operation_depth.clear()


def _payload_size(fold_data: Any) -> int:
    """Bytes of the UTF-8 JSON encoding of ``fold_data`` (of ``str()`` when not JSON)."""
    try:
        text = json.dumps(fold_data)
    except (TypeError, ValueError):
        text = str(fold_data)
    return len(text.encode("utf-8"))


def create_memory_synchronizer(lane: str | None = None, **overrides: Any) -> MemorySynchronizer:
    """Build a synchronizer for ``lane``, optionally overriding some of its budgets.

    Parameters
    ----------
    lane : str or None, default=None
        As for :class:`MemorySynchronizer`.
    **overrides
        :class:`SyncBudgetConfig` fields replacing the lane's defaults.

    Returns
    -------
    synchronizer : MemorySynchronizer

    Raises
    ------
    TypeError
        For an override that is not a budget field.

    Examples
    --------
    >>> s = create_memory_synchronizer(lane="candidate", max_fanout=3)
    >>> s.lane, s.config.max_fanout, s.config.max_fanin
    ('candidate', 3, 4)
    """
    if not overrides:
        return MemorySynchronizer(lane)
    unknown = sorted(set(overrides) - set(SyncBudgetConfig.field_names()))
    if unknown:
        raise TypeError(f"unknown budget override(s) {unknown}; expected some of "
                        f"{list(SyncBudgetConfig.field_names())}.")
    probe = MemorySynchronizer(lane)
    configs = dict(LANE_DEFAULTS)
    configs[probe.lane] = replace(probe.config, **overrides)
    return MemorySynchronizer(probe.lane, configs)
