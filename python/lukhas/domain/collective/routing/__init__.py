"""Routing requests across a collective: :class:`AltruisticAdRouter`.

Examples
--------
>>> from lukhas.domain.collective.routing import AltruisticAdRouter
>>> AltruisticAdRouter({"a": 1}).agents
('a',)
"""

from __future__ import annotations

from lukhas.domain.collective.routing.altruistic_router import (
    AltruisticAdRouter,
    RoutingPlan,
    max_welfare_assignment,
)

__all__ = ["AltruisticAdRouter", "RoutingPlan", "max_welfare_assignment"]
