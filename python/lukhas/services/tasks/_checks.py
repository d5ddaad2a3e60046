"""Argument checks shared by the task manager and its registry.

Examples
--------
>>> check_priority("high"), check_timeout("timeout", None)
(<TaskPriority.HIGH: 3>, None)
"""

from __future__ import annotations

from lukhas._validation import check_real, describe
from lukhas.services.tasks._records import TaskPriority

__all__ = ["check_priority", "check_timeout"]


def check_priority(value: object) -> TaskPriority:
    """Return ``value`` as a :class:`TaskPriority`; a label (any case) is accepted.

    Parameters
    ----------
    value : TaskPriority or str
        The priority or its name (``"high"``).

    Returns
    -------
    priority : TaskPriority

    Raises
    ------
    TypeError
        If ``value`` is neither a priority nor the name of one.

    Examples
    --------
    >>> check_priority(TaskPriority.LOW), check_priority("Critical")
    (<TaskPriority.LOW: 1>, <TaskPriority.CRITICAL: 4>)
    """
    if isinstance(value, TaskPriority):
        return value
    if isinstance(value, str) and value.upper() in TaskPriority.__members__:
        return TaskPriority[value.upper()]
    names = ", ".join(p.label for p in TaskPriority)
    raise TypeError(f"`priority` must be a TaskPriority or one of {names}, got {describe(value)}.")


def check_timeout(name: str, value: object) -> float | None:
    """Return a time limit in seconds (a positive real) or None.

    Parameters
    ----------
    name : str
        Parameter name used in the message.
    value : float or None
        The limit.

    Returns
    -------
    seconds : float or None

    Raises
    ------
    TypeError, ValueError
        If ``value`` is not a real number, or not positive.

    Examples
    --------
    >>> check_timeout("timeout", 2)
    2.0
    """
    if value is None:
        return None
    return check_real(name, value, low=0.0, low_inclusive=False)
