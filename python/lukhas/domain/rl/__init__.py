"""Reinforcement learning: tabular TD control, bandits, replay, gymnasium environments.

- :class:`GridWorld` tabular model; :func:`value_iteration` and
  :func:`policy_value` solve it exactly (the reference learners are checked against).
- :func:`q_learning`, :func:`sarsa`, :func:`expected_sarsa` (:func:`train_tabular`)
  on compiled update kernels; on a :class:`GridWorld` the whole loop runs compiled.
- Bandits: :class:`EpsilonGreedy`, :class:`UCB1`, :class:`ThompsonSampling`,
  :class:`BernoulliBandit`, :func:`run_bandit` (regret curves).
- :class:`ReplayBuffer` on :class:`lukhas.primitives.ring.RingBuffer`.
- :func:`evaluate_policy`.
- ``lukhas.domain.rl.envs.GridWorldEnv``: the gymnasium ``Env`` (needs the optional
  ``gymnasium`` package, so it is not imported here).

Examples
--------
>>> from lukhas.domain.rl import GridWorld, q_learning, value_iteration
>>> world = GridWorld(["S..G"])
>>> v, q = value_iteration(world)
>>> (q_learning(world, episodes=300, seed=0).policy[:3] == q.argmax(axis=1)[:3]).all()
np.True_
"""

from __future__ import annotations

from lukhas.domain.rl._bandits import (
    UCB1,
    BanditAgent,
    BanditRun,
    BernoulliBandit,
    EpsilonGreedy,
    ThompsonSampling,
    run_bandit,
)
from lukhas.domain.rl._evaluation import PolicyEvaluation, evaluate_policy
from lukhas.domain.rl._gridworld import ACTIONS, DEFAULT_LAYOUT, GridWorld
from lukhas.domain.rl._planning import greedy_policy, policy_value, value_iteration
from lukhas.domain.rl._replay import ReplayBatch, ReplayBuffer
from lukhas.domain.rl._tabular import (
    ALGORITHMS,
    TabularResult,
    expected_sarsa,
    q_learning,
    sarsa,
    train_tabular,
)

__all__ = [
    "ACTIONS",
    "ALGORITHMS",
    "DEFAULT_LAYOUT",
    "UCB1",
    "BanditAgent",
    "BanditRun",
    "BernoulliBandit",
    "EpsilonGreedy",
    "GridWorld",
    "PolicyEvaluation",
    "ReplayBatch",
    "ReplayBuffer",
    "TabularResult",
    "ThompsonSampling",
    "evaluate_policy",
    "expected_sarsa",
    "greedy_policy",
    "policy_value",
    "q_learning",
    "run_bandit",
    "sarsa",
    "train_tabular",
    "value_iteration",
]


def __dir__() -> list[str]:
    return list(__all__)
