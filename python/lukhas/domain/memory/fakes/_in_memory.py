"""``InMemoryBackend``: the obvious numpy implementation of the metadata backend protocol.

It depends on numpy and the pure-Python store core
(:mod:`lukhas.primitives.vector._core`) only: no SQLite, no Dask, no compiled module.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int
from lukhas.primitives.vector import _core as core
from lukhas.primitives.vector._checks import id_key

__all__ = ["AGIMemoryFake", "InMemoryBackend"]

_PROFILE = core.BACKENDS["InMemoryBackend"].profile()


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
    **options
        None are taken (``ValueError`` naming the option), as for every
        backend's unsupported options.

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

    def __init__(self, dim: int, metric: str = "cosine", **options: Any) -> None:
        _PROFILE.check_index_options(options)
        self.dim = check_int("dim", dim, low=1)
        self._metric = _PROFILE.check_metric(metric)
        self.metric = self._metric.name
        self._vectors: dict[int, npt.NDArray[np.float32]] = {}
        self._meta: dict[int, dict[str, Any]] = {}
        self._ledger = core.IdLedger(self._held)
        self._lock = threading.Lock()

    def _held(self, ids: npt.NDArray[np.int64]) -> list[int]:
        return [i for i in ids.tolist() if i in self._vectors]

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, ident: object) -> bool:
        return id_key(ident) in self._vectors

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
        arr = core.prepare_vectors("vectors", vectors, self.dim, np.dtype(np.float32), self._metric)
        meta = core.decode_metadata(metadata, arr.shape[0])
        with self._lock:
            new_ids = self._ledger.claim(arr.shape[0], ids)
            for row, ident in enumerate(new_ids.tolist()):
                self._vectors[ident] = arr[row].copy()
                self._meta[ident] = meta[row]
            self._ledger.commit(new_ids)
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
        with self._lock:
            for ident in self._ledger.removable(ids).tolist():
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

    def search(self, queries: Any, k: int, *, where: Mapping[str, Any] | None = None,
               **options: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Exact top-k (ties: smaller id first), optionally among metadata matches.

        Scores are the metric table's float64 reference scores, cast to
        float32.  ``where`` is the only option (others raise ``ValueError``).

        Examples
        --------
        >>> store = InMemoryBackend(2, "ip")
        >>> _ = store.add([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        >>> store.search([1.0, 0.0], k=2)[0].tolist()
        [0, 1]
        """
        given = _PROFILE.check_search_options({"where": where, **options})
        q, k, single = core.prepare_search(queries, k, self.dim, np.dtype(np.float32), self._metric)
        with self._lock:
            keep = sorted(i for i in self._vectors
                          if given.where is None or core.matches(self._meta[i], given.where))
            base = np.array([self._vectors[i] for i in keep], dtype=np.float64)
        scores = self._metric.reference(q.astype(np.float64), base.reshape(len(keep), self.dim))
        keyed = -scores if self._metric.larger_is_better else scores
        out_ids, out_scores = core.empty_result(q.shape[0], k, self._metric, np.dtype(np.float32))
        ident = np.asarray(keep, dtype=np.int64)
        take = min(k, len(keep))
        for row in range(q.shape[0]):
            order = np.lexsort((ident, keyed[row]))[:take]
            out_ids[row, :take] = ident[order]
            out_scores[row, :take] = scores[row, order]
        return core.unwrap(single, out_ids, out_scores)


#: The name LUKHAS tests use for an in-memory memory backend.
AGIMemoryFake = InMemoryBackend
