"""Memory managers of the reflection layer: folds by similarity, drift, amplitude retrieval.

:class:`EnhancedMemoryManager` stores any JSON-like data under an id, embeds its text
with the domain's hashing embedder and files it into a *fold*: the nearest fold
whose centroid is at least ``fold_threshold`` similar (found through a cosine
:class:`~lukhas.primitives.vector.FlatIndex` of centroids), or a new one.  A fold is
*active* while one of its memories was stored or retrieved within
``active_window`` seconds; :meth:`~EnhancedMemoryManager.get_active_folds` lists them,
newest first.  :meth:`~EnhancedMemoryManager.search` finds memories by similarity.

:class:`DriftMemoryManager` also tracks how each memory drifts when it is stored
again under the same id (``1 -`` cosine between versions, smoothed as an EMA).
:class:`QIMemoryManager` retrieves by amplitude ("quantum-inspired"): the
candidates' amplitudes are their similarities (at least ``min_similarity``),
probabilities their normalised squares (the Born rule), and
:meth:`~QIMemoryManager.collapse` samples one, seeded.

These run over the vector primitives rather than ``memory.core``: the domain
families do not import each other (import-linter contract), so the reflection
layer keeps its own small store.

Examples
--------
>>> import asyncio
>>> mm = EnhancedMemoryManager()
>>> _ = asyncio.run(mm.store_memory({"text": "the tide turns at dawn"}, memory_id="m1"))
>>> asyncio.run(mm.retrieve_memory("m1"))
{'text': 'the tide turns at dawn'}
>>> [f["memory_ids"] for f in mm.get_active_folds()]
[['m1']]
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_real, check_str
from lukhas.domain.consciousness._embed import concepts_of, text_vector
from lukhas.primitives.vector import FlatIndex

__all__ = ["DriftMemoryManager", "EnhancedMemoryManager", "MemoryFoldInfo", "QIMemoryManager"]


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        for key in ("text", "content", "message", "summary"):
            if isinstance(data.get(key), str):
                return str(data[key])
    try:
        return json.dumps(data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(data)


@dataclass
class MemoryFoldInfo:
    """A fold: similar memories with a running centroid and a last-access time."""

    fold_id: int
    centroid: npt.NDArray[np.float64] = field(repr=False)
    memory_ids: list[str] = field(default_factory=list)
    last_access: float = 0.0


class EnhancedMemoryManager:
    """Stores, retrieves and folds memories (see the module notes).

    Parameters
    ----------
    dim : int, default=128
        Embedding width.
    fold_threshold : float, default=0.6
        Cosine similarity to a fold's centroid needed to join it.
    active_window : float, default=3600.0
        Seconds a fold stays active after its last access.
    clock : callable, default=time.monotonic
        Time source.
    """

    def __init__(self, dim: int = 128, *, fold_threshold: float = 0.6,
                 active_window: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.dim = check_int("dim", dim, low=2)
        self.fold_threshold = check_real("fold_threshold", fold_threshold, low=-1.0, high=1.0)
        self.active_window = check_real("active_window", active_window, low=0.0)
        self._clock = clock
        self._data: dict[str, Any] = {}
        self._vectors: dict[str, npt.NDArray[np.float64]] = {}
        self._fold_of: dict[str, int] = {}
        self._folds: list[MemoryFoldInfo] = []
        self._centroids = FlatIndex(self.dim, "cosine", dtype=np.float64)
        self._memories = FlatIndex(self.dim, "cosine", dtype=np.float64)
        self._row_of: dict[str, int] = {}
        self._id_of_row: dict[int, str] = {}

    def embed(self, data: Any) -> npt.NDArray[np.float64]:
        """The unit embedding of `data`'s text (zeros for text without content words)."""
        return text_vector(concepts_of(_text(data)), self.dim)

    def _file(self, memory_id: str, vec: npt.NDArray[np.float64], now: float) -> int:
        if not vec.any():
            fold = MemoryFoldInfo(len(self._folds), vec.copy(), [memory_id], now)
            self._folds.append(fold)
            return fold.fold_id
        if len(self._centroids):
            ids, sims = self._centroids.search(vec, 1)
            if ids[0] >= 0 and sims[0] >= self.fold_threshold:
                fold = self._folds[int(ids[0])]
                n = len(fold.memory_ids)
                fold.centroid = (fold.centroid * n + vec) / (n + 1)
                fold.memory_ids.append(memory_id)
                fold.last_access = now
                self._centroids.remove([fold.fold_id])
                self._centroids.add(fold.centroid[None, :], ids=[fold.fold_id])
                return fold.fold_id
        fold = MemoryFoldInfo(len(self._folds), vec.copy(), [memory_id], now)
        self._folds.append(fold)
        self._centroids.add(vec[None, :], ids=[fold.fold_id])
        return fold.fold_id

    def _unfile(self, memory_id: str) -> None:
        fold = self._folds[self._fold_of.pop(memory_id)]
        fold.memory_ids.remove(memory_id)
        row = self._row_of.pop(memory_id)
        del self._id_of_row[row]
        self._memories.remove([row])

    async def store_memory(self, data: Any, memory_id: str | None = None, *,
                           tags: list[str] | None = None) -> str:
        """Store `data` (replacing an existing id); returns the id."""
        mid = uuid.uuid4().hex if memory_id is None else check_str("memory_id", memory_id,
                                                                    empty=False)
        vec = self.embed(data)
        self._before_store(mid, vec)
        if mid in self._data:
            self._unfile(mid)
        now = self._clock()
        self._data[mid] = data
        self._vectors[mid] = vec
        self._fold_of[mid] = self._file(mid, vec, now)
        if vec.any():
            (row,) = self._memories.add(vec[None, :]).tolist()
            self._row_of[mid], self._id_of_row[row] = row, mid
        return mid

    def _before_store(self, memory_id: str, vec: npt.NDArray[np.float64]) -> None:
        """Hook for subclasses (called before a memory is (re)stored)."""

    async def retrieve_memory(self, memory_id: str) -> Any:
        """The stored data (None if absent); activates the memory's fold."""
        check_str("memory_id", memory_id)
        if memory_id not in self._data:
            return None
        self._folds[self._fold_of[memory_id]].last_access = self._clock()
        return self._data[memory_id]

    def search(self, query: Any, k: int = 5) -> list[tuple[str, float]]:
        """The `k` most similar memories to `query`'s text: (id, cosine similarity)."""
        check_int("k", k, low=1)
        vec = self.embed(query)
        if not vec.any() or not len(self._memories):
            return []
        ids, sims = self._memories.search(vec, k)
        return [(self._id_of_row[i], float(s)) for i, s in zip(ids.tolist(), sims.tolist(),
                                                               strict=True) if i >= 0]

    def get_active_folds(self) -> list[dict[str, Any]]:
        """Folds accessed within ``active_window`` seconds, most recent first."""
        now = self._clock()
        live = [f for f in self._folds if f.memory_ids
                and now - f.last_access <= self.active_window]
        live.sort(key=lambda f: (-f.last_access, f.fold_id))
        return [{"fold_id": f.fold_id, "size": len(f.memory_ids), "last_access": f.last_access,
                 "memory_ids": list(f.memory_ids)} for f in live]

    def __len__(self) -> int:
        return len(self._data)


class DriftMemoryManager(EnhancedMemoryManager):
    """An :class:`EnhancedMemoryManager` that tracks how each memory drifts when rewritten.

    Parameters
    ----------
    alpha : float, default=0.3
        EMA weight of the newest drift.
    **kwargs
        As for :class:`EnhancedMemoryManager`.
    """

    def __init__(self, *, alpha: float = 0.3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = check_real("alpha", alpha, low=0.0, high=1.0)
        self._drift: dict[str, float] = {}

    def _before_store(self, memory_id: str, vec: npt.NDArray[np.float64]) -> None:
        old = self._vectors.get(memory_id)
        if old is None:
            return
        cos = float(old @ vec) if old.any() and vec.any() else (1.0 if not (old.any() or vec.any())
                                                                 else 0.0)
        drift = min(1.0, max(0.0, 1.0 - cos))
        self._drift[memory_id] = self.alpha * drift + (1 - self.alpha) * self._drift.get(
            memory_id, 0.0)

    def get_drift(self, memory_id: str) -> float:
        """The memory's drift EMA (0 for one never rewritten)."""
        return self._drift.get(memory_id, 0.0)

    def drifting(self, threshold: float = 0.3) -> list[tuple[str, float]]:
        """Memories whose drift EMA exceeds `threshold`, the most drifted first."""
        check_real("threshold", threshold, low=0.0, high=1.0)
        return sorted(((m, d) for m, d in self._drift.items() if d > threshold),
                      key=lambda md: (-md[1], md[0]))


class QIMemoryManager(EnhancedMemoryManager):
    """An :class:`EnhancedMemoryManager` retrieving by amplitude (see the module notes).

    Parameters
    ----------
    seed : int or None, default=None
        Seed of :meth:`collapse`.
    **kwargs
        As for :class:`EnhancedMemoryManager`.
    """

    def __init__(self, *, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rng = np.random.default_rng(None if seed is None else check_int("seed", seed,
                                                                               low=0))

    def superpose(self, query: Any, k: int = 8, *,
                  min_similarity: float = 0.25) -> list[tuple[str, float]]:
        """Up to `k` candidates with Born-rule probabilities (summing to one).

        Candidates less similar than `min_similarity` are left out: two unrelated
        texts have a cosine of about ``+-1/sqrt(dim)`` by chance, which is no match.
        """
        floor = check_real("min_similarity", min_similarity, low=0.0, high=1.0)
        hits = [(m, s) for m, s in self.search(query, k) if s > 0.0 and s >= floor]
        total = sum(s * s for _, s in hits)
        return [(m, s * s / total) for m, s in hits] if total > 0 else []

    def collapse(self, query: Any, k: int = 8) -> str | None:
        """One memory id drawn from :meth:`superpose` (None when nothing matches)."""
        state = self.superpose(query, k)
        if not state:
            return None
        probs = np.array([p for _, p in state])
        return state[int(self._rng.choice(len(state), p=probs / probs.sum()))][0]
