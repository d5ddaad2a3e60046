"""The ``lukhas`` command line: ``lukhas demo``, ``lukhas bench``, ``lukhas portfolio``.

Each subcommand lives in its own private module and is imported only when it
runs, so ``lukhas --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# name -> (module, help).  Each module has ``configure(parser)`` and
# ``main(args, out) -> int``.
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("lukhas.edges.cli._demo", "a short tour of the library with real results and timings"),
    "bench": ("lukhas.edges.cli._bench", "run the benches beside their peers and print the ratios"),
    "portfolio": ("lukhas.edges.cli._portfolio", "choose a K-asset portfolio from a CSV of prices"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lukhas`` command line.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        Process exit status.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    lukhas ...
    0
    """
    from lukhas import __version__

    parser = argparse.ArgumentParser(prog="lukhas", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = {}
    for name, (module_name, help_text) in _COMMANDS.items():
        cmd_parser = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.configure(cmd_parser)
        modules[name] = module
    args = parser.parse_args(argv)
    if args.version:
        sys.stdout.write(f"lukhas {__version__}\n")
        return 0
    if args.command is None:
        parser.print_help(sys.stdout)
        return 2
    status: int = modules[args.command].main(args, sys.stdout)
    return status
