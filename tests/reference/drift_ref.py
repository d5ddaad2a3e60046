"""Slow, obvious references for ``lukhas.core.drift`` (and the detectors built on it).

Each function recomputes from the raw prefix with plain loops; none shares code
with the library.
"""

from __future__ import annotations

import itertools
import math
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
    segment's samples (a batch mean), not updated incrementally.  The extremes
    follow river's definition: ``U_t`` is the minimum of ``up_1..up_t``, ``D_t`` the
    maximum of ``-1, down_1..down_t``.
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
        ups.append(fading * prev_up + (x - mean_t) - delta)
        downs.append(fading * prev_down + (x - mean_t) + delta)
        stat_up = ups[-1] - min(ups)  # the minimum over the samples only
        stat_down = max([-1.0, *downs]) - downs[-1]  # the maximum starts at -1
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

    The same cut rule as the library (river's bound, ``L = ln(2 ln W / delta)``),
    tested at every position instead of bucket boundaries, once the window holds
    more than ``grace`` samples; drops the oldest *sample* per cut.
    """
    window: list[float] = []
    out: list[tuple[bool, int]] = []
    for t, x in enumerate(xs, start=1):
        window.append(x)
        alarm = False
        if t % clock == 0:
            while len(window) > grace and _exact_cut(window, delta, min_window):
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
        m = 1.0 / (n0 - min_window + 1.0) + 1.0 / (n1 - min_window + 1.0)
        eps = math.sqrt(2.0 * m * variance * log_term) + 2.0 / 3.0 * log_term * m
        if abs(sum(window[:n0]) / n0 - sum(window[n0:]) / n1) > eps:
            return True
    return False


class RefADWIN:
    """ADWIN in plain Python: the exponential histogram as lists of (sum, m2) buckets.

    Written from the description of river's ADWIN (MOA's variant of Bifet and
    Gavalda's ADWIN2): level ``i`` holds buckets of ``2**i`` samples, oldest first;
    a level holding ``max_buckets + 1`` merges its two oldest into the next level.
    Every ``clock`` samples, once the window holds more than ``grace`` samples, the
    cuts between buckets are tested oldest first with the bound ``eps = sqrt(2 m v
    d) + 2/3 d m`` (``m = 1/(n0 - w + 1) + 1/(n1 - w + 1)``, ``w = min_window``, ``v``
    the window variance, ``d = ln(2 ln W / delta)``); while a cut is significant the
    oldest bucket is dropped and the moments are downdated.  The floating-point
    operations are those of the library kernel, in the same order.
    """

    def __init__(
        self, delta: float, *, clock: int, max_buckets: int, min_window: int, grace: int
    ) -> None:
        self.delta, self.clock, self.max_buckets = delta, clock, max_buckets
        self.min_window, self.grace = min_window, grace
        self.levels: list[list[tuple[float, float]]] = []
        self.width = 0
        self.total = 0.0
        self.m2 = 0.0
        self.ticks = 0
        self.n_detections = 0

    @property
    def n_buckets(self) -> int:
        return sum(len(level) for level in self.levels)

    def update(self, value: float) -> bool:
        width = float(self.width + 1)
        increment = 0.0
        if width > 1.0:
            dv = value - self.total / (width - 1.0)
            increment = (width - 1.0) * dv * dv / width
        self.m2 += increment
        self.total += value
        self.width += 1
        if not self.levels:
            self.levels.append([])
        self.levels[0].append((value, 0.0))
        level = 0
        while len(self.levels[level]) == self.max_buckets + 1:
            size = float(1 << level)
            (t0, v0), (t1, v1) = self.levels[level][:2]
            del self.levels[level][:2]
            mu1, mu2 = t0 / size, t1 / size
            merged = (t0 + t1, v0 + v1 + size * 0.5 * (mu1 - mu2) * (mu1 - mu2))
            if level + 1 == len(self.levels):
                self.levels.append([])
            self.levels[level + 1].append(merged)
            if len(self.levels[level + 1]) <= self.max_buckets:
                break
            level += 1
        self.ticks += 1
        shrank = False
        if self.ticks % self.clock == 0 and self.width > self.grace:
            while self._significant_cut():
                shrank = True
                self._drop_oldest()
        self.n_detections += shrank
        return shrank

    def _significant_cut(self) -> bool:
        width = float(self.width)
        w = float(self.min_window)
        d = math.log(2.0 * math.log(width) / self.delta)
        variance = self.m2 / width
        buckets = [(float(1 << level), t) for level in range(len(self.levels) - 1, -1, -1)
                   for t, _ in self.levels[level]]
        n0, n1, u0, u1 = 0.0, width, 0.0, self.total
        for size, t in buckets[:-1]:  # the cut after the newest bucket splits nothing
            n0 += size
            n1 -= size
            u0 += t
            u1 -= t
            if n0 >= w and n1 >= w:
                m = 1.0 / (n0 - w + 1.0) + 1.0 / (n1 - w + 1.0)
                radicand = 2.0 * m * variance * d
                # as in river, a downdated variance rounded below zero gives a NaN bound
                root = math.sqrt(radicand) if radicand >= 0.0 else math.nan
                eps = root + 2.0 / 3.0 * d * m
                if abs(u0 / n0 - u1 / n1) > eps:
                    return True
        return False

    def _drop_oldest(self) -> None:
        top = len(self.levels) - 1
        n = float(1 << top)
        u, v = self.levels[top].pop(0)
        mu = u / n
        width = float(self.width) - n
        self.total -= u
        mu_window = self.total / width
        self.m2 -= v + n * width * (mu - mu_window) * (mu - mu_window) / (n + width)
        self.width = int(width)
        if not self.levels[top]:
            self.levels.pop()
