"""Real in-memory backends for tests: same protocol, same conformance suite.

- :class:`InMemoryBackend` (alias :data:`AGIMemoryFake`): a numpy
  implementation of :class:`memory.core.MetadataBackend` -- exact search,
  metadata filters, the same errors as the compiled and persistent stores.

Examples
--------
>>> from memory.core import MetadataBackend
>>> from memory.fakes import AGIMemoryFake
>>> isinstance(AGIMemoryFake(4), MetadataBackend)
True
"""

from __future__ import annotations

from memory.fakes._in_memory import AGIMemoryFake, InMemoryBackend

__all__ = ["AGIMemoryFake", "InMemoryBackend"]


def __dir__() -> list[str]:
    return list(__all__)
