"""memory.core: items and folds, embeddings, clustering, causal graph, hybrid memory, meta core."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from candidate.memory.backends import HNSWIndex
from memory.core import (
    CausalGraph,
    FoldEngine,
    HashingEmbedder,
    HybridMemoryFold,
    MemoryBackend,
    MemoryCore,
    MemoryFold,
    MemoryFoldSystem,
    MemoryItem,
    MemoryType,
    UnifiedMemoryOrchestrator,
    cluster_near_duplicates,
    create_hybrid_memory_fold,
)
from memory.core import unified_memory_orchestrator as umo
from memory.fakes import InMemoryBackend
from reference.memory_ref import ref_threshold_clusters


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_contract_names() -> None:
    assert {"EPISODIC", "SEMANTIC", "WORKING"} <= set(umo.MemoryType.__members__)
    assert umo.MemoryType is MemoryType
    fold = HybridMemoryFold(embedding_dim=32, enable_attention=False,
                            enable_continuous_learning=False)
    assert isinstance(fold, MemoryFoldSystem)
    # The factory's fold serves the LUKHAS call surface end to end.
    made = create_hybrid_memory_fold()
    tea = run(made.fold_in_with_embedding("jasmine tea", tags=["drink"]))
    cup = run(made.fold_in_with_embedding("a cup", tags=["thing"]))
    assert [m.id for m in run(made.fold_out_by_tag("drink"))] == [tea]
    [(hit, _)] = run(made.fold_out_semantic("jasmine tea", top_k=1))
    assert hit.id == tea
    assert run(made.update_memory_importance(tea, 1.0, None)) > 0.5
    made.causal_graph.link(tea, cup, 0.5)
    assert made.causal_graph.effects(tea) == {cup: 0.5}
    assert made.get_enhanced_statistics()["total_memories"] == 2
    fresh = run(MemoryCore().query_meta_learning_history("anything"))
    assert (fresh["episodes"], fresh["best_strategy"]) == ([], None)


# -- embeddings and clustering --------------------------------------------------


def test_embedder_properties() -> None:
    emb = HashingEmbedder(128, seed=3)
    v = emb(["alpha beta", "alpha beta", "", "zzz"])
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-6)
    assert (v[0] == v[1]).all()
    assert (emb("") == emb("   ")).all()
    assert not (HashingEmbedder(128, seed=4)("alpha beta") == v[0]).all()
    with pytest.raises(TypeError, match="texts"):
        emb(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(4)


@settings(max_examples=40, deadline=None)
@given(
    vectors=arrays(np.float64, st.tuples(st.integers(1, 25), st.just(3)),
                   elements=st.sampled_from([-1.0, -0.5, 0.25, 0.5, 1.0, 2.0])),
    threshold=st.sampled_from([0.55, 0.81, 0.951, 0.9991]),  # away from exact cosines
    neighbours=st.integers(1, 4),
)
def test_clusters_match_all_pairs(vectors: np.ndarray, threshold: float,
                                  neighbours: int) -> None:
    vectors = vectors[np.linalg.norm(vectors, axis=1) > 0]
    if vectors.shape[0] == 0:
        return
    labels = cluster_near_duplicates(vectors, threshold, neighbours=neighbours)
    want = ref_threshold_clusters(vectors, threshold)
    # Same partition, same labels (numbered by first row).
    assert labels.tolist() == want


def test_cluster_edge_cases() -> None:
    assert cluster_near_duplicates(np.empty((0, 4))).tolist() == []
    with pytest.raises(ValueError, match="zero"):
        cluster_near_duplicates(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="threshold"):
        cluster_near_duplicates(np.eye(2), threshold=2.0)
    with pytest.raises(ValueError, match="dimension"):
        cluster_near_duplicates(np.ones(3))


def test_fold_engine() -> None:
    items = [MemoryItem(f"m{i}", text, frozenset(tags)) for i, (text, tags) in enumerate([
        ("the meeting moved to friday", {"work"}),
        ("The meeting moved to Friday!", {"work", "calendar"}),
        ("buy oat milk", {"shopping"}),
    ])]
    folds = FoldEngine(threshold=0.9).fold_by_similarity(items)
    assert [f.item_ids() for f in folds] == [["m0", "m1"], ["m2"]]
    assert folds[0].tags == {"work", "calendar"}
    by_tag = {next(iter(f.tags)): f.item_ids() for f in FoldEngine.fold_by_tag(items)}
    assert by_tag == {"work": ["m0", "m1"], "calendar": ["m1"], "shopping": ["m2"]}
    assert FoldEngine().fold_by_similarity([]) == []


# -- causal graph ---------------------------------------------------------------


def test_causal_graph() -> None:
    g = CausalGraph()
    g.link("a", "b")
    g.link("b", "c", 0.5)
    g.link("a", "c")
    assert len(g) == 3 and g.causes("c") == {"b": 0.5, "a": 1.0}
    assert g.descendants("a") == ["b", "c"] and g.ancestors("c", max_depth=1) == ["b", "a"]
    with pytest.raises(ValueError, match="cycle"):
        g.link("c", "a")
    with pytest.raises(ValueError, match="itself"):
        g.link("a", "a")
    with pytest.raises(ValueError, match="strength"):
        g.link("x", "y", 0.0)
    with pytest.raises(TypeError, match="cause"):
        g.link(1, "y")  # type: ignore[arg-type]
    g.unlink_node("b")
    assert len(g) == 1 and "b" not in g and g.effects("a") == {"c": 1.0}


# -- hybrid memory --------------------------------------------------------------


def _filled(mem: HybridMemoryFold) -> dict[str, str]:
    texts = {
        "tea": "green tea with jasmine flowers",
        "coffee": "black coffee without sugar",
        "rain": "heavy rain in the afternoon",
        "umbrella": "take the umbrella when it rains",
    }
    return {name: run(mem.fold_in_with_embedding(name, tags=["daily", name],
                                                 text_content=text))
            for name, text in texts.items()}


def test_fold_in_and_out() -> None:
    mem = create_hybrid_memory_fold(embedding_dim=128)
    ids = _filled(mem)
    hits = run(mem.fold_out_semantic("jasmine tea", top_k=2, use_attention=False))
    assert hits[0][0].content == "tea" and hits[0][1] > hits[1][1]
    assert hits[0][0].access_count == 1
    tagged = run(mem.fold_out_by_tag("rain"))
    assert [m.id for m in tagged] == [ids["rain"]]
    assert run(mem.fold_out_by_tag("nothing")) == []
    stats = mem.get_enhanced_statistics()
    assert stats["total_memories"] == stats["vectors_indexed"] == 4
    assert stats["total_tags"] == 5 and stats["memory_types"] == {"semantic": 4}
    assert stats["backend"] == "FlatIndex"
    extra = run(mem.fold_in_with_embedding(data="photo", tags=["img"], text_content="a cat",
                                           memory_type="episodic", image_content=b"\x89PNG"))
    assert mem.get(extra).metadata == {"image_content": b"\x89PNG"}
    assert mem.get(extra).memory_type is MemoryType.EPISODIC


def test_attention_prefers_important_memories() -> None:
    mem = HybridMemoryFold(embedding_dim=64, attention_temperature=1.0)
    a = run(mem.fold_in_with_embedding("a", embedding=np.r_[1.0, 0.05, np.zeros(62)],
                                       importance=0.1))
    b = run(mem.fold_in_with_embedding("b", embedding=np.r_[1.0, -0.05, np.zeros(62)],
                                       importance=1.0))
    query = np.r_[1.0, 0.06, np.zeros(62)]
    plain = run(mem.fold_out_semantic(query, top_k=2, use_attention=False))
    attended = run(mem.fold_out_semantic(query, top_k=2, use_attention=True))
    assert [m.id for m, _ in plain] == [a, b]
    assert [m.id for m, _ in attended] == [b, a]
    assert sum(w for _, w in attended) == pytest.approx(1.0)


def test_importance_feedback() -> None:
    mem = HybridMemoryFold(embedding_dim=32, learning_rate=0.5)
    mid = run(mem.fold_in_with_embedding("x"))
    assert run(mem.update_memory_importance(mid, 1.0, None)) == pytest.approx(0.75)
    assert run(mem.update_memory_importance(mid, -1.0, {"weight": 2.0})) == pytest.approx(0.0)
    for _ in range(50):
        value = run(mem.update_memory_importance(mid, 1.0, {}))
    assert 0.99 < value <= 1.0
    frozen = HybridMemoryFold(embedding_dim=32, enable_continuous_learning=False)
    fid = run(frozen.fold_in_with_embedding("y", importance=0.3))
    assert run(frozen.update_memory_importance(fid, 1.0, None)) == 0.3
    with pytest.raises(ValueError, match="feedback"):
        run(mem.update_memory_importance(mid, 2.0, None))
    with pytest.raises(KeyError):
        run(mem.update_memory_importance("nope", 0.5, None))


def test_causes_and_removal() -> None:
    mem = HybridMemoryFold(embedding_dim=32)
    root = run(mem.fold_in_with_embedding("cause"))
    child = run(mem.fold_in_with_embedding("effect", causes=[root]))
    assert mem.causal_graph.causes(child) == {root: 1.0}
    with pytest.raises(KeyError, match="causes"):
        run(mem.fold_in_with_embedding("orphan", causes=["missing"]))
    assert len(mem) == 2
    mem.remove(root)
    assert len(mem) == 1 and len(mem.backend) == 1 and len(mem.causal_graph) == 0
    assert [m.id for m, _ in mem.search("cause", top_k=3)] == [child]


def test_bad_input_changes_nothing() -> None:
    mem = HybridMemoryFold(embedding_dim=16)
    with pytest.raises(ValueError, match="16 values"):
        run(mem.fold_in_with_embedding("x", embedding=np.ones(3)))
    with pytest.raises(ValueError, match="finite"):
        run(mem.fold_in_with_embedding("x", embedding=np.full(16, np.nan)))
    with pytest.raises(TypeError, match="memory_type"):
        run(mem.fold_in_with_embedding("x", memory_type=3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="memory_type"):
        run(mem.fold_in_with_embedding("x", memory_type="dreamy"))
    with pytest.raises(ValueError, match="importance"):
        run(mem.fold_in_with_embedding("x", importance=1.5))
    with pytest.raises(TypeError, match="tags"):
        run(mem.fold_in_with_embedding("x", tags=[1]))  # type: ignore[list-item]
    assert len(mem) == 0 and len(mem.backend) == 0
    with pytest.raises(ValueError, match="must be empty"):
        HybridMemoryFold(embedding_dim=16, backend=InMemoryBackend(8))
    with pytest.raises(TypeError, match="MemoryBackend"):
        HybridMemoryFold(embedding_dim=16, backend=object())  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["fake", "hnsw"])
def test_other_backends_plug_in(backend: str) -> None:
    store: MemoryBackend = (InMemoryBackend(64, "cosine") if backend == "fake"
                            else HNSWIndex(64, "cosine", seed=0))
    mem = HybridMemoryFold(embedding_dim=64, backend=store)
    _filled(mem)
    hits = run(mem.fold_out_semantic("umbrella for the rain", top_k=2, use_attention=False))
    assert {m.content for m, _ in hits} == {"umbrella", "rain"}
    assert mem.get_enhanced_statistics()["backend"] == type(store).__name__


def test_fold_system_basics() -> None:
    system = MemoryFoldSystem()
    a = system.add("one", tags="x", memory_id="m-a")
    system.add("two", tags=["x", "y"])
    assert a == "m-a" and system.tags() == {"x": 2, "y": 1}
    with pytest.raises(ValueError, match="already stored"):
        system.add("again", memory_id="m-a")
    fold = system.fold("x")
    assert isinstance(fold, MemoryFold) and len(fold) == 2 and fold.tags == {"x"}
    system.remove(a)
    assert system.tags() == {"x": 1, "y": 1}
    with pytest.raises(KeyError, match="not stored"):
        system.get(a)


def test_similar_folds_of_a_memory() -> None:
    mem = HybridMemoryFold(embedding_dim=128)
    for text in ("call mom on sunday", "call mom on Sunday!", "renew the passport"):
        run(mem.fold_in_with_embedding(text))
    folds = mem.fold_similar(threshold=0.9)
    assert sorted(len(f) for f in folds) == [1, 2]


# -- orchestrator and meta core ---------------------------------------------------


def test_orchestrator_working_memory_and_consolidation() -> None:
    orch = UnifiedMemoryOrchestrator(embedding_dim=128, working_capacity=2,
                                     consolidation_threshold=0.85)
    w = [run(orch.store(f"scratch note {i}", MemoryType.WORKING)) for i in range(3)]
    assert w[0] not in orch.memory and w[2] in orch.memory
    for text in ("the keys are on the hook", "The keys are on the hook.",
                 "the keys are on the hook!", "the dog needs a walk"):
        run(orch.store(text, MemoryType.EPISODIC, tags=["home"]))
    facts = run(orch.consolidate())
    assert len(facts) == 1
    fact = orch.memory.get(facts[0])
    assert fact.memory_type is MemoryType.SEMANTIC and "keys" in fact.content
    assert len(orch.memory.causal_graph.causes(facts[0])) == 3
    assert run(orch.consolidate()) == []  # already consolidated
    found = run(orch.retrieve("where are the keys", top_k=1,
                              memory_types=[MemoryType.SEMANTIC]))
    assert [m.id for m, _ in found] == facts
    episodic = run(orch.retrieve("keys hook", top_k=3, memory_types=[MemoryType.EPISODIC]))
    assert all(m.memory_type is MemoryType.EPISODIC for m, _ in episodic)
    assert len(episodic) == 3


def test_meta_learning_core() -> None:
    core = MemoryCore(history_size=5)
    for score in (0.6, 0.62, 0.61, 0.63):
        run(core.consolidate_meta_learning({"task": "t", "strategy": "steady",
                                            "performance": score}))
    summary = run(core.consolidate_meta_learning({"task": "t", "strategy": "lucky",
                                                  "performance": 0.99}))
    assert summary["best_strategy"] == "steady"  # one lucky run is not evidence yet
    summary = run(core.consolidate_meta_learning({"task": "t", "strategy": "lucky",
                                                  "performance": 0.97}))
    assert summary["best_strategy"] == "lucky"  # two consistent high runs are
    run(core.consolidate_meta_learning({"task": "t", "strategy": "lucky",
                                        "performance": 0.1}))
    result = run(core.query_meta_learning_history("t"))
    assert result["best_strategy"] == "steady"  # erratic again
    assert result["strategies"]["steady"]["count"] == 4
    assert result["strategies"]["steady"]["mean"] == pytest.approx(0.615)
    assert len(result["episodes"]) == 5 and len(core) == 5  # bounded history
    limited = run(core.query_meta_learning_history({"task": "t", "strategy": "lucky",
                                                    "limit": 1}))
    assert [e["performance"] for e in limited["episodes"]] == [0.1]
    empty = run(core.query_meta_learning_history("unknown"))
    assert empty["best_strategy"] is None and empty["episodes"] == []
    with pytest.raises(TypeError, match="strategy"):
        run(core.consolidate_meta_learning({"performance": 1.0}))
    with pytest.raises(ValueError, match="performance"):
        run(core.consolidate_meta_learning({"strategy": "s", "performance": float("nan")}))
    with pytest.raises(TypeError, match="query"):
        run(core.query_meta_learning_history(3))  # type: ignore[arg-type]
