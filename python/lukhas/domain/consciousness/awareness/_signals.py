"""One tracked signal: a ring window of recent values and a slow EWMA baseline.

Each new value is scored against the baseline *before* it: ``z = (x - mean) /
sqrt(var + floor)`` (the floor, ``1e-12 + (1e-3 * mean)^2``, keeps a constant signal
from turning every tiny change into a huge ``z``).  Salience is the mean ``z`` of
the last ``min(4, window)`` values, squashed as ``1 - exp(-|z| / 3)`` (``|z| = 3``
gives 0.63); for a *level* signal (a value in [0, 1] such as CPU load or a drift
score) the level itself counts too: ``max(change, level)``.  The baseline (mean and
variance, EWMA with weight ``max(baseline_alpha, 1/n)`` for the n-th value, so the
first values give the plain mean and variance) keeps adapting, so a sustained
change habituates.
"""

from __future__ import annotations

import math
from collections import deque

from lukhas.primitives.ring import RingBuffer

__all__ = ["SignalTrack"]

_SHORT = 4


class SignalTrack:
    """Window and baseline of one signal (memory: a ring of ``window`` floats and 4 z-scores)."""

    __slots__ = ("baseline_alpha", "count", "kind", "last", "mean", "var", "window", "zs")

    def __init__(self, kind: str, window: int, baseline_alpha: float) -> None:
        self.kind = kind
        self.window = RingBuffer(window)
        self.zs: deque[float] = deque(maxlen=min(_SHORT, window))
        self.baseline_alpha = baseline_alpha
        self.mean = 0.0
        self.var = 0.0
        self.count = 0
        self.last = 0.0

    def observe(self, value: float) -> None:
        """Add one finite value (the caller checked it)."""
        self.window.append(value)
        self.last = value
        if self.count == 0:
            self.mean = value
            self.zs.append(0.0)
        else:
            floor = 1e-12 + (1e-3 * self.mean) ** 2
            self.zs.append((value - self.mean) / math.sqrt(self.var + floor)
                           if self.count > 1 else 0.0)
            a = max(self.baseline_alpha, 1.0 / (self.count + 1))  # plain mean/var at first
            diff = value - self.mean
            incr = a * diff
            self.mean += incr
            self.var = (1.0 - a) * (self.var + diff * incr)
        self.count += 1

    def window_mean(self) -> float:
        """Mean of the values in the window (0 when empty)."""
        n = len(self.window)
        return float(self.window.to_array().sum()) / n if n else 0.0

    def salience(self) -> float:
        """How much this signal calls for attention, in [0, 1]."""
        zs = self.zs
        change = 1.0 - math.exp(-abs(sum(zs) / len(zs)) / 3.0) if zs else 0.0
        if self.kind == "level":
            return max(change, min(1.0, max(0.0, self.last)))
        return change
