"""The awareness engine: live signals -> salience -> attention -> a state with hysteresis.

Signals come in four kinds of ways, each into a named
:class:`~lukhas.domain.consciousness.awareness._signals.SignalTrack` (a ring
window plus a slow baseline):

* **events** (:meth:`AwarenessEngine.record_event`, or every event of a bus after
  :meth:`~AwarenessEngine.attach_bus`): counted per ``rate_interval`` seconds;
  each closed interval adds its rate to the ``event_rate`` signal;
* **ticks** (:meth:`~AwarenessEngine.record_tick`): the relative jitter
  ``|interval - expected| / expected`` goes to ``tick_jitter``;
* **drift scores** (:meth:`~AwarenessEngine.record_drift`) to ``drift`` (a level);
* **process load** (``cpu`` and ``memory`` levels) from :class:`SystemAwareness`
  on :meth:`~AwarenessEngine.analyze_current_state`; and any other named value
  through :meth:`~AwarenessEngine.observe`.

After each observation the engine recomputes salience per signal (see the
signal module), attention weights ``softmax(salience / temperature)`` and the
arousal ``sum(attention * salience)`` in [0, 1], and moves the state along
:data:`STATES` with hysteresis: up past ``threshold + hysteresis``, down below
``threshold - hysteresis``.  Every state change is counted, kept in a ring of
recent transitions and passed to the listeners, so none is lost however many
events arrive; memory stays bounded (fixed windows, at most ``max_signals``
signals).

Examples
--------
>>> engine = AwarenessEngine(AwarenessConfig(rate_interval=1.0))
>>> for t in range(20):
...     _ = engine.observe("queue_depth", 1.0 + 0.1 * (t % 2), t=float(t))
>>> engine.state
'calm'
>>> snap = engine.observe("queue_depth", 50.0, t=20.0)
>>> snap.state, snap.focus
('overloaded', 'queue_depth')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from lukhas._validation import check_real, check_str, describe
from lukhas.domain.consciousness.awareness._signals import SignalTrack
from lukhas.domain.consciousness.awareness.system_awareness import SystemAwareness
from lukhas.primitives.ring import Ring

__all__ = ["STATES", "AwarenessConfig", "AwarenessEngine", "AwarenessSnapshot",
           "AwarenessTransition"]

#: Awareness states from the least to the most aroused.
STATES = ("calm", "attentive", "alert", "overloaded")
_LEVEL_SIGNALS = frozenset({"drift", "cpu", "memory"})


@dataclass(frozen=True)
class AwarenessConfig:
    """Settings of :class:`AwarenessEngine`.

    Attributes
    ----------
    window : int
        Recent values per signal (the ring window).
    baseline_alpha : float
        EWMA weight of the baseline (small: slow habituation).
    temperature : float
        Softmax temperature of the attention weights (lower: sharper).
    thresholds : tuple of float
        Arousal at which ``attentive``, ``alert`` and ``overloaded`` begin.
    hysteresis : float
        Margin around each threshold (see the module notes).
    rate_interval : float
        Seconds per event-rate bucket.
    expected_tick : float or None
        Expected tick interval in seconds (None: the running median is not
        tracked; the first interval seen is used).
    max_signals : int
        Distinct signal names tracked at most.
    transitions_kept : int
        Recent transitions kept (all are counted).
    """

    window: int = 32
    baseline_alpha: float = 0.02
    temperature: float = 0.25
    thresholds: tuple[float, float, float] = (0.3, 0.55, 0.8)
    hysteresis: float = 0.05
    rate_interval: float = 1.0
    expected_tick: float | None = None
    max_signals: int = 64
    transitions_kept: int = 1024

    def __post_init__(self) -> None:
        check_real("baseline_alpha", self.baseline_alpha, low=0.0, high=1.0, low_inclusive=False)
        check_real("temperature", self.temperature, low=0.0, low_inclusive=False)
        check_real("hysteresis", self.hysteresis, low=0.0, high=0.5)
        check_real("rate_interval", self.rate_interval, low=0.0, low_inclusive=False)
        if self.expected_tick is not None:
            check_real("expected_tick", self.expected_tick, low=0.0, low_inclusive=False)
        for name in ("window", "max_signals", "transitions_kept"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be an int >= 1, got {value!r}.")
        th = self.thresholds
        if (not isinstance(th, tuple) or len(th) != 3
                or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in th)
                or not 0.0 < th[0] < th[1] < th[2] < 1.0):
            raise ValueError("`thresholds` must be three increasing numbers in (0, 1), "
                             f"got {th!r}.")


@dataclass(frozen=True)
class AwarenessTransition:
    """One state change: from, to, the arousal that caused it, the signal most attended."""

    old: str
    new: str
    arousal: float
    focus: str | None
    t: float
    seq: int


@dataclass(frozen=True)
class AwarenessSnapshot:
    """The awareness state after an observation."""

    state: str
    arousal: float
    salience: dict[str, float]
    attention: dict[str, float]
    focus: str | None
    transitions: int
    t: float
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


class AwarenessEngine:
    """Awareness from live signals (see the module notes).

    Parameters
    ----------
    config : AwarenessConfig or None, default=None
        Defaults when None.
    system : SystemAwareness or None, default=None
        Source of CPU and memory load (created on :meth:`initialize` when None).
    clock : callable, default=time.monotonic
        Time source for observations made without ``t``.
    """

    def __init__(self, config: AwarenessConfig | None = None, *,
                 system: SystemAwareness | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        cfg = AwarenessConfig() if config is None else config
        if not isinstance(cfg, AwarenessConfig):
            raise TypeError(f"`config` must be an AwarenessConfig or None, got {describe(cfg)}.")
        self.config = cfg
        self.system = system
        self._clock = clock
        self._signals: dict[str, SignalTrack] = {}
        self._level = 0
        self._arousal = 0.0
        self._salience: dict[str, float] = {}
        self._attention: dict[str, float] = {}
        self._focus: str | None = None
        self._t = 0.0
        self.transitions = Ring(cfg.transitions_kept)
        self.transition_count = 0
        self.events = 0
        self._bucket_start: float | None = None
        self._bucket_count = 0
        self._last_tick: float | None = None
        self._expected = cfg.expected_tick
        self._listeners: list[Callable[[AwarenessTransition], object]] = []
        self.initialized = False

    # ------------------------------------------------------------------ inputs
    def observe(self, name: str, value: float, *, t: float | None = None) -> AwarenessSnapshot:
        """Add one value of a named signal and update the awareness state.

        Raises
        ------
        TypeError, ValueError
            For a non-string name, a non-finite value, or a new signal beyond
            ``max_signals``.
        """
        check_str("name", name, empty=False)
        x = check_real("value", value)
        now = self._clock() if t is None else check_real("t", t)
        track = self._signals.get(name)
        if track is None:
            if len(self._signals) >= self.config.max_signals:
                raise ValueError(f"`name` {name!r} would be signal number "
                                 f"{len(self._signals) + 1}; at most max_signals="
                                 f"{self.config.max_signals} are tracked.")
            kind = "level" if name in _LEVEL_SIGNALS else "change"
            track = self._signals[name] = SignalTrack(kind, self.config.window,
                                                      self.config.baseline_alpha)
        track.observe(x)
        self._salience[name] = track.salience()  # only this signal's salience changed
        return self._update(now)

    def record_event(self, topic: str | None = None, *, t: float | None = None) -> None:
        """Count one event; a closed ``rate_interval`` adds its rate to ``event_rate``.

        Intervals with no events close with rate 0 when the next event arrives
        (each empty interval is one observation, up to ``window`` of them).
        """
        now = self._clock() if t is None else t
        self.events += 1
        start = self._bucket_start
        if start is None:
            self._bucket_start, self._bucket_count = now, 1
            return
        width = self.config.rate_interval
        if now < start + width:
            self._bucket_count += 1
            return
        closed = int((now - start) // width)
        self.observe("event_rate", self._bucket_count / width, t=start + width)
        for k in range(1, min(closed, self.config.window + 1)):
            self.observe("event_rate", 0.0, t=start + (k + 1) * width)
        self._bucket_start = start + closed * width
        self._bucket_count = 1

    def attach_bus(self, bus: Any, pattern: str = "#") -> Any:
        """Count every event of `bus` matching `pattern`; returns the subscription."""
        if not callable(getattr(bus, "subscribe", None)):
            raise TypeError(f"`bus` must have a subscribe(pattern, handler) method, "
                            f"got {describe(bus)}.")
        return bus.subscribe(pattern, lambda event: self.record_event(), name="awareness")

    def record_tick(self, t: float | None = None) -> AwarenessSnapshot | None:
        """Record a stream tick; its relative jitter goes to ``tick_jitter``."""
        now = self._clock() if t is None else check_real("t", t)
        last, self._last_tick = self._last_tick, now
        if last is None:
            return None
        interval = now - last
        if self._expected is None:
            self._expected = interval if interval > 0 else None
            return None
        return self.observe("tick_jitter", abs(interval - self._expected) / self._expected, t=now)

    def record_drift(self, score: float, *, t: float | None = None) -> AwarenessSnapshot:
        """Record a drift score in [0, 1] (a level signal)."""
        return self.observe("drift", check_real("score", score, low=0.0, high=1.0), t=t)

    def add_listener(self, listener: Callable[[AwarenessTransition], object]) -> None:
        """Call `listener(transition)` on every state change."""
        if not callable(listener):
            raise TypeError(f"`listener` must be callable, got {describe(listener)}.")
        self._listeners.append(listener)

    # ------------------------------------------------------------------ core
    def _update(self, now: float) -> AwarenessSnapshot:
        cfg = self.config
        sal = self._salience
        top = max(sal.values())
        exps = {k: math.exp((s - top) / cfg.temperature) for k, s in sal.items()}
        total = sum(exps.values())
        att = {k: e / total for k, e in exps.items()}
        arousal = min(1.0, max(0.0, sum(att[k] * sal[k] for k in sal)))
        focus = max(att, key=lambda k: (att[k], k)) if att else None
        level = self._level
        th, h = cfg.thresholds, cfg.hysteresis
        while level < 3 and arousal >= th[level] + h:
            level += 1
        while level > 0 and arousal < th[level - 1] - h:
            level -= 1
        if level != self._level:
            self.transition_count += 1
            tr = AwarenessTransition(STATES[self._level], STATES[level], arousal, focus, now,
                                     self.transition_count)
            self.transitions.push(tr)
            self._level = level
            for listener in self._listeners:
                listener(tr)
        self._arousal, self._attention, self._focus = arousal, att, focus
        self._t = now
        return self.snapshot()

    def snapshot(self) -> AwarenessSnapshot:
        """The current awareness state (no new observation)."""
        return AwarenessSnapshot(STATES[self._level], self._arousal, dict(self._salience),
                                 dict(self._attention), self._focus, self.transition_count,
                                 self._t)

    @property
    def state(self) -> str:
        """The current awareness state."""
        return STATES[self._level]

    # ------------------------------------------------------------------ LUKHAS surface
    async def initialize(self) -> bool:
        """Create the system probe if needed and take a first load sample."""
        if self.system is None:
            self.system = SystemAwareness()
        self.system.sample()
        self.initialized = True
        return True

    async def analyze_current_state(self) -> dict[str, Any]:
        """Sample process load, update, and report the awareness state.

        Returns
        -------
        report : dict
            ``state``, ``arousal``, ``focus``, ``salience`` and ``attention`` per
            signal, ``transitions`` (count), ``recent_transitions`` (the last 5),
            ``events``, ``signals`` (window mean and baseline per signal),
            ``system`` (the load sample) and ``timestamp``.
        """
        if self.system is None:
            self.system = SystemAwareness()
        system = self.system.sample()
        now = self._clock()
        self.observe("cpu", system["cpu_percent"] / 100.0, t=now)
        snap = self.observe("memory", system["memory_percent"] / 100.0, t=now)
        return {
            "state": snap.state, "arousal": snap.arousal, "focus": snap.focus,
            "salience": snap.salience, "attention": snap.attention,
            "transitions": self.transition_count,
            "recent_transitions": [asdict(tr) for tr in self.transitions.latest(
                min(5, len(self.transitions)))],
            "events": self.events,
            "signals": {k: {"window_mean": tr.window_mean(), "baseline": tr.mean,
                            "count": tr.count} for k, tr in self._signals.items()},
            "system": system, "timestamp": snap.timestamp,
        }
