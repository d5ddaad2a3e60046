"""Creativity engine: divergent idea generation by evolving concept mixtures.

The home of ``lukhas.consciousness.creativity_engine``.  Ideas are mixtures of
concept vectors evolved with the DE and GA kernels of :mod:`lukhas.primitives.evolve`
(``lukhas.bio.utils``), scored for novelty against the concepts and an idea memory
(:class:`~lukhas.primitives.vector.FlatIndex`) and for coherence with the task;
reproducible with a seed.

Examples
--------
>>> import asyncio
>>> engine = CreativityEngine(config={"seed": 1})
>>> snap = asyncio.run(engine.generate_ideas(
...     CreativeTask("music for sleeping robots", min_ideas=2), None, {"concepts": ["tide"]}))
>>> snap.fluency_count == len(snap.ideas) >= 2, snap.inspiration_sources
(True, ['task', 'context'])
"""

from __future__ import annotations

from lukhas.domain.consciousness.creativity._concepts import concept_vector, concepts_of
from lukhas.domain.consciousness.creativity._engine import (
    FLOW_STATES,
    MODES,
    CreativeIdea,
    CreativeTask,
    CreativityConfig,
    CreativityEngine,
    CreativitySnapshot,
)

__all__ = [
    "FLOW_STATES",
    "MODES",
    "CreativeIdea",
    "CreativeTask",
    "CreativityConfig",
    "CreativityEngine",
    "CreativitySnapshot",
    "concept_vector",
    "concepts_of",
]


def __dir__() -> list[str]:
    return list(__all__)
