"""Slow oracles for memory.core: all-pairs near-duplicate clusters."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt


def ref_threshold_clusters(vectors: npt.NDArray[np.float64], threshold: float) -> list[int]:
    """Connected components of the graph "cosine(i, j) >= threshold", labelled by first row.

    Every pair is compared in float64 with an explicit loop; components are
    found by a depth-first walk.
    """
    n = len(vectors)
    rows = [np.asarray(v, dtype=np.float64) for v in vectors]
    norms = [math.sqrt(float(r @ r)) for r in rows]
    linked = [[False] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            cos = float(rows[i] @ rows[j]) / (norms[i] * norms[j])
            linked[i][j] = cos >= threshold
    labels = [-1] * n
    next_label = 0
    for start in range(n):
        if labels[start] >= 0:
            continue
        stack = [start]
        labels[start] = next_label
        while stack:
            i = stack.pop()
            for j in range(n):
                if (linked[i][j] or linked[j][i]) and labels[j] < 0:
                    labels[j] = next_label
                    stack.append(j)
        next_label += 1
    return labels
