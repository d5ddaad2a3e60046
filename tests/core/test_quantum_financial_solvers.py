"""Solvers: exact against an independent enumerator, samplers against exact, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.quantum_financial import (
    SampleSet,
    energy,
    local_search,
    portfolio_qubo,
    solve_qubo,
)
from reference.qubo_ref import ref_best_selection, ref_brute_force, ref_qubo_energy

SAMPLERS = ["sa", "sqa", "pt", "sb"]
FAST = {"sa": 300, "sqa": 100, "pt": 60, "sb": 300}


def factor_market(n, seed):
    rng = np.random.default_rng(seed)
    F = rng.normal(0, 0.15, (n, 2))
    cov = F @ F.T + np.diag(rng.uniform(0.005, 0.05, n))
    mu = rng.normal(0.08, 0.05, n)
    return mu, cov


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 9), st.integers(0, 10_000))
def test_exact_matches_independent_brute_force(n, seed):
    Q = np.random.default_rng(seed).normal(size=(n, n))
    best, states = ref_brute_force(Q, 0.3)
    got = solve_qubo(Q, "exact", offset=0.3)
    assert got.best.energy == pytest.approx(best, abs=1e-10)
    assert tuple(got.best.state) in states


def test_exact_enumerates_in_parallel_chunks():
    Q = np.random.default_rng(5).normal(size=(14, 14))  # 2**8 chunks of 2**6 states
    want = min(energy(Q, np.array(np.unravel_index(np.arange(2**14), (2,) * 14)).T))
    assert solve_qubo(Q, "exact").best.energy == pytest.approx(want, abs=1e-10)


@pytest.mark.parametrize("method", SAMPLERS)
def test_samplers_find_the_optimum_of_a_random_qubo(method):
    Q = np.random.default_rng(11).normal(size=(12, 12))
    target = solve_qubo(Q, "exact").best.energy
    s = solve_qubo(Q, method, num_reads=32, num_sweeps=FAST[method], seed=2)
    assert s.success_rate(target) >= 0.5
    assert s.best.energy == pytest.approx(target, abs=1e-10)


@pytest.mark.parametrize("method", SAMPLERS)
def test_samplers_find_the_best_portfolio_with_polish(method):
    mu, cov = factor_market(14, 3)
    q = portfolio_qubo(mu, cov, 4, risk_aversion=2.0)
    target, chosen = ref_best_selection(mu, cov, 4, 2.0)
    s = solve_qubo(q.matrix, method, offset=q.offset, num_reads=32, num_sweeps=FAST[method],
                   seed=4, postprocess=("greedy", "swap"))
    assert s.best.energy == pytest.approx(target, abs=1e-10)
    assert tuple(np.flatnonzero(s.best.state)) == chosen


@pytest.mark.parametrize("method", [*SAMPLERS, "exact"])
def test_reported_energies_equal_recomputed_ones(method):
    Q = np.random.default_rng(8).normal(size=(10, 10))
    s = solve_qubo(Q, method, offset=-2.0, num_reads=8, num_sweeps=20, seed=1)
    assert s.samples.dtype == np.int8 and s.samples.shape[1] == 10
    np.testing.assert_array_equal(s.energies, energy(Q, s.samples, -2.0))
    for x, e in zip(s.samples, s.energies, strict=True):
        assert e == pytest.approx(ref_qubo_energy(Q, x, -2.0), abs=1e-10)
    assert np.all(s.timings >= 0) and s.wall_time >= s.timings.max()


@pytest.mark.parametrize("method", SAMPLERS)
def test_same_seed_same_samples_and_upper_equals_symmetric(method):
    rng = np.random.default_rng(3)
    U = np.triu(rng.normal(size=(9, 9)))
    sym = (U + U.T) / 2
    a = solve_qubo(U, method, num_reads=16, num_sweeps=30, seed=42)
    b = solve_qubo(sym, method, num_reads=16, num_sweeps=30, seed=42)
    np.testing.assert_array_equal(a.samples, b.samples)
    # a read's stream does not depend on how many reads run, nor on progress chunks
    c = solve_qubo(sym, method, num_reads=4, num_sweeps=30, seed=42)
    np.testing.assert_array_equal(a.samples[:4], c.samples)
    # the seed matters (one sweep: far from converged, so reads differ)
    e = solve_qubo(sym, method, num_reads=16, num_sweeps=1, seed=42)
    f = solve_qubo(sym, method, num_reads=16, num_sweeps=1, seed=43)
    assert not np.array_equal(e.samples, f.samples)


def test_progress_bar_splits_reads_without_changing_them():
    pytest.importorskip("tqdm")
    Q = np.random.default_rng(3).normal(size=(8, 8))
    a = solve_qubo(Q, "sa", num_reads=25, num_sweeps=20, seed=9)
    b = solve_qubo(Q, "sa", num_reads=25, num_sweeps=20, seed=9, progress=True)
    np.testing.assert_array_equal(a.samples, b.samples)


def test_unseeded_runs_record_a_replayable_seed():
    Q = np.random.default_rng(3).normal(size=(8, 8))
    a = solve_qubo(Q, "sa", num_reads=6, num_sweeps=20)
    b = solve_qubo(Q, "sa", num_reads=6, num_sweeps=20, seed=a.parameters["seed"])
    np.testing.assert_array_equal(a.samples, b.samples)


def test_local_search_reaches_local_minima_and_swap_keeps_cardinality():
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(12, 12))
    X = rng.integers(0, 2, (20, 12))
    greedy = local_search(Q, X, "greedy")
    assert np.all(energy(Q, greedy) <= energy(Q, X) + 1e-12)
    S = (Q + Q.T) / 2
    for x in greedy:  # no single flip improves
        flips = np.where(np.eye(12, dtype=bool), 1 - x, x)
        assert energy(S, flips).min() >= energy(S, x)[0] - 1e-12
    swapped = local_search(Q, X, "swap")
    np.testing.assert_array_equal(swapped.sum(axis=1), X.sum(axis=1))
    assert np.all(energy(Q, swapped) <= energy(Q, X) + 1e-12)


def test_sampleset_views_and_repr():
    s = solve_qubo(np.random.default_rng(1).normal(size=(6, 6)), "sa", num_reads=10,
                   num_sweeps=20, seed=0)
    ordered = s.sorted()
    assert isinstance(ordered, SampleSet) and np.all(np.diff(ordered.energies) >= 0)
    assert ordered.energies[0] == s.best.energy
    html = s._repr_html_()
    assert "<table>" in html and "sa" in html and "SampleSet(method='sa'" in repr(s)
    with pytest.raises(ValueError, match="read-only"):
        s.samples[0, 0] = 1


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.ones((2, 3)),), {}, ValueError, "`Q` must be a non-empty square"),
        (([[np.inf]],), {}, ValueError, "`Q` must not contain NaN"),
        ((np.eye(2), "annealing"), {}, ValueError, "`method` must be one of"),
        ((np.eye(2),), {"num_reads": 0}, ValueError, "`num_reads`"),
        ((np.eye(2),), {"seed": -1}, ValueError, "`seed`"),
        ((np.eye(2),), {"beta_range": (1.0,)}, TypeError, "`beta_range` must be a pair"),
        ((np.eye(2),), {"beta_range": (0.0, 1.0)}, ValueError, r"`beta_range\[0\]`"),
        ((np.eye(2),), {"postprocess": "tabu"}, ValueError, "`postprocess`"),
        ((np.eye(31), "exact"), {}, ValueError, "n <= 30"),
        ((np.eye(2), "sb"), {"sb_variant": "quantum"}, ValueError, "`sb_variant`"),
    ],
)
def test_solve_qubo_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        solve_qubo(*args, **kwargs)
