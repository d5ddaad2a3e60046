"""Obvious models of the awareness engine: per-signal salience from whole histories,
softmax attention, and the hysteresis state machine."""

from __future__ import annotations

import math
from collections.abc import Sequence

STATES = ("calm", "attentive", "alert", "overloaded")


def ref_salience(values: Sequence[float], alpha: float, level: bool, short: int = 4) -> float:
    """Salience after `values`, recomputing the baseline from scratch for every prefix."""
    zs: list[float] = []
    for i, x in enumerate(values):
        if i < 2:
            zs.append(0.0)
            continue
        mean, var = values[0], 0.0
        for n, v in enumerate(values[1:i], start=1):  # the baseline before value i
            a = max(alpha, 1.0 / (n + 1))
            d = v - mean
            mean += a * d
            var = (1 - a) * (var + d * a * d)
        zs.append((x - mean) / math.sqrt(var + 1e-12 + (1e-3 * mean) ** 2))
    recent = zs[-short:]
    change = 1 - math.exp(-abs(sum(recent) / len(recent)) / 3) if recent else 0.0
    return max(change, min(1.0, max(0.0, values[-1]))) if level else change


def ref_attention(salience: dict[str, float], temperature: float) -> dict[str, float]:
    weights = {k: math.exp(s / temperature) for k, s in salience.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


def ref_states(arousals: Sequence[float], thresholds: Sequence[float], h: float) -> list[str]:
    level, out = 0, []
    for a in arousals:
        while level < 3 and a >= thresholds[level] + h:
            level += 1
        while level > 0 and a < thresholds[level - 1] - h:
            level -= 1
        out.append(STATES[level])
    return out
