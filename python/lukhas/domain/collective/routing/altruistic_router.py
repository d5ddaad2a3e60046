"""Welfare-maximising routing of requests to agents with capacities.

Each request (an ad slot, a query, a task) has an *affinity* for each agent:
the value the collective gains when that agent serves it.  A selfish router lets
every request take its favourite agent with room left, in arrival order; an
*altruistic* router gives up a request's favourite whenever another agent can
serve it so that the others gain more.  :class:`AltruisticAdRouter` finds the
assignment of largest total affinity (utilitarian welfare) subject to

* each request goes to at most one agent (or none: a request is left unrouted
  rather than served at negative value, or below ``min_affinity``),
* agent ``j`` serves at most ``capacity[j]`` requests of the batch.

The problem is an assignment problem on a matrix whose columns are the
agents' capacity slots plus one "unrouted" slot per request; it is solved
exactly with the Hungarian algorithm (shortest augmenting paths with
potentials, O(n^2 m) for n requests and m columns).  Every plan also reports
the selfish welfare, so the gain of altruism (the price of anarchy) is visible.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe

__all__ = ["AltruisticAdRouter", "RoutingPlan", "max_welfare_assignment"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _hungarian(cost: FloatArray) -> IntArray:
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    Shortest augmenting paths with row/column potentials (Kuhn-Munkres in the
    form of Jonker and Volgenant); returns the column of each row.
    """
    n, m = cost.shape
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # column -> row (1-based; 0: free)
    way = np.zeros(m + 1, dtype=np.int64)
    for row in range(1, n + 1):
        owner[0] = row
        col = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[col] = True
            r = owner[col]
            free = ~used[1:]
            reduced = cost[r - 1] - u[r] - v[1:]
            better = free & (reduced < minv[1:])
            minv[1:][better] = reduced[better]
            way[1:][better] = col
            candidates = np.where(free, minv[1:], np.inf)
            nxt = int(np.argmin(candidates)) + 1
            delta = candidates[nxt - 1]
            touched = np.flatnonzero(used)
            u[owner[touched]] += delta
            v[touched] -= delta
            minv[1:][free] -= delta
            col = nxt
            if owner[col] == 0:
                break
        while col:
            prev = way[col]
            owner[col] = owner[prev]
            col = prev
    assignment = np.empty(n, dtype=np.int64)
    cols = np.flatnonzero(owner[1:]) + 1
    assignment[owner[cols] - 1] = cols - 1
    return assignment


def max_welfare_assignment(
    affinity: Any, capacity: Any, min_affinity: float = 0.0
) -> tuple[IntArray, float]:
    """The assignment of requests to agents of largest total affinity.

    Parameters
    ----------
    affinity : array_like of shape (n_requests, n_agents)
        Value of serving each request by each agent (finite).
    capacity : array_like of shape (n_agents,)
        Requests each agent may take, integers >= 0.
    min_affinity : float, default=0.0
        Pairs below it (and pairs of negative affinity) are never used; a request
        with no usable pair is unrouted.

    Returns
    -------
    agents : ndarray of shape (n_requests,), dtype=int64
        Agent of each request, ``-1`` for unrouted.
    welfare : float
        Total affinity of the pairs used.

    Examples
    --------
    >>> # Request 0 likes agent 0 a little more, but request 1 needs agent 0 far more.
    >>> agents, welfare = max_welfare_assignment([[5, 4], [5, 0]], [1, 1])
    >>> agents.tolist(), welfare
    ([1, 0], 9.0)
    """
    aff = check_array("affinity", affinity, dtype=np.float64, ndim=2, finite=True)
    cap = check_array("capacity", capacity, ndim=1)
    if cap.dtype.kind not in "iu" or cap.shape[0] != aff.shape[1] or (cap < 0).any():
        raise ValueError(
            f"`capacity` must hold {aff.shape[1]} integers >= 0 (one per agent), "
            f"got {describe(cap)}."
        )
    floor = check_real("min_affinity", min_affinity)
    n = aff.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64), 0.0
    slots = np.repeat(np.arange(aff.shape[1]), np.minimum(cap, n))
    usable = aff >= max(floor, 0.0)
    # Maximise welfare = minimise -affinity; unusable pairs cost more than leaving
    # the request unrouted (cost 0 in its own slot), so they are never chosen.
    big = 1.0 + 2.0 * float(np.abs(aff).sum())
    cost = np.where(usable[:, slots], -aff[:, slots], big)
    unrouted = np.full((n, n), big)
    np.fill_diagonal(unrouted, 0.0)
    column = _hungarian(np.ascontiguousarray(np.hstack([cost, unrouted])))
    agents = np.full(n, -1, dtype=np.int64)
    served = column < slots.shape[0]
    agents[served] = slots[column[served]]
    welfare = float(aff[np.flatnonzero(served), agents[served]].sum())
    return agents, welfare


@dataclass(frozen=True, eq=False)
class RoutingPlan:
    """One batch routed by :class:`AltruisticAdRouter`.

    Attributes
    ----------
    assignment : dict
        Request key -> agent name, or None when unrouted.
    welfare : float
        Total affinity of the plan (the maximum possible).
    selfish_welfare : float
        Total affinity had each request, in order, taken its best agent with room.
    load : dict of str to int
        Requests given to each agent in this batch.
    """

    assignment: dict[Any, str | None]
    welfare: float
    selfish_welfare: float
    load: dict[str, int]

    @property
    def altruism_gain(self) -> float:
        """``welfare - selfish_welfare`` (never negative)."""
        return self.welfare - self.selfish_welfare


class AltruisticAdRouter:
    """Route batches of requests to capacity-bound agents for the largest total value.

    Parameters
    ----------
    capacities : Mapping of str to int
        Agent -> requests it can take at once (>= 0).
    min_affinity : float, default=0.0
        Pairs below it are never used.

    Examples
    --------
    >>> router = AltruisticAdRouter({"sports": 1, "news": 1})
    >>> plan = router.route({"r1": {"sports": 5, "news": 4}, "r2": {"sports": 5, "news": 0}})
    >>> plan.assignment, plan.welfare, plan.selfish_welfare
    ({'r1': 'news', 'r2': 'sports'}, 9.0, 5.0)
    >>> router.in_flight
    {'sports': 1, 'news': 1}
    >>> router.release("news")
    >>> router.available()
    {'sports': 0, 'news': 1}
    """

    def __init__(self, capacities: Mapping[str, int], *, min_affinity: float = 0.0) -> None:
        if not isinstance(capacities, Mapping) or not capacities:
            raise TypeError(
                f"`capacities` must be a non-empty Mapping of agent -> int, got "
                f"{describe(capacities)}."
            )
        self._capacity = {
            str(agent): check_int(f"capacities[{agent!r}]", cap, low=0)
            for agent, cap in capacities.items()
        }
        self.min_affinity = check_real("min_affinity", min_affinity)
        self.in_flight: dict[str, int] = dict.fromkeys(self._capacity, 0)
        self.total_welfare = 0.0

    @property
    def agents(self) -> tuple[str, ...]:
        """Agent names, in the order given."""
        return tuple(self._capacity)

    def available(self) -> dict[str, int]:
        """Room left per agent (capacity minus requests in flight)."""
        return {a: self._capacity[a] - self.in_flight[a] for a in self._capacity}

    def release(self, agent: str, n: int = 1) -> None:
        """Mark ``n`` of ``agent``'s requests finished, freeing its capacity.

        Raises
        ------
        KeyError
            Unknown agent.
        ValueError
            More than it holds.
        """
        if agent not in self.in_flight:
            raise KeyError(f"unknown agent {agent!r}; agents are {list(self._capacity)}.")
        n = check_int("n", n, low=0, high=self.in_flight[agent])
        self.in_flight[agent] -= n

    def route(self, requests: Mapping[Any, Mapping[str, float]]) -> RoutingPlan:
        """Assign a batch; agents missing from a request's mapping cannot serve it.

        Parameters
        ----------
        requests : Mapping
            Request key -> {agent: affinity}.

        Returns
        -------
        plan : RoutingPlan
            Its routed requests count against capacity until :meth:`release`.
        """
        if not isinstance(requests, Mapping):
            raise TypeError(f"`requests` must be a Mapping, got {describe(requests)}.")
        agents = self.agents
        keys = list(requests)
        aff = np.full((len(keys), len(agents)), -np.inf)
        for i, key in enumerate(keys):
            for agent, value in requests[key].items():
                if agent not in self._capacity:
                    raise KeyError(f"request {key!r} names unknown agent {agent!r}.")
                aff[i, agents.index(agent)] = check_real(f"requests[{key!r}][{agent!r}]", value)
        room = np.array([self.available()[a] for a in agents], dtype=np.int64)
        # A missing pair becomes -1: below every usable affinity (those are >= 0).
        chosen, welfare = max_welfare_assignment(
            np.where(np.isfinite(aff), aff, -1.0), room, self.min_affinity
        )
        plan_load = dict.fromkeys(agents, 0)
        assignment: dict[Any, str | None] = {}
        for key, j in zip(keys, chosen.tolist(), strict=True):
            assignment[key] = None if j < 0 else agents[j]
            if j >= 0:
                plan_load[agents[j]] += 1
                self.in_flight[agents[j]] += 1
        self.total_welfare += welfare
        selfish = _selfish_welfare(aff, room, max(self.min_affinity, 0.0))
        return RoutingPlan(assignment, welfare, selfish, plan_load)


def _selfish_welfare(aff: FloatArray, room: IntArray, floor: float) -> float:
    """Each request in order takes its best usable agent with room left."""
    left = room.copy()
    total = 0.0
    for row in aff:
        usable = np.flatnonzero((left > 0) & (row >= floor))
        if usable.size:
            j = int(usable[np.argmax(row[usable])])
            left[j] -= 1
            total += float(row[j])
    return total
