"""Demo section: the consciousness domain (registry, guardian, awareness, creativity, dreams)."""

from __future__ import annotations

import asyncio
import time
from typing import TextIO

import numpy as np

from lukhas.domain.consciousness.awareness import AwarenessConfig, AwarenessEngine
from lukhas.domain.consciousness.creativity import CreativeTask, CreativityConfig, CreativityEngine
from lukhas.domain.consciousness.dream import DreamConfig, DreamEngine
from lukhas.domain.consciousness.guardian_integration import ConsciousnessGuardianIntegration
from lukhas.domain.consciousness.registry import ComponentType, ConsciousnessComponentRegistry

__all__ = ["TITLE", "run"]

TITLE = "Consciousness: ordered activation, guardian, awareness, ideas, dreams"

_COMPONENTS = [  # id, type, priority, dependencies, critical
    ("memory-fold", ComponentType.MEMORY_FOLD, 50, [], True),
    ("guardian-ethics", ComponentType.GUARDIAN_ETHICS, 10, [], True),
    ("awareness", ComponentType.CONSCIOUSNESS_AWARENESS, 20, ["memory-fold"], False),
    ("dream", ComponentType.CONSCIOUSNESS_DREAM, 5, ["memory-fold", "awareness"], False),
    ("creative", ComponentType.CONSCIOUSNESS_CREATIVE, 1, ["guardian-ethics", "awareness"],
     False),
]


async def _registry(out: TextIO) -> None:
    reg = ConsciousnessComponentRegistry()
    for cid, kind, prio, deps, critical in _COMPONENTS:
        reg.register_component(cid, kind, cid, "", "json", triad_framework="🧠",
                               dependencies=deps, activation_priority=prio, critical=critical)
    report = await reg.activate_all(timeout_per_component=5.0)
    rollup = await reg.check_health()
    out.write(f"   registry: activation order {' -> '.join(reg._activation_order)}\n"
              f"     activated {len(report.activated)}/5, health {rollup['overall']}\n")


async def _guardian(out: TextIO) -> None:
    guard = ConsciousnessGuardianIntegration()
    calm = {"level": 0.5, "awareness": 0.5}
    first = await guard.validate_state_transition(calm, {"level": 0.52, "awareness": 0.5},
                                                  session_id="demo")
    wild = {"level": -0.5, "awareness": -0.5}
    await guard.validate_state_transition(calm, wild, session_id="demo")
    back = await guard.validate_state_transition(wild, calm, session_id="demo")
    p95 = guard.get_performance_stats()["latency_ms"]["p95"]
    out.write(f"   guardian: small step {first.result.value}, swing back and forth "
              f"{back.result.value} (drift EMA {back.drift_ema:.2f}); p95 {p95:.3f} ms\n")


def _awareness(out: TextIO) -> None:
    now = [0.0]
    engine = AwarenessEngine(AwarenessConfig(rate_interval=1.0), clock=lambda: now[0])
    t0 = time.perf_counter()
    t, n = 0.0, 0
    for second in range(60):
        rate = 2_000 if 30 <= second < 35 else 200  # a five-second burst
        for _ in range(rate):
            now[0] = t
            engine.record_event()
            t += 1.0 / rate
            n += 1
    dt = time.perf_counter() - t0
    path = " -> ".join(["calm"] + [tr.new for tr in engine.transitions.to_list()])
    out.write(f"   awareness: {n:,} events ({dt / n * 1e6:.2f} us/event), burst at 30 s: "
              f"{path}\n")


async def _creativity(out: TextIO) -> None:
    engine = CreativityEngine(CreativityConfig(seed=0))
    task = CreativeTask("a library where books rearrange themselves by mood", min_ideas=3)
    snap = await engine.generate_ideas(task, {"level": 0.6}, {"concepts": ["tides"]})
    out.write(f"   creativity (seed 0, DE over concept mixtures): {snap.fluency_count} ideas, "
              f"novelty {snap.novelty_score:.2f}, coherence {snap.coherence_score:.2f}\n")
    for idea in snap.ideas[:3]:
        out.write(f"     - {idea.description}\n")


def _dream(out: TextIO) -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((4, 32))
    engine = DreamEngine(config=DreamConfig(seed=0, n_replay=64, cluster_threshold=0.9))
    for i in range(2_000):
        engine.add_memory(f"m{i}", centres[i % 4] + 0.05 * rng.standard_normal(32),
                          salience=float(rng.uniform(0.1, 1.0)), timestamp=float(i),
                          tags=[f"topic{i % 4}"])
    report = engine.consolidate()
    best = report.insights[0]
    out.write(f"   dream: replayed {len(report.replayed)} of 2,000 memories, "
              f"{len(report.clusters)} clusters, {len(report.insights)} insights in "
              f"{report.duration_ms:.1f} ms; best blends {sorted(best.tags)} "
              f"(novelty {best.novelty:.2f})\n")


def run(out: TextIO) -> None:
    """Write the consciousness tour to ``out``.

    Parameters
    ----------
    out : text stream
        Destination.
    """
    asyncio.run(_registry(out))
    asyncio.run(_guardian(out))
    _awareness(out)
    asyncio.run(_creativity(out))
    _dream(out)
