"""Dreams: offline consolidation of memories into insights, and parallel realities.

The home of ``consciousness.dream``: :mod:`.core.dream_engine` (``DreamEngine``:
replay by salience and recency, clustering with vector search, recombination,
novelty and breakthroughs; also at :mod:`.engine.dream_engine`) and
:mod:`.parallel_reality_simulator` (``RealityBranch``, ``RealityType``: Monte-Carlo
branching over a small causal model).  Deterministic with a seed.
"""

from __future__ import annotations

from lukhas.domain.consciousness.dream.core.dream_engine import (
    DreamConfig,
    DreamEngine,
    DreamInsight,
    DreamReport,
)
from lukhas.domain.consciousness.dream.parallel_reality_simulator import (
    CausalModel,
    ParallelRealitySimulator,
    RealityBranch,
    RealityType,
)

__all__ = [
    "CausalModel",
    "DreamConfig",
    "DreamEngine",
    "DreamInsight",
    "DreamReport",
    "ParallelRealitySimulator",
    "RealityBranch",
    "RealityType",
]


def __dir__() -> list[str]:
    return list(__all__)
