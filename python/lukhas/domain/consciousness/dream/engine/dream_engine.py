"""``consciousness.dream.engine.dream_engine``: the one :class:`DreamEngine`, re-exported.

LUKHAS imports the engine from two paths; both give the class defined in
:mod:`lukhas.domain.consciousness.dream.core.dream_engine`.
"""

from __future__ import annotations

from lukhas.domain.consciousness.dream.core.dream_engine import DreamEngine

__all__ = ["DreamEngine"]
