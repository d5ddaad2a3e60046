"""The ledger's value types: entries, tree heads (plain and signed) and proofs."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lukhas.primitives.clock import HLCTimestamp
from lukhas.primitives.merkle import verify_consistency, verify_inclusion

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["ConsistencyProof", "Entry", "InclusionProof", "SignedTreeHead", "TreeHead"]

_STH_TAG = b"lukhas-sth-v1\x00"


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry.

    Attributes
    ----------
    index : int
        Position in the ledger (0-based).
    kind, actor : str
        What happened and who did it.
    stamp : int
        Packed hybrid-logical-clock stamp (see :attr:`timestamp`).
    content_type : {"bytes", "json"}
        How :attr:`payload` is read by :attr:`value`.
    payload : bytes
        The recorded bytes (canonical JSON for ``"json"``).
    leaf_hash, chain_hash : bytes of length 32
    """

    index: int
    kind: str
    actor: str
    stamp: int
    content_type: str
    payload: bytes
    leaf_hash: bytes
    chain_hash: bytes

    @property
    def value(self) -> Any:
        """The payload decoded: the JSON value, or the bytes themselves."""
        if self.content_type == "json":
            return json.loads(self.payload)
        return self.payload

    @property
    def timestamp(self) -> HLCTimestamp:
        """The entry's stamp as an :class:`~lukhas.primitives.clock.HLCTimestamp`."""
        return HLCTimestamp.from_packed(self.stamp)


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A ledger's size and RFC 6962 root at that size."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head signed with Ed25519.

    The signed message is ``b"lukhas-sth-v1\\x00" || size (8 bytes, big-endian) ||
    timestamp_ms (8 bytes, big-endian) || root``.

    Attributes
    ----------
    size : int
    root : bytes of length 32
    timestamp_ms : int
        When it was signed, ms since the Unix epoch.
    key_id : str
        First 16 hex digits of SHA-256 of the raw public key.
    signature : bytes of length 64
    """

    size: int
    root: bytes
    timestamp_ms: int
    key_id: str
    signature: bytes

    @staticmethod
    def message(size: int, root: bytes, timestamp_ms: int) -> bytes:
        """The bytes that are signed."""
        return _STH_TAG + struct.pack(">QQ", size, timestamp_ms) + root

    @staticmethod
    def key_id_of(public_key: Ed25519PublicKey) -> str:
        """The key id of an Ed25519 public key."""
        from cryptography.hazmat.primitives import serialization

        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def sign(
        cls, head: TreeHead, private_key: Ed25519PrivateKey, timestamp_ms: int
    ) -> SignedTreeHead:
        """Sign ``head`` with an Ed25519 private key."""
        signature = private_key.sign(cls.message(head.size, head.root, timestamp_ms))
        return cls(head.size, head.root, timestamp_ms, cls.key_id_of(private_key.public_key()),
                   signature)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """Whether the signature is valid for ``public_key`` (and the key id matches)."""
        from cryptography.exceptions import InvalidSignature

        if self.key_id != self.key_id_of(public_key):
            return False
        try:
            public_key.verify(self.signature, self.message(self.size, self.root, self.timestamp_ms))
        except InvalidSignature:
            return False
        return True

    @property
    def head(self) -> TreeHead:
        """The plain tree head."""
        return TreeHead(self.size, self.root)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (hex for bytes)."""
        return {"size": self.size, "root": self.root.hex(), "timestamp_ms": self.timestamp_ms,
                "key_id": self.key_id, "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedTreeHead:
        """Inverse of :meth:`to_json`."""
        return cls(int(data["size"]), bytes.fromhex(data["root"]), int(data["timestamp_ms"]),
                   str(data["key_id"]), bytes.fromhex(data["signature"]))


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Proof that the entry with ``leaf_hash`` sits at ``index`` in the tree ``(size, root)``."""

    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    root: bytes

    def verify(self, root: bytes | None = None) -> bool:
        """Check the proof (against a trusted ``root``, default the proof's own)."""
        return verify_inclusion(self.leaf_hash, self.index, self.size, self.path,
                                self.root if root is None else root)


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that the tree ``(first, first_root)`` is a prefix of ``(second, second_root)``."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: tuple[bytes, ...]

    def verify(self) -> bool:
        """Check the proof."""
        return verify_consistency(self.first, self.second, self.first_root, self.second_root,
                                  self.path)
