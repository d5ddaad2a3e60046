"""Stub for the compiled ``lukhas._native.hnsw`` module (``native/lukhas/_native/hnsw.pyx``)."""

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__test__: dict[str, str]
METRIC_L2: int
METRIC_IP: int

def simd_name() -> str: ...
def _join_all(threads: Iterable[Any]) -> None: ...

@disjoint_base
class HNSWGraph:
    dim: int
    M: int
    ef_construction: int
    metric: int
    size: int
    capacity: int
    upper_rows: int
    n_deleted: int
    entry: int
    max_level: int
    n_slots: int
    def __new__(
        cls,
        dim: int,
        M: int,
        ef_construction: int,
        metric: int,
        seed: int,
        capacity: int = 16,
        n_slots: int = 1,
    ) -> HNSWGraph: ...
    def reserve(self, capacity: int) -> None: ...
    def set_slots(self, n_slots: int) -> None: ...
    def add(self, vectors: npt.NDArray[np.float32], n_threads: int = 1) -> int: ...
    def search(
        self,
        queries: npt.NDArray[np.float32],
        ef: int,
        slot: int,
        labels: npt.NDArray[np.int64],
        out_ids: npt.NDArray[np.int64],
        out_dist: npt.NDArray[np.float32],
    ) -> None: ...
    def search_one(
        self,
        query: Any,
        k: int,
        ef: int,
        slot: int,
        labels: npt.NDArray[np.int64],
        unit: bool,
        limit: float,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]] | None: ...
    def mark_deleted(self, nodes: npt.NDArray[np.int32]) -> None: ...
    def vectors(self) -> npt.NDArray[np.float32]: ...
    def deleted_mask(self) -> npt.NDArray[np.bool_]: ...
    def state(self) -> dict[str, Any]: ...
    @staticmethod
    def from_state(state: dict[str, Any], n_slots: int = 1) -> HNSWGraph: ...
