"""Stub for the compiled ``lukhas._native.topk`` module (``native/lukhas/_native/topk.pyx``)."""

import numpy as np
import numpy.typing as npt

__test__: dict[str, str]

_Float = np.float32 | np.float64

def topk_merge(
    scores: npt.NDArray[_Float],
    ids: npt.NDArray[np.int64],
    bias: npt.NDArray[_Float],
    best_scores: npt.NDArray[_Float],
    best_ids: npt.NDArray[np.int64],
    filled: npt.NDArray[np.int64],
    scanner: str | None = None,
) -> None: ...
def scanner_name() -> str: ...
def scanners_available() -> list[str]: ...
def topk_finish(
    best_scores: npt.NDArray[_Float],
    best_ids: npt.NDArray[np.int64],
    filled: npt.NDArray[np.int64],
) -> None: ...
