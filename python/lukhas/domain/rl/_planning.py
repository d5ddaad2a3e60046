"""Exact dynamic programming on tabular models: the reference learners are checked against."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real
from lukhas.domain.rl._gridworld import GridWorld

__all__ = ["greedy_policy", "policy_value", "value_iteration"]

FloatArray = npt.NDArray[np.float64]


def _expected_backup(model: GridWorld, v: FloatArray, gamma: float) -> FloatArray:
    cont = np.where(model.terminal[model.next_state] != 0, 0.0, v[model.next_state])
    q = (model.prob * (model.reward + gamma * cont)).sum(axis=2)
    q[model.terminal != 0] = 0.0
    return np.asarray(q)


def value_iteration(
    model: GridWorld, gamma: float = 0.95, *, tol: float = 1e-10, max_iter: int = 100_000
) -> tuple[FloatArray, FloatArray]:
    """Optimal state values and action values of ``model`` by value iteration.

    Parameters
    ----------
    model : GridWorld
        Tabular model.
    gamma : float, default=0.95
        Discount in [0, 1).
    tol : float, default=1e-10
        Stop when no value changes by more than ``tol``.
    max_iter : int, default=100000
        Sweep limit.

    Returns
    -------
    v : ndarray of shape (n_states,), dtype=float64
    q : ndarray of shape (n_states, n_actions), dtype=float64

    Examples
    --------
    >>> v, q = value_iteration(GridWorld(["S.G"]), gamma=0.9)
    >>> np.round(v, 3).tolist()
    [8.0, 10.0, 0.0]
    """
    gamma = check_real("gamma", gamma, low=0.0, high=1.0, high_inclusive=False)
    tol = check_real("tol", tol, low=0.0)
    max_iter = check_int("max_iter", max_iter, low=1)
    v = np.zeros(model.n_states)
    q = _expected_backup(model, v, gamma)
    for _ in range(max_iter):
        q = _expected_backup(model, v, gamma)
        new_v = q.max(axis=1)
        done = float(np.abs(new_v - v).max()) <= tol
        v = new_v
        if done:
            break
    return v, q


def policy_value(model: GridWorld, policy: Any, gamma: float = 0.95) -> FloatArray:
    """Exact value of a deterministic ``policy`` (n_states,) by solving the Bellman system.

    Examples
    --------
    >>> world = GridWorld(["S.G"])
    >>> np.round(policy_value(world, [1, 1, 0], gamma=0.9), 3).tolist()
    [8.0, 10.0, 0.0]
    """
    gamma = check_real("gamma", gamma, low=0.0, high=1.0, high_inclusive=False)
    pi = check_array("policy", policy, ndim=1).astype(np.int64)
    if pi.shape != (model.n_states,) or ((pi < 0) | (pi >= model.n_actions)).any():
        raise ValueError(
            f"`policy` must hold {model.n_states} actions in [0, {model.n_actions}), got {pi!r}."
        )
    s = np.arange(model.n_states)
    p = model.prob[s, pi]  # (n, 3)
    nxt = model.next_state[s, pi]
    r = (p * model.reward[s, pi]).sum(axis=1)
    transition = np.zeros((model.n_states, model.n_states))
    np.add.at(transition, (np.repeat(s, 3), nxt.ravel()), p.ravel())
    live = model.terminal == 0
    transition[~live] = 0.0
    r[~live] = 0.0
    transition[:, ~live] = 0.0  # terminal states are worth 0
    return np.asarray(np.linalg.solve(np.eye(model.n_states) - gamma * transition, r))


def greedy_policy(q: Any) -> npt.NDArray[np.int64]:
    """Greedy action per state from action values (n_states, n_actions); ties -> lowest index.

    Examples
    --------
    >>> greedy_policy([[0.0, 1.0], [2.0, 2.0]]).tolist()
    [1, 0]
    """
    arr = check_array("q", q, dtype=np.float64, ndim=2)
    return np.asarray(arr.argmax(axis=1), dtype=np.int64)
