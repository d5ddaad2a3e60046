"""API analysis: per-user drift profiles and API usage analytics.

* :mod:`lukhas.services.analytics.drift_score`: per-user drift profiles of dream
  metrics on :mod:`lukhas.services.drift`.
* :mod:`lukhas.services.analytics.usage`: :class:`UsageAnalytics`, rolling
  per-endpoint and per-user request counts, error rates and latency
  percentiles.

``lukhas.services.analytics.drift_score.update_user_drift_profile`` is the coroutine
LUKHAS API handlers await after each analysed dream.
"""

from __future__ import annotations

from lukhas.services.analytics.drift_score import (
    METRIC_KEYS,
    DriftProfileStore,
    default_store,
    score_drift,
    update_user_drift_profile,
)
from lukhas.services.analytics.usage import LATENCY_PERCENTILES, TOP_KEYS, UsageAnalytics

__all__ = [
    "LATENCY_PERCENTILES",
    "METRIC_KEYS",
    "TOP_KEYS",
    "DriftProfileStore",
    "UsageAnalytics",
    "default_store",
    "score_drift",
    "update_user_drift_profile",
]


def __dir__() -> list[str]:
    return list(__all__)
