"""``consciousness.reflection.self_reflection_engine``: the one reflection engine.

LUKHAS imports ``ReflectionEngine`` from here and from
``lukhas.consciousness.reflection_engine``; both are the class of
:mod:`lukhas.domain.consciousness.reflection_engine`.
"""

from __future__ import annotations

from lukhas.domain.consciousness.reflection_engine import (
    ReflectionConfig,
    ReflectionEngine,
    ReflectionReport,
)

__all__ = ["ReflectionConfig", "ReflectionEngine", "ReflectionReport"]
