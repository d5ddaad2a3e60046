"""Public optimisers of lukhas.bio.utils: results, paths, reproducibility, validation, quality."""

from __future__ import annotations

import subprocess
import sys

import numba
import numpy as np
import pytest

from lukhas.bio.utils import (
    METHODS,
    OptimizeResult,
    TravellingSalesman,
    ackley,
    de_minimize,
    ga_minimize,
    griewank,
    minimize,
    pso_minimize,
    rastrigin,
    rosenbrock,
    schwefel,
    sphere,
)

BOUNDS5 = rastrigin.bounds(5)

CONFIGS = [
    ("de", {}),
    ("de", {"strategy": "rand1bin", "mutation": 0.6, "recombination": 0.3}),
    ("de", {"strategy": "best1bin", "adaptive": False, "recombination": 0.7}),
    ("pso", {}),
    ("pso", {"topology": "ring", "radius": 2, "boundary": "reflect", "inertia": "constant",
             "w": 0.7}),
    ("pso", {"constriction": True, "c1": 2.05, "c2": 2.05, "boundary": "random",
             "vmax": None}),
    ("pso", {"boundary": "periodic", "inertia": "exponential"}),
    ("ga", {}),
    ("ga", {"crossover": "blend", "mutation": "gaussian", "selection": "roulette"}),
    ("ga", {"crossover": "uniform", "islands": 3, "migration_interval": 2, "migrants": 2,
            "elitism": 2}),
    ("ga", {"encoding": "binary", "bits": 10, "elitism": 0}),
]


def _population_rastrigin(x):
    return rastrigin(x)


def _point_rastrigin(x):
    return float(10 * x.size + (x * x - 10 * np.cos(2 * np.pi * x)).sum())


@numba.njit
def _user_jitted_rastrigin(x):
    total = 10.0 * x.shape[0]
    for v in x:
        total += v * v - 10.0 * np.cos(2.0 * np.pi * v)
    return total


@pytest.mark.parametrize("method, options", CONFIGS)
def test_compiled_vectorised_and_python_paths_agree(method, options):
    kw = {"method": method, "seed": 4, "maxiter": 15, "popsize": 12, **options}
    compiled = minimize(rastrigin, BOUNDS5, **kw)
    vectorised = minimize(_population_rastrigin, BOUNDS5, vectorized=True, **kw)
    python = minimize(_point_rastrigin, BOUNDS5, **kw)
    for other in (vectorised, python):
        np.testing.assert_allclose(other.x, compiled.x, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(other.history, compiled.history, rtol=1e-9, atol=1e-9)
        assert other.nfev == compiled.nfev and other.nit == compiled.nit


@pytest.mark.parametrize("method, options", CONFIGS[::3])
def test_user_jitted_objective_runs_compiled(method, options):
    res = minimize(_user_jitted_rastrigin, BOUNDS5, method=method, seed=1, maxiter=10,
                   popsize=10, **options)
    ref = minimize(rastrigin, BOUNDS5, method=method, seed=1, maxiter=10, popsize=10, **options)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-9)


@pytest.mark.parametrize("method, options", CONFIGS)
def test_result_is_consistent(method, options):
    res = minimize(rastrigin, BOUNDS5, method=method, seed=0, maxiter=20, popsize=10, **options)
    assert isinstance(res, OptimizeResult)
    assert res.method == method and res.nit == 20 and not res.success
    assert res.history.shape == (21,)
    assert (np.diff(res.history) <= 0).all()
    assert res.fun == pytest.approx(rastrigin(res.x), rel=1e-9)
    assert res.fun == res.history[-1]
    assert ((res.x >= -5.12) & (res.x <= 5.12)).all()
    assert res["nfev"] == res.nfev and set(res.keys()) >= {"x", "fun", "nfev", "nit"}
    assert "fun" in repr(res)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_same_seed_same_result_and_different_seed_differs(method):
    a = minimize(rastrigin, BOUNDS5, method=method, seed=7, maxiter=25)
    b = minimize(rastrigin, BOUNDS5, method=method, seed=7, maxiter=25)
    c = minimize(rastrigin, BOUNDS5, method=method, seed=8, maxiter=25)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.history, b.history)
    assert not np.array_equal(a.x, c.x)


@numba.njit
def _jitted_population_sphere(pop):
    return (pop * pop).sum(axis=1)


def test_vectorized_flag_wins_over_compilation():
    """A Numba function of the whole population is called with the population."""
    vec = pso_minimize(_jitted_population_sphere, BOUNDS5, vectorized=True, seed=2, maxiter=20)
    ref = pso_minimize(sphere, BOUNDS5, seed=2, maxiter=20)
    np.testing.assert_allclose(vec.x, ref.x, rtol=1e-12)
    shipped = pso_minimize(sphere, BOUNDS5, vectorized=True, seed=2, maxiter=20)
    np.testing.assert_allclose(shipped.x, ref.x, rtol=1e-12)


def test_nfev_accounting():
    assert de_minimize(sphere, BOUNDS5, popsize=10, maxiter=7, seed=0).nfev == 80
    assert pso_minimize(sphere, BOUNDS5, popsize=10, maxiter=7, seed=0).nfev == 80
    # GA: elites are carried over without re-evaluation
    assert ga_minimize(sphere, BOUNDS5, popsize=10, maxiter=7, elitism=2, islands=2,
                       seed=0).nfev == 20 + 7 * 16
    calls = []

    def counting(x):
        calls.append(1)
        return float((x * x).sum())

    res = ga_minimize(counting, BOUNDS5, popsize=10, maxiter=7, elitism=2, seed=0)
    assert res.nfev == len(calls)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("compiled", [True, False])
def test_callback_sees_progress_and_can_stop(method, compiled):
    seen = []

    def callback(interim):
        seen.append((interim.nit, interim.fun))
        return interim.nit >= 4

    f = sphere if compiled else (lambda x: float((x * x).sum()))
    res = minimize(f, BOUNDS5, method=method, seed=0, maxiter=50, callback=callback)
    assert [nit for nit, _ in seen] == [1, 2, 3, 4]
    assert res.nit == 4 and not res.success and "callback" in res.message
    assert [fun for _, fun in seen] == list(res.history[1:])


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("compiled", [True, False])
def test_early_stopping_on_target_and_patience(method, compiled):
    f = sphere if compiled else (lambda x: float((x * x).sum()))
    res = minimize(f, BOUNDS5, method=method, seed=0, maxiter=5000, target=1e-2)
    assert res.success and res.message == "Reached the target value."
    assert res.fun <= 1e-2 and res.nit < 5000
    assert res.history[-2] > 1e-2
    flat = minimize(lambda x: 1.0, BOUNDS5, method=method, seed=0, maxiter=500, patience=5)
    assert flat.success and flat.nit == 5 and "Converged" in flat.message


def test_maxiter_zero_evaluates_initial_population():
    res = pso_minimize(sphere, BOUNDS5, popsize=6, maxiter=0, seed=0)
    assert res.nit == 0 and res.nfev == 6 and res.history.shape == (1,)


def test_nan_counts_as_worst():
    def f(x):
        return np.nan if x[0] > 0 else float((x * x).sum())

    res = de_minimize(f, BOUNDS5, seed=0, maxiter=30)
    assert np.isfinite(res.fun) and res.x[0] <= 0


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    res = pso_minimize(sphere, BOUNDS5, seed=0, maxiter=30, progress=True)
    assert res.nit == 30
    assert "pso" in capsys.readouterr().err


@pytest.mark.parametrize("fn, d, method, options, threshold", [
    (sphere, 10, "de", {}, 1e-8),
    (rosenbrock, 4, "de", {"recombination": 0.9}, 1e-6),
    (rastrigin, 10, "de", {"strategy": "rand1bin", "mutation": 0.5, "recombination": 0.1},
     1e-6),
    (rastrigin, 10, "ga", {}, 1e-2),
    (ackley, 10, "pso", {"constriction": True, "c1": 2.05, "c2": 2.05}, 1e-6),
    (griewank, 5, "de", {"strategy": "rand1bin"}, 1e-8),
    (schwefel, 5, "de", {"strategy": "rand1bin", "mutation": 0.5, "recombination": 0.1},
     1e-3),
])
def test_reaches_known_optimum(fn, d, method, options, threshold):
    """Approximate vs exact: the known global minimum, within a stated threshold."""
    res = minimize(fn, fn.bounds(d), method=method, seed=0, maxiter=2000, popsize=40,
                   **options)
    assert res.fun - fn.minimum <= threshold
    np.testing.assert_allclose(res.x, fn.minimizer(d), atol=1e-3 * (fn.domain[1] - fn.domain[0]))


# Default settings on a small multimodal problem (10-d Rastrigin, 20,000 evaluations,
# fixed seed).  The classic DE scheme (best1bin, CR 0.7, no adaptation: the defaults
# before jDE) ends at about 1 here; a random search at about 60; PSO's defaults reach
# 2 to 4 (one to two unit cells off); GA's default SBX/polynomial GA about 1e-3.
@pytest.mark.parametrize("method, maxiter, bound", [
    ("de", 20_000 // 50 - 1, 1e-3),
    ("ga", (20_000 - 50) // 49, 1e-2),
    ("pso", 20_000 // 40 - 1, 6.0),
])
def test_defaults_reach_a_quality_bound_on_rastrigin(method, maxiter, bound):
    res = minimize(rastrigin, rastrigin.bounds(10), method=method, seed=0, maxiter=maxiter)
    assert abs(res.nfev - 20_000) <= 50
    assert res.fun <= bound


def test_adaptive_de_beats_the_classic_scheme_on_separable_and_rotated_problems():
    # No single CR suits both; jDE's self-adapted CR does.
    rng = np.random.default_rng(3)
    rot = np.linalg.qr(rng.normal(size=(10, 10)))[0]
    inner = rastrigin.kernel

    @numba.njit
    def rotated(x):
        return inner(rot @ x)

    for f in (rastrigin, rotated):
        ours = [de_minimize(f, rastrigin.bounds(10), seed=s, maxiter=399).fun for s in range(3)]
        classic = [de_minimize(f, rastrigin.bounds(10), seed=s, maxiter=399, adaptive=False,
                               strategy="best1bin", recombination=0.7).fun for s in range(3)]
        assert np.median(ours) < np.median(classic)


def test_permutation_ga_solves_tsp_exactly():
    tsp = TravellingSalesman.random(9, seed=3)
    _, best = tsp.exact_tour()
    res = ga_minimize(tsp, 9, encoding="permutation", seed=0, maxiter=300, popsize=60)
    assert res.x.dtype == np.int64 and sorted(res.x) == list(range(9))
    assert res.fun == pytest.approx(best, rel=1e-12)
    assert tsp(res.x) == pytest.approx(res.fun)
    python_path = ga_minimize(lambda t: tsp(t), 9, encoding="permutation", seed=0,
                              maxiter=300, popsize=60)
    np.testing.assert_array_equal(python_path.x, res.x)


def test_exact_tour_matches_brute_force():
    from itertools import permutations

    tsp = TravellingSalesman.random(7, seed=5)
    brute = min(tsp(np.array((0, *p))) for p in permutations(range(1, 7)))
    tour, length = tsp.exact_tour()
    assert length == pytest.approx(brute)
    assert tsp(tour) == pytest.approx(length)


def test_benchmark_functions_numpy_matches_kernel():
    x = np.random.default_rng(0).uniform(-3, 3, (6, 4))
    for fn in (sphere, rastrigin, rosenbrock, ackley, griewank, schwefel):
        np.testing.assert_allclose(fn(x), [fn.kernel(row) for row in x], rtol=1e-12)
        assert fn(fn.minimizer(4)) == pytest.approx(fn.minimum, abs=1e-6)


@pytest.mark.parametrize("call, exc, text", [
    (lambda: de_minimize(sphere, [(1.0, 0.0)]), ValueError, "low < high"),
    (lambda: de_minimize(sphere, [1.0, 2.0]), ValueError, "(low, high) pairs"),
    (lambda: de_minimize(sphere, [(0.0, np.inf)]), ValueError, "NaN or infinity"),
    (lambda: de_minimize(sphere, "abc"), TypeError, "bounds"),
    (lambda: de_minimize(3, BOUNDS5), TypeError, "`f` must be callable"),
    (lambda: de_minimize(sphere, BOUNDS5, popsize=3), ValueError, "popsize"),
    (lambda: de_minimize(sphere, BOUNDS5, mutation=(1.0, 0.5)), ValueError, "mutation[1]"),
    (lambda: de_minimize(sphere, BOUNDS5, mutation="x"), TypeError, "mutation"),
    (lambda: de_minimize(sphere, BOUNDS5, strategy="best2"), ValueError, "strategy"),
    (lambda: de_minimize(sphere, BOUNDS5, adaptive=1), TypeError, "adaptive"),
    (lambda: de_minimize(sphere, BOUNDS5, seed=-1), ValueError, "seed"),
    (lambda: de_minimize(sphere, BOUNDS5, maxiter=1.5), TypeError, "maxiter"),
    (lambda: de_minimize(sphere, BOUNDS5, patience=0), ValueError, "patience"),
    (lambda: de_minimize(sphere, BOUNDS5, callback=3), TypeError, "callback"),
    (lambda: de_minimize(sphere, BOUNDS5, progress=1), TypeError, "progress"),
    (lambda: pso_minimize(sphere, BOUNDS5, topology="star"), ValueError, "topology"),
    (lambda: pso_minimize(sphere, BOUNDS5, constriction=True), ValueError, "c1 + c2 > 4"),
    (lambda: pso_minimize(sphere, BOUNDS5, vmax=0.0), ValueError, "vmax"),
    (lambda: pso_minimize(sphere, BOUNDS5, boundary="wrap"), ValueError, "boundary"),
    (lambda: ga_minimize(sphere, BOUNDS5, crossover="order"), ValueError, "encoding='real'"),
    (lambda: ga_minimize(sphere, BOUNDS5, encoding="binary", mutation="swap"), ValueError,
     "encoding='binary'"),
    (lambda: ga_minimize(sphere, BOUNDS5, crossover="pmx"), ValueError, "crossover"),
    (lambda: ga_minimize(sphere, BOUNDS5, encoding="permutation"), TypeError, "number of items"),
    (lambda: ga_minimize(sphere, BOUNDS5, elitism=50), ValueError, "elitism"),
    (lambda: ga_minimize(sphere, BOUNDS5, encoding="binary", bits=60), ValueError, "bits"),
    (lambda: ga_minimize(sphere, BOUNDS5, mutation_rate=2.0), ValueError, "mutation_rate"),
    (lambda: minimize(sphere, BOUNDS5, method="cmaes"), ValueError, "method"),
    (lambda: minimize(sphere, BOUNDS5, method="pso", strategy="best1bin"), TypeError,
     "strategy"),
])
def test_validation_names_the_parameter(call, exc, text):
    with pytest.raises(exc, match=None) as info:
        call()
    assert text in str(info.value)


def test_vectorised_objective_with_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match="vectorized=True must return shape"):
        de_minimize(lambda pop: pop.sum(), BOUNDS5, vectorized=True, maxiter=2)


def test_python_objective_returning_garbage_is_rejected():
    with pytest.raises(TypeError, match="must return a real number"):
        de_minimize(lambda x: None, BOUNDS5, maxiter=2)


def test_import_does_not_load_numba_and_star_import_works():
    code = (
        "import sys\n"
        "import lukhas.bio.utils as u\n"
        "assert 'numba' not in sys.modules, 'numba imported'\n"
        "ns = {}\n"
        "exec('from lukhas.bio.utils import *', ns)\n"
        "assert set(u.__all__) <= set(ns)\n"
        "assert 0.0 <= ns['fatigue_level']() <= 1.0\n"
        "assert 'numba' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
