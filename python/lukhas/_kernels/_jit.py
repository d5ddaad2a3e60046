"""The one place kernels get their Numba decorator from.

``njit`` applies the library-wide flags of :mod:`lukhas._config` and asks for
on-disk caching where a cache directory is writable.  Numba raises
``RuntimeError`` at decoration time when it finds no writable cache locator
(read-only site-packages and no writable ``$HOME`` or ``NUMBA_CACHE_DIR``);
that must never break an import, so the kernel is then compiled without a
cache instead.

Numba decides whether a cached kernel is stale from the decorated function's
own file only, not from the files of the kernels it inlines (``xoshiro``,
``_search``, ...).  Installed wheels replace every file at once, so this only
matters in a source checkout: after editing a shared kernel module, clear the
cache (``find python -name '*.nb[ic]' -delete``, or point ``NUMBA_CACHE_DIR``
at a fresh directory, as CI does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

from lukhas._config import NUMBA_FASTMATH, numba_cache, numba_parallel

__all__ = ["njit", "prange"]

F = TypeVar("F", bound=Callable[..., Any])

prange = numba.prange


def njit(*, parallel: bool = False, cache: bool = True, **options: Any) -> Callable[[F], F]:
    """Return a Numba ``njit`` decorator with the library's flags.

    Parameters
    ----------
    parallel : bool, default=False
        Request ``prange`` parallelism; honoured only when
        :func:`lukhas._config.numba_parallel` is on (``LUKHAS_NUMBA_PARALLEL``,
        read when the decorator is made).
    cache : bool, default=True
        Cache compiled code on disk (when :func:`lukhas._config.numba_cache` is on,
        ``LUKHAS_NUMBA_CACHE`` read when the decorator is made, and a cache
        directory is writable).  Pass False for kernels that take a
        function argument: each new function would add a cache entry that no
        later process can reuse.
    **options
        Further ``numba.njit`` options (never ``fastmath``/``cache``: those
        come from :mod:`lukhas._config`).

    Returns
    -------
    decorator : callable
        Applies ``numba.njit`` to a function, with caching when possible.

    Raises
    ------
    TypeError
        If ``options`` names ``fastmath``.
    """
    if "fastmath" in options:
        raise TypeError("njit: `fastmath` comes from lukhas._config.NUMBA_FASTMATH, not a kernel.")
    flags: dict[str, Any] = {
        "fastmath": NUMBA_FASTMATH,
        "parallel": parallel and numba_parallel(),
        "nogil": True,
        **options,
    }

    use_cache = cache and numba_cache()

    def decorate(func: F) -> F:
        if use_cache:
            try:
                return numba.njit(cache=True, **flags)(func)  # type: ignore[no-any-return]
            except RuntimeError:  # no writable cache locator: compile without a cache
                pass
        return numba.njit(**flags)(func)  # type: ignore[no-any-return]

    return decorate
