"""The memory domain: the memory model, in-memory fakes, consolidation and replica sync.

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
