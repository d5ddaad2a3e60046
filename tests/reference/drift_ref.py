"""Slow, obvious references for ``lukhas.core.drift`` (and the detectors built on it).

Each function recomputes from the raw prefix with plain loops; none shares code
with the library.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Sequence

__all__ = [
    "RefADWIN",
    "ref_adwin_exact",
    "ref_cosine",
    "ref_ks_pvalue_enumerate",
    "ref_ks_statistic",
    "ref_page_hinkley",
    "ref_welford",
    "ref_windowed_ks",
]


def ref_cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity with the contract's zero cases, by explicit sums."""
    if len(a) == 0 or len(a) != len(b):
        return 0.0
    # Divide each vector by its largest magnitude first: the cosine is unchanged, and
    # squares of tiny (subnormal) or huge entries neither underflow nor overflow.
    sa = max(abs(x) for x in a)
    sb = max(abs(y) for y in b)
    if sa == 0.0 or sb == 0.0:
        return 0.0
    a = [x / sa for x in a]
    b = [y / sb for y in b]
    dot = 0.0
    na = 0.0
    nb = 0.0
    for x, y in zip(a, b, strict=True):
        dot += x * y
        na += x * x
        nb += y * y
    if na == 0.0 or nb == 0.0:
        return 0.0
    return max(-1.0, min(1.0, dot / (math.sqrt(na) * math.sqrt(nb))))


def ref_welford(xs: Sequence[float]) -> tuple[float, float, float]:
    """Batch (mean, sum of squared deviations, sample std) of ``xs``, two-pass."""
    n = len(xs)
    if n == 0:
        return 0.0, 0.0, 0.0
    mean = sum(xs) / n
    sq = sum((x - mean) ** 2 for x in xs)
    std = math.sqrt(sq / (n - 1)) if n > 1 else 0.0
    return mean, sq, std


def ref_page_hinkley(
    xs: Sequence[float],
    *,
    delta: float,
    threshold: float,
    fading: float = 1.0,
    min_instances: int = 1,
    mode: str = "both",
) -> list[tuple[bool, int, float, float, float]]:
    """Page-Hinkley from scratch: per sample (alarm, n, mean, stat_up, stat_down).

    After each alarm the segment restarts.  Means are recomputed from the
    segment's samples (a batch mean), not updated incrementally.
    """
    out: list[tuple[bool, int, float, float, float]] = []
    segment: list[float] = []
    ups: list[float] = []
    downs: list[float] = []
    for x in xs:
        segment.append(x)
        t = len(segment)
        mean_t = sum(segment) / t
        prev_up = ups[-1] if ups else 0.0
        prev_down = downs[-1] if downs else 0.0
        ups.append(fading * prev_up + (x - mean_t - delta))
        downs.append(fading * prev_down + (x - mean_t + delta))
        stat_up = ups[-1] - min([0.0, *ups])
        stat_down = max([0.0, *downs]) - downs[-1]
        alarm = t >= min_instances and (
            (mode != "down" and stat_up > threshold) or (mode != "up" and stat_down > threshold)
        )
        if alarm:
            out.append((True, 0, 0.0, 0.0, 0.0))
            segment, ups, downs = [], [], []
        else:
            out.append((False, t, mean_t, stat_up, stat_down))
    return out


def ref_ks_statistic(x: Sequence[float], y: Sequence[float]) -> float:
    """``max |F_x(v) - F_y(v)|`` over the pooled values, by counting."""
    best = 0.0
    for v in [*x, *y]:
        fx = sum(1 for a in x if a <= v) / len(x)
        fy = sum(1 for b in y if b <= v) / len(y)
        best = max(best, abs(fx - fy))
    return best


def ref_ks_pvalue_enumerate(x: Sequence[float], y: Sequence[float]) -> float:
    """Exact permutation p-value: share of all splits of the pooled sample with D >= observed.

    Only for tiny samples (``C(n + m, n)`` splits).  Compares with a small
    relative slack so that equal statistics count as ">=".
    """
    pooled = [*x, *y]
    n = len(x)
    observed = ref_ks_statistic(x, y)
    hits = 0
    total = 0
    for chosen in itertools.combinations(range(len(pooled)), n):
        chosen_set = set(chosen)
        first = [pooled[i] for i in chosen]
        second = [pooled[i] for i in range(len(pooled)) if i not in chosen_set]
        total += 1
        if ref_ks_statistic(first, second) >= observed - 1e-12:
            hits += 1
    return hits / total


def ref_windowed_ks(
    xs: Sequence[float],
    *,
    window: int,
    alpha: float,
    pvalue: Callable[[Sequence[float], Sequence[float]], float],
    reference: Sequence[float] | None = None,
) -> list[tuple[list[float] | None, list[float], bool]]:
    """Simulate the windowed KS detector: per sample (reference, current window, alarm)."""
    ref: list[float] | None = None if reference is None else list(reference)
    collected: list[float] = []
    current: list[float] = []
    out: list[tuple[list[float] | None, list[float], bool]] = []
    for x in xs:
        alarm = False
        if ref is None:
            collected.append(x)
            if len(collected) == window:
                ref, collected = collected, []
            out.append((None if ref is None else list(ref), [], False))
            continue
        current = [*current, x][-window:]
        snapshot = (list(ref), list(current))
        if len(current) == window and pvalue(ref, current) <= alpha:
            alarm = True
            ref, current = list(current), []
        out.append((snapshot[0], snapshot[1], alarm))
    return out


def ref_adwin_exact(
    xs: Sequence[float],
    *,
    delta: float,
    clock: int = 1,
    min_window: int = 5,
    grace: int = 10,
) -> list[tuple[bool, int]]:
    """ADWIN over every split point of an explicit window: per sample (alarm, width).

    The same cut rule as the library (``L = ln(2 ln W / delta)``), tested at every
    position instead of bucket boundaries; drops the oldest *sample* per cut.
    """
    window: list[float] = []
    out: list[tuple[bool, int]] = []
    for t, x in enumerate(xs, start=1):
        window.append(x)
        alarm = False
        if t % clock == 0:
            while len(window) >= grace and _exact_cut(window, delta, min_window):
                window.pop(0)
                alarm = True
        out.append((alarm, len(window)))
    return out


def _exact_cut(window: list[float], delta: float, min_window: int) -> bool:
    w = len(window)
    mean = sum(window) / w
    variance = sum((v - mean) ** 2 for v in window) / w
    log_term = math.log(2.0 * math.log(w) / delta)
    for n0 in range(min_window, w - min_window + 1):
        n1 = w - n0
        m = 1.0 / (1.0 / n0 + 1.0 / n1)
        eps = math.sqrt(2.0 * variance * log_term / m) + 2.0 * log_term / (3.0 * m)
        if abs(sum(window[:n0]) / n0 - sum(window[n0:]) / n1) > eps:
            return True
    return False


class RefADWIN:
    """ADWIN2 in plain Python: the exponential histogram as deques of (sum, m2) buckets.

    Level ``i`` holds buckets of ``2**i`` samples, newest at the right; a level
    that exceeds ``max_buckets`` merges its two oldest into the next level.
    Every ``clock`` samples, once the window holds ``grace`` samples, the cuts
    between buckets are tested oldest first and the oldest bucket is dropped
    while a cut is significant.  Same arithmetic, in the same order, as the
    library kernel, so states compare to rounding.
    """

    def __init__(
        self, delta: float, *, clock: int, max_buckets: int, min_window: int, grace: int
    ) -> None:
        self.delta, self.clock, self.max_buckets = delta, clock, max_buckets
        self.min_window, self.grace = min_window, grace
        self.levels: list[deque[tuple[float, float]]] = []
        self.width = 0
        self.total = 0.0
        self.m2 = 0.0
        self.ticks = 0
        self.n_detections = 0

    @property
    def n_buckets(self) -> int:
        return sum(len(level) for level in self.levels)

    def update(self, value: float) -> bool:
        if self.width:
            d = value - self.total / self.width
            self.m2 += d * d * self.width / (self.width + 1)
        self.width += 1
        self.total += value
        if not self.levels:
            self.levels.append(deque())
        self.levels[0].append((value, 0.0))
        level = 0
        while len(self.levels[level]) > self.max_buckets:
            size = float(1 << level)
            sum_a, m2_a = self.levels[level].popleft()
            sum_b, m2_b = self.levels[level].popleft()
            diff = sum_a / size - sum_b / size
            if level + 1 == len(self.levels):
                self.levels.append(deque())
            self.levels[level + 1].append((sum_a + sum_b, m2_a + m2_b + diff * diff * size / 2.0))
            level += 1
        self.ticks += 1
        shrank = False
        if self.ticks % self.clock == 0:
            while self.width >= self.grace and self._significant_cut():
                self.levels[-1].popleft()
                while self.levels and not self.levels[-1]:
                    self.levels.pop()
                self._recompute()
                shrank = True
        self.n_detections += shrank
        return shrank

    def _buckets_oldest_first(self) -> list[tuple[int, float, float]]:
        return [
            (1 << level, bucket_sum, bucket_m2)
            for level in range(len(self.levels) - 1, -1, -1)
            for bucket_sum, bucket_m2 in self.levels[level]
        ]

    def _significant_cut(self) -> bool:
        variance = self.m2 / self.width
        log_term = math.log(2.0 * math.log(self.width) / self.delta)
        n0 = 0
        sum0 = 0.0
        for size, bucket_sum, _ in self._buckets_oldest_first()[:-1]:
            n0 += size
            sum0 += bucket_sum
            n1 = self.width - n0
            if n0 < self.min_window:
                continue
            if n1 < self.min_window:
                break
            m = 1.0 / (1.0 / n0 + 1.0 / n1)
            eps = math.sqrt(2.0 * variance * log_term / m) + 2.0 * log_term / (3.0 * m)
            if abs(sum0 / n0 - (self.total - sum0) / n1) > eps:
                return True
        return False

    def _recompute(self) -> None:
        """Width, sum and m2 of the remaining buckets, combined pairwise (Chan et al.)."""
        width = 0
        total = 0.0
        m2 = 0.0
        for size, bucket_sum, bucket_m2 in self._buckets_oldest_first():
            if width:
                diff = bucket_sum / size - total / width
                m2 += bucket_m2 + diff * diff * width * size / (width + size)
            else:
                m2 = bucket_m2
            width += size
            total += bucket_sum
        self.width, self.total, self.m2 = width, total, m2
