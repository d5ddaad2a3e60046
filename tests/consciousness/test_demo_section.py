"""``lukhas demo --section consciousness`` prints real results from each module."""

from __future__ import annotations

import io
import sys

import pytest

from lukhas.edges.cli import main


def test_consciousness_demo_section(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--section", "consciousness"]) == 0
    text = out.getvalue()
    assert ("activation order guardian-ethics -> memory-fold -> awareness -> creative -> dream"
            in text)
    assert "activated 5/5, health healthy" in text
    assert "small step approved, swing back and forth denied" in text
    assert "calm -> overloaded" in text and "21,000 events" in text
    assert "5 ideas" in text and text.count("     - divergent synthesis of") == 3
    assert "4 clusters, 6 insights" in text and "1 section(s)" in text
