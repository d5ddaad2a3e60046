"""Obvious models for the dream engine: clusters from the full similarity matrix."""

from __future__ import annotations

import numpy as np


def ref_clusters(vectors: np.ndarray, threshold: float) -> list[set[int]]:
    """Connected components of the graph 'cosine similarity >= threshold' (BFS, O(n^2))."""
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = units @ units.T
    seen: set[int] = set()
    out = []
    for start in range(len(vectors)):
        if start in seen:
            continue
        comp, frontier = {start}, [start]
        while frontier:
            i = frontier.pop()
            for j in np.flatnonzero(sims[i] >= threshold).tolist():
                if j not in comp:
                    comp.add(j)
                    frontier.append(j)
        seen |= comp
        out.append(comp)
    return out
