"""The `lukhas demo` memory section stores, reopens and searches a real SQLite store."""

from __future__ import annotations

import io
import re

from lukhas.edges.cli import _demo_memory


def test_demo_section_searches_an_embedded_store() -> None:
    out = io.StringIO()
    _demo_memory.run(out)  # raises if the reopened store, numpy check or sync disagree
    text = out.getvalue()
    assert _demo_memory.TITLE.startswith("Vector memory")
    assert re.search(r"28 memories embedded .* stored in [\d.]+ ms .* reopened in [\d.]+ ms",
                     text)
    answers = re.findall(r"\? '([^']+)'.*\n\s+([\d.]+)  (.+)\n", text)
    assert [(q, best) for q, _, best in answers] == [
        ("where did I leave the car keys?", "the car keys is on the top shelf"),
        ("tax forms folder", "the tax forms is on the top shelf"),
        ("what is on the top shelf", "the router is on the top shelf"),
    ]
    assert "[['call mom on sunday', 'Call mom on Sunday!']]" in text
    assert re.search(r"50,000 x 128 clustered vectors: \d+ ms \(numpy .* \d+ ms\)", text)
    assert "3 ok" in text and "fanout now 0/8" in text
