"""Collective decisions: voting rules, weighted consensus and swarm coordination.

- Voting over ranked ballots: :func:`plurality`, :func:`borda`,
  :func:`condorcet_winner`, :func:`schulze` (and :func:`pairwise_preferences`).
- Weighted consensus: :func:`degroot` opinion dynamics with convergence and
  consensus detection; :func:`influence_weights` predicts the consensus.
- :class:`SwarmCoordinator`: named agents searching together on the particle
  swarm kernel of :mod:`lukhas.primitives.evolve`.

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

__all__ = [
    "ConsensusResult",
    "CoordinationResult",
    "SwarmCoordinator",
    "VoteResult",
    "borda",
    "condorcet_winner",
    "degroot",
    "influence_weights",
    "pairwise_preferences",
    "plurality",
    "schulze",
]


def __dir__() -> list[str]:
    return list(__all__)
