"""Drift detection.

* Cosine drift of intent/action vectors per lane: :class:`DriftMonitor`,
  :data:`LANE_CFG`, :func:`_cosine` (the LUKHAS "DriftScore v2" contract).
* Change detectors for scalar streams: :class:`PageHinkley` (mean shifts,
  Numba kernel for batches) and :class:`ADWIN` (adaptive window).
* Distribution drift between windows: :func:`ks_2samp` (two-sample
  Kolmogorov-Smirnov with exact and asymptotic p-values, no scipy needed) and
  :class:`WindowedKS`.

Every detector has ``update(x) -> bool`` and ``update_many(xs) -> ndarray of
bool``; the batch call equals a loop of single updates.

Importing this package does not import Numba; the kernels load on first use.
"""

from __future__ import annotations

from lukhas.services.drift._adwin import ADWIN
from lukhas.services.drift._ks import MAX_EXACT_N, KSResult, WindowedKS, kolmogorov_sf, ks_2samp
from lukhas.services.drift._monitor import (
    LANE_CFG,
    DriftConfig,
    DriftMonitor,
    GuardianDecision,
    _cosine,
)
from lukhas.services.drift._page_hinkley import PageHinkley

__all__ = [
    "ADWIN",
    "LANE_CFG",
    "MAX_EXACT_N",
    "DriftConfig",
    "DriftMonitor",
    "GuardianDecision",
    "KSResult",
    "PageHinkley",
    "WindowedKS",
    "_cosine",
    "kolmogorov_sf",
    "ks_2samp",
]


def __dir__() -> list[str]:
    return list(__all__)
