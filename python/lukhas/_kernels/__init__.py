"""Numba kernels (``@njit``), one module per area.

Importing a module of this package imports Numba, which costs about half a
second, so foundation APIs import these modules lazily, on the first call that
needs them.  Importing :mod:`lukhas._kernels` itself loads nothing.
"""

from __future__ import annotations

__all__: list[str] = []
