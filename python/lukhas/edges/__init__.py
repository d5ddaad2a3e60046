"""Edges: the command line and integrations (layer 5 of 5).

Import the subpackages directly; this package itself imports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
