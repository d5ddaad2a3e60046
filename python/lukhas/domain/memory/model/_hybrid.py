"""``MemoryFoldSystem`` (items by id and tag) and ``HybridMemoryFold`` (plus vector search)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.domain.memory.model._causal import CausalGraph
from lukhas.domain.memory.model._embedding import HashingEmbedder
from lukhas.domain.memory.model._folding import FoldEngine
from lukhas.domain.memory.model._items import MemoryFold, MemoryItem, MemoryType, new_memory_id
from lukhas.domain.memory.model._protocol import MemoryBackend

__all__ = ["HybridMemoryFold", "MemoryFoldSystem", "create_hybrid_memory_fold"]

logger = logging.getLogger(__name__)


def _check_tags(tags: Iterable[str] | None) -> frozenset[str]:
    if tags is None:
        return frozenset()
    if isinstance(tags, str):
        return frozenset({tags})
    out = frozenset(tags)
    bad = [t for t in out if not isinstance(t, str)]
    if bad:
        raise TypeError(f"`tags` must be strings, got {describe(bad[0])}.")
    return out


class MemoryFoldSystem:
    """Memory items by id and by tag, folded on demand.

    Examples
    --------
    >>> import asyncio
    >>> system = MemoryFoldSystem()
    >>> mid = system.add("met Ada at the lab", tags={"people", "lab"})
    >>> [m.content for m in asyncio.run(system.fold_out_by_tag("lab"))]
    ['met Ada at the lab']
    >>> system.fold("people").item_ids() == [mid]
    True
    """

    def __init__(self) -> None:
        self._items: dict[str, MemoryItem] = {}
        self._by_tag: dict[str, set[str]] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, memory_id: object) -> bool:
        return memory_id in self._items

    def add(
        self,
        content: Any,
        tags: Iterable[str] | None = None,
        *,
        memory_type: MemoryType | str = MemoryType.EPISODIC,
        importance: float = 0.5,
        text: str | None = None,
        memory_id: str | None = None,
    ) -> str:
        """Store one memory; return its id.

        Parameters
        ----------
        content : object
        tags : iterable of str or str, optional
        memory_type : MemoryType or str, default=EPISODIC
            A member or its value (``"semantic"``).
        importance : float, default=0.5
            In [0, 1].
        text : str, optional
            Text form of the memory (used for embeddings by subclasses).
        memory_id : str, optional
            Explicit id; a fresh one by default.

        Raises
        ------
        TypeError, ValueError
            Bad tags, type, importance, or an id already stored.

        Examples
        --------
        >>> system = MemoryFoldSystem()
        >>> system.add("x", tags="t", memory_id="m1"), system.get("m1").tags
        ('m1', frozenset({'t'}))
        """
        item = self._make_item(content, tags, memory_type, importance, text, memory_id)
        with self._lock:
            self._store(item)
        return item.id

    def _make_item(self, content: Any, tags: Iterable[str] | None, memory_type: Any,
                   importance: float, text: str | None, memory_id: str | None) -> MemoryItem:
        if isinstance(memory_type, str):
            try:
                memory_type = MemoryType(memory_type.lower())
            except ValueError:
                raise ValueError(f"`memory_type` must be one of "
                                 f"{[t.value for t in MemoryType]}, got {memory_type!r}.") from None
        if not isinstance(memory_type, MemoryType):
            raise TypeError(f"`memory_type` must be a MemoryType or its name, "
                            f"got {describe(memory_type)}.")
        check_str("text", text, allow_none=True)
        ident = new_memory_id() if memory_id is None else check_str("memory_id", memory_id)
        if ident in self._items:
            raise ValueError(f"`memory_id` {ident!r} is already stored.")
        return MemoryItem(ident, content, _check_tags(tags), memory_type,
                          check_real("importance", importance, low=0.0, high=1.0), text)

    def _store(self, item: MemoryItem) -> None:
        self._items[item.id] = item
        for tag in item.tags:
            self._by_tag.setdefault(tag, set()).add(item.id)

    def get(self, memory_id: str) -> MemoryItem:
        """The item stored under ``memory_id`` (KeyError if none).

        Examples
        --------
        >>> system = MemoryFoldSystem(); mid = system.add({"k": 1})
        >>> system.get(mid).content
        {'k': 1}
        """
        try:
            return self._items[memory_id]
        except KeyError:
            raise KeyError(f"memory {memory_id!r} is not stored.") from None

    def remove(self, memory_id: str) -> None:
        """Forget one memory (KeyError if it is not stored).

        Examples
        --------
        >>> system = MemoryFoldSystem(); mid = system.add("x"); system.remove(mid); len(system)
        0
        """
        with self._lock:
            item = self.get(memory_id)
            self._forget(item)

    def _forget(self, item: MemoryItem) -> None:
        del self._items[item.id]
        for tag in item.tags:
            members = self._by_tag[tag]
            members.discard(item.id)
            if not members:
                del self._by_tag[tag]

    def items(self) -> list[MemoryItem]:
        """Every stored item, oldest first.

        Examples
        --------
        >>> system = MemoryFoldSystem(); _ = system.add("a"); _ = system.add("b")
        >>> [item.content for item in system.items()]
        ['a', 'b']
        """
        with self._lock:
            return sorted(self._items.values(), key=lambda item: item.created_at)

    def with_tag(self, tag: str) -> list[MemoryItem]:
        """Items carrying ``tag``, oldest first.

        Examples
        --------
        >>> system = MemoryFoldSystem(); _ = system.add("a", tags="t"); _ = system.add("b")
        >>> [item.content for item in system.with_tag("t")]
        ['a']
        """
        with self._lock:
            found = [self._items[i] for i in self._by_tag.get(tag, ())]
        return sorted(found, key=lambda item: item.created_at)

    def tags(self) -> dict[str, int]:
        """Every tag with its number of items.

        Examples
        --------
        >>> system = MemoryFoldSystem(); _ = system.add("a", tags=["t", "u"])
        >>> system.tags() == {"t": 1, "u": 1}
        True
        """
        with self._lock:
            return {tag: len(ids) for tag, ids in self._by_tag.items()}

    def fold(self, tag: str) -> MemoryFold:
        """A fold of every item carrying ``tag``.

        Examples
        --------
        >>> system = MemoryFoldSystem(); _ = system.add("a", tags="t"); len(system.fold("t"))
        1
        """
        return MemoryFold(new_memory_id(), list(self.with_tag(tag)), frozenset({tag}))

    async def fold_out_by_tag(self, tag: str) -> list[MemoryItem]:
        """Items carrying ``tag`` (each access is counted), oldest first.

        Examples
        --------
        >>> import asyncio
        >>> system = MemoryFoldSystem(); _ = system.add("a", tags="t")
        >>> [m.access_count for m in asyncio.run(system.fold_out_by_tag("t"))]
        [1]
        """
        found = self.with_tag(tag)
        for item in found:
            item.touch()
        return found


class HybridMemoryFold(MemoryFoldSystem):
    """Tagged memories plus vector search, attention re-ranking, feedback and causal links.

    Search delegates to a :class:`~lukhas.domain.memory.model.MemoryBackend` (by default an
    exact cosine :class:`~lukhas.primitives.vector.FlatIndex`; pass an
    ``HNSWIndex`` or a store for large memories).

    Parameters
    ----------
    embedding_dim : int, default=256
        Width of the embeddings, >= 8.
    enable_attention : bool, default=True
        Default of ``use_attention`` in :meth:`fold_out_semantic`.
    enable_continuous_learning : bool, default=True
        Whether :meth:`update_memory_importance` changes importances.
    backend : MemoryBackend, optional
        Vector store with ``dim == embedding_dim``; it must be empty.
    embedder : callable, optional
        ``embedder(list_of_texts) -> (n, embedding_dim)``; default
        :class:`HashingEmbedder`.
    learning_rate : float, default=0.1
        Step of importance updates, in (0, 1].
    attention_temperature : float, default=0.1
        Softmax temperature over the similarities of the candidates, > 0.

    Attributes
    ----------
    causal_graph : CausalGraph
        Cause -> effect links between memory ids.

    Examples
    --------
    >>> import asyncio
    >>> mem = HybridMemoryFold(embedding_dim=64)
    >>> async def demo():
    ...     a = await mem.fold_in_with_embedding("tea", tags=["drink"],
    ...                                          text_content="green tea with jasmine")
    ...     b = await mem.fold_in_with_embedding("coffee", tags=["drink"],
    ...                                          text_content="black coffee, no sugar")
    ...     hits = await mem.fold_out_semantic("jasmine tea", top_k=1)
    ...     return [item.content for item, _ in hits]
    >>> asyncio.run(demo())
    ['tea']
    """

    def __init__(
        self,
        embedding_dim: int = 256,
        enable_attention: bool = True,
        enable_continuous_learning: bool = True,
        *,
        backend: MemoryBackend | None = None,
        embedder: Callable[[list[str]], Any] | None = None,
        learning_rate: float = 0.1,
        attention_temperature: float = 0.1,
    ) -> None:
        super().__init__()
        self.embedding_dim = check_int("embedding_dim", embedding_dim, low=8)
        self.enable_attention = bool(enable_attention)
        self.enable_continuous_learning = bool(enable_continuous_learning)
        self.learning_rate = check_real("learning_rate", learning_rate, low=0.0, high=1.0,
                                        low_inclusive=False)
        self.attention_temperature = check_real("attention_temperature", attention_temperature,
                                                low=0.0, low_inclusive=False)
        if backend is None:
            from lukhas.primitives.vector import FlatIndex

            backend = FlatIndex(self.embedding_dim, "cosine")
        if not isinstance(backend, MemoryBackend):
            raise TypeError(f"`backend` must implement MemoryBackend, got {describe(backend)}.")
        if backend.dim != self.embedding_dim or len(backend):
            raise ValueError(f"`backend` must be empty with dim {self.embedding_dim}, got "
                             f"dim {backend.dim} holding {len(backend)} vectors.")
        self.backend = backend
        self.embedder = embedder if embedder is not None else HashingEmbedder(self.embedding_dim)
        self.causal_graph = CausalGraph()
        self._key_of: dict[str, int] = {}
        self._id_of_key: dict[int, str] = {}
        self._next_key = 0
        self._searches = 0

    def _embedding_of(self, text: str, embedding: Any) -> npt.NDArray[np.float32]:
        if embedding is None:
            vector = np.asarray(self.embedder([text]), dtype=np.float32).reshape(-1)
        else:
            vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.embedding_dim:
            raise ValueError(f"`embedding` must have {self.embedding_dim} values, "
                             f"got {vector.shape[0]}.")
        return vector

    async def fold_in_with_embedding(
        self,
        data: Any,
        tags: Iterable[str] | None = None,
        text_content: str | None = None,
        *,
        embedding: Any = None,
        memory_type: MemoryType | str = MemoryType.SEMANTIC,
        importance: float = 0.5,
        causes: Iterable[str] = (),
        memory_id: str | None = None,
        **extra: Any,
    ) -> str:
        """Store a memory and its embedding; return the memory id.

        Parameters
        ----------
        data : object
            The memory.
        tags : iterable of str, optional
        text_content : str, optional
            Text to embed; ``str(data)`` by default.
        embedding : array_like of shape (embedding_dim,), optional
            Use this vector instead of embedding the text.
        memory_type : MemoryType or str, default=SEMANTIC
        importance : float, default=0.5
        causes : iterable of str, default=()
            Stored memory ids this one follows from (linked in ``causal_graph``).
        memory_id : str, optional
        **extra
            Other keywords LUKHAS callers pass (``image_content``,
            ``audio_content``, ...) are kept in the item's ``metadata``.

        Returns
        -------
        memory_id : str

        Raises
        ------
        TypeError, ValueError
            Bad arguments, a wrong-width or non-finite embedding, unknown causes;
            nothing is stored then.

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=16)
        >>> mid = asyncio.run(mem.fold_in_with_embedding({"note": "hi"}, tags=["t"],
        ...                                              text_content="hi there"))
        >>> mem.get(mid).text, len(mem.backend)
        ('hi there', 1)
        """
        text = str(data) if text_content is None else text_content
        item = self._make_item(data, tags, memory_type, importance, text, memory_id)
        item.metadata.update(extra)
        vector = self._embedding_of(text, embedding)
        causes = list(causes)
        with self._lock:
            unknown = [c for c in causes if c not in self._items]
            if unknown:
                raise KeyError(f"causes {unknown[:3]} are not stored memories.")
            key = self._next_key
            self.backend.add(vector[None, :], [key])
            self._next_key += 1
            self._key_of[item.id], self._id_of_key[key] = key, item.id
            self._store(item)
            for cause in causes:
                self.causal_graph.link(cause, item.id)
        return item.id

    def remove(self, memory_id: str) -> None:
        """Forget one memory, its vector and its causal links (KeyError if not stored).

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=16)
        >>> mid = asyncio.run(mem.fold_in_with_embedding("x"))
        >>> mem.remove(mid); len(mem), len(mem.backend)
        (0, 0)
        """
        with self._lock:
            item = self.get(memory_id)
            key = self._key_of.pop(memory_id, None)
            if key is not None:
                self.backend.remove([key])
                del self._id_of_key[key]
            self.causal_graph.unlink_node(memory_id)
            self._forget(item)

    def search(self, query: Any, top_k: int = 5) -> list[tuple[MemoryItem, float]]:
        """Nearest memories by embedding similarity, best first (no access counting).

        Parameters
        ----------
        query : str or array_like of shape (embedding_dim,)
        top_k : int, default=5

        Returns
        -------
        hits : list of (MemoryItem, float)
            At most ``top_k`` pairs with the backend's scores.

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=32)
        >>> _ = asyncio.run(mem.fold_in_with_embedding("red apples"))
        >>> _ = asyncio.run(mem.fold_in_with_embedding("blue whales"))
        >>> [item.content for item, _ in mem.search("apples", top_k=1)]
        ['red apples']
        """
        top_k = check_int("top_k", top_k, low=1)
        vector = (self._embedding_of(query, None) if isinstance(query, str)
                  else self._embedding_of("", query))
        with self._lock:
            self._searches += 1
            keys, scores = self.backend.search(vector, top_k)
            return [(self._items[self._id_of_key[int(key)]], float(score))
                    for key, score in zip(keys.tolist(), scores.tolist(), strict=True)
                    if key >= 0]

    async def fold_out_semantic(
        self, query: Any, top_k: int = 5, use_attention: bool | None = None
    ) -> list[tuple[MemoryItem, float]]:
        """Retrieve memories related to ``query``.

        Without attention the result is the backend's top-k with its
        similarities.  With attention, ``4 * top_k`` candidates are weighted by
        ``softmax(similarity / attention_temperature) * (0.5 + importance)``,
        renormalised; the best ``top_k`` by weight are returned with their
        weights, so important memories win close calls.

        Parameters
        ----------
        query : str or array_like of shape (embedding_dim,)
        top_k : int, default=5
        use_attention : bool or None, default=None
            ``None`` uses ``enable_attention``.

        Returns
        -------
        hits : list of (MemoryItem, float)
            Each returned memory's access is counted.

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=32)
        >>> _ = asyncio.run(mem.fold_in_with_embedding("red apples", importance=0.9))
        >>> hits = asyncio.run(mem.fold_out_semantic("apples", top_k=1))
        >>> hits[0][0].content, round(hits[0][1], 3)
        ('red apples', 1.0)
        """
        attend = self.enable_attention if use_attention is None else bool(use_attention)
        top_k = check_int("top_k", top_k, low=1)
        hits = self.search(query, 4 * top_k if attend else top_k)
        if attend and hits:
            sims = np.array([score for _, score in hits])
            logits = (sims - sims.max()) / self.attention_temperature
            weights = np.exp(logits) * (0.5 + np.array([item.importance for item, _ in hits]))
            weights /= weights.sum()
            order = np.argsort(-weights, kind="stable")[:top_k]
            hits = [(hits[i][0], float(weights[i])) for i in order]
        for item, _ in hits:
            item.touch()
        return hits

    async def update_memory_importance(
        self, memory_id: str, feedback: float, context: Mapping[str, Any] | None = None
    ) -> float:
        """Move a memory's importance toward the feedback; return the new importance.

        ``importance += learning_rate * feedback * (1 - importance)`` for
        positive feedback and ``... * importance`` for negative feedback, so it
        stays in [0, 1] and saturates smoothly.  With continuous learning off,
        nothing changes.

        Parameters
        ----------
        memory_id : str
        feedback : float
            In [-1, 1].
        context : mapping, optional
            ``{"weight": w}`` scales the step by ``w`` in [0, 10].

        Returns
        -------
        importance : float

        Raises
        ------
        KeyError
            Unknown memory.
        TypeError, ValueError
            Feedback or weight out of range.

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=16, learning_rate=0.5)
        >>> mid = asyncio.run(mem.fold_in_with_embedding("x", importance=0.5))
        >>> asyncio.run(mem.update_memory_importance(mid, 1.0, None))
        0.75
        """
        feedback = check_real("feedback", feedback, low=-1.0, high=1.0)
        weight = 1.0
        if context is not None:
            if not isinstance(context, Mapping):
                raise TypeError(f"`context` must be a mapping or None, got {describe(context)}.")
            weight = check_real("context['weight']", context.get("weight", 1.0),
                                low=0.0, high=10.0)
        with self._lock:
            item = self.get(memory_id)
            if self.enable_continuous_learning:
                room = 1.0 - item.importance if feedback > 0 else item.importance
                step = self.learning_rate * weight * feedback * room
                item.importance = min(1.0, max(0.0, item.importance + step))
            return item.importance

    def get_enhanced_statistics(self) -> dict[str, Any]:
        """Sizes and settings of the memory.

        Returns
        -------
        stats : dict
            ``total_memories``, ``total_tags``, ``embedding_dim``, ``backend``
            (class name), ``vectors_indexed``, ``causal_links``,
            ``mean_importance``, ``memory_types`` (count per type value),
            ``searches``, ``attention_enabled``, ``continuous_learning_enabled``.

        Examples
        --------
        >>> HybridMemoryFold(embedding_dim=16).get_enhanced_statistics()["backend"]
        'FlatIndex'
        """
        with self._lock:
            types: dict[str, int] = {}
            for item in self._items.values():
                types[item.memory_type.value] = types.get(item.memory_type.value, 0) + 1
            importances = [item.importance for item in self._items.values()]
            return {
                "total_memories": len(self._items),
                "total_tags": len(self._by_tag),
                "embedding_dim": self.embedding_dim,
                "backend": type(self.backend).__name__,
                "vectors_indexed": len(self.backend),
                "causal_links": len(self.causal_graph),
                "mean_importance": float(np.mean(importances)) if importances else 0.0,
                "memory_types": types,
                "searches": self._searches,
                "attention_enabled": self.enable_attention,
                "continuous_learning_enabled": self.enable_continuous_learning,
            }

    def fold_similar(self, threshold: float = 0.9) -> list[MemoryFold]:
        """Group the stored memories into near-duplicate folds (see :class:`FoldEngine`).

        Examples
        --------
        >>> import asyncio
        >>> mem = HybridMemoryFold(embedding_dim=64)
        >>> for text in ("buy milk", "buy milk!", "fix the bike"):
        ...     _ = asyncio.run(mem.fold_in_with_embedding(text))
        >>> sorted(len(fold) for fold in mem.fold_similar(0.9))
        [1, 2]
        """
        with self._lock:
            items = list(self._items.values())
            vectors = self.embedder([FoldEngine.text_of(item) for item in items]) \
                if items else None
        return FoldEngine(self.embedder, threshold).fold_by_similarity(items, vectors)


def create_hybrid_memory_fold(
    embedding_dim: int = 256,
    enable_attention: bool = True,
    enable_continuous_learning: bool = True,
    **options: Any,
) -> HybridMemoryFold:
    """Build a :class:`HybridMemoryFold` (the factory LUKHAS code calls).

    Parameters
    ----------
    embedding_dim : int, default=256
    enable_attention : bool, default=True
    enable_continuous_learning : bool, default=True
    **options
        Keyword options of :class:`HybridMemoryFold` (``backend``, ``embedder``, ...).

    Returns
    -------
    memory : HybridMemoryFold

    Examples
    --------
    >>> create_hybrid_memory_fold().get_enhanced_statistics()["total_memories"]
    0
    """
    return HybridMemoryFold(embedding_dim, enable_attention, enable_continuous_learning,
                            **options)
