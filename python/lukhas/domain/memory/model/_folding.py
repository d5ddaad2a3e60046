"""The fold engine: near-duplicate clustering through the vector index, and folding by tag."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real
from lukhas.domain.memory.model._items import MemoryFold, MemoryItem, new_memory_id
from lukhas.primitives.vector import FlatIndex

__all__ = ["FoldEngine", "cluster_near_duplicates"]

logger = logging.getLogger(__name__)


def _find(parent: npt.NDArray[np.int64], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i


def cluster_near_duplicates(
    vectors: Any, threshold: float = 0.9, *, neighbours: int = 8
) -> npt.NDArray[np.int64]:
    """Group vectors whose cosine similarity reaches ``threshold`` (transitively).

    The clusters are the connected components of the graph with an edge
    between every pair at or above ``threshold``.  Edges come from exact top-k
    searches on a :class:`~lukhas.primitives.vector.FlatIndex`: rows whose
    ``neighbours``-th match still clears the threshold are searched again with
    twice the width, so no edge is missed and the result equals the all-pairs
    definition.

    Parameters
    ----------
    vectors : array_like of shape (n, dim)
        Non-zero, finite vectors.
    threshold : float, default=0.9
        Cosine similarity in [-1, 1].
    neighbours : int, default=8
        First search width, >= 1.

    Returns
    -------
    labels : ndarray of shape (n,), dtype=int64
        Cluster of each row, numbered 0, 1, ... in order of first row.

    Raises
    ------
    TypeError, ValueError
        Bad vectors (NaN, zero rows, wrong rank) or parameters.

    Examples
    --------
    >>> v = np.array([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0], [0.05, 0.99], [-1.0, 0.0]])
    >>> cluster_near_duplicates(v, threshold=0.95).tolist()
    [0, 0, 1, 1, 2]
    """
    threshold = check_real("threshold", threshold, low=-1.0, high=1.0)
    width = check_int("neighbours", neighbours, low=1)
    arr = check_array("vectors", vectors, ndim=2)
    n = arr.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64)
    index = FlatIndex(arr.shape[1], "cosine")
    index.add(arr)  # validates: finite, non-zero rows; ids are 0..n-1
    parent = np.arange(n, dtype=np.int64)
    rows = np.arange(n)
    while rows.size:
        k = min(width + 1, n)
        found, scores = index.search(arr[rows], k)
        for row, hits, sims in zip(rows.tolist(), found, scores, strict=True):
            for other in hits[sims >= threshold].tolist():
                a, b = _find(parent, row), _find(parent, other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        if k == n:
            break
        rows = rows[scores[:, -1] >= threshold]  # may have more matches than we saw
        width *= 2
    roots = np.array([_find(parent, i) for i in range(n)], dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    return labels.astype(np.int64)


class FoldEngine:
    """Builds :class:`MemoryFold` objects from memory items.

    Parameters
    ----------
    embed : callable, optional
        ``embed(list_of_texts) -> (n, dim) array`` for items without a vector;
        default :class:`~lukhas.domain.memory.model.HashingEmbedder` ``(256)``.
    threshold : float, default=0.9
        Cosine similarity at which two items are near duplicates.

    Examples
    --------
    >>> items = [MemoryItem("a", "the red fox jumps", frozenset({"fox"})),
    ...          MemoryItem("b", "the red fox jumped", frozenset({"fox"})),
    ...          MemoryItem("c", "tax forms are due", frozenset({"admin"}))]
    >>> engine = FoldEngine(threshold=0.6)
    >>> [f.item_ids() for f in engine.fold_by_similarity(items)]
    [['a', 'b'], ['c']]
    >>> sorted((sorted(f.tags), f.item_ids()) for f in engine.fold_by_tag(items))
    [(['admin'], ['c']), (['fox'], ['a', 'b'])]
    """

    def __init__(self, embed: Callable[[list[str]], Any] | None = None,
                 threshold: float = 0.9) -> None:
        if embed is None:
            from lukhas.domain.memory.model._embedding import HashingEmbedder

            embed = HashingEmbedder(256)
        if not callable(embed):
            raise TypeError("`embed` must be callable(list[str]) -> array.")
        self.embed = embed
        self.threshold = check_real("threshold", threshold, low=-1.0, high=1.0)

    @staticmethod
    def text_of(item: Any) -> str:
        """The text an item is compared by: its ``text``, else ``str`` of its content.

        Examples
        --------
        >>> FoldEngine.text_of(MemoryItem("m", {"a": 1})), FoldEngine.text_of(3)
        ("{'a': 1}", '3')
        """
        if isinstance(item, MemoryItem):
            return item.text if item.text is not None else str(item.content)
        return str(item)

    def fold_by_similarity(
        self, items: Iterable[Any], vectors: Any = None
    ) -> list[MemoryFold]:
        """One fold per near-duplicate cluster, in order of each cluster's first item.

        Parameters
        ----------
        items : iterable
            Memory items (or any objects; compared by :meth:`text_of`).
        vectors : array_like of shape (n, dim), optional
            Their embeddings; computed with ``embed`` when absent.

        Returns
        -------
        folds : list of MemoryFold
            Tags are the union of the members' tags.

        Examples
        --------
        See :class:`FoldEngine`.
        """
        members = list(items)
        if not members:
            return []
        if vectors is None:
            vectors = self.embed([self.text_of(item) for item in members])
        labels = cluster_near_duplicates(vectors, self.threshold)
        groups: dict[int, list[Any]] = {}
        for label, item in zip(labels.tolist(), members, strict=True):
            groups.setdefault(label, []).append(item)
        return [MemoryFold(new_memory_id(), group, _union_tags(group))
                for group in groups.values()]

    @staticmethod
    def fold_by_tag(items: Iterable[Any]) -> list[MemoryFold]:
        """One fold per tag holding every item that carries it (items may repeat).

        Parameters
        ----------
        items : iterable of MemoryItem

        Returns
        -------
        folds : list of MemoryFold
            In order of each tag's first appearance.

        Examples
        --------
        See :class:`FoldEngine`.
        """
        groups: dict[str, list[Any]] = {}
        for item in items:
            for tag in sorted(getattr(item, "tags", ())):
                groups.setdefault(tag, []).append(item)
        return [MemoryFold(new_memory_id(), group, frozenset({tag}))
                for tag, group in groups.items()]


def _union_tags(items: list[Any]) -> frozenset[str]:
    tags: set[str] = set()
    for item in items:
        tags.update(getattr(item, "tags", ()))
    return frozenset(tags)
