"""Sparse input, scale-free defaults, SB on zero-field problems, effort that never hurts."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from core.quantum_financial import (
    default_beta_range,
    energy,
    local_search,
    portfolio_qubo,
    solve_qubo,
)
from reference.qubo_ref import ref_beta_range, ref_cut, ref_qubo_energy

SAMPLERS = ["sa", "sqa", "pt", "sb"]


def random_sparse_qubo(n, degree, seed):
    """Symmetric sparse QUBO with normal weights (no exact energy ties)."""
    rng = np.random.default_rng(seed)
    m = n * degree // 2
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = i != j
    A = sp.coo_matrix((rng.normal(size=keep.sum()), (i[keep], j[keep])), shape=(n, n)).tocsr()
    return (A + A.T + sp.diags(rng.normal(size=n))).tocsr()


def maxcut_graph(n, degree, seed, weighted=False):
    rng = np.random.default_rng(seed)
    m = n * degree // 2
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = i < j
    w = rng.choice([-1.0, 1.0], keep.sum()) if weighted else np.ones(keep.sum())
    W = sp.coo_matrix((w, (i[keep], j[keep])), shape=(n, n)).tocsr()
    W.sum_duplicates()
    return (W + W.T).tocsr()


def maxcut_qubo(W):
    """x'Qx = -cut(x): no linear terms in the Ising form (a zero-field problem)."""
    deg = np.asarray(W.sum(axis=1)).ravel()
    return (sp.triu(W, 1) * 2 - sp.diags(deg)).tocsr()


@pytest.mark.parametrize("method", SAMPLERS)
def test_sparse_and_dense_forms_give_the_same_samples(method):
    Q = random_sparse_qubo(120, 6, 1)
    a = solve_qubo(Q, method, num_reads=6, num_sweeps=40, seed=3)
    b = solve_qubo(Q.toarray(), method, num_reads=6, num_sweeps=40, seed=3)
    assert a.parameters["sparse"] and b.parameters["sparse"]  # low density: CSR either way
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_allclose(a.energies, energy(Q.toarray(), a.samples), rtol=1e-12,
                               atol=1e-9)


@pytest.mark.parametrize("method", SAMPLERS)
def test_csr_kernels_match_dense_kernels(method):
    # Force the dense kernels on a sparse problem: same samples as the CSR kernels.
    from lukhas.primitives.anneal import _problem

    Q = random_sparse_qubo(60, 5, 2)
    a = solve_qubo(Q, method, num_reads=5, num_sweeps=30, seed=8)
    dense = _problem._dense_problem("Q", Q.toarray(), 0.0)
    orig = _problem.as_problem
    try:
        _problem_as = lambda name, q, offset=0.0, density=0.1: dense  # noqa: E731
        import lukhas.primitives.anneal._solvers as solvers

        solvers.as_problem = _problem_as
        b = solve_qubo(Q, method, num_reads=5, num_sweeps=30, seed=8)
    finally:
        solvers.as_problem = orig
    assert not b.parameters["sparse"] and a.parameters["sparse"]
    np.testing.assert_array_equal(a.samples, b.samples)


def test_every_input_form_describes_the_same_problem():
    dimod = pytest.importorskip("dimod")
    Q = random_sparse_qubo(30, 4, 5)
    U = sp.triu(Q + Q.T - sp.diags(Q.diagonal())).tocoo()  # upper-triangular form
    edges = [(int(i), int(j), float(w)) for i, j, w in zip(U.row, U.col, U.data, strict=True)]
    as_dict = {(i, j): w for i, j, w in edges}
    bqm = dimod.BQM("BINARY")
    bqm.add_variables_from((i, 0.0) for i in range(30))  # columns follow bqm.variables
    for (i, j), w in as_dict.items():
        if i == j:
            bqm.add_linear(i, w)
        else:
            bqm.add_quadratic(i, j, w)
    bqm.offset = 0.5
    shuffled = dimod.BQM.from_qubo(as_dict, offset=0.5)
    X = np.random.default_rng(0).integers(0, 2, (20, 30))
    want = np.array([ref_qubo_energy(Q.toarray(), x) for x in X])
    for form in (Q, Q.toarray(), U, edges, as_dict):
        np.testing.assert_allclose(energy(form, X), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(energy(bqm, X), want + 0.5, rtol=1e-12, atol=1e-12)
    order = list(shuffled.variables)
    np.testing.assert_allclose(energy(shuffled, X[:, order]), want + 0.5, rtol=1e-12,
                               atol=1e-12)
    runs = [solve_qubo(f, "sa", num_reads=4, num_sweeps=30, seed=1) for f in (Q, edges, bqm)]
    np.testing.assert_array_equal(runs[0].samples, runs[1].samples)
    np.testing.assert_array_equal(runs[0].samples, runs[2].samples)
    np.testing.assert_allclose(runs[2].energies, runs[0].energies + 0.5)


def test_sparse_input_never_builds_a_dense_matrix(monkeypatch):
    Q = random_sparse_qubo(3000, 8, 4)

    def refuse(*args, **kwargs):
        raise AssertionError("a dense n x n array was requested")

    monkeypatch.setattr(sp.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(sp.csr_matrix, "todense", refuse)
    for method in SAMPLERS:
        s = solve_qubo(Q, method, num_reads=2, num_sweeps=3, seed=0, postprocess="greedy")
        assert s.parameters["sparse"]
    s = solve_qubo(Q, "sa", num_reads=2, num_sweeps=3, seed=0, postprocess="swap")
    assert local_search(Q, s.samples).shape == (2, 3000)


def test_density_picks_the_kernels():
    dense = np.random.default_rng(0).normal(size=(40, 40))
    assert not solve_qubo(dense, "sa", num_reads=1, num_sweeps=1, seed=0).parameters["sparse"]
    assert solve_qubo(random_sparse_qubo(200, 4, 0), "sa", num_reads=1, num_sweeps=1,
                      seed=0).parameters["sparse"]


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 12), st.integers(0, 10_000), st.booleans())
def test_default_beta_range_matches_the_reference(n, seed, sparse_form):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.5)
    form = sp.csr_matrix(Q) if sparse_form else Q
    hot, cold = default_beta_range(form)
    want_hot, want_cold = ref_beta_range((Q + Q.T) / 2)
    assert hot == pytest.approx(want_hot, rel=1e-9)
    assert cold == pytest.approx(want_cold, rel=1e-9)


@pytest.mark.parametrize("method", SAMPLERS)
@pytest.mark.parametrize("c", [1e-3, 1e3])
def test_default_schedules_are_invariant_to_scaling(method, c):
    Q = random_sparse_qubo(80, 6, 7)
    dense = np.random.default_rng(7).normal(size=(24, 24))
    for form in (Q, dense):
        a = solve_qubo(form, method, num_reads=8, num_sweeps=60, seed=5)
        b = solve_qubo(form * c, method, num_reads=8, num_sweeps=60, seed=5)
        np.testing.assert_array_equal(a.samples, b.samples)
        np.testing.assert_allclose(b.energies, c * a.energies, rtol=1e-9)


@pytest.mark.parametrize("penalty_ratio", [10.0, 1000.0])
def test_scaled_portfolio_penalties_still_give_feasible_states(penalty_ratio):
    rng = np.random.default_rng(3)
    n = 32
    F = rng.normal(0, 0.12, (n, 3))
    cov = F @ F.T + np.diag(rng.uniform(0.01, 0.04, n))
    mu = rng.normal(0.05, 0.03, n)
    base = portfolio_qubo(mu, cov, 4, 2.0)
    q = portfolio_qubo(mu, cov, 4, 2.0, penalty=base.penalty * penalty_ratio)
    for method in ("sa", "sqa", "pt"):
        s = solve_qubo(q.matrix, method, offset=q.offset, num_reads=20, seed=1)
        assert q.is_feasible(s.samples).mean() >= 0.5, method
    # SB's continuous dynamics does not hold a cardinality: one greedy pass makes it feasible.
    s = solve_qubo(q.matrix, "sb", offset=q.offset, num_reads=20, seed=1, postprocess="greedy")
    assert q.is_feasible(s.samples).all()
    assert s.energies.min() <= 0.0  # the objective is negative at the optimum: not penalised


@pytest.mark.parametrize("weighted", [False, True])
def test_sb_cuts_zero_field_maxcut_graphs(weighted):
    W = maxcut_graph(300, 8, 11, weighted)
    Q = maxcut_qubo(W)
    sb = solve_qubo(Q, "sb", num_reads=8, seed=2)
    sa = solve_qubo(Q, "sa", num_reads=8, seed=2)
    cuts = -sb.energies
    for x, cut in zip(sb.samples[:2], cuts[:2], strict=True):
        assert cut == pytest.approx(ref_cut(W.toarray(), x))
    assert (sb.samples.min(axis=1) != sb.samples.max(axis=1)).all()  # never all-equal
    assert cuts.max() >= 0.97 * (-sa.energies.min())


def test_sb_on_dense_zero_field_problem():
    rng = np.random.default_rng(4)
    W = np.triu(rng.choice([0.0, 1.0], (40, 40), p=[0.5, 0.5]), 1)
    W = W + W.T
    Q = 2 * np.triu(W, 1) - np.diag(W.sum(axis=1))
    s = solve_qubo(Q, "sb", num_reads=16, seed=1)
    assert not s.parameters["sparse"]
    best_sa = solve_qubo(Q, "sa", num_reads=16, seed=1).energies.min()
    assert s.energies.min() <= 0.97 * best_sa  # energies are negative cuts


def test_more_sweeps_never_make_the_expected_best_worse():
    mu_rng = np.random.default_rng(12)
    n = 48
    F = mu_rng.normal(0, 0.12, (n, 3))
    cov = F @ F.T + np.diag(mu_rng.uniform(0.01, 0.04, n))
    q = portfolio_qubo(mu_rng.normal(0.05, 0.03, n), cov, 6, 2.0)
    W = maxcut_graph(200, 6, 3, weighted=True)
    for Q, offset in ((q.matrix, q.offset), (maxcut_qubo(W), 0.0)):
        means = []
        for sweeps in (10, 100, 1000):
            best = [solve_qubo(Q, "sa", offset=offset, num_reads=10, num_sweeps=sweeps,
                               seed=seed).energies.min() for seed in range(6)]
            means.append(np.mean(best))
        scale = abs(means[-1]) + 1e-12
        assert means[0] >= means[1] - 1e-9 * scale
        assert means[1] >= means[2] - 1e-9 * scale


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"beta_range": (2.0, 1.0)}, r"`beta_range` must be \(hot, cold\) with hot <= cold"),
        ({"method": "sqa", "transverse_field": (0.1, 1.0)}, "`transverse_field` must be"),
    ],
)
def test_reversed_ranges_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_qubo(np.eye(3), num_reads=1, num_sweeps=2, **kwargs)


def test_huge_coefficients_are_solved_or_refused_never_nan():
    # Finite energies: every method solves it (the halves of Q and Q' are added, and the
    # kernels run on Q / max |S_ij|, so no intermediate overflows).
    Q = np.array([[-1e300, 1.5e308], [0.0, -2e300]])
    for method in ("exact", *SAMPLERS):
        s = solve_qubo(Q, method, num_reads=4, num_sweeps=20, seed=0, postprocess="greedy")
        assert np.isfinite(s.energies).all() and s.best.energy == pytest.approx(-2e300)
    np.testing.assert_allclose(energy(Q, [[1, 1]]), [1.5e308 - 3e300])
    # Energies beyond float64 (Q + Q' overflowed to inf and gave NaN before): refused.
    big = np.array([[0.0, 1e308], [1e308, 0.0]])
    for method in ("exact", *SAMPLERS):
        with pytest.raises(ValueError, match=r"must stay below 1\.78e"):
            solve_qubo(big, method, num_reads=1, num_sweeps=1)
    with pytest.raises(ValueError, match="must stay below"):
        energy(big, [[1, 1]])


def test_edge_list_errors_are_clear():
    with pytest.raises(TypeError, match="edge list"):
        solve_qubo({(0, "a"): 1.0})
    with pytest.raises(ValueError, match="NaN"):
        solve_qubo({(0, 1): np.nan})
    with pytest.raises(ValueError, match="square"):
        solve_qubo(sp.csr_matrix(np.ones((2, 3))))
