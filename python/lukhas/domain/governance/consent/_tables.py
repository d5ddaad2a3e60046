"""The consent ledger's tables beside the audit ledger's, in the same database.

For a consent ledger named ``N`` (the audit ledger's tables are ``N_entries`` ...):

- ``N_consent_state(pseudonym, purpose, status, expires_ms, idx)``: the current state per
  (subject pseudonym, purpose), written in the same transaction as the ledger entry that
  changes it;
- ``N_consent_events(pseudonym, idx)``: which ledger entries concern which subject;
- ``N_consent_keys(name, wrapped)``: the wrapped per-subject data keys of the
  :class:`~lukhas.services.security.DataKeyVault`; erasure deletes a row (SQLite runs
  with ``secure_delete`` so the bytes are overwritten in the file).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from lukhas.services.ledger import StoreCore
from lukhas.services.security import KeyRing

__all__ = ["KeyTable", "Tables"]


class Tables:
    """Names and SQL of the consent tables for one store."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store
        n = store.name
        self.state = f"{n}_consent_state"
        self.events = f"{n}_consent_events"
        self.keys = f"{n}_consent_keys"
        self.p = store.placeholder

    def sql(self, text: str) -> str:
        """``text`` with ``{s}``, ``{ev}``, ``{k}`` and ``{p}`` filled in."""
        return text.format(s=self.state, ev=self.events, k=self.keys, p=self.p)

    def create(self) -> None:
        """Create the tables if missing (and turn on SQLite's secure_delete)."""
        blob = "BYTEA" if self.store.backend == "postgresql" else "BLOB"
        if self.store.backend == "sqlite":
            with self.store.cursor() as cur:
                cur.execute("PRAGMA secure_delete=ON")
        with self.store.transaction() as cur:
            for stmt in (
                "CREATE TABLE IF NOT EXISTS {s} (pseudonym TEXT NOT NULL, purpose TEXT NOT NULL, "
                "status TEXT NOT NULL, expires_ms BIGINT, idx BIGINT NOT NULL, "
                "PRIMARY KEY (pseudonym, purpose))",
                "CREATE TABLE IF NOT EXISTS {ev} (pseudonym TEXT NOT NULL, idx BIGINT NOT NULL, "
                "PRIMARY KEY (pseudonym, idx))",
                "CREATE TABLE IF NOT EXISTS {k} (name TEXT PRIMARY KEY, wrapped " + blob
                + " NOT NULL)",
            ):
                cur.execute(self.sql(stmt))


class KeyTable(MutableMapping[str, bytes]):
    """The wrapped data keys as a mapping backed by the ``N_consent_keys`` table.

    Reads and writes go straight to the database (no cache), so a shredded key is gone
    for every process at once.
    """

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def __getitem__(self, name: str) -> bytes:
        with self._t.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT wrapped FROM {k} WHERE name = {p}"), (name,))
            got = cur.fetchone()
        if got is None:
            raise KeyError(name)
        return bytes(got[0])

    def __setitem__(self, name: str, wrapped: bytes) -> None:
        with self._t.store.transaction() as cur:
            cur.execute(self._t.sql(
                "INSERT INTO {k} (name, wrapped) VALUES ({p}, {p}) "
                "ON CONFLICT (name) DO UPDATE SET wrapped = excluded.wrapped"), (name, wrapped))

    def __delitem__(self, name: str) -> None:
        with self._t.store.transaction() as cur:
            if not self.delete_in(cur, name):
                raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        with self._t.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT name FROM {k} ORDER BY name"))
            names = [str(r[0]) for r in cur.fetchall()]
        return iter(names)

    def __len__(self) -> int:
        with self._t.store.cursor() as cur:
            cur.execute(self._t.sql("SELECT COUNT(*) FROM {k}"))
            got = cur.fetchone()
        return 0 if got is None else int(got[0])

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True

    def ensure(self, name: str, keyring: KeyRing) -> None:
        """Give ``name`` a fresh wrapped data key unless it has one (race-free: a key
        another process stored first is kept)."""
        if name in self:
            return
        _, wrapped = keyring.new_data_key()
        with self._t.store.transaction() as cur:
            cur.execute(self._t.sql("INSERT INTO {k} (name, wrapped) VALUES ({p}, {p}) "
                                    "ON CONFLICT (name) DO NOTHING"),
                        (name, wrapped.to_bytes()))

    def delete_in(self, cur: Any, name: str) -> bool:
        """Delete ``name``'s key with an open transaction's cursor; True when it existed."""
        cur.execute(self._t.sql("DELETE FROM {k} WHERE name = {p}"), (name,))
        return bool(cur.rowcount and cur.rowcount > 0)
