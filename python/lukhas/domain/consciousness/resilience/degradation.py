"""Degradation levels driven by circuit breakers, and recovery playbooks.

Each subsystem of the consciousness runtime is called through its own
:class:`~lukhas.services.reliability.AdaptiveCircuitBreaker` (``lukhas.core.reliability``).
The degradation level is a function of the breakers' states:

* ``SAFE_MODE`` if a *critical* subsystem's breaker is open;
* ``MINIMAL`` if at least ``minimal_fraction`` of the breakers are open;
* ``REDUCED`` if any breaker is open or half-open;
* ``FULL`` otherwise.

Every change of level is recorded (a ring of recent changes plus listeners).
Features declare the worst level they tolerate (:meth:`DegradationManager.allows`).
A :class:`RecoveryPlaybook` is a list of steps (sync or async callables returning
a truthy value on success), each with retries and a timeout, triggered by an
unhealthy subsystem or by a level; :meth:`DegradationManager.run_recovery` runs
the triggered playbooks in order and, when all steps of one succeed, resets the
breaker of its subsystem.

Examples
--------
>>> import asyncio
>>> from lukhas.services.reliability import ManualClock
>>> mgr = DegradationManager(clock=ManualClock())
>>> _ = mgr.add_subsystem("memory", critical=True, min_request_threshold=2)
>>> async def down():
...     raise ConnectionError("disk")
>>> for _ in range(2):
...     try:
...         asyncio.run(mgr.call("memory", down))
...     except ConnectionError:
...         pass
>>> mgr.level().name
'SAFE_MODE'
>>> mgr.add_playbook(RecoveryPlaybook("remount", [RecoveryStep("mount", lambda: True)],
...                                   subsystem="memory"))
>>> [run.succeeded for run in asyncio.run(mgr.run_recovery())], mgr.level().name
([True], 'FULL')
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.primitives.ring import Ring
from lukhas.services.reliability import AdaptiveCircuitBreaker, CircuitState, Clock

__all__ = [
    "DegradationLevel",
    "DegradationManager",
    "LevelChange",
    "PlaybookRun",
    "RecoveryPlaybook",
    "RecoveryStep",
]

logger = logging.getLogger(__name__)


class DegradationLevel(enum.IntEnum):
    """How much of the runtime may run, from everything to the bare minimum."""

    FULL = 0
    REDUCED = 1
    MINIMAL = 2
    SAFE_MODE = 3


@dataclass(frozen=True)
class LevelChange:
    """One change of degradation level, with the open breakers that caused it."""

    old: DegradationLevel
    new: DegradationLevel
    open: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class RecoveryStep:
    """One step of a playbook: ``action()`` (sync or async) must return a truthy value."""

    name: str
    action: Callable[[], Any]
    retries: int = 2
    timeout: float = 5.0


@dataclass(frozen=True)
class RecoveryPlaybook:
    """Steps run in order when `subsystem` is unhealthy or the level reaches `min_level`."""

    name: str
    steps: list[RecoveryStep]
    subsystem: str | None = None
    min_level: DegradationLevel = DegradationLevel.SAFE_MODE


@dataclass
class PlaybookRun:
    """What one playbook run did."""

    playbook: str
    succeeded: bool
    steps: list[dict[str, Any]] = field(default_factory=list)
    duration_ms: float = 0.0


class DegradationManager:
    """Subsystem breakers, the degradation level and recovery (see the module notes).

    Parameters
    ----------
    minimal_fraction : float, default=0.5
        Fraction of open breakers from which the level is MINIMAL.
    clock : Clock or None, default=None
        Passed to every breaker (a ``ManualClock`` in tests).
    history : int, default=256
        Level changes kept.
    """

    def __init__(self, *, minimal_fraction: float = 0.5, clock: Clock | None = None,
                 history: int = 256) -> None:
        self._fraction = check_real("minimal_fraction", minimal_fraction, low=0.0, high=1.0,
                                    low_inclusive=False)
        self._clock = clock
        self._breakers: dict[str, AdaptiveCircuitBreaker] = {}
        self._critical: set[str] = set()
        self._playbooks: list[RecoveryPlaybook] = []
        self._level = DegradationLevel.FULL
        self.changes = Ring(check_int("history", history, low=1))
        self._listeners: list[Callable[[LevelChange], object]] = []

    def add_subsystem(self, name: str, *, critical: bool = False,
                      **breaker_options: Any) -> AdaptiveCircuitBreaker:
        """Give a subsystem its breaker (options go to ``AdaptiveCircuitBreaker``)."""
        check_str("name", name, empty=False)
        if name in self._breakers:
            raise ValueError(f"subsystem {name!r} is already registered.")
        breaker = AdaptiveCircuitBreaker(name, clock=self._clock, **breaker_options)
        self._breakers[name] = breaker
        if critical:
            self._critical.add(name)
        return breaker

    def breaker(self, name: str) -> AdaptiveCircuitBreaker:
        """The breaker of a subsystem (KeyError if unknown)."""
        try:
            return self._breakers[name]
        except KeyError:
            raise KeyError(f"no subsystem {name!r} is registered.") from None

    async def call(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call `func` through the subsystem's breaker, then update the level."""
        breaker = self.breaker(name)
        try:
            return await breaker.call(func, *args, **kwargs)
        finally:
            self.level()

    def add_listener(self, listener: Callable[[LevelChange], object]) -> None:
        """Call `listener(change)` on every level change."""
        if not callable(listener):
            raise TypeError(f"`listener` must be callable, got {describe(listener)}.")
        self._listeners.append(listener)

    def level(self) -> DegradationLevel:
        """The current degradation level (recomputed from the breakers now)."""
        states = {n: b.state for n, b in self._breakers.items()}
        opened = sorted(n for n, s in states.items() if s is CircuitState.OPEN)
        if any(n in self._critical for n in opened):
            new = DegradationLevel.SAFE_MODE
        elif states and len(opened) / len(states) >= self._fraction:
            new = DegradationLevel.MINIMAL
        elif opened or any(s is CircuitState.HALF_OPEN for s in states.values()):
            new = DegradationLevel.REDUCED
        else:
            new = DegradationLevel.FULL
        if new is not self._level:
            change = LevelChange(self._level, new, tuple(opened), time.monotonic())
            self._level = new
            self.changes.push(change)
            logger.warning("degradation %s -> %s (open: %s)", change.old.name, new.name, opened)
            for listener in self._listeners:
                listener(change)
        return new

    def allows(self, worst_tolerated: DegradationLevel) -> bool:
        """Whether a feature that tolerates at most `worst_tolerated` may run now."""
        if not isinstance(worst_tolerated, DegradationLevel):
            raise TypeError("`worst_tolerated` must be a DegradationLevel, "
                            f"got {describe(worst_tolerated)}.")
        return self.level() <= worst_tolerated

    def status(self) -> dict[str, Any]:
        """Level, per-subsystem state and failure rate, and the number of level changes."""
        level = self.level()
        return {"level": level.name, "subsystems": {
            n: {"state": b.state.value, "failure_rate": b.failure_rate,
                "critical": n in self._critical} for n, b in self._breakers.items()},
                "changes": len(self.changes)}

    def add_playbook(self, playbook: RecoveryPlaybook) -> None:
        """Register a playbook (run in registration order)."""
        if not isinstance(playbook, RecoveryPlaybook):
            raise TypeError(f"`playbook` must be a RecoveryPlaybook, got {describe(playbook)}.")
        if playbook.subsystem is not None:
            self.breaker(playbook.subsystem)
        if not playbook.steps:
            raise ValueError(f"playbook {playbook.name!r} has no steps.")
        self._playbooks.append(playbook)

    def _triggered(self, playbook: RecoveryPlaybook, level: DegradationLevel) -> bool:
        if playbook.subsystem is not None:
            return self._breakers[playbook.subsystem].state is not CircuitState.CLOSED
        return level >= playbook.min_level

    async def _step(self, step: RecoveryStep) -> dict[str, Any]:
        attempts = 0
        error = None
        for attempts in range(1, step.retries + 2):
            try:
                result = step.action()
                if inspect.isawaitable(result):
                    result = await asyncio.wait_for(result, step.timeout)
                if result:
                    return {"step": step.name, "ok": True, "attempts": attempts}
                error = "returned a false value"
            except Exception as err:  # recorded; the next attempt or the report follows
                error = f"{type(err).__name__}: {err}"
        return {"step": step.name, "ok": False, "attempts": attempts, "error": error}

    async def run_recovery(self) -> list[PlaybookRun]:
        """Run every triggered playbook; reset a subsystem's breaker when its playbook succeeds."""
        runs = []
        level = self.level()
        for pb in self._playbooks:
            if not self._triggered(pb, level):
                continue
            start = time.perf_counter()
            run = PlaybookRun(pb.name, True)
            for step in pb.steps:
                outcome = await self._step(step)
                run.steps.append(outcome)
                if not outcome["ok"]:
                    run.succeeded = False
                    break
            if run.succeeded and pb.subsystem is not None:
                self._breakers[pb.subsystem].reset()
            run.duration_ms = (time.perf_counter() - start) * 1e3
            runs.append(run)
            level = self.level()
        return runs
