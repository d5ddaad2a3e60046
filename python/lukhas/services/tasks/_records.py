"""Task records, outcomes and errors of :mod:`lukhas.services.tasks`.

Examples
--------
>>> TaskPriority["HIGH"].label, TaskOutcome.TIMED_OUT.value
('high', 'timed_out')
>>> issubclass(TaskLimitError, RuntimeError), issubclass(TaskTimeoutError, TimeoutError)
(True, True)
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "TaskInfo",
    "TaskLimitError",
    "TaskOutcome",
    "TaskPriority",
    "TaskRecord",
    "TaskTimeoutError",
]


class TaskPriority(enum.IntEnum):
    """How much a task matters; higher values matter more.

    Examples
    --------
    >>> TaskPriority.CRITICAL > TaskPriority.NORMAL, TaskPriority.NORMAL.label
    (True, 'normal')
    """

    LOW = 1
    NORMAL = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """Lower-case name, the key used in stats and :meth:`get_active_tasks`."""
        return self.name.lower()


class TaskOutcome(enum.Enum):
    """How a task ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


class TaskLimitError(RuntimeError):
    """Raised by :meth:`ConsciousnessTaskManager.create_task` when a concurrency limit is full."""


class TaskTimeoutError(TimeoutError):
    """The exception a managed task ends with when its time limit expires."""


@dataclass(slots=True)
class TaskInfo:
    """What the manager knows about a running task.

    Attributes
    ----------
    name : str
    priority : TaskPriority
    component : str
        Subsystem that owns the task.
    description : str or None
    consciousness_context : Mapping or None
        Caller-supplied context, kept as given.
    timeout : float or None
        Time limit in seconds.
    created_at : datetime
        Aware UTC creation time.
    started : float
        :func:`time.monotonic` at creation, for durations.
    """

    name: str
    priority: TaskPriority
    component: str
    description: str | None
    consciousness_context: Mapping[str, Any] | None
    timeout: float | None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """How a finished task ended.

    Attributes
    ----------
    name : str
    priority : TaskPriority
    component : str
    outcome : TaskOutcome
    duration_s : float
        Seconds from creation to the end.
    error : str or None
        ``repr`` of the exception for failed and timed-out tasks.
    """

    name: str
    priority: TaskPriority
    component: str
    outcome: TaskOutcome
    duration_s: float
    error: str | None

