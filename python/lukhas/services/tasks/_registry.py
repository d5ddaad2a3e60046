"""The four process-wide task managers, one per LUKHAS domain.

Examples
--------
>>> get_background_manager().max_concurrent_tasks, get_guardian_manager().name
(20, 'guardian')
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from lukhas.services.tasks._manager import ConsciousnessTaskManager

__all__ = [
    "get_background_manager",
    "get_consciousness_manager",
    "get_guardian_manager",
    "get_orchestration_manager",
    "shutdown_all_managers",
]

#: Concurrency of each named manager: the consciousness loop and orchestration fan out
#: widely, background work is throttled, and the guardian runs few but critical checks.
_NAMED_MANAGER_LIMITS: dict[str, int] = {
    "consciousness": 50,
    "orchestration": 100,
    "background": 20,
    "guardian": 10,
}
_named: dict[str, ConsciousnessTaskManager] = {}
_named_lock = threading.Lock()


def _named_manager(name: str) -> ConsciousnessTaskManager:
    with _named_lock:
        manager = _named.get(name)
        if manager is None:
            manager = _named[name] = ConsciousnessTaskManager(
                name, max_concurrent_tasks=_NAMED_MANAGER_LIMITS[name]
            )
        return manager


def get_consciousness_manager() -> ConsciousnessTaskManager:
    """Return the process-wide ``"consciousness"`` manager (50 concurrent tasks).

    Returns
    -------
    manager : ConsciousnessTaskManager

    Examples
    --------
    >>> get_consciousness_manager() is get_consciousness_manager()
    True
    """
    return _named_manager("consciousness")


def get_orchestration_manager() -> ConsciousnessTaskManager:
    """Return the process-wide ``"orchestration"`` manager (100 concurrent tasks).

    Returns
    -------
    manager : ConsciousnessTaskManager

    Examples
    --------
    >>> get_orchestration_manager().name
    'orchestration'
    """
    return _named_manager("orchestration")


def get_background_manager() -> ConsciousnessTaskManager:
    """Return the process-wide ``"background"`` manager (20 concurrent tasks).

    Returns
    -------
    manager : ConsciousnessTaskManager

    Examples
    --------
    >>> get_background_manager().max_concurrent_tasks
    20
    """
    return _named_manager("background")


def get_guardian_manager() -> ConsciousnessTaskManager:
    """Return the process-wide ``"guardian"`` manager (10 concurrent tasks).

    Returns
    -------
    manager : ConsciousnessTaskManager

    Examples
    --------
    >>> get_guardian_manager().name
    'guardian'
    """
    return _named_manager("guardian")


async def shutdown_all_managers(
    timeout: float = 10.0, force_after: float | None = None
) -> dict[str, dict[str, Any]]:
    """Shut down every named manager concurrently; later ``get_*`` calls build new ones.

    Parameters
    ----------
    timeout : float, default=10.0
        Passed to each :meth:`ConsciousnessTaskManager.shutdown`.
    force_after : float or None, default=None
        Passed to each shutdown.

    Returns
    -------
    summaries : dict
        Manager name to its shutdown summary.

    Examples
    --------
    >>> import asyncio
    >>> old = get_guardian_manager()
    >>> sorted(asyncio.run(shutdown_all_managers(timeout=1.0)))  # doctest: +ELLIPSIS
    [...'guardian'...]
    >>> old.is_shutdown, get_guardian_manager() is old
    (True, False)
    """
    with _named_lock:
        managers = dict(_named)
        _named.clear()
    results = await asyncio.gather(
        *(m.shutdown(timeout=timeout, force_after=force_after) for m in managers.values())
    )
    return dict(zip(managers, results, strict=True))
