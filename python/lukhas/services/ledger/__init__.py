"""Append-only audit ledger: SHA-256 hash chain and RFC 6962 Merkle tree, SQLite or PostgreSQL.

- :class:`Ledger`: append entries (bytes or JSON payload, kind, actor, HLC stamp), tree
  heads, inclusion and consistency proofs, Ed25519-signed tree heads, :meth:`~Ledger.verify`
  that names the first tampered entry, JSON Lines export and import.
- :class:`SQLiteStore` (default: WAL, full fsync, append-only triggers,
  ``PRAGMA integrity_check`` on open) and :class:`PostgresStore` (psycopg 3) share one
  store core.
- :func:`verify_export_lines` checks an export with the standard library alone.

The hashing runs in the compiled kernel of :mod:`lukhas.primitives.merkle`.

Examples
--------
>>> with Ledger() as ledger:
...     first = ledger.append({"granted": "analytics"}, kind="consent", actor="u1")
...     old = ledger.tree_head()
...     _ = ledger.append({"withdrawn": "analytics"}, kind="consent", actor="u1")
...     ledger.consistency_proof(old.size).verify()
True
"""

from __future__ import annotations

from lukhas.services.ledger._errors import LedgerIntegrityError, VerificationReport
from lukhas.services.ledger._format import (
    EXPORT_FORMAT,
    canonical_json,
    leaf_data,
    verify_export_lines,
)
from lukhas.services.ledger._ledger import Ledger, open_store
from lukhas.services.ledger._postgres import PostgresStore
from lukhas.services.ledger._records import (
    ConsistencyProof,
    Entry,
    InclusionProof,
    SignedTreeHead,
    TreeHead,
)
from lukhas.services.ledger._sqlite import SQLiteStore
from lukhas.services.ledger._store import Row, StoreCore

__all__ = [
    "EXPORT_FORMAT",
    "ConsistencyProof",
    "Entry",
    "InclusionProof",
    "Ledger",
    "LedgerIntegrityError",
    "PostgresStore",
    "Row",
    "SQLiteStore",
    "SignedTreeHead",
    "StoreCore",
    "TreeHead",
    "VerificationReport",
    "canonical_json",
    "leaf_data",
    "open_store",
    "verify_export_lines",
]


def __dir__() -> list[str]:
    return list(__all__)
