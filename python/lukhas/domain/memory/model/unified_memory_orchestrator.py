"""``UnifiedMemoryOrchestrator``: episodic, semantic and working memory over one hybrid store.

Working memory is a :class:`~lukhas.domain.memory.model.WorkingMemory`: bounded,
forgetting the item of lowest ACT-R activation first (retrieval rehearses).
:meth:`UnifiedMemoryOrchestrator.consolidate` turns clusters of near-duplicate
episodic memories into one semantic memory each, linked to its sources in the
causal graph.  :meth:`UnifiedMemoryOrchestrator.sleep` runs one
:class:`SleepStage` and reports a :class:`ConsolidationResult`:

* ``N1``/``N2`` (light sleep): *replay* -- what is still in working memory is
  kept as episodic memory and the working buffer is cleared;
* ``N3`` (slow-wave sleep): *consolidation* -- the fold engine clusters the
  unconsolidated episodes (cosine >= ``consolidation_threshold``, transitively),
  each cluster of at least ``min_cluster_size`` becomes one semantic memory, and
  the importance of its episodes is multiplied by ``downscale`` (synaptic
  down-scaling: the fact now carries what they said);
* ``REM``: *association* -- every pair of semantic memories with cosine
  >= ``association_threshold`` not yet linked is linked in the causal graph,
  from the earlier stored to the later, with the similarity (clipped to
  (0, 1]) as strength; the pairs come from exact index searches.  Every link
  the orchestrator makes runs from an older memory to a newer one, so the graph
  stays acyclic; a pair whose link would close a cycle through links made
  elsewhere is skipped;
* ``WAKE``: nothing.

:meth:`UnifiedMemoryOrchestrator.sleep_cycle` runs N1, N2, N3 and REM in order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from lukhas._validation import check_int, check_real, describe
from lukhas.domain.memory.model._folding import FoldEngine
from lukhas.domain.memory.model._hybrid import HybridMemoryFold
from lukhas.domain.memory.model._items import MemoryItem, MemoryType
from lukhas.domain.memory.model._working import WorkingMemory
from lukhas.primitives.vector import FlatIndex

__all__ = ["ConsolidationResult", "MemoryType", "SleepStage", "UnifiedMemoryOrchestrator"]

logger = logging.getLogger(__name__)


class SleepStage(Enum):
    """Sleep stages and the memory work each does (see the module docstring).

    ``LIGHT`` is an alias of ``N2``; ``DEEP`` and ``SLOW_WAVE`` of ``N3``.

    Examples
    --------
    >>> SleepStage.DEEP is SleepStage.N3, SleepStage("rem").name
    (True, 'REM')
    """

    WAKE = "wake"
    N1 = "n1"
    N2 = "n2"
    N3 = "n3"
    REM = "rem"
    LIGHT = "n2"
    DEEP = "n3"
    SLOW_WAVE = "n3"


#: The stages of :meth:`UnifiedMemoryOrchestrator.sleep_cycle`, in order.
SLEEP_CYCLE: tuple[SleepStage, ...] = (SleepStage.N1, SleepStage.N2, SleepStage.N3, SleepStage.REM)


@dataclass(frozen=True)
class ConsolidationResult:
    """What one sleep stage (or a cycle of them) did to memory.

    Attributes
    ----------
    stages : tuple of SleepStage
        The stages run, in order.
    facts : tuple of str
        New semantic memories (N3).
    clusters : tuple of tuple of str
        The episode ids behind each fact, aligned with ``facts``.
    episodes_considered : int
        Unconsolidated episodes the fold engine looked at (N3).
    replayed : tuple of str
        Working memories kept as episodes (N1/N2).
    downscaled : tuple of str
        Episodes whose importance was down-scaled (N3).
    associations : tuple of (str, str, float)
        Semantic pairs newly linked (older, newer), with their cosine similarity (REM).

    Examples
    --------
    >>> empty = ConsolidationResult((SleepStage.WAKE,))
    >>> empty.merge(ConsolidationResult((SleepStage.REM,))).stages
    (<SleepStage.WAKE: 'wake'>, <SleepStage.REM: 'rem'>)
    """

    stages: tuple[SleepStage, ...]
    facts: tuple[str, ...] = ()
    clusters: tuple[tuple[str, ...], ...] = ()
    episodes_considered: int = 0
    replayed: tuple[str, ...] = ()
    downscaled: tuple[str, ...] = ()
    associations: tuple[tuple[str, str, float], ...] = ()

    @property
    def episodes_consolidated(self) -> int:
        """Episodes folded into the new facts."""
        return sum(len(c) for c in self.clusters)

    def merge(self, other: ConsolidationResult) -> ConsolidationResult:
        """This result followed by ``other`` (every field concatenated or summed)."""
        return ConsolidationResult(
            self.stages + other.stages,
            self.facts + other.facts,
            self.clusters + other.clusters,
            self.episodes_considered + other.episodes_considered,
            self.replayed + other.replayed,
            self.downscaled + other.downscaled,
            self.associations + other.associations,
        )


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
    association_threshold : float, default=0.5
        Cosine similarity at which REM sleep links two semantic memories.
    downscale : float, default=0.5
        Factor in [0, 1] applied in N3 to the importance of consolidated episodes.
    working_decay : float, default=0.5
        ACT-R decay of the working memory.

    Attributes
    ----------
    working : WorkingMemory
        The ids held in working memory.

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
        association_threshold: float = 0.5,
        downscale: float = 0.5,
        working_decay: float = 0.5,
    ) -> None:
        self.memory = memory if memory is not None else HybridMemoryFold(embedding_dim)
        self.working_capacity = check_int("working_capacity", working_capacity, low=1)
        self.consolidation_threshold = check_real("consolidation_threshold",
                                                  consolidation_threshold, low=-1.0, high=1.0)
        self.min_cluster_size = check_int("min_cluster_size", min_cluster_size, low=1)
        self.association_threshold = check_real(
            "association_threshold", association_threshold, low=-1.0, high=1.0
        )
        self.downscale = check_real("downscale", downscale, low=0.0, high=1.0)
        self.working = WorkingMemory(self.working_capacity, working_decay)
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
            for forgotten in self.working.add(memory_id):
                if forgotten in self.memory:
                    self.memory.remove(str(forgotten))
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
            if item.id in self.working:
                self.working.access(item.id)  # retrieval rehearses
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
        return list((await self._fold_episodes(1.0)).facts)

    async def _fold_episodes(self, downscale: float) -> ConsolidationResult:
        episodes = [item for item in self.memory.items()
                    if item.memory_type is MemoryType.EPISODIC
                    and item.id not in self._consolidated]  # fmt: skip
        stage = (SleepStage.N3,)
        if not episodes:
            return ConsolidationResult(stage)
        facts: list[str] = []
        clusters: list[tuple[str, ...]] = []
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
                causes=[m.id for m in members])  # fmt: skip
            for member in members:
                member.importance *= downscale
            self._consolidated.update(m.id for m in members)
            facts.append(fact)
            clusters.append(tuple(m.id for m in members))
        logger.debug("consolidated %d episode(s) into %d fact(s)", len(episodes), len(facts))
        downscaled = tuple(i for c in clusters for i in c) if downscale != 1.0 else ()
        return ConsolidationResult(
            stage, tuple(facts), tuple(clusters), len(episodes), downscaled=downscaled
        )

    def _replay(self, stage: SleepStage) -> ConsolidationResult:
        replayed = []
        for key in list(self.working):
            self.working.remove(key)
            memory_id = str(key)
            if memory_id in self.memory:
                self.memory.get(memory_id).memory_type = MemoryType.EPISODIC
                replayed.append(memory_id)
        return ConsolidationResult((stage,), replayed=tuple(replayed))

    def _associate(self) -> ConsolidationResult:
        facts = [item for item in self.memory.items() if item.memory_type is MemoryType.SEMANTIC]
        stage = (SleepStage.REM,)
        if len(facts) < 2:
            return ConsolidationResult(stage)
        vectors = np.asarray(self.memory.embedder([FoldEngine.text_of(f) for f in facts]),
                             dtype=np.float64)  # fmt: skip
        index = FlatIndex(vectors.shape[1], "cosine", dtype=np.float64)
        index.add(vectors)  # ids 0 .. n-1
        n, threshold, graph = len(facts), self.association_threshold, self.memory.causal_graph
        width, rows = 8, np.arange(n)
        pairs: dict[tuple[int, int], float] = {}
        while rows.size:  # widen the rows whose last hit still clears the threshold
            k = min(width + 1, n)
            found, sims = index.search(vectors[rows], k)
            for row, hits, row_sims in zip(rows.tolist(), found, sims, strict=True):
                for other, sim in zip(hits.tolist(), row_sims.tolist(), strict=True):
                    if other != row and sim >= threshold:
                        pairs[(min(row, other), max(row, other))] = sim
            if k == n:
                break
            rows, width = rows[sims[:, -1] >= threshold], width * 2
        links = []
        for (i, j), sim in sorted(pairs.items()):  # i < j: facts are in storage order
            a, b = facts[i].id, facts[j].id
            if b in graph.effects(a) or a in graph.effects(b):
                continue
            try:
                graph.link(a, b, min(max(sim, 1e-9), 1.0))
            except ValueError:  # a cycle through links made elsewhere
                continue
            links.append((a, b, sim))
        return ConsolidationResult(stage, associations=tuple(links))

    async def sleep(self, stage: SleepStage | str) -> ConsolidationResult:
        """Run one sleep stage's memory work (see the module docstring).

        Parameters
        ----------
        stage : SleepStage or str
            A stage or its value (``"n3"``, ``"rem"``, ...).

        Returns
        -------
        result : ConsolidationResult

        Examples
        --------
        >>> import asyncio
        >>> orch = UnifiedMemoryOrchestrator(embedding_dim=64, consolidation_threshold=0.7)
        >>> async def night():
        ...     await orch.store("remember the milk", MemoryType.WORKING)
        ...     await orch.store("remember the milk!", MemoryType.EPISODIC)
        ...     return await orch.sleep_cycle()
        >>> result = asyncio.run(night())
        >>> len(result.replayed), len(result.facts), result.episodes_consolidated
        (1, 1, 2)
        """
        if not isinstance(stage, SleepStage):
            try:
                stage = SleepStage(stage)
            except ValueError:
                raise ValueError(
                    f"`stage` must be a SleepStage or one of "
                    f"{[s.value for s in SleepStage]}, got {describe(stage)}."
                ) from None
        if stage in (SleepStage.N1, SleepStage.N2):
            return self._replay(stage)
        if stage is SleepStage.N3:
            return await self._fold_episodes(self.downscale)
        if stage is SleepStage.REM:
            return self._associate()
        return ConsolidationResult((stage,))

    async def sleep_cycle(self, stages: Sequence[SleepStage] = SLEEP_CYCLE) -> ConsolidationResult:
        """Run ``stages`` in order (default N1, N2, N3, REM); return the merged result."""
        result = ConsolidationResult(())
        for stage in stages:
            result = result.merge(await self.sleep(stage))
        return result
