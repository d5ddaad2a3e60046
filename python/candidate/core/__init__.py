"""``candidate.core``: candidate-lane core modules (symbolic glyph hashing, ...)."""

from __future__ import annotations

__all__: list[str] = []
