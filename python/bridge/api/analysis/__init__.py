"""API analysis: per-user drift profiles (:mod:`bridge.api.analysis.drift_score`).

``bridge.api.analysis.drift_score.update_user_drift_profile`` is the coroutine
LUKHAS API handlers await after each analysed dream.
"""

from __future__ import annotations

from bridge.api.analysis.drift_score import (
    METRIC_KEYS,
    DriftProfileStore,
    default_store,
    score_drift,
    update_user_drift_profile,
)

__all__ = [
    "METRIC_KEYS",
    "DriftProfileStore",
    "default_store",
    "score_drift",
    "update_user_drift_profile",
]


def __dir__() -> list[str]:
    return list(__all__)
