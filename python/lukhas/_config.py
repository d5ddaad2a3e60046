"""Library-wide settings: the lane and the Numba flags.

Every setting that comes from the environment is read here, by one function
with one default, **when it is called**: importing this module reads no
environment variable, and nothing in it imports Numba.

======================== ================= ==============================
variable                 default           read by
======================== ================= ==============================
``LUKHAS_LANE``          ``experimental``  :func:`lane`
``LUKHAS_NUMBA_PARALLEL`` on               :func:`numba_parallel`
``LUKHAS_NUMBA_CACHE``   on                :func:`numba_cache`
======================== ================= ==============================

The Numba flags are off for the values ``0``, ``false`` and ``no`` (any case)
and on otherwise.  Kernels take their flags from :mod:`lukhas._kernels._jit`,
which asks these functions when a kernel module is first imported, so one
place decides them for the whole library.

Examples
--------
>>> import os
>>> os.environ["LUKHAS_LANE"] = "Labs"
>>> lane()                       # as given: callers decide whether to normalise
'Labs'
>>> del os.environ["LUKHAS_LANE"]
"""

from __future__ import annotations

import os
from typing import Final

__all__ = [
    "DEFAULT_LANE",
    "LANE_ENV",
    "NUMBA_CACHE_ENV",
    "NUMBA_FASTMATH",
    "NUMBA_PARALLEL_ENV",
    "lane",
    "numba_cache",
    "numba_parallel",
]

#: Name of the environment variable that names the lane this process runs in.
LANE_ENV: Final[str] = "LUKHAS_LANE"

#: The lane used when ``LUKHAS_LANE`` is unset or empty.
DEFAULT_LANE: Final[str] = "experimental"

#: Environment variable that turns ``prange`` parallelism off (``0``/``false``/``no``).
NUMBA_PARALLEL_ENV: Final[str] = "LUKHAS_NUMBA_PARALLEL"

#: Environment variable that turns the on-disk kernel cache off (``0``/``false``/``no``).
NUMBA_CACHE_ENV: Final[str] = "LUKHAS_NUMBA_CACHE"

#: Whether Numba kernels may reorder floating-point operations.  Off: results must
#: match the slow references in ``tests/reference`` to tight tolerances.  A
#: constant, not a setting: no environment variable changes it.
NUMBA_FASTMATH: Final[bool] = False

_OFF: Final[frozenset[str]] = frozenset({"0", "false", "no"})


def lane() -> str:
    """The lane named by ``LUKHAS_LANE``, read now.

    Returns
    -------
    lane : str
        The variable's value exactly as set (not lowercased or validated:
        each caller decides that), or :data:`DEFAULT_LANE` when it is unset
        or empty.

    Examples
    --------
    >>> import os
    >>> os.environ["LUKHAS_LANE"] = "PROD"
    >>> lane(), lane().lower()
    ('PROD', 'prod')
    >>> os.environ["LUKHAS_LANE"] = ""
    >>> lane()
    'experimental'
    >>> del os.environ["LUKHAS_LANE"]
    """
    return os.environ.get(LANE_ENV) or DEFAULT_LANE


def _flag(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in _OFF


def numba_parallel() -> bool:
    """Whether Numba kernels may use ``prange`` threads (``LUKHAS_NUMBA_PARALLEL``, read now).

    Returns
    -------
    parallel : bool
        False when the variable is ``0``, ``false`` or ``no``; True otherwise
        (and when it is unset).

    Examples
    --------
    >>> import os
    >>> os.environ["LUKHAS_NUMBA_PARALLEL"] = "no"
    >>> numba_parallel()
    False
    >>> del os.environ["LUKHAS_NUMBA_PARALLEL"]
    >>> numba_parallel()
    True
    """
    return _flag(NUMBA_PARALLEL_ENV)


def numba_cache() -> bool:
    """Whether to cache compiled kernels on disk (``LUKHAS_NUMBA_CACHE``, read now).

    Caching is still skipped silently when no cache directory is writable; see
    :func:`lukhas._kernels._jit.njit`.

    Returns
    -------
    cache : bool
        False when the variable is ``0``, ``false`` or ``no``; True otherwise
        (and when it is unset).

    Examples
    --------
    >>> import os
    >>> os.environ["LUKHAS_NUMBA_CACHE"] = "0"
    >>> numba_cache()
    False
    >>> del os.environ["LUKHAS_NUMBA_CACHE"]
    """
    return _flag(NUMBA_CACHE_ENV)
