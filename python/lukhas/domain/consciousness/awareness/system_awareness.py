"""System awareness: process and host load from ``psutil``, with trend and hysteresis.

:meth:`SystemAwareness.get_current_state` samples CPU (``psutil.cpu_percent``),
memory (``psutil.virtual_memory``) and this process's resident memory, keeps the
last ``history`` samples in ring buffers, fits the CPU and memory trends (least
squares slope per sample) and classifies the host as ``"healthy"``,
``"strained"`` or ``"critical"`` from the larger of the two loads.  The class
changes only when the load crosses a threshold by more than ``hysteresis``, so a
load hovering at a threshold does not flap.

Examples
--------
>>> import asyncio
>>> state = asyncio.run(SystemAwareness().get_current_state())
>>> sorted(state)[:4]
['cpu_percent', 'cpu_trend', 'health', 'load']
>>> state["health"] in ("healthy", "strained", "critical")
True
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psutil

from lukhas._validation import check_int, check_real
from lukhas.primitives.ring import RingBuffer

__all__ = ["HEALTH_LEVELS", "SystemAwareness"]

#: Health classes, from best to worst, and the load at which each worse one starts.
HEALTH_LEVELS = ("healthy", "strained", "critical")


def _slope(values: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    n = values.size
    if n < 2:
        return 0.0
    x = np.arange(n, dtype=np.float64)
    x -= x.mean()
    return float((x * (values - values.mean())).sum() / (x * x).sum())


class SystemAwareness:
    """Host and process load, sampled on demand (see the module notes).

    Parameters
    ----------
    history : int, default=120
        Samples kept for the trends.
    strained_at, critical_at : float, default=0.75, 0.9
        Load (fraction of CPU or memory in use) at which those classes begin.
    hysteresis : float, default=0.05
        Margin the load must cross a threshold by before the class changes.
    """

    def __init__(self, history: int = 120, *, strained_at: float = 0.75,
                 critical_at: float = 0.9, hysteresis: float = 0.05) -> None:
        size = check_int("history", history, low=2)
        self._strained = check_real("strained_at", strained_at, low=0.0, high=1.0)
        self._critical = check_real("critical_at", critical_at, low=self._strained, high=1.0)
        self._h = check_real("hysteresis", hysteresis, low=0.0, high=0.5)
        self._cpu = RingBuffer(size)
        self._mem = RingBuffer(size)
        self._level = 0
        self._process = psutil.Process(os.getpid())
        self.samples = 0

    def _classify(self, load: float) -> str:
        thresholds = (self._strained, self._critical)
        level = self._level
        while level < 2 and load >= thresholds[level] + self._h:
            level += 1
        while level > 0 and load < thresholds[level - 1] - self._h:
            level -= 1
        self._level = level
        return HEALTH_LEVELS[level]

    def sample(self) -> dict[str, Any]:
        """Take one sample now (synchronous form of :meth:`get_current_state`)."""
        cpu = float(psutil.cpu_percent(interval=None))
        mem = float(psutil.virtual_memory().percent)
        try:
            rss = self._process.memory_info().rss / 2**20
        except psutil.Error:  # the process table can refuse in sandboxes
            rss = float("nan")
        self._cpu.append(cpu)
        self._mem.append(mem)
        self.samples += 1
        load = max(cpu, mem) / 100.0
        return {
            "cpu_percent": cpu, "memory_percent": mem, "process_rss_mb": rss,
            "load": load, "health": self._classify(load),
            "cpu_trend": _slope(self._cpu.to_array()), "memory_trend": _slope(self._mem.to_array()),
            "samples": self.samples, "timestamp": datetime.now(UTC), "monotonic": time.monotonic(),
        }

    async def get_current_state(self) -> dict[str, Any]:
        """Sample CPU, memory and process memory; classify the host's health.

        Returns
        -------
        state : dict
            ``cpu_percent``, ``memory_percent``, ``process_rss_mb``, ``load`` (the
            larger load as a fraction), ``health``, ``cpu_trend`` and
            ``memory_trend`` (percentage points per sample), ``samples``,
            ``timestamp`` (UTC) and ``monotonic``.
        """
        return self.sample()
