"""Demo section: stable glyph hashing and interning beside the ``xxhash`` package."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import xxhash

from lukhas.primitives.glyphs import (
    GlyphTable,
    compute_glyph_hash,
    glyph_hash,
    glyph_hash_many,
    pack_glyphs,
)

__all__ = ["TITLE", "run"]

TITLE = "Glyph hashing (candidate.core.symbolic)"

_BATCH = 200_000


def _best_of(repeats: int, func: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def run(out: TextIO) -> None:
    """Write the glyph-hashing tour to ``out``.

    Parameters
    ----------
    out : text stream
        Destination.
    """
    out.write("Digests are bit-exact with xxhash and identical in every process:\n")
    for glyph in ("ΛUKHAS", "🜁", "trinity:⚛️🧠🛡️"):
        out.write(f"  xxh3_64({glyph!r}) = {glyph_hash(glyph):#018x}\n")
    out.write(
        f"  compute_glyph_hash({{'glyph': 'Λ', 'lane': 1}}) = "
        f"{compute_glyph_hash({'glyph': 'Λ', 'lane': 1})!r}\n"
    )

    table = GlyphTable(["⚛️", "🧠", "🛡️"])
    ids = table.add_many(["🧠", "✨", "⚛️"])
    out.write(
        f"\nGlyphTable: {len(table)} glyphs; add_many(['🧠', '✨', '⚛️']) -> {ids.tolist()}, "
        f"ids_of(['✨', '?']) -> {table.ids_of(['✨', '?']).tolist()}\n"
    )

    strs = [f"glyph:{i:x}" for i in range(_BATCH)]
    expected = [xxhash.xxh3_64_intdigest(s.encode()) for s in strs]
    exact = glyph_hash_many(strs).tolist() == expected
    packed = pack_glyphs(strs)
    t_ours = _best_of(5, lambda: glyph_hash_many(strs))
    t_packed = _best_of(5, lambda: glyph_hash_many(packed))
    t_xxhash = _best_of(3, lambda: [xxhash.xxh3_64_intdigest(s.encode()) for s in strs])
    out.write(
        f"\n{_BATCH:,} short strings (bit-exact with xxhash: {exact}):\n"
        f"  glyph_hash_many(list)        {t_ours * 1e3:8.2f} ms  "
        f"({t_ours / _BATCH * 1e9:5.1f} ns each)\n"
        f"  glyph_hash_many(packed)      {t_packed * 1e3:8.2f} ms  "
        f"({t_packed / _BATCH * 1e9:5.1f} ns each)\n"
        f"  xxhash list comprehension    {t_xxhash * 1e3:8.2f} ms  "
        f"({t_xxhash / _BATCH * 1e9:5.1f} ns each)\n"
        f"  speed-up over the comprehension: {t_xxhash / t_ours:.1f}x (list), "
        f"{t_xxhash / t_packed:.1f}x (packed)\n"
    )
