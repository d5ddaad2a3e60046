"""Pure-Python clocks: the obvious implementations the compiled clocks must match.

Vector clocks are plain dicts ``{node: counter}`` (missing nodes count as zero);
ordering codes follow ``core.clock.Ordering``: 0 EQUAL, 1 BEFORE, 2 AFTER,
3 CONCURRENT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

EQUAL, BEFORE, AFTER, CONCURRENT = 0, 1, 2, 3


def ref_compare(a: Mapping[Any, int], b: Mapping[Any, int]) -> int:
    """Ordering code of dict clock ``a`` against ``b``."""
    less = greater = False
    for node in set(a) | set(b):
        x, y = a.get(node, 0), b.get(node, 0)
        if x < y:
            less = True
        elif x > y:
            greater = True
    if less and greater:
        return CONCURRENT
    if less:
        return BEFORE
    if greater:
        return AFTER
    return EQUAL


def ref_merge(a: Mapping[Any, int], b: Mapping[Any, int]) -> dict[Any, int]:
    """Component-wise maximum of two dict clocks (zero entries dropped)."""
    out = {}
    for node in list(a) + [n for n in b if n not in a]:
        value = max(a.get(node, 0), b.get(node, 0))
        if value:
            out[node] = value
    return out


def ref_leq(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether row ``a`` is component-wise at most row ``b``."""
    return all(x <= y for x, y in zip(a, b, strict=True))


def ref_compare_rows(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> list[int]:
    """Ordering codes of matrix rows (``b`` may hold a single row)."""
    rows_b = list(b) * len(a) if len(b) == 1 else list(b)
    return [
        ref_compare(dict(enumerate(x)), dict(enumerate(y))) for x, y in zip(a, rows_b, strict=True)
    ]


def ref_merge_rows(a: Sequence[Sequence[int]], b: Sequence[Sequence[int]]) -> list[list[int]]:
    """Row-wise maximum of two matrices (``b`` may hold a single row)."""
    rows_b = list(b) * len(a) if len(b) == 1 else list(b)
    return [[max(x, y) for x, y in zip(r, s, strict=True)] for r, s in zip(a, rows_b, strict=True)]


def ref_causal_order(rows: Sequence[Sequence[int]]) -> list[int]:
    """The documented order of ``causal_order``: by (sum, row, index)."""
    return sorted(range(len(rows)), key=lambda i: (sum(rows[i]), tuple(rows[i]), i))


def is_linear_extension(rows: Sequence[Sequence[int]], order: Sequence[int]) -> bool:
    """Whether no row appears after a row that happened strictly after it."""
    if sorted(order) != list(range(len(rows))):
        return False
    for i in range(len(order)):
        for j in range(i + 1, len(order)):
            later, earlier = rows[order[i]], rows[order[j]]
            if ref_leq(earlier, later) and list(earlier) != list(later):
                return False
    return True


def ref_dominated_mask(rows: Sequence[Sequence[int]]) -> list[bool]:
    """Rows strictly below some other row, by checking every pair."""
    return [
        any(ref_leq(r, s) and list(r) != list(s) for s in rows)
        for r in rows
    ]


class RefHLC:
    """Kulkarni et al. (2014), Figure 5, with the physical clock passed in."""

    def __init__(self) -> None:
        self.l = 0
        self.c = 0

    def send(self, pt: int) -> tuple[int, int]:
        old = self.l
        self.l = max(old, pt)
        self.c = self.c + 1 if self.l == old else 0
        return self.l, self.c

    def receive(self, pt: int, lm: int, cm: int) -> tuple[int, int]:
        old = self.l
        self.l = max(old, lm, pt)
        if self.l == old and self.l == lm:
            self.c = max(self.c, cm) + 1
        elif self.l == old:
            self.c += 1
        elif self.l == lm:
            self.c = cm + 1
        else:
            self.c = 0
        return self.l, self.c
