"""Stub for the compiled ``lukhas._native.glyphs`` module (``native/lukhas/_native/glyphs.pyx``)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from typing_extensions import Buffer

XXH3_64: int
XXH64: int

def simd_name() -> str: ...
def xxh3_64(data: Buffer, seed: int = 0) -> int: ...
def xxh64(data: Buffer, seed: int = 0) -> int: ...
def xxh3_64_with_loop(data: Buffer, seed: int, loop: str) -> int | None: ...
def hash_packed(
    buffer: npt.NDArray[np.uint8] | Buffer,
    offsets: npt.NDArray[np.int64],
    seed: int,
    algorithm: int,
    out: npt.NDArray[np.uint64],
) -> None: ...
def hash_packed_arrays(
    buffer: object, offsets: object, seed: int, algorithm: int
) -> npt.NDArray[np.uint64] | None: ...
def hash_fixed_bytes(
    data: npt.NDArray[np.uint8],
    itemsize: int,
    seed: int,
    algorithm: int,
    out: npt.NDArray[np.uint64],
) -> None: ...
def hash_fixed_ucs4(
    data: npt.NDArray[np.uint32],
    width: int,
    seed: int,
    algorithm: int,
    out: npt.NDArray[np.uint64],
) -> None: ...
def hash_sequence(
    glyphs: Sequence[str | bytes],  # a list or tuple at run time
    seed: int,
    algorithm: int,
    out: npt.NDArray[np.uint64],
) -> None: ...
