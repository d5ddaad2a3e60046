"""``lukhas.tools``: tools agents use, starting with the sandboxed :mod:`code_executor`.

Each submodule is imported on demand; importing this package loads nothing else.
"""

from __future__ import annotations

__all__: list[str] = []
