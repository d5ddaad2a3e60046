"""Clustering agents' state vectors: :class:`ConsciousnessClusteringEngine`.

Examples
--------
>>> from lukhas.domain.collective.clusters import ConsciousnessClusteringEngine
>>> ConsciousnessClusteringEngine(2).n_clusters
2
"""

from __future__ import annotations

from lukhas.domain.collective.clusters.consciousness_clusters import (
    ClusteringResult,
    ConsciousnessClusteringEngine,
)

__all__ = ["ClusteringResult", "ConsciousnessClusteringEngine"]
