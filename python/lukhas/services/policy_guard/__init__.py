"""Lane policy enforcement and replay protection.

:class:`PolicyGuard` decides whether an event may be replayed into a lane:
allowed event kinds, lane direction (replays flow only towards stricter
lanes), risk ceilings, nonce/time-window replay detection, a per-minute rate
limit and a windowed budget.  Every decision is a :class:`ReplayDecision`
kept in a bounded log.

Replay detection (:class:`ReplayWindow`) works on packed hybrid-logical-clock
stamps (``physical_ms << 16 | counter``); timezone-aware ``datetime`` values
and any stamp object with ``__index__`` plug in through :func:`as_hlc_stamp`.
"""

from __future__ import annotations

from lukhas.services.policy_guard._guard import (
    DEFAULT_ALLOWED_KINDS,
    LANE_POLICY_DEFAULTS,
    LANE_RANK,
    LanePolicyConfig,
    PolicyGuard,
    PolicyResult,
    ReplayDecision,
    create_policy_guard,
)
from lukhas.services.policy_guard._replay_window import (
    HLC_COUNTER_BITS,
    HLCStampLike,
    ReplayVerdict,
    ReplayWindow,
    Stamp,
    as_hlc_stamp,
    hlc_stamp_from_datetime,
)

__all__ = [
    "DEFAULT_ALLOWED_KINDS",
    "HLC_COUNTER_BITS",
    "LANE_POLICY_DEFAULTS",
    "LANE_RANK",
    "HLCStampLike",
    "LanePolicyConfig",
    "PolicyGuard",
    "PolicyResult",
    "ReplayDecision",
    "ReplayVerdict",
    "ReplayWindow",
    "Stamp",
    "as_hlc_stamp",
    "create_policy_guard",
    "hlc_stamp_from_datetime",
]


def __dir__() -> list[str]:
    return list(__all__)
