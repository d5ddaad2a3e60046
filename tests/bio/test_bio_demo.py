"""The `lukhas demo` section for lukhas.bio.utils."""

from __future__ import annotations

import io
import re

from lukhas.edges.cli import _demo_evolve


def test_demo_section_reports_runs_and_convergence():
    out = io.StringIO()
    _demo_evolve.run(out)
    text = out.getvalue()
    assert _demo_evolve.TITLE.startswith("Evolution and swarms")
    assert "PSO" in text and "GA" in text and "M evals/s" in text
    for line in (ln for ln in text.splitlines() if ln.strip().startswith("it ")):
        values = [float(v) for v in re.findall(r"it +\d+: +([0-9.]+)", line)]
        assert len(values) >= 3 and values == sorted(values, reverse=True)
        assert values[-1] < values[0]
