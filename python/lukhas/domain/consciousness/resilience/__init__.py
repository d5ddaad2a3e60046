"""Resilience of the consciousness runtime: checkpoints, degradation levels, recovery.

The home of ``consciousness.resilience`` (no LUKHAS caller at v0.03: free design).
:mod:`.checkpoint` stores the whole consciousness state as atomic, versioned,
checksummed SQLite snapshots (a process killed mid-checkpoint restores the last
complete one); :mod:`.degradation` turns the subsystems' circuit breakers
(``lukhas.core.reliability``) into a degradation level and runs recovery playbooks.
"""

from __future__ import annotations

from lukhas.domain.consciousness.resilience.checkpoint import (
    Checkpoint,
    CheckpointCorruptError,
    CheckpointStore,
    ConsciousnessStateManager,
    decode_state,
    encode_state,
)
from lukhas.domain.consciousness.resilience.degradation import (
    DegradationLevel,
    DegradationManager,
    LevelChange,
    PlaybookRun,
    RecoveryPlaybook,
    RecoveryStep,
)

__all__ = [
    "Checkpoint",
    "CheckpointCorruptError",
    "CheckpointStore",
    "ConsciousnessStateManager",
    "DegradationLevel",
    "DegradationManager",
    "LevelChange",
    "PlaybookRun",
    "RecoveryPlaybook",
    "RecoveryStep",
    "decode_state",
    "encode_state",
]


def __dir__() -> list[str]:
    return list(__all__)
