"""Multi-armed bandits: epsilon-greedy, UCB1, Thompson sampling, and regret measurement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe

__all__ = [
    "UCB1",
    "BanditAgent",
    "BanditRun",
    "BernoulliBandit",
    "EpsilonGreedy",
    "ThompsonSampling",
    "run_bandit",
]

FloatArray = npt.NDArray[np.float64]


class BanditAgent(Protocol):
    """What :func:`run_bandit` needs from a policy."""

    def select(self) -> int:
        """Arm to pull next."""

    def update(self, arm: int, reward: float) -> None:
        """Learn from the reward of ``arm``."""


class _ArmStatistics:
    """Pull counts and running mean rewards per arm (shared by the agents)."""

    def __init__(self, n_arms: int) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=1)
        self.counts = np.zeros(self.n_arms, dtype=np.int64)
        self.values = np.zeros(self.n_arms)
        self.t = 0

    def _check_arm(self, arm: int) -> int:
        return check_int("arm", arm, low=0, high=self.n_arms - 1)

    def update(self, arm: int, reward: float) -> None:
        """Fold ``reward`` into ``arm``'s running mean."""
        arm = self._check_arm(arm)
        reward = check_real("reward", reward)
        self.t += 1
        self.counts[arm] += 1
        self.values[arm] += (reward - self.values[arm]) / self.counts[arm]


class EpsilonGreedy(_ArmStatistics):
    """Explore a random arm with probability epsilon, else exploit the best mean.

    Parameters
    ----------
    n_arms : int
        Number of arms.
    epsilon : float, default=0.1
        Exploration rate (the cap when ``decay``).
    decay : bool, default=True
        Use ``epsilon_t = min(epsilon, sqrt(n_arms / t))``: exploration shrinks
        like 1/sqrt(t), so regret grows like sqrt(t) (sublinear) without knowing
        the reward gaps; a constant epsilon keeps paying ``epsilon`` times the
        average gap on every pull (linear regret).
    seed : int or None, default=None

    Examples
    --------
    >>> agent = EpsilonGreedy(3, seed=0)
    >>> agent.update(2, 1.0)
    >>> agent.values.tolist()
    [0.0, 0.0, 1.0]
    """

    def __init__(self, n_arms: int, epsilon: float = 0.1, *, decay: bool = True,
                 seed: int | None = None) -> None:
        super().__init__(n_arms)
        self.epsilon = check_real("epsilon", epsilon, low=0.0, high=1.0)
        self.decay = bool(decay)
        self._rng = np.random.default_rng(seed)

    def select(self) -> int:
        """Arm to pull next."""
        eps = self.epsilon
        if self.decay:
            eps = min(eps, float(np.sqrt(self.n_arms / max(self.t, 1))))
        if self._rng.random() < eps:
            return int(self._rng.integers(self.n_arms))
        best = np.flatnonzero(self.values == self.values.max())
        return int(self._rng.choice(best))


class UCB1(_ArmStatistics):
    """Upper confidence bounds (Auer, Cesa-Bianchi and Fischer 2002), rewards in [0, 1].

    Pulls every arm once, then the arm maximising ``mean + sqrt(2 ln t / n)``;
    regret grows as O(log t).

    Examples
    --------
    >>> agent = UCB1(2)
    >>> agent.select()  # untried arms first
    0
    """

    def select(self) -> int:
        """Arm to pull next."""
        untried = np.flatnonzero(self.counts == 0)
        if untried.size:
            return int(untried[0])
        bonus = np.sqrt(2.0 * np.log(self.t) / self.counts)
        return int(np.argmax(self.values + bonus))


class ThompsonSampling(_ArmStatistics):
    """Beta-Bernoulli Thompson sampling: pull the arm whose sampled mean is largest.

    Rewards in [0, 1]; a fractional reward ``r`` counts as a Bernoulli(r)
    success (Agrawal and Goyal 2012), so the Beta posteriors stay conjugate.

    Parameters
    ----------
    n_arms : int
    prior : (float, float), default=(1.0, 1.0)
        Beta prior (alpha, beta) for every arm.
    seed : int or None, default=None

    Examples
    --------
    >>> agent = ThompsonSampling(2, seed=0)
    >>> agent.update(1, 1.0)
    >>> agent.alpha.tolist(), agent.beta.tolist()
    ([1.0, 2.0], [1.0, 1.0])
    """

    def __init__(self, n_arms: int, prior: tuple[float, float] = (1.0, 1.0), *,
                 seed: int | None = None) -> None:
        super().__init__(n_arms)
        a0 = check_real("prior[0]", prior[0], low=0.0, low_inclusive=False)
        b0 = check_real("prior[1]", prior[1], low=0.0, low_inclusive=False)
        self.alpha = np.full(self.n_arms, a0)
        self.beta = np.full(self.n_arms, b0)
        self._rng = np.random.default_rng(seed)

    def select(self) -> int:
        """Arm to pull next."""
        return int(np.argmax(self._rng.beta(self.alpha, self.beta)))

    def update(self, arm: int, reward: float) -> None:
        """Update the arm's posterior with a reward in [0, 1]."""
        reward = check_real("reward", reward, low=0.0, high=1.0)
        super().update(arm, reward)
        success = reward if reward in (0.0, 1.0) else float(self._rng.random() < reward)
        self.alpha[arm] += success
        self.beta[arm] += 1.0 - success


class BernoulliBandit:
    """Arms paying 1 with fixed probabilities (``means``), else 0.

    Examples
    --------
    >>> bandit = BernoulliBandit([0.2, 0.8], seed=0)
    >>> bandit.best_mean
    0.8
    """

    def __init__(self, means: Any, *, seed: int | None = None) -> None:
        m = check_array("means", means, dtype=np.float64, ndim=1, finite=True)
        if m.size == 0 or (m < 0).any() or (m > 1).any():
            raise ValueError(f"`means` must be probabilities in [0, 1], got {describe(m)}.")
        self.means: FloatArray = m.copy()
        self._rng = np.random.default_rng(seed)

    @property
    def n_arms(self) -> int:
        """Number of arms."""
        return int(self.means.size)

    @property
    def best_mean(self) -> float:
        """The best arm's mean reward."""
        return float(self.means.max())

    def pull(self, arm: int) -> float:
        """Reward (0.0 or 1.0) of one pull."""
        arm = check_int("arm", arm, low=0, high=self.n_arms - 1)
        return float(self._rng.random() < self.means[arm])


@dataclass(frozen=True, eq=False)
class BanditRun:
    """A bandit episode: arms chosen, rewards, and cumulative pseudo-regret.

    Attributes
    ----------
    arms : ndarray of shape (horizon,), dtype=int64
    rewards : ndarray of shape (horizon,), dtype=float64
    regret : ndarray of shape (horizon,), dtype=float64
        ``sum_t (best_mean - means[arm_t])``: expected loss against always
        pulling the best arm.
    """

    arms: npt.NDArray[np.int64]
    rewards: FloatArray
    regret: FloatArray


def run_bandit(agent: BanditAgent, bandit: BernoulliBandit, horizon: int) -> BanditRun:
    """Let ``agent`` play ``bandit`` for ``horizon`` pulls.

    Examples
    --------
    >>> run = run_bandit(UCB1(2), BernoulliBandit([0.1, 0.9], seed=0), 500)
    >>> bool(run.regret[-1] < 40)
    True
    """
    horizon = check_int("horizon", horizon, low=1)
    arms = np.empty(horizon, dtype=np.int64)
    rewards = np.empty(horizon)
    for t in range(horizon):
        arm = agent.select()
        reward = bandit.pull(arm)
        agent.update(arm, reward)
        arms[t] = arm
        rewards[t] = reward
    regret = np.cumsum(bandit.best_mean - bandit.means[arms])
    return BanditRun(arms, rewards, regret)
