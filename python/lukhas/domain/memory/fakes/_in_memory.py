"""``InMemoryBackend``: the obvious numpy implementation of the metadata backend protocol."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int
from lukhas.primitives.vector._checks import (
    check_ids,
    check_k,
    check_metric,
    check_queries,
    check_vectors,
    normalize_rows,
)
from lukhas.primitives.vector._filters import check_where, decode_metadata, matches

__all__ = ["AGIMemoryFake", "InMemoryBackend"]


class InMemoryBackend:
    """A real, small, dependency-free :class:`~lukhas.domain.memory.model.MetadataBackend`.

    Vectors live in a dict; a search scores every stored vector with one
    numpy product in float64 and sorts (score, id) pairs.  No compiled code,
    no index, no persistence: what it is for is tests and prototypes that
    want the exact behaviour of the compiled and persistent backends
    (``tests/conformance`` holds all of them to the same suite) without
    their setup.

    Parameters
    ----------
    dim : int
    metric : {"ip", "cosine", "l2"}, default="cosine"

    Examples
    --------
    >>> store = InMemoryBackend(2, "l2")
    >>> store.add([[0.0, 0.0], [2.0, 0.0]], metadata=[{"x": 1}, {"x": 2}]).tolist()
    [0, 1]
    >>> ids, dist = store.search([1.5, 0.0], k=2)
    >>> ids.tolist(), dist.tolist()
    ([1, 0], [0.25, 2.25])
    >>> store.search([1.5, 0.0], k=1, where={"x": 1})[0].tolist(), store.metadata([1])
    ([0], [{'x': 2}])
    """

    def __init__(self, dim: int, metric: str = "cosine") -> None:
        self.dim = check_int("dim", dim, low=1)
        self.metric = check_metric(metric)
        self._vectors: dict[int, npt.NDArray[np.float32]] = {}
        self._meta: dict[int, dict[str, Any]] = {}
        self._next_id = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, int | np.integer) and int(ident) in self._vectors

    def __repr__(self) -> str:
        return f"InMemoryBackend(dim={self.dim}, metric={self.metric!r}, size={len(self)})"

    def add(self, vectors: Any, ids: Any = None,
            metadata: Sequence[Mapping[str, Any]] | None = None) -> npt.NDArray[np.int64]:
        """Store a batch (all or nothing); see :class:`~lukhas.domain.memory.model.MemoryBackend`.

        Examples
        --------
        >>> InMemoryBackend(2).add([[1.0, 0.0], [0.0, 2.0]], ids=[5, 9]).tolist()
        [5, 9]
        """
        arr = check_vectors("vectors", vectors, self.dim, np.dtype(np.float32))
        if self.metric == "cosine":
            arr = normalize_rows("vectors", arr)
        meta = decode_metadata(metadata, arr.shape[0])
        with self._lock:
            if ids is None:
                new_ids = np.arange(self._next_id, self._next_id + arr.shape[0], dtype=np.int64)
            else:
                new_ids = check_ids(ids, arr.shape[0])
                clash = [int(i) for i in new_ids if int(i) in self._vectors]
                if clash:
                    raise ValueError(f"`ids` {clash[:5]} are already stored; remove them first.")
            for row, ident in enumerate(new_ids.tolist()):
                self._vectors[ident] = arr[row].copy()
                self._meta[ident] = meta[row]
            if new_ids.size:
                self._next_id = max(self._next_id, int(new_ids.max()) + 1)
        return new_ids

    def remove(self, ids: Any) -> None:
        """Delete by id; KeyError (nothing deleted) if one is missing.

        Examples
        --------
        >>> store = InMemoryBackend(1)
        >>> _ = store.add([[1.0], [2.0]])
        >>> store.remove([0]); len(store)
        1
        """
        doomed = np.unique(np.atleast_1d(np.asarray(ids)))
        doomed = check_ids(doomed, doomed.size)
        with self._lock:
            missing = [int(i) for i in doomed if int(i) not in self._vectors]
            if missing:
                raise KeyError(f"ids {missing[:5]} are not stored; nothing was removed.")
            for ident in doomed.tolist():
                del self._vectors[ident], self._meta[ident]

    def metadata(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """Copies of the metadata of stored ids, in order; KeyError for an unknown id.

        Examples
        --------
        >>> store = InMemoryBackend(1)
        >>> _ = store.add([[1.0]], metadata=[{"a": 1}])
        >>> store.metadata([0])
        [{'a': 1}]
        """
        wanted = [int(i) for i in ids]
        with self._lock:
            missing = [i for i in wanted if i not in self._meta]
            if missing:
                raise KeyError(f"ids {missing[:5]} are not stored.")
            return [dict(self._meta[i]) for i in wanted]

    def search(self, queries: Any, k: int, *, where: Mapping[str, Any] | None = None
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Exact top-k (ties: smaller id first), optionally among metadata matches.

        Examples
        --------
        >>> store = InMemoryBackend(2, "ip")
        >>> _ = store.add([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        >>> store.search([1.0, 0.0], k=2)[0].tolist()
        [0, 1]
        """
        k = check_k(k)
        q, single = check_queries(queries, self.dim, np.dtype(np.float32))
        if self.metric == "cosine":
            q = normalize_rows("queries", q)
        filters = None if where is None else check_where(where)
        with self._lock:
            keep = sorted(i for i in self._vectors
                          if filters is None or matches(self._meta[i], filters))
            base = np.array([self._vectors[i] for i in keep], dtype=np.float64)
        base = base.reshape(len(keep), self.dim)
        q64 = q.astype(np.float64)
        if self.metric == "l2":
            keyed = ((q64[:, None, :] - base[None, :, :]) ** 2).sum(axis=2)
        else:
            keyed = -(q64 @ base.T)
        pad = np.inf if self.metric == "l2" else -np.inf
        out_ids = np.full((q.shape[0], k), -1, dtype=np.int64)
        out_scores = np.full((q.shape[0], k), pad, dtype=np.float32)
        ident = np.asarray(keep, dtype=np.int64)
        take = min(k, len(keep))
        for row in range(q.shape[0]):
            order = np.lexsort((ident, keyed[row]))[:take]
            out_ids[row, :take] = ident[order]
            out_scores[row, :take] = keyed[row, order] if self.metric == "l2" \
                else -keyed[row, order]
        if single:
            return out_ids[0], out_scores[0]
        return out_ids, out_scores


#: The name LUKHAS tests use for an in-memory memory backend.
AGIMemoryFake = InMemoryBackend
