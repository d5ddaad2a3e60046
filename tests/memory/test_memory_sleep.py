"""``memory.core`` later-caller names: Memory, WorkingMemory, ConsolidationResult, SleepStage."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memory.core import (
    ConsolidationResult,
    Memory,
    MemoryItem,
    MemoryType,
    UnifiedMemoryOrchestrator,
    WorkingMemory,
)
from memory.core.unified_memory_orchestrator import SleepStage
from reference.callers_ref import ref_activation, ref_similar_pairs, ref_working_memory
from reference.memory_ref import ref_threshold_clusters


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- working memory --------------------------------------------------------------------------

KEYS = st.sampled_from(list("abcdefg"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["add", "add", "access"]), KEYS), max_size=60),
    st.integers(1, 4),
    st.sampled_from([0.3, 0.5, 1.0]),
    st.integers(1, 4),
)
def test_working_memory_forgets_what_the_activation_reference_forgets(
    ops: list[tuple[str, str]], capacity: int, decay: float, traces: int
) -> None:
    wm = WorkingMemory(capacity, decay, max_traces=traces)
    forgotten: list[object] = []
    uses: dict[object, list[int]] = {}
    for op, key in ops:
        if op == "add":
            uses.setdefault(key, []).append(wm.clock)
            gone = wm.add(key)
            forgotten += gone
            for victim in gone:
                del uses[victim]
        elif key in wm:
            uses[key].append(wm.clock)
            wm.access(key)
        else:
            with pytest.raises(KeyError):
                wm.access(key)
        assert len(wm) <= capacity
    ref_forgotten, ref_held = ref_working_memory(ops, capacity, decay, traces)
    assert forgotten == ref_forgotten
    assert list(wm) == ref_held
    for key in wm:
        expected = ref_activation(uses[key], wm.clock, decay, traces)
        assert wm.activation(key) == pytest.approx(expected)


def test_rehearsal_beats_recency() -> None:
    wm = WorkingMemory(capacity=3)
    wm.add("goal")
    for _ in range(4):
        wm.access("goal")
    for noise in ("n1", "n2", "n3", "n4"):
        wm.add(noise)
    assert "goal" in wm  # a least-recently-used buffer would have dropped it first
    assert next(k for k, _ in wm.ranked()) == "goal"
    assert wm.remove("goal") and not wm.remove("goal")


def test_orchestrator_retrieval_rehearses_working_memory() -> None:
    orch = UnifiedMemoryOrchestrator(embedding_dim=128, working_capacity=2)
    first = run(orch.store("the meeting moved to thursday", MemoryType.WORKING))
    run(orch.store("buy oat milk", MemoryType.WORKING))
    for _ in range(3):
        run(orch.retrieve("meeting thursday", top_k=1, memory_types=[MemoryType.WORKING]))
    run(orch.store("call the plumber", MemoryType.WORKING))
    assert first in orch.memory and first in orch.working


# -- sleep stages and consolidation results ---------------------------------------------------

EPISODES = [
    "the keys are on the hook", "The keys are on the hook.", "the keys are on the hook!",
    "the dog needs a walk", "the dog needs a walk now", "tax forms are due friday",
]  # fmt: skip


@pytest.mark.parametrize("threshold", [0.6, 0.8, 0.95])
def test_slow_wave_sleep_folds_exactly_the_reference_clusters(threshold: float) -> None:
    orch = UnifiedMemoryOrchestrator(embedding_dim=256, consolidation_threshold=threshold,
                                     downscale=0.25)  # fmt: skip
    ids = [run(orch.store(t, MemoryType.EPISODIC, importance=0.8)) for t in EPISODES]
    result = run(orch.sleep(SleepStage.DEEP))
    assert isinstance(result, ConsolidationResult) and result.stages == (SleepStage.N3,)
    vectors = np.asarray(orch.memory.embedder(EPISODES), dtype=np.float64)
    labels = ref_threshold_clusters(vectors, threshold)
    groups = [tuple(i for i, lab in zip(ids, labels, strict=True) if lab == g)
              for g in sorted(set(labels))]  # fmt: skip
    expected = [g for g in groups if len(g) >= 2]
    assert [set(c) for c in result.clusters] == [set(g) for g in expected]
    assert result.episodes_considered == len(EPISODES)
    assert result.episodes_consolidated == sum(len(g) for g in expected)
    assert set(result.downscaled) == {i for g in expected for i in g}
    for memory_id in ids:
        scaled = memory_id in result.downscaled
        assert orch.memory.get(memory_id).importance == pytest.approx(0.2 if scaled else 0.8)
    for fact, cluster in zip(result.facts, result.clusters, strict=True):
        assert orch.memory.get(fact).memory_type is MemoryType.SEMANTIC
        assert set(orch.memory.causal_graph.causes(fact)) == set(cluster)
    assert run(orch.sleep("n3")).facts == ()  # nothing left to consolidate


def test_rem_links_every_similar_fact_pair_once() -> None:
    facts = ["cats chase mice", "cats chase small mice", "cats hunt mice at night",
             "interest rates rose", "interest rates rose again", "bake bread at home"]  # fmt: skip
    orch = UnifiedMemoryOrchestrator(embedding_dim=256, association_threshold=0.4)
    ids = [run(orch.store(t, MemoryType.SEMANTIC)) for t in facts]
    result = run(orch.sleep(SleepStage.REM))
    vectors = np.asarray(orch.memory.embedder(facts), dtype=np.float64)
    expected = {(ids[i], ids[j]) for i, j in ref_similar_pairs(vectors, 0.4)}
    assert expected and len(expected) < 15
    assert {(a, b) for a, b, _ in result.associations} == expected
    graph = orch.memory.causal_graph
    for a, b, sim in result.associations:
        assert ids.index(a) < ids.index(b)  # older -> newer keeps the graph acyclic
        assert graph.effects(a)[b] == pytest.approx(min(sim, 1.0))
        assert a not in graph.effects(b)
    assert run(orch.sleep(SleepStage.REM)).associations == ()  # already linked


def test_a_night_replays_consolidates_and_associates() -> None:
    orch = UnifiedMemoryOrchestrator(embedding_dim=128, consolidation_threshold=0.8,
                                     association_threshold=-1.0)  # fmt: skip
    scratch = run(orch.store("the keys are on the hook", MemoryType.WORKING))
    run(orch.store("The keys are on the hook.", MemoryType.EPISODIC))
    run(orch.store("an unrelated fact", MemoryType.SEMANTIC))
    night = run(orch.sleep_cycle())
    assert night.stages == (SleepStage.N1, SleepStage.N2, SleepStage.N3, SleepStage.REM)
    assert night.replayed == (scratch,) and len(orch.working) == 0
    assert len(night.facts) == 1 and scratch in night.clusters[0]
    assert len(night.associations) == 1  # the new fact and the old one
    assert run(orch.sleep(SleepStage.WAKE)) == ConsolidationResult((SleepStage.WAKE,))
    with pytest.raises(ValueError, match="stage"):
        run(orch.sleep("nap"))


def test_lukhas_names() -> None:
    assert Memory is MemoryItem
    assert SleepStage.LIGHT is SleepStage.N2 and SleepStage.SLOW_WAVE is SleepStage.N3
    assert [s.name for s in SleepStage] == ["WAKE", "N1", "N2", "N3", "REM"]
