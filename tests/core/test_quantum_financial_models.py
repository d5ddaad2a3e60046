"""QUBO/Ising builders and conversions against loop references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.quantum_financial import (
    energy,
    ising_to_qubo,
    portfolio_budget_qubo,
    portfolio_qubo,
    qubo_to_ising,
)
from reference.qubo_ref import (
    ref_ising_energy,
    ref_portfolio_objective,
    ref_qubo_energy,
)


def factor_market(n, seed):
    rng = np.random.default_rng(seed)
    F = rng.normal(0, 0.15, (n, 2))
    cov = F @ F.T + np.diag(rng.uniform(0.005, 0.05, n))
    mu = rng.normal(0.08, 0.05, n)
    return mu, cov


def all_states(n):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int8)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_energy_matches_loop_reference_for_any_layout(n, seed):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))
    X = all_states(n)
    got = energy(Q, X, offset=0.5)
    want = [ref_qubo_energy(Q, x, 0.5) for x in X]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    upper = np.triu(Q + Q.T) - np.diag(np.diag(Q))
    np.testing.assert_allclose(energy(upper, X, 0.5), want, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(0, 10_000))
def test_ising_round_trip_preserves_energies(n, seed):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))
    h, J, c = qubo_to_ising(Q, 1.25)
    assert np.allclose(J, J.T) and np.all(np.diag(J) == 0)
    X = all_states(n)
    S = 2 * X.astype(int) - 1
    want = [ref_qubo_energy(Q, x, 1.25) for x in X]
    np.testing.assert_allclose([ref_ising_energy(h, J, s, c) for s in S], want, atol=1e-10)
    Q2, c2 = ising_to_qubo(h, J, c)
    np.testing.assert_allclose(energy(Q2, X, c2), want, atol=1e-10)
    Jd = rng.normal(size=(n, n))  # diagonal couplings are constants s_i**2 = 1
    Q3, c3 = ising_to_qubo(h, Jd, 0.0)
    np.testing.assert_allclose(energy(Q3, X, c3),
                               [ref_ising_energy(h, Jd, s) for s in S], atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 8), st.data(), st.integers(0, 10_000), st.sampled_from([0.0, 0.5, 3.0]))
def test_default_penalty_makes_every_infeasible_state_worse(n, data, seed, lam):
    k = data.draw(st.integers(1, n))
    mu, cov = factor_market(n, seed)
    q = portfolio_qubo(mu, cov, k, risk_aversion=lam)
    X = all_states(n)
    e = q.energy(X)
    feasible = X.sum(axis=1) == k
    assert e[~feasible].min() > e[feasible].min()
    np.testing.assert_array_equal(q.is_feasible(X), feasible)
    # on feasible states the energy is the mean-variance objective
    for x in X[feasible][:5]:
        assert e[np.flatnonzero((x == X).all(axis=1))[0]] == pytest.approx(
            ref_portfolio_objective(mu, cov, k, lam, x), abs=1e-12)


def test_a_penalty_too_small_lets_infeasible_states_win():
    mu, cov = factor_market(6, 1)
    q = portfolio_qubo(mu, cov, 2, penalty=1e-6)
    X = all_states(6)
    e = q.energy(X)
    assert X[np.argmin(e)].sum() != 2


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_budget_qubo_decodes_feasible_weights_and_penalises_the_rest(bits):
    mu, cov = factor_market(3, 4)
    q = portfolio_budget_qubo(mu, cov, bits=bits, risk_aversion=2.0)
    X = all_states(3 * bits)
    w = q.decode(X)
    feasible = np.isclose(w.sum(axis=1), 1.0)
    e = q.energy(X)
    assert e[~feasible].min() > e[feasible].min()
    want = [2.0 * wi @ cov @ wi - mu @ wi for wi in w[feasible]]
    np.testing.assert_allclose(e[feasible], want, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mu": [0.1, np.nan], "cov": np.eye(2), "k": 1}, ValueError, "`mu`"),
        ({"mu": [0.1, 0.2], "cov": np.eye(3), "k": 1}, ValueError, "`cov` must have shape"),
        ({"mu": [0.1, 0.2], "cov": [[1.0, 0.5], [0.0, 1.0]], "k": 1}, ValueError, "symmetric"),
        ({"mu": [0.1, 0.2], "cov": [[1.0, 2.0], [2.0, 1.0]], "k": 1}, ValueError, "semi-definite"),
        ({"mu": [0.1, 0.2], "cov": np.eye(2), "k": 3}, ValueError,
         r"`k` must be an int in \[1, 2\]"),
        ({"mu": [0.1, 0.2], "cov": np.eye(2), "k": 0}, ValueError, "`k`"),
        ({"mu": [0.1, 0.2], "cov": np.eye(2), "k": 1.5}, TypeError, "`k` must be an int"),
        ({"mu": [0.1, 0.2], "cov": np.eye(2), "k": 1, "penalty": -1.0}, ValueError, "`penalty`"),
        ({"mu": [0.1, 0.2], "cov": np.eye(2), "k": 1, "risk_aversion": -1}, ValueError,
         "`risk_aversion`"),
        ({"mu": [0.1, 0.2], "cov": [[np.inf, 0], [0, 1]], "k": 1}, ValueError, "`cov`"),
    ],
)
def test_portfolio_qubo_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        portfolio_qubo(**kwargs)


def test_energy_rejects_bad_input():
    with pytest.raises(ValueError, match="`Q` must be a non-empty square"):
        energy(np.ones((2, 3)), [[0, 1]])
    with pytest.raises(ValueError, match="`Q` must not contain NaN"):
        energy([[np.nan]], [[1]])
    with pytest.raises(ValueError, match="`samples` must hold only 0 and 1"):
        energy(np.eye(2), [[0, 2]])
    with pytest.raises(ValueError, match="`samples` must have 2 columns"):
        energy(np.eye(2), [[0, 1, 1]])
    with pytest.raises(ValueError, match="`J` must have shape"):
        ising_to_qubo([0.0, 1.0], np.eye(3))
