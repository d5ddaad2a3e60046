"""Per-user drift profiles of dream metrics, built on :mod:`lukhas.services.drift`.

Each update compares a user's new metrics (``symbolic_entropy``,
``emotional_charge``, ``narrative_coherence``) with that user's running
averages:

* component drifts are the signed differences from the averages, and the
  ``drift_score`` is their weighted absolute sum (significant above a
  threshold);
* a :class:`~lukhas.services.drift.DriftMonitor` smooths the cosine drift between
  the averages and the new metrics and gives the lane's guardian decision;
* two one-sided :class:`~lukhas.services.drift.PageHinkley` tests on the
  ``drift_score`` series report when a user's drift starts rising or falling.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from lukhas._validation import check_int, check_real, describe
from lukhas.services.drift import DriftMonitor, PageHinkley

__all__ = [
    "METRIC_KEYS",
    "DriftProfileStore",
    "default_store",
    "score_drift",
    "update_user_drift_profile",
]

logger = logging.getLogger(__name__)

#: The metrics a drift profile tracks, in vector order.
METRIC_KEYS: Final[tuple[str, str, str]] = (
    "symbolic_entropy",
    "emotional_charge",
    "narrative_coherence",
)
_COMPONENT_NAMES: Final[tuple[str, str, str]] = (
    "entropy_drift",
    "emotional_drift",
    "coherence_drift",
)
_AVERAGE_NAMES: Final[tuple[str, str, str]] = ("avg_entropy", "avg_emotional", "avg_coherence")


def _read_metrics(metrics: Any) -> tuple[float, float, float]:
    if not isinstance(metrics, Mapping):
        raise TypeError(f"`metrics` must be a mapping, got {describe(metrics)}.")
    values = []
    for key in METRIC_KEYS:
        if key not in metrics:
            raise ValueError(f"`metrics` must contain {key!r}; got keys {sorted(metrics)}.")
        values.append(check_real(f"metrics[{key!r}]", metrics[key]))
    return values[0], values[1], values[2]


def score_drift(
    metrics: Mapping[str, Any],
    baseline: Mapping[str, Any],
    *,
    weights: tuple[float, float, float] = (0.4, 0.3, 0.3),
) -> dict[str, float]:
    """Signed component drifts and their weighted absolute sum.

    Parameters
    ----------
    metrics, baseline : mapping
        Each holds finite numbers under :data:`METRIC_KEYS`.
    weights : tuple of 3 float, default=(0.4, 0.3, 0.3)
        Weights of the absolute entropy, emotional and coherence drifts.

    Returns
    -------
    drift : dict
        ``entropy_drift``, ``emotional_drift``, ``coherence_drift``
        (``metrics - baseline``) and ``drift_score``.

    Raises
    ------
    TypeError, ValueError
        If a mapping lacks a key or holds a non-finite value.

    Examples
    --------
    >>> base = {"symbolic_entropy": 0.5, "emotional_charge": 0.0, "narrative_coherence": 0.8}
    >>> new = {"symbolic_entropy": 0.7, "emotional_charge": -0.2, "narrative_coherence": 0.8}
    >>> d = score_drift(new, base)
    >>> round(d["drift_score"], 6), round(d["emotional_drift"], 6)
    (0.14, -0.2)
    """
    current = _read_metrics(metrics)
    try:
        reference = _read_metrics(baseline)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("`metrics", "`baseline")) from None
    return _score(current, reference, weights)


def _score(
    current: tuple[float, float, float],
    reference: tuple[float, float, float],
    weights: tuple[float, float, float],
) -> dict[str, float]:
    diffs = [c - r for c, r in zip(current, reference, strict=True)]
    out = dict(zip(_COMPONENT_NAMES, diffs, strict=True))
    out["drift_score"] = sum(w * abs(d) for w, d in zip(weights, diffs, strict=True))
    return out


@dataclass
class _UserProfile:
    monitor: DriftMonitor
    rising: PageHinkley
    falling: PageHinkley
    history: deque[dict[str, Any]]
    count: int = 0
    means: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    trend: str = "stable"


class DriftProfileStore:
    """In-process store of per-user drift profiles.

    Parameters
    ----------
    lane : str or None, default=None
        Lane whose drift thresholds the guardian decision uses (``None`` reads
        ``LUKHAS_LANE``).
    weights : tuple of 3 float, default=(0.4, 0.3, 0.3)
        Weights of the entropy, emotional and coherence drifts, each >= 0.
    significance : float, default=0.2
        ``drift_score`` above which an entry is marked significant, >= 0.
    history : int, default=100
        Entries kept per user, >= 1.
    max_users : int, default=10_000
        Profiles kept; the least recently updated is dropped beyond it.
    trend_threshold : float, default=0.5
        Page-Hinkley threshold on the ``drift_score`` series, > 0.
    clock : callable returning datetime or None, default=None
        Source of timestamps for metrics without one.

    Examples
    --------
    >>> store = DriftProfileStore(lane="prod")
    >>> m = {"symbolic_entropy": 0.6, "emotional_charge": 0.1, "narrative_coherence": 0.9}
    >>> store.update("u1", m)["total_dreams"]
    1
    >>> store.update("u1", m)["drift_history"][-1]["drift_score"]
    0.0
    """

    def __init__(
        self,
        *,
        lane: str | None = None,
        weights: tuple[float, float, float] = (0.4, 0.3, 0.3),
        significance: float = 0.2,
        history: int = 100,
        max_users: int = 10_000,
        trend_threshold: float = 0.5,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.lane = lane
        if not isinstance(weights, tuple) or len(weights) != 3:
            raise TypeError(f"`weights` must be a tuple of 3 floats, got {describe(weights)}.")
        self.weights: tuple[float, float, float] = (
            check_real("weights[0]", weights[0], low=0.0),
            check_real("weights[1]", weights[1], low=0.0),
            check_real("weights[2]", weights[2], low=0.0),
        )
        self.significance = check_real("significance", significance, low=0.0)
        self.history = check_int("history", history, low=1)
        self.max_users = check_int("max_users", max_users, low=1)
        self.trend_threshold = check_real("trend_threshold", trend_threshold, low=0.0,
                                          low_inclusive=False)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._profiles: OrderedDict[Hashable, _UserProfile] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._profiles

    def _new_profile(self) -> _UserProfile:
        def trend_test(mode: str) -> PageHinkley:
            return PageHinkley(delta=0.01, threshold=self.trend_threshold, min_instances=5,
                               mode=mode)  # type: ignore[arg-type]

        return _UserProfile(
            monitor=DriftMonitor(self.lane),
            rising=trend_test("up"),
            falling=trend_test("down"),
            history=deque(maxlen=self.history),
        )

    def update(self, user_id: Hashable, metrics: Mapping[str, Any]) -> dict[str, Any]:
        """Fold one set of metrics into a user's profile and return the profile.

        Parameters
        ----------
        user_id : str or int or other hashable
            The user.
        metrics : mapping
            Finite numbers under :data:`METRIC_KEYS`; an optional
            ``timestamp`` (str or datetime) is recorded with the entry.

        Returns
        -------
        profile : dict
            See :meth:`profile`.

        Raises
        ------
        TypeError, ValueError
            For an unhashable ``user_id`` or malformed ``metrics``; the profile
            is then left unchanged.

        Examples
        --------
        >>> store = DriftProfileStore()
        >>> p = store.update(7, {"symbolic_entropy": 1, "emotional_charge": 0,
        ...                      "narrative_coherence": 1})
        >>> p["avg_entropy"], p["drift_history"][-1]["is_significant"]
        (1.0, False)
        """
        if not isinstance(user_id, Hashable) or user_id is None:
            raise TypeError(f"`user_id` must be a hashable id, got {describe(user_id)}.")
        current = _read_metrics(metrics)
        stamp = metrics.get("timestamp")
        if stamp is None:
            stamp = self._clock()
        if isinstance(stamp, datetime):
            stamp = stamp.isoformat()
        elif not isinstance(stamp, str):
            raise TypeError(
                f"`metrics['timestamp']` must be a str or datetime, got {describe(stamp)}."
            )
        with self._lock:
            profile = self._profiles.get(user_id)
            if profile is None:
                profile = self._new_profile()
                self._profiles[user_id] = profile
                while len(self._profiles) > self.max_users:
                    evicted, _ = self._profiles.popitem(last=False)
                    logger.debug("drift profile of %r evicted (max_users=%d)", evicted,
                                 self.max_users)
            else:
                self._profiles.move_to_end(user_id)
            baseline = tuple(profile.means) if profile.count else current
            entry: dict[str, Any] = _score(current, baseline, self.weights)  # type: ignore[arg-type]
            entry["is_significant"] = entry["drift_score"] > self.significance
            entry["timestamp"] = stamp
            if profile.count:
                vector = profile.monitor.update(list(baseline), list(current))
                entry["cosine_drift"] = vector["drift"]
            entry["guardian"] = profile.monitor.cfg.decide(profile.monitor.ema)
            if profile.rising.update(entry["drift_score"]):
                profile.trend = "increasing"
            elif profile.falling.update(entry["drift_score"]):
                profile.trend = "decreasing"
            profile.count += 1
            for i, value in enumerate(current):
                profile.means[i] += (value - profile.means[i]) / profile.count
            profile.history.append(entry)
            return self._snapshot(user_id, profile)

    def profile(self, user_id: Hashable) -> dict[str, Any] | None:
        """Return a user's profile, or None for an unknown user.

        Parameters
        ----------
        user_id : hashable
            The user.

        Returns
        -------
        profile : dict or None
            ``user_id``, ``total_dreams`` (int), ``avg_entropy``,
            ``avg_emotional``, ``avg_coherence`` (running means),
            ``drift_history`` (list of entries, oldest first; each has
            ``drift_score``, the three component drifts, ``is_significant``,
            ``timestamp``, ``guardian`` and, after the first,
            ``cosine_drift``), ``drift_ema``, ``guardian``, ``lane`` and
            ``trend`` (``"stable"``, ``"increasing"`` or ``"decreasing"``: the
            direction of the last change the Page-Hinkley tests found).

        Examples
        --------
        >>> DriftProfileStore().profile("nobody") is None
        True
        """
        with self._lock:
            profile = self._profiles.get(user_id)
            return None if profile is None else self._snapshot(user_id, profile)

    def _snapshot(self, user_id: Hashable, profile: _UserProfile) -> dict[str, Any]:
        out: dict[str, Any] = {"user_id": user_id, "total_dreams": profile.count}
        out.update(zip(_AVERAGE_NAMES, profile.means, strict=True))
        out["drift_history"] = [dict(e) for e in profile.history]
        out["drift_ema"] = profile.monitor.ema
        out["guardian"] = profile.monitor.cfg.decide(profile.monitor.ema)
        out["lane"] = profile.monitor.lane
        out["trend"] = profile.trend
        return out

    def forget(self, user_id: Hashable) -> bool:
        """Delete a user's profile; return whether there was one.

        Parameters
        ----------
        user_id : hashable
            The user.

        Returns
        -------
        existed : bool

        Examples
        --------
        >>> DriftProfileStore().forget("u")
        False
        """
        with self._lock:
            return self._profiles.pop(user_id, None) is not None


_DEFAULT_STORE: DriftProfileStore | None = None
_DEFAULT_LOCK = threading.Lock()


def default_store() -> DriftProfileStore:
    """The process-wide store used when no ``store`` is passed (created on first use).

    Returns
    -------
    store : DriftProfileStore

    Examples
    --------
    >>> default_store() is default_store()
    True
    """
    global _DEFAULT_STORE
    with _DEFAULT_LOCK:
        if _DEFAULT_STORE is None:
            _DEFAULT_STORE = DriftProfileStore()
        return _DEFAULT_STORE


async def update_user_drift_profile(
    user_id: Hashable,
    dream_metrics: Mapping[str, Any],
    *,
    store: DriftProfileStore | None = None,
) -> dict[str, Any]:
    """Fold a user's latest dream metrics into their drift profile.

    Parameters
    ----------
    user_id : hashable
        The user.
    dream_metrics : mapping
        ``symbolic_entropy``, ``emotional_charge``, ``narrative_coherence``
        (finite numbers) and optionally ``timestamp``.
    store : DriftProfileStore or None, default=None
        Where profiles live; the process-wide :func:`default_store` if None.

    Returns
    -------
    profile : dict
        The updated profile (see :meth:`DriftProfileStore.profile`).

    Raises
    ------
    TypeError, ValueError
        For malformed arguments.

    Examples
    --------
    >>> import asyncio
    >>> store = DriftProfileStore()
    >>> metrics = {"symbolic_entropy": 0.65, "emotional_charge": 0.3,
    ...            "narrative_coherence": 0.85, "timestamp": "2025-07-10T12:00:00Z"}
    >>> profile = asyncio.run(update_user_drift_profile("u1", metrics, store=store))
    >>> profile["total_dreams"], profile["drift_history"][-1]["drift_score"]
    (1, 0.0)
    """
    target = default_store() if store is None else store
    return target.update(user_id, dream_metrics)
