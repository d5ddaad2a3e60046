"""Swarm-intelligence recommendations: :class:`SwarmRecommendationSystem`.

Examples
--------
>>> from lukhas.domain.collective.swarm import SwarmRecommendationSystem
>>> SwarmRecommendationSystem().evaporation
0.1
"""

from __future__ import annotations

from lukhas.domain.collective.swarm.swarm_recommendations import SwarmRecommendationSystem

__all__ = ["SwarmRecommendationSystem"]
