"""The ledger's byte formats, and an export checker that needs the standard library alone.

An entry's **leaf data** is one line of canonical JSON (keys sorted, no spaces, ASCII
only) holding ``actor``, ``index``, ``kind``, ``stamp``, ``type`` and ``v`` (1), then a
newline, then the payload bytes (for ``type == "json"`` the payload is canonical JSON in
UTF-8).  Its **leaf hash** is ``SHA-256(0x00 || leaf data)`` (RFC 6962); its **chain
hash** is ``SHA-256(previous chain hash || leaf hash)``, starting from 32 zero bytes.

An export (JSON Lines) starts with a header line ``{"format": "lukhas.ledger/1", "size",
"root", "chain_head", ...}`` and holds one line per entry with its fields, its payload
in base64, its leaf and chain hashes and its inclusion proof for the header's root.

Checking an export by hand
--------------------------
A third party needs nothing from lukhas: :func:`verify_export_lines` below uses only
``base64``, ``hashlib`` and ``json`` (and the RFC 9162 checks in
:mod:`lukhas.primitives.merkle._proofs`, which use only ``hashlib``).  The same steps,
written out:

>>> import base64, hashlib, json
>>> header = {"format": "lukhas.ledger/1", "size": 1}
>>> fields = {"actor": "alice", "index": 0, "kind": "note", "stamp": 7, "type": "bytes", "v": 1}
>>> data = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode() + b"\\n" + b"hi"
>>> leaf = hashlib.sha256(b"\\x00" + data).digest()
>>> chain = hashlib.sha256(bytes(32) + leaf).digest()
>>> line = {"index": 0, "kind": "note", "actor": "alice", "stamp": 7, "type": "bytes",
...         "payload": base64.b64encode(b"hi").decode(), "leaf_hash": leaf.hex(),
...         "chain_hash": chain.hex(), "inclusion_proof": []}
>>> header.update(root=leaf.hex(), chain_head=chain.hex())   # one leaf: root == leaf
>>> lines = [json.dumps(header), json.dumps(line)]
>>> verify_export_lines(lines)
(True, None, 'ok')
>>> line["actor"] = "mallory"
>>> verify_export_lines([json.dumps(header), json.dumps(line)])
(False, 0, 'entry 0: leaf hash does not match its fields and payload')
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from lukhas.primitives.merkle._proofs import verify_inclusion

__all__ = [
    "EXPORT_FORMAT",
    "canonical_json",
    "leaf_data",
    "verify_export_lines",
]

#: The ``format`` value of an export's header line.
EXPORT_FORMAT = "lukhas.ledger/1"
_ZERO = bytes(32)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: keys sorted, no spaces, UTF-8, no NaN or infinities.

    Parameters
    ----------
    value : JSON-serialisable object

    Returns
    -------
    data : bytes

    Raises
    ------
    TypeError
        If ``value`` holds something JSON cannot encode.
    ValueError
        If it holds NaN or an infinity.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [True, None]})
    b'{"a":[true,null],"b":1}'
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def leaf_data(index: int, kind: str, actor: str, stamp: int, ctype: str, payload: bytes) -> bytes:
    """The bytes an entry's leaf hash covers: its header line, a newline, its payload.

    Parameters
    ----------
    index : int
        The entry's position (0-based).
    kind, actor : str
        What happened and who did it.
    stamp : int
        Packed hybrid-logical-clock stamp.
    ctype : {"bytes", "json"}
        How the payload is to be read.
    payload : bytes

    Returns
    -------
    data : bytes

    Examples
    --------
    >>> leaf_data(0, "k", "a", 1, "bytes", b"x")
    b'{"actor":"a","index":0,"kind":"k","stamp":1,"type":"bytes","v":1}\\nx'
    """
    header = json.dumps(
        {"actor": actor, "index": index, "kind": kind, "stamp": stamp, "type": ctype, "v": 1},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("ascii")
    return header + b"\n" + payload


def verify_export_lines(lines: Iterable[str]) -> tuple[bool, int | None, str]:
    """Check an export line by line with the standard library alone.

    Every entry's leaf hash is recomputed from its fields and payload, the chain is
    recomputed from zero, indices must run 0, 1, 2, ... up to the header's size, every
    inclusion proof must lead to the header's root, and the last chain hash must be the
    header's ``chain_head``.

    Parameters
    ----------
    lines : iterable of str
        The export's lines, header first.

    Returns
    -------
    ok : bool
    first_bad_index : int or None
        The first entry that fails (or the index where entries run out).
    reason : str
        ``"ok"`` or what failed.

    Examples
    --------
    >>> verify_export_lines([])
    (False, None, 'no header line')
    """
    it = iter(lines)
    first = next(it, None)
    if first is None:
        return False, None, "no header line"
    header = json.loads(first)
    if header.get("format") != EXPORT_FORMAT:
        return False, None, f"unknown format {header.get('format')!r}"
    size, root = int(header["size"]), bytes.fromhex(header.get("root", ""))
    prev, expected = _ZERO, 0
    for text in it:
        if not text.strip():
            continue
        e = json.loads(text)
        i = int(e["index"])
        if i != expected:
            return False, expected, f"entry {expected}: missing (next line holds {i})"
        payload = base64.b64decode(e["payload"], validate=True)
        data = leaf_data(i, e["kind"], e["actor"], int(e["stamp"]), e["type"], payload)
        leaf = hashlib.sha256(b"\x00" + data).digest()
        if leaf.hex() != e["leaf_hash"]:
            return False, i, f"entry {i}: leaf hash does not match its fields and payload"
        chain = hashlib.sha256(prev + leaf).digest()
        if chain.hex() != e["chain_hash"]:
            return False, i, f"entry {i}: chain hash does not follow from the previous entry"
        proof = [bytes.fromhex(p) for p in e.get("inclusion_proof", [])]
        if not verify_inclusion(leaf, i, size, proof, root):
            return False, i, f"entry {i}: inclusion proof does not lead to the header's root"
        prev, expected = chain, expected + 1
    if expected != size:
        return False, expected, f"entry {expected}: missing (header says {size} entries)"
    if size and prev.hex() != header.get("chain_head"):
        return False, size - 1, "last chain hash is not the header's chain_head"
    return True, None, "ok"
