"""Build-wide settings for kernels: Numba flags and cache policy.

Kernels take their ``fastmath``/``parallel`` flags from here, never from
literals, so one place decides them for the whole library.  Nothing in this
module imports Numba.
"""

from __future__ import annotations

import os

__all__ = ["NUMBA_CACHE", "NUMBA_FASTMATH", "NUMBA_PARALLEL"]

#: Whether Numba kernels may reorder floating-point operations.  Off: results must
#: match the slow references in ``tests/reference`` to tight tolerances.
NUMBA_FASTMATH: bool = False

#: Whether Numba kernels may use ``prange`` threads.
NUMBA_PARALLEL: bool = os.environ.get("LUKHAS_NUMBA_PARALLEL", "1") not in {"0", "false", "no"}

#: Whether to ask Numba to cache compiled kernels on disk (silently skipped when no
#: cache directory is writable; see :func:`lukhas._kernels.jit`).
NUMBA_CACHE: bool = os.environ.get("LUKHAS_NUMBA_CACHE", "1") not in {"0", "false", "no"}
