"""Obvious model of the registry's activation order (the contract's rules, spelled out).

Repeatedly scan every unplaced component and place the one with the smallest
``(priority, id)`` whose registered dependencies are all placed; when none is ready,
append the rest in ``(priority, id)`` order.  O(V^2 * deps), no heap, no indegrees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def ref_activation_order(
    priorities: Mapping[str, int], dependencies: Mapping[str, Sequence[str]]
) -> list[str]:
    placed: list[str] = []
    done: set[str] = set()
    while len(placed) < len(priorities):
        ready = [c for c in priorities if c not in done
                 and all(d in done or d not in priorities for d in dependencies.get(c, ()))]
        if not ready:
            rest = sorted((c for c in priorities if c not in done),
                          key=lambda c: (priorities[c], c))
            return placed + rest
        best = min(ready, key=lambda c: (priorities[c], c))
        placed.append(best)
        done.add(best)
    return placed


def ref_cycles(
    priorities: Mapping[str, int], dependencies: Mapping[str, Sequence[str]]
) -> list[list[str]]:
    """Cycles as sets of mutually reachable ids (reachability by DFS from every node)."""
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [d for d in dependencies.get(start, ()) if d in priorities]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(d for d in dependencies.get(node, ()) if d in priorities)
        return seen

    reachable = {c: reach(c) for c in priorities}
    groups: set[tuple[str, ...]] = set()
    for c in priorities:
        if c in reachable[c]:
            groups.add(tuple(sorted(o for o in reachable[c] if c in reachable[o])))
    return sorted(list(g) for g in groups)
