"""The Merkle/SHA-256 kernel and tree: published RFC 6962 vectors, hashlib, the slow reference.

The vectors are the Certificate Transparency test data (google/certificate-transparency,
republished in transparency-dev/merkle's ``testonly`` and ``proof`` tests): eight leaves,
the root for every tree size 0..8, and inclusion and consistency proofs, restated here
as plain hex.  Their inclusion vectors count leaves from 1; here indices are 0-based.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas._native import merkle as native
from lukhas.primitives.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    chain_hashes,
    leaf_hashes,
    merkle_root,
    root_from_inclusion_proof,
    tree_levels,
    verify_chain,
    verify_consistency,
    verify_inclusion,
)
from reference.merkle_ref import (
    ref_chain,
    ref_consistency,
    ref_leaf_hash,
    ref_node_hash,
    ref_path,
    ref_root,
)

H = bytes.fromhex
CT_LEAVES = [H(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [H(x) for x in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# Complete subtrees of the 8-leaf tree, by level (level 0 = leaf hashes).
CT_NODES = [
    [H(x) for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")],
    [H(x) for x in (
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")],
    [H(x) for x in (
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")],
    [H("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
N = CT_NODES
# (0-based index, tree size, audit path)
CT_INCLUSION = [
    (0, 8, [N[0][1], N[1][1], N[2][1]]),
    (5, 8, [N[0][4], N[1][3], N[2][0]]),
    (2, 3, [N[1][0]]),
    (1, 5, [N[0][0], N[1][1], N[0][4]]),
]
# (first size, second size, proof)
CT_CONSISTENCY = [
    (1, 8, [N[0][1], N[1][1], N[2][1]]),
    (6, 8, [N[1][2], N[1][3], N[2][0]]),
    (2, 5, [N[1][1], N[0][4]]),
    (6, 7, [N[1][2], N[0][6], N[2][0]]),
]
IMPLS = [native.IMPL_SCALAR, native.IMPL_SHA_NI]


@pytest.fixture(scope="module")
def ct_tree() -> MerkleTree:
    return MerkleTree(leaf_hashes(CT_LEAVES))


# ---- SHA-256 itself ------------------------------------------------------------------


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("length", [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097])
def test_sha256_bit_exact_with_hashlib_at_padding_edges(impl: int, length: int) -> None:
    data = os.urandom(length)
    got = native.sha256(data, impl)
    if got is None:
        pytest.skip("this CPU has no SHA extensions")
    assert got == hashlib.sha256(data).digest()


def test_sha256_fips_180_examples() -> None:
    # FIPS 180-2 appendix B: "abc" and the 448-bit two-block message.
    assert native.sha256(b"abc").hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert native.sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex() == (
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")


def test_impl_name_is_known_and_unknown_impl_refused() -> None:
    assert native.impl_name() in {"sha_ni", "scalar"}
    assert native.sha256(b"x", 99) is None


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=700))
def test_sha256_property_against_hashlib(data: bytes) -> None:
    assert native.sha256(data) == hashlib.sha256(data).digest()
    assert native.leaf_hash(data) == ref_leaf_hash(data)


# ---- published vectors ---------------------------------------------------------------


def test_ct_leaf_and_node_hashes(ct_tree: MerkleTree) -> None:
    assert [ct_tree.leaf(i) for i in range(8)] == CT_NODES[0]
    levels = tree_levels(leaf_hashes(CT_LEAVES))
    for h, want in enumerate(CT_NODES):
        assert [levels[h][j].tobytes() for j in range(len(want))] == want


@pytest.mark.parametrize("size", range(9))
def test_ct_roots_for_every_size(ct_tree: MerkleTree, size: int) -> None:
    assert ct_tree.root(size) == CT_ROOTS[size]
    assert merkle_root(leaf_hashes(CT_LEAVES[:size])) == CT_ROOTS[size]
    assert MerkleTree(leaf_hashes(CT_LEAVES[:size])).root() == CT_ROOTS[size]


def test_empty_root() -> None:
    assert EMPTY_ROOT == CT_ROOTS[0] == merkle_root([])


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_inclusion_proofs(ct_tree: MerkleTree, index: int, size: int, path: list[bytes]) -> None:
    assert ct_tree.inclusion_proof(index, size) == path
    leaf = CT_NODES[0][index]
    assert verify_inclusion(leaf, index, size, path, CT_ROOTS[size])
    # The corruptions transparency-dev's verifier tests make, each rejected.
    root = CT_ROOTS[size]
    bad = [
        (leaf, index + 1, size, path, root),
        (leaf, index ^ 2, size, path, root),
        (leaf, index, size * 2, path, root),
        (leaf, index, size // 2, path, root),
        (b"WrongLeaf", index, size, path, root),
        (leaf, index, size, path, EMPTY_ROOT),
        (leaf, index, size, [*path, b""], root),
        (leaf, index, size, [*path, root], root),
        (leaf, index, size, [root, *path], root),
        (leaf, index, size, path[:-1], root),
    ]
    if index > 0:
        bad.append((leaf, index - 1, size, path, root))
    for k in range(len(path)):
        flipped = list(path)
        flipped[k] = bytes([flipped[k][0] ^ 8]) + flipped[k][1:]
        bad.append((leaf, index, size, flipped, root))
    for args in bad:
        assert not verify_inclusion(*args), args[1:3]


@pytest.mark.parametrize(("first", "second", "proof"), CT_CONSISTENCY)
def test_ct_consistency_proofs(ct_tree: MerkleTree, first: int, second: int,
                               proof: list[bytes]) -> None:
    assert ct_tree.consistency_proof(first, second) == proof
    r1, r2 = CT_ROOTS[first], CT_ROOTS[second]
    assert verify_consistency(first, second, r1, r2, proof)
    bad = [
        (first - 1, second, r1, r2, proof), (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof), (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof), (first, second, b"WrongRoot", r2, proof),
        (first, second, r1, b"WrongRoot", proof), (first, second, r2, r1, proof),
        (first, second, r1, r2, []), (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [r2, *proof]), (first, second, r1, r2, [proof[0], *proof]),
        (first, second, r1, r2, proof[:-1]),
    ]
    for k in range(len(proof)):
        flipped = list(proof)
        flipped[k] = bytes([flipped[k][0] ^ 16]) + flipped[k][1:]
        bad.append((first, second, r1, r2, flipped))
    for args in bad:
        assert not verify_consistency(*args), args[:2]


def test_trivial_consistency_and_inclusion_edges() -> None:
    a = CT_ROOTS[1]
    assert verify_consistency(0, 0, a, a, [])
    assert verify_consistency(0, 5, a, CT_ROOTS[5], [])
    assert verify_consistency(3, 3, CT_ROOTS[3], CT_ROOTS[3], [])
    assert not verify_consistency(3, 3, CT_ROOTS[3], CT_ROOTS[4], [])
    assert not verify_consistency(2, 1, a, a, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert root_from_inclusion_proof(a, 0, 0, []) is None
    assert root_from_inclusion_proof(a, 1, 1, []) is None
    assert verify_inclusion(a, 0, 1, [], a)


# ---- properties against the slow reference -------------------------------------------

LEAF_DATA = st.lists(st.binary(max_size=80), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(data=LEAF_DATA, split=st.integers(0, 40))
def test_tree_against_rfc_definitions(data: list[bytes], split: int) -> None:
    leaves = [ref_leaf_hash(d) for d in data]
    n = len(leaves)
    tree = MerkleTree()
    # appended in two batches and then one by one, so incremental caching is exercised
    k = min(split, n)
    tree.extend(leaf_hashes(data[: k // 2]))
    for d in data[k // 2: k]:
        tree.append(native.leaf_hash(d))
    tree.extend(leaf_hashes(data[k:]))
    assert [tree.leaf(i) for i in range(n)] == leaves
    for m in range(n + 1):
        root = ref_root(leaves[:m])
        assert tree.root(m) == root
        for i in range(m):
            path = tree.inclusion_proof(i, m)
            assert path == ref_path(i, leaves[:m])
            assert verify_inclusion(leaves[i], i, m, path, root)
        if m:
            for j in range(m + 1):
                proof = tree.consistency_proof(j, m)
                assert proof == ref_consistency(j, leaves[:m])
                assert verify_consistency(j, m, ref_root(leaves[:j]), root, proof)


@settings(max_examples=60, deadline=None)
@given(data=LEAF_DATA)
def test_batch_kernels_against_reference(data: list[bytes]) -> None:
    leaves = [ref_leaf_hash(d) for d in data]
    n = len(leaves)
    for got in (leaf_hashes(data), leaf_hashes(tuple(data))):
        assert [got[i].tobytes() for i in range(n)] == leaves
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in data])]).astype(np.int64)
    packed = leaf_hashes((np.frombuffer(b"".join(data), np.uint8), offsets))
    assert [packed[i].tobytes() for i in range(n)] == leaves
    arr = leaf_hashes(data)
    assert merkle_root(arr) == ref_root(leaves)
    levels = tree_levels(arr)
    assert levels[-1][0].tobytes() == ref_root(leaves)
    assert levels[0].tobytes() == b"".join(leaves)
    chain = chain_hashes(arr)
    assert [chain[i].tobytes() for i in range(n)] == ref_chain(leaves)
    tree = MerkleTree(arr)
    paths, lengths = tree.inclusion_proofs(np.arange(n))
    for i in range(n):
        assert [paths[i, j].tobytes() for j in range(lengths[i])] == ref_path(i, leaves)
    ok = np.zeros(n, np.uint8)
    native.verify_inclusions(arr, np.arange(n, dtype=np.int64), n, paths, lengths,
                             ref_root(leaves), ok)
    assert ok.all()
    if n > 1 and len(set(leaves)) == n:  # a wrong index fails in the batch verifier too
        native.verify_inclusions(arr, (np.arange(n, dtype=np.int64) + 1) % n, n, paths,
                                 lengths, ref_root(leaves), ok)
        assert not ok.all()


@settings(max_examples=60, deadline=None)
@given(data=LEAF_DATA, where=st.integers(0, 39), which=st.sampled_from(["data", "leaf", "chain"]))
def test_verify_chain_names_first_bad_entry(data: list[bytes], where: int, which: str) -> None:
    n = len(data)
    k = where % n
    leaves = leaf_hashes(data)
    chain = chain_hashes(leaves)
    assert verify_chain(data, leaves, chain) == (-1, None)
    data = list(data)
    if which == "data":
        data[k] = data[k] + b"!"
        want = "leaf"
    elif which == "leaf":
        leaves = leaves.copy()
        leaves[k, 0] ^= 1
        want = "leaf"
    else:
        chain = chain.copy()
        chain[k, 31] ^= 0x80
        want = "chain"
    assert verify_chain(data, leaves, chain) == (k, want)


def test_chain_continues_from_prev() -> None:
    data = [os.urandom(20) for _ in range(10)]
    leaves = leaf_hashes(data)
    whole = chain_hashes(leaves)
    tail = chain_hashes(leaves[6:], whole[5].tobytes())
    assert np.array_equal(whole[6:], tail)
    assert verify_chain(data[6:], leaves[6:], tail, whole[5].tobytes()) == (-1, None)


def test_large_tree_root_matches_reference_pairing() -> None:
    # 1,000 + 1 leaves: odd lengths at several levels.
    data = [i.to_bytes(4, "little") for i in range(1001)]
    leaves = [ref_leaf_hash(d) for d in data]
    assert merkle_root(leaf_hashes(data)) == ref_root(leaves)
    tree = MerkleTree()
    for start in range(0, 1001, 97):
        tree.extend(leaf_hashes(data[start:start + 97]))
    for m in (1, 2, 3, 511, 512, 513, 1000, 1001):
        assert tree.root(m) == ref_root(leaves[:m])
    assert ref_node_hash(leaves[0], leaves[1]) == tree.root(2)


# ---- boundary checks (memory safety lives in the kernel wrapper) ---------------------


def test_boundary_errors() -> None:
    with pytest.raises(ValueError, match="offsets"):
        leaf_hashes((np.zeros(4, np.uint8), np.array([0, 5], np.int64)))
    with pytest.raises(ValueError, match="offsets"):
        leaf_hashes((np.zeros(4, np.uint8), np.array([2, 1], np.int64)))
    with pytest.raises(TypeError, match="items"):
        leaf_hashes([b"a", "b"])
    with pytest.raises(TypeError, match="items"):
        leaf_hashes(b"abc")
    with pytest.raises(ValueError, match="leaves"):
        merkle_root(np.zeros((3, 31), np.uint8))
    with pytest.raises(ValueError, match=r"leaves\[1\]"):
        merkle_root([bytes(32), bytes(31)])
    with pytest.raises(TypeError, match="leaves"):
        merkle_root("nope")
    with pytest.raises(ValueError, match="prev"):
        chain_hashes([bytes(32)], b"short")
    with pytest.raises(ValueError, match="left"):
        native.node_hash(b"x", bytes(32))
    tree = MerkleTree(leaf_hashes([b"a", b"b"]))
    with pytest.raises(ValueError, match="size"):
        tree.root(3)
    with pytest.raises(ValueError, match="index"):
        tree.inclusion_proof(2)
    with pytest.raises(ValueError, match="first"):
        tree.consistency_proof(3)
    with pytest.raises(ValueError, match=r"indices\[0\]"):
        tree.inclusion_proofs([5])
    with pytest.raises(ValueError, match="empty tree"):
        MerkleTree().inclusion_proofs([0])
