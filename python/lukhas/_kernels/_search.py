"""Pieces shared by the optimiser kernels: argmin, objective evaluation, early stopping.

Also the decorator for the compiled driver loops that take the objective as a
first-class function argument.  Those are compiled once per objective and are
*not* disk-cached: the Dispatcher type of the argument differs in every process,
so ``cache=True`` would append a new cache entry on each run.  Their flags come
from :mod:`lukhas._config` like every other kernel's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._jit import njit

__all__: list[str] = []

#: Decorator for driver loops that call a user objective (see the module docstring).
objective_loop = njit(cache=False)


@njit()
def _argmin(values: Any) -> int:
    """Index of the first smallest entry of a 1-D array."""
    best = 0
    for i in range(1, values.shape[0]):
        if values[i] < values[best]:
            best = i
    return best


@objective_loop
def _evaluate_rows(func: Any, x: Any, start: int, stop: int, fx: Any) -> None:
    """``fx[i] = func(x[i])`` for rows ``start..stop``; NaN becomes +inf.

    x (n, d) # IN; fx (n,) # OUT.  Not disk-cached (``objective_loop``): it takes the
    objective as an argument, and a cached entry for a closure from an earlier process
    makes every later compile fail.
    """
    for i in range(start, stop):
        value = func(x[i])
        fx[i] = np.inf if value != value else value


@njit()
def _stop_reached(history: Any, it: int, tol: float, patience: int, target: float) -> bool:
    """Early-stopping rule shared by every optimiser driver.

    history (>= it + 1,) best-so-far values # IN.  Stop when the best reached
    ``target``, or improved by at most ``tol`` over the last ``patience``
    iterations (``patience <= 0`` disables that rule).
    """
    if history[it] <= target:
        return True
    return patience > 0 and it >= patience and history[it - patience] - history[it] <= tol
