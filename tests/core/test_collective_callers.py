"""The later-LUKHAS-caller names of ``core.collective`` against slow oracles.

``clusters.consciousness_clusters.ConsciousnessClusteringEngine`` (k-means on the
exact index), ``routing.altruistic_router.AltruisticAdRouter`` (maximum-welfare
assignment), ``collective_ad_mind.CollectiveAdMind`` (influence-weighted Schulze)
and ``swarm.swarm_recommendations.SwarmRecommendationSystem`` (pheromone trails).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.collective.clusters.consciousness_clusters import ConsciousnessClusteringEngine
from core.collective.collective_ad_mind import CollectiveAdMind
from core.collective.routing.altruistic_router import AltruisticAdRouter, max_welfare_assignment
from core.collective.swarm.swarm_recommendations import SwarmRecommendationSystem
from reference.callers_ref import (
    RefPheromones,
    ref_degroot_limit,
    ref_lloyd,
    ref_max_welfare,
)
from reference.evolve_ref import ref_schulze_winners

# -- clustering ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 5), st.integers(8, 40), st.integers(1, 6))
def test_lloyd_rounds_match_the_loop_reference(seed: int, k: int, n: int, dim: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n, dim)) + rng.integers(0, 4, size=(n, 1)) * 3.0
    engine = ConsciousnessClusteringEngine(k, max_iter=50)
    start = engine.seed_centroids(points, np.random.default_rng(seed))
    labels, _, inertia, _, _ = engine.lloyd(points, start)
    ref_labels, ref_inertia = ref_lloyd(points, start, 50)
    assert labels.tolist() == ref_labels
    assert inertia == pytest.approx(ref_inertia, rel=1e-9, abs=1e-9)


def test_fit_keeps_the_best_run_and_finds_separated_groups() -> None:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    points = np.concatenate([c + rng.normal(scale=0.5, size=(30, 2)) for c in centres])
    res = ConsciousnessClusteringEngine(4, n_init=6, seed=1).fit(points)
    truth = np.repeat(np.arange(4), 30)
    # The partition equals the generating one up to relabelling.
    assert len({(int(a), int(b)) for a, b in zip(res.labels, truth, strict=True)}) == 4
    assert res.converged and res.sizes.tolist() == [30, 30, 30, 30]
    direct = sum(float(((points[res.labels == j] - c) ** 2).sum())
                 for j, c in enumerate(res.centroids))  # fmt: skip
    assert res.inertia == pytest.approx(direct)
    # n_init=6 draws the same seeds as six n_init=1 runs of one generator would: it keeps
    # the best of them, so it is no worse than any single fresh run of that generator.
    single = ConsciousnessClusteringEngine(4, n_init=1, seed=1).fit(points).inertia
    assert res.inertia <= single + 1e-9


def test_kmeanspp_never_seeds_a_duplicate_while_distinct_points_remain() -> None:
    points = np.array([[0.0, 0.0]] * 20 + [[5.0, 5.0]] + [[9.0, 0.0]])
    engine = ConsciousnessClusteringEngine(3)
    for seed in range(25):
        seeds = engine.seed_centroids(points, np.random.default_rng(seed))
        assert len({tuple(row) for row in seeds.tolist()}) == 3


def test_an_empty_cluster_is_refilled_from_the_farthest_point() -> None:
    points = np.array([[0.0], [1.0], [10.0], [11.0]])
    engine = ConsciousnessClusteringEngine(2, max_iter=10)
    labels, centroids, inertia, _, _ = engine.lloyd(points, np.array([[5.0], [100.0]]))
    assert sorted(centroids.ravel().tolist()) == [0.5, 10.5]
    assert inertia == pytest.approx(1.0)
    assert labels.tolist() in ([0, 0, 1, 1], [1, 1, 0, 0])


def test_agents_predict_and_errors() -> None:
    engine = ConsciousnessClusteringEngine(2, seed=0)
    with pytest.raises(RuntimeError, match="fit"):
        engine.predict([[0.0, 0.0]])
    res = engine.cluster_agents({"a": [0, 0], "b": [0, 1], "c": [9, 9], "d": [9, 8]})
    assert sorted(sorted(m) for m in res.members.values()) == [["a", "b"], ["c", "d"]]
    assert engine.predict([[8.0, 9.0], [0.0, 0.5]]).tolist() == [
        int(res.labels[2]), int(res.labels[0])]  # fmt: skip
    with pytest.raises(ValueError, match="at least n_clusters"):
        ConsciousnessClusteringEngine(5).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"finite|NaN"):
        engine.fit([[0.0, np.nan], [1.0, 1.0]])
    with pytest.raises(ValueError, match="columns"):
        engine.predict([[1.0, 2.0, 3.0]])


# -- routing ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 5).flatmap(lambda n: st.integers(1, 3).flatmap(lambda m: st.tuples(
        st.lists(st.lists(st.integers(-4, 9), min_size=m, max_size=m), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=m, max_size=m),
    ))),
    st.sampled_from([0.0, 2.0]),
)  # fmt: skip
def test_assignment_welfare_is_the_enumerated_maximum(
    case: tuple[list[list[int]], list[int]], floor: float
) -> None:
    rows, capacity = case
    aff = np.array(rows, dtype=np.float64).reshape(len(rows), len(capacity))
    agents, welfare = max_welfare_assignment(aff, capacity, floor)
    assert welfare == pytest.approx(ref_max_welfare(aff, capacity, floor))
    used = agents[agents >= 0]
    assert (np.bincount(used, minlength=len(capacity)) <= capacity).all()
    assert all(aff[i, j] >= max(floor, 0.0) for i, j in enumerate(agents.tolist()) if j >= 0)
    assert welfare == pytest.approx(sum(aff[i, j] for i, j in enumerate(agents) if j >= 0))


def test_the_router_beats_selfish_routing_and_tracks_capacity() -> None:
    router = AltruisticAdRouter({"a": 1, "b": 2})
    requests = {
        "r1": {"a": 10, "b": 9},
        "r2": {"a": 10, "b": 1},
        "r3": {"b": 3},
    }
    plan = router.route(requests)
    assert plan.assignment == {"r1": "b", "r2": "a", "r3": "b"}
    assert (plan.welfare, plan.selfish_welfare) == (22.0, 14.0)  # selfish: r1 takes a
    assert plan.altruism_gain == 8.0 and plan.load == {"a": 1, "b": 2}
    assert router.available() == {"a": 0, "b": 0}
    full = router.route({"r4": {"a": 5}})
    assert full.assignment == {"r4": None} and full.welfare == 0.0
    router.release("a")
    assert router.route({"r5": {"a": 5}}).assignment == {"r5": "a"}
    with pytest.raises(KeyError, match="unknown agent"):
        router.route({"r6": {"zzz": 1.0}})
    with pytest.raises(ValueError):
        router.release("b", 3)


# -- collective decision ---------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 5), st.integers(1, 5))
def test_decision_is_weighted_schulze_and_the_degroot_limit(seed: int, n: int, c: int) -> None:
    rng = np.random.default_rng(seed)
    trust = rng.random((n, n)) + 0.05  # strongly connected and aperiodic
    trust /= trust.sum(axis=1, keepdims=True)
    scores = rng.integers(0, 5, size=(n, c)).astype(np.float64)  # ties happen
    mind = CollectiveAdMind([f"agent{i}" for i in range(n)], trust)
    decision = mind.decide(scores, [f"ad{j}" for j in range(c)])
    limit = ref_degroot_limit(trust, scores)
    assert [decision.consensus[f"ad{j}"] for j in range(c)] == pytest.approx(limit.tolist())
    ballots = [sorted(range(c), key=lambda j, row=row: (-row[j], j)) for row in scores]
    weights = [mind.influence[f"agent{i}"] for i in range(n)]
    winners = ref_schulze_winners(ballots, weights)
    assert decision.vote.winners == winners
    expected = None if len(winners) > 1 else f"ad{winners[0]}"
    assert decision.winner == expected
    assert decision.slate(1) == decision.ranking[:1]


def test_an_influential_agent_outweighs_a_larger_group() -> None:
    trust = [[1.0, 0.0, 0.0], [0.6, 0.4, 0.0], [0.6, 0.0, 0.4]]
    mind = CollectiveAdMind(["hub", "x", "y"], trust)
    assert mind.influence["hub"] == pytest.approx(1.0)
    decision = mind.decide({"hub": [1, 0], "x": [0, 1], "y": [0, 1]}, ["p", "q"])
    assert decision.winner == "p"
    uniform = CollectiveAdMind(["hub", "x", "y"]).decide([[1, 0], [0, 1], [0, 1]], ["p", "q"])
    assert uniform.winner == "q"
    with pytest.raises(ValueError, match="exactly the agents"):
        mind.decide({"hub": [1, 0]})
    with pytest.raises(TypeError, match="distinct"):
        CollectiveAdMind(["a", "a"])


# -- swarm recommendations -------------------------------------------------------------------

ITEMS = ["a", "b", "c", "d", "e"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("obs"), st.lists(st.sampled_from(ITEMS), min_size=1, max_size=5),
                      st.sampled_from([0.0, 0.5, 1.0, 2.0])),
            st.tuples(st.just("evap"), st.integers(1, 3), st.just(0.0)),
        ),
        max_size=30,
    ),
    st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3),
    st.sampled_from([0.0, 0.3, 0.9]),
)  # fmt: skip
def test_lazy_evaporation_matches_the_eager_trails(
    script: list[tuple[str, object, float]], history: list[str], rho: float
) -> None:
    swarm = SwarmRecommendationSystem(rho, 1.5, recency=0.5, min_pheromone=0.0)
    ref = RefPheromones(rho, 1.5, 0.5)
    for op, arg, reward in script:
        if op == "obs":
            assert isinstance(arg, list)
            swarm.observe(arg, reward)
            ref.observe(arg, reward)
        else:
            assert isinstance(arg, int)
            swarm.evaporate(arg)
            for _ in range(arg):
                ref.evaporate()
    for a in ITEMS:
        for b in ITEMS:
            assert swarm.pheromone(a, b) == pytest.approx(ref.tau.get((a, b), 0.0), abs=1e-12)
    expected = ref.scores(history)
    got = swarm.recommend(history, k=len(ITEMS))
    assert {b: s for b, s in got} == pytest.approx(expected)
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)
    for (b1, s1), (b2, s2) in itertools.pairwise(got):
        if s1 == s2:
            assert ref.order.index(b1) < ref.order.index(b2)


def test_faded_trails_are_forgotten_and_input_is_checked() -> None:
    swarm = SwarmRecommendationSystem(0.5, min_pheromone=0.1)
    swarm.observe(["x", "y"])
    swarm.evaporate(3)  # 0.125 left
    assert swarm.recommend("x") == [("y", 0.125)]
    swarm.evaporate(61)  # crosses a pruning round: the trail is dropped
    assert swarm.recommend("x") == [] and swarm.pheromone("x", "y") == 0.0
    assert "trails=0" in repr(swarm)
    with pytest.raises(TypeError, match="sequence"):
        swarm.observe("xy")
    with pytest.raises(ValueError, match="reward"):
        swarm.observe(["x", "y"], reward=-1.0)
