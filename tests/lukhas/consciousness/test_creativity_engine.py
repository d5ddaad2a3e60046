"""lukhas.consciousness.creativity_engine: the contract's call shapes and R1-R3."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import Any

import pytest

from lukhas.consciousness.creativity_engine import CreativityEngine


class ImaginationMode(enum.Enum):  # how LUKHAS spells its modes
    DIVERGENT = "divergent"
    COMBINATORIAL = "combinatorial"


@dataclass
class Task:  # a LUKHAS-shaped task (duck-typed, not our CreativeTask)
    prompt: str
    imagination_mode: ImaginationMode
    constraints: list[str] = field(default_factory=list)
    min_ideas: int = 3


@dataclass
class State:
    level: float = 0.7
    awareness_level: float = 0.6


def _gen(engine: CreativityEngine, task: Any) -> Any:
    return asyncio.run(engine.generate_ideas(task, State(), {"domain": "urban ecology"}))


@pytest.mark.parametrize("mode", list(ImaginationMode))
def test_r1_snapshot_fields(mode: ImaginationMode) -> None:
    engine = CreativityEngine(config={"seed": 0}, guardian_validator=None)
    engine.guardian_validator = lambda idea: True
    task = Task("bridges that grow like coral reefs", mode, ["avoid concrete", "low cost"], 3)
    snap = _gen(engine, task)
    assert isinstance(snap.ideas, list) and snap.fluency_count == len(snap.ideas)
    assert snap.generation_time_ms > 0 and snap.process_efficiency >= 0
    assert 0.0 <= snap.memory_pressure_score <= 1.0
    assert snap.flow_state in {"blocked", "warming", "flowing", "peak", "cooling"}
    assert snap.imagination_mode == mode and snap.creative_constraints == task.constraints
    assert snap.inspiration_sources
    for name in ["novelty_score", "coherence_score", "divergence_breadth",
                 "convergence_efficiency", "associations", "transformations",
                 "synthesis_quality", "guardian_approvals", "validation_checks"]:
        assert isinstance(getattr(snap, name), (int, float)), name
    assert snap.guardian_approvals == snap.validation_checks == snap.fluency_count
    assert 0 < snap.novelty_score <= 1 and 0 < snap.coherence_score <= 1


@pytest.mark.parametrize("min_ideas", [1, 7, 12])
def test_r2_at_least_min_ideas(min_ideas: int) -> None:
    engine = CreativityEngine(config={"seed": 1})
    snap = _gen(engine, Task("quiet trains", ImaginationMode.DIVERGENT, [], min_ideas))
    assert len(snap.ideas) >= min_ideas


def test_r3_reset_state() -> None:
    engine = CreativityEngine(config={"seed": 2})
    _gen(engine, Task("lanterns for the deep sea", ImaginationMode.DIVERGENT))
    stats = engine.get_performance_stats()
    assert stats["cycles_completed"] == 1 and stats["creative_energy"] > 0
    asyncio.run(engine.reset_state())
    stats = engine.get_performance_stats()
    assert stats["cycles_completed"] == 0 and stats["creative_energy"] == 0.0
    assert stats["memory_size"] == 0
