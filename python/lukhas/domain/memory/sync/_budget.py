"""Sync budgets per lane, result codes and the immutable sync-log record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any

from lukhas._config import DEFAULT_LANE  # re-exported: the one default lane
from lukhas._validation import check_int, check_real, describe

__all__ = ["DEFAULT_LANE", "LANE_DEFAULTS", "SyncBudgetConfig", "SyncOperation", "SyncResult"]


class SyncResult(Enum):
    """Outcome of one :meth:`MemorySynchronizer.sync_fold` call.

    Examples
    --------
    >>> SyncResult.ERROR_FANOUT.value
    'error_fanout'
    """

    SUCCESS = "success"
    ERROR_FANOUT = "error_fanout"
    ERROR_FANIN = "error_fanin"
    ERROR_DEPTH = "error_depth"
    ERROR_BUDGET = "error_budget"
    ERROR_LANE_POLICY = "error_lane_policy"
    ERROR_DATA_VALIDATION = "error_data_validation"
    ERROR_CONCURRENCY = "error_concurrency"


@dataclass(frozen=True)
class SyncBudgetConfig:
    """Limits a synchronizer enforces for its lane.

    Parameters
    ----------
    max_fanout : int, default=8
        Largest number of outbound (other-lane target) operations in flight.
    max_fanin : int, default=4
        Largest number of inbound (other-lane source) operations in flight.
    max_depth : int, default=3
        Deepest chain of operations started by other operations
        (``parent_op_id``); a root operation has depth 0.
    ops_budget_per_tick : int, default=50
        Successful operations allowed within one budget window.
    data_budget_per_tick_mb : float, default=10.0
        Megabytes (2**20 bytes) of successful payload allowed within one window.
    budget_window_seconds : float, default=30
        Length of the sliding budget window, > 0.
    allow_cross_lane_sync : bool, default=True
        Whether folds may move between different lanes.
    require_governance_approval : bool, default=False
        Whether every operation must be approved by the synchronizer's
        ``approver`` callable (denied or missing approval is a lane-policy error).

    Raises
    ------
    TypeError, ValueError
        For a negative or non-numeric limit.

    Examples
    --------
    >>> SyncBudgetConfig(max_fanout=2).max_fanout, SyncBudgetConfig().max_fanin
    (2, 4)
    """

    max_fanout: int = 8
    max_fanin: int = 4
    max_depth: int = 3
    ops_budget_per_tick: int = 50
    data_budget_per_tick_mb: float = 10.0
    budget_window_seconds: float = 30
    allow_cross_lane_sync: bool = True
    require_governance_approval: bool = False

    def __post_init__(self) -> None:
        for name in ("max_fanout", "max_fanin", "max_depth", "ops_budget_per_tick"):
            check_int(name, getattr(self, name), low=0)
        check_real("data_budget_per_tick_mb", self.data_budget_per_tick_mb, low=0.0)
        check_real("budget_window_seconds", self.budget_window_seconds, low=0.0,
                   low_inclusive=False)
        for name in ("allow_cross_lane_sync", "require_governance_approval"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"`{name}` must be a bool, got {describe(getattr(self, name))}.")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the configurable limits, in declaration order.

        Examples
        --------
        >>> SyncBudgetConfig.field_names()[:2]
        ('max_fanout', 'max_fanin')
        """
        return tuple(f.name for f in fields(cls))


#: Budgets used when a synchronizer is given no ``custom_config``; any other
#: lane falls back to the ``experimental`` entry.
LANE_DEFAULTS: dict[str, SyncBudgetConfig] = {
    "experimental": SyncBudgetConfig(max_fanout=12, max_fanin=8, max_depth=4,
                                     ops_budget_per_tick=100, data_budget_per_tick_mb=20.0,
                                     allow_cross_lane_sync=True),
    "candidate": SyncBudgetConfig(max_fanout=8, max_fanin=4, max_depth=3,
                                  ops_budget_per_tick=50, data_budget_per_tick_mb=10.0,
                                  allow_cross_lane_sync=True),
    "prod": SyncBudgetConfig(max_fanout=4, max_fanin=2, max_depth=2,
                             ops_budget_per_tick=25, data_budget_per_tick_mb=5.0,
                             allow_cross_lane_sync=False),
}


@dataclass(frozen=True)
class SyncOperation:
    """One entry of the sync log: what was asked, what it cost and how it ended.

    Attributes
    ----------
    op_id : uuid.UUID
        Unique per call.
    timestamp : datetime
        Start time (timezone-aware UTC).
    source_lane, target_lane : str
    operation_type : str
    fold_id : str or None
    data_size : int
        Bytes of the UTF-8 JSON encoding of the payload (``str()`` if not JSON).
    fanout_cost, fanin_cost : int
        1 when the target (resp. source) lane differs from the synchronizer's lane.
    depth_level : int
        0 for a root operation, parent depth + 1 otherwise.
    result : SyncResult
    duration_ms : float
        Wall time of the call, > 0.
    error_message : str or None
        None on success.

    Examples
    --------
    See :meth:`SyncOperation.to_dict`.
    """

    op_id: uuid.UUID
    timestamp: datetime
    source_lane: str
    target_lane: str
    operation_type: str
    fold_id: str | None
    data_size: int
    fanout_cost: int
    fanin_cost: int
    depth_level: int
    result: SyncResult
    duration_ms: float
    error_message: str | None

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict of exactly the 13 fields.

        Returns
        -------
        record : dict
            ``op_id`` as str, ``timestamp`` as an ISO 8601 string, ``result`` as its value.

        Examples
        --------
        >>> from datetime import timezone
        >>> op = SyncOperation(uuid.UUID(int=1), datetime(2025, 1, 1, tzinfo=timezone.utc),
        ...                    "a", "b", "fold_sync", "f", 10, 1, 0, 0, SyncResult.SUCCESS,
        ...                    0.2, None)
        >>> d = op.to_dict(); len(d), d["result"], d["timestamp"]
        (13, 'success', '2025-01-01T00:00:00+00:00')
        """
        return {
            "op_id": str(self.op_id),
            "timestamp": self.timestamp.isoformat(),
            "source_lane": self.source_lane,
            "target_lane": self.target_lane,
            "operation_type": self.operation_type,
            "fold_id": self.fold_id,
            "data_size": self.data_size,
            "fanout_cost": self.fanout_cost,
            "fanin_cost": self.fanin_cost,
            "depth_level": self.depth_level,
            "result": self.result.value,
            "duration_ms": self.duration_ms,
            "error_message": self.error_message,
        }
