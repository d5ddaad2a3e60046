"""Cosine drift between intent and action vectors, smoothed per lane.

The lane table and the decision rule are the LUKHAS "DriftScore v2" contract:
``drift = 1 - cos(intent, action)`` (not clamped, so anti-parallel vectors give
2.0), an exponential moving average of it, and a guardian decision
``allow`` / ``warn`` / ``block`` from the lane's two thresholds.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from lukhas import _config
from lukhas._validation import check_array, check_int, check_real

__all__ = ["LANE_CFG", "DriftConfig", "DriftMonitor", "GuardianDecision"]

logger = logging.getLogger(__name__)

GuardianDecision = Literal["allow", "warn", "block"]


@dataclass(frozen=True, slots=True)
class DriftConfig:
    """Thresholds and smoothing of one lane.

    Parameters
    ----------
    warn_threshold : float
        EMA at or above which the guardian says ``"warn"``; in [0, 2].
    block_threshold : float
        EMA at or above which the guardian says ``"block"``; in
        [``warn_threshold``, 2].
    alpha : float, default=0.2
        Weight of the newest drift in the EMA, in (0, 1].
    window : int, default=64
        How many raw drifts the monitor keeps, >= 1.

    Raises
    ------
    TypeError, ValueError
        If a field has the wrong type or is out of range.

    Examples
    --------
    >>> DriftConfig(0.3, 0.5)
    DriftConfig(warn_threshold=0.3, block_threshold=0.5, alpha=0.2, window=64)
    >>> DriftConfig(0.3, 0.5) == LANE_CFG["experimental"]
    True
    """

    warn_threshold: float
    block_threshold: float
    alpha: float = 0.2
    window: int = 64

    def __post_init__(self) -> None:
        warn = check_real("warn_threshold", self.warn_threshold, low=0.0, high=2.0)
        block = check_real("block_threshold", self.block_threshold, low=warn, high=2.0)
        alpha = check_real("alpha", self.alpha, low=0.0, high=1.0, low_inclusive=False)
        window = check_int("window", self.window, low=1)
        object.__setattr__(self, "warn_threshold", warn)
        object.__setattr__(self, "block_threshold", block)
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "window", window)

    def decide(self, ema: float) -> GuardianDecision:
        """Map a smoothed drift to the guardian decision.

        Parameters
        ----------
        ema : float
            The smoothed drift.

        Returns
        -------
        decision : {"allow", "warn", "block"}
            ``"block"`` if ``ema >= block_threshold``, else ``"warn"`` if
            ``ema >= warn_threshold``, else ``"allow"``.

        Examples
        --------
        >>> cfg = LANE_CFG["prod"]
        >>> cfg.decide(0.1), cfg.decide(0.15), cfg.decide(0.3)
        ('allow', 'warn', 'block')
        """
        if ema >= self.block_threshold:
            return "block"
        if ema >= self.warn_threshold:
            return "warn"
        return "allow"


#: Per-lane drift configuration.  Stricter lanes have lower thresholds.
LANE_CFG: Final[dict[str, DriftConfig]] = {
    "experimental": DriftConfig(warn_threshold=0.30, block_threshold=0.50),
    "candidate": DriftConfig(warn_threshold=0.20, block_threshold=0.35),
    "prod": DriftConfig(warn_threshold=0.15, block_threshold=0.25),
}


def _as_vector(name: str, value: Any) -> npt.NDArray[np.float64]:
    return check_array(name, value, dtype=np.float64, ndim=1, finite=True)


def _cosine(a: Any, b: Any) -> float:
    """Cosine similarity of two vectors, 0.0 where it is undefined.

    Parameters
    ----------
    a, b : array_like of shape (n,)
        Real vectors (lists of floats or 1-D arrays).

    Returns
    -------
    cosine : float
        ``dot(a, b) / (|a| |b|)`` clamped to [-1, 1]; 0.0 if either vector is
        empty, the lengths differ, or either norm is zero.  Identical vectors
        give exactly 1.0.

    Raises
    ------
    TypeError
        If a vector does not hold numbers.
    ValueError
        If a vector is not 1-D or holds NaN or infinity.

    Examples
    --------
    >>> _cosine([1.0, 2.0], [1.0, 2.0])
    1.0
    >>> _cosine([1.0, 0.0], [0.0, 3.0])
    0.0
    >>> _cosine([1.0, 0.0], [-2.0, 0.0])
    -1.0
    >>> _cosine([], [])
    0.0
    """
    va = _as_vector("a", a)
    vb = _as_vector("b", b)
    if va.shape[0] == 0 or va.shape[0] != vb.shape[0]:
        return 0.0
    # Scale each vector by its own largest magnitude: the cosine is unchanged, the
    # squares neither overflow nor underflow (each norm is then >= 1), and identical
    # inputs stay identical.
    scale_a = float(np.max(np.abs(va)))
    scale_b = float(np.max(np.abs(vb)))
    if scale_a == 0.0 or scale_b == 0.0:
        return 0.0
    va = va / scale_a
    vb = vb / scale_b
    norm_a = float(va @ va)
    norm_b = float(vb @ vb)
    # sqrt(fl(x * x)) == x under IEEE rounding, so identical vectors give dot / norm == 1.0.
    cosine = float(va @ vb) / math.sqrt(norm_a * norm_b)
    return min(1.0, max(-1.0, cosine))


class DriftMonitor:
    """Smoothed cosine drift between what was intended and what was done.

    Parameters
    ----------
    lane : str or None, default=None
        The lane whose thresholds apply; ``None`` reads ``LUKHAS_LANE``
        (default ``"experimental"``).  The name is lowercased.  An unknown lane
        keeps its name but uses the experimental configuration.

    Attributes
    ----------
    lane : str
        The lowercased lane name.
    cfg : DriftConfig
        The configuration in force.
    ema : float
        Exponential moving average of the drift, initially 0.0.

    Examples
    --------
    >>> monitor = DriftMonitor(lane="experimental")
    >>> monitor.update([1.0, 0.0], [0.0, 1.0])
    {'lane': 'experimental', 'drift': 1.0, 'ema': 0.2, 'guardian': 'allow', 'n': 1}
    >>> monitor.update([1.0, 0.0], [0.0, 1.0])["ema"]
    0.36000000000000004
    """

    def __init__(self, lane: str | None = None) -> None:
        if lane is not None and not isinstance(lane, str):
            raise TypeError(f"`lane` must be a str or None, got {type(lane).__name__}.")
        resolved = lane if lane else _config.lane()
        self.lane: str = resolved.lower()
        self.cfg: DriftConfig = LANE_CFG.get(self.lane, LANE_CFG["experimental"])
        self.ema: float = 0.0
        self._raw: list[float] = []

    def update(self, intent: Any, action: Any) -> dict[str, Any]:
        """Score one (intent, action) pair and update the smoothed drift.

        Parameters
        ----------
        intent, action : array_like of shape (n,)
            The intended and the realised state vectors.

        Returns
        -------
        result : dict
            ``lane`` (str), ``drift`` (float, ``1 - cosine`` in [0, 2]),
            ``ema`` (float), ``guardian`` (``"allow"``, ``"warn"`` or
            ``"block"``) and ``n`` (int, the number of raw drifts kept).

        Raises
        ------
        TypeError, ValueError
            If a vector is not a finite real 1-D vector.

        Examples
        --------
        >>> DriftMonitor("prod").update([1.0, 2.0], [1.0, 2.0])["guardian"]
        'allow'
        """
        drift = 1.0 - _cosine(intent, action)
        alpha = self.cfg.alpha
        self.ema = alpha * drift + (1.0 - alpha) * self.ema
        self._raw.append(drift)
        overflow = len(self._raw) - self.cfg.window
        if overflow > 0:
            del self._raw[:overflow]
        guardian = self.cfg.decide(self.ema)
        if guardian != "allow":
            logger.debug("lane %s drift ema %.4f -> %s", self.lane, self.ema, guardian)
        return {
            "lane": self.lane,
            "drift": drift,
            "ema": self.ema,
            "guardian": guardian,
            "n": len(self._raw),
        }

    @property
    def recent(self) -> tuple[float, ...]:
        """The raw drifts kept (at most ``cfg.window``), oldest first.

        Examples
        --------
        >>> m = DriftMonitor("candidate")
        >>> _ = m.update([1.0], [1.0])
        >>> m.recent
        (0.0,)
        """
        return tuple(self._raw)

    def reset(self) -> None:
        """Forget all history: ``ema`` back to 0.0, no raw drifts.

        Examples
        --------
        >>> m = DriftMonitor("prod")
        >>> _ = m.update([1.0, 0.0], [0.0, 1.0])
        >>> m.reset()
        >>> m.ema, m.recent
        (0.0, ())
        """
        self.ema = 0.0
        self._raw.clear()

    def __repr__(self) -> str:
        return f"DriftMonitor(lane={self.lane!r}, ema={self.ema:.4g}, n={len(self._raw)})"
