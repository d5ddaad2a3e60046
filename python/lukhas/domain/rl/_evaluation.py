"""Evaluation helpers: roll out a fixed policy and summarise its returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int
from lukhas.domain.rl._gridworld import GridWorld

__all__ = ["PolicyEvaluation", "evaluate_policy"]


@dataclass(frozen=True, eq=False)
class PolicyEvaluation:
    """Returns of a policy over several episodes.

    Attributes
    ----------
    returns : ndarray of shape (episodes,), dtype=float64
        Undiscounted return per episode.
    lengths : ndarray of shape (episodes,), dtype=int64
        Steps per episode.
    """

    returns: npt.NDArray[np.float64]
    lengths: npt.NDArray[np.int64]

    @property
    def mean(self) -> float:
        """Mean return."""
        return float(self.returns.mean())

    @property
    def std(self) -> float:
        """Standard deviation of the return."""
        return float(self.returns.std())


def evaluate_policy(
    env: Any, policy: Any, *, episodes: int = 100, max_steps: int = 200, seed: int | None = None
) -> PolicyEvaluation:
    """Roll out a deterministic tabular ``policy`` (n_states,) and record its returns.

    Parameters
    ----------
    env : GridWorld or gymnasium.Env
        A model (sampled directly) or a discrete gymnasium-style environment.
    policy : array_like of shape (n_states,), int
        Action per state.
    episodes : int, default=100
    max_steps : int, default=200
        Step limit per episode.
    seed : int or None, default=None

    Returns
    -------
    evaluation : PolicyEvaluation

    Examples
    --------
    >>> from lukhas.domain.rl import GridWorld
    >>> evaluate_policy(GridWorld(["S.G"]), [1, 1, 1], episodes=3).returns.tolist()
    [9.0, 9.0, 9.0]
    """
    pi = check_array("policy", policy, ndim=1).astype(np.int64)
    episodes = check_int("episodes", episodes, low=1)
    max_steps = check_int("max_steps", max_steps, low=1)
    rng = np.random.default_rng(seed)
    returns = np.zeros(episodes)
    lengths = np.zeros(episodes, dtype=np.int64)
    for ep in range(episodes):
        if isinstance(env, GridWorld):
            s, total, steps = env.start, 0.0, 0
            while steps < max_steps and not env.terminal[s]:
                s, r = env.sample(s, int(pi[s]), rng)
                total += r
                steps += 1
        else:
            obs, _ = env.reset(seed=int(rng.integers(2**31)))
            total, steps = 0.0, 0
            while steps < max_steps:
                obs, r, terminated, truncated, _ = env.step(int(pi[int(obs)]))
                total += float(r)
                steps += 1
                if terminated or truncated:
                    break
        returns[ep] = total
        lengths[ep] = steps
    return PolicyEvaluation(returns, lengths)
