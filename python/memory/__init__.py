"""The ``memory`` lane: the memory model LUKHAS code imports.

Subpackages are imported on demand; importing this package loads nothing else.

- :mod:`memory.core`: memory items and folds, the :class:`~memory.core.MemoryBackend`
  protocol, the fold engine, hybrid (tag + vector) memory and the orchestrator.
- :mod:`memory.fakes`: real in-memory backends that pass the same conformance
  suite as the compiled and persistent ones.
"""

from __future__ import annotations

__all__: list[str] = []
