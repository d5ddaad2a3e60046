"""The gymnasium GridWorldEnv of lukhas.domain.rl.envs (gymnasium is a test dependency)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env  # noqa: E402

from candidate.rl import (  # noqa: E402
    GridWorld,
    evaluate_policy,
    policy_value,
    train_tabular,
    value_iteration,
)
from lukhas.domain.rl.envs import GridWorldEnv  # noqa: E402


@pytest.mark.parametrize("slip", [0.0, 0.3])
def test_check_env_passes(slip):
    with warnings.catch_warnings():
        # gymnasium only warns that it cannot test render modes of an env made without a spec
        warnings.filterwarnings("ignore", message=".*alternative render modes.*")
        check_env(GridWorldEnv(slip=slip, render_mode="ansi"), skip_render_check=False)


def test_step_semantics_and_truncation():
    env = GridWorldEnv(["S.G"], max_steps=3)
    obs, info = env.reset(seed=1)
    assert obs == 0 and info == {}
    assert env.step(3)[:4] == (0, -1.0, False, False)  # bump into the edge
    assert env.step(0)[:4] == (0, -1.0, False, False)
    assert env.step(0)[:4] == (0, -1.0, False, True)  # truncated at max_steps
    env.reset()
    env.step(1)
    assert env.step(1)[:4] == (2, 10.0, True, False)
    with pytest.raises(ValueError, match="Discrete"):
        env.step(7)


def test_render_ansi():
    env = GridWorldEnv(["S.G"], render_mode="ansi")
    env.reset()
    env.step(1)
    assert env.render() == "SAG"
    assert GridWorldEnv(["S.G"]).render() is None


def test_learning_through_the_env_api_reaches_the_optimum():
    env = GridWorldEnv(max_steps=200)
    world = GridWorld()
    v_star, _ = value_iteration(world)
    res = train_tabular(env, "q_learning", episodes=800, alpha=0.5, epsilon=(1.0, 0.0), seed=0)
    assert policy_value(world, res.policy)[world.start] == pytest.approx(v_star[world.start])
    ev = evaluate_policy(env, res.policy, episodes=3, seed=0)
    assert np.all(ev.returns == ev.returns[0])
