"""Domain modules built on services and primitives (layer 4 of 5).

Consciousness streams and ticker, the memory model and its services, collective
decisions and reinforcement learning.

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
