"""The memory model: items and folds, the backend protocol, the fold engine, hybrid memory.

- :class:`MemoryItem`, :class:`MemoryFold`, :class:`MemoryType`: the data model.
- :class:`MemoryBackend` / :class:`MetadataBackend`: the protocols every vector
  store implements (``candidate.memory.backends`` and :mod:`memory.fakes`).
- :func:`cluster_near_duplicates`, :class:`FoldEngine`: folding by similarity
  (through the exact index) and by tag.
- :class:`MemoryFoldSystem`, :class:`HybridMemoryFold`,
  :func:`create_hybrid_memory_fold`: tagged memory plus vector search,
  attention re-ranking, importance feedback and a :class:`CausalGraph`.
- :class:`MemoryCore`: meta-learning episodes and strategy statistics.
- :class:`~memory.core.unified_memory_orchestrator.UnifiedMemoryOrchestrator`:
  episodic/semantic/working memory and consolidation.
- :class:`HashingEmbedder`: model-free text embeddings (feature hashing).

Examples
--------
>>> import asyncio
>>> from memory.core import create_hybrid_memory_fold
>>> mem = create_hybrid_memory_fold(embedding_dim=64)
>>> mid = asyncio.run(mem.fold_in_with_embedding("hello", tags=["greeting"]))
>>> [item.id for item in asyncio.run(mem.fold_out_by_tag("greeting"))] == [mid]
True
"""

from __future__ import annotations

from memory.core._causal import CausalGraph
from memory.core._embedding import HashingEmbedder
from memory.core._folding import FoldEngine, cluster_near_duplicates
from memory.core._hybrid import HybridMemoryFold, MemoryFoldSystem, create_hybrid_memory_fold
from memory.core._items import MemoryFold, MemoryItem, MemoryType, new_memory_id
from memory.core._meta import MemoryCore, StrategyStats
from memory.core._protocol import MemoryBackend, MetadataBackend
from memory.core.unified_memory_orchestrator import UnifiedMemoryOrchestrator

__all__ = [
    "CausalGraph",
    "FoldEngine",
    "HashingEmbedder",
    "HybridMemoryFold",
    "MemoryBackend",
    "MemoryCore",
    "MemoryFold",
    "MemoryFoldSystem",
    "MemoryItem",
    "MemoryType",
    "MetadataBackend",
    "StrategyStats",
    "UnifiedMemoryOrchestrator",
    "cluster_near_duplicates",
    "create_hybrid_memory_fold",
    "new_memory_id",
]


def __dir__() -> list[str]:
    return list(__all__)
