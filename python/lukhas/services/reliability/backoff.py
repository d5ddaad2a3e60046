"""Retries of transient failures with full-jitter backoff, on top of tenacity.

:class:`IntelligentBackoff` decides *what* to retry and *how long* to wait;
tenacity runs the retry loop and computes the waits:

* **What.**  By default only transient failures: :class:`TimeoutError` (asyncio's
  and :class:`OperationTimeoutError` included), :class:`ConnectionError`,
  :class:`TransientError` (raise or subclass it to mark your own), anything a
  ``retry_if`` predicate accepts, and a bare ``Exception`` (which names no cause,
  so it is treated as possibly transient).  A ``ValueError`` from bad input, a
  ``TypeError``, a ``KeyError`` ... propagate at once instead of being retried for
  half a minute.  ``retry_on=(Exception,)`` restores retry-everything.
* **How long.**  Full jitter ("Exponential Backoff And Jitter", AWS Architecture
  Blog, 2015) from tenacity's wait functions: the exponential strategy is
  ``tenacity.wait_random_exponential`` (a uniform draw in ``[min_delay, cap]``,
  cap growing as ``initial_delay * multiplier**attempt``); linear, Fibonacci and
  adaptive caps get the same uniform draw.  ``load_aware=True`` selects the
  load-aware wait instead: the cap scaled by host load (``psutil``) with the
  +-10 % jitter of :meth:`IntelligentBackoff._calculate_delay`.
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

import psutil
import tenacity

from lukhas._validation import check_int, check_real
from lukhas.services.reliability._clock import Clock, SystemClock

__all__ = [
    "TRANSIENT_ERRORS",
    "BackoffConfig",
    "BackoffStrategy",
    "IntelligentBackoff",
    "TransientError",
    "is_transient",
]

logger = logging.getLogger(__name__)


class TransientError(RuntimeError):
    """A failure worth retrying: raise it (or subclass it) to mark your own transient errors.

    Examples
    --------
    >>> is_transient(TransientError("rate limited")), is_transient(ValueError("bad input"))
    (True, False)
    """


#: Exception classes retried by default.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError,
                                                      TransientError)


def is_transient(exc: BaseException) -> bool:
    """Whether the default retry policy retries ``exc``.

    True for :data:`TRANSIENT_ERRORS` (timeouts, connection errors,
    :class:`TransientError`) and for a bare ``Exception`` (it names no cause);
    False for every other class, ``ValueError``, ``TypeError``, ``KeyError``,
    ``PermissionError`` ... included.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    transient : bool
    """
    return isinstance(exc, TRANSIENT_ERRORS) or type(exc) is Exception


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
        Full jitter: each wait is a uniform draw between ``min_delay`` and the
        strategy's delay (with ``load_aware``: a factor in [0.9, 1.1]).
    max_attempts : int, default=5
        Attempts in total, the first one included.
    strategy : BackoffStrategy, default=BackoffStrategy.EXPONENTIAL
        How the base delay grows.
    min_delay : float, default=0.1
        Lower clamp of any delay.
    load_aware : bool, default=False
        Use the load-aware wait: delays stretched by ``1 + 0.5 * (cpu% + mem%) / 200``
        (``psutil``), jittered by +-10 %.

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
    load_aware: bool = False

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
    retry_on : tuple of exception types or None, default=None
        Exceptions worth retrying; None: the transient ones (:func:`is_transient`).
        ``(Exception,)`` retries everything.
    retry_if : callable or None, default=None
        ``retry_if(exc) -> bool``: also retry the exceptions it accepts.
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
        retry_on: tuple[type[BaseException], ...] | None = None,
        retry_if: Callable[[BaseException], bool] | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if config is not None and not isinstance(config, BackoffConfig):
            raise TypeError(f"`config` must be a BackoffConfig, got {type(config).__name__}.")
        self.config = config if config is not None else BackoffConfig()
        self.retry_on = retry_on
        self.retry_if = retry_if
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
        """Return ``1 + 0.5 * (cpu% + memory%) / 200`` (``psutil`` is a required dependency)."""
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

    def _base_delay(self, retry_state: tenacity.RetryCallState) -> float:
        """The strategy's un-jittered delay before retry ``attempt_number`` (no load factor)."""
        cfg, attempt = self.config, retry_state.attempt_number - 1
        if cfg.strategy is BackoffStrategy.LINEAR:
            delay = cfg.initial_delay * (attempt + 1)
        elif cfg.strategy is BackoffStrategy.FIBONACCI:
            delay = cfg.initial_delay * self._fibonacci(attempt + 1)
        elif cfg.strategy is BackoffStrategy.ADAPTIVE:
            delay = self._adaptive_delay(attempt)
        else:
            delay = cfg.initial_delay * cfg.multiplier**attempt
        return float(min(max(delay, cfg.min_delay), cfg.max_delay))

    def _full_jitter(self, retry_state: tenacity.RetryCallState) -> float:
        return self._rng.uniform(self.config.min_delay, self._base_delay(retry_state))

    def _load_aware(self, retry_state: tenacity.RetryCallState) -> float:
        return self._calculate_delay(retry_state.attempt_number - 1)

    def wait_strategy(self) -> Callable[[tenacity.RetryCallState], float]:
        """The tenacity wait of this policy (see the module docstring).

        Returns
        -------
        wait : callable
            A tenacity wait (``wait(retry_state) -> seconds``).
        """
        cfg = self.config
        if cfg.load_aware:
            return self._load_aware
        if cfg.strategy is BackoffStrategy.EXPONENTIAL:
            if cfg.jitter:
                return tenacity.wait_random_exponential(
                    multiplier=cfg.initial_delay, max=cfg.max_delay, exp_base=cfg.multiplier,
                    min=cfg.min_delay)
            return tenacity.wait_exponential(multiplier=cfg.initial_delay, max=cfg.max_delay,
                                             exp_base=cfg.multiplier, min=cfg.min_delay)
        return self._full_jitter if cfg.jitter else self._base_delay

    def retry_condition(self) -> tenacity.retry_base:
        """The tenacity retry condition: ``retry_on`` (default: transient) or ``retry_if``."""
        base: tenacity.retry_base = (
            tenacity.retry_if_exception(is_transient) if self.retry_on is None
            else tenacity.retry_if_exception_type(self.retry_on))
        if self.retry_if is not None:
            base = base | tenacity.retry_if_exception(self.retry_if)
        return base

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
            or at once for an exception that is not retried (not transient, by default).
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
            wait=self.wait_strategy(),
            retry=self.retry_condition(),
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
            wait=self.wait_strategy(),
            retry=self.retry_condition(),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(one_attempt)
