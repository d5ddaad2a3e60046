"""Component types, the status machine and the records the registry keeps.

The status machine (every other transition raises :class:`ComponentTransitionError`):

* ``DORMANT -> INITIALIZING`` (activation starts);
* ``INITIALIZING -> ACTIVE | DEGRADED | FAILED``;
* ``ACTIVE <-> DEGRADED``, and either ``-> FAILED | DEACTIVATING``;
* ``FAILED -> INITIALIZING`` (retry) ``| DEACTIVATING | DORMANT``;
* ``DEACTIVATING -> DORMANT | FAILED``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

__all__ = [
    "ActivationReport",
    "ComponentStatus",
    "ComponentTransitionError",
    "ComponentType",
    "HealthFn",
    "HookFn",
    "TransitionRecord",
]

#: A health check: returns a bool or a score in [0, 1], possibly awaitable.
HealthFn = Callable[[], "bool | float | Awaitable[bool | float]"]
#: An activation or deactivation hook: receives the imported module (or None).
HookFn = Callable[[Any], "object | Awaitable[object]"]


class ComponentType(enum.Enum):
    """What a registered component is (the LUKHAS constellation's component kinds)."""

    IDENTITY_AUTH = "identity_auth"
    IDENTITY_NAMESPACE = "identity_namespace"
    IDENTITY_TIER_AWARE = "identity_tier_aware"
    CONSCIOUSNESS_CREATIVE = "consciousness_creative"
    CONSCIOUSNESS_AWARENESS = "consciousness_awareness"
    CONSCIOUSNESS_DREAM = "consciousness_dream"
    CONSCIOUSNESS_EMOTION = "consciousness_emotion"
    CONSCIOUSNESS_REASONING = "consciousness_reasoning"
    CONSCIOUSNESS_REFLECTION = "consciousness_reflection"
    GUARDIAN_ETHICS = "guardian_ethics"
    GUARDIAN_DRIFT = "guardian_drift"
    GUARDIAN_CONSTITUTIONAL = "guardian_constitutional"
    MEMORY_FOLD = "memory_fold"


class ComponentStatus(enum.Enum):
    """Where a component is in its life cycle (see the module's status machine)."""

    DORMANT = "dormant"
    INITIALIZING = "initializing"
    ACTIVE = "active"
    DEGRADED = "degraded"
    FAILED = "failed"
    DEACTIVATING = "deactivating"


_S = ComponentStatus
TRANSITIONS: MappingProxyType[ComponentStatus, frozenset[ComponentStatus]] = MappingProxyType({
    _S.DORMANT: frozenset({_S.INITIALIZING}),
    _S.INITIALIZING: frozenset({_S.ACTIVE, _S.DEGRADED, _S.FAILED}),
    _S.ACTIVE: frozenset({_S.DEGRADED, _S.FAILED, _S.DEACTIVATING}),
    _S.DEGRADED: frozenset({_S.ACTIVE, _S.FAILED, _S.DEACTIVATING}),
    _S.FAILED: frozenset({_S.INITIALIZING, _S.DEACTIVATING, _S.DORMANT}),
    _S.DEACTIVATING: frozenset({_S.DORMANT, _S.FAILED}),
})
#: Statuses in which a component is running (and satisfies its dependents).
RUNNING = frozenset({_S.ACTIVE, _S.DEGRADED})


class ComponentTransitionError(ValueError):
    """Raised for a status change the status machine does not allow."""


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One status change: who, from what, to what, why and when (UTC)."""

    component_id: str
    old: ComponentStatus
    new: ComponentStatus
    reason: str
    at: datetime


@dataclass(slots=True)
class Component:
    """A registered component and its live state (internal to the registry)."""

    component_id: str
    component_type: ComponentType
    name: str
    description: str
    module_path: str
    framework: str
    feature_flags: tuple[str, ...]
    dependencies: tuple[str, ...]
    health_check_fn: HealthFn | None
    activation_priority: int
    authenticity_required: bool
    critical: bool
    activate_fn: HookFn | None
    deactivate_fn: HookFn | None
    status: ComponentStatus = ComponentStatus.DORMANT
    last_error: str | None = None
    module: Any = None
    own_health: float = 0.0
    health_failures: int = 0
    activated_at: datetime | None = None

    def info(self) -> dict[str, Any]:
        """A plain-dict view for reports."""
        return {
            "component_id": self.component_id, "type": self.component_type.value,
            "name": self.name, "description": self.description,
            "module_path": self.module_path, "triad_framework": self.framework,
            "feature_flags": list(self.feature_flags), "dependencies": list(self.dependencies),
            "activation_priority": self.activation_priority, "critical": self.critical,
            "consciousness_authenticity_required": self.authenticity_required,
            "status": self.status.value, "last_error": self.last_error,
            "health": self.own_health, "activated_at": self.activated_at,
        }


@dataclass(frozen=True, slots=True)
class ActivationReport:
    """What one :meth:`ConsciousnessComponentRegistry.activate_all` run did.

    Attributes
    ----------
    activated : tuple of str
        Ids activated by this run, in activation order (empty after a rollback).
    failed : dict of str to str
        Id -> reason, for components whose activation failed.
    skipped : dict of str to str
        Id -> reason, for components not attempted (flag off, failed or blocked
        dependency, dependency cycle).
    rolled_back : tuple of str
        Ids deactivated again because a critical component failed, newest first.
    success : bool
        True when no critical component failed.
    duration_ms : float
        Wall time of the run.
    """

    activated: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    rolled_back: tuple[str, ...] = ()
    success: bool = True
    duration_ms: float = 0.0
