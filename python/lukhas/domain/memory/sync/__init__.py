"""Replica sync of memory folds between lanes, within budgets.

:class:`MemorySynchronizer` moves folds from a source lane to a target lane
when the lane policy, the in-flight fan-out/fan-in limits, the depth of
operation chains and the per-window operation and data budgets
(:class:`SyncBudgetConfig`, defaults per lane in :data:`LANE_DEFAULTS`) allow
it.  Every call is logged as a :class:`SyncOperation` with a
:class:`SyncResult`.  Successful syncs reconcile the fold's replicas causally
(:class:`ReplicaStore`: ``lukhas.primitives.clock`` vector clocks and HLC stamps; concurrent
writes go to a :class:`ConflictResolver`, :func:`last_writer_wins` by default).

Examples
--------
>>> from lukhas.domain.memory.sync import SyncResult, create_memory_synchronizer
>>> sync = create_memory_synchronizer(lane="experimental", ops_budget_per_tick=1)
>>> sync.sync_fold("experimental", "candidate", {"fold_id": "f"}).result is SyncResult.SUCCESS
True
>>> sync.sync_fold("experimental", "candidate", {"fold_id": "f"}).result
<SyncResult.ERROR_BUDGET: 'error_budget'>
"""

from __future__ import annotations

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
    ReplicaEntry,
    ReplicaStore,
    last_writer_wins,
)
from lukhas.domain.memory.sync._synchronizer import (
    Approver,
    MemorySynchronizer,
    create_memory_synchronizer,
)

__all__ = [
    "DEFAULT_LANE",
    "LANE_DEFAULTS",
    "Approver",
    "ConflictResolver",
    "MemorySynchronizer",
    "ReconcileOutcome",
    "ReplicaEntry",
    "ReplicaStore",
    "SyncBudgetConfig",
    "SyncOperation",
    "SyncResult",
    "create_memory_synchronizer",
    "last_writer_wins",
]


def __dir__() -> list[str]:
    return list(__all__)
