"""``SQLiteStore``: vectors, ids and JSON metadata persisted in SQLite (WAL)."""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._exceptions import StoreBusyError
from lukhas._validation import check_int, check_real
from lukhas.primitives.vector._checks import normalize_rows
from lukhas.primitives.vector._core import (
    BACKENDS,
    Closing,
    IdLedger,
    encode_metadata,
    matches,
    prepare_search,
    prepare_vectors,
    unwrap,
    where_sql,
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
    # Every add and remove appends the ids it touched, in its own transaction: other
    # connections replay the log past what they saw (see SQLiteStore._sync).
    "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id INTEGER NOT NULL)",
)
#: The change log keeps at least this many entries (and at least one per item).
_LOG_FLOOR = 10_000
_LOAD_CHUNK = 8192
#: The persisted id counter (a row of ``settings``): the next fresh id.
_NEXT_ID = "next_id"


class SQLiteStore(Closing):
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
    busy_timeout : float, default=5.0
        Seconds a write waits for another writer's lock before raising
        :class:`~lukhas._exceptions.StoreBusyError`.
    **index_options
        Passed to :class:`HNSWIndex` (``M``, ``ef_construction``, ``seed``,
        ``ef``, ``rebuild_ratio``, ``n_threads``) with ``index="hnsw"``; a
        ``"flat"`` store takes none.  Others raise ``ValueError``.

    Notes
    -----
    Vectors are stored as float32 as given (cosine normalisation happens in
    the index).  Metadata is one JSON object per item.  ``search(where=...)``
    keeps items whose metadata equals every given ``key: value`` (the store
    core's filter language, evaluated inside SQLite); filtered searches are
    exact over the matching items.  The next fresh id is persisted and
    allocated inside the write transaction: an id is never handed out twice,
    even after its item was removed and the store reopened.

    Several processes (or several stores in one process) may share one file:
    each write commits the ids it touched to a change log in the same
    transaction, and every call first checks SQLite's ``data_version``; when
    another connection committed, the log past what this store saw is replayed
    into its index (a store that fell behind the pruned log reloads), so every
    store answers from every committed row.

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
        busy_timeout: float = 5.0,
        **index_options: Any,
    ) -> None:
        self.path = os.fspath(path)
        self.busy_timeout = check_real("busy_timeout", busy_timeout, low=0.0, high=86_400.0)
        self._profile = BACKENDS["SQLiteStore"].profile(index)
        self.index_kind = self._profile.index
        options = self._profile.check_index_options(index_options)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                     timeout=self.busy_timeout)
        self._version = -1   # PRAGMA data_version when this connection last synced
        self._seen = 0       # the last change-log entry applied to the index
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.create_function("lukhas_where", 2, _where_holds, deterministic=True)
            for statement in _SCHEMA:
                self._conn.execute(statement)
            self.dim, self.metric = self._settle_settings(dim, metric)
            self._metric = self._profile.check_metric(self.metric)
            self._options = options
            self._index: FlatIndex | HNSWIndex = self._new_index()
            self._ledger = IdLedger(self._held)
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
            metric = self._profile.check_metric("cosine" if metric is None else metric).name
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR IGNORE INTO settings VALUES (?, ?)",
                                       [("dim", str(dim)), ("metric", metric)])
            stored = dict(self._conn.execute("SELECT key, value FROM settings").fetchall())
        stored_dim, stored_metric = int(stored["dim"]), stored["metric"]
        if dim is not None and check_int("dim", dim, low=1) != stored_dim:
            raise ValueError(f"`dim` must match the store {self.path!r} ({stored_dim}), got {dim}.")
        if metric is not None and self._profile.check_metric(metric).name != stored_metric:
            raise ValueError(f"`metric` must match the store {self.path!r} "
                             f"({stored_metric!r}), got {metric!r}.")
        return stored_dim, stored_metric

    def _load(self) -> None:
        cursor = self._conn.execute("SELECT id, vector FROM items ORDER BY id")
        while rows := cursor.fetchmany(_LOAD_CHUNK):
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
            self._index.add(vectors.reshape(len(rows), self.dim), ids)
        self._ledger.advance(self._persisted_next_id())
        self._seen = int(self._conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0])
        self._version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        logger.debug("opened %s with %d items", self.path, len(self._index))

    def _sync(self) -> None:
        """Bring the index up to date with commits of other connections (lock held)."""
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if version == self._version:
            return
        first = self._conn.execute("SELECT MIN(seq) FROM changes").fetchone()[0]
        if first is not None and first > self._seen + 1:  # the log was pruned past us
            self._index = self._new_index()
            self._load()
            return
        rows = self._conn.execute("SELECT seq, id FROM changes WHERE seq > ? ORDER BY seq",
                                  (self._seen,)).fetchall()
        touched = np.unique(np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)))
        held = [i for i in touched.tolist() if i in self._index]
        if held:
            self._index.remove(held)
        for start in range(0, touched.size, 500):
            chunk = touched[start: start + 500].tolist()
            found = self._conn.execute(
                f"SELECT id, vector FROM items WHERE id IN ({','.join('?' * len(chunk))})"
                " ORDER BY id", chunk).fetchall()
            if found:
                ids = np.fromiter((r[0] for r in found), dtype=np.int64, count=len(found))
                vectors = np.frombuffer(b"".join(r[1] for r in found), dtype=np.float32)
                self._index.add(vectors.reshape(len(found), self.dim), ids)
        if rows:
            self._seen = int(rows[-1][0])
        self._ledger.advance(self._persisted_next_id())
        self._version = version

    def _new_index(self) -> FlatIndex | HNSWIndex:
        return (FlatIndex(self.dim, self.metric) if self.index_kind == "flat"
                else HNSWIndex(self.dim, self.metric, **self._options))

    def _begin_write(self) -> None:
        """Take the write lock (BEGIN IMMEDIATE), or raise StoreBusyError after the wait."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise StoreBusyError(self.path, self.busy_timeout) from err
            raise
        self._sync()

    def _log(self, ids: Iterable[int]) -> None:
        """Record touched ids in the change log and keep the log bounded (in the txn)."""
        self._conn.executemany("INSERT INTO changes (id) VALUES (?)", [(int(i),) for i in ids])
        last = self._conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]
        keep = max(_LOG_FLOOR, len(self._index))
        self._conn.execute("DELETE FROM changes WHERE seq <= ?", (int(last) - keep,))
        self._seen = int(last)

    def _held(self, ids: npt.NDArray[np.int64]) -> list[int]:
        return [i for i in ids.tolist() if i in self._index]

    def _persisted_next_id(self) -> int:
        """The persisted counter; a store written before it had one counts from MAX(id)."""
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?",
                                 (_NEXT_ID,)).fetchone()
        if row is not None:
            return int(row[0])
        return int(self._conn.execute("SELECT COALESCE(MAX(id) + 1, 0) FROM items").fetchone()[0])

    def __len__(self) -> int:
        with self._lock:
            self._sync()
            return len(self._index)

    def __contains__(self, ident: object) -> bool:
        with self._lock:
            self._sync()
            return ident in self._index

    def __repr__(self) -> str:
        return (f"SQLiteStore({self.path!r}, dim={self.dim}, metric={self.metric!r}, "
                f"index={self.index_kind!r}, size={len(self)})")

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
            Finite values, written as float32 blobs.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids without a row; by default the persisted counter's next ids.
        metadata : sequence of n mappings, optional
            A JSON-serialisable mapping per item, its metadata row (default ``{}``).

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64, the rows written

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
        arr = prepare_vectors("vectors", vectors, self.dim, np.dtype(np.float32), self._metric,
                              normalize=False)
        texts = encode_metadata(metadata, arr.shape[0])
        with self._lock:
            with self._conn:
                self._begin_write()
                # The counter is read and advanced inside the write transaction, after
                # the index caught up with other writers (so clash checks see their rows).
                self._ledger.advance(self._persisted_next_id())
                new_ids = self._ledger.claim(arr.shape[0], ids)
                self._conn.executemany(
                    "INSERT INTO items VALUES (?, ?, ?)",
                    [(i, arr[j].tobytes(), texts[j]) for j, i in enumerate(new_ids.tolist())])
                self._conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                                   (_NEXT_ID, str(self._ledger.following(new_ids))))
                self._log(new_ids.tolist())
            self._ledger.commit(new_ids)
            self._index.add(arr, new_ids)
        return new_ids

    def remove(self, ids: Any) -> None:
        """Delete items by id, atomically.

        Parameters
        ----------
        ids : array_like of int
            Ids with a row; if one has none, nothing is deleted.

        Raises
        ------
        KeyError
            If one has no row; the transaction is rolled back then.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=1) as store:
        ...     _ = store.add([[1.0], [2.0]])
        ...     store.remove([0])
        ...     len(store)
        1
        """
        with self._lock:
            with self._conn:
                self._begin_write()
                doomed = self._ledger.removable(ids)
                self._conn.executemany("DELETE FROM items WHERE id = ?",
                                       [(int(i),) for i in doomed])
                self._log(doomed.tolist())
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
            If an id has no row.

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
            Finite query vectors (float32).
        k : int
            Neighbours per query, >= 1 (rows padded with -1).
        where : mapping of str to str, int, float or bool, optional
            Equality filters on top-level metadata keys, all of which must hold.
        **search_options
            ``ef`` and ``exact`` with ``index="hnsw"``, passed to the index
            when unfiltered; a ``"flat"`` store takes none.

        Returns
        -------
        ids : ndarray of shape (nq, k) or (k,), dtype=int64
            Best first, -1 where fewer items (or matches) exist.
        scores : ndarray of shape (nq, k) or (k,), dtype=float32

        Raises
        ------
        TypeError, ValueError
            Bad queries, ``k``, filters or options, or an option the store does not take.

        Examples
        --------
        >>> with SQLiteStore(":memory:", dim=2, metric="ip") as store:
        ...     _ = store.add([[1.0, 0.0], [0.9, 0.0]], metadata=[{"x": 1}, {"x": 2}])
        ...     store.search([1.0, 0.0], k=1, where={"x": 2})[0].tolist()
        [1]
        """
        given = self._profile.check_search_options({"where": where, **search_options})
        if given.where is None:
            with self._lock:
                self._sync()
                return self._index.search(queries, k, **given.index_kwargs())
        q, k, single = prepare_search(queries, k, self.dim, np.dtype(np.float32), self._metric)
        # The filter as an SQL condition (exact, see where_sql); where SQL cannot say
        # it exactly, the core's evaluator runs once per row as an SQL function.
        clause, params = where_sql(given.where) or (
            "lukhas_where(metadata, ?)", [json.dumps(given.where, sort_keys=True)])
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, vector FROM items WHERE {clause} ORDER BY id", params).fetchall()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        base = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        base = base.reshape(len(rows), self.dim)  # checked when added: trusted here
        if self._metric.unit_rows:
            base = normalize_rows("vectors", base)
        return unwrap(single, *exact_search(base, ids, q, k, self.metric))


@functools.lru_cache(maxsize=64)
def _parsed(where_text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(where_text)
    return parsed


def _where_holds(metadata_text: str, where_text: str) -> bool:
    """SQL function ``lukhas_where``: the core's :func:`matches` on one row's JSON."""
    return matches(json.loads(metadata_text), _parsed(where_text))

