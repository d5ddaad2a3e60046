"""``SQLiteStore``: vectors, ids and JSON metadata persisted in SQLite (WAL)."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_choice, check_int, describe
from lukhas.primitives.vector._checks import (
    check_ids,
    check_k,
    check_metric,
    check_queries,
    check_vectors,
    normalize_rows,
)
from lukhas.primitives.vector._exact import exact_search
from lukhas.primitives.vector.flat import FlatIndex
from lukhas.primitives.vector.hnsw import HNSWIndex

__all__ = ["SQLiteStore"]

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS items ("
    " id INTEGER PRIMARY KEY, vector BLOB NOT NULL, metadata TEXT NOT NULL DEFAULT '{}')",
)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOAD_CHUNK = 8192
_INDEXES = ("flat", "hnsw")


class SQLiteStore:
    """A persistent vector store: SQLite holds the truth, an in-memory index serves search.

    Every :meth:`add` or :meth:`remove` is one SQLite transaction (WAL journal,
    ``synchronous=FULL``): a batch is either fully stored or absent, even when
    the writing process is killed.  The search index is rebuilt from the table
    when the store is opened.

    Parameters
    ----------
    path : str or path-like
        Database file (created when missing).  ``":memory:"`` keeps it in memory.
    dim : int, optional
        Vector width; required for a new store, checked against an existing one.
    metric : {"ip", "cosine", "l2"}, optional
        Default ``"cosine"`` for a new store; checked against an existing one.
    index : {"flat", "hnsw"}, default="flat"
        In-memory index kind.
    **index_options
        Passed to :class:`HNSWIndex` (``M``, ``ef_construction``, ``seed``, ``ef``).

    Notes
    -----
    Vectors are stored as float32 as given (cosine normalisation happens in
    the index).  Metadata is one JSON object per item.  ``search(where=...)``
    keeps items whose metadata equals every given ``key: value``; filtered
    searches are exact over the matching items.

    Examples
    --------
    >>> store = SQLiteStore(":memory:", dim=2, metric="l2")
    >>> store.add([[0.0, 0.0], [3.0, 4.0]], metadata=[{"kind": "a"}, {"kind": "b"}]).tolist()
    [0, 1]
    >>> ids, dist = store.search([3.0, 3.0], k=1, where={"kind": "a"})
    >>> ids.tolist(), dist.tolist(), store.metadata([1])
    ([0], [18.0], [{'kind': 'b'}])
    >>> store.close()
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        dim: int | None = None,
        metric: str | None = None,
        *,
        index: str = "flat",
        **index_options: Any,
    ) -> None:
        self.path = os.fspath(path)
        self.index_kind = check_choice("index", index, _INDEXES)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            for statement in _SCHEMA:
                self._conn.execute(statement)
            self.dim, self.metric = self._settle_settings(dim, metric)
            self._index: FlatIndex | HNSWIndex = (
                FlatIndex(self.dim, self.metric) if self.index_kind == "flat"
                else HNSWIndex(self.dim, self.metric, **index_options)
            )
            self._load()
        except BaseException:
            self._conn.close()
            raise

    def _settle_settings(self, dim: int | None, metric: str | None) -> tuple[int, str]:
        stored = dict(self._conn.execute("SELECT key, value FROM settings").fetchall())
        if not stored:
            if dim is None:
                raise TypeError(f"`dim` is required to create the store {self.path!r}.")
            dim = check_int("dim", dim, low=1)
            metric = check_metric("cosine" if metric is None else metric)
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR IGNORE INTO settings VALUES (?, ?)",
                                       [("dim", str(dim)), ("metric", metric)])
            stored = dict(self._conn.execute("SELECT key, value FROM settings").fetchall())
        stored_dim, stored_metric = int(stored["dim"]), stored["metric"]
        if dim is not None and check_int("dim", dim, low=1) != stored_dim:
            raise ValueError(f"`dim` must match the store {self.path!r} ({stored_dim}), got {dim}.")
        if metric is not None and check_metric(metric) != stored_metric:
            raise ValueError(f"`metric` must match the store {self.path!r} "
                             f"({stored_metric!r}), got {metric!r}.")
        return stored_dim, stored_metric

    def _load(self) -> None:
        cursor = self._conn.execute("SELECT id, vector FROM items ORDER BY id")
        while rows := cursor.fetchmany(_LOAD_CHUNK):
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
            self._index.add(vectors.reshape(len(rows), self.dim), ids)
        logger.debug("opened %s with %d items", self.path, len(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, ident: object) -> bool:
        return ident in self._index

    def __repr__(self) -> str:
        return (f"SQLiteStore({self.path!r}, dim={self.dim}, metric={self.metric!r}, "
                f"index={self.index_kind!r}, size={len(self)})")

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection (idempotent).

        Examples
        --------
        >>> SQLiteStore(":memory:", dim=1).close()
        """
        with self._lock:
            self._conn.close()

    def add(
        self,
        vectors: Any,
        ids: Any = None,
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> npt.NDArray[np.int64]:
        """Store a batch atomically.

        Parameters
        ----------
        vectors : array_like of shape (n, dim) or (dim,)
            Finite values, stored as float32.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids not yet stored; by default the next free ids.
        metadata : sequence of n mappings, optional
            JSON-serialisable metadata per item (default ``{}``).

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64

        Raises
        ------
        TypeError, ValueError
            Bad vectors, ids or metadata; nothing is stored then.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=2) as store:
        ...     store.add([[1.0, 0.0]], ids=[4], metadata=[{"tag": "x"}]).tolist()
        [4]
        """
        arr = check_vectors("vectors", vectors, self.dim, np.dtype(np.float32))
        n = arr.shape[0]
        if self.metric == "cosine":
            normalize_rows("vectors", arr)  # rejects zero rows before anything is written
        texts = _metadata_texts(metadata, n)
        with self._lock:
            if ids is None:
                row = self._conn.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM items").fetchone()
                new_ids = np.arange(row[0], row[0] + n, dtype=np.int64)
            else:
                new_ids = check_ids(ids, n)
                clash = [int(i) for i in new_ids if int(i) in self._index]
                if clash:
                    raise ValueError(f"`ids` {clash[:5]} are already stored; remove them first.")
            records = [(int(i), arr[j].tobytes(), texts[j]) for j, i in enumerate(new_ids)]
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT INTO items VALUES (?, ?, ?)", records)
            self._index.add(arr, new_ids)
        return new_ids

    def remove(self, ids: Any) -> None:
        """Delete items by id, atomically.

        Parameters
        ----------
        ids : array_like of int
            Stored ids; if one is missing nothing is deleted.

        Raises
        ------
        KeyError
            If an id is not stored.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=1) as store:
        ...     _ = store.add([[1.0], [2.0]])
        ...     store.remove([0])
        ...     len(store)
        1
        """
        doomed = np.unique(np.atleast_1d(np.asarray(ids)))
        doomed = check_ids(doomed, doomed.size)
        with self._lock:
            missing = [int(i) for i in doomed if int(i) not in self._index]
            if missing:
                raise KeyError(f"ids {missing[:5]} are not stored; nothing was removed.")
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("DELETE FROM items WHERE id = ?",
                                       [(int(i),) for i in doomed])
            self._index.remove(doomed)

    def metadata(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """Metadata of stored items, in the order asked.

        Parameters
        ----------
        ids : iterable of int
            Stored ids.

        Returns
        -------
        metadata : list of dict

        Raises
        ------
        KeyError
            If an id is not stored.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=1) as store:
        ...     _ = store.add([[1.0]], metadata=[{"a": 1}])
        ...     store.metadata([0])
        [{'a': 1}]
        """
        wanted = [int(i) for i in ids]
        with self._lock:
            found: dict[int, str] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(self._conn.execute(
                    f"SELECT id, metadata FROM items WHERE id IN ({marks})", chunk).fetchall())
        missing = [i for i in wanted if i not in found]
        if missing:
            raise KeyError(f"ids {missing[:5]} are not stored.")
        return [json.loads(found[i]) for i in wanted]

    def search(
        self,
        queries: Any,
        k: int,
        *,
        where: Mapping[str, Any] | None = None,
        **search_options: Any,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
        """Top-k neighbours, optionally among items whose metadata matches ``where``.

        Parameters
        ----------
        queries : array_like of shape (nq, dim) or (dim,)
            Finite query vectors.
        k : int
            Neighbours per query, >= 1 (rows padded with -1).
        where : mapping of str to str, int, float or bool, optional
            Equality filters on top-level metadata keys, all of which must hold.
        **search_options
            Passed to the index (``ef``, ``exact`` for HNSW) when unfiltered.

        Returns
        -------
        ids : ndarray of shape (nq, k) or (k,), dtype=int64
        scores : ndarray of shape (nq, k) or (k,), dtype=float32

        Raises
        ------
        TypeError, ValueError
            Bad queries, ``k`` or filters.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=2, metric="ip") as store:
        ...     _ = store.add([[1.0, 0.0], [0.9, 0.0]], metadata=[{"x": 1}, {"x": 2}])
        ...     store.search([1.0, 0.0], k=1, where={"x": 2})[0].tolist()
        [1]
        """
        if where is None:
            with self._lock:
                return self._index.search(queries, k, **search_options)
        k = check_k(k)
        q, single = check_queries(queries, self.dim, np.dtype(np.float32))
        clauses, params = _where_sql(where)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, vector FROM items WHERE {clauses} ORDER BY id", params).fetchall()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        base = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        base = base.reshape(len(rows), self.dim)
        if self.metric == "cosine":
            base, q = normalize_rows("vectors", base), normalize_rows("queries", q)
        found, scores = exact_search(np.ascontiguousarray(base), ids, q, k, self.metric)
        if single:
            return found[0], scores[0]
        return found, scores


def _metadata_texts(metadata: Sequence[Mapping[str, Any]] | None, n: int) -> list[str]:
    if metadata is None:
        return ["{}"] * n
    if isinstance(metadata, Mapping | str | bytes) or not isinstance(metadata, Sequence):
        raise TypeError(f"`metadata` must be a sequence of mappings, got {describe(metadata)}.")
    if len(metadata) != n:
        raise ValueError(f"`metadata` must hold one mapping per vector ({n}), got {len(metadata)}.")
    texts = []
    for j, item in enumerate(metadata):
        if not isinstance(item, Mapping):
            raise TypeError(f"`metadata[{j}]` must be a mapping, got {describe(item)}.")
        try:
            texts.append(json.dumps(dict(item), allow_nan=False, sort_keys=True))
        except (TypeError, ValueError) as err:
            raise ValueError(f"`metadata[{j}]` must be JSON-serialisable: {err}") from err
    return texts


def _where_sql(where: Mapping[str, Any]) -> tuple[str, list[Any]]:
    if not isinstance(where, Mapping) or not where:
        raise TypeError(f"`where` must be a non-empty mapping, got {describe(where)}.")
    clauses, params = [], []
    for key, value in where.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"`where` keys must be identifiers, got {key!r}.")
        if isinstance(value, bool):
            value = int(value)  # JSON true/false read back as 1/0
        elif not isinstance(value, str | int | float):
            raise TypeError(f"`where[{key!r}]` must be a str, int, float or bool, "
                            f"got {describe(value)}.")
        clauses.append("json_extract(metadata, ?) = ?")
        params += [f"$.{key}", value]
    return " AND ".join(clauses), params
