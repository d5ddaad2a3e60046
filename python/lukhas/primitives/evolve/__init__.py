"""Bio-inspired optimisers: genetic algorithms, particle swarms, differential evolution.

All three return a scipy-style :class:`OptimizeResult` and accept a Numba
scalar objective (the whole loop then runs compiled), a vectorised population
objective (``vectorized=True``) or a plain Python function (slow).  Standard
test functions ship as :class:`BenchmarkFunction` objects; the permutation GA's
example is :class:`TravellingSalesman`.  :func:`fatigue_level` reports how much
recent optimisation work this process has done.

Importing this package does not import Numba; the kernels load on first use.

Examples
--------
>>> from lukhas.primitives.evolve import minimize, rastrigin
>>> res = minimize(rastrigin, rastrigin.bounds(5), method="de", strategy="rand1bin",
...                mutation=0.5, recombination=0.1, seed=0, maxiter=300)
>>> bool(res.fun < 1e-6)
True
"""

from __future__ import annotations

from lukhas.primitives.evolve._de import de_minimize
from lukhas.primitives.evolve._fatigue import PROCESS_FATIGUE, FatigueModel, fatigue_level
from lukhas.primitives.evolve._functions import (
    BenchmarkFunction,
    TravellingSalesman,
    ackley,
    griewank,
    rastrigin,
    rosenbrock,
    schwefel,
    sphere,
)
from lukhas.primitives.evolve._ga import ga_minimize
from lukhas.primitives.evolve._minimize import METHODS, minimize
from lukhas.primitives.evolve._pso import ParticleSwarm, pso_minimize
from lukhas.primitives.evolve._result import OptimizeResult

__all__ = [
    "METHODS",
    "PROCESS_FATIGUE",
    "BenchmarkFunction",
    "FatigueModel",
    "OptimizeResult",
    "ParticleSwarm",
    "TravellingSalesman",
    "ackley",
    "de_minimize",
    "fatigue_level",
    "ga_minimize",
    "griewank",
    "minimize",
    "pso_minimize",
    "rastrigin",
    "rosenbrock",
    "schwefel",
    "sphere",
]


def __dir__() -> list[str]:
    return list(__all__)
