"""RFC 6962 Merkle trees and SHA-256 hash chains on a compiled kernel.

- :func:`leaf_hashes`, :func:`merkle_root`, :func:`tree_levels`, :func:`chain_hashes`
  and :func:`verify_chain` hash batches in :mod:`lukhas._native.merkle` (C, SHA-NI
  chosen at run time, GIL released), bit-exact with :mod:`hashlib` and the RFC 6962 /
  Certificate Transparency test vectors.
- :class:`MerkleTree` is an append-only tree with cached complete subtrees: roots,
  inclusion proofs and consistency proofs for any past size.
- :func:`verify_inclusion`, :func:`verify_consistency` and the other checks in
  :mod:`._proofs` use the standard library alone, so anyone can re-check a proof.

Examples
--------
>>> tree = MerkleTree(leaf_hashes([b"a", b"b", b"c", b"d", b"e"]))
>>> old = tree.root(3)
>>> verify_consistency(3, 5, old, tree.root(), tree.consistency_proof(3))
True
"""

from __future__ import annotations

from lukhas._native.merkle import impl_name as sha256_impl
from lukhas.primitives.merkle._proofs import (
    EMPTY_ROOT,
    HASH_SIZE,
    rfc6962_leaf_hash,
    rfc6962_node_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from lukhas.primitives.merkle._tree import (
    ZERO_HASH,
    MerkleTree,
    chain_hashes,
    leaf_hashes,
    merkle_root,
    tree_levels,
    verify_chain,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ZERO_HASH",
    "MerkleTree",
    "chain_hashes",
    "leaf_hashes",
    "merkle_root",
    "rfc6962_leaf_hash",
    "rfc6962_node_hash",
    "root_from_inclusion_proof",
    "sha256_impl",
    "tree_levels",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
]


def __dir__() -> list[str]:
    return list(__all__)
