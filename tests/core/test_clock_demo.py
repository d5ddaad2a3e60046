"""The `lukhas demo` clock section writes a real, verified causal-ordering tour."""

from __future__ import annotations

import io
import re

from lukhas.edges.cli import _demo_clock


def test_demo_section_orders_three_nodes_and_reports_timings() -> None:
    out = io.StringIO()
    _demo_clock.run(out)  # raises if any send were ordered after its receive
    text = out.getvalue()
    assert _demo_clock.TITLE.startswith("Causal order")
    assert "events on 3 nodes" in text and "every send precedes its receive" in text
    rows = re.findall(r"\[\s*(\d+),(\d+),(\d+)\]", text)
    assert len(rows) == 12
    vectors = [tuple(map(int, r)) for r in rows]
    for i, later in enumerate(vectors):  # no listed event happened before an earlier one
        for earlier in vectors[:i]:
            assert not (all(x <= y for x, y in zip(later, earlier, strict=True))
                        and later != earlier)
    assert re.search(r"compare \+ merge in one pass: [\d.]+ ms vs numpy [\d.]+ ms", text)
