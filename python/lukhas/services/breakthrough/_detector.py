"""Breakthrough detection: a weighted score that stands out from its own history."""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from lukhas import _config
from lukhas._validation import check_int, check_real
from lukhas.services.breakthrough._novelty import VectorNovelty

__all__ = ["BreakthroughDetector", "BreakthroughEvent"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BreakthroughEvent:
    """One flagged step.

    Attributes
    ----------
    n : int
        Sample count at the step (1-based).
    score : float
        The weighted score.
    mean, std : float
        Running mean and sample standard deviation, including the step.
    z_score : float
        ``(score - mean) / std`` (``inf`` when ``std == 0``).
    novelty, value : float
        The (clamped) inputs.
    """

    n: int
    score: float
    mean: float
    std: float
    z_score: float
    novelty: float
    value: float


def _unit_input(name: str, value: Any) -> float:
    if value is None:
        raise ValueError(f"`{name}` must be a number in [0, 1], got None.")
    return min(1.0, max(0.0, check_real(name, value)))


class BreakthroughDetector:
    """Flags scores that exceed their running mean by ``z`` standard deviations.

    Each step scores ``novelty_w * novelty + value_w * value`` (inputs clamped
    to [0, 1]), folds it into running statistics with Welford's update, and
    then flags a breakthrough when ``n >= max(2, min_n)`` and either
    ``score > mean + z * std`` with ``std > 0``, or ``z == 0`` and
    ``score >= mean``.  The statistics include the current sample, so after
    ``n`` samples no score can stand more than ``(n - 1) / sqrt(n)`` standard
    deviations above the mean: ``z`` only becomes reachable with enough history.

    Parameters
    ----------
    novelty_w : float, default=0.5
        Weight of novelty, a finite number >= 0.
    value_w : float, default=0.5
        Weight of value, a finite number >= 0.
    z : float, default=3.0
        Threshold in standard deviations, >= 0.
    min_n : int or None, default=None
        Samples needed before anything is flagged; None means 2 (no further
        warm-up).
    max_events : int, default=1000
        Most recent breakthrough events kept in :attr:`events`.

    Attributes
    ----------
    mu : float
        Running mean of the scores.
    sq : float
        Running sum of squared deviations (Welford).
    n : int
        Samples seen.
    z : float
    w : tuple of float
        ``(novelty_w, value_w)``.
    lane : str
        ``LUKHAS_LANE`` lowercased (default ``"experimental"``), read at
        construction.

    Examples
    --------
    >>> det = BreakthroughDetector(z=1.5)
    >>> for novelty, value in [(0.2, 0.2), (0.25, 0.2), (0.2, 0.25), (0.22, 0.21)]:
    ...     _ = det.step(novelty, value)
    >>> result = det.step(0.95, 0.9)
    >>> result["breakthrough"], result["n"], round(result["score"], 3)
    (True, 5, 0.925)
    """

    def __init__(
        self,
        novelty_w: float = 0.5,
        value_w: float = 0.5,
        z: float = 3.0,
        *,
        min_n: int | None = None,
        max_events: int = 1000,
    ) -> None:
        self.w: tuple[float, float] = (
            check_real("novelty_w", novelty_w, low=0.0),
            check_real("value_w", value_w, low=0.0),
        )
        self.z: float = check_real("z", z, low=0.0)
        self.min_n: int = 2 if min_n is None else check_int("min_n", min_n, low=2)
        self.lane: str = _config.lane().lower()
        self.mu = 0.0
        self.sq = 0.0
        self.n = 0
        self._events: deque[BreakthroughEvent] = deque(
            maxlen=check_int("max_events", max_events, low=1)
        )
        self._memory: VectorNovelty | None = None

    @property
    def std(self) -> float:
        """Sample standard deviation of the scores (0.0 with fewer than 2)."""
        return math.sqrt(self.sq / (self.n - 1)) if self.n > 1 else 0.0

    @property
    def events(self) -> list[BreakthroughEvent]:
        """The most recent breakthroughs, oldest first."""
        return list(self._events)

    def step(self, novelty: float, value: float) -> dict[str, Any]:
        """Score one observation and decide whether it is a breakthrough.

        Parameters
        ----------
        novelty : float
            How new the observation is, clamped to [0, 1].
        value : float
            How valuable it is, clamped to [0, 1].

        Returns
        -------
        result : dict
            ``score``, ``mean``, ``std`` (floats), ``breakthrough`` (bool),
            ``n`` (int), ``lane`` (str) and ``z_score`` (float, 0.0 when
            ``std == 0``).

        Raises
        ------
        ValueError
            If an input is None, NaN or infinite.
        TypeError
            If an input is not a real number.

        Examples
        --------
        >>> det = BreakthroughDetector()
        >>> r = det.step(0.6, 0.8)
        >>> r["score"], r["mean"], r["std"], r["breakthrough"]
        (0.7, 0.7, 0.0, False)
        """
        nov = _unit_input("novelty", novelty)
        val = _unit_input("value", value)
        score = self.w[0] * nov + self.w[1] * val
        self.n += 1
        delta = score - self.mu
        self.mu += delta / self.n
        self.sq += delta * (score - self.mu)
        std = self.std
        flagged = self.n >= self.min_n and (
            (std > 0.0 and score > self.mu + self.z * std) or (self.z == 0.0 and score >= self.mu)
        )
        z_score = (score - self.mu) / std if std > 0.0 else 0.0
        if flagged:
            self._events.append(
                BreakthroughEvent(
                    n=self.n,
                    score=score,
                    mean=self.mu,
                    std=std,
                    z_score=z_score if std > 0.0 else math.inf,
                    novelty=nov,
                    value=val,
                )
            )
            logger.debug("breakthrough at n=%d: score %.4f, z %.2f", self.n, score, z_score)
        return {
            "score": score,
            "mean": self.mu,
            "std": std,
            "breakthrough": bool(flagged),
            "n": self.n,
            "lane": self.lane,
            "z_score": z_score,
        }

    def observe(self, vector: Any, value: float) -> dict[str, Any]:
        """Step with the novelty of ``vector`` measured against recent vectors.

        Novelty comes from a :class:`VectorNovelty` memory (256 vectors) that
        the detector creates on first use; the vector is remembered afterwards.

        Parameters
        ----------
        vector : array_like of shape (dim,)
            Embedding of the observation.
        value : float
            How valuable it is, clamped to [0, 1].

        Returns
        -------
        result : dict
            As :meth:`step`, plus ``novelty`` (float).

        Raises
        ------
        TypeError, ValueError
            If ``vector`` is not a finite 1-D vector of the memory's
            dimension, or ``value`` is invalid.

        Examples
        --------
        >>> det = BreakthroughDetector()
        >>> det.observe([1.0, 0.0], 0.5)["novelty"]
        1.0
        >>> det.observe([2.0, 0.0], 0.5)["novelty"]
        0.0
        """
        if self._memory is None:
            self._memory = VectorNovelty()
        _unit_input("value", value)  # validate before the memory changes
        novelty = self._memory.observe(vector)
        result = self.step(novelty, value)
        result["novelty"] = novelty
        return result

    def reset(self) -> None:
        """Forget the statistics (``mu``, ``sq``, ``n``), the events and the vector memory.

        Examples
        --------
        >>> det = BreakthroughDetector()
        >>> _ = det.step(0.5, 0.5)
        >>> det.reset()
        >>> det.mu, det.sq, det.n
        (0.0, 0.0, 0)
        """
        self.mu = 0.0
        self.sq = 0.0
        self.n = 0
        self._events.clear()
        if self._memory is not None:
            self._memory.clear()

    def __repr__(self) -> str:
        return (
            f"BreakthroughDetector(w={self.w}, z={self.z}, n={self.n}, mean={self.mu:.4g}, "
            f"std={self.std:.4g})"
        )
