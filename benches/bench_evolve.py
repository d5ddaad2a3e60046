"""lukhas.bio.utils optimisers beside pyswarms, DEAP, pygad and scipy's differential_evolution.

Two kinds of groups, all at d = 30 and equal evaluation budgets:

- ``evolve-throughput-*``: one run of each optimiser; ``extra_info`` holds the
  evaluations actually spent and evaluations per second.  Ours take the
  shipped Numba Rastrigin (the whole loop compiled); peers take the numpy
  population Rastrigin (their fastest form).
- ``evolve-quality-d30``: the same budget over 5 seeds; ``extra_info`` holds the
  median best value.  Every optimiser runs with its documented defaults (ours
  with the same settings on every function, populations equal to the peers'),
  only the iteration count is set from the budget.
- ``evolve-quality-rotated-d30``: the same on shifted and rotated versions of
  the four functions (:class:`ShiftedRotated`, one fixed instance each).

Run::

    pytest benches/bench_evolve.py --benchmark-only --benchmark-min-rounds=3 \\
        --benchmark-columns=min,mean,rounds
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from _smoke import size
from lukhas.bio.utils import (
    ackley,
    de_minimize,
    ga_minimize,
    griewank,
    pso_minimize,
    rastrigin,
    rosenbrock,
)

D = 30
SEEDS = range(size(5, 1))
QUALITY_BUDGET = size(100_000, 5_000)
PROBLEMS = {"rastrigin": rastrigin, "rosenbrock": rosenbrock, "ackley": ackley,
            "griewank": griewank}


class ShiftedRotated:
    """``f(M (x - o))``: a fixed random rotation ``M`` and shift ``o`` (within half the box).

    The hardest realistic family for coordinate-wise operators (SBX, binomial
    crossover, per-dimension velocity terms): no variable separates and the
    optimum sits off-centre.  ``kernel`` is the Numba form our optimisers run
    compiled; calling the object evaluates a numpy population for the peers.
    """

    def __init__(self, fn, seed=2024):
        import numba

        rng = np.random.default_rng(seed)
        lo, hi = fn.domain
        self.fn, self.domain = fn, fn.domain
        self.o = rng.uniform(0.5 * lo, 0.5 * hi, D)
        self.M = np.ascontiguousarray(np.linalg.qr(rng.normal(size=(D, D)))[0])
        o, M, inner = self.o, self.M, fn.kernel

        @numba.njit
        def kernel(x):
            return inner(M @ (x - o))

        self.kernel = kernel

    def bounds(self, d):
        return self.fn.bounds(d)

    def __call__(self, pop):
        return self.fn((np.atleast_2d(pop) - self.o) @ self.M.T)


def _ours(fn):
    """What our optimisers are given: the Numba form of a wrapped problem."""
    return fn.kernel if isinstance(fn, ShiftedRotated) else fn


class Counted:
    """A numpy population objective that counts evaluations."""

    def __init__(self, fn):
        self.fn = fn
        self.nfev = 0

    def __call__(self, pop):
        pop = np.atleast_2d(pop)
        self.nfev += pop.shape[0]
        return self.fn(pop)


# ----------------------------------------------------------------------------- ours


def ours_pso(fn, budget, seed, popsize=50):
    # Library defaults; the swarm size equals pyswarms' (50) so both move as many particles.
    res = pso_minimize(_ours(fn), fn.bounds(D), popsize=popsize, maxiter=budget // popsize - 1,
                       seed=seed)
    return res.fun, res.nfev


def ours_de(fn, budget, seed, popsize=50):
    # Library defaults (the same settings for every function: nothing tuned per problem).
    res = de_minimize(_ours(fn), fn.bounds(D), popsize=popsize, maxiter=budget // popsize - 1,
                      seed=seed)
    return res.fun, res.nfev


def ours_ga(fn, budget, seed, popsize=50):
    # Library defaults (elitism=1: the elite is not re-evaluated, so each generation
    # costs popsize - 1 evaluations); population equal to DEAP's and pygad's.
    maxiter = (budget - popsize) // (popsize - 1)
    res = ga_minimize(_ours(fn), fn.bounds(D), popsize=popsize, maxiter=maxiter, seed=seed)
    return res.fun, res.nfev


# ----------------------------------------------------------------------------- peers


def pyswarms_pso(fn, budget, seed, popsize=50):
    ps = pytest.importorskip("pyswarms")
    np.random.seed(seed)  # noqa: NPY002  (pyswarms draws from numpy's global generator)
    lo, hi = fn.domain
    f = Counted(fn)
    opt = ps.single.GlobalBestPSO(n_particles=popsize, dimensions=D,
                                  options={"c1": 0.5, "c2": 0.3, "w": 0.9},
                                  bounds=(np.full(D, lo), np.full(D, hi)))
    cost, _ = opt.optimize(f, iters=budget // popsize, verbose=False)
    return float(cost), f.nfev


def scipy_de(fn, budget, seed, popsize=15):
    optimize = pytest.importorskip("scipy.optimize")
    members = popsize * D
    f = Counted(fn)
    res = optimize.differential_evolution(
        lambda x: f(x.T), fn.bounds(D), popsize=popsize, maxiter=budget // members - 1,
        tol=0.0, atol=0.0,
        polish=False, seed=seed, vectorized=True, updating="deferred",  # x is (d, S)
    )
    return float(res.fun), f.nfev


def _deap_toolbox(fn, seed):
    pytest.importorskip("deap")
    from deap import base, creator, tools

    if not hasattr(creator, "LukhasBenchFitness"):
        creator.create("LukhasBenchFitness", base.Fitness, weights=(-1.0,))
        creator.create("LukhasBenchIndividual", list, fitness=creator.LukhasBenchFitness)
    random.seed(seed)
    lo, hi = fn.domain
    f = Counted(fn)
    tb = base.Toolbox()
    tb.register("attr", random.uniform, lo, hi)
    tb.register("individual", tools.initRepeat, creator.LukhasBenchIndividual, tb.attr, D)
    tb.register("population", tools.initRepeat, list, tb.individual)
    tb.register("evaluate", lambda ind: (float(f(np.asarray(ind))[0]),))
    tb.register("mate", tools.cxSimulatedBinaryBounded, eta=15.0, low=lo, up=hi)
    tb.register("mutate", tools.mutPolynomialBounded, eta=20.0, low=lo, up=hi, indpb=1.0 / D)
    tb.register("select", tools.selTournament, tournsize=3)
    return tb, f


def deap_ga(fn, budget, seed, popsize=50):
    tb, f = _deap_toolbox(fn, seed)
    from deap import algorithms, tools

    pop = tb.population(n=popsize)
    hof = tools.HallOfFame(1)
    ngen = 0
    # eaSimple re-evaluates only changed individuals: run generations until the budget is spent
    while f.nfev < budget:
        pop, _ = algorithms.eaSimple(pop, tb, cxpb=0.9, mutpb=1.0, ngen=1 if ngen else 0,
                                     halloffame=hof, verbose=False)
        ngen += 1
    return float(hof[0].fitness.values[0]), f.nfev


def pygad_ga(fn, budget, seed, popsize=50):
    pygad = pytest.importorskip("pygad")
    lo, hi = fn.domain
    f = Counted(fn)
    ga = pygad.GA(
        num_generations=budget // popsize - 1, num_parents_mating=popsize // 2,
        sol_per_pop=popsize, num_genes=D, init_range_low=lo, init_range_high=hi,
        gene_space={"low": lo, "high": hi}, random_seed=seed, suppress_warnings=True,
        fitness_func=lambda ga, sols, idx: -f(np.asarray(sols)), fitness_batch_size=popsize,
        keep_elitism=2,
    )
    ga.run()
    _, fitness, _ = ga.best_solution(ga.last_generation_fitness)
    return float(-fitness), f.nfev


THROUGHPUT = {
    "pso": {"lukhas": ours_pso, "pyswarms": pyswarms_pso},
    "de": {"lukhas": ours_de, "scipy": scipy_de},
    "ga": {"lukhas": ours_ga, "deap": deap_ga, "pygad": pygad_ga},
}
QUALITY = {
    "lukhas-pso": ours_pso, "lukhas-de": ours_de, "lukhas-ga": ours_ga,
    "pyswarms": pyswarms_pso, "scipy-de": scipy_de, "deap": deap_ga, "pygad": pygad_ga,
}


def _warm(runner):
    if runner in (ours_pso, ours_de, ours_ga):
        runner(rastrigin, 500, 0)  # compile the Numba drivers before timing
        runner(rosenbrock, 500, 0)


def _record_rate(benchmark, nfev, fun):
    benchmark.extra_info.update(nfev=nfev, best=fun)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["evals_per_s"] = nfev / benchmark.stats.stats.mean


@pytest.mark.parametrize("budget", [10_000, 50_000])
@pytest.mark.parametrize("peer", ["lukhas", "pyswarms"])
@pytest.mark.benchmark(group="evolve-throughput-pso-rastrigin-d30")
def test_throughput_pso(benchmark, peer, budget):
    runner = THROUGHPUT["pso"][peer]
    _warm(runner)
    fun, nfev = benchmark(runner, rastrigin, budget, 0)
    assert abs(nfev - budget) <= 50 and 0.0 <= fun < 400.0
    _record_rate(benchmark, nfev, fun)


@pytest.mark.parametrize("peer", ["lukhas", "scipy"])
@pytest.mark.benchmark(group="evolve-throughput-de-rastrigin-d30")
def test_throughput_de(benchmark, peer):
    runner = THROUGHPUT["de"][peer]
    _warm(runner)
    fun, nfev = benchmark(runner, rastrigin, 50_000, 0)
    assert abs(nfev - 50_000) <= 1_000 and 0.0 <= fun < 500.0
    _record_rate(benchmark, nfev, fun)


@pytest.mark.parametrize("peer", ["lukhas", "deap", "pygad"])
@pytest.mark.benchmark(group="evolve-throughput-ga-rastrigin-d30")
def test_throughput_ga(benchmark, peer):
    runner = THROUGHPUT["ga"][peer]
    _warm(runner)
    fun, nfev = benchmark(runner, rastrigin, 20_000, 0)
    assert abs(nfev - 20_000) <= 1_000 and 0.0 <= fun < 500.0  # DEAP/pygad skip unchanged
    _record_rate(benchmark, nfev, fun)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name", list(QUALITY))
@pytest.mark.benchmark(group="evolve-quality-d30")
def test_quality_median_best(benchmark, name, problem):
    runner, fn = QUALITY[name], PROBLEMS[problem]
    _warm(runner)

    def over_seeds():
        return [runner(fn, QUALITY_BUDGET, seed) for seed in SEEDS]

    runs = benchmark.pedantic(over_seeds, rounds=1, iterations=1)
    values = np.array([fun for fun, _ in runs])
    spent = [nfev for _, nfev in runs]
    assert np.isfinite(values).all() and (values >= 0.0).all()
    assert all(abs(n - QUALITY_BUDGET) <= 0.05 * QUALITY_BUDGET for n in spent)
    benchmark.extra_info.update(problem=problem, median_best=float(np.median(values)),
                                values=values.round(4).tolist(), nfev=spent[0])


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("name", list(QUALITY))
@pytest.mark.benchmark(group="evolve-quality-rotated-d30")
def test_quality_median_best_rotated(benchmark, name, problem):
    runner, fn = QUALITY[name], ShiftedRotated(PROBLEMS[problem])
    _warm(runner)

    def over_seeds():
        return [runner(fn, QUALITY_BUDGET, seed) for seed in SEEDS]

    runs = benchmark.pedantic(over_seeds, rounds=1, iterations=1)
    values = np.array([fun for fun, _ in runs])
    spent = [nfev for _, nfev in runs]
    assert np.isfinite(values).all() and (values >= 0.0).all()
    assert all(abs(n - QUALITY_BUDGET) <= 0.05 * QUALITY_BUDGET for n in spent)
    benchmark.extra_info.update(problem=f"{problem}-shifted-rotated",
                                median_best=float(np.median(values)),
                                values=values.round(4).tolist(), nfev=spent[0])
