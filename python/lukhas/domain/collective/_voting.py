"""Voting rules over ranked ballots: plurality, Borda, Condorcet winner, Schulze.

Ballots are an integer array (n_voters, n_candidates): each row lists the
candidate indices from most to least preferred (a full ranking).  Optional
non-negative ``weights`` count each ballot that many times (vote shares,
delegate sizes, agent confidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, describe

__all__ = [
    "VoteResult",
    "borda",
    "condorcet_winner",
    "pairwise_preferences",
    "plurality",
    "schulze",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class VoteResult:
    """Outcome of a voting rule.

    Attributes
    ----------
    rule : str
        The rule that produced it.
    scores : ndarray of shape (n_candidates,), dtype=float64
        The rule's score per candidate (higher is better): first-choice weight,
        Borda points, or Schulze pairwise wins.
    winners : tuple of int
        Every candidate with the best score (more than one on a tie).
    ranking : tuple of int
        All candidates best first; ties broken by the lower index.

    Examples
    --------
    >>> res = plurality([[0, 1, 2], [1, 0, 2], [0, 2, 1]])
    >>> res.winner, res.winners, res.ranking
    (0, (0,), (0, 1, 2))
    """

    rule: str
    scores: FloatArray
    winners: tuple[int, ...]
    ranking: tuple[int, ...]

    @property
    def winner(self) -> int | None:
        """The unique winner, or None on a tie."""
        return self.winners[0] if len(self.winners) == 1 else None


def _check_ballots(ballots: Any, weights: Any) -> tuple[IntArray, FloatArray]:
    arr = check_array("ballots", ballots, ndim=2)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"`ballots` must hold integer candidate indices, got {describe(arr)}.")
    n, c = arr.shape
    if n == 0 or c == 0:
        raise ValueError(f"`ballots` must have at least one voter and candidate, got {arr.shape}.")
    ranks = arr.astype(np.int64)
    if not (np.sort(ranks, axis=1) == np.arange(c)).all():
        bad = int(np.flatnonzero(~(np.sort(ranks, axis=1) == np.arange(c)).all(axis=1))[0])
        raise ValueError(
            f"`ballots` rows must be rankings (permutations of 0..{c - 1}); "
            f"row {bad} is {ranks[bad].tolist()}."
        )
    if weights is None:
        w = np.ones(n)
    else:
        w = check_array("weights", weights, dtype=np.float64, ndim=1, finite=True)
        if w.shape != (n,):
            raise ValueError(f"`weights` must have shape ({n},), got {describe(w)}.")
        if (w < 0).any():
            raise ValueError("`weights` must be non-negative.")
    return ranks, w


def _result(rule: str, scores: FloatArray, tol: float = 1e-12) -> VoteResult:
    best = scores.max()
    winners = tuple(int(i) for i in np.flatnonzero(scores >= best - tol))
    ranking = tuple(int(i) for i in np.lexsort((np.arange(scores.size), -scores)))
    return VoteResult(rule, scores, winners, ranking)


def pairwise_preferences(ballots: Any, weights: Any = None) -> FloatArray:
    """Weight of voters preferring each candidate to each other one.

    Parameters
    ----------
    ballots : array_like of shape (n_voters, n_candidates), int
        Rankings, most preferred first.
    weights : array_like of shape (n_voters,), optional
        Ballot weights (default 1 each).

    Returns
    -------
    d : ndarray of shape (n_candidates, n_candidates), dtype=float64
        ``d[a, b]`` = total weight ranking ``a`` above ``b``; zero diagonal.

    Examples
    --------
    >>> pairwise_preferences([[0, 1, 2], [2, 1, 0]]).tolist()
    [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    """
    ranks, w = _check_ballots(ballots, weights)
    return _pairwise(ranks, w)


def _pairwise(ranks: IntArray, w: FloatArray) -> FloatArray:
    n, c = ranks.shape
    pos = np.empty_like(ranks)
    np.put_along_axis(pos, ranks, np.arange(c)[None, :].repeat(n, axis=0), axis=1)
    d = np.zeros((c, c))
    for start in range(0, n, 4096):  # bounded (chunk, c, c) temporaries
        p = pos[start : start + 4096]
        above = p[:, :, None] < p[:, None, :]
        d += np.einsum("v,vab->ab", w[start : start + 4096], above)
    return d


def plurality(ballots: Any, weights: Any = None) -> VoteResult:
    """Plurality: the candidate ranked first by the most (weighted) voters wins.

    Parameters
    ----------
    ballots : array_like of shape (n_voters, n_candidates), int
        Rankings, most preferred first (only first choices count).
    weights : array_like of shape (n_voters,), optional
        Ballot weights.

    Returns
    -------
    result : VoteResult
        ``scores`` are first-choice weights.

    Examples
    --------
    >>> plurality([[2, 0, 1], [2, 1, 0], [0, 1, 2]]).winner
    2
    """
    ranks, w = _check_ballots(ballots, weights)
    scores = np.bincount(ranks[:, 0], weights=w, minlength=ranks.shape[1]).astype(np.float64)
    return _result("plurality", scores)


def borda(ballots: Any, weights: Any = None) -> VoteResult:
    """Borda count: ``c - 1 - position`` points per ballot, most points win.

    Parameters
    ----------
    ballots : array_like of shape (n_voters, n_candidates), int
        Rankings, most preferred first.
    weights : array_like of shape (n_voters,), optional
        Ballot weights.

    Returns
    -------
    result : VoteResult
        ``scores`` are Borda points.

    Examples
    --------
    >>> borda([[0, 1, 2], [1, 0, 2], [1, 2, 0]]).scores.tolist()
    [3.0, 5.0, 1.0]
    """
    ranks, w = _check_ballots(ballots, weights)
    c = ranks.shape[1]
    points = np.broadcast_to(np.arange(c - 1, -1, -1, dtype=np.float64), ranks.shape)
    scores = np.zeros(c)
    np.add.at(scores, ranks, points * w[:, None])
    return _result("borda", scores)


def condorcet_winner(ballots: Any, weights: Any = None) -> int | None:
    """The candidate who beats every other one head to head, if there is one.

    Parameters
    ----------
    ballots : array_like of shape (n_voters, n_candidates), int
        Rankings, most preferred first.
    weights : array_like of shape (n_voters,), optional
        Ballot weights.

    Returns
    -------
    winner : int or None
        None when no candidate wins all its pairwise contests (a Condorcet cycle
        or a pairwise tie).

    Examples
    --------
    >>> condorcet_winner([[0, 1, 2], [1, 0, 2], [0, 2, 1]])
    0
    >>> condorcet_winner([[0, 1, 2], [1, 2, 0], [2, 0, 1]]) is None
    True
    """
    ranks, w = _check_ballots(ballots, weights)
    d = _pairwise(ranks, w)
    beats = d > d.T
    np.fill_diagonal(beats, True)
    winners = np.flatnonzero(beats.all(axis=1))
    return int(winners[0]) if winners.size == 1 else None


def schulze(ballots: Any, weights: Any = None) -> VoteResult:
    """Schulze method (beatpath): strongest paths through the pairwise graph.

    A Condorcet method that always yields a winner set, satisfying the Condorcet,
    Pareto, monotonicity and reversal-symmetry criteria.  Strongest paths are
    computed with a Floyd-Warshall widest-path pass, O(c^3).

    Parameters
    ----------
    ballots : array_like of shape (n_voters, n_candidates), int
        Rankings, most preferred first.
    weights : array_like of shape (n_voters,), optional
        Ballot weights.

    Returns
    -------
    result : VoteResult
        ``scores`` count the candidates each one beats by strongest path;
        ``winners`` are those no one beats.

    Examples
    --------
    >>> ballots = [[0, 2, 1, 3]] * 5 + [[1, 3, 0, 2]] * 4 + [[3, 1, 2, 0]] * 3
    >>> schulze(ballots).winners
    (1,)
    """
    ranks, w = _check_ballots(ballots, weights)
    d = _pairwise(ranks, w)
    p = np.where(d > d.T, d, 0.0)
    for k in range(p.shape[0]):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
        np.fill_diagonal(p, 0.0)
    beats = p > p.T
    scores = beats.sum(axis=1).astype(np.float64)
    unbeaten = ~beats.any(axis=0)
    winners = tuple(int(i) for i in np.flatnonzero(unbeaten))
    ranking = tuple(int(i) for i in np.lexsort((np.arange(scores.size), -scores)))
    return VoteResult("schulze", scores, winners, ranking)
