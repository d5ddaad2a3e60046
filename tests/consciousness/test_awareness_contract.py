"""consciousness.awareness: the LUKHAS call shapes, through the lane path."""

from __future__ import annotations

import asyncio

from consciousness.awareness.awareness_engine import AwarenessEngine
from consciousness.awareness.system_awareness import SystemAwareness
from lukhas.domain.consciousness import awareness


def test_lane_paths_are_the_home_modules() -> None:
    import consciousness.awareness

    assert consciousness.awareness is awareness
    assert AwarenessEngine is awareness.AwarenessEngine


def test_call_shapes() -> None:
    async def main() -> None:
        engine = AwarenessEngine()
        await engine.initialize()
        report = await engine.analyze_current_state()
        assert report["state"] in ("calm", "attentive", "alert", "overloaded")
        assert set(report["salience"]) == {"cpu", "memory"}
        state = await SystemAwareness().get_current_state()
        assert 0.0 <= state["cpu_percent"] <= 100.0 * (state["samples"] + 1)
        assert state["health"] in ("healthy", "strained", "critical")

    asyncio.run(main())
