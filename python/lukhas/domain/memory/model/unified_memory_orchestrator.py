"""``UnifiedMemoryOrchestrator``: episodic, semantic and working memory over one hybrid store.

Working memory is bounded (least recently stored items are forgotten first);
:meth:`UnifiedMemoryOrchestrator.consolidate` turns clusters of near-duplicate
episodic memories into one semantic memory each, linked to its sources in the
causal graph.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from lukhas._validation import check_int, check_real
from lukhas.domain.memory.model._folding import FoldEngine
from lukhas.domain.memory.model._hybrid import HybridMemoryFold
from lukhas.domain.memory.model._items import MemoryItem, MemoryType

__all__ = ["MemoryType", "UnifiedMemoryOrchestrator"]

logger = logging.getLogger(__name__)


class UnifiedMemoryOrchestrator:
    """Routes memories by type and consolidates episodes into facts.

    Parameters
    ----------
    memory : HybridMemoryFold, optional
        The store; a new one with ``embedding_dim`` by default.
    embedding_dim : int, default=256
    working_capacity : int, default=64
        Working memories kept, >= 1.
    consolidation_threshold : float, default=0.8
        Cosine similarity at which episodes count as the same fact.
    min_cluster_size : int, default=2
        Episodes needed before a fact is formed, >= 1.

    Examples
    --------
    >>> import asyncio
    >>> orch = UnifiedMemoryOrchestrator(embedding_dim=64, consolidation_threshold=0.7)
    >>> async def demo():
    ...     for text in ("the kettle is in the kitchen", "the kettle is in the kitchen!",
    ...                  "the cat sleeps on the sofa"):
    ...         await orch.store(text, MemoryType.EPISODIC)
    ...     facts = await orch.consolidate()
    ...     return [orch.memory.get(f).content for f in facts]
    >>> asyncio.run(demo())
    ['the kettle is in the kitchen']
    """

    def __init__(
        self,
        memory: HybridMemoryFold | None = None,
        *,
        embedding_dim: int = 256,
        working_capacity: int = 64,
        consolidation_threshold: float = 0.8,
        min_cluster_size: int = 2,
    ) -> None:
        self.memory = memory if memory is not None else HybridMemoryFold(embedding_dim)
        self.working_capacity = check_int("working_capacity", working_capacity, low=1)
        self.consolidation_threshold = check_real("consolidation_threshold",
                                                  consolidation_threshold, low=-1.0, high=1.0)
        self.min_cluster_size = check_int("min_cluster_size", min_cluster_size, low=1)
        self._working: OrderedDict[str, None] = OrderedDict()
        self._consolidated: set[str] = set()

    async def store(
        self,
        content: Any,
        memory_type: MemoryType = MemoryType.EPISODIC,
        tags: Iterable[str] | None = None,
        *,
        text: str | None = None,
        importance: float = 0.5,
    ) -> str:
        """Store a memory of the given type; return its id (may evict working memory).

        Examples
        --------
        >>> import asyncio
        >>> orch = UnifiedMemoryOrchestrator(embedding_dim=16, working_capacity=1)
        >>> first = asyncio.run(orch.store("a", MemoryType.WORKING))
        >>> _ = asyncio.run(orch.store("b", MemoryType.WORKING))
        >>> first in orch.memory   # evicted: capacity 1
        False
        """
        memory_id = await self.memory.fold_in_with_embedding(
            content, tags=tags, text_content=text, memory_type=memory_type,
            importance=importance)
        if memory_type is MemoryType.WORKING:
            self._working[memory_id] = None
            while len(self._working) > self.working_capacity:
                oldest, _ = self._working.popitem(last=False)
                self.memory.remove(oldest)
        return memory_id

    async def retrieve(
        self, query: Any, top_k: int = 5, memory_types: Iterable[MemoryType] | None = None
    ) -> list[tuple[MemoryItem, float]]:
        """Best matches of ``query`` among the given types (all types by default).

        Examples
        --------
        >>> import asyncio
        >>> orch = UnifiedMemoryOrchestrator(embedding_dim=32)
        >>> _ = asyncio.run(orch.store("apples are red", MemoryType.SEMANTIC))
        >>> _ = asyncio.run(orch.store("I ate apples", MemoryType.EPISODIC))
        >>> [m.content for m, _ in asyncio.run(orch.retrieve("apples", 1, [MemoryType.EPISODIC]))]
        ['I ate apples']
        """
        top_k = check_int("top_k", top_k, low=1)
        wanted = None if memory_types is None else frozenset(memory_types)
        width = top_k
        while True:
            hits = self.memory.search(query, width)
            kept = [(item, score) for item, score in hits
                    if wanted is None or item.memory_type in wanted]
            if len(kept) >= top_k or len(hits) < width:
                break
            width *= 4  # the wanted types are rare among the nearest: look further
        for item, _ in kept[:top_k]:
            item.touch()
        return kept[:top_k]

    async def consolidate(self) -> list[str]:
        """Fold clusters of similar, not yet consolidated episodes into semantic memories.

        Returns
        -------
        memory_ids : list of str
            The new semantic memories; each is the cluster's most important
            (then oldest) episode's content, caused by every member.

        Examples
        --------
        See :class:`UnifiedMemoryOrchestrator`.
        """
        episodes = [item for item in self.memory.items()
                    if item.memory_type is MemoryType.EPISODIC
                    and item.id not in self._consolidated]
        if not episodes:
            return []
        created = []
        engine = FoldEngine(self.memory.embedder, self.consolidation_threshold)
        for fold in engine.fold_by_similarity(episodes):
            members: list[MemoryItem] = fold.items
            if len(members) < self.min_cluster_size:
                continue
            head = max(members, key=lambda m: (m.importance, -m.created_at.timestamp()))
            fact = await self.memory.fold_in_with_embedding(
                head.content, tags=fold.tags, text_content=head.text,
                memory_type=MemoryType.SEMANTIC,
                importance=max(m.importance for m in members),
                causes=[m.id for m in members])
            self._consolidated.update(m.id for m in members)
            created.append(fact)
        logger.debug("consolidated %d episode(s) into %d fact(s)", len(episodes), len(created))
        return created
