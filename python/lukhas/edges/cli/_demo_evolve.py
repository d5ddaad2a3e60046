"""Demo section: PSO and GA on Rastrigin, with convergence and timings."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import numpy as np

from lukhas.primitives.evolve import (
    OptimizeResult,
    fatigue_level,
    ga_minimize,
    pso_minimize,
    rastrigin,
)

__all__ = ["TITLE", "run"]

TITLE = "Evolution and swarms on Rastrigin (lukhas.bio.utils)"

_D = 30
_POPSIZE = 50
_MAXITER = 1000


def _convergence(res: OptimizeResult, points: int = 6) -> str:
    marks = np.unique(np.linspace(0, res.nit, points).astype(int))
    return "  ".join(f"it {int(i):>4}: {res.history[i]:9.3f}" for i in marks)


def run(out: TextIO) -> None:
    """Write the PSO/GA tour to ``out``.

    Parameters
    ----------
    out : text stream
        Destination.
    """
    bounds = rastrigin.bounds(_D)
    out.write(
        f"   Rastrigin, d={_D} (global minimum 0 at the origin), popsize {_POPSIZE}, "
        f"{_MAXITER} iterations, seed 0;\n   the objective is a Numba kernel, so each run"
        " is one compiled loop (first call includes JIT compilation).\n"
    )

    def pso() -> OptimizeResult:
        return pso_minimize(rastrigin, bounds, popsize=_POPSIZE, maxiter=_MAXITER, seed=0)

    def ga() -> OptimizeResult:
        return ga_minimize(rastrigin, bounds, popsize=_POPSIZE, maxiter=_MAXITER, elitism=2,
                           seed=0)

    runs: dict[str, Callable[[], OptimizeResult]] = {
        "PSO (global best, linear inertia)": pso,
        "GA  (tournament, SBX, polynomial, elitism 2)": ga,
    }
    for name, call in runs.items():
        t0 = time.perf_counter()
        call()  # compile (cached on disk after the first run)
        t1 = time.perf_counter()
        res = call()
        t2 = time.perf_counter()
        rate = res.nfev / max(t2 - t1, 1e-9)
        out.write(
            f"   {name}: best {res.fun:.4g} after {res.nfev} evaluations in "
            f"{(t2 - t1) * 1e3:.1f} ms ({rate / 1e6:.1f} M evals/s; first call "
            f"{t1 - t0:.2f} s)\n      {_convergence(res)}\n"
        )
    out.write(f"   process fatigue after these runs: {fatigue_level():.3f}\n")
