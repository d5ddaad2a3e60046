"""``MemoryCore``: consolidation of meta-learning episodes into per-strategy statistics."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lukhas._validation import check_int, check_real, check_str, describe

__all__ = ["MemoryCore", "StrategyStats"]


@dataclass
class StrategyStats:
    """Running mean and variance of one strategy's performance (Welford's algorithm).

    Examples
    --------
    >>> s = StrategyStats()
    >>> for x in (1.0, 2.0, 3.0): s.update(x)
    >>> s.count, s.mean, round(s.std, 3)
    (3, 2.0, 1.0)
    """

    count: int = 0
    mean: float = 0.0
    _m2: float = 0.0
    best: float = -math.inf

    def update(self, value: float) -> None:
        """Add one observation.

        Examples
        --------
        >>> s = StrategyStats(); s.update(2.0); s.mean, s.best
        (2.0, 2.0)
        """
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (value - self.mean)
        self.best = max(self.best, value)

    @property
    def std(self) -> float:
        """Sample standard deviation (0 for fewer than two observations).

        Examples
        --------
        >>> s = StrategyStats(); s.update(1.0); s.std
        0.0
        """
        return math.sqrt(self._m2 / (self.count - 1)) if self.count > 1 else 0.0

    def as_dict(self) -> dict[str, float]:
        """``count``, ``mean``, ``std`` and ``best``.

        Examples
        --------
        >>> s = StrategyStats(); s.update(1.0); s.as_dict()
        {'count': 1, 'mean': 1.0, 'std': 0.0, 'best': 1.0}
        """
        return {"count": self.count, "mean": self.mean, "std": self.std, "best": self.best}


class MemoryCore:
    """Remembers how learning strategies performed on tasks, and which to try next.

    Each episode (a task, a strategy, a performance score) is kept in a
    bounded history and folded into running statistics per (task, strategy).
    Queries return the matching episodes and the strategies ranked by a
    lower confidence bound (mean minus one standard error), so one lucky run
    does not outrank a consistently good strategy.

    Parameters
    ----------
    history_size : int, default=10_000
        Episodes kept (oldest dropped first); statistics keep every episode.

    Examples
    --------
    >>> import asyncio
    >>> core = MemoryCore()
    >>> for score in (0.7, 0.8, 0.75):
    ...     _ = asyncio.run(core.consolidate_meta_learning(
    ...         {"task": "parse", "strategy": "beam", "performance": score}))
    >>> _ = asyncio.run(core.consolidate_meta_learning(
    ...     {"task": "parse", "strategy": "greedy", "performance": 0.9}))
    >>> asyncio.run(core.query_meta_learning_history("parse"))["best_strategy"]
    'beam'
    """

    def __init__(self, history_size: int = 10_000) -> None:
        self._history: deque[dict[str, Any]] = deque(
            maxlen=check_int("history_size", history_size, low=1))
        self._stats: dict[tuple[str, str], StrategyStats] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._history)

    async def consolidate_meta_learning(self, episode: Mapping[str, Any]) -> dict[str, Any]:
        """Record one learning episode.

        Parameters
        ----------
        episode : mapping
            ``strategy`` (str) and ``performance`` (finite float) are required;
            ``task`` (str, default ``"default"``) and any other JSON-ready keys
            are kept with the episode.

        Returns
        -------
        summary : dict
            ``task``, ``strategy``, ``episodes`` (for that pair), ``mean_performance``
            and ``best_strategy`` for the task.

        Raises
        ------
        TypeError, ValueError
            Missing or malformed fields.

        Examples
        --------
        >>> import asyncio
        >>> asyncio.run(MemoryCore().consolidate_meta_learning(
        ...     {"strategy": "sgd", "performance": 0.5}))["episodes"]
        1
        """
        if not isinstance(episode, Mapping):
            raise TypeError(f"`episode` must be a mapping, got {describe(episode)}.")
        strategy = _text_field(episode, "strategy", None)
        task = _text_field(episode, "task", "default")
        score = check_real("episode['performance']", episode.get("performance"))
        record = dict(episode, task=task, performance=score,
                      recorded_at=datetime.now(UTC).isoformat())
        with self._lock:
            self._history.append(record)
            stats = self._stats.setdefault((task, strategy), StrategyStats())
            stats.update(score)
            ranking = self._ranking(task)
        return {"task": task, "strategy": strategy, "episodes": stats.count,
                "mean_performance": stats.mean, "best_strategy": ranking[0][0]}

    def _ranking(self, task: str) -> list[tuple[str, StrategyStats]]:
        def lower_bound(entry: tuple[str, StrategyStats]) -> tuple[float, str]:
            stats = entry[1]
            spread = stats.std if stats.count > 1 else abs(stats.mean)
            return (-(stats.mean - spread / math.sqrt(stats.count)), entry[0])

        pairs = [(s, st) for (t, s), st in self._stats.items() if t == task]
        return sorted(pairs, key=lower_bound)

    async def query_meta_learning_history(self, query: str | Mapping[str, Any]) -> dict[str, Any]:
        """Episodes and strategy statistics for a task.

        Parameters
        ----------
        query : str or mapping
            A task name, or ``{"task": ..., "strategy": ..., "limit": n}``
            (every key optional; ``limit`` keeps the n most recent episodes).

        Returns
        -------
        result : dict
            ``task``, ``episodes`` (oldest first), ``strategies``
            (name -> count/mean/std/best), ``best_strategy`` (None if no episode).

        Examples
        --------
        >>> import asyncio
        >>> core = MemoryCore()
        >>> _ = asyncio.run(core.consolidate_meta_learning({"strategy": "sgd", "performance": 0.5}))
        >>> asyncio.run(core.query_meta_learning_history("default"))["strategies"]["sgd"]["count"]
        1
        """
        if isinstance(query, str):
            query = {"task": query}
        if not isinstance(query, Mapping):
            raise TypeError(f"`query` must be a task name or a mapping, got {describe(query)}.")
        task, strategy = query.get("task"), query.get("strategy")
        limit = query.get("limit")
        with self._lock:
            episodes = [e for e in self._history
                        if (task is None or e["task"] == task)
                        and (strategy is None or e["strategy"] == strategy)]
            ranking = self._ranking(task) if isinstance(task, str) else []
        if limit is not None:
            limit = check_int("query['limit']", limit, low=0)
            episodes = episodes[len(episodes) - limit:] if limit else []
        return {"task": task, "episodes": episodes,
                "strategies": {name: stats.as_dict() for name, stats in ranking},
                "best_strategy": ranking[0][0] if ranking else None}


def _text_field(episode: Mapping[str, Any], name: str, default: str | None) -> str:
    return check_str(f"episode['{name}']", episode.get(name, default))
