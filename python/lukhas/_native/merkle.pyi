"""Stub for the compiled ``lukhas._native.merkle`` module (``native/lukhas/_native/merkle.pyx``)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from typing_extensions import Buffer

IMPL_BEST: int
IMPL_SCALAR: int
IMPL_SHA_NI: int

def impl_name() -> str: ...
def sha256(data: Buffer, impl: int = 0) -> bytes | None: ...
def leaf_hash(data: Buffer) -> bytes: ...
def node_hash(left: Buffer, right: Buffer) -> bytes: ...
def leaf_hashes_packed(
    buf: npt.NDArray[np.uint8] | Buffer,
    offsets: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
) -> None: ...
def leaf_hashes_seq(items: Sequence[bytes], out: npt.NDArray[np.uint8]) -> None: ...
def parents(children: npt.NDArray[np.uint8], out: npt.NDArray[np.uint8]) -> None: ...
def levels_total(n: int) -> int: ...
def levels(leaves: npt.NDArray[np.uint8], out: npt.NDArray[np.uint8]) -> None: ...
def root(leaves: npt.NDArray[np.uint8]) -> bytes: ...
def inclusion_paths(
    tree_levels: npt.NDArray[np.uint8],
    n: int,
    indices: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
    lengths: npt.NDArray[np.int32],
) -> None: ...
def verify_inclusions(
    leaves: npt.NDArray[np.uint8],
    indices: npt.NDArray[np.int64],
    size: int,
    paths: npt.NDArray[np.uint8],
    lengths: npt.NDArray[np.int32],
    expected_root: Buffer,
    ok: npt.NDArray[np.uint8],
) -> None: ...
def chain(
    leaves: npt.NDArray[np.uint8], prev: Buffer, out: npt.NDArray[np.uint8]
) -> None: ...
def verify_chain(
    buf: npt.NDArray[np.uint8] | Buffer,
    offsets: npt.NDArray[np.int64],
    leaves: npt.NDArray[np.uint8],
    chain_hashes: npt.NDArray[np.uint8],
    prev: Buffer,
) -> tuple[int, int]: ...
