"""``bridge.api``: support code for LUKHAS HTTP APIs (analysis of users and usage).

Subpackages are imported on demand; importing this package loads nothing else.
"""

from __future__ import annotations

__all__: list[str] = []
