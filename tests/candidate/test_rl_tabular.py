"""Tabular RL of candidate.rl: update kernels vs reference, learners vs value iteration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candidate.rl import (
    ALGORITHMS,
    DEFAULT_LAYOUT,
    GridWorld,
    evaluate_policy,
    greedy_policy,
    policy_value,
    train_tabular,
    value_iteration,
)
from lukhas._kernels import rl as rlk
from lukhas._kernels.xoshiro import seed_state
from reference.evolve_ref import (
    RefRng,
    ref_expected_sarsa_update,
    ref_q_update,
    ref_sarsa_update,
)

NO_PITS = ("S...", ".#..", ".#.#", "...G")


@given(seed=st.integers(0, 10_000), done=st.booleans(), ties=st.booleans())
@settings(max_examples=40, deadline=None)
def test_update_kernels_match_reference(seed, done, ties):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(4, 3))
    if ties:
        q[2] = [1.0, 1.0, 0.5]
    s, a, s2, a2 = 0, 1, 2, 0
    r, alpha, gamma, eps = float(rng.normal()), 0.3, 0.9, 0.2
    for kernel, ref, args in [
        (rlk._q_learning_update, ref_q_update, (s, a, r, s2, done, alpha, gamma)),
        (rlk._sarsa_update, ref_sarsa_update, (s, a, r, s2, a2, done, alpha, gamma)),
        (rlk._expected_sarsa_update, ref_expected_sarsa_update,
         (s, a, r, s2, done, alpha, gamma, eps)),
    ]:
        expected = ref(q, *args)
        got = q.copy()
        kernel(got, *args)
        np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_greedy_breaks_ties_uniformly_and_epsilon_explores():
    q = np.array([[1.0, 3.0, 3.0, 0.0]])
    state = seed_state(np.random.default_rng(0))
    picks = np.bincount([rlk._greedy(q, 0, state) for _ in range(4000)], minlength=4)
    assert picks[0] == picks[3] == 0 and abs(picks[1] - picks[2]) < 300
    eps_picks = np.bincount([rlk._epsilon_greedy(q, 0, 1.0, state) for _ in range(4000)],
                            minlength=4)
    assert (eps_picks > 800).all()


def test_model_step_follows_probabilities():
    world = GridWorld(["S.G"], slip=0.5)
    state = seed_state(np.random.default_rng(1))
    ref = RefRng(state.copy())
    outcomes = [rlk._model_step(world.next_state, world.prob, world.reward, 1, 1, state)[0]
                for _ in range(4000)]
    # at cell 1 moving right: goal with 0.5, slips up/down bump into the edge (stay) with 0.5
    assert abs(np.mean(np.array(outcomes) == 2) - 0.5) < 0.05
    assert ref.uniform() >= 0.0  # the reference stream is independent of the kernel's


def test_gridworld_tables_are_stochastic_and_consistent():
    world = GridWorld(slip=0.2)
    np.testing.assert_allclose(world.prob.sum(axis=2), 1.0)
    assert world.next_state.min() >= 0 and world.next_state.max() < world.n_states
    goal = next(i for i, (r, c) in enumerate(world.cells) if world.layout[r][c] == "G")
    assert world.terminal[goal] == 1
    assert "#" in world.render() and world.render(np.zeros(world.n_states, int)).count("^") > 0


def _reachable(world):
    seen = {world.start}
    frontier = [world.start]
    while frontier:
        s = frontier.pop()
        if world.terminal[s]:
            continue
        for s2 in world.next_state[s][world.prob[s] > 0]:
            if int(s2) not in seen:
                seen.add(int(s2))
                frontier.append(int(s2))
    mask = np.zeros(world.n_states, bool)
    mask[list(seen)] = True
    return mask


@pytest.mark.parametrize("layout", [DEFAULT_LAYOUT, NO_PITS])
@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("seed", [0, 1])
def test_learners_reach_the_optimal_policy(layout, algorithm, seed):
    world = GridWorld(layout)
    v_star, _ = value_iteration(world)
    res = train_tabular(world, algorithm, episodes=2000, alpha=0.5, epsilon=(1.0, 0.0),
                        seed=seed)
    v_pi = policy_value(world, res.policy)
    assert v_pi[world.start] == pytest.approx(v_star[world.start], abs=1e-9)
    if algorithm == "q_learning":  # off-policy: optimal in every reachable state
        live = _reachable(world) & (world.terminal == 0)
        np.testing.assert_allclose(v_pi[live], v_star[live], atol=1e-9)
    assert res.returns[-50:].mean() > res.returns[:50].mean()


def test_q_learning_with_slip_matches_value_iteration():
    world = GridWorld(slip=0.2)
    v_star, _ = value_iteration(world)
    res = train_tabular(world, "q_learning", episodes=6000, alpha=0.1, seed=0)
    live = _reachable(world) & (world.terminal == 0)
    v_pi = policy_value(world, res.policy)
    np.testing.assert_allclose(v_pi[live], v_star[live], atol=1e-6)


def test_value_iteration_satisfies_bellman_optimality():
    world = GridWorld(slip=0.1)
    v, q = value_iteration(world, gamma=0.9)
    np.testing.assert_allclose(v, q.max(axis=1))
    np.testing.assert_allclose(policy_value(world, greedy_policy(q), gamma=0.9), v, atol=1e-8)


def test_same_seed_same_q_and_q_init():
    world = GridWorld()
    a = train_tabular(world, "sarsa", episodes=100, seed=3)
    b = train_tabular(world, "sarsa", episodes=100, seed=3)
    np.testing.assert_array_equal(a.q, b.q)
    warm = train_tabular(world, "q_learning", episodes=1, q_init=a.q, seed=0, epsilon=(0.0, 0.0))
    assert warm.q.shape == a.q.shape


def test_evaluate_policy_on_model():
    world = GridWorld(NO_PITS)
    _, q = value_iteration(world)
    ev = evaluate_policy(world, greedy_policy(q), episodes=5, seed=0)
    assert ev.returns.shape == (5,) and ev.std == 0.0
    assert ev.mean == 10.0 - (ev.lengths[0] - 1)


@pytest.mark.parametrize("kwargs, exc, text", [
    ({"algorithm": "td_lambda"}, ValueError, "algorithm"),
    ({"alpha": 0.0}, ValueError, "alpha"),
    ({"epsilon": 0.1}, TypeError, "epsilon"),
    ({"epsilon": (1.0, 2.0)}, ValueError, "epsilon[1]"),
    ({"q_init": np.zeros((2, 2))}, ValueError, "q_init"),
    ({"episodes": 0}, ValueError, "episodes"),
])
def test_train_tabular_validation(kwargs, exc, text):
    with pytest.raises(exc) as info:
        train_tabular(GridWorld(), **kwargs)
    assert text in str(info.value)


def test_train_tabular_rejects_non_discrete_env():
    with pytest.raises(TypeError, match="Discrete observation_space"):
        train_tabular(object())


@pytest.mark.parametrize("layout, text", [
    (["S.."], "'G'"),
    (["S.G", "S.."], "exactly one 'S'"),
    (["S.G", "."], "equal length"),
    (["S.Z"], "may only use"),
    ("S.G", "sequence of str"),
])
def test_gridworld_layout_validation(layout, text):
    with pytest.raises((ValueError, TypeError), match=None) as info:
        GridWorld(layout)
    assert text in str(info.value)
