"""Retries with backoff strategies, jitter and load awareness, on top of tenacity.

:class:`IntelligentBackoff` decides *how long* to wait between attempts
(exponential, linear, Fibonacci or adaptive to the recent success rate, scaled
by host load and jittered); tenacity runs the retry loop itself.
"""

from __future__ import annotations

import enum
import inspect
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tenacity

from lukhas._validation import check_int, check_real
from lukhas.services.reliability._clock import Clock, SystemClock

__all__ = ["BackoffConfig", "BackoffStrategy", "IntelligentBackoff"]

logger = logging.getLogger(__name__)


class BackoffStrategy(enum.Enum):
    """How the base delay grows with the attempt number."""

    EXPONENTIAL = "exponential"
    LINEAR = "linear"
    ADAPTIVE = "adaptive"
    FIBONACCI = "fibonacci"


@dataclass(frozen=True)
class BackoffConfig:
    """Retry policy (all durations in seconds).

    Parameters
    ----------
    initial_delay : float, default=1.0
        Base delay of the first retry.
    max_delay : float, default=300.0
        Upper clamp of any delay.
    multiplier : float, default=2.0
        Growth factor of the exponential strategy.
    jitter : bool, default=True
        Scale every delay by a uniform factor in [0.9, 1.1].
    max_attempts : int, default=5
        Attempts in total, the first one included.
    strategy : BackoffStrategy, default=BackoffStrategy.EXPONENTIAL
        How the base delay grows.
    min_delay : float, default=0.1
        Lower clamp of any delay.
    load_aware : bool, default=True
        Stretch delays when the host is busy (needs ``psutil``; no effect without it).

    Examples
    --------
    >>> BackoffConfig(initial_delay=0.5, max_attempts=3).max_attempts
    3
    """

    initial_delay: float = 1.0
    max_delay: float = 300.0
    multiplier: float = 2.0
    jitter: bool = True
    max_attempts: int = 5
    strategy: BackoffStrategy = BackoffStrategy.EXPONENTIAL
    min_delay: float = 0.1
    load_aware: bool = True

    def __post_init__(self) -> None:
        check_real("initial_delay", self.initial_delay, low=0.0)
        check_real("min_delay", self.min_delay, low=0.0)
        check_real("max_delay", self.max_delay, low=self.min_delay)
        check_real("multiplier", self.multiplier, low=1.0)
        check_int("max_attempts", self.max_attempts, low=1)
        if not isinstance(self.strategy, BackoffStrategy):
            raise TypeError(
                f"`strategy` must be a BackoffStrategy, got {type(self.strategy).__name__}."
            )


class IntelligentBackoff:
    """Run an operation with retries, choosing each delay from the policy and history.

    Parameters
    ----------
    config : BackoffConfig or None, default=None
        The policy; ``BackoffConfig()`` when None.
    retry_on : tuple of exception types, default=(Exception,)
        Exceptions worth retrying; anything else propagates at once.
    clock : Clock or None, default=None
        Time source used for sleeping and timing; the system clock when None.
    rng : random.Random or None, default=None
        Jitter source (seed one for reproducible delays).

    Attributes
    ----------
    attempt_history : collections.deque of dict
        The last 100 attempts, each ``{"operation", "success", "attempt",
        "latency_ms", "timestamp"}`` (``attempt`` is 0-based, ``timestamp`` is
        epoch seconds).

    Examples
    --------
    >>> import asyncio
    >>> from lukhas.services.reliability import ManualClock
    >>> clock = ManualClock()
    >>> backoff = IntelligentBackoff(
    ...     BackoffConfig(initial_delay=0.5, jitter=False, load_aware=False), clock=clock)
    >>> calls = []
    >>> def flaky():
    ...     calls.append(1)
    ...     if len(calls) < 3:
    ...         raise ConnectionError("try again")
    ...     return "ok"
    >>> asyncio.run(backoff.execute_with_backoff("fetch", flaky))
    'ok'
    >>> clock.sleeps
    [0.5, 1.0]
    """

    def __init__(
        self,
        config: BackoffConfig | None = None,
        *,
        retry_on: tuple[type[BaseException], ...] = (Exception,),
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if config is not None and not isinstance(config, BackoffConfig):
            raise TypeError(f"`config` must be a BackoffConfig, got {type(config).__name__}.")
        self.config = config if config is not None else BackoffConfig()
        self.retry_on = retry_on
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._rng = rng if rng is not None else random.Random()
        self.attempt_history: deque[dict[str, Any]] = deque(maxlen=100)

    # -- delays ----------------------------------------------------------------
    @staticmethod
    def _fibonacci(n: int) -> int:
        """Return the n-th Fibonacci number with F(1) = F(2) = 1 (F(0) = 0)."""
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    def _adaptive_delay(self, attempt: int) -> float:
        """Exponential delay whose base follows the recent success rate.

        The success rate of the last 50 history entries picks the growth factor:
        1.5 above 0.8, 2.0 above 0.5, else 3.0.  With no history: ``initial_delay``.
        """
        if not self.attempt_history:
            return self.config.initial_delay
        recent = list(self.attempt_history)[-50:]
        rate = sum(1 for entry in recent if entry["success"]) / len(recent)
        factor = 1.5 if rate > 0.8 else 2.0 if rate > 0.5 else 3.0
        return float(self.config.initial_delay * factor**attempt)

    def _get_load_multiplier(self) -> float:
        """Return ``1 + 0.5 * (cpu% + memory%) / 200``, or 1.0 without psutil."""
        try:
            import psutil
        except ImportError:
            return 1.0
        cpu = float(psutil.cpu_percent())
        mem = float(psutil.virtual_memory().percent)
        return 1.0 + 0.5 * (cpu + mem) / 200.0

    def _calculate_delay(self, attempt: int) -> float:
        """Return the delay in seconds before retry number ``attempt`` (0-based)."""
        cfg = self.config
        if cfg.strategy is BackoffStrategy.EXPONENTIAL:
            delay = cfg.initial_delay * cfg.multiplier**attempt
        elif cfg.strategy is BackoffStrategy.LINEAR:
            delay = cfg.initial_delay * (attempt + 1)
        elif cfg.strategy is BackoffStrategy.FIBONACCI:
            delay = cfg.initial_delay * self._fibonacci(attempt + 1)
        else:
            delay = self._adaptive_delay(attempt)
        if cfg.load_aware:
            delay *= self._get_load_multiplier()
        if cfg.jitter:
            delay *= self._rng.uniform(0.9, 1.1)
        return float(min(max(delay, cfg.min_delay), cfg.max_delay))

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        return self._calculate_delay(retry_state.attempt_number - 1)

    def _note(self, operation: str, attempt: int, success: bool, start: float) -> None:
        self.attempt_history.append(
            {
                "operation": operation,
                "success": success,
                "attempt": attempt,
                "latency_ms": (self._clock.monotonic() - start) * 1000.0,
                "timestamp": self._clock.time(),
            }
        )

    def _log_retry(self, retry_state: tenacity.RetryCallState) -> None:
        outcome = retry_state.outcome
        logger.info(
            "retrying %s after attempt %d failed (%r); sleeping %.3f s",
            getattr(retry_state.fn, "__qualname__", retry_state.fn),
            retry_state.attempt_number,
            outcome.exception() if outcome is not None else None,
            retry_state.upcoming_sleep,
        )

    # -- execution -------------------------------------------------------------
    async def execute_with_backoff(
        self, operation: str, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """Call ``func(*args, **kwargs)`` until it succeeds or attempts run out.

        ``func`` may be a coroutine function or a plain callable; an awaitable
        result is awaited.

        Parameters
        ----------
        operation : str
            Name recorded in :attr:`attempt_history` and the logs.
        func : callable
            The operation.
        *args, **kwargs
            Passed to ``func``.

        Returns
        -------
        result : object
            The first successful result.

        Raises
        ------
        Exception
            The last attempt's exception once ``max_attempts`` attempts failed,
            or at once for an exception outside ``retry_on``.
        """
        attempt = 0

        async def one_attempt() -> Any:
            nonlocal attempt
            start = self._clock.monotonic()
            try:
                result = func(*args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
            except Exception:
                self._note(operation, attempt, False, start)
                attempt += 1
                raise
            self._note(operation, attempt, True, start)
            return result

        retrying = tenacity.AsyncRetrying(
            sleep=self._clock.sleep,
            stop=tenacity.stop_after_attempt(self.config.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(self.retry_on),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return await retrying(one_attempt)

    def execute_with_backoff_sync(
        self, operation: str, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """Synchronous twin of :meth:`execute_with_backoff` (sleeps block the thread).

        Parameters
        ----------
        operation : str
            Name recorded in :attr:`attempt_history`.
        func : callable
            A plain callable.
        *args, **kwargs
            Passed to ``func``.

        Returns
        -------
        result : object
            The first successful result.

        Raises
        ------
        Exception
            The last attempt's exception once the attempts ran out.
        """
        attempt = 0

        def one_attempt() -> Any:
            nonlocal attempt
            start = self._clock.monotonic()
            try:
                result = func(*args, **kwargs)
            except Exception:
                self._note(operation, attempt, False, start)
                attempt += 1
                raise
            self._note(operation, attempt, True, start)
            return result

        retrying = tenacity.Retrying(
            sleep=self._clock.sleep_sync,
            stop=tenacity.stop_after_attempt(self.config.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(self.retry_on),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(one_attempt)
