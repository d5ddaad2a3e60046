"""DeGroot consensus and swarm coordination of core.collective."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.collective import SwarmCoordinator, degroot, influence_weights


def _random_trust(seed, n):
    rng = np.random.default_rng(seed)
    w = rng.random((n, n)) + np.eye(n)  # strictly positive: connected and aperiodic
    return w / w.sum(axis=1, keepdims=True)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 8))
@settings(max_examples=40, deadline=None)
def test_consensus_equals_influence_weighted_average(seed, n):
    trust = _random_trust(seed, n)
    x0 = np.random.default_rng(seed + 1).normal(size=n)
    res = degroot(trust, x0)
    pi = influence_weights(trust)
    assert res.converged and res.consensus
    np.testing.assert_allclose(pi @ trust, pi, atol=1e-12)
    assert pi.sum() == pytest.approx(1.0) and (pi >= 0).all()
    np.testing.assert_allclose(res.beliefs, np.full(n, pi @ x0), atol=1e-8)
    assert res.spread[0] >= res.spread[-1]
    assert res.spread.shape == (res.n_iter + 1,)


def test_matches_repeated_matrix_products():
    trust = _random_trust(3, 4)
    x0 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [5.0, -1.0]])
    res = degroot(trust, x0, tol=0.0, max_iter=7)
    np.testing.assert_allclose(res.beliefs, np.linalg.matrix_power(trust, 7) @ x0)
    assert res.n_iter == 7 and not res.converged


def test_disconnected_groups_converge_without_consensus():
    trust = np.array([
        [0.5, 0.5, 0.0, 0.0],
        [0.5, 0.5, 0.0, 0.0],
        [0.0, 0.0, 0.2, 0.8],
        [0.0, 0.0, 0.8, 0.2],
    ])
    res = degroot(trust, [0.0, 1.0, 4.0, 6.0])
    assert res.converged and not res.consensus
    np.testing.assert_allclose(res.beliefs, [0.5, 0.5, 5.0, 5.0], atol=1e-8)


def test_periodic_trust_never_converges():
    res = degroot([[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], max_iter=50)
    assert not res.converged and not res.consensus and res.n_iter == 50


@pytest.mark.parametrize("trust, beliefs, text", [
    ([[0.5, 0.4], [0.5, 0.5]], [0.0, 1.0], "row 0 sums to"),
    ([[1.5, -0.5], [0.5, 0.5]], [0.0, 1.0], "non-negative"),
    ([[1.0, 0.0, 0.0]], [0.0], "square"),
    ([[1.0]], [0.0, 1.0], "1 rows"),
])
def test_invalid_inputs(trust, beliefs, text):
    with pytest.raises(ValueError, match=text):
        degroot(trust, beliefs)


def test_swarm_coordinator_finds_the_source():
    source = np.array([0.3, -0.7])
    names = [f"drone-{i}" for i in range(12)]
    coord = SwarmCoordinator(names, [(-2.0, 2.0)] * 2, seed=1, tol=1e-4)
    visits = []

    def measure(agent, pos):
        visits.append(agent)
        return float(((pos - source) ** 2).sum())

    res = coord.run(measure, rounds=400)
    assert res.value < 1e-6
    np.testing.assert_allclose(res.position, source, atol=1e-3)
    assert res.best_agent in names
    assert len(visits) == res.rounds * len(names)
    assert res.converged and res.spread[-1] <= 1e-4


def test_swarm_coordinator_is_reproducible_and_bounded():
    def run(seed):
        coord = SwarmCoordinator(["a", "b", "c"], [(0.0, 1.0)] * 3, seed=seed)
        waypoints = []
        for _ in range(5):
            wp = coord.assign()
            waypoints.append(np.array([wp[k] for k in ("a", "b", "c")]))
            coord.report({k: float(v.sum()) for k, v in wp.items()})
        return np.array(waypoints)

    a, b = run(5), run(5)
    np.testing.assert_array_equal(a, b)
    assert ((a >= 0.0) & (a <= 1.0)).all()


def test_swarm_coordinator_protocol_errors():
    coord = SwarmCoordinator(["a", "b"], [(0.0, 1.0)])
    with pytest.raises(ValueError, match="before assign"):
        coord.report({"a": 1.0, "b": 2.0})
    coord.assign()
    with pytest.raises(ValueError, match="missing \\['b'\\]"):
        coord.report({"a": 1.0})
    with pytest.raises(TypeError, match="measurements\\['b'\\]"):
        coord.report({"a": 1.0, "b": "x"})
    with pytest.raises(ValueError, match="distinct"):
        SwarmCoordinator(["a", "a"], [(0.0, 1.0)])
    with pytest.raises(TypeError, match="sequence of str"):
        SwarmCoordinator("ab", [(0.0, 1.0)])
