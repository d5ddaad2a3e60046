"""Audit-ledger hashing: the compiled Merkle/SHA-256 kernel beside a hashlib loop and pymerkle.

Groups (every peer's result is checked against ours inside the bench):
- ``ledger-leaves-<family>``: RFC 6962 leaf hashes of 1M leaves, ours vs a ``hashlib``
  loop (target: 2x per leaf), beside one ``hashlib.sha256`` over the same bytes in one
  buffer (the single-thread SHA-256 throughput floor; target: within 1.2x).
- ``ledger-root``: the root of 1M leaves from their data: ours vs a ``hashlib`` loop
  (leaf hashes, then level by level) vs ``pymerkle.InmemoryTree`` (target: 5x pymerkle).
- ``ledger-proofs``: 10,000 inclusion proofs, made and checked, in a tree of 1M leaves:
  ours in the kernel (batch) and one by one through the Python API vs pymerkle.
- ``ledger-chain``: full-chain verification of 1M entries (recompute every leaf and chain
  hash, compare): ours vs a ``hashlib`` loop.  pymerkle has no hash chain.

Families: leaf data of uniform random length 64-300 bytes (realistic entries) and of
exactly 64 bytes (the most per-leaf overhead per byte).

Run: ``pytest benches/bench_ledger.py --benchmark-only -p no:randomly``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import numpy as np
import pytest

from _smoke import size
from lukhas._native import merkle as native
from lukhas.primitives.merkle import (
    MerkleTree,
    chain_hashes,
    leaf_hashes,
    merkle_root,
    verify_chain,
    verify_inclusion,
)

N = size(1_000_000, 20_000)
N_PROOFS = size(10_000, 500)
FAMILIES = ["len64-300", "len64"]


@cache
def _data(family: str, n: int = N) -> list[bytes]:
    rng = np.random.default_rng(13)
    blob = rng.integers(0, 256, n * 300, dtype=np.uint8).tobytes()
    if family == "len64":
        return [blob[i * 64:(i + 1) * 64] for i in range(n)]
    lengths = rng.integers(64, 301, n)
    starts = np.arange(n) * 300
    return [blob[s:s + int(k)] for s, k in zip(starts.tolist(), lengths.tolist(), strict=True)]


@cache
def _expected_leaves(family: str) -> bytes:
    return leaf_hashes(_data(family)).tobytes()


def _record(benchmark: Any, key: str, scale: float) -> None:
    if benchmark.stats is not None:
        benchmark.extra_info[key] = scale / benchmark.stats.stats.min


def _hashlib_leaves(data: list[bytes]) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(b"\x00" + d).digest() for d in data]


def _hashlib_root(leaves: list[bytes]) -> bytes:
    sha = hashlib.sha256
    level = leaves
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# ---- leaf hashing throughput ---------------------------------------------------------


@pytest.mark.benchmark(group="ledger-leaves")
@pytest.mark.parametrize("family", FAMILIES)
def test_leaves_lukhas(benchmark: Any, family: str) -> None:
    data = _data(family)
    out = benchmark(leaf_hashes, data)
    assert out.tobytes() == _expected_leaves(family)
    _record(benchmark, "leaves_per_s", len(data))


@pytest.mark.benchmark(group="ledger-leaves")
@pytest.mark.parametrize("family", FAMILIES)
def test_leaves_hashlib_loop(benchmark: Any, family: str) -> None:
    data = _data(family)
    out = benchmark(_hashlib_leaves, data)
    assert b"".join(out) == _expected_leaves(family)
    _record(benchmark, "leaves_per_s", len(data))


@pytest.mark.benchmark(group="ledger-leaves")
@pytest.mark.parametrize("family", FAMILIES)
def test_leaves_hashlib_one_buffer_floor(benchmark: Any, family: str) -> None:
    data = _data(family)
    blob = b"".join(data)
    digest = benchmark(lambda: hashlib.sha256(blob).digest())
    assert native.sha256(blob) == digest
    _record(benchmark, "bytes_per_s", len(blob))


# ---- root of 1M leaves ---------------------------------------------------------------


@pytest.mark.benchmark(group="ledger-root")
def test_root_lukhas(benchmark: Any) -> None:
    data = _data("len64-300")
    root = benchmark.pedantic(lambda: merkle_root(leaf_hashes(data)), rounds=3, iterations=1)
    assert root == native.root(leaf_hashes(data))


@pytest.mark.benchmark(group="ledger-root")
def test_root_hashlib_loop(benchmark: Any) -> None:
    data = _data("len64-300")
    root = benchmark.pedantic(lambda: _hashlib_root(_hashlib_leaves(data)), rounds=3,
                              iterations=1)
    assert root == merkle_root(leaf_hashes(data))


@pytest.mark.benchmark(group="ledger-root")
def test_root_pymerkle(benchmark: Any) -> None:
    pymerkle = pytest.importorskip("pymerkle")
    data = _data("len64-300")

    def run() -> bytes:
        tree = pymerkle.InmemoryTree.init_from_entries(data, algorithm="sha256")
        return bytes(tree.get_root())

    root = benchmark.pedantic(run, rounds=1, iterations=1)
    assert root == merkle_root(leaf_hashes(data))


# ---- 10k inclusion proofs ------------------------------------------------------------


@cache
def _tree() -> tuple[MerkleTree, bytes, np.ndarray]:
    tree = MerkleTree(leaf_hashes(_data("len64-300")))
    indices = np.random.default_rng(3).integers(0, N, N_PROOFS)
    return tree, tree.root(), indices


@pytest.mark.benchmark(group="ledger-proofs")
def test_proofs_lukhas_batch(benchmark: Any) -> None:
    tree, root, indices = _tree()
    leaves = tree.leaves()[indices].copy()
    idx = indices.astype(np.int64)

    def run() -> np.ndarray:
        paths, lengths = tree.inclusion_proofs(idx)
        ok = np.zeros(len(idx), np.uint8)
        native.verify_inclusions(leaves, idx, N, paths, lengths, root, ok)
        return ok

    ok = benchmark(run)
    assert ok.all()


@pytest.mark.benchmark(group="ledger-proofs")
def test_proofs_lukhas_one_by_one(benchmark: Any) -> None:
    tree, root, indices = _tree()
    idx = indices.tolist()

    def run() -> bool:
        return all(verify_inclusion(tree.leaf(i), i, N, tree.inclusion_proof(i), root)
                   for i in idx)

    assert benchmark.pedantic(run, rounds=3, iterations=1)


@pytest.mark.benchmark(group="ledger-proofs")
def test_proofs_pymerkle(benchmark: Any) -> None:
    pymerkle = pytest.importorskip("pymerkle")
    _, root, indices = _tree()
    ptree = pymerkle.InmemoryTree.init_from_entries(_data("len64-300"), algorithm="sha256")
    assert bytes(ptree.get_root()) == root
    idx = indices.tolist()

    def run() -> bool:
        for i in idx:  # pymerkle counts leaves from 1
            proof = ptree.prove_inclusion(i + 1, N)
            pymerkle.verify_inclusion(ptree.get_leaf(i + 1), root, proof)
        return True

    assert benchmark.pedantic(run, rounds=1, iterations=1)


# ---- full-chain verification ---------------------------------------------------------


@cache
def _chain(family: str) -> tuple[np.ndarray, np.ndarray]:
    leaves = leaf_hashes(_data(family))
    return leaves, chain_hashes(leaves)


@pytest.mark.benchmark(group="ledger-chain")
@pytest.mark.parametrize("family", FAMILIES)
def test_chain_lukhas(benchmark: Any, family: str) -> None:
    data = _data(family)
    leaves, chain = _chain(family)
    assert benchmark(verify_chain, data, leaves, chain) == (-1, None)


@pytest.mark.benchmark(group="ledger-chain")
@pytest.mark.parametrize("family", FAMILIES)
def test_chain_hashlib_loop(benchmark: Any, family: str) -> None:
    data = _data(family)
    leaves_arr, chain_arr = _chain(family)
    leaves = [leaves_arr[i].tobytes() for i in range(N)]
    chain = [chain_arr[i].tobytes() for i in range(N)]
    sha = hashlib.sha256

    def run() -> int:
        prev = bytes(32)
        for i, d in enumerate(data):
            leaf = sha(b"\x00" + d).digest()
            if leaf != leaves[i]:
                return i
            prev = sha(prev + leaf).digest()
            if prev != chain[i]:
                return i
        return -1

    assert benchmark.pedantic(run, rounds=3, iterations=1) == -1
