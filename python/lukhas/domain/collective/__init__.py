"""Collective decisions: voting rules, weighted consensus and swarm coordination.

- Voting over ranked ballots: :func:`plurality`, :func:`borda`,
  :func:`condorcet_winner`, :func:`schulze` (and :func:`pairwise_preferences`).
- Weighted consensus: :func:`degroot` opinion dynamics with convergence and
  consensus detection; :func:`influence_weights` predicts the consensus.
- :class:`SwarmCoordinator`: named agents searching together on the particle
  swarm kernel of :mod:`lukhas.primitives.evolve`.
- :class:`ConsciousnessClusteringEngine` (``clusters.consciousness_clusters``):
  k-means++ / Lloyd clustering of agent states, assigned exactly through a
  :class:`~lukhas.primitives.vector.FlatIndex`.
- :class:`CollectiveAdMind` (``collective_ad_mind``): Schulze ranking of
  candidates weighted by each agent's influence in a trust network.
- :class:`AltruisticAdRouter` (``routing.altruistic_router``): the
  welfare-maximising assignment of requests to capacity-bound agents.
- :class:`SwarmRecommendationSystem` (``swarm.swarm_recommendations``):
  next-item recommendations from evaporating pheromone trails.

Examples
--------
>>> from lukhas.domain.collective import schulze
>>> schulze([[0, 1, 2], [1, 0, 2], [0, 2, 1]]).winner
0
"""

from __future__ import annotations

from lukhas.domain.collective._consensus import ConsensusResult, degroot, influence_weights
from lukhas.domain.collective._swarm import CoordinationResult, SwarmCoordinator
from lukhas.domain.collective._voting import (
    VoteResult,
    borda,
    condorcet_winner,
    pairwise_preferences,
    plurality,
    schulze,
)
from lukhas.domain.collective.clusters.consciousness_clusters import (
    ClusteringResult,
    ConsciousnessClusteringEngine,
)
from lukhas.domain.collective.collective_ad_mind import AdDecision, CollectiveAdMind
from lukhas.domain.collective.routing.altruistic_router import (
    AltruisticAdRouter,
    RoutingPlan,
    max_welfare_assignment,
)
from lukhas.domain.collective.swarm.swarm_recommendations import SwarmRecommendationSystem

__all__ = [
    "AdDecision",
    "AltruisticAdRouter",
    "ClusteringResult",
    "CollectiveAdMind",
    "ConsciousnessClusteringEngine",
    "ConsensusResult",
    "CoordinationResult",
    "RoutingPlan",
    "SwarmCoordinator",
    "SwarmRecommendationSystem",
    "VoteResult",
    "borda",
    "condorcet_winner",
    "degroot",
    "influence_weights",
    "max_welfare_assignment",
    "pairwise_preferences",
    "plurality",
    "schulze",
]


def __dir__() -> list[str]:
    return list(__all__)
