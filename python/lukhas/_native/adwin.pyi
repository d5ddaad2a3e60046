"""Stub of the compiled ADWIN core (``native/lukhas/_native/adwin.pyx``)."""

from typing import Any

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

MAX_LEVELS: int
HEAD: int
COUNT: int
WIDTH: int
LEVELS: int
TICKS: int
DETECTIONS: int
CLOCK: int
MAX_BUCKETS: int
MIN_WINDOW: int
GRACE: int
RESET: int
LAST: int
INTS_SIZE: int

@disjoint_base
class ADWINCore:
    def _bind(
        self,
        buckets: npt.NDArray[np.float64],
        ints: npt.NDArray[np.int64],
        floats: npt.NDArray[np.float64],
    ) -> None: ...
    def update(self, x: Any) -> bool: ...
    def run(self, values: npt.NDArray[np.float64], flags: npt.NDArray[np.uint8]) -> int: ...
    def _coerce_sample(self, x: Any) -> float: ...
    def _on_drift(self, count: int) -> None: ...
