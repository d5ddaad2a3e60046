"""Consciousness domain: the registry's activation order and activation run, beside baselines.

Group ``registry-order-<family>`` (10k components; every result is checked to be a
valid topological order, and the priority-aware ones to equal ours):
- ``ours``: ``activation_order`` (Kahn's algorithm on a ``(priority, id)`` heap);
- ``graphlib-static``: ``graphlib.TopologicalSorter.static_order`` (no priorities:
  the floor of any topological sort in the standard library);
- ``graphlib-heap``: ``TopologicalSorter.get_ready``/``done`` with a heap of the
  ready ones (the obvious way to get the same priority-aware order);
- ``registry``: registering the 10k components and reading ``_activation_order``.

Families: ``layered`` (each component depends on up to 3 earlier ones),
``chain`` (one long chain, priorities against it: the deepest graph) and
``wide`` (no dependencies: a pure priority sort).

Group ``registry-activate``: ``activate_all`` over 1k no-op components (import of a
loaded module, a sync hook and a health check each), cost per component.

Group ``guardian-validate`` (2,000 state transitions of one session through one event loop;
approvals counted inside):
- ``ours``: ``ConsciousnessGuardianIntegration.validate_state_transition`` (features, drift
  EMA, constitutional rules, audit trail, latency ring, under a ``wait_for`` budget);
- ``floor``: the same loop awaiting a coroutine that only compares two dicts (what any
  async validator costs before doing anything).

Group ``creativity-ideas`` (5 ideas for one task of 10 concepts, same evaluation budget):
- ``ours-de`` / ``ours-ga``: ``CreativityEngine.generate_ideas`` (one seeded DE or GA
  search per idea, vectorised objective, sequential niching, idea memory);
- ``random-search``: the same number of random concept mixtures scored once, then
  5 picked greedily under the engine's objective (score minus squared similarity to
  those already picked: the same sequential niching, every pick from the whole batch).
  Inside each bench the mean idea score is checked; ours must beat random search.

Group ``reflection-per-state`` (1,000 states of a drifting trajectory, one event loop):
- ``ours``: ``ReflectionEngine.reflect`` (coherence over a 10-state window, drift EMA,
  ADWIN change points, anomalies and recommendations, latency statistics);
- ``ema-only``: the same loop computing only the L2 delta and the drift EMA in
  plain Python (the least a drift monitor does).

Group ``awareness-per-event`` (100,000 bus events at 4,096 per simulated second, so
about 24 rate observations with salience, attention and state updates):
- ``ours``: ``KernelBus.publish`` -> ``AwarenessEngine.record_event`` (attach_bus);
- ``counter``: the same bus delivering to a handler that only counts (the floor).
Group ``awareness-observe``: 10,000 ``observe`` calls over 3 signals (each a full
salience/attention/hysteresis update) beside a plain-Python EWMA per value.

Group ``resilience-checkpoint`` (a state of 1 MB of float64 arrays plus 1,000 small
fields, on disk): ``ours`` is ``CheckpointStore.save`` (canonical JSON, SHA-256, zlib,
one WAL transaction with ``synchronous=FULL``); ``pickle-rename`` is the obvious atomic
file write (pickle to a temporary file, fsync, ``os.replace``). Group
``resilience-restore``: ``CheckpointStore.latest`` (checksum verified) beside
``pickle.load`` of that file.

Group ``dream-consolidate`` (100,000 stored memories of width 64 in 50 topics, 256
replayed, up to 16 insights; the index build is outside the timing): ``ours`` is
``DreamEngine.consolidate`` (Gumbel top-k replay, clustering through a cosine
``FlatIndex``, recombination, novelty against all memories, breakthrough scoring);
``numpy`` is the obvious array version (argsort of the priorities, the full
similarity matrix of the replayed ones, thresholded components, a matrix-vector
product per insight for novelty).

Group ``reflection-memory`` (2,000 stored texts, then 200 searches for the top 5):
``ours`` is ``EnhancedMemoryManager`` (embedding, folding through a centroid index,
search through a cosine ``FlatIndex``); ``dict-numpy`` keeps a dict and a list of
the same embeddings and searches by one matrix-vector product per query (no folds).

Run: ``pytest benches/bench_consciousness.py --benchmark-only -p no:randomly``.
"""

from __future__ import annotations

import asyncio
import graphlib
import heapq
import itertools
import os
import pickle
import random
from functools import cache

import numpy as np
import pytest

from lukhas.domain.consciousness.awareness import AwarenessConfig, AwarenessEngine
from lukhas.domain.consciousness.creativity import (
    CreativeTask,
    CreativityConfig,
    CreativityEngine,
    concept_vector,
    concepts_of,
)
from lukhas.domain.consciousness.creativity._concepts import text_vector
from lukhas.domain.consciousness.dream import DreamConfig, DreamEngine
from lukhas.domain.consciousness.guardian_integration import ConsciousnessGuardianIntegration
from lukhas.domain.consciousness.reflection import EnhancedMemoryManager
from lukhas.domain.consciousness.reflection_engine import ReflectionEngine
from lukhas.domain.consciousness.registry import (
    ComponentStatus,
    ComponentType,
    ConsciousnessComponentRegistry,
    activation_order,
)
from lukhas.domain.consciousness.resilience import CheckpointStore
from lukhas.services.bus.kernel_bus import KernelBus

N = 10_000
FAMILIES = ["layered", "chain", "wide"]


@cache
def _graph(family: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    rng = random.Random(7)
    ids = [f"comp-{i:05d}" for i in range(N)]
    rng.shuffle(ids)
    prios = {cid: rng.randint(0, 200) for cid in ids}
    deps: dict[str, list[str]] = {}
    for i, cid in enumerate(ids):
        if family == "layered":
            deps[cid] = rng.sample(ids[:i], min(i, rng.randint(0, 3)))
        elif family == "chain":
            deps[cid] = [ids[i - 1]] if i else []
            prios[cid] = N - i
        else:
            deps[cid] = []
    return prios, deps


def _check(order: list[str], prios: dict[str, int], deps: dict[str, list[str]]) -> None:
    pos = {c: i for i, c in enumerate(order)}
    assert len(pos) == len(prios) == len(order)
    assert all(pos[d] < pos[c] for c in prios for d in deps[c])


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.benchmark(group="registry-order")
def test_order_ours(benchmark, family):
    prios, deps = _graph(family)
    order, blocked = benchmark(activation_order, prios, deps)
    _check(order, prios, deps)
    assert blocked == []


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.benchmark(group="registry-order")
def test_order_graphlib_static(benchmark, family):
    prios, deps = _graph(family)
    order = benchmark(lambda: list(graphlib.TopologicalSorter(deps).static_order()))
    _check(order, prios, deps)


def _graphlib_heap(prios: dict[str, int], deps: dict[str, list[str]]) -> list[str]:
    ts = graphlib.TopologicalSorter(deps)
    ts.prepare()
    heap = [(prios[c], c) for c in ts.get_ready()]
    heapq.heapify(heap)
    order = []
    while heap:
        _, cid = heapq.heappop(heap)
        order.append(cid)
        ts.done(cid)
        for nxt in ts.get_ready():
            heapq.heappush(heap, (prios[nxt], nxt))
    return order


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.benchmark(group="registry-order")
def test_order_graphlib_heap(benchmark, family):
    prios, deps = _graph(family)
    order = benchmark(_graphlib_heap, prios, deps)
    _check(order, prios, deps)
    assert order == activation_order(prios, deps)[0]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.benchmark(group="registry-order")
def test_order_registry(benchmark, family):
    prios, deps = _graph(family)

    def run() -> list[str]:
        reg = ConsciousnessComponentRegistry()
        for cid, prio in prios.items():
            reg.register_component(cid, ComponentType.MEMORY_FOLD, cid, "", "",
                                   triad_framework="⚛️", dependencies=deps[cid],
                                   activation_priority=prio)
        return reg._activation_order

    order = benchmark(run)
    assert order == activation_order(prios, deps)[0]


@pytest.mark.benchmark(group="registry-activate")
def test_activate_all_1k(benchmark):
    prios, deps = _graph("layered")
    ids = sorted(prios)[:1000]
    keep = set(ids)

    def run() -> int:
        reg = ConsciousnessComponentRegistry()
        for cid in ids:
            reg.register_component(cid, ComponentType.MEMORY_FOLD, cid, "", "json",
                                   triad_framework="⚛️",
                                   dependencies=[d for d in deps[cid] if d in keep],
                                   activation_priority=prios[cid],
                                   activate_fn=lambda m: None, health_check_fn=lambda: True)
        report = asyncio.run(reg.activate_all())
        assert all(reg.get_component_status(c) is ComponentStatus.ACTIVE for c in ids)
        return len(report.activated)

    assert benchmark(run) == 1000


TRANSITIONS = 2000


@cache
def _states() -> list[dict[str, float]]:
    rng = random.Random(3)
    level = 0.5
    out = []
    for _ in range(TRANSITIONS + 1):
        level = min(1.0, max(0.0, level + rng.uniform(-0.02, 0.02)))
        out.append({"level": level, "awareness": 1.0 - level, "focus": rng.uniform(0.4, 0.6)})
    return out


@pytest.mark.benchmark(group="guardian-validate")
def test_guardian_validate_ours(benchmark):
    states = _states()

    async def loop() -> int:
        guard = ConsciousnessGuardianIntegration()
        approved = 0
        for a, b in itertools.pairwise(states):
            res = await guard.validate_state_transition(a, b, session_id="s")
            approved += res.is_approved()
        return approved

    assert benchmark(lambda: asyncio.run(loop())) == TRANSITIONS


@pytest.mark.benchmark(group="guardian-validate")
def test_guardian_validate_floor(benchmark):
    states = _states()

    async def check(a: dict[str, float], b: dict[str, float]) -> bool:
        return a.keys() == b.keys()

    async def loop() -> int:
        approved = 0
        for a, b in itertools.pairwise(states):
            approved += await check(a, b)
        return approved

    assert benchmark(lambda: asyncio.run(loop())) == TRANSITIONS


IDEA_PROMPT = "a city library where books rearrange themselves by the mood of sleepy readers"


def _random_search(budget: int, n: int, seed: int) -> float:
    """Mean penalised score of n ideas picked greedily from `budget` random mixtures."""
    words = concepts_of(IDEA_PROMPT)
    C = np.stack([concept_vector(w, 64) for w in words])
    t = text_vector(words, 64)
    V = np.random.default_rng(seed).random((budget, len(words))) @ C
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    base = 0.7 * np.clip(1 - (V @ C.T).max(axis=1), 0, 1) + 0.3 * np.clip(V @ t, 0, 1)
    redundancy = np.zeros(budget)
    scores = []
    for _ in range(n):  # the engine's objective: score - redundancy^2 (sequential niching)
        value = base - redundancy ** 2
        best = int(np.argmax(value))
        scores.append(float(value[best]))
        redundancy = np.maximum(redundancy, np.clip(V @ V[best], 0, 1))
    return float(np.mean(scores))


@pytest.mark.parametrize("method", ["de", "ga"])
@pytest.mark.benchmark(group="creativity-ideas")
def test_creativity_ours(benchmark, method):
    task = CreativeTask(IDEA_PROMPT, "divergent", min_ideas=5)
    asyncio.run(CreativityEngine({"seed": 0, "method": method}).generate_ideas(task))  # JIT

    def run() -> tuple[float, int]:
        engine = CreativityEngine(CreativityConfig(seed=0, method=method))
        snap = asyncio.run(engine.generate_ideas(task, None, {}))
        return float(np.mean([i.score for i in snap.ideas])), snap.evaluations

    mean_score, evaluations = benchmark(run)
    assert mean_score > _random_search(evaluations, 5, 0)


@pytest.mark.benchmark(group="creativity-ideas")
def test_creativity_random_search(benchmark):
    engine = CreativityEngine(CreativityConfig(seed=0))
    budget = asyncio.run(engine.generate_ideas(CreativeTask(IDEA_PROMPT, min_ideas=5))).evaluations
    assert 0 < benchmark(_random_search, budget, 5, 0) < 1


@cache
def _trajectory() -> list[dict[str, float]]:
    rng = np.random.default_rng(5)
    walk = np.clip(0.5 + np.cumsum(rng.normal(0, 0.01, (1000, 4)), axis=0), 0, 1)
    return [dict(zip(("level", "awareness_level", "focus", "valence"), row.tolist(),
                     strict=True)) for row in walk]


@pytest.mark.benchmark(group="reflection-per-state")
def test_reflection_ours(benchmark):
    states = _trajectory()

    async def loop() -> float:
        engine = ReflectionEngine()
        for state in states:
            report = await engine.reflect(state)
        return report.drift_ema

    assert 0 < benchmark(lambda: asyncio.run(loop())) < 0.1


@pytest.mark.benchmark(group="reflection-per-state")
def test_reflection_ema_only(benchmark):
    states = _trajectory()

    async def step(prev: dict[str, float], cur: dict[str, float], ema: float) -> float:
        delta = sum((cur[k] - prev[k]) ** 2 for k in cur) ** 0.5
        return 0.3 * delta + 0.7 * ema

    async def loop() -> float:
        ema = 0.0
        for prev, cur in itertools.pairwise(states):
            ema = await step(prev, cur, ema)
        return ema

    assert 0 < benchmark(lambda: asyncio.run(loop())) < 0.1


EVENTS = 100_000


@pytest.mark.benchmark(group="awareness-per-event")
def test_awareness_events_ours(benchmark):
    def run() -> int:
        now = [0.0]
        engine = AwarenessEngine(AwarenessConfig(rate_interval=1.0), clock=lambda: now[0])
        bus = KernelBus(mode="live")
        engine.attach_bus(bus)
        for i in range(EVENTS):
            now[0] = i / 4096
            bus.publish("stream.tick")
        return engine.events

    assert benchmark(run) == EVENTS


@pytest.mark.benchmark(group="awareness-per-event")
def test_awareness_events_counter(benchmark):
    def run() -> int:
        now = [0.0]
        seen = [0]

        def count(event: object) -> None:
            now[0]
            seen[0] += 1

        bus = KernelBus(mode="live")
        bus.subscribe("#", count)
        for i in range(EVENTS):
            now[0] = i / 4096
            bus.publish("stream.tick")
        return seen[0]

    assert benchmark(run) == EVENTS


@pytest.mark.benchmark(group="awareness-observe")
def test_awareness_observe_ours(benchmark):
    xs = np.random.default_rng(2).normal(10, 1, 10_000).tolist()

    def run() -> str:
        engine = AwarenessEngine()
        for i, x in enumerate(xs):
            engine.observe(("queue", "latency", "errors")[i % 3], x, t=float(i))
        return engine.state

    assert benchmark(run) in ("calm", "attentive", "alert", "overloaded")


@pytest.mark.benchmark(group="awareness-observe")
def test_awareness_observe_ewma(benchmark):
    xs = np.random.default_rng(2).normal(10, 1, 10_000).tolist()

    def run() -> float:
        means = {"queue": 0.0, "latency": 0.0, "errors": 0.0}
        for i, x in enumerate(xs):
            k = ("queue", "latency", "errors")[i % 3]
            means[k] += 0.02 * (x - means[k])
        return means["queue"]

    assert 0 < benchmark(run) < 20


def _big_state() -> dict[str, object]:
    rng = np.random.default_rng(9)
    return {"weights": rng.standard_normal(65_536), "bias": rng.standard_normal(65_536),
            "fields": {f"f{i}": {"level": i / 1000, "tag": f"t{i}"} for i in range(1000)}}


def _pickle_save(path: str, state: dict[str, object]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@pytest.mark.benchmark(group="resilience-checkpoint")
def test_checkpoint_ours(benchmark, tmp_path):
    store = CheckpointStore(tmp_path / "cp.db", keep=3)
    state = _big_state()
    cp = benchmark(store.save, state)
    assert cp.version >= 1 and store.verify() == []
    store.close()


@pytest.mark.benchmark(group="resilience-checkpoint")
def test_checkpoint_pickle_rename(benchmark, tmp_path):
    path = str(tmp_path / "state.pkl")
    state = _big_state()
    benchmark(_pickle_save, path, state)
    with open(path, "rb") as fh:
        assert np.array_equal(pickle.load(fh)["weights"], state["weights"])


@pytest.mark.benchmark(group="resilience-restore")
def test_restore_ours(benchmark, tmp_path):
    store = CheckpointStore(tmp_path / "cp.db")
    state = _big_state()
    store.save(state)
    cp = benchmark(store.latest)
    assert cp is not None and np.array_equal(cp.state["weights"], state["weights"])
    store.close()


@pytest.mark.benchmark(group="resilience-restore")
def test_restore_pickle(benchmark, tmp_path):
    path = str(tmp_path / "state.pkl")
    state = _big_state()
    _pickle_save(path, state)

    def load() -> dict[str, object]:
        with open(path, "rb") as fh:
            return pickle.load(fh)

    assert np.array_equal(benchmark(load)["weights"], state["weights"])


@cache
def _memories() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((50, 64))
    topic = rng.integers(0, 50, 100_000)
    vectors = centres[topic] + 0.1 * rng.standard_normal((100_000, 64))
    return vectors, rng.uniform(0.05, 1.0, 100_000), rng.uniform(0, 86_400 * 7, 100_000)


@pytest.mark.benchmark(group="dream-consolidate")
def test_dream_ours(benchmark):
    vectors, salience, stamps = _memories()
    engine = DreamEngine(config=DreamConfig(seed=0, cluster_threshold=0.9))
    for i in range(len(vectors)):
        engine.add_memory(f"m{i}", vectors[i], salience=float(salience[i]),
                          timestamp=float(stamps[i]))
    engine.consolidate()  # builds the index once
    report = benchmark(engine.consolidate)
    assert len(report.replayed) == 256 and len(report.insights) == 16
    assert all(0.0 <= x.novelty <= 1.0 for x in report.insights)


@pytest.mark.benchmark(group="dream-consolidate")
def test_dream_numpy(benchmark):
    vectors, salience, stamps = _memories()
    units_all = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def run() -> int:
        prio = salience * np.exp(-(stamps.max() - stamps) / 86_400.0)
        chosen = np.argsort(-prio)[:256]
        units = units_all[chosen]
        adj = units @ units.T >= 0.9
        label = -np.ones(256, dtype=np.int64)
        for i in range(256):
            if label[i] < 0:
                frontier = [i]
                label[i] = i
                while frontier:
                    j = frontier.pop()
                    for k in np.flatnonzero(adj[j] & (label < 0)).tolist():
                        label[k] = i
                        frontier.append(k)
        groups = [units[label == g].mean(axis=0) for g in np.unique(label)]
        made = 0
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if made == 16:
                    return made
                v = 0.5 * (groups[a] + groups[b])
                v /= np.linalg.norm(v)
                float(1.0 - (units_all @ v).max())
                made += 1
        return made

    assert benchmark(run) == 16


@cache
def _texts() -> list[str]:
    rng = random.Random(6)
    words = [f"w{i}" for i in range(400)]
    return [" ".join(rng.sample(words, 6)) for _ in range(2000)]


@pytest.mark.benchmark(group="reflection-memory")
def test_reflection_memory_ours(benchmark):
    texts = _texts()

    async def run() -> str:
        mm = EnhancedMemoryManager()
        for i, text in enumerate(texts):
            await mm.store_memory(text, memory_id=f"m{i}")
        first = ""
        for q in texts[:200]:
            first = mm.search(q, 5)[0][0]
        return first

    assert benchmark(lambda: asyncio.run(run())) == "m199"


@pytest.mark.benchmark(group="reflection-memory")
def test_reflection_memory_dict_numpy(benchmark):
    texts = _texts()

    def run() -> str:
        store: dict[str, str] = {}
        vecs: list[np.ndarray] = []
        for i, text in enumerate(texts):
            store[f"m{i}"] = text
            vecs.append(text_vector(concepts_of(text), 128))
        matrix = np.stack(vecs)
        first = ""
        for q in texts[:200]:
            sims = matrix @ text_vector(concepts_of(q), 128)
            first = f"m{int(np.argsort(-sims)[:5][0])}"
        return first

    assert benchmark(run) == "m199"
