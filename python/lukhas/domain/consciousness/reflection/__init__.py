"""The reflection layer: memory managers, the memory hub, the model service, self-reflection.

The home of ``consciousness.reflection``: :mod:`.unified_memory_manager`
(``EnhancedMemoryManager``, ``DriftMemoryManager``, ``QIMemoryManager``),
:mod:`.memory_hub` (``MemoryHub``), :mod:`.openai_core_service` (a client for any
OpenAI-compatible endpoint) and :mod:`.self_reflection_engine` (``ReflectionEngine``,
the class of :mod:`lukhas.domain.consciousness.reflection_engine`).
"""

from __future__ import annotations

from lukhas.domain.consciousness.reflection.memory_hub import CAPABILITIES, MemoryHub
from lukhas.domain.consciousness.reflection.openai_core_service import (
    ModelType,
    OpenAICapability,
    OpenAICoreService,
    OpenAIRequest,
    OpenAIResponse,
)
from lukhas.domain.consciousness.reflection.self_reflection_engine import ReflectionEngine
from lukhas.domain.consciousness.reflection.unified_memory_manager import (
    DriftMemoryManager,
    EnhancedMemoryManager,
    MemoryFoldInfo,
    QIMemoryManager,
)

__all__ = [
    "CAPABILITIES",
    "DriftMemoryManager",
    "EnhancedMemoryManager",
    "MemoryFoldInfo",
    "MemoryHub",
    "ModelType",
    "OpenAICapability",
    "OpenAICoreService",
    "OpenAIRequest",
    "OpenAIResponse",
    "QIMemoryManager",
    "ReflectionEngine",
]


def __dir__() -> list[str]:
    return list(__all__)
