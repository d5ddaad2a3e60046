"""Slow, obvious RFC 6962 Merkle hashing with hashlib, written from the RFC's definitions.

Source: RFC 6962 section 2.1 ("Merkle Hash Trees"): MTH, PATH and PROOF/SUBPROOF,
each transcribed as the recursive definition it is, with no caching and no attempt at
speed.  The compiled kernel in ``lukhas._native.merkle`` and the tree in
``lukhas.primitives.merkle`` are tested against these.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "ref_chain",
    "ref_consistency",
    "ref_leaf_hash",
    "ref_node_hash",
    "ref_path",
    "ref_root",
    "ref_split",
]


def ref_leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_root(leaves: list[bytes]) -> bytes:
    """MTH over leaf hashes: SHA-256("") for none, the leaf for one, else split."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = ref_split(n)
    return ref_node_hash(ref_root(leaves[:k]), ref_root(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m, leaf to root."""
    n = len(leaves)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_root(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_root(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_root(leaves)]
    k = ref_split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), ref_root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), ref_root(leaves[:k])]


def ref_consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m < n; empty for m == 0 or m == n."""
    if m == 0 or m == len(leaves):
        return []
    return _subproof(m, leaves, True)


def ref_chain(leaves: list[bytes], prev: bytes = bytes(32)) -> list[bytes]:
    """c[i] = SHA-256(c[i-1] || leaves[i]), c[-1] = prev."""
    out = []
    for leaf in leaves:
        prev = hashlib.sha256(prev + leaf).digest()
        out.append(prev)
    return out
