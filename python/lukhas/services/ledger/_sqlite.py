"""SQLite backend of the ledger: WAL, full fsync on commit, append-only triggers.

Opening a file runs ``PRAGMA integrity_check`` and refuses a damaged database.  Every
append is one ``BEGIN IMMEDIATE`` transaction, so appenders in several processes
(or threads) take turns on the tail and can never fork the chain; ``synchronous=FULL``
makes a committed entry survive a crash of the process or the machine.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lukhas.services.ledger._errors import LedgerIntegrityError
from lukhas.services.ledger._store import StoreCore

__all__ = ["SQLiteStore"]

logger = logging.getLogger(__name__)


class SQLiteStore(StoreCore):
    """A ledger's tables in one SQLite database.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created if missing), or ``":memory:"``.
    name : str, default "ledger"
        The ledger's name (table prefix); several ledgers may share one file.
    timeout : float, default 30.0
        Seconds to wait for another writer's lock before giving up.

    Raises
    ------
    LedgerIntegrityError
        If ``PRAGMA integrity_check`` reports damage.

    Examples
    --------
    >>> store = SQLiteStore(":memory:")
    >>> store.size()
    0
    >>> store.close()
    """

    placeholder = "?"
    backend = "sqlite"

    def __init__(
        self, path: str | os.PathLike[str] = ":memory:", name: str = "ledger", timeout: float = 30.0
    ) -> None:
        super().__init__(name)
        self.path = os.fspath(path)
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            check = self._conn.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise LedgerIntegrityError(
                    f"SQLite integrity_check failed for {self.path!r}: "
                    + "; ".join(str(r[0]) for r in check[:5])
                )
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self.create()
        except BaseException:
            self._conn.close()
            raise

    def _schema(self) -> list[str]:
        stmts = [
            self._sql(
                "CREATE TABLE IF NOT EXISTS {e} (idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
                "actor TEXT NOT NULL, stamp INTEGER NOT NULL, ctype TEXT NOT NULL, "
                "payload BLOB NOT NULL, leaf_hash BLOB NOT NULL, chain_hash BLOB NOT NULL)"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {c} (size INTEGER PRIMARY KEY, "
                "chain_head BLOB NOT NULL)"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {r} (size INTEGER PRIMARY KEY, root BLOB NOT NULL, "
                "recorded_ms INTEGER NOT NULL)"
            ),
        ]
        stmts.extend(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'lukhas ledger {table} is append-only'); END"
            for table in (self.entries_table, self.checkpoints_table, self.roots_table)
            for op in ("UPDATE", "DELETE")
        )
        return stmts

    @contextmanager
    def _write(self) -> Iterator[Any]:
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def _read(self) -> Iterator[Any]:
        cur = self._conn.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()
