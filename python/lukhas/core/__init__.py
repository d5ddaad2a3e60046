"""``lukhas.core``: foundation APIs (rings, reliability, drift, policy guard, ...).

Each submodule is imported on demand; importing this package loads nothing else.
"""

from __future__ import annotations

__all__: list[str] = []
