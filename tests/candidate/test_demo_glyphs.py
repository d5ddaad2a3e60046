"""The `lukhas demo` glyph section writes a real, verified tour."""

from __future__ import annotations

import io

from lukhas.edges.cli import _demo_glyphs


def test_demo_section_runs_and_reports_a_verified_batch() -> None:
    out = io.StringIO()
    _demo_glyphs.run(out)
    text = out.getvalue()
    assert _demo_glyphs.TITLE.startswith("Glyph hashing")
    assert "xxh3_64('ΛUKHAS') = 0x697e0e368a4c5880" in text
    assert "add_many(['🧠', '✨', '⚛️']) -> [1, 3, 0]" in text
    assert "200,000 short strings (bit-exact with xxhash: True)" in text
    assert "speed-up over the comprehension:" in text
