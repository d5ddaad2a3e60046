"""Health checks: named probes (sync or async) aggregated into one report."""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Union

import psutil

from lukhas._validation import check_real

__all__ = [
    "CheckResult",
    "HealthRegistry",
    "HealthReport",
    "HealthStatus",
    "disk_check",
    "memory_check",
]

logger = logging.getLogger(__name__)

CheckOutcome = Union[bool, "CheckResult", tuple[bool, str]]
CheckFunction = Callable[[], CheckOutcome | Awaitable[CheckOutcome]]


class HealthStatus(enum.Enum):
    """Overall state: every check passed, only non-critical ones failed, or a critical one did."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    Attributes
    ----------
    name : str
    ok : bool
    detail : str
        Why it failed (or a short note when it passed).
    critical : bool
        A failing critical check makes the whole report UNHEALTHY.
    duration_ms : float
    data : dict
        Measurements the check chose to report.
    """

    name: str
    ok: bool
    detail: str = ""
    critical: bool = True
    duration_ms: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    """All check results and the overall status.

    Attributes
    ----------
    status : HealthStatus
    checks : tuple of CheckResult
    timestamp : datetime
        Aware UTC time of the run.
    """

    status: HealthStatus
    checks: tuple[CheckResult, ...]
    timestamp: datetime

    @property
    def healthy(self) -> bool:
        """True when the status is HEALTHY."""
        return self.status is HealthStatus.HEALTHY

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            "status": self.status.value,
            "timestamp": self.timestamp.isoformat(),
            "checks": {
                c.name: {"ok": c.ok, "detail": c.detail, "critical": c.critical,
                         "duration_ms": c.duration_ms, "data": dict(c.data)}
                for c in self.checks
            },
        }


@dataclass(frozen=True)
class _Registered:
    func: CheckFunction
    critical: bool
    timeout: float


class HealthRegistry:
    """Named health checks run together, each under a timeout.

    A check returns a bool, ``(ok, detail)`` or a :class:`CheckResult`, and may
    be a coroutine function.  An exception or a timeout counts as a failure.

    Examples
    --------
    >>> health = HealthRegistry()
    >>> health.register("database", lambda: True)
    >>> health.register("cache", lambda: (False, "evicting"), critical=False)
    >>> report = health.run()
    >>> report.status.value, [c.ok for c in report.checks]
    ('degraded', [True, False])
    """

    def __init__(self) -> None:
        self._checks: dict[str, _Registered] = {}
        self._lock = threading.Lock()

    def register(self, name: str, check: CheckFunction, *, critical: bool = True,
                 timeout: float = 5.0) -> None:
        """Add (or replace) the check called ``name``.

        Parameters
        ----------
        name : str
        check : callable
            Sync or async, no arguments.
        critical : bool, default=True
            Whether its failure makes the system UNHEALTHY (else DEGRADED).
        timeout : float, default=5.0
            Seconds an async check may take.
        """
        if not callable(check):
            raise TypeError(f"`check` must be callable, got {type(check).__name__}.")
        timeout = check_real("timeout", timeout, low=0.0, low_inclusive=False)
        with self._lock:
            self._checks[name] = _Registered(check, critical, timeout)

    def unregister(self, name: str) -> None:
        """Remove the check called ``name`` (no error if absent)."""
        with self._lock:
            self._checks.pop(name, None)

    def names(self) -> list[str]:
        """Registered check names, in registration order."""
        with self._lock:
            return list(self._checks)

    async def run_async(self) -> HealthReport:
        """Run every check concurrently; return the report.

        Returns
        -------
        report : HealthReport
        """
        with self._lock:
            checks = list(self._checks.items())
        results = await asyncio.gather(*(self._run_one(n, c) for n, c in checks))
        return _report(results)

    def run(self) -> HealthReport:
        """Run every check (async ones in a private event loop); return the report.

        Returns
        -------
        report : HealthReport

        Raises
        ------
        RuntimeError
            When called from a running event loop: use :meth:`run_async` there.
        """
        return asyncio.run(self.run_async())

    @staticmethod
    async def _run_one(name: str, entry: _Registered) -> CheckResult:
        start = time.perf_counter()
        data: dict[str, Any] = {}
        try:
            outcome = entry.func()
            if inspect.isawaitable(outcome):
                outcome = await asyncio.wait_for(outcome, entry.timeout)
        except TimeoutError:
            ok, detail = False, f"timed out after {entry.timeout:g} s"
        except Exception as err:  # a broken probe is a failed check, not a crash
            logger.warning("health check %r raised %r", name, err)
            ok, detail = False, f"{type(err).__name__}: {err}"
        else:
            if isinstance(outcome, CheckResult):
                ok, detail, data = outcome.ok, outcome.detail, dict(outcome.data)
            elif isinstance(outcome, tuple):
                ok, detail = bool(outcome[0]), str(outcome[1])
            else:
                ok, detail = bool(outcome), ""
        elapsed = (time.perf_counter() - start) * 1000.0
        return CheckResult(name, ok, detail, entry.critical, elapsed, data)


def _report(results: list[CheckResult]) -> HealthReport:
    if any(not r.ok and r.critical for r in results):
        status = HealthStatus.UNHEALTHY
    elif any(not r.ok for r in results):
        status = HealthStatus.DEGRADED
    else:
        status = HealthStatus.HEALTHY
    return HealthReport(status, tuple(results), datetime.now(UTC))


def memory_check(max_percent: float = 90.0) -> CheckFunction:
    """Return a check that fails when system memory use exceeds ``max_percent``.

    Reads ``psutil.virtual_memory()`` (``psutil`` is a required dependency of lukhas).

    Parameters
    ----------
    max_percent : float, default=90.0

    Returns
    -------
    check : callable
    """
    limit = check_real("max_percent", max_percent, low=0.0, high=100.0)

    def check() -> CheckResult:
        used = float(psutil.virtual_memory().percent)
        return CheckResult("memory", used <= limit, f"{used:.1f}% used (limit {limit:g}%)",
                           data={"percent": used})

    return check


def disk_check(path: str = "/", max_percent: float = 95.0) -> CheckFunction:
    """Return a check that fails when the filesystem of ``path`` is fuller than ``max_percent``.

    Parameters
    ----------
    path : str, default="/"
    max_percent : float, default=95.0

    Returns
    -------
    check : callable

    Examples
    --------
    >>> disk_check("/", max_percent=100.0)().ok
    True
    """
    import shutil

    limit = check_real("max_percent", max_percent, low=0.0, high=100.0)

    def check() -> CheckResult:
        usage = shutil.disk_usage(path)
        used = 100.0 * usage.used / usage.total if usage.total else 0.0
        return CheckResult("disk", used <= limit, f"{used:.1f}% of {path} used",
                           data={"percent": used, "free_bytes": usage.free})

    return check
