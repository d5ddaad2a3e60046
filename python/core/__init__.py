"""The ``core`` lane: foundation modules LUKHAS imports as ``core.*``.

Subpackages are imported on demand; importing this lane loads nothing else.
"""

from __future__ import annotations

__all__: list[str] = []
