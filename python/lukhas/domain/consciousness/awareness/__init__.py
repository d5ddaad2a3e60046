"""Awareness: live signals turned into salience, attention and a state with hysteresis.

The home of ``consciousness.awareness``: :mod:`.awareness_engine` (``AwarenessEngine``)
and :mod:`.system_awareness` (``SystemAwareness``, process load from ``psutil``).

Examples
--------
>>> engine = AwarenessEngine()
>>> engine.record_drift(0.9, t=0.0).state
'overloaded'
"""

from __future__ import annotations

from lukhas.domain.consciousness.awareness.awareness_engine import (
    STATES,
    AwarenessConfig,
    AwarenessEngine,
    AwarenessSnapshot,
    AwarenessTransition,
)
from lukhas.domain.consciousness.awareness.system_awareness import HEALTH_LEVELS, SystemAwareness

__all__ = [
    "HEALTH_LEVELS",
    "STATES",
    "AwarenessConfig",
    "AwarenessEngine",
    "AwarenessSnapshot",
    "AwarenessTransition",
    "SystemAwareness",
]


def __dir__() -> list[str]:
    return list(__all__)
