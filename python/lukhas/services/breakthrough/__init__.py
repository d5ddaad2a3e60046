"""Breakthrough detection over streams of scores or vectors.

:class:`BreakthroughDetector` (the LUKHAS contract) scores each observation as
a weighted sum of novelty and value and flags scores that stand ``z``
standard deviations above their own running history; flagged steps are kept as
:class:`BreakthroughEvent` records.  :class:`VectorNovelty` measures the
novelty of an embedding against a memory of recent embeddings, and
``BreakthroughDetector.observe`` combines the two.
"""

from __future__ import annotations

from lukhas.services.breakthrough._detector import BreakthroughDetector, BreakthroughEvent
from lukhas.services.breakthrough._novelty import VectorNovelty

__all__ = ["BreakthroughDetector", "BreakthroughEvent", "VectorNovelty"]


def __dir__() -> list[str]:
    return list(__all__)
