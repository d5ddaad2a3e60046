"""Consciousness component registry: dependency-ordered activation, rollback, health.

The home of ``lukhas.consciousness.registry``.  Components are registered with a
type, a module path, dependencies, an activation priority, feature flags and
optional hooks; the activation order (a priority-aware topological sort, see
:func:`activation_order`) is recomputed after every registration; dependency cycles
are reported with their members; :meth:`ConsciousnessComponentRegistry.activate_all`
activates in order with a timeout per component and rolls back on a critical
failure; :meth:`~ConsciousnessComponentRegistry.check_health` rolls health scores up
along dependencies; :func:`consciousness_activation_context` wraps a run in an
``async with``.

Examples
--------
>>> reg = ConsciousnessComponentRegistry()
>>> reg.register_component("fast", ComponentType.GUARDIAN_ETHICS, "f", "", "",
...                        triad_framework="🛡️", activation_priority=5)
>>> reg.register_component("slow", ComponentType.GUARDIAN_DRIFT, "s", "", "",
...                        triad_framework="🛡️", activation_priority=100)
>>> reg.register_component("dependent", ComponentType.MEMORY_FOLD, "d", "", "",
...                        triad_framework="⚛️", activation_priority=1, dependencies=["slow"])
>>> reg._activation_order
['fast', 'slow', 'dependent']
"""

from __future__ import annotations

from lukhas.domain.consciousness.registry._order import activation_order, dependency_cycles
from lukhas.domain.consciousness.registry._registry import (
    ConsciousnessComponentRegistry,
    consciousness_activation_context,
    get_consciousness_registry,
)
from lukhas.domain.consciousness.registry._types import (
    ActivationReport,
    ComponentStatus,
    ComponentTransitionError,
    ComponentType,
    TransitionRecord,
)

__all__ = [
    "ActivationReport",
    "ComponentStatus",
    "ComponentTransitionError",
    "ComponentType",
    "ConsciousnessComponentRegistry",
    "TransitionRecord",
    "activation_order",
    "consciousness_activation_context",
    "dependency_cycles",
    "get_consciousness_registry",
]


def __dir__() -> list[str]:
    return list(__all__)
