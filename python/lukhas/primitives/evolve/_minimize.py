"""One entry point over the three optimisers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lukhas._validation import check_choice
from lukhas.primitives.evolve._de import de_minimize
from lukhas.primitives.evolve._ga import ga_minimize
from lukhas.primitives.evolve._pso import pso_minimize
from lukhas.primitives.evolve._result import OptimizeResult

__all__ = ["METHODS", "minimize"]

#: Method name -> optimiser.
METHODS: dict[str, Callable[..., OptimizeResult]] = {
    "de": de_minimize,
    "ga": ga_minimize,
    "pso": pso_minimize,
}


def minimize(
    f: Callable[..., Any], bounds: Any, method: str = "de", **options: Any
) -> OptimizeResult:
    """Minimise ``f`` over ``bounds`` with the named bio-inspired method.

    Parameters
    ----------
    f : callable
        Objective (a Numba function or shipped test function runs compiled;
        ``vectorized=True`` for population callables; plain Python otherwise).
    bounds : sequence of (float, float)
        ``(low, high)`` per dimension (an int for the permutation GA).
    method : {"de", "pso", "ga"}, default="de"
        :func:`de_minimize`, :func:`pso_minimize` or :func:`ga_minimize`.
    **options
        Keyword arguments of that optimiser (``seed``, ``maxiter``, ``popsize``, ...).

    Returns
    -------
    result : OptimizeResult

    Raises
    ------
    ValueError
        If ``method`` is unknown (or an option is invalid for it).
    TypeError
        If an option is not accepted by the method.

    Examples
    --------
    >>> from lukhas.primitives.evolve import minimize, sphere
    >>> minimize(sphere, [(-1.0, 1.0)] * 2, method="pso", seed=0, maxiter=100).method
    'pso'
    """
    optimiser = METHODS[check_choice("method", method, METHODS)]
    return optimiser(f, bounds, **options)
