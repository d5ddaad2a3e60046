"""``CausalGraph``: which memories led to which, kept acyclic."""

from __future__ import annotations

from collections import deque

from lukhas._validation import check_int, check_real, check_str

__all__ = ["CausalGraph"]


class CausalGraph:
    """A directed acyclic graph of cause -> effect links between memory ids.

    Links carry a strength in (0, 1].  A link that would close a cycle is
    refused (an effect cannot cause its own cause).

    Examples
    --------
    >>> g = CausalGraph()
    >>> g.link("rain", "wet street"); g.link("wet street", "slip", 0.4)
    >>> g.effects("rain"), g.ancestors("slip")
    ({'wet street': 1.0}, ['wet street', 'rain'])
    >>> g.link("slip", "rain")
    Traceback (most recent call last):
    ...
    ValueError: link 'slip' -> 'rain' would close a cycle ('rain' already leads to 'slip').
    """

    def __init__(self) -> None:
        self._effects: dict[str, dict[str, float]] = {}
        self._causes: dict[str, dict[str, float]] = {}

    def __len__(self) -> int:
        """Number of links."""
        return sum(len(out) for out in self._effects.values())

    def __contains__(self, node: object) -> bool:
        return node in self._effects or node in self._causes

    def link(self, cause: str, effect: str, strength: float = 1.0) -> None:
        """Add (or re-weight) the link ``cause -> effect``.

        Raises
        ------
        TypeError
            For non-str ids.
        ValueError
            For a self-link, a strength outside (0, 1], or a cycle.

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b", 0.5); g.link("a", "b", 0.9); g.effects("a")
        {'b': 0.9}
        """
        check_str("cause", cause)
        check_str("effect", effect)
        strength = check_real("strength", strength, low=0.0, high=1.0, low_inclusive=False)
        if cause == effect:
            raise ValueError(f"a memory cannot cause itself ({cause!r}).")
        if cause in self.descendants(effect):
            raise ValueError(f"link {cause!r} -> {effect!r} would close a cycle "
                             f"({effect!r} already leads to {cause!r}).")
        self._effects.setdefault(cause, {})[effect] = strength
        self._causes.setdefault(effect, {})[cause] = strength

    def unlink_node(self, node: str) -> None:
        """Remove ``node`` and every link touching it (no-op when absent).

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b"); g.unlink_node("b"); len(g)
        0
        """
        for effect in self._effects.pop(node, {}):
            self._causes[effect].pop(node, None)
        for cause in self._causes.pop(node, {}):
            self._effects[cause].pop(node, None)

    def effects(self, node: str) -> dict[str, float]:
        """Direct effects of ``node`` with their strengths.

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b"); g.effects("a"), g.effects("b")
        ({'b': 1.0}, {})
        """
        return dict(self._effects.get(node, {}))

    def causes(self, node: str) -> dict[str, float]:
        """Direct causes of ``node`` with their strengths.

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b"); g.causes("b")
        {'a': 1.0}
        """
        return dict(self._causes.get(node, {}))

    def _walk(self, start: str, edges: dict[str, dict[str, float]],
              max_depth: int | None) -> list[str]:
        limit = None if max_depth is None else check_int("max_depth", max_depth, low=0)
        seen = {start}
        order: list[str] = []
        frontier = deque([(start, 0)])
        while frontier:
            node, depth = frontier.popleft()
            if limit is not None and depth >= limit:
                continue
            for nxt in edges.get(node, {}):
                if nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    frontier.append((nxt, depth + 1))
        return order

    def ancestors(self, node: str, max_depth: int | None = None) -> list[str]:
        """Every transitive cause of ``node``, nearest first (breadth-first).

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b"); g.link("b", "c"); g.ancestors("c", max_depth=1)
        ['b']
        """
        return self._walk(node, self._causes, max_depth)

    def descendants(self, node: str, max_depth: int | None = None) -> list[str]:
        """Every transitive effect of ``node``, nearest first (breadth-first).

        Examples
        --------
        >>> g = CausalGraph(); g.link("a", "b"); g.link("b", "c"); g.descendants("a")
        ['b', 'c']
        """
        return self._walk(node, self._effects, max_depth)
