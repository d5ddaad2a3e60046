"""Batch Merkle hashing and an append-only RFC 6962 tree over the compiled kernel.

Leaf and node digests are ``uint8`` arrays of shape ``(n, 32)``.  The kernel
(:mod:`lukhas._native.merkle`) hashes with SHA-NI when the CPU has it and without the
GIL; this module validates and keeps the tree's complete subtrees cached, so a root,
an inclusion proof or a consistency proof for any past size costs O(log n) hashes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from lukhas._native import merkle as _native
from lukhas._validation import check_int, describe
from lukhas.primitives.merkle._proofs import EMPTY_ROOT, HASH_SIZE

__all__ = [
    "ZERO_HASH",
    "MerkleTree",
    "chain_hashes",
    "leaf_hashes",
    "merkle_root",
    "tree_levels",
    "verify_chain",
]

logger = logging.getLogger(__name__)

#: The chain's starting value: 32 zero bytes.
ZERO_HASH: Final[bytes] = bytes(HASH_SIZE)

Digests = npt.NDArray[np.uint8]


def _check_digests(name: str, value: Any) -> Digests:
    """A C-contiguous ``uint8`` array of shape (n, 32) from digests or a list of them."""
    if isinstance(value, np.ndarray):
        if value.dtype != np.uint8 or value.ndim != 2 or value.shape[1] != HASH_SIZE:
            raise ValueError(
                f"`{name}` must be a uint8 array of shape (n, 32), got {describe(value)}."
            )
        return np.ascontiguousarray(value)
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if not isinstance(item, (bytes, bytearray)) or len(item) != HASH_SIZE:
                raise ValueError(f"`{name}[{i}]` must be 32 bytes, got {describe(item)}.")
        if not value:
            return np.empty((0, HASH_SIZE), np.uint8)
        return np.frombuffer(b"".join(value), np.uint8).reshape(-1, HASH_SIZE).copy()
    raise TypeError(
        f"`{name}` must be a uint8 array of shape (n, 32) or a list of 32-byte digests, "
        f"got {describe(value)}."
    )


def _check_digest(name: str, value: Any) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ValueError(f"`{name}` must be 32 bytes, got {describe(value)}.")
    return bytes(value)


def _pack(items: Any) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """A packed ``(buffer, offsets)`` pair from a pair or a sequence of bytes."""
    if isinstance(items, tuple) and len(items) == 2 and isinstance(items[1], np.ndarray):
        buf, offsets = items
        buf = np.frombuffer(buf, np.uint8) if not isinstance(buf, np.ndarray) else buf
        if buf.dtype != np.uint8 or buf.ndim != 1:
            raise ValueError(f"`items` buffer must be 1-D uint8, got {describe(buf)}.")
        if offsets.dtype != np.int64 or offsets.ndim != 1 or offsets.shape[0] < 1:
            raise ValueError(
                f"`items` offsets must be a 1-D int64 array of n + 1 offsets, got "
                f"{describe(offsets)}."
            )
        return np.ascontiguousarray(buf), np.ascontiguousarray(offsets)
    seq = _check_items(items)
    lengths = np.fromiter((len(x) for x in seq), np.int64, len(seq))
    offsets = np.zeros(len(seq) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(b"".join(seq), np.uint8), offsets


def _check_items(items: Any) -> Sequence[bytes]:
    if isinstance(items, (bytes, str)) or not isinstance(items, Sequence):
        raise TypeError(f"`items` must be a list or tuple of bytes, got {describe(items)}.")
    return items


def leaf_hashes(items: Any) -> Digests:
    """RFC 6962 leaf hashes ``SHA-256(0x00 || item)`` of a batch, without the GIL.

    Parameters
    ----------
    items : list or tuple of bytes, or (buffer, offsets)
        The leaves; a packed pair has item i at ``buffer[offsets[i]:offsets[i+1]]``
        (``offsets`` int64 of length n + 1).

    Returns
    -------
    hashes : ndarray of shape (n, 32), dtype=uint8

    Raises
    ------
    TypeError
        If an item is not ``bytes``.
    ValueError
        If packed offsets are not non-decreasing within the buffer.

    Examples
    --------
    >>> leaf_hashes([b""])[0].tobytes().hex()[:16]
    '6e340b9cffb37a98'
    """
    if isinstance(items, (list, tuple)) and not (
        len(items) == 2 and isinstance(items[1], np.ndarray)
    ):
        out = np.empty((len(items), HASH_SIZE), np.uint8)
        _native.leaf_hashes_seq(items, out)
        return out
    buf, offsets = _pack(items)
    out = np.empty((offsets.shape[0] - 1, HASH_SIZE), np.uint8)
    _native.leaf_hashes_packed(buf, offsets, out)
    return out


def merkle_root(leaves: Any) -> bytes:
    """RFC 6962 root of a batch of leaf hashes (``SHA-256(b"")`` for none).

    Parameters
    ----------
    leaves : ndarray of shape (n, 32), dtype=uint8, or list of 32-byte digests

    Returns
    -------
    root : bytes of length 32

    Examples
    --------
    >>> merkle_root([]).hex()[:16]
    'e3b0c44298fc1c14'
    """
    return _native.root(_check_digests("leaves", leaves))


def tree_levels(leaves: Any) -> list[Digests]:
    """Every level of the tree over ``leaves``, bottom up (the last is the root).

    Level ``h + 1`` has ``ceil(len(level h) / 2)`` nodes: pairs hashed, a lone last node
    carried up unchanged, which is RFC 6962's shape.

    Parameters
    ----------
    leaves : ndarray of shape (n, 32), dtype=uint8, or list of 32-byte digests

    Returns
    -------
    levels : list of ndarray of shape (n_h, 32), dtype=uint8
        Views into one buffer; empty for no leaves.

    Examples
    --------
    >>> [len(level) for level in tree_levels(leaf_hashes([b"a", b"b", b"c"]))]
    [3, 2, 1]
    """
    arr = _check_digests("leaves", leaves)
    n = arr.shape[0]
    flat = np.empty((_native.levels_total(n), HASH_SIZE), np.uint8)
    _native.levels(arr, flat)
    return _split_levels(flat, n)


def _split_levels(flat: Digests, n: int) -> list[Digests]:
    levels, start, length = [], 0, n
    while length >= 1:
        levels.append(flat[start:start + length])
        start += length
        if length == 1:
            break
        length = (length + 1) // 2
    return levels


def chain_hashes(leaves: Any, prev: bytes = ZERO_HASH) -> Digests:
    """Hash chain ``c[i] = SHA-256(c[i-1] || leaves[i])`` with ``c[-1] = prev``.

    Parameters
    ----------
    leaves : ndarray of shape (n, 32), dtype=uint8, or list of 32-byte digests
    prev : bytes of length 32, default 32 zero bytes
        The chain value before the first leaf.

    Returns
    -------
    chain : ndarray of shape (n, 32), dtype=uint8

    Examples
    --------
    >>> import hashlib
    >>> leaf = leaf_hashes([b"x"])
    >>> chain_hashes(leaf)[0].tobytes() == hashlib.sha256(bytes(32) + leaf[0].tobytes()).digest()
    True
    """
    arr = _check_digests("leaves", leaves)
    out = np.empty_like(arr)
    _native.chain(arr, _check_digest("prev", prev), out)
    return out


def verify_chain(
    items: Any, leaves: Any, chain: Any, prev: bytes = ZERO_HASH
) -> tuple[int, str | None]:
    """Recompute leaf and chain hashes of a batch and report the first mismatch.

    Parameters
    ----------
    items : list or tuple of bytes, or (buffer, offsets)
        The entries' leaf data.
    leaves : ndarray of shape (n, 32), dtype=uint8
        Their stored leaf hashes.
    chain : ndarray of shape (n, 32), dtype=uint8
        Their stored chain hashes.
    prev : bytes of length 32, default 32 zero bytes
        The chain value before the first entry.

    Returns
    -------
    first_bad : int
        -1 when every entry matches, else the index (within the batch) of the first
        entry whose leaf or chain hash is wrong.
    what : {None, "leaf", "chain"}

    Examples
    --------
    >>> data = [b"a", b"b"]
    >>> lh = leaf_hashes(data)
    >>> verify_chain(data, lh, chain_hashes(lh))
    (-1, None)
    >>> verify_chain([b"a", b"B"], lh, chain_hashes(lh))
    (1, 'leaf')
    """
    buf, offsets = _pack(items)
    bad, what = _native.verify_chain(
        buf,
        offsets,
        _check_digests("leaves", leaves),
        _check_digests("chain", chain),
        _check_digest("prev", prev),
    )
    return int(bad), (None, "leaf", "chain")[what]


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``): RFC 6962's split."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only RFC 6962 Merkle tree with cached complete subtrees.

    Appending ``k`` leaves hashes the O(k) new complete subtrees once; every root,
    inclusion proof and consistency proof, for the current size or any past one, then
    costs O(log n) node hashes.  :meth:`inclusion_proofs` proves many leaves at once in
    the compiled kernel.

    Parameters
    ----------
    leaves : ndarray of shape (n, 32), dtype=uint8, or list of 32-byte digests, optional
        Leaf hashes to start with.

    Examples
    --------
    >>> tree = MerkleTree(leaf_hashes([b"a", b"b", b"c"]))
    >>> tree.size
    3
    >>> from lukhas.primitives.merkle import verify_inclusion
    >>> leaf = tree.leaf(2)
    >>> verify_inclusion(leaf, 2, 3, tree.inclusion_proof(2), tree.root())
    True
    """

    def __init__(self, leaves: Any = None) -> None:
        # _perfect[h] holds the complete subtrees of 2**h leaves: node j covers
        # leaves [j * 2**h, (j + 1) * 2**h).  Arrays grow by doubling; _counts[h] are used.
        self._perfect: list[Digests] = [np.empty((16, HASH_SIZE), np.uint8)]
        self._counts: list[int] = [0]
        self._flat: tuple[int, Digests] | None = None
        if leaves is not None:
            self.extend(leaves)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._counts[0]

    def __len__(self) -> int:
        return self._counts[0]

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index`` (0-based).

        Parameters
        ----------
        index : int
            In ``[0, size)``.

        Returns
        -------
        leaf_hash : bytes of length 32

        Examples
        --------
        >>> MerkleTree(leaf_hashes([b"a"])).leaf(0) == leaf_hashes([b"a"])[0].tobytes()
        True
        """
        i = check_int("index", index, low=0, high=self.size - 1)
        return bytes(self._perfect[0][i])

    def leaves(self) -> Digests:
        """A read-only view of all leaf hashes, shape (size, 32), dtype=uint8."""
        view = self._perfect[0][: self.size]
        view.flags.writeable = False
        return view

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; return its index.

        Parameters
        ----------
        leaf_hash : bytes of length 32

        Returns
        -------
        index : int
        """
        self.extend([_check_digest("leaf_hash", leaf_hash)])
        return self.size - 1

    def extend(self, leaves: Any) -> None:
        """Append a batch of leaf hashes and hash the complete subtrees they finish.

        Parameters
        ----------
        leaves : ndarray of shape (k, 32), dtype=uint8, or list of 32-byte digests
        """
        arr = _check_digests("leaves", leaves)
        if arr.shape[0] == 0:
            return
        self._flat = None
        self._put(0, arr)
        h = 0
        while True:
            below, count = self._counts[h], self._counts[h + 1] if h + 1 < len(self._counts) else 0
            new_count = below // 2
            if new_count == count:
                break
            # children 2*count .. 2*new_count of level h make parents count .. new_count
            children = self._perfect[h][2 * count: 2 * new_count]
            parents = np.empty((new_count - count, HASH_SIZE), np.uint8)
            _native.parents(children, parents)
            if h + 1 == len(self._counts):
                self._perfect.append(np.empty((max(16, parents.shape[0]), HASH_SIZE), np.uint8))
                self._counts.append(0)
            self._put(h + 1, parents)
            h += 1

    def _put(self, h: int, rows: Digests) -> None:
        count, store = self._counts[h], self._perfect[h]
        need = count + rows.shape[0]
        if need > store.shape[0]:
            grown = np.empty((max(need, 2 * store.shape[0]), HASH_SIZE), np.uint8)
            grown[:count] = store[:count]
            self._perfect[h] = store = grown
        store[count:need] = rows
        self._counts[h] = need

    def _subtree(self, start: int, stop: int) -> bytes:
        """RFC 6962 root of leaves [start, stop); start is aligned as the recursion makes it."""
        n = stop - start
        if n & (n - 1) == 0:
            h = n.bit_length() - 1
            return bytes(self._perfect[h][start >> h])
        k = _largest_power_below(n)
        return _native.node_hash(self._subtree(start, start + k), self._subtree(start + k, stop))

    def _check_size(self, size: int | None, name: str = "size", low: int = 0) -> int:
        if size is None:
            return self.size
        return check_int(name, size, low=low, high=self.size)

    def root(self, size: int | None = None) -> bytes:
        """RFC 6962 root of the first ``size`` leaves (default: all).

        Parameters
        ----------
        size : int, optional
            In ``[0, self.size]``.

        Returns
        -------
        root : bytes of length 32

        Examples
        --------
        >>> MerkleTree().root().hex()[:16]
        'e3b0c44298fc1c14'
        """
        m = self._check_size(size)
        return EMPTY_ROOT if m == 0 else self._subtree(0, m)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf ``index`` in the tree of the first ``size`` leaves.

        Parameters
        ----------
        index : int
            In ``[0, size)``.
        size : int, optional
            In ``[1, self.size]``; default the current size.

        Returns
        -------
        proof : list of bytes of length 32
            Leaf to root (RFC 6962 section 2.1.1).
        """
        m = self._check_size(size, low=1)
        i = check_int("index", index, low=0, high=m - 1)
        path: list[bytes] = []
        start, stop = 0, m
        while stop - start > 1:  # walk down, collecting siblings root-first
            k = _largest_power_below(stop - start)
            if i - start < k:
                path.append(self._subtree(start + k, stop))
                stop = start + k
            else:
                path.append(self._subtree(start, start + k))
                start += k
        path.reverse()
        return path

    def inclusion_proofs(self, indices: Any) -> tuple[Digests, npt.NDArray[np.int32]]:
        """Audit paths of many leaves in the current tree, in the compiled kernel.

        Parameters
        ----------
        indices : array-like of int, shape (k,)
            Leaf indices in ``[0, size)``.

        Returns
        -------
        paths : ndarray of shape (k, depth, 32), dtype=uint8
            Row i holds ``lengths[i]`` hashes, leaf to root.
        lengths : ndarray of shape (k,), dtype=int32
        """
        n = self.size
        if n == 0:
            raise ValueError("`indices` cannot be proved in an empty tree (size 0).")
        idx = np.ascontiguousarray(np.asarray(indices), dtype=np.int64)
        if idx.ndim != 1:
            raise ValueError(f"`indices` must be 1-D, got {describe(idx)}.")
        flat = self._flat_levels()
        depth = (n - 1).bit_length()
        paths = np.zeros((idx.shape[0], depth, HASH_SIZE), np.uint8)
        lengths = np.zeros(idx.shape[0], np.int32)
        _native.inclusion_paths(flat, n, idx, paths, lengths)
        return paths, lengths

    def _flat_levels(self) -> Digests:
        """All levels of the current tree in the kernel's layout (cached until an append)."""
        n = self.size
        if self._flat is not None and self._flat[0] == n:
            return self._flat[1]
        parts: list[Digests] = []
        level, length, h = self._perfect[0][:n], n, 0
        while True:
            parts.append(level)
            if length == 1:
                break
            up = (length + 1) // 2
            full = self._counts[h + 1] if h + 1 < len(self._counts) else 0
            nxt = self._perfect[h + 1][:full] if full else np.empty((0, HASH_SIZE), np.uint8)
            if full < up:  # a right-edge node: carried up, or the pair above a carried one
                edge = (
                    level[-1].tobytes() if length % 2
                    else _native.node_hash(level[-2].tobytes(), level[-1].tobytes())
                )
                nxt = np.concatenate([nxt, np.frombuffer(edge, np.uint8).reshape(1, HASH_SIZE)])
            level, length, h = nxt, up, h + 1
        flat = np.concatenate(parts)
        self._flat = (n, flat)
        return flat

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """Proof that the tree of ``first`` leaves is a prefix of the tree of ``second``.

        Parameters
        ----------
        first : int
            In ``[0, second]``.
        second : int, optional
            In ``[first, self.size]``; default the current size.

        Returns
        -------
        proof : list of bytes of length 32
            RFC 6962 section 2.1.2 (empty when ``first`` is 0 or equals ``second``).
        """
        n = self._check_size(second, "second")
        m = check_int("first", first, low=0, high=n)
        if m == 0 or m == n:
            return []
        proof: list[bytes] = []
        start, stop, whole = 0, n, True
        while True:
            if m == stop - start:
                if not whole:
                    proof.append(self._subtree(start, stop))
                break
            k = _largest_power_below(stop - start)
            if m <= k:
                proof.append(self._subtree(start + k, stop))
                stop = start + k
            else:
                proof.append(self._subtree(start, start + k))
                m -= k
                start += k
                whole = False
        proof.reverse()
        return proof
