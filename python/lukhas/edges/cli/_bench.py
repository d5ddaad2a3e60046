"""``lukhas bench``: run ``pytest benches --benchmark-only`` and print ours beside each peer.

The benches live in the source checkout (``benches/``), not in the installed
package, so this command runs from a checkout (or takes ``--benches DIR``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

__all__ = ["comparison_rows", "configure", "format_table", "main"]

OURS = "lukhas"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``bench`` arguments to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    parser.add_argument("--benches", type=Path, default=Path("benches"),
                        help="the benches folder of a lukhas checkout (default: ./benches)")
    parser.add_argument("-k", dest="keyword", default=None,
                        help="only benches matching this pytest -k expression")
    parser.add_argument("--min-rounds", type=int, default=5,
                        help="minimum rounds per bench (default: 5)")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown (for BENCHMARKS.md)")
    parser.add_argument("--json", dest="json_path", type=Path, default=None,
                        help="also keep pytest-benchmark's JSON here")


def _label(bench: dict[str, Any]) -> str:
    """``test_large_lukhas[1048576]`` -> ``large_lukhas[1048576]``."""
    name = str(bench["name"])
    return name.removeprefix("test_")


def _is_ours(label: str) -> bool:
    return bool({"lukhas", "ours"} & set(re.split(r"[^a-z0-9]+", label.lower())))


def _context(bench: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """The numeric parameters (sizes, budgets): entries compare only within one context."""
    params = bench.get("params") or {}
    return tuple(
        sorted(
            (key, float(value))
            for key, value in params.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        )
    )


def comparison_rows(report: dict[str, Any]) -> list[tuple[str, str, float, float | None]]:
    """Turn a pytest-benchmark JSON report into ``(group, entry, median_s, ratio)`` rows.

    ``ratio`` is the entry's median over ours (an entry whose name contains
    ``lukhas`` or ``ours``) in the same group and with the same numeric
    parameters (sizes, budgets); above 1 means we are faster.  With several
    of ours in one context the fastest is the base; ``None`` when there is none.

    Parameters
    ----------
    report : dict
        Parsed ``--benchmark-json`` output.

    Returns
    -------
    rows : list of tuple
        Sorted by group, then by context, then by median.

    Examples
    --------
    >>> report = {"benchmarks": [
    ...     {"group": "g", "name": "test_x[lukhas]", "params": {"peer": "lukhas"},
    ...      "stats": {"median": 1.0}},
    ...     {"group": "g", "name": "test_x[deque]", "params": {"peer": "deque"},
    ...      "stats": {"median": 3.0}}]}
    >>> comparison_rows(report)
    [('g', 'x[lukhas]', 1.0, 1.0), ('g', 'x[deque]', 3.0, 3.0)]
    """
    cells: dict[tuple[str, tuple[tuple[str, float], ...]], list[tuple[str, float]]] = {}
    for bench in report.get("benchmarks", []):
        key = (str(bench.get("group") or bench["name"]), _context(bench))
        cells.setdefault(key, []).append((_label(bench), float(bench["stats"]["median"])))
    rows: list[tuple[str, str, float, float | None]] = []
    for group, context in sorted(cells):
        entries = sorted(cells[group, context], key=lambda e: e[1])
        ours = [median for label, median in entries if _is_ours(label)]
        base = min(ours) if ours else None
        for label, median in entries:
            rows.append((group, label, median, None if base is None else median / base))
    return rows


def _fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_table(rows: list[tuple[str, str, float, float | None]], markdown: bool) -> str:
    """Format comparison rows as plain text or Markdown.

    Parameters
    ----------
    rows : list of tuple
        Output of :func:`comparison_rows`.
    markdown : bool
        Emit a Markdown table.

    Returns
    -------
    table : str

    Examples
    --------
    >>> print(format_table([("g", "lukhas", 1e-6, 1.0)], markdown=True))
    | group | entry | median | time / lukhas |
    |---|---|---|---|
    | g | lukhas | 1 us | 1.00x |
    """
    header = ("group", "entry", "median", "time / lukhas")
    body = [
        (group, entry, _fmt_time(median), "-" if ratio is None else f"{ratio:.2f}x")
        for group, entry, median, ratio in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *body]
    )


def main(args: argparse.Namespace, out: TextIO) -> int:
    """Run the benches and write the comparison table to ``out``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.
    out : text stream
        Where the table is written.

    Returns
    -------
    status : int
        pytest's exit status.
    """
    benches: Path = args.benches
    if not benches.is_dir():
        out.write(f"lukhas bench: no benches folder at {benches}; run from a lukhas checkout "
                  "or pass --benches DIR\n")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        json_path = args.json_path or Path(tmp) / "bench.json"
        cmd = [
            sys.executable, "-m", "pytest", str(benches), "--benchmark-only", "-q",
            "-p", "no:cacheprovider", f"--benchmark-min-rounds={args.min_rounds}",
            "--benchmark-columns=min,median,rounds", f"--benchmark-json={json_path}",
        ]
        if args.keyword:
            cmd += ["-k", args.keyword]
        status = subprocess.run(cmd, check=False).returncode
        if not json_path.exists():
            return status or 1
        report = json.loads(json_path.read_text())
    out.write(format_table(comparison_rows(report), markdown=args.markdown) + "\n")
    return status
