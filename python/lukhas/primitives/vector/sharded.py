"""``ShardedStore``: vectors spread over Dask workers, searched by scatter-gather top-k."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, describe
from lukhas.primitives.vector._checks import id_key
from lukhas.primitives.vector._core import (
    BACKENDS,
    METRICS,
    Closing,
    IdLedger,
    decode_metadata,
    empty_result,
    matches,
    prepare_search,
    prepare_vectors,
    unwrap,
)
from lukhas.primitives.vector._exact import exact_search, merge_topk
from lukhas.primitives.vector.flat import FlatIndex
from lukhas.primitives.vector.hnsw import HNSWIndex

__all__ = ["ShardedStore"]

logger = logging.getLogger(__name__)



class _Shard:
    """One shard, living on a Dask worker as an actor: vectors, an index and metadata.

    The :class:`FlatIndex` holds the vectors (exact and filtered search, the
    source for ``get``); an ``"hnsw"`` shard adds a graph over the same
    vectors for unfiltered approximate search.  Inputs were validated by the
    store; a shard trusts them.
    """

    def __init__(self, dim: int, metric: str, index: str, index_options: dict[str, Any]) -> None:
        self.metric = METRICS[metric]
        self.flat = FlatIndex(dim, metric)
        self.graph = HNSWIndex(dim, metric, **index_options) if index == "hnsw" else None
        self.meta: dict[int, dict[str, Any]] = {}

    def size(self) -> int:
        return len(self.flat)

    def stored(self, ids: npt.NDArray[np.int64]) -> list[int]:
        return [int(i) for i in ids if int(i) in self.meta]

    def add(self, vectors: npt.NDArray[np.float32], ids: npt.NDArray[np.int64],
            metadata: list[dict[str, Any]]) -> None:
        self.flat.add(vectors, ids)
        if self.graph is not None:
            self.graph.add(vectors, ids)
        self.meta.update(zip(ids.tolist(), metadata, strict=True))

    def remove(self, ids: npt.NDArray[np.int64]) -> None:
        self.flat.remove(ids)
        if self.graph is not None:
            self.graph.remove(ids)
        for i in ids.tolist():
            del self.meta[i]

    def search(self, queries: npt.NDArray[np.float32], k: int,
               where: dict[str, Any] | None,
               options: dict[str, Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
        if where is not None:
            keep = np.array([i for i, m in self.meta.items() if matches(m, where)],
                            dtype=np.int64)
            keep.sort()
            base = self.flat.get(keep) if keep.size else np.empty((0, self.flat.dim),
                                                                  dtype=np.float32)
            return exact_search(np.ascontiguousarray(base), keep, queries, k, self.metric.name)
        if self.graph is not None:
            return self.graph.search(queries, k, **options)
        return self.flat.search(queries, k)

    def metadata(self, ids: list[int]) -> list[dict[str, Any] | None]:
        return [self.meta.get(i) for i in ids]


class ShardedStore(Closing):
    """A vector store split into shards held by Dask workers.

    Items are routed to shard ``id % n_shards``; shards live on the workers
    as Dask actors (round-robin).  A search sends the queries to every shard,
    each returns its own top-k, and the store merges them with the compiled
    top-k merge: with ``index="flat"`` the result equals a single exact
    index's.  Metadata lives beside the vectors on the shards and ``where``
    filters run there (exact, as :class:`SQLiteStore`'s filters).

    Parameters
    ----------
    dim : int
        Vector width, >= 1.
    metric : {"ip", "cosine", "l2"}, default="cosine"
    client : distributed.Client, optional
        The cluster to use; by default the current client (``Client.current()``).
    n_shards : int, optional
        Number of shards, >= 1; by default one per worker.
    index : {"flat", "hnsw"}, default="flat"
        Per-shard index.  An ``"hnsw"`` shard keeps a graph beside its flat
        vectors (about twice the memory) for fast unfiltered search.
    **index_options
        Passed to each shard's :class:`HNSWIndex` (``M``, ``ef_construction``,
        ``ef``, ``seed``, ``rebuild_ratio``, ``n_threads``) with
        ``index="hnsw"``; a ``"flat"`` store takes none.  Others raise
        ``ValueError``.

    Notes
    -----
    Requires the optional ``dask[distributed]`` dependency, imported when a
    store is created.  Every input is validated before a shard is touched, so
    a bad batch changes nothing; ``add`` and ``remove`` then update the shards
    concurrently.  Fresh ids are never ones handed out before, even after a
    remove.  The store's methods are thread-safe (one lock).  Same API
    as :class:`SQLiteStore`: ``add(vectors, ids, metadata)``, ``search(queries,
    k, where=...)``, ``remove``, ``metadata``, ``len``, ``in``, ``close``.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
    ...                        dashboard_address=":0")
    >>> client = Client(cluster)
    >>> store = ShardedStore(2, "l2", client=client)
    >>> store.add([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]], metadata=[{"k": "a"}] * 3).tolist()
    [0, 1, 2]
    >>> store.search([0.9, 0.9], k=2)[0].tolist(), store.shard_sizes
    ([2, 0], [2, 1])
    >>> store.close(); client.close(); cluster.close()
    """

    def __init__(
        self,
        dim: int,
        metric: str = "cosine",
        *,
        client: Any = None,
        n_shards: int | None = None,
        index: str = "flat",
        **index_options: Any,
    ) -> None:
        try:
            from distributed import Client
        except ImportError as err:
            raise ImportError("ShardedStore needs the optional Dask dependency: "
                              "pip install 'lukhas[dask]' (dask[distributed]).") from err

        self._profile = BACKENDS["ShardedStore"].profile(index)
        self.index_kind = self._profile.index
        options = self._profile.check_index_options(index_options)
        self.dim = check_int("dim", dim, low=1)
        self._metric = self._profile.check_metric(metric)
        self.metric = self._metric.name
        if client is None:
            try:
                client = Client.current()  # type: ignore[no-untyped-call]
            except ValueError as err:
                raise ValueError("no Dask client is running: pass `client=` "
                                 "(e.g. Client(LocalCluster())).") from err
        elif not isinstance(client, Client):
            raise TypeError(f"`client` must be a distributed.Client, got {describe(client)}.")
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise ValueError("the Dask cluster has no workers.")
        count = len(workers) if n_shards is None else check_int("n_shards", n_shards, low=1)
        self.client = client
        futures = [client.submit(_Shard, self.dim, self.metric, self.index_kind,
                                 options, actor=True,
                                 workers=[workers[s % len(workers)]], pure=False)
                   for s in range(count)]
        self._shards = [future.result() for future in futures]
        self._sizes = [0] * count
        self._ledger = IdLedger(self._stored)
        self._lock = threading.Lock()
        self._closed = False
        logger.debug("sharded store: %d shard(s) over %d worker(s)", count, len(workers))

    @property
    def n_shards(self) -> int:
        """Number of shards."""
        return len(self._shards)

    @property
    def shard_sizes(self) -> list[int]:
        """Items per shard."""
        return list(self._sizes)

    def __len__(self) -> int:
        return sum(self._sizes)

    def __repr__(self) -> str:
        return (f"ShardedStore(dim={self.dim}, metric={self.metric!r}, index={self.index_kind!r}, "
                f"n_shards={self.n_shards}, size={len(self)})")

    def __contains__(self, ident: object) -> bool:
        key = id_key(ident)
        if key < 0:
            return False
        shard = self._shards[key % self.n_shards]
        return bool(shard.stored(np.array([key], dtype=np.int64)).result())

    def close(self) -> None:
        """Release the shards (their data is dropped); idempotent.  The client stays open.

        Examples
        --------
        See :class:`ShardedStore`.
        """
        with self._lock:
            self._shards, self._sizes, self._closed = [], [], True

    def _live(self) -> list[Any]:
        if self._closed:
            raise ValueError("the store is closed.")
        return self._shards

    def _route(self, ids: npt.NDArray[np.int64]) -> list[npt.NDArray[np.intp]]:
        owner = ids % self.n_shards
        return [np.flatnonzero(owner == s) for s in range(self.n_shards)]

    def _stored(self, ids: npt.NDArray[np.int64]) -> list[int]:
        shards = self._live()
        calls = [shards[s].stored(ids[rows])
                 for s, rows in enumerate(self._route(ids)) if rows.size]
        return sorted(i for call in calls for i in call.result())

    def add(self, vectors: Any, ids: Any = None,
            metadata: Sequence[Mapping[str, Any]] | None = None) -> npt.NDArray[np.int64]:
        """Store a batch on the shards.

        Parameters
        ----------
        vectors : array_like of shape (n, dim) or (dim,)
            Finite values, sent to the shards as float32.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids on no shard; by default fresh ids (never reused).
        metadata : sequence of n mappings, optional
            One JSON-serialisable mapping per item, kept on its shard (default ``{}``).

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64, each on shard ``id % n_shards``

        Raises
        ------
        TypeError, ValueError
            Bad vectors, ids or metadata, or ids already stored; nothing is stored then.

        Examples
        --------
        See :class:`ShardedStore`.
        """
        arr = prepare_vectors("vectors", vectors, self.dim, np.dtype(np.float32), self._metric,
                              normalize=False)
        meta = decode_metadata(metadata, arr.shape[0])
        with self._lock:
            shards = self._live()
            new_ids = self._ledger.claim(arr.shape[0], ids)
            calls = []
            for s, rows in enumerate(self._route(new_ids)):
                if rows.size:
                    calls.append(shards[s].add(np.ascontiguousarray(arr[rows]), new_ids[rows],
                                               [meta[r] for r in rows.tolist()]))
                    self._sizes[s] += int(rows.size)
            for call in calls:
                call.result()
            self._ledger.commit(new_ids)
        return new_ids

    def remove(self, ids: Any) -> None:
        """Delete items by id.

        Parameters
        ----------
        ids : array_like of int
            Ids held by the shards; if one is not held, no shard is touched.

        Raises
        ------
        KeyError
            If one is on no shard.

        Examples
        --------
        See :class:`ShardedStore`.
        """
        with self._lock:
            shards = self._live()
            doomed = self._ledger.removable(ids)
            calls = []
            for s, rows in enumerate(self._route(doomed)):
                if rows.size:
                    calls.append(shards[s].remove(doomed[rows]))
                    self._sizes[s] -= int(rows.size)
            for call in calls:
                call.result()

    def metadata(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """Metadata of stored items, in the order asked.

        Raises
        ------
        KeyError
            If an id is on no shard.

        Examples
        --------
        See :class:`ShardedStore`.
        """
        wanted = np.array([int(i) for i in ids], dtype=np.int64)
        with self._lock:
            shards = self._live()
            routes = self._route(wanted)
            calls = [(rows, shards[s].metadata(wanted[rows].tolist()))
                     for s, rows in enumerate(routes) if rows.size]
            out: list[dict[str, Any] | None] = [None] * wanted.size
            for rows, call in calls:
                for row, found in zip(rows.tolist(), call.result(), strict=True):
                    out[row] = found
        missing = [int(wanted[j]) for j, m in enumerate(out) if m is None]
        if missing:
            raise KeyError(f"ids {missing[:5]} are not stored.")
        return [dict(m) for m in out if m is not None]

    def search(self, queries: Any, k: int, *, where: Mapping[str, Any] | None = None,
               **search_options: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
        """Top-k over every shard (scatter the queries, gather and merge the shard top-ks).

        Parameters
        ----------
        queries : array_like of shape (nq, dim) or (dim,)
            Finite query vectors, sent to every shard.
        k : int
            Neighbours per query, >= 1; each shard returns its own k.
        where : mapping of str to str, int, float or bool, optional
            Equality filters on top-level metadata keys, run on the shards
            (exact search among matches).
        **search_options
            ``ef`` and ``exact`` with ``index="hnsw"``, passed to the shards
            when unfiltered; a ``"flat"`` store takes none.

        Returns
        -------
        ids : ndarray of shape (nq, k) or (k,), dtype=int64
            The merged top-k, best first; -1 past the number of items.
        scores : ndarray of shape (nq, k) or (k,), dtype=float32
            Their scores in the metric's convention.

        Examples
        --------
        See :class:`ShardedStore`.
        """
        given = self._profile.check_search_options({"where": where, **search_options})
        q, k, single = prepare_search(queries, k, self.dim, np.dtype(np.float32), self._metric)
        with self._lock:
            shards = self._live()
            calls = [shard.search(q, k, given.where, given.index_kwargs())
                     for shard, size in zip(shards, self._sizes, strict=True) if size]
            parts = [call.result() for call in calls]
        if parts:
            ids = np.concatenate([p[0] for p in parts], axis=1)
            scores = np.concatenate([p[1] for p in parts], axis=1)
            return unwrap(single, *merge_topk(ids, scores, k, self.metric))
        return unwrap(single, *empty_result(q.shape[0], k, self._metric, np.dtype(np.float32)))
