"""A collective of agents choosing what to show: Schulze voting weighted by influence.

:class:`CollectiveAdMind` holds agents joined by a trust network (who listens
to whom, a row-stochastic matrix).  For a batch of candidates (ads, answers,
actions) each agent scores every candidate; the collective then

1. computes each agent's *influence*: the stationary distribution of the trust
   matrix, i.e. its share of the opinion DeGroot averaging converges to
   (:func:`~lukhas.domain.collective.influence_weights`);
2. turns each agent's scores into a ranked ballot (best first; equal scores in
   candidate order) and ranks the candidates with the Schulze method, each
   ballot weighted by its agent's influence
   (:func:`~lukhas.domain.collective.schulze`): the winner beats or ties every
   other candidate along the strongest chains of pairwise majorities;
3. reports the *consensus score* of every candidate: the influence-weighted mean
   of the agents' scores, which is exactly where DeGroot averaging of the scores
   over the trust network ends up.

The ranking is robust to a strong minority with extreme scores (votes count
orders, not magnitudes); the consensus scores keep the magnitudes for pricing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, describe
from lukhas.domain.collective._consensus import influence_weights
from lukhas.domain.collective._voting import VoteResult, schulze

__all__ = ["AdDecision", "CollectiveAdMind"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class AdDecision:
    """What the collective chose.

    Attributes
    ----------
    winner : str or None
        The Schulze winner, None on a tie (see ``vote.winners``).
    ranking : tuple of str
        All candidates, best first (Schulze order; ties by candidate order).
    consensus : dict of str to float
        Influence-weighted mean score of each candidate (the DeGroot limit).
    influence : dict of str to float
        Each agent's weight (sums to 1).
    vote : VoteResult
        The Schulze result over candidate indices.
    """

    winner: str | None
    ranking: tuple[str, ...]
    consensus: dict[str, float]
    influence: dict[str, float]
    vote: VoteResult

    def slate(self, k: int) -> tuple[str, ...]:
        """The best ``k`` candidates (``k >= 1``)."""
        return self.ranking[: check_int("k", k, low=1)]


class CollectiveAdMind:
    """Agents with a trust network ranking candidates together.

    Parameters
    ----------
    agents : sequence of str
        Agent names (distinct, at least one).
    trust : array_like of shape (n_agents, n_agents), optional
        Row-stochastic trust matrix; default: everyone trusts everyone equally.

    Attributes
    ----------
    influence : dict of str to float
        Each agent's share of the consensus.

    Examples
    --------
    >>> mind = CollectiveAdMind(["ana", "bo", "cy"], [[0.6, 0.2, 0.2],
    ...                                               [0.5, 0.5, 0.0],
    ...                                               [0.5, 0.0, 0.5]])
    >>> decision = mind.decide({"ana": [0.9, 0.1, 0.5],
    ...                         "bo": [0.2, 0.8, 0.3],
    ...                         "cy": [0.1, 0.9, 0.4]}, ["shoes", "books", "tea"])
    >>> decision.winner, decision.ranking
    ('shoes', ('shoes', 'tea', 'books'))
    >>> round(decision.influence["ana"], 3), round(decision.consensus["shoes"], 3)
    (0.556, 0.567)
    """

    def __init__(self, agents: Sequence[str], trust: Any = None) -> None:
        names = list(agents) if not isinstance(agents, str) else None
        if not names or not all(isinstance(a, str) for a in names) or len(set(names)) != len(names):
            raise TypeError(f"`agents` must be distinct str names, got {describe(agents)}.")
        self.agents: tuple[str, ...] = tuple(names)
        n = len(names)
        matrix = np.full((n, n), 1.0 / n) if trust is None else trust
        self._weights = influence_weights(matrix)
        self.influence = dict(zip(self.agents, self._weights.tolist(), strict=True))

    def __repr__(self) -> str:
        return f"CollectiveAdMind(agents={list(self.agents)!r})"

    def _scores(self, scores: Any) -> FloatArray:
        if isinstance(scores, Mapping):
            missing = [a for a in self.agents if a not in scores]
            if missing or len(scores) != len(self.agents):
                raise ValueError(
                    f"`scores` must have exactly the agents {list(self.agents)}, "
                    f"got keys {list(scores)}."
                )
            scores = [scores[a] for a in self.agents]
        arr = check_array("scores", scores, dtype=np.float64, ndim=2, finite=True)
        if arr.shape[0] != len(self.agents) or arr.shape[1] == 0:
            raise ValueError(
                f"`scores` must be ({len(self.agents)}, n_candidates >= 1), got {describe(arr)}."
            )
        return arr

    def decide(self, scores: Any, candidates: Sequence[str] | None = None) -> AdDecision:
        """Rank candidates by influence-weighted Schulze voting over the agents' scores.

        Parameters
        ----------
        scores : Mapping of str to sequence of float, or array_like (n_agents, n_candidates)
            Each agent's score per candidate (higher is better).
        candidates : sequence of str, optional
            Candidate names (default ``"0"``, ``"1"``, ...).

        Returns
        -------
        decision : AdDecision

        Raises
        ------
        TypeError, ValueError
            Scores not matching the agents, non-finite values, names of the wrong length.
        """
        arr = self._scores(scores)
        c = arr.shape[1]
        names = tuple(str(i) for i in range(c)) if candidates is None else tuple(candidates)
        if len(names) != c:
            raise ValueError(f"`candidates` must have {c} names, got {len(names)}.")
        ballots = np.argsort(-arr, axis=1, kind="stable").astype(np.int64)
        vote = schulze(ballots, self._weights)
        consensus = self._weights @ arr
        winner = None if vote.winner is None else names[vote.winner]
        logger.debug("collective decision: %s", winner)
        return AdDecision(
            winner,
            tuple(names[i] for i in vote.ranking),
            dict(zip(names, consensus.tolist(), strict=True)),
            dict(self.influence),
            vote,
        )
