"""Brute-force k-nearest neighbours: the oracle of the exact and HNSW searches.

Ties: among equal scores the smaller id comes first (the order the kernels
promise).  Scores are computed in float64 one pair at a time.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt


def ref_score(metric: str, q: npt.NDArray[np.float64], x: npt.NDArray[np.float64]) -> float:
    """Similarity (ip, cosine) or squared distance (l2) of one pair, in float64."""
    q = q.astype(np.float64)
    x = x.astype(np.float64)
    if metric == "l2":
        return float(sum((a - b) ** 2 for a, b in zip(q, x, strict=True)))
    dot = float(sum(a * b for a, b in zip(q, x, strict=True)))
    if metric == "cosine":
        dot /= math.sqrt(float(q @ q)) * math.sqrt(float(x @ x))
    return dot


def ref_topk(
    base: npt.NDArray[np.float64],
    ids: list[int],
    queries: npt.NDArray[np.float64],
    k: int,
    metric: str,
) -> tuple[list[list[int]], list[list[float]]]:
    """Top-k ids and scores per query, padded with (-1, -inf or +inf) past len(base)."""
    out_ids, out_scores = [], []
    pad = math.inf if metric == "l2" else -math.inf
    for q in queries:
        scored = [(ref_score(metric, q, x), ident) for x, ident in zip(base, ids, strict=True)]
        if metric == "l2":
            scored.sort(key=lambda p: (p[0], p[1]))
        else:
            scored.sort(key=lambda p: (-p[0], p[1]))
        best = scored[:k]
        out_ids.append([i for _, i in best] + [-1] * (k - len(best)))
        out_scores.append([s for s, _ in best] + [pad] * (k - len(best)))
    return out_ids, out_scores


def recall_at_k(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> float:
    """Mean fraction of each true top-k row present in the found row."""
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size
