"""Process-wide fatigue: recent optimiser work that recovers exponentially.

The bio-inspired layer of LUKHAS asks how "tired" the process is before it
starts more evolutionary or swarm work.  :class:`FatigueModel` answers with a
leaky integrator: every run adds the CPU seconds it spent to a work reservoir,
the reservoir drains with a half-life (recovery), and the fatigue level is
``1 - exp(-work / capacity)``, a float in [0, 1) that is 0 when rested, about
0.63 after ``capacity`` seconds of recent work and tends to 1 under sustained load.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from lukhas._validation import check_real

__all__ = ["PROCESS_FATIGUE", "FatigueModel", "fatigue_level"]


class FatigueModel:
    """Leaky work integrator with exponential recovery.

    Parameters
    ----------
    half_life : float, default=60.0
        Seconds for accumulated work to halve while idle; > 0.
    capacity : float, default=30.0
        Seconds of recent work at which fatigue reaches ``1 - 1/e``; > 0.
    clock : callable, default=time.monotonic
        Returns the current time in seconds (inject a fake one in tests).

    Examples
    --------
    >>> now = [0.0]
    >>> model = FatigueModel(half_life=10.0, capacity=5.0, clock=lambda: now[0])
    >>> model.level()
    0.0
    >>> model.record(5.0)
    >>> round(model.level(), 3)
    0.632
    >>> now[0] = 10.0  # one half-life later: work 2.5 s
    >>> round(model.level(), 3)
    0.393
    """

    def __init__(
        self,
        half_life: float = 60.0,
        capacity: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._decay = math.log(2.0) / check_real(
            "half_life", half_life, low=0.0, low_inclusive=False
        )
        self._capacity = check_real("capacity", capacity, low=0.0, low_inclusive=False)
        self._clock = clock
        self._lock = threading.Lock()
        self._work = 0.0
        self._stamp = clock()

    def _drain(self) -> float:
        now = self._clock()
        self._work *= math.exp(-self._decay * max(0.0, now - self._stamp))
        self._stamp = now
        return self._work

    def record(self, seconds: float) -> None:
        """Add ``seconds`` (>= 0) of work done just now."""
        seconds = check_real("seconds", seconds, low=0.0)
        with self._lock:
            self._drain()
            self._work += seconds

    def work(self) -> float:
        """Recent work in seconds, after recovery up to now."""
        with self._lock:
            return self._drain()

    def level(self) -> float:
        """Fatigue in [0, 1]: ``1 - exp(-work / capacity)``."""
        return -math.expm1(-self.work() / self._capacity)

    def reset(self) -> None:
        """Forget all recorded work (fully rested)."""
        with self._lock:
            self._work = 0.0
            self._stamp = self._clock()


#: The model every optimiser in :mod:`lukhas.primitives.evolve` feeds with its CPU time.
PROCESS_FATIGUE = FatigueModel()


def fatigue_level() -> float:
    """Return how tired this process is from recent optimisation work, in [0, 1].

    Every optimiser run in :mod:`lukhas.primitives.evolve` records the CPU seconds it
    used in :data:`PROCESS_FATIGUE`; that work recovers with a 60 s half-life
    and maps to ``1 - exp(-work / 30 s)``.  0 means rested.

    Returns
    -------
    level : float
        In [0, 1].

    Examples
    --------
    >>> 0.0 <= fatigue_level() <= 1.0
    True
    """
    return PROCESS_FATIGUE.level()
