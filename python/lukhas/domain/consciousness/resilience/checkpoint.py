"""Checkpoints of the whole consciousness state: atomic SQLite snapshots with checksums.

A snapshot is the state (dicts, lists, numbers, strings, bools, None, numpy arrays,
bytes, datetimes) encoded as one binary container: a magic line, canonical JSON
(sorted keys; each array a reference with dtype, shape and size) and the arrays'
raw bytes after it, so arrays cost one copy, not a text encoding.  The container
is hashed with SHA-256 and stored as one row in one transaction of a SQLite
database in WAL mode with ``synchronous=FULL``.  SQLite commits atomically, so a
process killed mid-checkpoint (even by SIGKILL) leaves either the new row
complete or no trace of it; :meth:`CheckpointStore.latest` returns the newest
version whose checksum verifies, skipping any row damaged on disk
(:meth:`CheckpointStore.verify` lists those).  Old versions beyond ``keep`` are
pruned in the same transaction as the insert.

:class:`ConsciousnessStateManager` gathers the state of named providers (each a
``get_state()`` / ``set_state(state)`` pair) into one snapshot and restores all of
them from one.

Examples
--------
>>> import numpy as np
>>> store = CheckpointStore(":memory:")
>>> cp = store.save({"level": 0.7, "weights": np.arange(3.0)}, label="boot")
>>> cp.version, store.latest().state["weights"]
(1, array([0., 1., 2.]))
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import sqlite3
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lukhas._validation import check_int, check_str, describe

__all__ = [
    "Checkpoint",
    "CheckpointCorruptError",
    "CheckpointStore",
    "ConsciousnessStateManager",
    "decode_state",
    "encode_state",
]

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    version INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL
);
"""


class CheckpointCorruptError(ValueError):
    """Raised when a stored checkpoint's payload does not match its checksum."""


_MAGIC = b"LKCP1\n"


def _encode(value: Any, path: str, buffers: list[bytes]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        item = value.item() if isinstance(value, np.generic) else value
        if isinstance(item, float) and not np.isfinite(item):
            return {"__float__": repr(item)}
        return item
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            raise TypeError(f"checkpoint state at {path} is an array of dtype {value.dtype}; "
                            "only numeric arrays can be stored.")
        buffers.append(value.tobytes(order="C"))
        return {"__ndarray__": len(buffers) - 1, "dtype": value.dtype.str,
                "shape": list(value.shape), "nbytes": value.nbytes}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"checkpoint state at {path} has a key of type "
                                f"{type(key).__name__}; keys must be str.")
        # sorted, so that the arrays' order (like the JSON) does not depend on insertion order
        return {key: _encode(value[key], f"{path}.{key}", buffers) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(item, f"{path}[{i}]", buffers) for i, item in enumerate(value)]
    raise TypeError(f"checkpoint state at {path} is {describe(value)}, which cannot be stored.")


def _decode(value: Any, arrays: list[Any]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        return arrays[value["__ndarray__"]]
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__datetime__" in value:
        return datetime.fromisoformat(value["__datetime__"])
    if "__float__" in value:
        return float(value["__float__"])
    return {k: _decode(v, arrays) for k, v in value.items()}


def _arrays(header: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(header, list):
        for v in header:
            _arrays(v, found)
    elif isinstance(header, dict):
        if "__ndarray__" in header:
            found.append(header)
        else:
            for v in header.values():
                _arrays(v, found)
    return found


def encode_state(state: Mapping[str, Any]) -> bytes:
    """The binary container of a state (see the module notes); TypeError names the bad path."""
    if not isinstance(state, Mapping):
        raise TypeError(f"`state` must be a mapping, got {describe(state)}.")
    buffers: list[bytes] = []
    header = json.dumps(_encode(state, "state", buffers), sort_keys=True,
                        separators=(",", ":"), allow_nan=False).encode()
    return b"".join([_MAGIC, struct.pack("<Q", len(header)), header, *buffers])


def decode_state(data: bytes) -> dict[str, Any]:
    """The state encoded by :func:`encode_state` (ValueError for anything else)."""
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 8:
        raise ValueError("not a checkpoint container (bad magic).")
    (size,) = struct.unpack_from("<Q", data, len(_MAGIC))
    start = len(_MAGIC) + 8
    header = json.loads(data[start:start + size])
    refs = sorted(_arrays(header, []), key=lambda r: r["__ndarray__"])
    arrays: list[Any] = []
    offset = start + size
    for ref in refs:
        n = ref["nbytes"]
        arrays.append(np.frombuffer(data, dtype=np.dtype(ref["dtype"]), count=n // max(
            1, np.dtype(ref["dtype"]).itemsize), offset=offset).reshape(ref["shape"]).copy())
        offset += n
    if offset != len(data):
        raise ValueError("checkpoint container has trailing or missing array bytes.")
    out: dict[str, Any] = _decode(header, arrays)
    return out


@dataclass(frozen=True)
class Checkpoint:
    """One stored snapshot (``state`` is None in listings)."""

    version: int
    label: str
    created_at: datetime
    sha256: str
    size: int
    state: dict[str, Any] | None = None


class CheckpointStore:
    """Versioned, checksummed snapshots in one SQLite database.

    Parameters
    ----------
    path : str or os.PathLike
        Database file (``":memory:"`` for a private in-memory one).
    keep : int, default=10
        Versions kept; older ones are pruned when a new one is saved.
    """

    def __init__(self, path: str | os.PathLike[str], *, keep: int = 10) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"`path` must be a path or ':memory:', got {describe(path)}.")
        self.keep = check_int("keep", keep, low=1)
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def save(self, state: Mapping[str, Any], *, label: str = "") -> Checkpoint:
        """Store `state` as the next version, atomically; prune beyond ``keep``."""
        check_str("label", label)
        raw = encode_state(state)
        digest = hashlib.sha256(raw).hexdigest()
        blob = raw
        now = datetime.now(UTC)
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute("INSERT INTO checkpoints (label, created_at, sha256, size, payload) "
                            "VALUES (?, ?, ?, ?, ?)",
                            (label, now.isoformat(), digest, len(raw), blob))
                version = int(cur.lastrowid or 0)
                cur.execute("DELETE FROM checkpoints WHERE version <= ?", (version - self.keep,))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return Checkpoint(version, label, now, digest, len(raw))

    def _row_state(self, row: tuple[Any, ...]) -> Checkpoint:
        version, label, created, digest, size, raw = row
        if hashlib.sha256(raw).hexdigest() != digest:
            raise CheckpointCorruptError(f"checkpoint {version} fails its SHA-256 checksum.")
        return Checkpoint(version, label, datetime.fromisoformat(created), digest, size,
                          decode_state(raw))

    def load(self, version: int) -> Checkpoint:
        """One version, verified (KeyError if absent, CheckpointCorruptError if damaged)."""
        check_int("version", version, low=1)
        with self._lock:
            row = self._db.execute("SELECT * FROM checkpoints WHERE version = ?",
                                   (version,)).fetchone()
        if row is None:
            raise KeyError(f"no checkpoint version {version} is stored.")
        return self._row_state(row)

    def latest(self) -> Checkpoint | None:
        """The newest version whose checksum verifies (None if there is none)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM checkpoints ORDER BY version DESC").fetchall()
        for row in rows:
            try:
                return self._row_state(row)
            except CheckpointCorruptError as err:
                logger.error("skipping damaged checkpoint: %s", err)
        return None

    def versions(self) -> list[Checkpoint]:
        """Stored versions, oldest first (metadata only)."""
        with self._lock:
            rows = self._db.execute("SELECT version, label, created_at, sha256, size "
                                    "FROM checkpoints ORDER BY version").fetchall()
        return [Checkpoint(v, lab, datetime.fromisoformat(c), d, s) for v, lab, c, d, s in rows]

    def verify(self) -> list[int]:
        """Versions whose payload fails its checksum."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM checkpoints ORDER BY version").fetchall()
        bad = []
        for row in rows:
            try:
                self._row_state(row)
            except CheckpointCorruptError:
                bad.append(int(row[0]))
        return bad

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()


class ConsciousnessStateManager:
    """Checkpoints and restores the state of named providers as one snapshot.

    Parameters
    ----------
    store : CheckpointStore
        Where snapshots go.

    Examples
    --------
    >>> box = {"level": 0.2}
    >>> mgr = ConsciousnessStateManager(CheckpointStore(":memory:"))
    >>> mgr.register("awareness", lambda: dict(box), box.update)
    >>> _ = mgr.checkpoint()
    >>> box["level"] = 0.9
    >>> mgr.restore().version, box["level"]
    (1, 0.2)
    """

    def __init__(self, store: CheckpointStore) -> None:
        if not isinstance(store, CheckpointStore):
            raise TypeError(f"`store` must be a CheckpointStore, got {describe(store)}.")
        self.store = store
        self._providers: dict[str, tuple[Callable[[], Mapping[str, Any]],
                                         Callable[[dict[str, Any]], object]]] = {}

    def register(self, name: str, get_state: Callable[[], Mapping[str, Any]],
                 set_state: Callable[[dict[str, Any]], object]) -> None:
        """Add a provider of part of the consciousness state."""
        check_str("name", name, empty=False)
        if not callable(get_state) or not callable(set_state):
            raise TypeError("`get_state` and `set_state` must be callable.")
        self._providers[name] = (get_state, set_state)

    def checkpoint(self, label: str = "") -> Checkpoint:
        """Snapshot every provider's state as one version."""
        return self.store.save({name: dict(get()) for name, (get, _) in
                                self._providers.items()}, label=label)

    def restore(self, version: int | None = None) -> Checkpoint:
        """Restore every provider from a version (default: the newest valid one).

        Raises
        ------
        LookupError
            If no valid checkpoint exists (or the version is absent).
        """
        cp = self.store.latest() if version is None else self.store.load(version)
        if cp is None or cp.state is None:
            raise LookupError("no valid checkpoint to restore from.")
        for name, (_, put) in self._providers.items():
            if name in cp.state:
                put(cp.state[name])
        return cp
