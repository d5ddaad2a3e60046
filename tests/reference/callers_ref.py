"""Slow oracles for the later-LUKHAS-caller names (issue 19 section 5).

Each oracle restates its algorithm by the definition, with plain loops and no
index, kernel or clever bookkeeping:

* :func:`ref_lloyd`: k-means rounds from given centres (all-pairs distances);
* :func:`ref_max_welfare`: the best capacity-respecting assignment by enumeration;
* :func:`ref_degroot_limit`: DeGroot averaging iterated until it stops moving;
* :class:`RefPheromones`: trails evaporated eagerly, every trail every round;
* :func:`ref_best_rebalance`: the best k-subset of the rebalancing objective by enumeration;
* :func:`ref_activation` / :func:`ref_working_memory`: ACT-R activation from the full use log;
* :func:`ref_similar_pairs`: every pair of rows at or above a cosine threshold.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ref_lloyd(points: FloatArray, centroids: FloatArray, max_iter: int) -> tuple[list[int], float]:
    """Lloyd rounds with the engine's rules, by explicit loops; return (labels, inertia).

    Nearest centre: smallest squared distance, ties to the lower centre.  An empty
    centre jumps to the point farthest from its assigned centre (each such point once).
    """
    pts = [np.asarray(p, dtype=np.float64) for p in points]
    cents = [np.asarray(c, dtype=np.float64).copy() for c in centroids]

    def assign() -> tuple[list[int], list[float]]:
        labels, dists = [], []
        for p in pts:
            d = [float(((p - c) ** 2).sum()) for c in cents]
            j = min(range(len(cents)), key=lambda i: (d[i], i))
            labels.append(j)
            dists.append(d[j])
        return labels, dists

    labels, dists = assign()
    for _ in range(max_iter):
        taken: set[int] = set()
        for j in range(len(cents)):
            mine = [p for p, lab in zip(pts, labels, strict=True) if lab == j]
            if mine:
                cents[j] = sum(mine) / len(mine)
        for j in range(len(cents)):
            if not any(lab == j for lab in labels):
                far = max((i for i in range(len(pts)) if i not in taken), key=lambda i: dists[i])
                taken.add(far)
                cents[j] = pts[far].copy()
        new_labels, dists = assign()
        if new_labels == labels:
            break
        labels = new_labels
    return labels, math.fsum(dists)


def ref_max_welfare(affinity: FloatArray, capacity: Sequence[int], floor: float = 0.0) -> float:
    """Largest total affinity over every assignment (each request: an agent or nobody)."""
    n, m = affinity.shape
    best = 0.0
    for choice in itertools.product(range(-1, m), repeat=n):
        if any(choice.count(j) > capacity[j] for j in range(m)):
            continue
        if any(j >= 0 and affinity[i, j] < max(floor, 0.0) for i, j in enumerate(choice)):
            continue
        best = max(best, sum(float(affinity[i, j]) for i, j in enumerate(choice) if j >= 0))
    return best


def ref_degroot_limit(trust: FloatArray, beliefs: FloatArray, rounds: int = 5000) -> FloatArray:
    """``trust^rounds @ beliefs``: where repeated averaging of the beliefs ends up (row 0)."""
    x = np.asarray(beliefs, dtype=np.float64)
    for _ in range(rounds):
        x = trust @ x
    return np.asarray(x[0])


class RefPheromones:
    """Pheromone trails kept eagerly: every round multiplies every trail."""

    def __init__(self, evaporation: float, deposit: float, recency: float) -> None:
        self.rho, self.deposit, self.recency = evaporation, deposit, recency
        self.tau: dict[tuple[Hashable, Hashable], float] = {}
        self.order: list[Hashable] = []

    def observe(self, path: Sequence[Hashable], reward: float) -> None:
        for item in path:
            if item not in self.order:
                self.order.append(item)
        for a, b in itertools.pairwise(path):
            if a != b and reward > 0:
                self.tau[(a, b)] = self.tau.get((a, b), 0.0) + self.deposit * reward

    def evaporate(self) -> None:
        for key in self.tau:
            self.tau[key] *= 1.0 - self.rho

    def scores(self, history: Sequence[Hashable]) -> dict[Hashable, float]:
        out: dict[Hashable, float] = {}
        for age, item in enumerate(reversed(history)):
            for (a, b), value in self.tau.items():
                if a == item and b not in history:
                    out[b] = out.get(b, 0.0) + self.recency**age * value
        return out


def ref_best_rebalance(
    mu: FloatArray, cov: FloatArray, k: int, lam: float, held: FloatArray, gamma: float
) -> tuple[float, set[int]]:
    """Lowest ``lam/k^2 x'Cx - mu'x/k + gamma * #changes`` over all k-subsets."""
    best = (math.inf, set())
    for subset in itertools.combinations(range(len(mu)), k):
        x = np.zeros(len(mu))
        x[list(subset)] = 1.0
        value = lam / k**2 * float(x @ cov @ x) - float(mu @ x) / k
        value += gamma * float(np.abs(x - held).sum())
        if value < best[0] - 1e-12:
            best = (value, set(subset))
    return best


def ref_activation(uses: Sequence[int], now: int, decay: float, max_traces: int) -> float:
    """ACT-R base-level activation from the last ``max_traces`` use times."""
    return math.log(sum((now - t) ** -decay for t in list(uses)[-max_traces:]))


def ref_working_memory(
    ops: Sequence[tuple[str, Hashable]], capacity: int, decay: float, max_traces: int
) -> tuple[list[Hashable], list[Hashable]]:
    """Replay add/access ops; return (forgotten keys in order, keys held at the end)."""
    uses: dict[Hashable, list[int]] = {}
    forgotten: list[Hashable] = []
    clock = 0
    for op, key in ops:
        if op == "access" and key not in uses:
            continue
        uses.setdefault(key, []).append(clock)
        clock += 1
        if op == "add" and len(uses) > capacity:
            others = [k for k in uses if k != key]
            victim = min(
                others,
                key=lambda k: (ref_activation(uses[k], clock, decay, max_traces), others.index(k)),
            )
            del uses[victim]
            forgotten.append(victim)
    return forgotten, list(uses)


def ref_similar_pairs(vectors: FloatArray, threshold: float) -> set[tuple[int, int]]:
    """Every pair ``i < j`` with cosine similarity at or above ``threshold``."""
    rows = [np.asarray(v, dtype=np.float64) for v in vectors]
    out = set()
    for i, j in itertools.combinations(range(len(rows)), 2):
        norms = float(rows[i] @ rows[i]) * float(rows[j] @ rows[j])
        cos = float(rows[i] @ rows[j]) / math.sqrt(norms)
        if cos >= threshold:
            out.add((i, j))
    return out
