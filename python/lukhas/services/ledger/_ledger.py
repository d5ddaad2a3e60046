"""The append-only audit ledger: hash chain + RFC 6962 Merkle tree over an SQL store."""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Final

import numpy as np

from lukhas._validation import check_int, check_str, describe
from lukhas.primitives.clock import ClockDriftError, HybridLogicalClock
from lukhas.primitives.merkle import (
    HASH_SIZE,
    ZERO_HASH,
    MerkleTree,
    leaf_hashes,
    verify_chain,
)
from lukhas.primitives.merkle import chain_hashes as _chain_hashes
from lukhas.services.ledger._errors import LedgerIntegrityError, VerificationReport
from lukhas.services.ledger._format import (
    EXPORT_FORMAT,
    canonical_json,
    leaf_data,
    verify_export_lines,
)
from lukhas.services.ledger._records import (
    ConsistencyProof,
    Entry,
    InclusionProof,
    SignedTreeHead,
    TreeHead,
)
from lukhas.services.ledger._sqlite import SQLiteStore
from lukhas.services.ledger._store import Row, StoreCore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["Ledger", "open_store"]

logger = logging.getLogger(__name__)

_VERIFY_PAGE: Final = 16384
_EXPORT_PAGE: Final = 4096


def open_store(store: Any = ":memory:", name: str = "ledger") -> StoreCore:
    """A store from a path, a URL or an existing store.

    Parameters
    ----------
    store : str, os.PathLike or StoreCore, default ":memory:"
        A SQLite file path (or ``"sqlite:///path"``, or ``":memory:"``), a PostgreSQL
        URL (``"postgresql://..."``), or a store object, returned as is.
    name : str, default "ledger"
        The ledger's name (its tables' prefix).

    Returns
    -------
    store : StoreCore
    """
    if isinstance(store, StoreCore):
        return store
    if isinstance(store, os.PathLike):
        return SQLiteStore(store, name)
    if not isinstance(store, str):
        raise TypeError(
            f"`store` must be a path, a URL or a ledger store, got {describe(store)}."
        )
    if store.startswith(("postgresql://", "postgres://")):
        from lukhas.services.ledger._postgres import PostgresStore

        return PostgresStore(store, name)
    if store.startswith("sqlite:///"):
        store = store[len("sqlite:///"):]
    return SQLiteStore(store, name)


def _encode(payload: Any) -> tuple[str, bytes]:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return "bytes", bytes(payload)
    try:
        return "json", canonical_json(payload)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"`payload` must be bytes or a JSON-serialisable value without NaN, got "
            f"{describe(payload)} ({err})."
        ) from err


def _check_label(name: str, value: Any) -> str:
    """``kind``/``actor``: a non-empty str that every backend can store (no NUL, valid UTF-8)."""
    text = check_str(name, value, empty=False, max_length=256)
    if "\x00" in text:
        raise ValueError(f"`{name}` must not contain NUL characters, got {text!r}.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(f"`{name}` must be valid Unicode text (no lone surrogates), got "
                         f"{text!r}.") from err
    return text


def _entry(row: Row) -> Entry:
    return Entry(row.idx, row.kind, row.actor, row.stamp, row.ctype, row.payload, row.leaf_hash,
                 row.chain_hash)


def _data(row: Row) -> bytes:
    return leaf_data(row.idx, row.kind, row.actor, row.stamp, row.ctype, row.payload)


def _chain_tail(page: list[Row], prev: bytes) -> bytes:
    """The chain hash after a page of rows (the last row's stored chain hash)."""
    return page[-1].chain_hash if page else prev


class Ledger:
    """An append-only audit ledger that users can prove things with.

    Each entry (payload bytes or JSON, ``kind``, ``actor``, a hybrid-logical-clock
    stamp) is chained to the previous one by SHA-256 and is a leaf of an RFC 6962
    Merkle tree: :meth:`tree_head` gives ``(size, root)``, :meth:`inclusion_proof` and
    :meth:`consistency_proof` prove membership and append-only growth to anyone holding
    a tree head, and :meth:`sign_tree_head` signs heads with Ed25519.  :meth:`verify`
    re-derives every hash from the stored fields in the compiled kernel and names the
    first entry that was changed, removed, reordered or inserted behind the library's
    back.  :meth:`export_jsonl` writes JSON Lines with proofs that
    :func:`~lukhas.services.ledger.verify_export_lines` (standard library only) checks.

    Parameters
    ----------
    store : str, os.PathLike or StoreCore, default ":memory:"
        Where entries live: a SQLite path (the default backend), a PostgreSQL URL, or a
        store (:class:`SQLiteStore`, :class:`PostgresStore`).
    name : str, default "ledger"
        The ledger's name (several ledgers may share a database).
    clock : HybridLogicalClock, optional
        Source of stamps; a new clock by default.  Each append merges the last stored
        stamp first, so stamps increase along the ledger even across processes.

    Examples
    --------
    >>> ledger = Ledger()
    >>> e = ledger.append({"action": "login", "ok": True}, kind="auth", actor="alice")
    >>> e.index, e.value
    (0, {'action': 'login', 'ok': True})
    >>> _ = ledger.append(b"raw bytes", kind="blob", actor="bob")
    >>> head = ledger.tree_head()
    >>> ledger.inclusion_proof(0).verify(head.root)
    True
    >>> ledger.verify().ok
    True
    """

    def __init__(
        self, store: Any = ":memory:", *, name: str = "ledger",
        clock: HybridLogicalClock | None = None,
    ) -> None:
        if clock is not None and not isinstance(clock, HybridLogicalClock):
            raise TypeError(f"`clock` must be a HybridLogicalClock, got {describe(clock)}.")
        self._store = open_store(store, name)
        self._clock = clock if clock is not None else HybridLogicalClock()
        self._tree = MerkleTree()

    # ---- lifecycle -----------------------------------------------------------------

    @property
    def store(self) -> StoreCore:
        """The backing store."""
        return self._store

    @property
    def name(self) -> str:
        """The ledger's name."""
        return self._store.name

    def close(self) -> None:
        """Close the store's connection."""
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self._store.size()

    @property
    def size(self) -> int:
        """Number of entries."""
        return self._store.size()

    # ---- appending -----------------------------------------------------------------

    def _stamp(self, last: int) -> int:
        try:
            return int(self._clock.receive(last)) if last else int(self._clock.now())
        except ClockDriftError:
            logger.warning("ledger %s: last stamp leads this clock; stamping locally", self.name)
            return int(self._clock.now())

    def append(self, payload: Any, *, kind: str = "event", actor: str = "system") -> Entry:
        """Append one entry.

        Parameters
        ----------
        payload : bytes or JSON-serialisable value
            Bytes are stored as they are; anything else as canonical JSON.
        kind : str, default "event"
            What happened.
        actor : str, default "system"
            Who did it.

        Returns
        -------
        entry : Entry
            With its index, stamp, leaf hash and chain hash.

        Raises
        ------
        TypeError
            If ``payload`` cannot be encoded or ``kind``/``actor`` is not a str.
        """
        return self.append_many([(payload, kind, actor)])[0]

    def append_many(
        self, records: Iterable[Any], *,
        hook: Callable[[Any, list[Entry]], None] | None = None,
    ) -> list[Entry]:
        """Append several entries in one transaction.

        Parameters
        ----------
        records : iterable of (payload, kind, actor) tuples or mappings
            Mappings have keys ``payload`` and optionally ``kind`` and ``actor``.
        hook : callable, optional
            ``hook(cursor, entries)`` runs inside the append transaction, after the
            entries are inserted and before the commit, with the store's DB-API cursor
            (placeholder ``self.store.placeholder``): what it writes commits or rolls
            back with the entries, and an exception it raises cancels the append.

        Returns
        -------
        entries : list of Entry
        """
        prepared: list[tuple[str, str, str, bytes]] = []
        for i, rec in enumerate(records):
            if isinstance(rec, Mapping):
                payload, kind, actor = (rec.get("payload"), rec.get("kind", "event"),
                                        rec.get("actor", "system"))
            elif isinstance(rec, tuple) and len(rec) == 3:
                payload, kind, actor = rec
            else:
                raise TypeError(
                    f"`records[{i}]` must be a (payload, kind, actor) tuple or a mapping, got "
                    f"{describe(rec)}."
                )
            ctype, data = _encode(payload)
            prepared.append((_check_label("kind", kind), _check_label("actor", actor), ctype, data))

        def build(start: int, head: bytes, last_stamp: int) -> list[Row]:
            stamps, last = [], last_stamp
            for _ in prepared:
                last = self._stamp(last)
                stamps.append(last)
            datas = [
                leaf_data(start + i, k, a, s, c, p)
                for i, ((k, a, c, p), s) in enumerate(zip(prepared, stamps, strict=True))
            ]
            leaves = leaf_hashes(datas)
            chain = _chain_hashes(leaves, head)
            return [
                Row(start + i, k, a, s, c, p, leaves[i].tobytes(), chain[i].tobytes())
                for i, ((k, a, c, p), s) in enumerate(zip(prepared, stamps, strict=True))
            ]

        if hook is not None and not callable(hook):
            raise TypeError(f"`hook` must be callable, got {describe(hook)}.")
        store_hook = None if hook is None else (
            lambda cur, rows: hook(cur, [_entry(r) for r in rows]))
        rows, _ = self._store.append(build, store_hook)
        return [_entry(r) for r in rows]

    # ---- reading -------------------------------------------------------------------

    def get(self, index: int) -> Entry:
        """The entry at ``index``.

        Parameters
        ----------
        index : int
            In ``[0, size)``.

        Returns
        -------
        entry : Entry
        """
        i = check_int("index", index, low=0)
        for row in self._store.rows(i, i + 1):
            if row.idx == i:
                return _entry(row)
        raise IndexError(f"`index` must be in [0, {self.size}), got {i}.")

    def entries(self, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
        """Entries with ``start <= index < stop`` in order, read a page at a time.

        Parameters
        ----------
        start : int, default 0
        stop : int, optional

        Yields
        ------
        entry : Entry
        """
        lo = check_int("start", start, low=0)
        hi = None if stop is None else check_int("stop", stop, low=lo)
        for row in self._store.rows(lo, hi):
            yield _entry(row)

    # ---- the tree ------------------------------------------------------------------

    def _sync(self) -> MerkleTree:
        """Bring the cached tree up to the store's size (other writers may have appended)."""
        size = self._store.size()
        have = self._tree.size
        if size > have:
            got = self._store.leaf_hashes(have, size)
            for k, (idx, _) in enumerate(got):
                if idx != have + k:
                    raise LedgerIntegrityError(
                        f"ledger {self.name!r}: entry {have + k} is missing; run verify()."
                    )
            self._tree.extend([h for _, h in got])
        return self._tree

    def _size_arg(self, name: str, size: int | None, size_now: int, low: int = 0) -> int:
        return size_now if size is None else check_int(name, size, low=low, high=size_now)

    def tree_head(self, size: int | None = None) -> TreeHead:
        """The tree head ``(size, root)``, recorded in the store so that a later
        :meth:`verify` checks the ledger still agrees with it.

        Parameters
        ----------
        size : int, optional
            A past size in ``[0, self.size]``; default the current size.

        Returns
        -------
        head : TreeHead
        """
        tree = self._sync()
        m = self._size_arg("size", size, tree.size)
        head = TreeHead(m, tree.root(m))
        self._store.record_root(m, head.root, int(time.time() * 1000))
        return head

    def sign_tree_head(
        self, private_key: Ed25519PrivateKey, size: int | None = None
    ) -> SignedTreeHead:
        """A tree head signed with Ed25519 (needs ``cryptography``).

        Parameters
        ----------
        private_key : cryptography's Ed25519PrivateKey
        size : int, optional
            Default the current size.

        Returns
        -------
        sth : SignedTreeHead
        """
        return SignedTreeHead.sign(self.tree_head(size), private_key, int(time.time() * 1000))

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        """Proof that entry ``index`` is in the tree of ``size`` entries.

        Parameters
        ----------
        index : int
            In ``[0, size)``.
        size : int, optional
            In ``[index + 1, self.size]``; default the current size.

        Returns
        -------
        proof : InclusionProof
        """
        tree = self._sync()
        m = self._size_arg("size", size, tree.size, low=1)
        i = check_int("index", index, low=0, high=m - 1)
        return InclusionProof(i, m, tree.leaf(i), tuple(tree.inclusion_proof(i, m)), tree.root(m))

    def consistency_proof(self, first: int, second: int | None = None) -> ConsistencyProof:
        """Proof that the ledger at size ``first`` is a prefix of the ledger at ``second``.

        Parameters
        ----------
        first : int
            In ``[0, second]``.
        second : int, optional
            Default the current size.

        Returns
        -------
        proof : ConsistencyProof
        """
        tree = self._sync()
        n = self._size_arg("second", second, tree.size)
        m = check_int("first", first, low=0, high=n)
        return ConsistencyProof(m, n, tree.root(m), tree.root(n),
                                tuple(tree.consistency_proof(m, n)))

    # ---- verification --------------------------------------------------------------

    def verify(self, trusted: TreeHead | SignedTreeHead | None = None) -> VerificationReport:
        """Re-derive every hash from the stored fields and check every recorded head.

        Checks, in order: indices run 0, 1, 2, ...; each entry's leaf hash matches its
        fields and payload and its chain hash follows from the previous entry (both in
        the compiled kernel); every commit checkpoint's chain head matches; no entry
        exists past the last commit; every recorded tree head (and ``trusted``) has the
        same root now.

        Parameters
        ----------
        trusted : TreeHead or SignedTreeHead, optional
            A head obtained earlier (e.g. from a signed tree head someone kept).

        Returns
        -------
        report : VerificationReport
            ``first_bad_index`` names the first entry that is wrong or missing.
        """
        cps = self._store.checkpoints()
        want = {s - 1 for s, _ in cps}
        heads_at: dict[int, bytes] = {}
        tree, prev, n = MerkleTree(), ZERO_HASH, 0
        # The chain scan stops at its first failure; the checkpoints of the prefix it
        # verified are still checked, and the earliest index either check names wins
        # (a forged row with correct hashes shows first as a checkpoint mismatch).
        failure: tuple[int, str] | None = None
        page: list[Row] = []
        rows = self._store.rows(0, None, page=_VERIFY_PAGE)
        while failure is None:
            page.clear()
            for row in rows:
                if row.idx != n + len(page):
                    gap = n + len(page)
                    failure = (gap, f"entry {gap} is missing (the next stored entry has "
                                    f"index {row.idx})")
                    break
                page.append(row)
                if len(page) == _VERIFY_PAGE:
                    break
            if page:
                failure = self._scan(page, n, prev, failure, want, heads_at, tree)
                prev = _chain_tail(page, prev)
                n = tree.size
            if failure is not None or len(page) < _VERIFY_PAGE:
                break

        candidates: list[tuple[int, str]] = [] if failure is None else [failure]
        last_commit = 0
        for size, head in cps:
            if size > n:
                if failure is None:
                    candidates.append(
                        (n, f"entries {n}..{size - 1} are missing: a commit recorded size {size}"))
                break
            if heads_at.get(size) != head:
                candidates.append((last_commit, f"entries from {last_commit} were rewritten: "
                                                f"the commit checkpoint at size {size} does not "
                                                "match"))
                break
            last_commit = size
        if failure is None and not candidates and n > last_commit:
            candidates.append((last_commit, f"entries {last_commit}..{n - 1} were not appended "
                                            f"by the library (the last commit recorded size "
                                            f"{last_commit})"))
        if not candidates:
            recorded = list(self._store.roots())
            if trusted is not None:
                recorded.append((trusted.size, trusted.root))
            for size, root in recorded:
                if size > n:
                    candidates.append((n, f"entries {n}..{size - 1} are missing: a tree head of "
                                          f"size {size} was handed out"))
                elif tree.root(size) != root:
                    candidates.append((max(size - 1, 0),
                                       f"the tree head of size {size} no longer matches"))
        if candidates:
            index, reason = min(candidates)
            logger.warning("ledger %s: verification failed: %s", self.name, reason)
            return VerificationReport(False, n, index, reason)
        return VerificationReport(True, n, None, "ok")

    @staticmethod
    def _scan(
        page: list[Row], n: int, prev: bytes, failure: tuple[int, str] | None, want: set[int],
        heads_at: dict[int, bytes], tree: MerkleTree,
    ) -> tuple[int, str] | None:
        """Check one page of rows starting at index n; extend ``tree`` with the good prefix."""
        for r in page:
            if len(r.leaf_hash) != HASH_SIZE or len(r.chain_hash) != HASH_SIZE:
                page = page[: r.idx - n]
                failure = (r.idx, f"entry {r.idx}: a stored hash is not 32 bytes")
                break
        if not page:
            return failure
        leaves = np.frombuffer(b"".join(r.leaf_hash for r in page), np.uint8).reshape(-1, 32)
        chain = np.frombuffer(b"".join(r.chain_hash for r in page), np.uint8).reshape(-1, 32)
        first_bad, what = verify_chain([_data(r) for r in page], leaves, chain, prev)
        good = len(page) if first_bad < 0 else first_bad
        if first_bad >= 0:
            i = n + first_bad
            failure = (i, f"entry {i}: leaf hash does not match its fields and payload"
                       if what == "leaf" else
                       f"entry {i}: chain hash does not follow from the previous entry")
        for k in range(good):
            if n + k in want:
                heads_at[n + k + 1] = chain[k].tobytes()
        tree.extend(leaves[:good])
        return failure

    # ---- export / import -----------------------------------------------------------

    def export_jsonl(self, fp: IO[str], signing_key: Ed25519PrivateKey | None = None) -> TreeHead:
        """Write the ledger as JSON Lines with an inclusion proof per entry.

        The first line is a header (format, name, size, root, chain head and, with
        ``signing_key``, a signed tree head); each following line is one entry.  Anyone
        can check the file with :func:`verify_export_lines` (standard library only).

        Parameters
        ----------
        fp : text file
            Written to.
        signing_key : Ed25519PrivateKey, optional
            Sign the exported tree head.

        Returns
        -------
        head : TreeHead
            The head the proofs lead to.
        """
        tree = self._sync()
        n = tree.size
        head = self.tree_head(n)
        chain_head = b""
        header: dict[str, Any] = {"format": EXPORT_FORMAT, "name": self.name, "size": n,
                                  "root": head.root.hex()}
        cps = [c for c in self._store.checkpoints() if c[0] == n]
        chain_head = cps[0][1] if cps else (self.get(n - 1).chain_hash if n else b"")
        header["chain_head"] = chain_head.hex()
        if signing_key is not None:
            header["signed_tree_head"] = SignedTreeHead.sign(
                head, signing_key, int(time.time() * 1000)).to_json()
        fp.write(json.dumps(header) + "\n")
        for start in range(0, n, _EXPORT_PAGE):
            stop = min(n, start + _EXPORT_PAGE)
            paths, lengths = tree.inclusion_proofs(np.arange(start, stop))
            for row in self._store.rows(start, stop):
                k = row.idx - start
                fp.write(json.dumps({
                    "index": row.idx, "kind": row.kind, "actor": row.actor, "stamp": row.stamp,
                    "type": row.ctype, "payload": base64.b64encode(row.payload).decode("ascii"),
                    "leaf_hash": row.leaf_hash.hex(), "chain_hash": row.chain_hash.hex(),
                    "inclusion_proof": [paths[k, j].tobytes().hex() for j in range(lengths[k])],
                }) + "\n")
        return head

    @classmethod
    def import_jsonl(
        cls, fp: IO[str], store: Any = ":memory:", *, name: str | None = None,
        clock: HybridLogicalClock | None = None,
    ) -> Ledger:
        """Check an export and load it, verbatim, into an empty ledger.

        Parameters
        ----------
        fp : text file
            An export written by :meth:`export_jsonl`.
        store : path, URL or store, default ":memory:"
        name : str, optional
            Default the exported ledger's name.
        clock : HybridLogicalClock, optional

        Returns
        -------
        ledger : Ledger

        Raises
        ------
        LedgerIntegrityError
            If the export fails :func:`verify_export_lines`.
        """
        lines = [line for line in fp.read().splitlines() if line.strip()]
        ok, index, reason = verify_export_lines(lines)
        if not ok:
            raise LedgerIntegrityError(f"export rejected at entry {index}: {reason}")
        header = json.loads(lines[0])
        ledger = cls(store, name=name or header.get("name", "ledger"), clock=clock)
        rows = []
        for line in lines[1:]:
            e = json.loads(line)
            rows.append(Row(int(e["index"]), e["kind"], e["actor"], int(e["stamp"]), e["type"],
                            base64.b64decode(e["payload"]), bytes.fromhex(e["leaf_hash"]),
                            bytes.fromhex(e["chain_hash"])))
        size = int(header["size"])
        checkpoints = [(size, bytes.fromhex(header["chain_head"]))] if size else []
        ledger._store.insert_verbatim(rows, checkpoints)
        ledger.tree_head()
        return ledger
