"""The consciousness component registry: ordered activation, rollback, health roll-up."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from lukhas import _config
from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.domain.consciousness.registry._order import activation_order, dependency_cycles
from lukhas.domain.consciousness.registry._types import (
    RUNNING,
    TRANSITIONS,
    ActivationReport,
    Component,
    ComponentStatus,
    ComponentTransitionError,
    ComponentType,
    HealthFn,
    HookFn,
    TransitionRecord,
)
from lukhas.primitives.ring import Ring

__all__ = [
    "ConsciousnessComponentRegistry",
    "consciousness_activation_context",
    "get_consciousness_registry",
]

logger = logging.getLogger(__name__)

_S = ComponentStatus
_FRAMEWORK_KEYWORDS = ("triad_framework", "constellation_framework", "constellation_star")


def _component_type(value: Any) -> ComponentType:
    if isinstance(value, ComponentType):
        return value
    if isinstance(value, str):
        for member in ComponentType:
            if value in (member.name, member.value):
                return member
        names = ", ".join(m.name for m in ComponentType)
        raise ValueError(f"`component_type` must be a ComponentType ({names}), got {value!r}.")
    raise TypeError(f"`component_type` must be a ComponentType, got {describe(value)}.")


def _names(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"`{name}` must be a list of str or None, got {describe(value)}.")
    items = tuple(value)
    for item in items:
        check_str(name, item, empty=False)
    return tuple(dict.fromkeys(items))


async def _call(fn: Any, *args: Any) -> Any:
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


def _score(result: Any) -> float:
    """A health check's result as a score in [0, 1] (bool, number or None)."""
    if result is None or isinstance(result, bool):
        return 0.0 if result is False else 1.0
    if isinstance(result, (int, float)) and result == result:
        return min(1.0, max(0.0, float(result)))
    raise TypeError("a health check must return a bool or a score in [0, 1], "
                    f"got {describe(result)}.")


class ConsciousnessComponentRegistry:
    """Registry of consciousness components with dependency-ordered activation.

    Components are registered with a type, a module path, dependencies, an
    activation priority and optional feature flags and hooks.  After every
    registration the activation order is recomputed: a priority-aware topological
    order (dependencies first; among ready components lower ``activation_priority``
    first, ties by id), unregistered dependencies ignored, components caught in or
    behind a dependency cycle appended in ``(priority, id)`` order and reported by
    :meth:`dependency_cycles`.  :meth:`activate_all` walks that order with a timeout
    per component and rolls back what it started when a critical component fails.

    Parameters
    ----------
    health_threshold : float, default=0.8
        A health score at or above it keeps a component ACTIVE; below it (but
        above 0) the component is DEGRADED.
    max_health_failures : int, default=3
        Consecutive failed health checks that turn a component FAILED.
    activation_timeout : float, default=30.0
        Default seconds allowed for one component's activation (import, hook and
        first health check).
    history : int, default=1024
        Status transitions kept (a ring; oldest dropped).

    Attributes
    ----------
    lane : str
        ``LUKHAS_LANE`` at construction (``"experimental"`` when unset).

    Examples
    --------
    >>> reg = ConsciousnessComponentRegistry()
    >>> for cid, prio, deps in [("base", 30, None), ("mid", 20, ["base"]), ("top", 10, ["mid"])]:
    ...     reg.register_component(cid, ComponentType.CONSCIOUSNESS_AWARENESS, cid, "", "json",
    ...                            triad_framework="🧠", activation_priority=prio,
    ...                            dependencies=deps)
    >>> reg._activation_order
    ['base', 'mid', 'top']
    >>> report = asyncio.run(reg.activate_all())
    >>> report.activated, reg.get_component_status("top")
    (('base', 'mid', 'top'), <ComponentStatus.ACTIVE: 'active'>)
    """

    def __init__(
        self,
        *,
        health_threshold: float = 0.8,
        max_health_failures: int = 3,
        activation_timeout: float = 30.0,
        history: int = 1024,
    ) -> None:
        self._threshold = check_real("health_threshold", health_threshold, low=0.0, high=1.0)
        self._max_failures = check_int("max_health_failures", max_health_failures, low=1)
        self._timeout = check_real("activation_timeout", activation_timeout, low=0.0,
                                   low_inclusive=False)
        self._history = Ring(check_int("history", history, low=1))
        self.lane = _config.lane()
        self._components: dict[str, Component] = {}
        self._flags: dict[str, bool] = {}
        self._lock = threading.RLock()
        self._order: list[str] | None = []  # None: stale, recomputed when next read
        self._blocked: list[str] = []
        self.last_activation: ActivationReport | None = None
        self._health_monitor_task: asyncio.Task[None] | None = None
        self._last_rollup: dict[str, Any] | None = None

    # ------------------------------------------------------------------ registration
    def register_component(
        self,
        component_id: str,
        component_type: ComponentType | str,
        name: str,
        description: str,
        module_path: str,
        triad_framework: str | None = None,
        feature_flags: Iterable[str] | None = None,
        dependencies: Iterable[str] | None = None,
        health_check_fn: HealthFn | None = None,
        activation_priority: int = 100,
        consciousness_authenticity_required: bool = True,
        *,
        critical: bool = False,
        activate_fn: HookFn | None = None,
        deactivate_fn: HookFn | None = None,
        **aliases: Any,
    ) -> None:
        """Register (or, while it is DORMANT or FAILED, redefine) a component.

        Parameters
        ----------
        component_id : str
            Unique id.
        component_type : ComponentType or str
            The kind (a member, or its name or value).
        name, description : str
            Human-readable labels.
        module_path : str
            Module imported on activation (``""`` for none).
        triad_framework : str or None, default=None
            The framework symbol (``"⚛️"``, ``"🧠"``, ``"🛡️"`` or ``"cross"``; any
            non-empty string is grouped as given; None: ``"cross"``).
            ``constellation_framework=`` and ``constellation_star=`` are aliases.
        feature_flags : list of str or None, default=None
            Flags that must all be on for the component to activate (unset flags
            count as on).
        dependencies : list of str or None, default=None
            Ids that must be running first (unregistered ids are ignored).
        health_check_fn : callable or None, default=None
            Returns a bool or a score in [0, 1], possibly awaitable.
        activation_priority : int, default=100
            Lower activates earlier among ready components.
        consciousness_authenticity_required : bool, default=True
            Kept with the component for callers that check it.
        critical : bool, default=False
            A failed activation of a critical component rolls back the run.
        activate_fn, deactivate_fn : callable or None, default=None
            Hooks called with the imported module (or None); may be awaitable.
        **aliases
            ``constellation_framework`` or ``constellation_star``.

        Raises
        ------
        TypeError, ValueError
            On a bad argument, an unknown component type, a doubly given
            framework, or a redefinition of a running component.
        """
        given = {k: v for k, v in aliases.items() if k in _FRAMEWORK_KEYWORDS}
        unknown = sorted(set(aliases) - set(_FRAMEWORK_KEYWORDS))
        if unknown:
            raise TypeError(f"register_component() got unexpected keyword(s) {unknown}.")
        if triad_framework is not None:
            given["triad_framework"] = triad_framework
        if len(given) > 1:
            raise ValueError("give the framework symbol once, as `triad_framework` (or "
                             "`constellation_framework`/`constellation_star`), "
                             f"got {sorted(given)}.")
        ((fw_name, framework),) = given.items() if given else (("triad_framework", "cross"),)
        check_str(fw_name, framework, empty=False)
        check_str("component_id", component_id, empty=False)
        kind = _component_type(component_type)
        check_str("name", name)
        check_str("description", description)
        check_str("module_path", module_path)
        priority = check_int("activation_priority", activation_priority)
        for label, fn in (("health_check_fn", health_check_fn), ("activate_fn", activate_fn),
                          ("deactivate_fn", deactivate_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"`{label}` must be callable or None, got {describe(fn)}.")
        flags = _names("feature_flags", feature_flags)
        deps = _names("dependencies", dependencies)
        component = Component(
            component_id, kind, name, description, module_path, framework, flags, deps,
            health_check_fn, priority, bool(consciousness_authenticity_required),
            bool(critical), activate_fn, deactivate_fn)
        with self._lock:
            old = self._components.get(component_id)
            if old is not None and old.status not in (_S.DORMANT, _S.FAILED):
                raise ValueError(f"component {component_id!r} is {old.status.value}; deactivate "
                                 "it before registering it again.")
            self._components[component_id] = component
            for flag in flags:
                self._flags.setdefault(flag, True)
            self._order = None
        logger.debug("registered %s (%s, priority %d)", component_id, kind.name, priority)

    def _current_order(self) -> list[str]:
        with self._lock:
            if self._order is None:
                priorities = {c.component_id: c.activation_priority
                              for c in self._components.values()}
                deps = {c.component_id: c.dependencies for c in self._components.values()}
                self._order, self._blocked = activation_order(priorities, deps)
            return self._order

    @property
    def _activation_order(self) -> list[str]:
        """The activation order (a copy), recomputed after every registration.

        A registration marks the order stale and the next read recomputes it, so
        bulk registration costs one sort, not one per component.
        """
        return list(self._current_order())

    def dependency_cycles(self) -> list[list[str]]:
        """The dependency cycles among registered components, each with its members."""
        with self._lock:
            return dependency_cycles(
                {c.component_id: c.activation_priority for c in self._components.values()},
                {c.component_id: c.dependencies for c in self._components.values()})

    def blocked_components(self) -> list[str]:
        """Ids in or behind a dependency cycle (the tail of the activation order)."""
        with self._lock:
            self._current_order()
            return list(self._blocked)

    def _get(self, component_id: str) -> Component:
        try:
            return self._components[component_id]
        except KeyError:
            raise KeyError(f"no component {component_id!r} is registered.") from None

    def get_component_status(self, component_id: str) -> ComponentStatus | None:
        """The component's status, or None if it is not registered."""
        comp = self._components.get(component_id)
        return None if comp is None else comp.status

    def get_component_info(self, component_id: str) -> dict[str, Any]:
        """The component's definition and live state as a dict (KeyError if unknown)."""
        return self._get(component_id).info()

    # ------------------------------------------------------------------ status machine
    def _transition(self, comp: Component, new: ComponentStatus, reason: str) -> None:
        old = comp.status
        if new is old:
            return
        if new not in TRANSITIONS[old]:
            raise ComponentTransitionError(
                f"component {comp.component_id!r} cannot go from {old.value} to {new.value}.")
        comp.status = new
        self._history.push(TransitionRecord(comp.component_id, old, new, reason,
                                            datetime.now(UTC)))

    def transition_history(self, component_id: str | None = None) -> list[TransitionRecord]:
        """Recorded status transitions, oldest first (all, or one component's)."""
        records: list[TransitionRecord] = self._history.to_list()
        if component_id is None:
            return records
        return [r for r in records if r.component_id == component_id]

    # ------------------------------------------------------------------ feature flags
    def set_feature_flag(self, name: str, enabled: bool) -> None:
        """Turn a feature flag on or off (components naming it activate only when on)."""
        check_str("name", name, empty=False)
        if not isinstance(enabled, bool):
            raise TypeError(f"`enabled` must be a bool, got {describe(enabled)}.")
        self._flags[name] = enabled

    def is_feature_enabled(self, name: str) -> bool:
        """Whether the flag is on (unset flags count as on)."""
        return self._flags.get(name, True)

    # ------------------------------------------------------------------ activation
    def _not_ready(self, comp: Component) -> str | None:
        off = [f for f in comp.feature_flags if not self._flags.get(f, True)]
        if off:
            return f"feature flag(s) {off} off"
        self._current_order()
        if comp.component_id in self._blocked:
            return "in or behind a dependency cycle"
        for dep in comp.dependencies:
            other = self._components.get(dep)
            if other is not None and other.status not in RUNNING:
                return f"dependency {dep!r} is {other.status.value}"
        return None

    async def _start(self, comp: Component) -> float:
        module: Any = None
        if comp.module_path:
            module = sys.modules.get(comp.module_path)
            if module is None:
                module = await asyncio.to_thread(importlib.import_module, comp.module_path)
        comp.module = module
        if comp.activate_fn is not None:
            await _call(comp.activate_fn, module)
        return 1.0 if comp.health_check_fn is None else _score(await _call(comp.health_check_fn))

    async def activate_component(self, component_id: str, *, timeout: float | None = None) -> bool:
        """Activate one component: import its module, run its hook, check its health.

        Parameters
        ----------
        component_id : str
            A registered id.
        timeout : float or None, default=None
            Seconds allowed (default: the registry's ``activation_timeout``).

        Returns
        -------
        ok : bool
            True if the component is running afterwards; False if a flag is off,
            a dependency is not running, or the activation failed (the component
            is then FAILED, with the reason in its ``last_error``).
        """
        comp = self._get(component_id)
        limit = self._timeout if timeout is None else check_real(
            "timeout", timeout, low=0.0, low_inclusive=False)
        if comp.status in RUNNING:
            return True
        if comp.status not in (_S.DORMANT, _S.FAILED):
            comp.last_error = f"cannot activate while {comp.status.value}"
            return False
        reason = self._not_ready(comp)
        if reason is not None:
            comp.last_error = reason
            return False
        self._transition(comp, _S.INITIALIZING, "activation started")
        try:
            score = await asyncio.wait_for(self._start(comp), limit)
        except TimeoutError:
            comp.last_error = f"activation timed out after {limit:g} s"
        except Exception as err:  # a component's own failure is recorded, not raised
            comp.last_error = f"{type(err).__name__}: {err}"
        else:
            comp.own_health = score
            if score > 0.0:
                comp.last_error = None
                comp.health_failures = 0
                comp.activated_at = datetime.now(UTC)
                self._transition(comp, _S.ACTIVE if score >= self._threshold else _S.DEGRADED,
                                 f"activated (health {score:.3g})")
                return True
            comp.last_error = "health check failed on activation"
        logger.warning("activation of %s failed: %s", component_id, comp.last_error)
        self._transition(comp, _S.FAILED, comp.last_error)
        return False

    async def deactivate_component(self, component_id: str, *, cascade: bool = True) -> bool:
        """Stop a component (and, with `cascade`, its running dependents first).

        Returns True if the component is DORMANT afterwards.
        """
        comp = self._get(component_id)
        if cascade:
            order = self._activation_order
            dependents = self._dependents_closure(component_id)
            for cid in reversed(order):
                if cid in dependents and self._components[cid].status in RUNNING:
                    await self.deactivate_component(cid, cascade=False)
        if comp.status is _S.DORMANT:
            return True
        if comp.status is _S.INITIALIZING:
            return False
        self._transition(comp, _S.DEACTIVATING, "deactivation started")
        try:
            if comp.deactivate_fn is not None:
                await asyncio.wait_for(_call(comp.deactivate_fn, comp.module), self._timeout)
        except Exception as err:  # recorded on the component
            comp.last_error = f"deactivation failed: {type(err).__name__}: {err}"
            self._transition(comp, _S.FAILED, comp.last_error)
            return False
        comp.activated_at = None
        self._transition(comp, _S.DORMANT, "deactivated")
        return True

    def _dependents_closure(self, component_id: str) -> set[str]:
        found: set[str] = set()
        frontier = [component_id]
        while frontier:
            cur = frontier.pop()
            for c in self._components.values():
                if cur in c.dependencies and c.component_id not in found:
                    found.add(c.component_id)
                    frontier.append(c.component_id)
        found.discard(component_id)
        return found

    async def activate_all(
        self, *, timeout_per_component: float | None = None, rollback: bool = True
    ) -> ActivationReport:
        """Activate every component in activation order; roll back on a critical failure.

        Parameters
        ----------
        timeout_per_component : float or None, default=None
            Seconds allowed per component (default: ``activation_timeout``).
        rollback : bool, default=True
            When a critical component fails, deactivate (newest first) the
            components this run started, and stop.

        Returns
        -------
        report : ActivationReport
        """
        start = time.perf_counter()
        activated: list[str] = []
        failed: dict[str, str] = {}
        skipped: dict[str, str] = {}
        down: set[str] = set()
        for cid in self._activation_order:
            comp = self._components[cid]
            if comp.status in RUNNING:
                continue
            bad = [d for d in comp.dependencies if d in down]
            reason = self._not_ready(comp)
            if bad and (reason is None or "cycle" not in reason):
                reason = f"dependency {bad[0]!r} did not start"
            if reason is not None:
                skipped[cid] = reason
                comp.last_error = reason
                down.add(cid)
                continue
            if await self.activate_component(cid, timeout=timeout_per_component):
                activated.append(cid)
                continue
            failed[cid] = comp.last_error or "activation failed"
            down.add(cid)
            if comp.critical and rollback:
                rolled: list[str] = []
                for done in reversed(activated):
                    await self.deactivate_component(done, cascade=False)
                    rolled.append(done)
                logger.error("critical component %s failed; rolled back %s", cid, rolled)
                return ActivationReport((), failed, skipped, tuple(rolled), False,
                                        (time.perf_counter() - start) * 1e3)
        success = not any(self._components[c].critical for c in failed)
        return ActivationReport(tuple(activated), failed, skipped, (), success,
                                (time.perf_counter() - start) * 1e3)

    async def deactivate_all(self) -> list[str]:
        """Deactivate every running component, dependents first; returns the ids stopped."""
        stopped = []
        for cid in reversed(self._activation_order):
            status = self._components[cid].status
            if (status in RUNNING or status is _S.FAILED) and await self.deactivate_component(
                    cid, cascade=False):
                stopped.append(cid)
        return stopped

    # ------------------------------------------------------------------ health
    async def check_health(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Run the health checks of running components and roll the scores up.

        Each running component's own score comes from its health check (1.0
        without one, 0.0 on an exception or timeout).  A score at or above
        ``health_threshold`` makes it ACTIVE, a lower one DEGRADED, and
        ``max_health_failures`` failed checks in a row FAILED.  The effective score
        of a component is the minimum of its own and its registered dependencies'
        effective scores (computed in activation order), so a sick dependency
        shows in everything built on it.

        Returns
        -------
        rollup : dict
            ``overall`` ("healthy", "degraded", "critical" or "idle"), ``score``
            (mean effective score of running components), ``worst`` (the lowest
            one's id or None) and ``components`` (id -> status, own and effective).
        """
        limit = self._timeout if timeout is None else check_real(
            "timeout", timeout, low=0.0, low_inclusive=False)
        for comp in list(self._components.values()):
            if comp.status not in RUNNING:
                continue
            try:
                score = 1.0 if comp.health_check_fn is None else _score(
                    await asyncio.wait_for(_call(comp.health_check_fn), limit))
            except Exception as err:  # an unhealthy component, recorded
                score = 0.0
                comp.last_error = f"health check: {type(err).__name__}: {err}"
            comp.own_health = score
            comp.health_failures = comp.health_failures + 1 if score == 0.0 else 0
            if comp.health_failures >= self._max_failures:
                self._transition(comp, _S.FAILED, f"{comp.health_failures} failed health checks")
            elif score >= self._threshold:
                self._transition(comp, _S.ACTIVE, f"health {score:.3g}")
            else:
                self._transition(comp, _S.DEGRADED, f"health {score:.3g}")
        return self.health_rollup()

    def health_rollup(self) -> dict[str, Any]:
        """The last health scores rolled up along dependencies (see :meth:`check_health`)."""
        effective: dict[str, float] = {}
        table: dict[str, dict[str, Any]] = {}
        for cid in self._activation_order:
            comp = self._components[cid]
            own = comp.own_health if comp.status in RUNNING else 0.0
            eff = min([own] + [effective[d] for d in comp.dependencies if d in effective])
            effective[cid] = eff
            table[cid] = {"status": comp.status.value, "own": own, "effective": eff}
        running = [cid for cid, c in self._components.items() if c.status in RUNNING]
        critical_down = any(c.critical and c.status is _S.FAILED for c in self._components.values())
        if critical_down:
            overall = "critical"
        elif not running:
            overall = "idle"
        elif any(effective[c] < self._threshold for c in running) or any(
                c.status is _S.FAILED for c in self._components.values()):
            overall = "degraded"
        else:
            overall = "healthy"
        score = sum(effective[c] for c in running) / len(running) if running else 0.0
        worst = min(running, key=lambda c: (effective[c], c)) if running else None
        self._last_rollup = {"overall": overall, "score": score, "worst": worst,
                             "components": table}
        return self._last_rollup

    async def start_health_monitoring(self, interval: float = 30.0) -> None:
        """Start a task that runs :meth:`check_health` every `interval` seconds."""
        period = check_real("interval", interval, low=0.0, low_inclusive=False)
        if self._health_monitor_task is not None and not self._health_monitor_task.done():
            return

        async def monitor() -> None:
            while True:
                await self.check_health()
                await asyncio.sleep(period)

        self._health_monitor_task = asyncio.get_running_loop().create_task(monitor())

    async def shutdown(self) -> None:
        """Stop health monitoring and deactivate every running component."""
        task, self._health_monitor_task = self._health_monitor_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.deactivate_all()

    # ------------------------------------------------------------------ reporting
    def get_consciousness_metrics(self) -> dict[str, Any]:
        """Counts, activation rate, feature flags, status counts and cycles."""
        with self._lock:
            comps = list(self._components.values())
        total = len(comps)
        active = sum(c.status in RUNNING for c in comps)
        return {
            "total_registered": total,
            "total_active": active,
            "activation_rate": active / total if total else 0.0,
            "feature_flags": dict(self._flags),
            "status_counts": {s.value: sum(c.status is s for c in comps) for s in ComponentStatus},
            "dependency_cycles": self.dependency_cycles(),
            "health": None if self._last_rollup is None else self._last_rollup["overall"],
            "lane": self.lane,
        }

    def get_constellation_status(self) -> dict[str, dict[str, Any]]:
        """Per framework symbol: total, active, degraded, failed and the component ids."""
        out: dict[str, dict[str, Any]] = {}
        for comp in self._components.values():
            row = out.setdefault(comp.framework, {"total": 0, "active": 0, "degraded": 0,
                                                  "failed": 0, "components": []})
            row["total"] += 1
            row["active"] += comp.status in RUNNING
            row["degraded"] += comp.status is _S.DEGRADED
            row["failed"] += comp.status is _S.FAILED
            row["components"].append(comp.component_id)
        return out


_SINGLETON: ConsciousnessComponentRegistry | None = None
_SINGLETON_LOCK = threading.Lock()


def get_consciousness_registry() -> ConsciousnessComponentRegistry:
    """The process-wide registry (created on first call).

    Examples
    --------
    >>> get_consciousness_registry() is get_consciousness_registry()
    True
    """
    global _SINGLETON
    with _SINGLETON_LOCK:
        if _SINGLETON is None:
            _SINGLETON = ConsciousnessComponentRegistry()
        return _SINGLETON


@contextlib.asynccontextmanager
async def consciousness_activation_context(
    registry: ConsciousnessComponentRegistry | None = None,
    *,
    timeout_per_component: float | None = None,
) -> AsyncIterator[ConsciousnessComponentRegistry]:
    """Activate a registry's components on entry; deactivate those it started on exit.

    Parameters
    ----------
    registry : ConsciousnessComponentRegistry or None, default=None
        The registry (default: :func:`get_consciousness_registry`).
    timeout_per_component : float or None, default=None
        Passed to :meth:`ConsciousnessComponentRegistry.activate_all`.

    Yields
    ------
    registry : ConsciousnessComponentRegistry
        With its ``last_activation`` attribute set to the run's report.

    Examples
    --------
    >>> async def main() -> str:
    ...     reg = ConsciousnessComponentRegistry()
    ...     reg.register_component("a", "MEMORY_FOLD", "a", "", "", triad_framework="⚛️")
    ...     async with consciousness_activation_context(reg):
    ...         inside = reg.get_component_status("a").value
    ...     return inside + " -> " + reg.get_component_status("a").value
    >>> asyncio.run(main())
    'active -> dormant'
    """
    reg = get_consciousness_registry() if registry is None else registry
    report = await reg.activate_all(timeout_per_component=timeout_per_component)
    reg.last_activation = report
    try:
        yield reg
    finally:
        for cid in reversed(report.activated):
            if reg.get_component_status(cid) in RUNNING:
                await reg.deactivate_component(cid, cascade=False)
