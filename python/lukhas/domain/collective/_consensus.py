"""Weighted consensus: DeGroot opinion dynamics with convergence detection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe

__all__ = ["ConsensusResult", "degroot", "influence_weights"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ConsensusResult:
    """Where repeated weighted averaging led.

    Attributes
    ----------
    beliefs : ndarray of shape (n_agents,) or (n_agents, k), dtype=float64
        Final beliefs.
    n_iter : int
        Averaging rounds performed.
    converged : bool
        Beliefs stopped changing (max change <= ``tol``).
    consensus : bool
        All agents agree within ``agreement`` (a converged society may instead settle
        into disagreeing groups when the trust graph is not connected).
    spread : ndarray of shape (n_iter + 1,), dtype=float64
        Largest disagreement ``max - min`` across agents after each round.

    Examples
    --------
    >>> res = degroot([[0.5, 0.5], [0.5, 0.5]], [0.0, 1.0])
    >>> res.beliefs.tolist(), res.consensus, res.n_iter
    ([0.5, 0.5], True, 2)
    """

    beliefs: FloatArray
    n_iter: int
    converged: bool
    consensus: bool
    spread: FloatArray

    @property
    def value(self) -> FloatArray:
        """The agreed belief (mean over agents; meaningful when ``consensus``)."""
        return np.asarray(self.beliefs.mean(axis=0))


def _check_trust(trust: Any) -> FloatArray:
    w = check_array("trust", trust, dtype=np.float64, ndim=2, finite=True)
    n = w.shape[0]
    if w.shape != (n, n) or n == 0:
        raise ValueError(f"`trust` must be a non-empty square matrix, got {describe(w)}.")
    if (w < 0).any():
        raise ValueError("`trust` must be non-negative.")
    rows = w.sum(axis=1)
    if not np.allclose(rows, 1.0, atol=1e-9):
        bad = int(np.flatnonzero(~np.isclose(rows, 1.0, atol=1e-9))[0])
        raise ValueError(
            f"`trust` rows must sum to 1 (row-stochastic), row {bad} sums to {rows[bad]!r}; "
            "divide each row by its sum."
        )
    return np.ascontiguousarray(w)


def degroot(
    trust: Any,
    beliefs: Any,
    *,
    tol: float = 1e-10,
    agreement: float = 1e-6,
    max_iter: int = 10_000,
) -> ConsensusResult:
    """Iterate DeGroot averaging ``x <- W x`` until beliefs stop moving.

    Parameters
    ----------
    trust : array_like of shape (n_agents, n_agents)
        Row-stochastic trust matrix: ``trust[i, j]`` is the weight agent ``i``
        puts on agent ``j``'s belief.
    beliefs : array_like of shape (n_agents,) or (n_agents, k)
        Initial beliefs (one or ``k`` quantities per agent).
    tol : float, default=1e-10
        Convergence threshold on the largest change in one round.
    agreement : float, default=1e-6
        Largest final disagreement (max - min over agents) still called consensus.
    max_iter : int, default=10000
        Round limit.

    Returns
    -------
    result : ConsensusResult

    Raises
    ------
    ValueError
        If ``trust`` is not row-stochastic or the shapes disagree.

    Examples
    --------
    >>> trust = [[0.6, 0.4, 0.0], [0.2, 0.6, 0.2], [0.0, 0.5, 0.5]]
    >>> res = degroot(trust, [1.0, 0.0, 0.0])
    >>> res.consensus, round(float(res.value), 4)
    (True, 0.2632)
    """
    w = _check_trust(trust)
    x = check_array("beliefs", beliefs, dtype=np.float64, ndim=(1, 2), finite=True).copy()
    if x.shape[0] != w.shape[0]:
        raise ValueError(
            f"`beliefs` must have {w.shape[0]} rows (one per agent), got {describe(x)}."
        )
    tol = check_real("tol", tol, low=0.0)
    agreement = check_real("agreement", agreement, low=0.0)
    max_iter = check_int("max_iter", max_iter, low=1)
    spread = [float((x.max(axis=0) - x.min(axis=0)).max())]
    converged = False
    it = 0
    while it < max_iter:
        nxt = w @ x
        change = float(np.abs(nxt - x).max())
        x = nxt
        it += 1
        spread.append(float((x.max(axis=0) - x.min(axis=0)).max()))
        if change <= tol:
            converged = True
            break
    return ConsensusResult(x, it, converged, spread[-1] <= agreement, np.array(spread))


def influence_weights(trust: Any) -> FloatArray:
    """Each agent's share of the eventual consensus: the stationary distribution of ``trust``.

    For a strongly connected, aperiodic trust matrix DeGroot averaging reaches
    ``consensus = influence_weights(trust) @ beliefs``.

    Parameters
    ----------
    trust : array_like of shape (n_agents, n_agents)
        Row-stochastic trust matrix.

    Returns
    -------
    pi : ndarray of shape (n_agents,), dtype=float64
        Non-negative, sums to 1, ``pi @ trust == pi``.

    Examples
    --------
    >>> influence_weights([[0.5, 0.5], [0.25, 0.75]]).round(4).tolist()
    [0.3333, 0.6667]
    """
    w = _check_trust(trust)
    vals, vecs = np.linalg.eig(w.T)
    k = int(np.argmin(np.abs(vals - 1.0)))
    pi = np.real(vecs[:, k])
    pi = np.abs(pi) / np.abs(pi).sum()
    return np.asarray(pi)
