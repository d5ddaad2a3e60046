"""The ``lukhas`` command line: version, help, the demo and the bench runner."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from lukhas import __version__
from lukhas.edges.cli import main
from lukhas.edges.cli._bench import comparison_rows, format_table

ROOT = Path(__file__).resolve().parents[2]


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"lukhas {__version__}"
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "demo" in out and "bench" in out and "portfolio" in out


def test_demo_ring_section_prints_real_results(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--section", "ring"]) == 0
    text = out.getvalue()
    assert "Ring buffers (lukhas.core.ring)" in text
    assert "ns/item" in text and "drop rate" in text and "1 section(s)" in text


def test_bench_refuses_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["bench", "--benches", str(tmp_path / "nope")]) == 2
    assert "no benches folder" in out.getvalue()


def test_bench_runs_one_group_and_prints_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.chdir(ROOT)
    status = main(["bench", "-k", "test_latest", "--min-rounds", "1", "--markdown"])
    assert status == 0
    table = out.getvalue()
    assert "| ring-latest-1024 | latest[lukhas] |" in table
    assert "1.00x" in table and "latest[np.copyto]" in table


def test_comparison_rows_match_sizes_and_pick_the_fastest_of_ours() -> None:
    report = {"benchmarks": [
        {"group": "g", "name": "test_a_lukhas[10]", "params": {"n": 10}, "stats": {"median": 2.0}},
        {"group": "g", "name": "test_a_peer[10]", "params": {"n": 10}, "stats": {"median": 6.0}},
        {"group": "g", "name": "test_a_lukhas[99]", "params": {"n": 99}, "stats": {"median": 5.0}},
        {"group": "g", "name": "test_a_peer[99]", "params": {"n": 99}, "stats": {"median": 4.0}},
        {"group": "h", "name": "test_b_other", "params": None, "stats": {"median": 1.0}},
    ]}
    rows = comparison_rows(report)
    assert rows == [
        ("g", "a_lukhas[10]", 2.0, 1.0),
        ("g", "a_peer[10]", 6.0, 3.0),
        ("g", "a_peer[99]", 4.0, 0.8),
        ("g", "a_lukhas[99]", 5.0, 1.0),
        ("h", "b_other", 1.0, None),
    ]
    assert "| h | b_other | 1 s | - |" in format_table(rows, markdown=True)
