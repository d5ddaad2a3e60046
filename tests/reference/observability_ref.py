"""Obvious loop-based models of histogram buckets and rolling windows."""

from __future__ import annotations


def ref_cumulative_buckets(values: list[float], bounds: list[float]) -> list[int]:
    """Cumulative counts per upper bound (``value <= bound``), then the +Inf total."""
    out = []
    for bound in bounds:
        count = 0
        for v in values:
            if v <= bound:
                count += 1
        out.append(count)
    out.append(len(values))
    return out


def ref_rolling_window(stream: list[float], size: int) -> list[float]:
    """The last ``size`` items of ``stream``, oldest first."""
    window: list[float] = []
    for x in stream:
        window.append(x)
        if len(window) > size:
            window.pop(0)
    return window
