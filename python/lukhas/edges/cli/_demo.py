"""``lukhas demo``: a short tour of what the library does, with real results and timings."""

from __future__ import annotations

import argparse
import importlib
import time
from typing import TextIO

__all__ = ["SECTIONS", "configure", "main"]

#: Demo sections in the order they run: name -> module with ``TITLE`` and ``run(out)``.
SECTIONS: dict[str, str] = {
    "ring": "lukhas.edges.cli._demo_ring",
    "glyphs": "lukhas.edges.cli._demo_glyphs",
    "clock": "lukhas.edges.cli._demo_clock",
    "memory": "lukhas.edges.cli._demo_memory",
    "portfolio": "lukhas.edges.cli._demo_portfolio",
    "evolve": "lukhas.edges.cli._demo_evolve",
    "consciousness": "lukhas.edges.cli._demo_consciousness",
}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``demo`` arguments to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    parser.add_argument(
        "--section",
        choices=list(SECTIONS),
        action="append",
        help="run only this section (repeatable); default: all",
    )


def main(args: argparse.Namespace, out: TextIO) -> int:
    """Run the demo sections and write their results to ``out``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (``section``).
    out : text stream
        Where the tour is written.

    Returns
    -------
    status : int
        0 on success.
    """
    chosen = args.section or list(SECTIONS)
    start = time.perf_counter()
    for name in chosen:
        module = importlib.import_module(SECTIONS[name])
        out.write(f"\n== {module.TITLE} ==\n")
        t0 = time.perf_counter()
        module.run(out)
        out.write(f"   (section took {time.perf_counter() - t0:.2f} s)\n")
        out.flush()
    out.write(f"\nlukhas demo: {len(chosen)} section(s) in {time.perf_counter() - start:.2f} s\n")
    return 0
