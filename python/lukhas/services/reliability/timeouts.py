"""Timeouts that follow the observed latency of each operation.

For every operation the manager keeps the recent latencies.  Once ten are
known, its timeout tracks ``percentile_target`` of the successful ones times
``safety_multiplier``, clamped to ``[min_timeout, max_timeout]`` and smoothed
exponentially (``prev * (1 - rate) + new * rate``), so one outlier cannot
whipsaw it.  All values are in milliseconds.  The recent latencies live in the
shared :class:`lukhas.primitives.window.RollingRecords`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lukhas._validation import check_real
from lukhas.primitives.window import RollingRecords
from lukhas.services.reliability._clock import Clock, SystemClock

__all__ = ["AdaptiveTimeoutManager", "OperationTimeoutError", "TimeoutConfig"]

logger = logging.getLogger(__name__)

#: Timeout of an operation nobody registered, and the default config of one
#: that is auto-registered by :meth:`AdaptiveTimeoutManager.record_latency` (ms).
_DEFAULT_TIMEOUT_MS = 5000.0
_DEFAULT_MAX_MS = 30000.0
_DEFAULT_MIN_MS = 100.0
#: Samples needed before the timeout adapts, and how many recent samples it looks at.
_MIN_SAMPLES = 10
_RECENT_SAMPLES = 100


class OperationTimeoutError(TimeoutError):
    """Raised when an operation exceeds its adaptive timeout."""


@dataclass(frozen=True)
class TimeoutConfig:
    """Timeout policy of one operation (durations in ms).

    Parameters
    ----------
    base_timeout : float
        Timeout while fewer than ten latencies are known, and the starting
        point of the smoothing.
    max_timeout, min_timeout : float
        Clamp of the adaptive value.
    percentile_target : float, default=95.0
        Latency percentile the timeout follows.
    safety_multiplier : float, default=2.0
        Head room over that percentile.
    adaptation_rate : float, default=0.1
        Smoothing weight of each new estimate, in (0, 1].

    Examples
    --------
    >>> TimeoutConfig(base_timeout=1000, max_timeout=5000, min_timeout=100).percentile_target
    95.0
    """

    base_timeout: float
    max_timeout: float
    min_timeout: float
    percentile_target: float = 95.0
    safety_multiplier: float = 2.0
    adaptation_rate: float = 0.1

    def __post_init__(self) -> None:
        check_real("min_timeout", self.min_timeout, low=0.0, low_inclusive=False)
        check_real("max_timeout", self.max_timeout, low=self.min_timeout)
        check_real("base_timeout", self.base_timeout, low=self.min_timeout, high=self.max_timeout)
        check_real("percentile_target", self.percentile_target, low=0.0, high=100.0)
        check_real("safety_multiplier", self.safety_multiplier, low=0.0, low_inclusive=False)
        check_real("adaptation_rate", self.adaptation_rate, low=0.0, high=1.0, low_inclusive=False)


class AdaptiveTimeoutManager:
    """Per-operation adaptive timeouts.

    Parameters
    ----------
    window_size : int, default=1000
        Latencies remembered per operation.
    clock : Clock or None, default=None
        Time source for measuring latency; the system clock when None.

    Examples
    --------
    >>> manager = AdaptiveTimeoutManager()
    >>> manager.register_operation("search", TimeoutConfig(1000, 5000, 100))
    >>> for _ in range(50):
    ...     manager.record_latency("search", 50.0, success=True)
    >>> manager.get_adaptive_timeout("search") < 1000
    True
    >>> manager.get_adaptive_timeout("never-seen")
    5000.0
    """

    def __init__(self, window_size: int = 1000, *, clock: Clock | None = None) -> None:
        if isinstance(window_size, bool) or not isinstance(window_size, int):
            raise TypeError(f"`window_size` must be an int, got {window_size!r}.")
        if window_size < 1:
            raise ValueError(f"`window_size` must be an int >= 1, got {window_size}.")
        self.window_size = window_size
        self._clock: Clock = clock if clock is not None else SystemClock()
        self.configs: dict[str, TimeoutConfig] = {}
        self.latencies: dict[str, RollingRecords] = {}
        self._current: dict[str, float] = {}
        self.timeouts_fired: dict[str, int] = {}
        self._lock = threading.Lock()

    def register_operation(self, operation: str, config: TimeoutConfig) -> None:
        """Set (or replace) the policy of ``operation``; its timeout restarts at base.

        Parameters
        ----------
        operation : str
            Operation name.
        config : TimeoutConfig
            Its policy.
        """
        if not isinstance(config, TimeoutConfig):
            raise TypeError(f"`config` must be a TimeoutConfig, got {type(config).__name__}.")
        with self._lock:
            self.configs[operation] = config
            if operation not in self.latencies:
                self.latencies[operation] = RollingRecords(
                    self.window_size, latency=np.float64, ok=np.uint8)
            self._current[operation] = config.base_timeout

    def record_latency(self, operation: str, latency_ms: float, success: bool = True) -> None:
        """Record one observed latency and update the operation's timeout.

        An unknown operation is registered with
        ``TimeoutConfig(5000, 30000, 100)``.

        Parameters
        ----------
        operation : str
            Operation name.
        latency_ms : float
            Observed latency (>= 0).
        success : bool, default=True
            Failed calls are remembered but do not shape the timeout.
        """
        latency = check_real("latency_ms", latency_ms, low=0.0)
        if operation not in self.configs:
            self.register_operation(
                operation, TimeoutConfig(_DEFAULT_TIMEOUT_MS, _DEFAULT_MAX_MS, _DEFAULT_MIN_MS)
            )
        with self._lock:
            samples = self.latencies[operation]
            samples.append(latency, 1 if success else 0)
            if len(samples) < _MIN_SAMPLES:
                return
            config = self.configs[operation]
            recent = samples.latest(_RECENT_SAMPLES)
            good = recent["latency"][recent["ok"] == 1]
            if good.size == 0:
                return  # nothing successful to learn from; keep the current value
            target = float(np.percentile(good, config.percentile_target))
            target = min(max(target * config.safety_multiplier, config.min_timeout),
                         config.max_timeout)
            rate = config.adaptation_rate
            self._current[operation] = self._current[operation] * (1.0 - rate) + target * rate

    def get_adaptive_timeout(self, operation: str) -> float:
        """Return the current timeout of ``operation`` in ms.

        Parameters
        ----------
        operation : str
            Operation name.

        Returns
        -------
        timeout_ms : float
            5000 for an unregistered operation; ``base_timeout`` while fewer
            than ten latencies are known; otherwise the smoothed adaptive value.
        """
        with self._lock:
            config = self.configs.get(operation)
            if config is None:
                return _DEFAULT_TIMEOUT_MS
            if len(self.latencies[operation]) < _MIN_SAMPLES:
                return config.base_timeout
            return self._current[operation]

    async def execute_with_adaptive_timeout(
        self,
        operation: str,
        coro_func: Callable[..., Awaitable[Any]],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Await ``coro_func(*args, **kwargs)`` under the operation's timeout.

        Parameters
        ----------
        operation : str
            Operation name.
        coro_func : callable returning an awaitable
            The operation.
        *args, **kwargs
            Passed to ``coro_func``.

        Returns
        -------
        result : object
            The awaited result.

        Raises
        ------
        OperationTimeoutError
            If the call outlives its timeout (recorded as a failure at the timeout value).
        """
        timeout_ms = self.get_adaptive_timeout(operation)
        start = self._clock.monotonic()
        try:
            result = await asyncio.wait_for(coro_func(*args, **kwargs), timeout_ms / 1000.0)
        except TimeoutError as err:
            self.record_latency(operation, timeout_ms, success=False)
            with self._lock:
                self.timeouts_fired[operation] = self.timeouts_fired.get(operation, 0) + 1
            logger.warning("operation %r timed out after %.1f ms", operation, timeout_ms)
            raise OperationTimeoutError(
                f"operation {operation!r} exceeded its adaptive timeout of {timeout_ms:.1f} ms"
            ) from err
        except Exception:
            self.record_latency(operation, self._elapsed_ms(start), success=False)
            raise
        self.record_latency(operation, self._elapsed_ms(start), success=True)
        return result

    def _elapsed_ms(self, start: float) -> float:
        return max(0.0, (self._clock.monotonic() - start) * 1000.0)

    def get_summary(self) -> dict[str, dict[str, Any]]:
        """Return ``{operation: {"timeout_ms", "samples", "timeouts_fired"}}``."""
        with self._lock:
            names = list(self.configs)
        return {
            op: {
                "timeout_ms": self.get_adaptive_timeout(op),
                "samples": len(self.latencies[op]),
                "timeouts_fired": self.timeouts_fired.get(op, 0),
            }
            for op in names
        }
