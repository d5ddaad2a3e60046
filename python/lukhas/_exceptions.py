"""Domain exceptions shared across lukhas.

Each refines the builtin it subclasses (as attrs does), so callers may catch
either the precise class or the builtin.
"""

from __future__ import annotations

__all__ = ["EmptyRingError", "GlyphCollisionError"]


class EmptyRingError(IndexError):
    """Raised when popping or indexing an empty ring."""


class GlyphCollisionError(ValueError):
    """Raised when two different glyphs hash to the same value where that is not allowed."""
