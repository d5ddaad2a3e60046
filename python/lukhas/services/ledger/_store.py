"""The ledger's store core: one schema and one set of queries for every SQL backend.

A backend (:mod:`._sqlite`, :mod:`._postgres`) supplies a connection, its SQL dialect
(placeholder, column types, triggers) and how a write transaction takes the ledger's
lock; everything else (appending under the lock, reading pages, checkpoints, recorded
roots) lives here once.

Tables, for a ledger named ``N``:

- ``N_entries(idx, kind, actor, stamp, ctype, payload, leaf_hash, chain_hash)``: one
  row per entry, ``idx`` the primary key;
- ``N_checkpoints(size, chain_head)``: one row per append transaction, the ledger's size
  and last chain hash after it committed;
- ``N_roots(size, root)``: every tree head the ledger handed out.

Triggers refuse UPDATE and DELETE on all three, so the library can only append.
"""

from __future__ import annotations

import abc
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final, NamedTuple

__all__ = ["Row", "StoreCore"]

logger = logging.getLogger(__name__)

_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
_COLUMNS: Final = "idx, kind, actor, stamp, ctype, payload, leaf_hash, chain_hash"
_INSERT: Final = "INSERT INTO {e} ({cols}) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"


class Row(NamedTuple):
    """One stored entry, exactly as the ``entries`` table holds it."""

    idx: int
    kind: str
    actor: str
    stamp: int
    ctype: str
    payload: bytes
    leaf_hash: bytes
    chain_hash: bytes


def check_name(name: Any) -> str:
    """The ledger name, checked: it becomes a table-name prefix."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, got {type(name).__name__}.")
    if not _NAME.fullmatch(name):
        raise ValueError(
            "`name` must be 1-40 characters of lowercase letters, digits and '_', starting "
            f"with a letter, got {name!r}."
        )
    return name


class StoreCore(abc.ABC):
    """Shared queries over a DB-API connection; subclasses supply the dialect.

    Parameters
    ----------
    name : str
        The ledger's name: its tables are ``<name>_entries`` and so on.
    """

    #: The DB-API placeholder (``?`` or ``%s``).
    placeholder: str = "?"
    #: The backend's name in messages and reports.
    backend: str = ""

    def __init__(self, name: str) -> None:
        self.name = check_name(name)
        self.entries_table = f"{name}_entries"
        self.checkpoints_table = f"{name}_checkpoints"
        self.roots_table = f"{name}_roots"
        self._lock = threading.RLock()

    # ---- the dialect -------------------------------------------------------------

    @abc.abstractmethod
    def _schema(self) -> list[str]:
        """The statements that create the tables and triggers (idempotent)."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A transaction holding the ledger's write lock; yields a cursor."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Any]:
        """A cursor for reads (one consistent snapshot where the backend offers it)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection."""

    # ---- shared queries ----------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.format(
            e=self.entries_table, c=self.checkpoints_table, r=self.roots_table,
            p=self.placeholder, cols=_COLUMNS,
        )

    def create(self) -> None:
        """Create the tables and triggers if they are missing."""
        with self._lock, self._write() as cur:
            for statement in self._schema():
                cur.execute(statement)

    def append(
        self, build: Callable[[int, bytes, int], Sequence[Row]],
        hook: Callable[[Any, list[Row]], None] | None = None,
    ) -> tuple[list[Row], bytes]:
        """Append rows under the write lock.

        ``build(next_index, chain_head, last_stamp)`` returns the rows to insert; it is
        called inside the transaction, after the lock is taken, so its view of the tail
        is the one the rows extend.  ``hook(cursor, rows)``, when given, runs after the
        rows are inserted and before the commit, with the transaction's cursor: whatever
        it writes commits or rolls back together with the rows (an index kept beside
        the ledger, for example).  Returns the rows and the new chain head.
        """
        with self._lock, self._write() as cur:
            cur.execute(self._sql("SELECT size, chain_head FROM {c} ORDER BY size DESC LIMIT 1"))
            got = cur.fetchone()
            size, head = (int(got[0]), bytes(got[1])) if got else (0, bytes(32))
            cur.execute(self._sql("SELECT stamp FROM {e} ORDER BY idx DESC LIMIT 1"))
            last = cur.fetchone()
            rows = list(build(size, head, int(last[0]) if last else 0))
            if not rows:
                return [], head
            cur.executemany(
                self._sql(_INSERT),
                [tuple(r) for r in rows],
            )
            new_head = rows[-1].chain_hash
            cur.execute(
                self._sql("INSERT INTO {c} (size, chain_head) VALUES ({p}, {p})"),
                (size + len(rows), new_head),
            )
            if hook is not None:
                hook(cur, rows)
        return rows, new_head

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction on the ledger's database, holding its write lock.

        Yields a DB-API cursor (placeholder :attr:`placeholder`); the statements commit
        together at exit, or roll back if the block raises.  For tables kept beside
        the ledger's own (which stay append-only whatever is written here).
        """
        with self._lock, self._write() as cur:
            yield cur

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A DB-API cursor for reads on the ledger's database."""
        with self._lock, self._read() as cur:
            yield cur

    def size(self) -> int:
        """Number of entries (the largest index + 1 as stored; 0 when empty)."""
        with self._lock, self._read() as cur:
            cur.execute(self._sql("SELECT MAX(idx) FROM {e}"))
            got = cur.fetchone()
        return 0 if got is None or got[0] is None else int(got[0]) + 1

    def rows(self, start: int, stop: int | None = None, page: int = 4096) -> Iterator[Row]:
        """Entries with ``start <= idx < stop`` in index order, read a page at a time."""
        nxt = start
        while stop is None or nxt < stop:
            limit = page if stop is None else min(page, stop - nxt)
            with self._lock, self._read() as cur:
                cur.execute(
                    self._sql("SELECT {cols} FROM {e} WHERE idx >= {p} ORDER BY idx LIMIT {p}"),
                    (nxt, limit),
                )
                batch = cur.fetchall()
            for r in batch:
                yield Row(int(r[0]), r[1], r[2], int(r[3]), r[4], bytes(r[5]), bytes(r[6]),
                          bytes(r[7]))
            if len(batch) < limit:
                return
            nxt = int(batch[-1][0]) + 1

    def leaf_hashes(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        """``(idx, leaf_hash)`` of entries with ``start <= idx < stop``, in index order."""
        with self._lock, self._read() as cur:
            cur.execute(
                self._sql("SELECT idx, leaf_hash FROM {e} WHERE idx >= {p} AND idx < {p} "
                          "ORDER BY idx"),
                (start, stop),
            )
            return [(int(i), bytes(h)) for i, h in cur.fetchall()]

    def checkpoints(self) -> list[tuple[int, bytes]]:
        """Every ``(size, chain_head)`` checkpoint, by size."""
        with self._lock, self._read() as cur:
            cur.execute(self._sql("SELECT size, chain_head FROM {c} ORDER BY size"))
            return [(int(s), bytes(h)) for s, h in cur.fetchall()]

    def roots(self) -> list[tuple[int, bytes]]:
        """Every recorded ``(size, root)``, by size."""
        with self._lock, self._read() as cur:
            cur.execute(self._sql("SELECT size, root FROM {r} ORDER BY size"))
            return [(int(s), bytes(h)) for s, h in cur.fetchall()]

    def record_root(self, size: int, root: bytes, recorded_ms: int) -> None:
        """Record a tree head handed out (kept once per size)."""
        with self._lock, self._write() as cur:
            cur.execute(self._sql("SELECT root FROM {r} WHERE size = {p}"), (size,))
            if cur.fetchone() is None:
                cur.execute(
                    self._sql("INSERT INTO {r} (size, root, recorded_ms) VALUES ({p}, {p}, {p})"),
                    (size, root, recorded_ms),
                )

    def insert_verbatim(
        self, rows: Sequence[Row], checkpoints: Sequence[tuple[int, bytes]]
    ) -> None:
        """Insert already-hashed rows and checkpoints into an empty ledger (import)."""
        with self._lock, self._write() as cur:
            cur.execute(self._sql("SELECT COUNT(*) FROM {e}"))
            got = cur.fetchone()
            if got is not None and int(got[0]) != 0:
                raise ValueError(
                    f"`store` must be an empty ledger to import into; {self.name!r} holds "
                    f"{int(got[0])} entries."
                )
            cur.executemany(
                self._sql(_INSERT),
                [tuple(r) for r in rows],
            )
            cur.executemany(
                self._sql("INSERT INTO {c} (size, chain_head) VALUES ({p}, {p})"),
                list(checkpoints),
            )
