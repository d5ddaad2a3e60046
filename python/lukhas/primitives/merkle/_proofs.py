"""RFC 6962 / RFC 9162 Merkle proof checking with the standard library alone.

This module imports nothing but :mod:`hashlib`, on purpose: a third party who wants to
check a lukhas ledger export can copy it (or re-type it from RFC 9162, sections
2.1.3.2 and 2.1.4.2) and trust no code of ours.

- leaf hash: ``SHA-256(0x00 || data)``; node hash: ``SHA-256(0x01 || left || right)``;
  root of the empty tree: ``SHA-256("")``.
- :func:`root_from_inclusion_proof` / :func:`verify_inclusion` check that a leaf sits at
  an index of a tree of a given size and root.
- :func:`verify_consistency` checks that a tree of ``first`` leaves is a prefix of a tree
  of ``second`` leaves, given both roots.

Examples
--------
>>> a, b, c = (rfc6962_leaf_hash(x) for x in (b"a", b"b", b"c"))
>>> root = rfc6962_node_hash(rfc6962_node_hash(a, b), c)
>>> verify_inclusion(c, 2, 3, [rfc6962_node_hash(a, b)], root)
True
>>> verify_inclusion(c, 1, 3, [rfc6962_node_hash(a, b)], root)
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "rfc6962_leaf_hash",
    "rfc6962_node_hash",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

#: Bytes in a SHA-256 digest.
HASH_SIZE = 32
#: The RFC 6962 root of the empty tree, ``SHA-256(b"")``.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def rfc6962_leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash ``SHA-256(0x00 || data)``.

    Parameters
    ----------
    data : bytes
        The leaf's content.

    Returns
    -------
    digest : bytes of length 32

    Examples
    --------
    >>> rfc6962_leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'
    """
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def rfc6962_node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``.

    Parameters
    ----------
    left, right : bytes of length 32
        The children's hashes.

    Returns
    -------
    digest : bytes of length 32

    Examples
    --------
    >>> z = rfc6962_leaf_hash(b"")
    >>> len(rfc6962_node_hash(z, z))
    32
    """
    return hashlib.sha256(b"\x01" + bytes(left) + bytes(right)).digest()


def _is_digest(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes | None:
    """The root an inclusion proof leads to, or None when the proof is malformed.

    RFC 9162 section 2.1.3.2, step by step.

    Parameters
    ----------
    leaf_hash : bytes of length 32
        The RFC 6962 leaf hash of the entry.
    index : int
        The entry's 0-based index.
    size : int
        The tree size the proof is for.
    proof : sequence of bytes of length 32
        The audit path, leaf to root.

    Returns
    -------
    root : bytes of length 32 or None
        None when ``index >= size``, a proof element is not 32 bytes, or the proof has
        the wrong length for ``(index, size)``.

    Examples
    --------
    >>> leaf = rfc6962_leaf_hash(b"x")
    >>> root_from_inclusion_proof(leaf, 0, 1, []) == leaf
    True
    """
    if not _is_digest(leaf_hash) or index < 0 or index >= size:
        return None
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if not _is_digest(p) or sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = rfc6962_node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = rfc6962_node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows ``leaf_hash`` at ``index`` in the tree ``(size, root)``.

    Parameters
    ----------
    leaf_hash : bytes of length 32
        The RFC 6962 leaf hash of the entry.
    index : int
        The entry's 0-based index.
    size : int
        The tree size the proof is for.
    proof : sequence of bytes of length 32
        The audit path, leaf to root.
    root : bytes of length 32
        The trusted root of the tree of ``size`` leaves.

    Returns
    -------
    ok : bool

    Examples
    --------
    >>> leaf = rfc6962_leaf_hash(b"x")
    >>> verify_inclusion(leaf, 0, 1, [], leaf)
    True
    """
    got = root_from_inclusion_proof(leaf_hash, index, size, proof)
    return got is not None and got == bytes(root)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``(first, first_root)`` is a prefix of
    ``(second, second_root)``.

    RFC 9162 section 2.1.4.2, step by step; the empty tree is a prefix of every tree
    (with an empty proof).

    Parameters
    ----------
    first, second : int
        The two tree sizes, ``0 <= first <= second``.
    first_root, second_root : bytes of length 32
        Their roots.
    proof : sequence of bytes of length 32
        The consistency proof.

    Returns
    -------
    ok : bool

    Examples
    --------
    >>> a, b = rfc6962_leaf_hash(b"a"), rfc6962_leaf_hash(b"b")
    >>> verify_consistency(1, 2, a, rfc6962_node_hash(a, b), [b])
    True
    """
    if first < 0 or first > second or not all(_is_digest(p) for p in proof):
        return False
    if first == second:
        return len(proof) == 0 and bytes(first_root) == bytes(second_root)
    if first == 0:
        return len(proof) == 0
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, bytes(first_root))
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = rfc6962_node_hash(c, fr)
            sr = rfc6962_node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = rfc6962_node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == bytes(first_root) and sr == bytes(second_root)
