"""The task manager of :mod:`lukhas.services.tasks`: admission, timeouts, accounting, shutdown.

Examples
--------
>>> import asyncio
>>> async def main():
...     manager = ConsciousnessTaskManager("demo", max_concurrent_tasks=1)
...     task = manager.create_task(asyncio.sleep(0, "done"), name="nap")
...     return await task, manager.get_stats()["tasks_completed"]
>>> asyncio.run(main())
('done', 1)
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import numpy as np

from lukhas._validation import check_int, check_real, check_str, describe
from lukhas.primitives.ring import Ring, RingBuffer
from lukhas.services.tasks._checks import check_priority, check_timeout
from lukhas.services.tasks._records import (
    TaskInfo,
    TaskLimitError,
    TaskOutcome,
    TaskPriority,
    TaskRecord,
    TaskTimeoutError,
)

__all__ = ["ConsciousnessTaskManager"]

# The package's name, as before the split, so that log configuration keeps working.
logger = logging.getLogger("lukhas.services.tasks")

_T = TypeVar("_T")

#: Seconds a forced shutdown waits for cancelled tasks when ``timeout`` is used up;
#: well-behaved tasks finish within one loop iteration, so this is rarely waited out.
_CANCEL_GRACE = 1.0


async def _run_with_timeout(coro: Coroutine[Any, Any, _T], seconds: float, name: str) -> _T:
    """Await ``coro``; if ``seconds`` pass first, cancel it and raise TaskTimeoutError."""
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            return await coro
    except TimeoutError as err:
        # Only our own deadline becomes a TaskTimeoutError; a TimeoutError the work
        # raised itself is a failure like any other exception.
        if scope.expired():
            raise TaskTimeoutError(f"task {name!r} exceeded its timeout of {seconds}s") from err
        raise


class ConsciousnessTaskManager:
    """Starts, limits, times out, cancels and accounts for asyncio tasks.

    Parameters
    ----------
    name : str
        Manager name (e.g. ``"consciousness"``).
    max_concurrent_tasks : int, default=100
        Tasks allowed to run at once, at least 1.
    priority_limits : Mapping of TaskPriority (or its label) to int, optional
        Per-priority caps on running tasks, each in ``[0, max_concurrent_tasks]``;
        priorities not named are capped only by ``max_concurrent_tasks``.
    default_timeout : float or None, default=None
        Time limit, in seconds, for tasks created without one.
    history_capacity : int, default=256
        Finished-task records kept for :meth:`recent_outcomes`.

    Attributes
    ----------
    name : str
    max_concurrent_tasks : int
    default_timeout : float or None

    Examples
    --------
    >>> manager = ConsciousnessTaskManager(
    ...     "dreams", max_concurrent_tasks=8, priority_limits={"low": 2})
    >>> manager.name, manager.get_stats()["priority_limits"]["low"]
    ('dreams', 2)
    """

    def __init__(
        self,
        name: str,
        max_concurrent_tasks: int = 100,
        *,
        priority_limits: Mapping[TaskPriority | str, int] | None = None,
        default_timeout: float | None = None,
        history_capacity: int = 256,
    ) -> None:
        self.name = check_str("name", name, empty=False)
        self.max_concurrent_tasks = check_int("max_concurrent_tasks", max_concurrent_tasks, low=1)
        self._limits = {p: self.max_concurrent_tasks for p in TaskPriority}
        for key, limit in (priority_limits or {}).items():
            self._limits[check_priority(key)] = check_int(
                f"priority_limits[{key!r}]", limit, low=0, high=self.max_concurrent_tasks
            )
        self.default_timeout = check_timeout("default_timeout", default_timeout)
        capacity = check_int("history_capacity", history_capacity, low=1)
        self._history = Ring(capacity)
        self._durations = RingBuffer(capacity)
        self._task_metadata: dict[asyncio.Task[Any], TaskInfo] = {}
        self._abandoned: dict[asyncio.Task[Any], TaskInfo] = {}
        self._active = dict.fromkeys(TaskPriority, 0)
        self._outcomes = dict.fromkeys(TaskOutcome, 0)
        self._created = self._rejected = self._peak = 0
        self._closed = False

    @property
    def is_shutdown(self) -> bool:
        """Whether :meth:`shutdown` has begun (new tasks are refused)."""
        return self._closed

    # -- starting tasks ----------------------------------------------------------------
    def create_task(
        self,
        coro: Coroutine[Any, Any, _T],
        name: str | None = None,
        priority: TaskPriority | str = TaskPriority.NORMAL,
        component: str = "general",
        description: str | None = None,
        consciousness_context: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> asyncio.Task[_T]:
        """Start ``coro`` as a managed task on the running loop.

        Synchronous; the returned task is awaitable.

        Parameters
        ----------
        coro : coroutine
            The work.  It is closed (never left un-awaited) when refused.
        name : str or None, default=None
            Task name (default: the coroutine's qualified name).
        priority : TaskPriority or str, default=TaskPriority.NORMAL
            Priority, or its label (``"high"``).
        component : str, default="general"
            Subsystem that owns the task.
        description : str or None, default=None
            Free text for diagnostics.
        consciousness_context : Mapping or None, default=None
            Context kept with the task's :class:`TaskInfo`.
        timeout : float or None, default=None
            Time limit in seconds (default: ``default_timeout``).

        Returns
        -------
        task : asyncio.Task

        Raises
        ------
        RuntimeError
            After :meth:`shutdown`, with no running event loop, or, as
            :class:`TaskLimitError`, when a concurrency limit is full.
        TypeError, ValueError
            On malformed arguments.

        Examples
        --------
        >>> import asyncio
        >>> async def main():
        ...     manager = ConsciousnessTaskManager("m", max_concurrent_tasks=1)
        ...     first = manager.create_task(asyncio.sleep(0), name="first")
        ...     try:
        ...         manager.create_task(asyncio.sleep(0), name="second")
        ...     except RuntimeError as err:
        ...         print(type(err).__name__)
        ...     await first
        >>> asyncio.run(main())
        TaskLimitError
        """
        try:
            info = self._admit(
                coro, name, priority, component, description, consciousness_context, timeout
            )
            loop = asyncio.get_running_loop()
        except BaseException:
            if inspect.iscoroutine(coro):
                coro.close()  # refused: close it so it is not reported as never awaited
            raise
        work: Coroutine[Any, Any, _T] = (
            coro if info.timeout is None else _run_with_timeout(coro, info.timeout, info.name)
        )
        task = loop.create_task(work, name=info.name)
        self._task_metadata[task] = info
        self._created += 1
        self._active[info.priority] += 1
        self._peak = max(self._peak, len(self._task_metadata))
        task.add_done_callback(self._on_done)
        return task

    def _admit(
        self,
        coro: object,
        name: object,
        priority: object,
        component: object,
        description: object,
        context: object,
        timeout: object,
    ) -> TaskInfo:
        """Validate a request and check the limits; return the new task's info."""
        if not inspect.iscoroutine(coro):
            raise TypeError(f"`coro` must be a coroutine object, got {describe(coro)}.")
        if self._closed:
            self._rejected += 1
            raise RuntimeError(f"task manager {self.name!r} is shut down; no new tasks.")
        prio = check_priority(priority)
        label = coro.__qualname__ if name is None else check_str("name", name)
        owner = check_str("component", component)
        text = check_str("description", description, allow_none=True)
        if context is not None and not isinstance(context, Mapping):
            raise TypeError(
                f"`consciousness_context` must be a Mapping or None, got {describe(context)}."
            )
        limit = check_timeout("timeout", timeout)
        if len(self._task_metadata) >= self.max_concurrent_tasks:
            self._rejected += 1
            raise TaskLimitError(
                f"task manager {self.name!r} already runs max_concurrent_tasks="
                f"{self.max_concurrent_tasks} task(s); refused {label!r}."
            )
        if self._active[prio] >= self._limits[prio]:
            self._rejected += 1
            raise TaskLimitError(
                f"task manager {self.name!r} already runs {self._limits[prio]} "
                f"{prio.label}-priority task(s), its limit; refused {label!r}."
            )
        run_for = self.default_timeout if limit is None else limit
        return TaskInfo(label, prio, owner, text, context, run_for)

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        info = self._task_metadata.pop(task, None) or self._abandoned.pop(task, None)
        if info is None:  # pragma: no cover - every task is registered before it can finish
            return
        self._active[info.priority] -= 1
        error: BaseException | None = None
        if task.cancelled():
            outcome = TaskOutcome.CANCELLED
        else:
            error = task.exception()  # retrieved here: the manager reports it
            if error is None:
                outcome = TaskOutcome.COMPLETED
            elif isinstance(error, TaskTimeoutError):
                outcome = TaskOutcome.TIMED_OUT
            else:
                outcome = TaskOutcome.FAILED
                logger.warning(
                    "task %r (%s) of manager %r failed: %r",
                    info.name, info.component, self.name, error,
                )
        self._outcomes[outcome] += 1
        duration = time.monotonic() - info.started
        self._durations.append(duration)
        self._history.push(
            TaskRecord(
                info.name, info.priority, info.component, outcome, duration,
                None if error is None else repr(error),
            )
        )

    # -- inspection ----------------------------------------------------------------------
    def get_active_tasks(self) -> dict[str, list[asyncio.Task[Any]]]:
        """Return the running tasks by priority label (every label present).

        Returns
        -------
        tasks : dict of str to list of asyncio.Task

        Examples
        --------
        >>> ConsciousnessTaskManager("m").get_active_tasks()
        {'low': [], 'normal': [], 'high': [], 'critical': []}
        """
        by_priority: dict[str, list[asyncio.Task[Any]]] = {p.label: [] for p in TaskPriority}
        for task, info in self._task_metadata.items():
            by_priority[info.priority.label].append(task)
        return by_priority

    def get_task_info(self, task: asyncio.Task[Any]) -> TaskInfo | None:
        """Return the :class:`TaskInfo` of a running task of this manager, else None.

        Parameters
        ----------
        task : asyncio.Task

        Returns
        -------
        info : TaskInfo or None

        Examples
        --------
        >>> import asyncio
        >>> async def main():
        ...     manager = ConsciousnessTaskManager("m")
        ...     task = manager.create_task(asyncio.sleep(0), name="nap", component="dream")
        ...     info = manager.get_task_info(task)
        ...     await task
        ...     return info.component, manager.get_task_info(task)
        >>> asyncio.run(main())
        ('dream', None)
        """
        return self._task_metadata.get(task)

    def recent_outcomes(self, n: int | None = None) -> list[TaskRecord]:
        """Return the newest ``n`` finished-task records (all kept when None), oldest first.

        Parameters
        ----------
        n : int or None, default=None
            How many.

        Returns
        -------
        records : list of TaskRecord

        Examples
        --------
        >>> ConsciousnessTaskManager("m").recent_outcomes()
        []
        """
        if n is None:
            records: list[TaskRecord] = self._history.to_list()
        else:
            records = self._history.latest(min(check_int("n", n, low=0), len(self._history)))
        return records

    def get_stats(self) -> dict[str, Any]:
        """Return the counters, the running tasks by priority and recent durations.

        Returns
        -------
        stats : dict
            ``name``, ``tasks_created``, ``tasks_completed``, ``tasks_failed``,
            ``tasks_cancelled``, ``tasks_timed_out``, ``tasks_rejected``,
            ``total_active``, ``active_by_priority``, ``abandoned`` (still running
            after a forced shutdown), ``peak_active``, ``max_concurrent_tasks``,
            ``priority_limits``, ``is_shutdown`` and ``duration_ms`` (``mean``,
            ``p50``, ``p95`` over recent finished tasks; zeros before any).

        Examples
        --------
        >>> stats = ConsciousnessTaskManager("m").get_stats()
        >>> stats["tasks_created"], stats["total_active"], stats["duration_ms"]["p95"]
        (0, 0, 0.0)
        """
        durations = self._durations.to_array() * 1e3
        if durations.size:
            p50, p95 = (float(v) for v in np.percentile(durations, [50, 95]))
            timing = {"mean": float(durations.mean()), "p50": p50, "p95": p95}
        else:
            timing = {"mean": 0.0, "p50": 0.0, "p95": 0.0}
        return {
            "name": self.name,
            "tasks_created": self._created,
            "tasks_completed": self._outcomes[TaskOutcome.COMPLETED],
            "tasks_failed": self._outcomes[TaskOutcome.FAILED],
            "tasks_cancelled": self._outcomes[TaskOutcome.CANCELLED],
            "tasks_timed_out": self._outcomes[TaskOutcome.TIMED_OUT],
            "tasks_rejected": self._rejected,
            "total_active": len(self._task_metadata),
            "active_by_priority": {p.label: self._active[p] for p in TaskPriority},
            "abandoned": len(self._abandoned),
            "peak_active": self._peak,
            "max_concurrent_tasks": self.max_concurrent_tasks,
            "priority_limits": {p.label: self._limits[p] for p in TaskPriority},
            "is_shutdown": self._closed,
            "duration_ms": timing,
        }

    # -- cancellation and shutdown ----------------------------------------------------
    def cancel_task(self, task: asyncio.Task[Any]) -> bool:
        """Request cancellation of one running task of this manager.

        Parameters
        ----------
        task : asyncio.Task

        Returns
        -------
        requested : bool
            False when the task is not running under this manager.

        Examples
        --------
        >>> import asyncio
        >>> async def main():
        ...     manager = ConsciousnessTaskManager("m")
        ...     task = manager.create_task(asyncio.sleep(10))
        ...     manager.cancel_task(task)
        ...     await asyncio.gather(task, return_exceptions=True)
        ...     return manager.get_stats()["tasks_cancelled"]
        >>> asyncio.run(main())
        1
        """
        if task not in self._task_metadata:
            return False
        return task.cancel()

    def cancel_all(
        self, priority: TaskPriority | str | None = None, component: str | None = None
    ) -> int:
        """Request cancellation of the running tasks that match; return how many.

        Parameters
        ----------
        priority : TaskPriority or str or None, default=None
            Only this priority (None: any).
        component : str or None, default=None
            Only this component (None: any).

        Returns
        -------
        requested : int

        Examples
        --------
        >>> ConsciousnessTaskManager("m").cancel_all(priority="low")
        0
        """
        prio = None if priority is None else check_priority(priority)
        requested = 0
        for task, info in list(self._task_metadata.items()):
            if (prio is None or info.priority is prio) and (
                component is None or info.component == component
            ):
                requested += task.cancel()
        return requested

    async def join(self, timeout: float | None = None) -> bool:
        """Wait for the running tasks (and any they start) to finish.

        Parameters
        ----------
        timeout : float or None, default=None
            Seconds to wait at most.

        Returns
        -------
        idle : bool
            Whether no task is running any more.

        Examples
        --------
        >>> import asyncio
        >>> async def main():
        ...     manager = ConsciousnessTaskManager("m")
        ...     manager.create_task(asyncio.sleep(0))
        ...     return await manager.join(timeout=1.0)
        >>> asyncio.run(main())
        True
        """
        limit = check_timeout("timeout", timeout)
        deadline = None if limit is None else time.monotonic() + limit
        while self._task_metadata:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            await asyncio.wait(list(self._task_metadata), timeout=left)
        return not self._task_metadata

    async def shutdown(
        self, timeout: float = 10.0, force_after: float | None = None
    ) -> dict[str, Any]:
        """Refuse new tasks, let running ones finish, then cancel what remains.

        Parameters
        ----------
        timeout : float, default=10.0
            Total seconds the shutdown may take (a forced phase still gets up to
            ``_CANCEL_GRACE`` seconds for cancellations to land).
        force_after : float or None, default=None
            Seconds of graceful waiting before cancelling (None: all of ``timeout``).

        Returns
        -------
        summary : dict
            ``finished`` (ended during the graceful phase), ``cancelled`` (were
            cancelled), ``abandoned`` (ignored cancellation and still run; they are
            counted when they end) and ``duration_s``.

        Examples
        --------
        >>> import asyncio
        >>> async def main():
        ...     manager = ConsciousnessTaskManager("m")
        ...     manager.create_task(asyncio.sleep(10), name="stuck")
        ...     summary = await manager.shutdown(timeout=0.5, force_after=0.0)
        ...     return summary["cancelled"], manager._task_metadata
        >>> asyncio.run(main())
        (1, {})
        """
        total = check_real("timeout", timeout, low=0.0)
        grace = total if force_after is None else check_real(
            "force_after", force_after, low=0.0, high=total
        )
        start = time.monotonic()
        self._closed = True
        running = len(self._task_metadata)
        if running and grace > 0:
            await self.join(timeout=grace)
        finished = running - len(self._task_metadata)
        stragglers = sorted(self._task_metadata.items(), key=lambda item: item[1].priority)
        for task, _ in stragglers:
            task.cancel()
        if stragglers:
            left = max(total - (time.monotonic() - start), 0.0)
            await asyncio.wait([t for t, _ in stragglers], timeout=max(left, _CANCEL_GRACE))
        # Tasks that ignored the cancellation are let go but still accounted for.
        self._abandoned.update(self._task_metadata)
        self._task_metadata.clear()
        abandoned = sum(1 for task, _ in stragglers if not task.done())
        if abandoned:
            logger.warning(
                "manager %r abandoned %d task(s) that ignored cancellation", self.name, abandoned
            )
        return {
            "finished": finished,
            "cancelled": len(stragglers) - abandoned,
            "abandoned": abandoned,
            "duration_s": time.monotonic() - start,
        }

    def __repr__(self) -> str:
        return (
            f"ConsciousnessTaskManager(name={self.name!r}, active={len(self._task_metadata)}, "
            f"max_concurrent_tasks={self.max_concurrent_tasks}, shut_down={self._closed})"
        )

