"""Next-item recommendations from the trails a swarm of users leaves (stigmergy).

:class:`SwarmRecommendationSystem` works like an ant colony: every user session
is a path through items, and the swarm remembers paths only through the
pheromone they leave on item-to-item transitions.

* **Deposit.** A session ``(i_0, i_1, ..., i_m)`` with reward ``r`` adds
  ``deposit * r`` to the pheromone of each transition ``i_t -> i_{t+1}``.
* **Evaporation.** Each :meth:`~SwarmRecommendationSystem.evaporate` (one
  round: a tick, an hour) multiplies every trail by ``1 - evaporation``, so
  trails nobody walks again fade and the swarm follows shifting taste.
  Trails are evaporated lazily: each keeps the round it was last touched and
  is brought up to date when read or reinforced, so a round costs O(1) and a
  deposit O(path length).  Trails below ``min_pheromone`` are forgotten.
* **Recommendation.** For a history ``(h_0, ..., h_L)`` (most recent last) the
  score of item ``b`` is ``sum_t recency**(L - t) * tau(h_t -> b)``; the best
  ``k`` items not in the history are returned, ties in item order of first
  appearance.  A single item is a history of length one.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Hashable, Sequence
from typing import Any

from lukhas._validation import check_int, check_real, describe

__all__ = ["SwarmRecommendationSystem"]

logger = logging.getLogger(__name__)


class SwarmRecommendationSystem:
    """Pheromone trails over item transitions, deposited by sessions, evaporating by round.

    Parameters
    ----------
    evaporation : float, default=0.1
        Fraction of every trail lost per round, in [0, 1).
    deposit : float, default=1.0
        Pheromone a transition gains per unit of session reward, > 0.
    recency : float, default=0.5
        Weight of each older history item relative to the next, in (0, 1].
    min_pheromone : float, default=1e-9
        Trails that have faded below it are forgotten (>= 0).

    Attributes
    ----------
    round : int
        Rounds evaporated so far.

    Examples
    --------
    >>> swarm = SwarmRecommendationSystem(evaporation=0.5)
    >>> swarm.observe(["home", "shoes", "socks"])
    >>> swarm.observe(["home", "books"], reward=3.0)
    >>> swarm.recommend("home", k=2)
    [('books', 3.0), ('shoes', 1.0)]
    >>> swarm.evaporate()
    >>> swarm.observe(["home", "shoes"])
    >>> swarm.recommend("home", k=2)  # a tie: shoes was seen first
    [('shoes', 1.5), ('books', 1.5)]
    >>> swarm.recommend(["home", "shoes"], k=2)  # home's trails count half now
    [('books', 0.75), ('socks', 0.5)]
    """

    def __init__(
        self,
        evaporation: float = 0.1,
        deposit: float = 1.0,
        *,
        recency: float = 0.5,
        min_pheromone: float = 1e-9,
    ) -> None:
        self.evaporation = check_real("evaporation", evaporation, low=0.0, high=1.0,
                                      high_inclusive=False)  # fmt: skip
        self.deposit = check_real("deposit", deposit, low=0.0, low_inclusive=False)
        self.recency = check_real("recency", recency, low=0.0, high=1.0, low_inclusive=False)
        self.min_pheromone = check_real("min_pheromone", min_pheromone, low=0.0)
        self.round = 0
        # item -> {next item: [pheromone as of round `stamp`, stamp]}
        self._trails: dict[Hashable, dict[Hashable, list[Any]]] = {}
        self._order: dict[Hashable, int] = {}  # item -> first appearance, for ties

    def __repr__(self) -> str:
        n = sum(len(out) for out in self._trails.values())
        return (f"SwarmRecommendationSystem(evaporation={self.evaporation}, round={self.round}, "
                f"trails={n})")  # fmt: skip

    def _current(self, trail: list[Any]) -> float:
        value: float = trail[0] * (1.0 - self.evaporation) ** (self.round - trail[1])
        return value

    def observe(self, path: Sequence[Hashable], reward: float = 1.0) -> None:
        """Deposit pheromone along a session's transitions.

        Parameters
        ----------
        path : sequence of hashable
            Items in the order visited (repeats allowed; a self-transition is skipped).
        reward : float, default=1.0
            How good the session was, >= 0 (0 deposits nothing).

        Raises
        ------
        TypeError, ValueError
            A path that is not a sequence, a negative or non-finite reward.
        """
        if isinstance(path, str) or not isinstance(path, Sequence):
            raise TypeError(f"`path` must be a sequence of items, got {describe(path)}.")
        amount = self.deposit * check_real("reward", reward, low=0.0)
        for item in path:
            self._order.setdefault(item, len(self._order))
        if amount == 0.0:
            return
        for a, b in itertools.pairwise(path):
            if a == b:
                continue
            out = self._trails.setdefault(a, {})
            trail = out.get(b)
            if trail is None:
                out[b] = [amount, self.round]
            else:
                trail[0] = self._current(trail) + amount
                trail[1] = self.round

    def evaporate(self, rounds: int = 1) -> None:
        """Advance ``rounds`` rounds: every trail loses ``evaporation`` per round.

        Faded trails (below ``min_pheromone``) are dropped every 64 rounds.
        """
        before = self.round
        self.round += check_int("rounds", rounds, low=0)
        if self.round // 64 != before // 64:
            self._prune()

    def _prune(self) -> None:
        for a in list(self._trails):
            out = self._trails[a]
            for b in [b for b, t in out.items() if self._current(t) < self.min_pheromone]:
                del out[b]
            if not out:
                del self._trails[a]

    def pheromone(self, a: Hashable, b: Hashable) -> float:
        """Current pheromone on the transition ``a -> b`` (0 when there is none)."""
        trail = self._trails.get(a, {}).get(b)
        if trail is None:
            return 0.0
        value = self._current(trail)
        return value if value >= self.min_pheromone else 0.0

    def recommend(
        self, history: Hashable | Sequence[Hashable], k: int = 5
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` best next items after ``history``, with their scores.

        Parameters
        ----------
        history : item or sequence of items
            What the user visited, most recent last (a str is one item).
        k : int, default=5
            Recommendations wanted, >= 1 (fewer when fewer trails lead anywhere).

        Returns
        -------
        recommendations : list of (item, score)
            Best first; items already in the history are left out.
        """
        k = check_int("k", k, low=1)
        items: list[Hashable] = (
            list(history) if isinstance(history, Sequence) and not isinstance(history, str)
            else [history]
        )  # fmt: skip
        seen = set(items)
        scores: dict[Hashable, float] = {}
        weight = 1.0
        for item in reversed(items):
            for b, trail in self._trails.get(item, {}).items():
                if b in seen:
                    continue
                value = self._current(trail)
                if value >= self.min_pheromone:
                    scores[b] = scores.get(b, 0.0) + weight * value
            weight *= self.recency
        best = heapq.nsmallest(k, scores.items(), key=lambda kv: (-kv[1], self._order[kv[0]]))
        return [(b, s) for b, s in best]
