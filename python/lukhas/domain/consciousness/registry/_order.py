"""Activation order: a priority-aware topological sort, and the cycles that block it.

The order is Kahn's algorithm with a binary heap keyed by ``(priority, id)``: among
the components whose registered dependencies are all placed, the one with the
lowest ``(activation_priority, component_id)`` goes next.  It is the
lexicographically smallest topological order under that key, so a dependency always
precedes its dependents whatever their priorities, and the result does not depend on
registration order.  Dependencies on ids that are not registered are ignored.
Components that Kahn's algorithm cannot place (members of a dependency cycle and
everything downstream of one) are appended after the others in ``(priority, id)``
order, so every registered id appears exactly once.  The cycles themselves are the
strongly connected components of the unplaced subgraph (Tarjan, iterative), reported
with their members.

Cost: ``O((V + E) log V)`` for the order, ``O(V + E)`` for the cycles.

Examples
--------
>>> order, blocked = activation_order({"base": 30, "mid": 20, "top": 10},
...                                   {"mid": ["base"], "top": ["mid"]})
>>> order, blocked
(['base', 'mid', 'top'], [])
>>> dependency_cycles({"a": 1, "b": 1, "c": 0}, {"a": ["b"], "b": ["a"], "c": ["a"]})
[['a', 'b']]
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

__all__ = ["activation_order", "dependency_cycles"]


def _edges(
    priorities: Mapping[str, int], dependencies: Mapping[str, Iterable[str]]
) -> dict[str, list[str]]:
    """dependency -> dependents, over registered ids only, without repeated edges."""
    dependents: dict[str, list[str]] = {cid: [] for cid in priorities}
    for cid, deps in dependencies.items():
        if cid not in priorities:
            continue
        for dep in set(deps):
            if dep in dependents:
                dependents[dep].append(cid)
    return dependents


def activation_order(
    priorities: Mapping[str, int], dependencies: Mapping[str, Iterable[str]]
) -> tuple[list[str], list[str]]:
    """Order components so that dependencies come first, lower priority values earlier.

    Parameters
    ----------
    priorities : mapping of str to int
        ``component_id -> activation_priority`` for every registered component.
    dependencies : mapping of str to iterable of str
        ``component_id -> ids it depends on``; ids missing from `priorities` are
        ignored, as are entries for unregistered components.

    Returns
    -------
    order : list of str
        Every registered id exactly once: the resolvable ones in priority-aware
        topological order, then the `blocked` ones.
    blocked : list of str
        The ids caught in a dependency cycle or downstream of one, in
        ``(priority, id)`` order (the tail of `order`).

    Examples
    --------
    >>> activation_order({"fast": 5, "slow": 100, "dependent": 1}, {"dependent": ["slow"]})[0]
    ['fast', 'slow', 'dependent']
    """
    dependents = _edges(priorities, dependencies)
    indegree = dict.fromkeys(priorities, 0)
    for targets in dependents.values():
        for cid in targets:
            indegree[cid] += 1
    heap = [(priorities[cid], cid) for cid, n in indegree.items() if n == 0]
    heapq.heapify(heap)
    order: list[str] = []
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        _, cid = pop(heap)
        order.append(cid)
        for nxt in dependents[cid]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                push(heap, (priorities[nxt], nxt))
    if len(order) == len(priorities):
        return order, []
    placed = set(order)
    blocked = sorted((cid for cid in priorities if cid not in placed),
                     key=lambda c: (priorities[c], c))
    return order + blocked, blocked


def dependency_cycles(
    priorities: Mapping[str, int], dependencies: Mapping[str, Iterable[str]]
) -> list[list[str]]:
    """The dependency cycles among registered components, each with its members.

    Parameters
    ----------
    priorities : mapping of str to int
        ``component_id -> activation_priority`` for every registered component.
    dependencies : mapping of str to iterable of str
        ``component_id -> ids it depends on`` (unregistered ids ignored).

    Returns
    -------
    cycles : list of list of str
        One entry per strongly connected component that holds a cycle (two or more
        members, or one that depends on itself); members sorted by id, cycles sorted
        by their first member.

    Examples
    --------
    >>> dependency_cycles({"x": 0}, {"x": ["x"]})
    [['x']]
    """
    dependents = _edges(priorities, dependencies)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in priorities:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, i = work[-1]
            succ = dependents[node]
            if i < len(succ):
                work[-1] = (node, i + 1)
                nxt = succ[i]
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    members.append(top)
                    if top == node:
                        break
                if len(members) > 1 or node in dependents[node]:
                    found.append(sorted(members))
    return sorted(found)
