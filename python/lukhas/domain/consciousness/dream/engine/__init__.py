"""``consciousness.dream.engine``: the same engine as :mod:`..core` (LUKHAS imports both)."""

from __future__ import annotations

from lukhas.domain.consciousness.dream.engine.dream_engine import DreamEngine

__all__ = ["DreamEngine"]
