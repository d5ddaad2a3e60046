"""Dreams: determinism, replay by salience and recency, clusters against a reference,
recombination and novelty as defined, memory sources, idle dreaming; parallel realities
against exact path probabilities; the LUKHAS paths; bad input."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from lukhas.domain.consciousness.dream import (
    CausalModel,
    DreamConfig,
    DreamEngine,
    ParallelRealitySimulator,
    RealityBranch,
    RealityType,
)
from reference.dream_ref import ref_clusters


def planted(k: int = 5, per: int = 12, dim: int = 32, seed: int = 0) -> DreamEngine:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim))
    engine = DreamEngine(config=DreamConfig(seed=7, n_replay=k * per, cluster_threshold=0.9,
                                            neighbours=per + 4))
    for i in range(k * per):
        c = i % k
        engine.add_memory(f"m{i:03d}", centres[c] + 0.05 * rng.standard_normal(dim),
                          salience=0.2 + 0.1 * c, timestamp=float(i), tags=[f"t{c}"])
    return engine


def test_same_seed_same_dream_other_seed_other_replay() -> None:
    a = planted().consolidate(seed=1)
    b = planted().consolidate(seed=1)
    assert a.replayed == b.replayed and a.clusters == b.clusters
    assert [x.insight_id for x in a.insights] == [x.insight_id for x in b.insights]
    assert all(np.array_equal(x.vector, y.vector) for x, y in zip(a.insights, b.insights,
                                                                    strict=True))
    small = DreamConfig(seed=1, n_replay=10)
    one = planted()
    one.config = small
    two = planted()
    two.config = DreamConfig(seed=2, n_replay=10)
    assert one.consolidate().replayed != two.consolidate().replayed


def test_clusters_equal_the_reference_and_insights_follow_the_definition() -> None:
    engine = planted()
    report = engine.consolidate(now=60.0)
    vectors = np.stack(engine._vec_list)
    expected = ref_clusters(vectors, 0.9)
    got = [{engine._index_of[m] for m in c} for c in report.clusters]
    assert sorted(map(sorted, got)) == sorted(map(sorted, expected))
    assert len(report.clusters) == 5
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for ins in report.insights:
        a, b = (report.clusters[i] for i in ins.clusters)
        ca = units[[engine._index_of[m] for m in a]].mean(axis=0)
        cb = units[[engine._index_of[m] for m in b]].mean(axis=0)
        v = (1 - ins.mix) * ca + ins.mix * cb
        np.testing.assert_allclose(ins.vector, v / np.linalg.norm(v), atol=1e-12)
        assert 0.3 <= ins.mix <= 0.7
        assert set(ins.sources) == set(a) | set(b)
        assert ins.tags == {engine._meta[engine._index_of[a[0]]][0] | engine._meta[
            engine._index_of[b[0]]][0]}.pop()
        assert ins.novelty == pytest.approx(1 - float((units @ ins.vector).max()), abs=1e-9)
        assert ins.novelty > 0.05  # a blend of two topics is no stored memory
    assert report.breakthroughs == sum(i.breakthrough for i in report.insights)
    assert [i.score for i in report.insights] == sorted((i.score for i in report.insights),
                                                        reverse=True)


def test_replay_favours_salient_and_recent_memories() -> None:
    engine = DreamEngine(config=DreamConfig(n_replay=1, recency_tau=10.0))
    rng = np.random.default_rng(1)
    # priorities: salience * exp(-age / tau) = 0.8, 0.4, 0.8 * e^-1 (older), 0.1
    for mid, sal, t in [("a", 0.8, 20.0), ("b", 0.4, 20.0), ("c", 0.8, 10.0), ("d", 0.1, 20.0)]:
        engine.add_memory(mid, rng.standard_normal(8), salience=sal, timestamp=t)
    picks = [engine.consolidate(now=20.0, seed=s).replayed[0] for s in range(3000)]
    prio = np.array([0.8, 0.4, 0.8 * np.exp(-1), 0.1])
    share = prio / prio.sum()
    freq = np.array([picks.count(m) for m in "abcd"]) / len(picks)
    assert np.all(np.abs(freq - share) < 4 * np.sqrt(share * (1 - share) / len(picks)))


@dataclass
class Item:  # shaped like memory.core's MemoryItem
    id: str
    content: Any
    importance: float
    created_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


def test_memory_sources_and_idle_dreaming() -> None:
    rng = np.random.default_rng(2)
    items = [Item(f"i{k}", "text", 0.5, datetime(2026, 1, 1, tzinfo=UTC),
                  {"embedding": rng.standard_normal(8).tolist()}) for k in range(6)]

    class Source:
        async def dream_records(self) -> list[Item]:
            return items

    class Bio:
        resting = False

        def is_resting(self) -> bool:
            return self.resting

    bio = Bio()
    engine = DreamEngine(memory_manager=Source(), bio_core=bio, config={"seed": 0})

    async def main() -> None:
        assert await engine.initialize() is True and len(engine) == 6
        assert await engine.dream_when_idle(lambda: True) is None  # bio core awake
        bio.resting = True
        assert await engine.dream_when_idle(lambda: False) is None
        report = await engine.dream_when_idle(lambda: True)
        assert report is not None and len(report.replayed) == 6

    asyncio.run(main())
    listed = DreamEngine(memory_manager=[{"id": "x", "vector": [1.0, 0.0], "salience": 0.9}])
    asyncio.run(listed.initialize())
    assert len(listed) == 1


def test_parallel_realities_converge_to_the_exact_probabilities() -> None:
    model = CausalModel(
        {"now": [("rest", 0.5), ("work", 0.3), ("leave", 0.2)],
         "rest": [("dream", 0.6), ("now", 0.4)], "work": [("ship", 0.7), ("fail", 0.3)]},
        ethics={"leave": 0.3, "fail": 0.6}, values={"ship": 5.0, "dream": 1.0})
    sim = ParallelRealitySimulator(model, seed=11)
    n = 20_000
    branches = sim.simulate("now", n_samples=n, depth=3)
    exact = model.exact("now", 3)
    assert sum(b.probability for b in branches) == pytest.approx(1.0, abs=1e-12)
    assert sum(b.samples for b in branches) == n
    for b in branches:
        p = exact[tuple(b.causal_chain)]
        assert abs(b.probability - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-9
    main = branches[0]
    assert main.causal_chain == ("now", "rest", "dream") and main.divergence_point is None
    assert main.reality_type is RealityType.PREDICTIVE
    by_chain = {tuple(b.causal_chain): b for b in branches}
    assert by_chain[("now", "work", "ship")].divergence_point == 1
    assert by_chain[("now", "work", "ship")].reality_type is RealityType.OPTIMISTIC
    assert by_chain[("now", "leave")].reality_type is RealityType.ETHICAL
    assert by_chain[("now", "leave")].ethical_score == pytest.approx(0.3)
    assert by_chain[("now", "rest", "now", "rest")].reality_type is RealityType.TEMPORAL
    again = ParallelRealitySimulator(model, seed=11).simulate("now", n_samples=n, depth=3)
    assert [(b.causal_chain, b.samples) for b in again] == [
        (b.causal_chain, b.samples) for b in branches]
    judged = ParallelRealitySimulator(model, seed=1, guardian=lambda chain: 1 / len(chain))
    assert all(b.ethical_score == 1 / len(b.causal_chain)
               for b in judged.simulate("now", n_samples=50, depth=2))


def test_lukhas_paths_and_call_shapes() -> None:
    from consciousness.dream.core.dream_engine import DreamEngine as Core
    from consciousness.dream.engine.dream_engine import DreamEngine as Engine
    from consciousness.dream.parallel_reality_simulator import RealityBranch as Branch
    from consciousness.dream.parallel_reality_simulator import RealityType as Kind

    assert Core is Engine is DreamEngine and Branch is RealityBranch and Kind is RealityType
    assert {"CAUSAL", "QUANTUM", "ETHICAL", "TEMPORAL", "CREATIVE", "OPTIMISTIC",
            "PREDICTIVE"} <= set(RealityType.__members__)
    branch = RealityBranch(branch_id="b", probability=0.25, reality_type=RealityType.QUANTUM,
                           timestamp=datetime.now(UTC), ethical_score=0.9,
                           causal_chain=["a", "b"], divergence_point=1)
    assert branch.probability == 0.25 and branch.divergence_point == 1
    assert asyncio.run(Core().initialize()) is True
    engine = Core(memory_manager=None, bio_core=None, config={"n_replay": 4})
    assert asyncio.run(engine.initialize()) is True


def test_bad_input() -> None:
    engine = DreamEngine()
    with pytest.raises(ValueError, match="no memories to dream about"):
        engine.consolidate()
    engine.add_memory("a", [1.0, 2.0])
    with pytest.raises(ValueError, match="`vector` must have length 2"):
        engine.add_memory("b", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="`vector`"):
        engine.add_memory("c", [np.nan, 1.0])
    with pytest.raises(ValueError, match="`salience` must be"):
        engine.add_memory("d", [1.0, 0.0], salience=2.0)
    with pytest.raises(ValueError, match="`n_replay` must be"):
        DreamConfig(n_replay=0)
    with pytest.raises(ValueError, match=r"probabilities must sum to 1"):
        CausalModel({"a": [("b", 0.5), ("c", 0.4)]})
    sim = ParallelRealitySimulator(CausalModel({"a": [("b", 1.0)]}))
    with pytest.raises(ValueError, match="`root` must be an event"):
        sim.simulate("zzz")
    with pytest.raises(TypeError, match="`model` must be a CausalModel"):
        ParallelRealitySimulator({"a": []})  # type: ignore[arg-type]


def test_dream_replays_memory_core_items() -> None:
    # The real memory.core items (not a look-alike): embeddings in metadata, importance as
    # salience, created_at as the time; the report names their ids.
    from memory.core import MemoryItem

    rng = np.random.default_rng(5)
    items = [MemoryItem(f"m{k}", {"note": k}, frozenset({"lab"}),
                        importance=0.2 + 0.1 * k,
                        metadata={"embedding": rng.standard_normal(8).tolist()})
             for k in range(6)]
    engine = DreamEngine(memory_manager=items, config={"seed": 3})
    asyncio.run(engine.initialize())
    assert len(engine) == 6
    report = engine.consolidate(seed=3)
    assert set(report.replayed) <= {f"m{k}" for k in range(6)} and report.replayed
    again = DreamEngine(memory_manager=items, config={"seed": 3})
    asyncio.run(again.initialize())
    assert again.consolidate(seed=3).replayed == report.replayed
