"""Real in-memory backends for tests: same protocol, same conformance suite.

- :class:`InMemoryBackend` (alias :data:`AGIMemoryFake`): a numpy
  implementation of :class:`lukhas.domain.memory.model.MetadataBackend` -- exact search,
  metadata filters, the same errors as the compiled and persistent stores.

Examples
--------
>>> from lukhas.domain.memory.model import MetadataBackend
>>> from lukhas.domain.memory.fakes import AGIMemoryFake
>>> isinstance(AGIMemoryFake(4), MetadataBackend)
True
"""

from __future__ import annotations

from lukhas.domain.memory.fakes._in_memory import AGIMemoryFake, InMemoryBackend

__all__ = ["AGIMemoryFake", "InMemoryBackend"]


def __dir__() -> list[str]:
    return list(__all__)
