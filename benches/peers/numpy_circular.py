"""The straightforward numpy circular buffer most codebases hand-roll.

It is the fair "plain numpy" peer for :class:`lukhas.core.ring.RingBuffer`:
slice assignment for bulk writes (at most two slices), ``np.concatenate`` of
the two segments for reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


class NumpyCircularBuffer:
    def __init__(self, capacity: int, dtype: npt.DTypeLike = np.float64) -> None:
        self.buf = np.empty(capacity, dtype=dtype)
        self.capacity = capacity
        self.head = 0  # index of the oldest item
        self.size = 0

    def append(self, x: Any) -> None:
        tail = (self.head + self.size) % self.capacity
        self.buf[tail] = x
        if self.size < self.capacity:
            self.size += 1
        else:
            self.head = (self.head + 1) % self.capacity

    def extend(self, values: npt.NDArray[Any]) -> None:
        m = len(values)
        cap = self.capacity
        if m >= cap:
            self.buf[:] = values[m - cap :]
            self.head, self.size = 0, cap
            return
        tail = (self.head + self.size) % cap
        first = min(m, cap - tail)
        self.buf[tail : tail + first] = values[:first]
        self.buf[: m - first] = values[first:]
        overflow = max(0, self.size + m - cap)
        self.head = (self.head + overflow) % cap
        self.size = min(cap, self.size + m)

    def latest(self, n: int) -> npt.NDArray[Any]:
        start = (self.head + self.size - n) % self.capacity
        if start + n <= self.capacity:
            return self.buf[start : start + n].copy()
        return np.concatenate((self.buf[start:], self.buf[: start + n - self.capacity]))
