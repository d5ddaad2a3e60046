"""Bio-inspired computation for LUKHAS; the optimisers live in :mod:`lukhas.bio.utils`."""

from __future__ import annotations

__all__: list[str] = []
