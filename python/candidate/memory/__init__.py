"""Vector memory for the ``candidate`` lane.

Subpackages are imported on demand; importing this package loads nothing else.
``candidate.memory.backends`` holds the search indexes and persistent stores.
"""

from __future__ import annotations

__all__: list[str] = []
