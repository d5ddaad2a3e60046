"""Pure-Python rings: the obvious implementations the compiled rings must match."""

from __future__ import annotations

from typing import Any


class RefRing:
    """A bounded FIFO on a plain list: append at the end, evict from the front."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: list[Any] = []

    def push(self, item: Any) -> None:
        self.items.append(item)
        if len(self.items) > self.capacity:
            del self.items[0]

    def extend(self, items: list[Any]) -> None:
        for item in items:
            self.push(item)

    def pop(self) -> Any:
        return self.items.pop()

    def popleft(self) -> Any:
        return self.items.pop(0)

    def latest(self, n: int) -> list[Any]:
        return self.items[len(self.items) - n :]

    def __len__(self) -> int:
        return len(self.items)


class RefDecimatingRing(RefRing):
    """The contract's backpressure policy, step by step, on a plain list."""

    def __init__(
        self,
        capacity: int,
        pressure_threshold: float = 0.8,
        decimation_factor: int = 2,
        decimation_strategy: str = "skip_nth",
    ) -> None:
        super().__init__(capacity)
        self.thr = pressure_threshold
        self.f = decimation_factor
        self.strategy = decimation_strategy
        self.total_pushes = 0
        self.total_drops = 0
        self.decimation_events = 0
        self.last_util = 0.0

    def push(self, item: Any) -> None:
        self.total_pushes += 1
        u = len(self.items) / self.capacity
        if u >= self.thr:
            if self.strategy == "skip_nth":
                drop = self.total_pushes % self.f != 0
            elif self.strategy == "adaptive":
                r = (u - self.thr) / (1 - self.thr) if self.thr < 1 else 0.0
                eff = max(2, int(self.f * (1 + 2 * r)))
                drop = self.total_pushes % eff != 0
            else:
                drop = False
            if drop:
                self.total_drops += 1
                return
        super().push(item)
        n = len(self.items)
        if n >= self.capacity and n >= 2:
            if self.strategy == "keep_recent":
                self.items = self.items[n - n // 2 :]
            else:
                self.items = self.items[:: self.f]
            self.decimation_events += 1
            self.last_util = len(self.items) / self.capacity
