"""PostgreSQL backend of the ledger, through psycopg 3 (the ``ledger`` extra).

Every append is one transaction that first takes ``LOCK TABLE ... IN EXCLUSIVE MODE``
on the entries table: readers carry on, appenders in any number of processes or
machines take turns on the tail, and the primary key on ``idx`` backs that up.
Triggers (row level for UPDATE and DELETE, statement level for TRUNCATE) refuse
everything but INSERT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lukhas.services.ledger._store import StoreCore

__all__ = ["PostgresStore"]

logger = logging.getLogger(__name__)


class PostgresStore(StoreCore):
    """A ledger's tables in a PostgreSQL database.

    Parameters
    ----------
    dsn : str
        A libpq connection string or URL (``postgresql://user@host:port/db``).
    name : str, default "ledger"
        The ledger's name (table prefix).

    Raises
    ------
    ImportError
        If psycopg is not installed (``pip install 'lukhas[ledger]'``).
    """

    placeholder = "%s"
    backend = "postgresql"

    def __init__(self, dsn: str, name: str = "ledger") -> None:
        super().__init__(name)
        try:
            import psycopg
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError(
                "PostgresStore needs psycopg 3: pip install 'lukhas[ledger]'"
            ) from err
        self.dsn = dsn
        self._conn = psycopg.connect(dsn, autocommit=True)
        try:
            self.create()
        except BaseException:
            self._conn.close()
            raise

    def _schema(self) -> list[str]:
        fn = f"{self.name}_append_only"
        stmts = [
            self._sql(
                "CREATE TABLE IF NOT EXISTS {e} (idx BIGINT PRIMARY KEY, kind TEXT NOT NULL, "
                "actor TEXT NOT NULL, stamp BIGINT NOT NULL, ctype TEXT NOT NULL, "
                "payload BYTEA NOT NULL, leaf_hash BYTEA NOT NULL, chain_hash BYTEA NOT NULL)"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {c} (size BIGINT PRIMARY KEY, "
                "chain_head BYTEA NOT NULL)"
            ),
            self._sql(
                "CREATE TABLE IF NOT EXISTS {r} (size BIGINT PRIMARY KEY, root BYTEA NOT NULL, "
                "recorded_ms BIGINT NOT NULL)"
            ),
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION 'lukhas ledger % is append-only', TG_TABLE_NAME; END $$",
        ]
        for table in (self.entries_table, self.checkpoints_table, self.roots_table):
            stmts += [
                f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
            ]
        return stmts

    def create(self) -> None:
        """Create the tables, function and triggers (serialised by an advisory lock)."""
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"lukhas:{self.name}",))
            for statement in self._schema():
                cur.execute(statement)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute(f"LOCK TABLE {self.entries_table} IN EXCLUSIVE MODE")
            yield cur

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._conn.cursor() as cur:
            yield cur

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()
