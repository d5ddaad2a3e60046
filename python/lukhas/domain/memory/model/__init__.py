"""The memory model: items and folds, the backend protocol, the fold engine, hybrid memory.

- :class:`MemoryItem` (alias :data:`Memory`), :class:`MemoryFold`,
  :class:`MemoryType`: the data model.
- :class:`MemoryBackend` / :class:`MetadataBackend`: the protocols every vector
  store implements (``lukhas.primitives.vector`` and :mod:`lukhas.domain.memory.fakes`).
- :func:`cluster_near_duplicates`, :class:`FoldEngine`: folding by similarity
  (through the exact index) and by tag.
- :class:`MemoryFoldSystem`, :class:`HybridMemoryFold`,
  :func:`create_hybrid_memory_fold`: tagged memory plus vector search,
  attention re-ranking, importance feedback and a :class:`CausalGraph`.
- :class:`MemoryCore`: meta-learning episodes and strategy statistics.
- :class:`~lukhas.domain.memory.model.unified_memory_orchestrator.UnifiedMemoryOrchestrator`:
  episodic/semantic/working memory, consolidation and sleep stages
  (:class:`SleepStage`), each reported as a :class:`ConsolidationResult`.
- :class:`WorkingMemory`: a bounded buffer forgetting by ACT-R base-level activation.
- :class:`HashingEmbedder`: model-free text embeddings (feature hashing).

Examples
--------
>>> import asyncio
>>> from lukhas.domain.memory.model import create_hybrid_memory_fold
>>> mem = create_hybrid_memory_fold(embedding_dim=64)
>>> mid = asyncio.run(mem.fold_in_with_embedding("hello", tags=["greeting"]))
>>> [item.id for item in asyncio.run(mem.fold_out_by_tag("greeting"))] == [mid]
True
"""

from __future__ import annotations

from lukhas.domain.memory.model._causal import CausalGraph
from lukhas.domain.memory.model._embedding import HashingEmbedder
from lukhas.domain.memory.model._folding import FoldEngine, cluster_near_duplicates
from lukhas.domain.memory.model._hybrid import (
    HybridMemoryFold,
    MemoryFoldSystem,
    create_hybrid_memory_fold,
)
from lukhas.domain.memory.model._items import MemoryFold, MemoryItem, MemoryType, new_memory_id
from lukhas.domain.memory.model._meta import MemoryCore, StrategyStats
from lukhas.domain.memory.model._protocol import MemoryBackend, MetadataBackend
from lukhas.domain.memory.model._working import WorkingMemory
from lukhas.domain.memory.model.unified_memory_orchestrator import (
    ConsolidationResult,
    SleepStage,
    UnifiedMemoryOrchestrator,
)

#: The LUKHAS name of :class:`MemoryItem` (one stored memory).
Memory = MemoryItem

__all__ = [
    "CausalGraph",
    "ConsolidationResult",
    "FoldEngine",
    "HashingEmbedder",
    "HybridMemoryFold",
    "Memory",
    "MemoryBackend",
    "MemoryCore",
    "MemoryFold",
    "MemoryFoldSystem",
    "MemoryItem",
    "MemoryType",
    "MetadataBackend",
    "SleepStage",
    "StrategyStats",
    "UnifiedMemoryOrchestrator",
    "WorkingMemory",
    "cluster_near_duplicates",
    "create_hybrid_memory_fold",
    "new_memory_id",
]


def __dir__() -> list[str]:
    return list(__all__)
