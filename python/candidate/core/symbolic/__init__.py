"""Symbolic layer of the candidate lane: stable glyph hashing and glyph interning.

See :mod:`candidate.core.symbolic.symbolic_glyph_hash`.
"""

from __future__ import annotations

from candidate.core.symbolic.symbolic_glyph_hash import (
    ALGORITHMS,
    GlyphTable,
    compute_glyph_hash,
    glyph_hash,
    glyph_hash_many,
    pack_glyphs,
)

__all__ = [
    "ALGORITHMS",
    "GlyphTable",
    "compute_glyph_hash",
    "glyph_hash",
    "glyph_hash_many",
    "pack_glyphs",
]


def __dir__() -> list[str]:
    return list(__all__)
