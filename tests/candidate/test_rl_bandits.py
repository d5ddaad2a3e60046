"""Bandits of candidate.rl: regret grows sublinearly; posterior and statistics are right."""

from __future__ import annotations

import numpy as np
import pytest

from candidate.rl import UCB1, BernoulliBandit, EpsilonGreedy, ThompsonSampling, run_bandit

MEANS = [0.2, 0.35, 0.5, 0.55]

AGENTS = {
    "ucb1": lambda seed: UCB1(len(MEANS)),
    "thompson": lambda seed: ThompsonSampling(len(MEANS), seed=seed),
    "eps-decay": lambda seed: EpsilonGreedy(len(MEANS), epsilon=1.0, decay=True, seed=seed),
}


def _mean_regret(make, horizon, seeds=range(4)):
    runs = [run_bandit(make(s), BernoulliBandit(MEANS, seed=100 + s), horizon).regret
            for s in seeds]
    return np.mean(runs, axis=0)


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_regret_grows_sublinearly(name):
    horizon = 8000
    regret = _mean_regret(AGENTS[name], horizon)
    quarter, half, full = regret[horizon // 4 - 1], regret[horizon // 2 - 1], regret[-1]
    # Linear regret doubles with each doubling of t (full - half == half); sqrt(t) regret
    # grows by 41 % and log(t) regret by less.  The increments must also shrink.
    assert full - half < 0.6 * half
    assert (full - half) / 2 < 0.9 * (half - quarter)
    assert full / horizon < 0.25 * (max(MEANS) - np.mean(MEANS))


def test_constant_epsilon_regret_is_linear():
    """The contrast case: epsilon fixed at 0.2 keeps paying ~ eps * mean gap per pull."""
    horizon = 8000
    regret = _mean_regret(lambda s: EpsilonGreedy(len(MEANS), 0.2, decay=False, seed=s),
                          horizon)
    half, full = regret[horizon // 2 - 1], regret[-1]
    assert full - half > 0.8 * half * 0.5
    gap = max(MEANS) - np.mean(MEANS)
    assert (full - half) / (horizon / 2) >= 0.9 * 0.2 * gap  # at least the exploration cost


def test_statistics_and_posteriors():
    agent = ThompsonSampling(2, prior=(2.0, 3.0), seed=0)
    for r in (1.0, 0.0, 1.0):
        agent.update(0, r)
    assert agent.counts.tolist() == [3, 0]
    assert agent.values[0] == pytest.approx(2 / 3)
    assert agent.alpha.tolist() == [4.0, 2.0] and agent.beta.tolist() == [4.0, 3.0]


def test_ucb1_tries_every_arm_first():
    agent = UCB1(3)
    chosen = []
    for _ in range(3):
        arm = agent.select()
        chosen.append(arm)
        agent.update(arm, 0.0)
    assert sorted(chosen) == [0, 1, 2]


def test_bandit_pull_frequencies():
    bandit = BernoulliBandit([0.25], seed=0)
    assert np.mean([bandit.pull(0) for _ in range(8000)]) == pytest.approx(0.25, abs=0.02)


@pytest.mark.parametrize("call, exc, text", [
    (lambda: BernoulliBandit([0.5, 1.5]), ValueError, "probabilities"),
    (lambda: UCB1(0), ValueError, "n_arms"),
    (lambda: UCB1(2).update(2, 1.0), ValueError, "arm"),
    (lambda: ThompsonSampling(2).update(0, 2.0), ValueError, "reward"),
    (lambda: EpsilonGreedy(2, epsilon=1.5), ValueError, "epsilon"),
    (lambda: run_bandit(UCB1(2), BernoulliBandit([0.5, 0.5]), 0), ValueError, "horizon"),
])
def test_validation(call, exc, text):
    with pytest.raises(exc, match=text):
        call()
