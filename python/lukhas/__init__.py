"""lukhas: compiled kernels and validated APIs for the LUKHAS cognitive platform.

The package is organised in layers (see ``MODULES.md`` in the repository):
compiled kernels (:mod:`lukhas._native`, :mod:`lukhas._kernels`) at the bottom,
thin validated foundation APIs such as :mod:`lukhas.primitives.ring` on top of them,
then domain modules and the edges (CLI, integrations).

Importing :mod:`lukhas` is cheap: it loads no Numba and compiles nothing.
"""

from __future__ import annotations

__all__ = ["__version__"]

from lukhas import _lanes

_lanes.install()

try:
    from lukhas._version import __version__
except ImportError:  # a source tree that was never built
    __version__ = "0+unknown"

try:
    import lukhas._native.ring  # noqa: F401  (fail early, with a helpful note)
except ImportError as err:  # pragma: no cover - only without a build
    err.add_note(
        "lukhas: the compiled extension is missing; did you `pip install .` "
        "(or `pip install --no-build-isolation -e .`)?"
    )
    raise


def __dir__() -> list[str]:
    return list(__all__)
