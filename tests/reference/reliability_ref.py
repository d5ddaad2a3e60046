"""Obvious models of the reliability rules: percentiles and the breaker state machine."""

from __future__ import annotations

import math


def ref_percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default) on a sorted copy."""
    data = sorted(values)
    if not data:
        raise ValueError("empty")
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


class RefBreaker:
    """The contract's breaker, spelled out: window of outcomes, open, half-open, close."""

    def __init__(self, threshold: float, min_requests: int, window: int, recovery: float) -> None:
        self.threshold = threshold
        self.min_requests = min_requests
        self.window = window
        self.recovery = recovery
        self.outcomes: list[bool] = []  # True = failure
        self.state = "closed"
        self.opened_at = 0.0

    def state_at(self, now: float) -> str:
        if self.state == "open" and now - self.opened_at >= self.recovery:
            self.state = "half_open"
        return self.state

    def call(self, now: float, fails: bool) -> str:
        """Return "rejected", "failed" or "ok"."""
        state = self.state_at(now)
        if state == "open":
            return "rejected"
        if state == "half_open":
            if fails:
                self.state, self.opened_at = "open", now
                return "failed"
            self.state, self.outcomes = "closed", []
            return "ok"
        self.outcomes.append(fails)
        self.outcomes = self.outcomes[-self.window :]
        if len(self.outcomes) >= self.min_requests:
            rate = sum(self.outcomes) / len(self.outcomes)
            if rate >= self.threshold:
                self.state, self.opened_at = "open", now
        return "failed" if fails else "ok"
