"""Structured asyncio task management for the LUKHAS subsystems.

:class:`ConsciousnessTaskManager` starts tasks under admission control and
accounts for every one of them:

* **Limits.** At most ``max_concurrent_tasks`` tasks run at once, and
  ``priority_limits`` can cap each :class:`TaskPriority` below that (so a flood
  of background work cannot take the slots critical work needs).  A task over a
  limit is refused at once with :class:`TaskLimitError` (a ``RuntimeError``); its
  coroutine is closed, never leaked.
* **Timeouts.** A task may get a time limit (or inherit ``default_timeout``); when
  it expires the task ends with :class:`TaskTimeoutError` (a ``TimeoutError``).
* **Accounting.** Every task ends exactly one way, *completed*, *failed*,
  *cancelled* or *timed out*, and is counted when it does, so
  ``tasks_created == completed + failed + cancelled + timed_out + total_active``
  always holds.  Recent outcomes and durations are kept for inspection.
* **Shutdown.** :meth:`ConsciousnessTaskManager.shutdown` refuses new tasks,
  waits ``force_after`` seconds for the running ones, then cancels the rest
  (lowest priority first) and waits out the remaining ``timeout``.

Four process-wide managers, one per LUKHAS domain, come from
:func:`get_consciousness_manager`, :func:`get_orchestration_manager`,
:func:`get_background_manager` and :func:`get_guardian_manager`;
:func:`shutdown_all_managers` shuts them down together (the next ``get_*`` call
then builds a fresh one).

The package is split along its seams: :mod:`._records` (priorities, outcomes,
records and errors), :mod:`._checks` (shared argument checks), :mod:`._manager`
(:class:`ConsciousnessTaskManager`) and :mod:`._registry` (the named managers).

Examples
--------
>>> import asyncio
>>> async def main():
...     manager = ConsciousnessTaskManager("demo", max_concurrent_tasks=2)
...     async def work(x):
...         await asyncio.sleep(0)
...         return x * 2
...     task = manager.create_task(work(21), name="double", priority=TaskPriority.HIGH)
...     result = await task
...     stats = manager.get_stats()
...     await manager.shutdown(timeout=1.0)
...     return result, stats["tasks_completed"], stats["total_active"]
>>> asyncio.run(main())
(42, 1, 0)
"""
from __future__ import annotations

from lukhas.services.tasks._manager import ConsciousnessTaskManager
from lukhas.services.tasks._records import (
    TaskInfo,
    TaskLimitError,
    TaskOutcome,
    TaskPriority,
    TaskRecord,
    TaskTimeoutError,
)
from lukhas.services.tasks._registry import (
    _named as _named,  # the live registry, for tests that check it is emptied
)
from lukhas.services.tasks._registry import (
    get_background_manager,
    get_consciousness_manager,
    get_guardian_manager,
    get_orchestration_manager,
    shutdown_all_managers,
)

__all__ = [
    "ConsciousnessTaskManager",
    "TaskInfo",
    "TaskLimitError",
    "TaskOutcome",
    "TaskPriority",
    "TaskRecord",
    "TaskTimeoutError",
    "get_background_manager",
    "get_consciousness_manager",
    "get_guardian_manager",
    "get_orchestration_manager",
    "shutdown_all_managers",
]
