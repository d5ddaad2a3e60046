"""The ``bridge`` lane: adapters between LUKHAS services and the outside (APIs, analytics).

Subpackages are imported on demand; importing this lane loads nothing else.
"""

from __future__ import annotations

__all__: list[str] = []
