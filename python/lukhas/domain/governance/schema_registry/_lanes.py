"""The seven LUKHAS lanes, exactly as the contract and the guardian schema spell them."""

from __future__ import annotations

from enum import Enum

__all__ = ["LUKHASLane", "get_lane_enum"]


class LUKHASLane(Enum):
    """The lanes a LUKHAS component runs in (case-sensitive values).

    Examples
    --------
    >>> LUKHASLane.is_valid_lane("MATRIZ"), LUKHASLane.is_valid_lane("matriz")
    (True, False)
    """

    CANDIDATE = "candidate"
    LUKHAS = "lukhas"
    MATRIZ = "MATRIZ"
    INTEGRATION = "integration"
    PRODUCTION = "production"
    CANARY = "canary"
    EXPERIMENTAL = "experimental"

    @classmethod
    def get_all_values(cls) -> list[str]:
        """Every lane's value, in definition order (a new list each call)."""
        return list(_VALUES)

    @classmethod
    def is_valid_lane(cls, lane: str) -> bool:
        """Exact, case-sensitive membership of ``lane`` among the values."""
        return isinstance(lane, str) and lane in _VALUE_SET


_VALUES: tuple[str, ...] = tuple(m.value for m in LUKHASLane)
_VALUE_SET: frozenset[str] = frozenset(_VALUES)


def get_lane_enum() -> list[str]:
    """The seven lane values in definition order (a new list each call).

    Examples
    --------
    >>> get_lane_enum()
    ['candidate', 'lukhas', 'MATRIZ', 'integration', 'production', 'canary', 'experimental']
    """
    return list(_VALUES)
