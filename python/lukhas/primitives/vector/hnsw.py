"""``HNSWIndex``: approximate search on the compiled HNSW graph."""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._native import hnsw as _hnsw
from lukhas._validation import check_int, check_real
from lukhas.primitives.vector._checks import id_key
from lukhas.primitives.vector._core import (
    BACKENDS,
    IdLedger,
    prepare_search,
    prepare_vectors,
    unwrap,
)
from lukhas.primitives.vector._exact import exact_search
from lukhas.primitives.vector._hnsw_archive import FORMAT, KERNEL_CODE, read_archive

__all__ = ["HNSWIndex"]

logger = logging.getLogger(__name__)

_PROFILE = BACKENDS["HNSWIndex"].profile()
#: Below this many queries per thread a batch is searched on the calling thread.
_ROWS_PER_THREAD = 32
#: Below this many new vectors per thread a batch is linked on the calling thread.
_INSERTS_PER_THREAD = 256

_pool: ThreadPoolExecutor | None = None


def _search_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                                   thread_name_prefix="lukhas-hnsw")
    return _pool


class HNSWIndex:
    """Approximate k-nearest-neighbour search on a hierarchical small-world graph.

    Our own compiled HNSW (Malkov and Yashunin): incremental inserts, beam
    search with a tunable width ``ef``, deletions, save/load, and batch
    inserts and searches that run GIL-free on several threads.

    Parameters
    ----------
    dim : int
        Vector width, >= 1.
    metric : {"ip", "cosine", "l2"}, default="ip"
        As for :class:`~lukhas.primitives.vector.FlatIndex`.
    M : int, default=16
        Links per node on the upper layers (2M on layer 0), in [2, 256].
    ef_construction : int, default=200
        Beam width while inserting, >= 1.
    seed : int or None, default=None
        Seed of the layer draws.  With ``n_threads=1`` the graph is
        reproducible for a given seed and insertion order.
    ef : int, default=64
        Default search beam width (at least ``k`` is always used).
    rebuild_ratio : float, default=0.5
        Rebuild the graph from the live vectors when more than this fraction
        of its nodes are deleted.
    n_threads : int or None, default=None
        Threads that link a batch of new vectors (at least 256 per thread)
        and search a batch of queries (at least 32 per thread); ``None`` uses
        every CPU.  With more than one, the exact edges of the graph depend
        on thread timing (its quality does not).
    **options
        None besides the above: any other keyword raises ``ValueError``
        naming it.

    Notes
    -----
    Scores follow :class:`FlatIndex`: similarities for ``"ip"``/``"cosine"``
    (computed as ``1 - distance``, so they may differ from an exact inner
    product in the last float32 bit), squared distances for ``"l2"``; ``-1``
    ids pad rows when fewer than ``k`` vectors are reachable.  Deleted vectors
    are marked and skipped at once; the graph keeps them as waypoints until a
    rebuild.  Equal distances are ordered by the smaller id.  Fresh ids are
    never ones handed out before, even after they were removed (the counter
    is saved with the graph).  Methods are
    thread-safe (one lock; batch inserts and searches parallelise
    internally).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> data = rng.standard_normal((500, 8)).astype(np.float32)
    >>> index = HNSWIndex(8, metric="l2", seed=1)
    >>> _ = index.add(data)
    >>> ids, dist = index.search(data[:3], k=1)
    >>> ids.ravel().tolist()
    [0, 1, 2]
    """

    def __init__(
        self,
        dim: int,
        metric: str = "ip",
        M: int = 16,
        ef_construction: int = 200,
        seed: int | None = None,
        *,
        ef: int = 64,
        rebuild_ratio: float = 0.5,
        n_threads: int | None = None,
        **options: Any,
    ) -> None:
        _PROFILE.check_index_options(options)
        self.dim = check_int("dim", dim, low=1)
        self._metric = _PROFILE.check_metric(metric)
        self.metric = self._metric.name
        self.M = check_int("M", M, low=2, high=256)
        self.ef_construction = check_int("ef_construction", ef_construction, low=1)
        self.ef = check_int("ef", ef, low=1)
        self.rebuild_ratio = check_real("rebuild_ratio", rebuild_ratio, low=0.0, high=1.0,
                                        low_inclusive=False)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.seed = check_int("seed", seed, low=0, high=2**64 - 1)
        self.n_threads = ((os.cpu_count() or 1) if n_threads is None
                          else check_int("n_threads", n_threads, low=1))
        self.dtype: np.dtype[Any] = np.dtype(np.float32)
        self._graph = self._new_graph(16)
        self._labels = np.empty(16, dtype=np.int64)
        self._node_of: dict[int, int] = {}
        self._ledger = IdLedger(self._held)
        self._lock = threading.Lock()
        # The largest squared query norm the fast path takes (check_magnitude's limit).
        finfo_max = float(np.finfo(np.float32).max)
        self._sq_limit = (np.inf if self._metric.unit_rows
                          else finfo_max / (4.0 if self._metric.kernel == "l2" else 1.0))

    def _held(self, ids: npt.NDArray[np.int64]) -> list[int]:
        return [i for i in ids.tolist() if i in self._node_of]

    def _new_graph(self, capacity: int) -> _hnsw.HNSWGraph:
        return _hnsw.HNSWGraph(self.dim, self.M, self.ef_construction,
                               KERNEL_CODE[self._metric.kernel], self.seed, capacity,
                               self.n_threads)

    def __len__(self) -> int:
        return len(self._node_of)

    def __contains__(self, ident: object) -> bool:
        return id_key(ident) in self._node_of

    def __repr__(self) -> str:
        return (f"HNSWIndex(dim={self.dim}, metric={self.metric!r}, M={self.M}, "
                f"ef_construction={self.ef_construction}, size={len(self)})")

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        """Ids of the live vectors in insertion order, shape (n,)."""
        with self._lock:
            return self._live_labels()

    def _live_labels(self) -> npt.NDArray[np.int64]:
        size = self._graph.size
        return self._labels[:size][~self._graph.deleted_mask()].copy()

    @property
    def bytes_per_vector(self) -> float:
        """Memory held by the graph and the id map per live vector (approximate)."""
        g = self._graph
        # Per node: vector, layer-0 links, level, upper offset, deletion mark,
        # lock, label and one visited mark per search slot.
        graph_bytes = (g.capacity * (4 * self.dim + 4 * (2 * self.M + 1) + 4 + 8 + 1 + 1 + 8
                                     + 4 * g.n_slots)
                       + g.upper_rows * 4 * (self.M + 1))
        dict_bytes = 100 * len(self._node_of)  # CPython dict entry + two small ints
        return (graph_bytes + dict_bytes) / max(len(self), 1)

    def add(self, vectors: Any, ids: Any = None) -> npt.NDArray[np.int64]:
        """Insert vectors into the graph.

        Parameters
        ----------
        vectors : array_like of shape (n, dim) or (dim,)
            Finite values, stored as float32 graph nodes.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids not in the graph; by default fresh ids.

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64, one per new node

        Raises
        ------
        TypeError, ValueError
            As :meth:`FlatIndex.add`.

        Examples
        --------
        >>> HNSWIndex(2, seed=0).add([[1.0, 0.0], [0.0, 1.0]]).tolist()
        [0, 1]
        """
        arr = prepare_vectors("vectors", vectors, self.dim, self.dtype, self._metric)
        with self._lock:
            new_ids = self._ledger.claim(arr.shape[0], ids)
            self._insert(arr, new_ids)
            self._ledger.commit(new_ids)
        return new_ids

    def _insert(self, arr: npt.NDArray[np.float32], new_ids: npt.NDArray[np.int64]) -> None:
        n = arr.shape[0]
        first = self._graph.size
        if first + n > self._labels.shape[0]:
            labels = np.empty(max(first + n, 2 * self._labels.shape[0]), dtype=np.int64)
            labels[:first] = self._labels[:first]
            self._labels = labels
        self._labels[first : first + n] = new_ids
        self._graph.add(arr, min(self.n_threads, max(1, n // _INSERTS_PER_THREAD)))
        self._node_of.update(zip(new_ids.tolist(), range(first, first + n), strict=True))

    def remove(self, ids: Any) -> None:
        """Delete vectors by id (marked at once; the graph is rebuilt when too many are).

        Parameters
        ----------
        ids : array_like of int
            Ids of live nodes; if one is not live, no node is marked.

        Raises
        ------
        KeyError
            If one is not stored, and then no node is marked.

        Examples
        --------
        >>> index = HNSWIndex(2, seed=0)
        >>> _ = index.add([[1.0, 0.0], [0.0, 1.0]])
        >>> index.remove([0])
        >>> index.search([1.0, 0.1], k=1)[0].tolist()
        [1]
        """
        with self._lock:
            doomed = self._ledger.removable(ids)
            nodes = np.array([self._node_of.pop(int(i)) for i in doomed], dtype=np.int32)
            self._graph.mark_deleted(nodes)
            g = self._graph
            if g.n_deleted > self.rebuild_ratio * g.size:
                self._rebuild()

    def _rebuild(self) -> None:
        live = ~self._graph.deleted_mask()
        vectors = np.ascontiguousarray(self._graph.vectors()[live])
        labels = self._labels[: self._graph.size][live].copy()
        logger.debug("rebuilding HNSW graph: %d live of %d nodes", labels.size, self._graph.size)
        self._graph = self._new_graph(max(16, labels.size))
        self._labels = np.empty(max(16, labels.size), dtype=np.int64)
        self._node_of = {}
        self._insert(vectors, labels)

    def search(
        self, queries: Any, k: int, ef: int | None = None, *, exact: bool = False,
        **options: Any,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Approximate (or, with ``exact=True``, exact) top-k neighbours.

        Parameters
        ----------
        queries : array_like of shape (nq, dim) or (dim,)
            Finite query vectors (float32).
        k : int
            Neighbours per query, >= 1.
        ef : int, optional
            Beam width; ``max(ef, k)`` is used.  Default: the index's ``ef``.
        exact : bool, default=False
            Run the flat (brute-force) path over the live vectors instead.
        **options
            None besides the above (``ValueError`` naming the option).

        Returns
        -------
        ids : ndarray of shape (nq, k) or (k,), dtype=int64
            Best first, -1 where fewer nodes are reachable.
        scores : ndarray of shape (nq, k) or (k,), dtype=float32

        Raises
        ------
        TypeError, ValueError
            Bad queries, ``k``, ``ef`` or ``exact``, or an unknown option.

        Examples
        --------
        >>> index = HNSWIndex(2, metric="cosine", seed=0)
        >>> _ = index.add([[1.0, 0.0], [0.0, 1.0]])
        >>> index.search([[1.0, 0.2]], k=1, exact=True)[0].tolist()
        [[0]]
        """
        if (exact is False and not options and type(k) is int and k > 0
                and (ef is None or (type(ef) is int and ef > 0))):
            # One plain float32 query (what agents send): checked and searched in one C call,
            # which returns None for anything the general path must check or convert.
            width = max(self.ef if ef is None else ef, k)
            with self._lock:
                width = min(width, max(self._graph.size, k))
                found = self._graph.search_one(queries, k, width, 0, self._labels,
                                               self._metric.unit_rows, self._sq_limit)
            if found is not None:
                return found
        given = _PROFILE.check_search_options({"ef": ef, "exact": exact, **options})
        q, k, single = prepare_search(queries, k, self.dim, self.dtype, self._metric)
        width = max(self.ef if given.ef is None else given.ef, k)
        with self._lock:
            if given.exact:
                ids, scores = self._exact(q, k)
            else:
                ids, scores = self._approximate(q, k, width)
        return unwrap(single, ids, scores)

    def _exact(self, q: npt.NDArray[np.float32],
               k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        live = ~self._graph.deleted_mask()
        base = np.ascontiguousarray(self._graph.vectors()[live])
        return exact_search(base, self._labels[: self._graph.size][live].copy(), q, k,
                            self.metric)

    def _approximate(self, q: npt.NDArray[np.float32], k: int,
                     ef: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        nq = q.shape[0]
        # A beam wider than the graph holds every node all the same (results identical):
        # cap it there so that an absurd ``ef`` or ``k`` allocates nothing extra.
        ef = min(ef, max(self._graph.size, 1))
        ids = np.empty((nq, k), dtype=np.int64)
        dist = np.empty((nq, k), dtype=np.float32)
        labels = self._labels
        n_threads = min(self.n_threads, self._graph.n_slots, max(1, nq // _ROWS_PER_THREAD))
        if n_threads == 1:
            self._graph.search(q, ef, 0, labels, ids, dist)
        else:
            bounds = np.linspace(0, nq, n_threads + 1).astype(int)
            futures = [
                _search_pool().submit(self._graph.search, q[a:b], ef, slot, labels, ids[a:b],
                                      dist[a:b])
                for slot, (a, b) in enumerate(itertools.pairwise(bounds))
            ]
            for future in futures:
                future.result()
        if self._metric.kernel == "ip":
            dist = np.where(ids >= 0, np.float32(1.0) - dist, np.float32(-np.inf))
        return ids, dist

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` (a ``.npz`` archive; the graph is saved, not rebuilt).

        Parameters
        ----------
        path : str or path-like
            Target file.

        Examples
        --------
        >>> import tempfile, os
        >>> index = HNSWIndex(2, seed=0)
        >>> _ = index.add([[1.0, 0.0]], ids=[5])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     index.save(os.path.join(d, "i.npz"))
        ...     HNSWIndex.load(os.path.join(d, "i.npz")).ids.tolist()
        [5]
        """
        with self._lock:
            state = self._graph.state()
            config = {"format": FORMAT, "metric": self.metric, "seed": self.seed,
                      "ef": self.ef, "rebuild_ratio": self.rebuild_ratio,
                      "next_id": self._ledger.next_id}
            arrays = {key: np.asarray(value) for key, value in state.items()}
            arrays["labels"] = self._labels[: self._graph.size].copy()
            arrays["config"] = np.array(json.dumps(config))
        with open(Path(path), "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HNSWIndex:
        """Read an index written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.

        Returns
        -------
        index : HNSWIndex

        Raises
        ------
        ValueError
            If the file is not a consistent lukhas HNSW archive.

        Examples
        --------
        See :meth:`save`.
        """
        archive = read_archive(path)
        state, config = archive.state, archive.config
        index = cls(state["dim"], config["metric"], state["M"], state["ef_construction"],
                    config["seed"], ef=config["ef"], rebuild_ratio=config["rebuild_ratio"])
        index._graph = _hnsw.HNSWGraph.from_state(state, index.n_threads)
        index._labels = archive.labels
        live = np.flatnonzero(state["deleted"] == 0)
        index._node_of = dict(zip(index._labels[live].tolist(), live.tolist(), strict=True))
        index._ledger.advance(int(config["next_id"]))
        return index

