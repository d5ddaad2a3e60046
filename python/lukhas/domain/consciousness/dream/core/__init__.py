"""Dream-time consolidation (``consciousness.dream.core``): see :mod:`.dream_engine`."""

from __future__ import annotations

from lukhas.domain.consciousness.dream.core.dream_engine import (
    DreamConfig,
    DreamEngine,
    DreamInsight,
    DreamReport,
)

__all__ = ["DreamConfig", "DreamEngine", "DreamInsight", "DreamReport"]
