"""Awareness: salience, attention and hysteresis against the slow reference; 1M bus events
with bounded memory and no lost transition; tick jitter; psutil load; bad input."""

from __future__ import annotations

import asyncio
import math
from types import SimpleNamespace
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.domain.consciousness.awareness import (
    AwarenessConfig,
    AwarenessEngine,
    AwarenessTransition,
    SystemAwareness,
)
from lukhas.services.bus.kernel_bus import KernelBus
from reference.awareness_ref import ref_attention, ref_salience, ref_states

values = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=40)
@given(st.lists(st.tuples(st.sampled_from(["queue", "latency", "drift"]), values),
                min_size=1, max_size=40),
       st.floats(0.05, 2.0), st.floats(0.0, 0.1))
def test_engine_equals_reference(obs: list[tuple[str, float]], temperature: float,
                                 h: float) -> None:
    cfg = AwarenessConfig(temperature=temperature, hysteresis=h, baseline_alpha=0.1)
    engine = AwarenessEngine(cfg)
    seen: list[AwarenessTransition] = []
    engine.add_listener(seen.append)
    history: dict[str, list[float]] = {}
    arousals, states = [], []
    for t, (name, x) in enumerate(obs):
        x = min(1.0, abs(x) / 100) if name == "drift" else x
        history.setdefault(name, []).append(x)
        snap = engine.observe(name, x, t=float(t))
        sal = {k: ref_salience(v, 0.1, k == "drift") for k, v in history.items()}
        att = ref_attention(sal, temperature)
        assert snap.salience == pytest.approx(sal, abs=1e-9)
        assert snap.attention == pytest.approx(att, abs=1e-9)
        arousal = sum(att[k] * sal[k] for k in sal)
        assert snap.arousal == pytest.approx(arousal, abs=1e-9)
        arousals.append(snap.arousal)
        states.append(snap.state)
    assert states == ref_states(arousals, cfg.thresholds, h)
    changes = sum(a != b for a, b in zip(["calm", *states], states, strict=False))
    assert engine.transition_count == len(seen) == changes
    assert [tr.seq for tr in seen] == list(range(1, changes + 1))


def test_hysteresis_stops_flapping() -> None:
    arousal = [0.3 + 0.03 * (-1) ** i for i in range(100)]  # around the first threshold
    assert len(set(ref_states(arousal, (0.3, 0.55, 0.8), 0.0))) == 2  # flaps without it
    with_h = ref_states(arousal, (0.3, 0.55, 0.8), 0.05)
    assert set(with_h) == {"calm"}


def test_one_million_bus_events_bounded_memory_no_lost_transition() -> None:
    now = [0.0]
    engine = AwarenessEngine(AwarenessConfig(rate_interval=1.0), clock=lambda: now[0])
    seen: list[AwarenessTransition] = []
    engine.add_listener(seen.append)
    bus = KernelBus(mode="live")
    engine.attach_bus(bus, "stream.#")
    rng = np.random.default_rng(0)
    # bursts: segments of 1,024 events/s (quiet) or 16,384 events/s (bursty)
    steps = np.concatenate([np.full(int(n), dt) for n, dt in zip(
        rng.integers(20_000, 60_000, 40), rng.choice([2.0 ** -10, 2.0 ** -14], 40),
        strict=True)])[:1_000_000]
    times = np.cumsum(steps) - steps[0]
    assert times.size == 1_000_000
    for t in times.tolist():
        now[0] = t
        bus.publish("stream.tick")
    assert engine.events == 1_000_000
    track = engine._signals["event_rate"]
    assert list(engine._signals) == ["event_rate"] and len(track.window) <= 32
    assert len(engine.transitions) <= engine.config.transitions_kept
    # the same rate observations, bucketed independently, through a second engine
    counts = np.bincount(np.floor(times).astype(np.int64))
    replay = AwarenessEngine(AwarenessConfig(rate_interval=1.0))
    replayed: list[AwarenessTransition] = []
    replay.add_listener(replayed.append)
    for b, c in enumerate(counts[:-1].tolist()):
        replay.observe("event_rate", float(c), t=float(b + 1))
    assert track.count == len(counts) - 1
    assert engine.transition_count == len(seen) == len(replayed) > 0
    assert [(x.old, x.new, x.t) for x in seen] == [(x.old, x.new, x.t) for x in replayed]
    assert engine.transitions.to_list() == seen[-len(engine.transitions):]


def test_empty_intervals_count_as_zero_rate() -> None:
    engine = AwarenessEngine(AwarenessConfig(rate_interval=1.0))
    for t in (0.0, 0.5, 1.2, 4.5):
        engine.record_event(t=t)
    track = engine._signals["event_rate"]
    assert track.window.to_array().tolist() == [2.0, 1.0, 0.0, 0.0]


def test_tick_jitter() -> None:
    steady = AwarenessEngine(AwarenessConfig(expected_tick=0.1))
    for i in range(50):
        steady.record_tick(t=i * 0.1)
    assert steady._signals["tick_jitter"].last == pytest.approx(0.0, abs=1e-9)
    assert steady.state == "calm"
    shaky = AwarenessEngine()
    t = 0.0
    snaps = []
    for i in range(50):
        t += 0.1 if i < 40 else 0.35
        snaps.append(shaky.record_tick(t=t))
    first = snaps[40]
    assert first is not None and first.salience["tick_jitter"] > 0.9
    assert first.state == "overloaded" and shaky.state != "calm"
    assert shaky._signals["tick_jitter"].last == pytest.approx(2.5)
    last = snaps[-1]
    assert last is not None and last.arousal < first.arousal  # habituation


def _vm(percent: float) -> Any:
    return SimpleNamespace(percent=percent)


def test_system_awareness_load_trend_and_hysteresis() -> None:
    sysaw = SystemAwareness(history=8)
    cpu = [10.0, 20.0, 30.0, 40.0, 78.0, 76.0, 78.0, 72.0, 96.0, 91.0, 84.0]
    health = []
    for c in cpu:
        with mock.patch("psutil.cpu_percent", return_value=c), \
                mock.patch("psutil.virtual_memory", return_value=_vm(30.0)):
            state = asyncio.run(sysaw.get_current_state())
        health.append(state["health"])
    assert health == ["healthy"] * 4 + ["healthy", "healthy", "healthy", "healthy",
                                        "critical", "critical", "strained"]
    expected = np.polyfit(np.arange(8), np.array(cpu[-8:]), 1)[0]
    assert state["cpu_trend"] == pytest.approx(expected)
    assert state["load"] == pytest.approx(0.84) and state["samples"] == 11


def test_engine_lukhas_surface_reads_process_load() -> None:
    async def main() -> dict[str, Any]:
        engine = AwarenessEngine()
        assert await engine.initialize() is True
        with mock.patch("psutil.cpu_percent", return_value=99.0), \
                mock.patch("psutil.virtual_memory", return_value=_vm(40.0)):
            return await engine.analyze_current_state()

    report = asyncio.run(main())
    assert report["state"] == "overloaded" and report["focus"] == "cpu"
    assert report["salience"]["cpu"] == pytest.approx(0.99)
    assert report["system"]["cpu_percent"] == 99.0 and report["transitions"] == 1
    assert report["recent_transitions"][0]["new"] == "overloaded"


def test_bad_input() -> None:
    engine = AwarenessEngine(AwarenessConfig(max_signals=2))
    with pytest.raises(ValueError, match="`value` must be"):
        engine.observe("x", math.nan)
    with pytest.raises(TypeError, match="`name` must be"):
        engine.observe(3, 1.0)  # type: ignore[arg-type]
    engine.observe("a", 1.0)
    engine.observe("b", 1.0)
    with pytest.raises(ValueError, match="at most max_signals=2"):
        engine.observe("c", 1.0)
    with pytest.raises(ValueError, match="`score` must be"):
        engine.record_drift(1.5)
    with pytest.raises(ValueError, match="`thresholds` must be three increasing"):
        AwarenessConfig(thresholds=(0.5, 0.4, 0.9))
    with pytest.raises(TypeError, match="`bus` must have a subscribe"):
        engine.attach_bus(object())
    with pytest.raises(TypeError, match="`config` must be an AwarenessConfig"):
        AwarenessEngine({"window": 3})  # type: ignore[arg-type]
