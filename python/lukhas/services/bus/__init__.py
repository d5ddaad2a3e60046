"""Orchestration services: the in-process kernel bus and the pieces built on it.

Import the submodules directly (``from lukhas.services.bus import kernel_bus``);
this package itself imports nothing, so loading one service never loads the others.
"""

from __future__ import annotations

__all__: list[str] = []
