"""Tabular reinforcement-learning kernels: TD updates, action choice, compiled training.

``Q`` is (n_states, n_actions) float64 and updated in place.  A tabular model
is three arrays over ``(state, action, outcome)``: ``next_state`` int64,
``prob`` float64 (each ``[s, a, :]`` sums to 1) and ``reward`` float64, plus
``terminal`` uint8 per state.  Algorithms (codes of :mod:`lukhas._kernels._codes`):
``Q_LEARNING``, ``SARSA``, ``EXPECTED_SARSA`` (under the epsilon-greedy policy).
"""

from __future__ import annotations

from typing import Any

from lukhas._kernels._codes import Q_LEARNING, SARSA
from lukhas._kernels._jit import njit
from lukhas._kernels.xoshiro import randint as _randint
from lukhas._kernels.xoshiro import uniform as _uniform

__all__: list[str] = []

@njit()
def _greedy(q: Any, s: int, state: Any) -> int:
    """Greedy action in state ``s``, ties broken uniformly.  q # IN; state # IN/OUT."""
    n_actions = q.shape[1]
    best = q[s, 0]
    pick = 0
    ties = 1
    for a in range(1, n_actions):
        v = q[s, a]
        if v > best:
            best = v
            pick = a
            ties = 1
        elif v == best:
            ties += 1
            if _randint(state, ties) == 0:  # reservoir sampling over the tied actions
                pick = a
    return pick


@njit()
def _epsilon_greedy(q: Any, s: int, eps: float, state: Any) -> int:
    """Random action with probability ``eps``, else greedy.  q # IN; state # IN/OUT."""
    if _uniform(state) < eps:
        return _randint(state, q.shape[1])
    return _greedy(q, s, state)


@njit()
def _q_learning_update(q: Any, s: int, a: int, r: float, s2: int, done: bool,
                       alpha: float, gamma: float) -> None:
    """``Q[s,a] += alpha (r + gamma max_a' Q[s2,a'] - Q[s,a])``.  q # IN/OUT."""
    target = r
    if not done:
        best = q[s2, 0]
        for b in range(1, q.shape[1]):
            best = max(best, q[s2, b])
        target += gamma * best
    q[s, a] += alpha * (target - q[s, a])


@njit()
def _sarsa_update(q: Any, s: int, a: int, r: float, s2: int, a2: int, done: bool,
                  alpha: float, gamma: float) -> None:
    """``Q[s,a] += alpha (r + gamma Q[s2,a2] - Q[s,a])``.  q # IN/OUT."""
    target = r if done else r + gamma * q[s2, a2]
    q[s, a] += alpha * (target - q[s, a])


@njit()
def _expected_sarsa_update(q: Any, s: int, a: int, r: float, s2: int, done: bool,
                           alpha: float, gamma: float, eps: float) -> None:
    """TD update towards the expected value of ``Q[s2]`` under epsilon-greedy.

    Expectation ``eps * mean(Q[s2]) + (1 - eps) * max(Q[s2])`` (ties share the
    greedy mass but have the same value).  q # IN/OUT.
    """
    target = r
    if not done:
        n_actions = q.shape[1]
        best = q[s2, 0]
        for b in range(1, n_actions):
            best = max(best, q[s2, b])
        total = 0.0
        for b in range(n_actions):
            total += q[s2, b]
        expected = eps * total / n_actions + (1.0 - eps) * best
        target += gamma * expected
    q[s, a] += alpha * (target - q[s, a])


@njit()
def _model_step(next_state: Any, prob: Any, reward: Any, s: int, a: int,
                state: Any) -> tuple[int, float]:
    """Sample an outcome of ``(s, a)`` from a tabular model.  Arrays # IN; state # IN/OUT."""
    u = _uniform(state)
    k_last = prob.shape[2] - 1
    acc = 0.0
    for k in range(k_last + 1):
        acc += prob[s, a, k]
        if u < acc or k == k_last:
            return next_state[s, a, k], reward[s, a, k]
    return next_state[s, a, k_last], reward[s, a, k_last]


@njit()
def _train_tabular(next_state: Any, prob: Any, reward: Any, terminal: Any, start: int,
                   q: Any, algorithm: int, alpha: float, gamma: float, eps_start: float,
                   eps_end: float, max_steps: int, returns: Any, state: Any) -> None:
    """Run ``returns.shape[0]`` episodes of TD control on a tabular model.

    Model arrays # IN; q # IN/OUT; returns (episodes,) # OUT undiscounted return
    per episode; state # IN/OUT.  Epsilon decays linearly from ``eps_start`` to
    ``eps_end`` over the episodes.
    """
    episodes = returns.shape[0]
    for ep in range(episodes):
        frac = ep / max(episodes - 1, 1)
        eps = eps_start + (eps_end - eps_start) * frac
        s = start
        a = _epsilon_greedy(q, s, eps, state)
        total = 0.0
        for _ in range(max_steps):
            s2, r = _model_step(next_state, prob, reward, s, a, state)
            done = terminal[s2] != 0
            total += r
            if algorithm == SARSA:
                a2 = _epsilon_greedy(q, s2, eps, state)
                _sarsa_update(q, s, a, r, s2, a2, done, alpha, gamma)
            else:
                if algorithm == Q_LEARNING:
                    _q_learning_update(q, s, a, r, s2, done, alpha, gamma)
                else:
                    _expected_sarsa_update(q, s, a, r, s2, done, alpha, gamma, eps)
                a2 = _epsilon_greedy(q, s2, eps, state)
            if done:
                break
            s = s2
            a = a2
        returns[ep] = total
