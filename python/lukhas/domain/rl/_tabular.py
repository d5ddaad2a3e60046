"""Tabular TD control: Q-learning, SARSA and expected SARSA on compiled update kernels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._kernels._codes import Q_LEARNING, RL_ALGORITHM, SARSA
from lukhas._validation import check_array, check_choice, check_int, check_real, describe
from lukhas.domain.rl._gridworld import GridWorld
from lukhas.domain.rl._planning import greedy_policy

__all__ = ["ALGORITHMS", "TabularResult", "expected_sarsa", "q_learning", "sarsa", "train_tabular"]

FloatArray = npt.NDArray[np.float64]

#: Algorithm name -> kernel code (read-only; defined once, in :mod:`lukhas._kernels._codes`).
ALGORITHMS: Mapping[str, int] = RL_ALGORITHM


@dataclass(frozen=True, eq=False)
class TabularResult:
    """Learned action values and the learning curve.

    Attributes
    ----------
    algorithm : str
        ``q_learning``, ``sarsa`` or ``expected_sarsa``.
    q : ndarray of shape (n_states, n_actions), dtype=float64
        Learned action values.
    returns : ndarray of shape (episodes,), dtype=float64
        Undiscounted return of each training episode.
    """

    algorithm: str
    q: FloatArray
    returns: FloatArray

    @property
    def policy(self) -> npt.NDArray[np.int64]:
        """Greedy policy (n_states,) from :attr:`q`."""
        return greedy_policy(self.q)


def _discrete_size(env: Any, space: str) -> int:
    n = getattr(getattr(env, space, None), "n", None)
    if n is None:
        raise TypeError(
            f"`env` must be a GridWorld or an environment with a Discrete {space}, "
            f"got {describe(env)}."
        )
    return int(n)


def _run_env(env: Any, q: FloatArray, code: int, alpha: float, gamma: float, eps_start: float,
             eps_end: float, max_steps: int, returns: FloatArray, rng: np.random.Generator,
             state: npt.NDArray[np.uint64]) -> None:
    """Episodes against a gymnasium-style env, one Python step at a time."""
    from lukhas._kernels import rl as k

    episodes = returns.size
    for ep in range(episodes):
        eps = eps_start + (eps_end - eps_start) * ep / max(episodes - 1, 1)
        obs, _ = env.reset(seed=int(rng.integers(2**31)))
        s = int(obs)
        a = k._epsilon_greedy(q, s, eps, state)
        total = 0.0
        for _ in range(max_steps):
            obs, r, terminated, truncated, _ = env.step(a)
            s2, r = int(obs), float(r)
            total += r
            a2 = k._epsilon_greedy(q, s2, eps, state)
            if code == Q_LEARNING:
                k._q_learning_update(q, s, a, r, s2, bool(terminated), alpha, gamma)
            elif code == SARSA:
                k._sarsa_update(q, s, a, r, s2, a2, bool(terminated), alpha, gamma)
            else:
                k._expected_sarsa_update(q, s, a, r, s2, bool(terminated), alpha, gamma, eps)
            if terminated or truncated:
                break
            s, a = s2, a2
        returns[ep] = total


def train_tabular(
    env: Any,
    algorithm: str = "q_learning",
    *,
    episodes: int = 500,
    alpha: float = 0.1,
    gamma: float = 0.95,
    epsilon: tuple[float, float] = (1.0, 0.05),
    max_steps: int = 200,
    q_init: Any = None,
    seed: int | None = None,
) -> TabularResult:
    """Learn action values by temporal-difference control with epsilon-greedy exploration.

    Parameters
    ----------
    env : GridWorld or gymnasium.Env
        A :class:`GridWorld` model (the whole training loop then runs compiled),
        or any environment with ``Discrete`` observation and action spaces and
        the gymnasium ``reset``/``step`` API (stepped from Python).
    algorithm : {"q_learning", "sarsa", "expected_sarsa"}, default="q_learning"
        Off-policy max backup, on-policy sampled backup, or on-policy expected backup.
    episodes : int, default=500
        Training episodes.
    alpha : float, default=0.1
        Step size in (0, 1].
    gamma : float, default=0.95
        Discount in [0, 1].
    epsilon : (float, float), default=(1.0, 0.05)
        Exploration rate, decayed linearly from the first to the second value.
    max_steps : int, default=200
        Step limit per episode.
    q_init : array_like of shape (n_states, n_actions), optional
        Initial action values (default zeros).
    seed : int or None, default=None
        Same seed, same result.

    Returns
    -------
    result : TabularResult

    Raises
    ------
    TypeError
        If ``env`` is neither a GridWorld nor a discrete environment.
    ValueError
        If a setting is out of range.

    Examples
    --------
    >>> from lukhas.domain.rl import GridWorld, q_learning
    >>> res = q_learning(GridWorld(["S..G"]), episodes=200, seed=0)
    >>> res.policy[:3].tolist()
    [1, 1, 1]
    """
    from lukhas._kernels import rl as k
    from lukhas._kernels.xoshiro import seed_state

    code = ALGORITHMS[check_choice("algorithm", algorithm, ALGORITHMS)]
    episodes = check_int("episodes", episodes, low=1)
    alpha = check_real("alpha", alpha, low=0.0, high=1.0, low_inclusive=False)
    gamma = check_real("gamma", gamma, low=0.0, high=1.0)
    if not isinstance(epsilon, tuple) or len(epsilon) != 2:
        raise TypeError(f"`epsilon` must be a (start, end) tuple, got {describe(epsilon)}.")
    eps_start = check_real("epsilon[0]", epsilon[0], low=0.0, high=1.0)
    eps_end = check_real("epsilon[1]", epsilon[1], low=0.0, high=1.0)
    max_steps = check_int("max_steps", max_steps, low=1)
    if isinstance(env, GridWorld):
        n_states, n_actions = env.n_states, env.n_actions
    else:
        n_states = _discrete_size(env, "observation_space")
        n_actions = _discrete_size(env, "action_space")
    if q_init is None:
        q = np.zeros((n_states, n_actions))
    else:
        q = check_array("q_init", q_init, dtype=np.float64, ndim=2, finite=True).copy()
        if q.shape != (n_states, n_actions):
            raise ValueError(
                f"`q_init` must have shape {(n_states, n_actions)}, got {describe(q)}."
            )
    q = np.ascontiguousarray(q)
    rng = np.random.default_rng(seed)
    state = seed_state(rng)
    returns = np.zeros(episodes)
    if isinstance(env, GridWorld):
        k._train_tabular(env.next_state, env.prob, env.reward, env.terminal, env.start, q, code,
                         alpha, gamma, eps_start, eps_end, max_steps, returns, state)
    else:
        _run_env(env, q, code, alpha, gamma, eps_start, eps_end, max_steps, returns, rng, state)
    return TabularResult(algorithm, q, returns)


def q_learning(env: Any, **options: Any) -> TabularResult:
    """Q-learning (Watkins 1989): :func:`train_tabular` with ``algorithm="q_learning"``.

    Examples
    --------
    >>> from lukhas.domain.rl import GridWorld
    >>> q_learning(GridWorld(["S.G"]), episodes=50, seed=1).q.shape
    (3, 4)
    """
    return train_tabular(env, "q_learning", **options)


def sarsa(env: Any, **options: Any) -> TabularResult:
    """SARSA (Rummery and Niranjan 1994): :func:`train_tabular` with ``algorithm="sarsa"``.

    Examples
    --------
    >>> from lukhas.domain.rl import GridWorld
    >>> sarsa(GridWorld(["S.G"]), episodes=50, seed=1).algorithm
    'sarsa'
    """
    return train_tabular(env, "sarsa", **options)


def expected_sarsa(env: Any, **options: Any) -> TabularResult:
    """Expected SARSA (van Seijen et al. 2009): ``algorithm="expected_sarsa"``.

    Examples
    --------
    >>> from lukhas.domain.rl import GridWorld
    >>> expected_sarsa(GridWorld(["S.G"]), episodes=50, seed=1).returns.shape
    (50,)
    """
    return train_tabular(env, "expected_sarsa", **options)
