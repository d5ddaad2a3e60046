"""The per-pair dict vector clock most codebases hand-roll.

It is the fair pure-Python peer for :class:`core.clock.VectorClock`: one dict
``{node: counter}`` per clock, missing nodes count as zero, comparisons walk
both dicts once and return the same int codes as ``core.clock.Ordering``
(0 EQUAL, 1 BEFORE, 2 AFTER, 3 CONCURRENT) without building enum members.
"""

from __future__ import annotations

from typing import Any


class DictVectorClock:
    __slots__ = ("counts", "node")

    def __init__(self, node: Any, counts: dict[Any, int] | None = None) -> None:
        self.node = node
        self.counts: dict[Any, int] = dict(counts or {})

    def increment(self) -> int:
        value = self.counts.get(self.node, 0) + 1
        self.counts[self.node] = value
        return value

    def merge(self, other: DictVectorClock) -> None:
        mine = self.counts
        for node, value in other.counts.items():
            if value > mine.get(node, 0):
                mine[node] = value

    def compare(self, other: DictVectorClock) -> int:
        a, b = self.counts, other.counts
        less = greater = False
        for node, x in a.items():
            y = b.get(node, 0)
            if x < y:
                less = True
            elif x > y:
                greater = True
        for node, y in b.items():
            if y and node not in a:
                less = True
        return int(less) | (int(greater) << 1)
