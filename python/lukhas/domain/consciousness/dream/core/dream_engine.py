"""Dream-time consolidation: replay, cluster and recombine memories into scored insights.

One :meth:`DreamEngine.consolidate` call (run by :meth:`DreamEngine.dream` off the
event loop, or only when idle by :meth:`DreamEngine.dream_when_idle`):

1. **Replay**: each memory's priority is ``salience * exp(-age / recency_tau)``;
   ``n_replay`` memories are drawn without replacement with probability growing
   with priority (Gumbel top-k on ``log(priority)``, seeded).
2. **Cluster** the replayed memories with vector search: a cosine
   :class:`~lukhas.primitives.vector.FlatIndex` finds each one's neighbours; pairs at
   or above ``cluster_threshold`` are joined (union-find), and the components are
   the clusters.
3. **Recombine** pairs of clusters (the strongest first): the insight's embedding
   interpolates the two centroids with a weight drawn from [0.3, 0.7]; its
   metadata merges theirs (tags united, sources listed, salience averaged).
4. **Score** each insight's novelty against every stored memory (``1 -`` the best
   cosine similarity) and feed ``(novelty, value)`` to the
   :class:`~lukhas.services.breakthrough.BreakthroughDetector` (``core.breakthrough``),
   which flags breakthroughs against the history of all insights.

Same memories, same seed, same report.  Memory sources are duck-typed: anything
with ``dream_records()`` or a sequence of records (mappings or objects with
``id``, ``vector``/``embedding`` (or ``metadata["embedding"]``, as memory items
carry it), ``salience``/``importance``, ``timestamp``/``created_at`` and optional
``tags``/``metadata``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, check_str, describe
from lukhas.primitives.vector import FlatIndex
from lukhas.services.breakthrough import BreakthroughDetector

__all__ = ["DreamConfig", "DreamEngine", "DreamInsight", "DreamReport"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DreamConfig:
    """Settings of :class:`DreamEngine` (checked on construction)."""

    dim: int | None = None
    n_replay: int = 256
    recency_tau: float = 86_400.0
    cluster_threshold: float = 0.8
    neighbours: int = 16
    max_insights: int = 16
    seed: int | None = None
    breakthrough_z: float = 2.0

    def __post_init__(self) -> None:
        if self.dim is not None:
            check_int("dim", self.dim, low=1)
        check_int("n_replay", self.n_replay, low=1)
        check_real("recency_tau", self.recency_tau, low=0.0, low_inclusive=False)
        check_real("cluster_threshold", self.cluster_threshold, low=-1.0, high=1.0)
        check_int("neighbours", self.neighbours, low=1)
        check_int("max_insights", self.max_insights, low=0)
        if self.seed is not None:
            check_int("seed", self.seed, low=0)
        check_real("breakthrough_z", self.breakthrough_z, low=0.0)


@dataclass(frozen=True)
class DreamInsight:
    """A recombined candidate insight."""

    insight_id: str
    vector: npt.NDArray[np.float64] = field(repr=False, compare=False)
    sources: tuple[str, ...]
    clusters: tuple[int, int]
    mix: float
    tags: frozenset[str]
    salience: float
    novelty: float
    score: float
    breakthrough: bool


@dataclass(frozen=True)
class DreamReport:
    """What one consolidation did."""

    replayed: tuple[str, ...]
    clusters: tuple[tuple[str, ...], ...]
    insights: tuple[DreamInsight, ...]
    breakthroughs: int
    seed: int
    duration_ms: float


def _field(record: Any, *names: str) -> Any:
    for name in names:
        if isinstance(record, Mapping):
            if name in record:
                return record[name]
        elif hasattr(record, name):
            return getattr(record, name)
    return None


class _Find:
    """Union-find over 0..n-1 (path halving, union by size)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if self.size[ra] < self.size[rb]:
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.size[ra] += self.size[rb]


class DreamEngine:
    """Offline consolidation of memories into insights (see the module notes).

    Parameters
    ----------
    memory_manager : object or None, default=None
        A memory source read by :meth:`initialize` (``dream_records()`` or a
        sequence of records).
    bio_core : object or None, default=None
        Kept for LUKHAS callers; when it has a callable ``is_resting()`` that
        returns False, :meth:`dream_when_idle` does not dream.
    config : DreamConfig, mapping or None, default=None
        Settings (a mapping is read as :class:`DreamConfig` keywords).

    Examples
    --------
    >>> import numpy as np
    >>> engine = DreamEngine(config={"seed": 0, "n_replay": 8, "cluster_threshold": 0.9})
    >>> rng = np.random.default_rng(0)
    >>> centres = rng.standard_normal((2, 16))
    >>> for i in range(8):
    ...     engine.add_memory(f"m{i}", centres[i % 2] + 0.01 * rng.standard_normal(16),
    ...                       salience=0.5, timestamp=0.0, tags=[f"topic{i % 2}"])
    >>> report = engine.consolidate(now=0.0)
    >>> len(report.clusters), sorted(report.insights[0].tags)
    (2, ['topic0', 'topic1'])
    """

    def __init__(self, memory_manager: Any = None, bio_core: Any = None,
                 config: DreamConfig | Mapping[str, Any] | None = None) -> None:
        if config is None:
            cfg = DreamConfig()
        elif isinstance(config, DreamConfig):
            cfg = config
        elif isinstance(config, Mapping):
            cfg = DreamConfig(**dict(config))
        else:
            raise TypeError(f"`config` must be a DreamConfig, a mapping or None, "
                            f"got {describe(config)}.")
        self.config = cfg
        self.memory_manager = memory_manager
        self.bio_core = bio_core
        self._dim = cfg.dim
        self._ids: list[str] = []
        self._index_of: dict[str, int] = {}
        self._vec_list: list[npt.NDArray[np.float64]] = []
        self._sal_list: list[float] = []
        self._time_list: list[float] = []
        self._meta: list[tuple[frozenset[str], dict[str, Any]]] = []
        self._cache: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                           npt.NDArray[np.float64], FlatIndex] | None = None
        self._detector = BreakthroughDetector(novelty_w=0.6, value_w=0.4, z=cfg.breakthrough_z)
        self.dreams = 0
        self.initialized = False

    # ------------------------------------------------------------------ memories
    def add_memory(self, memory_id: str, vector: Any, *, salience: float = 0.5,
                   timestamp: float | datetime = 0.0, tags: Iterable[str] = (),
                   metadata: Mapping[str, Any] | None = None) -> None:
        """Store (or replace) one memory for dreaming.

        Raises
        ------
        TypeError, ValueError
            For a bad id, a vector that is not finite 1-D of the engine's width,
            a salience outside [0, 1] or a bad timestamp.
        """
        check_str("memory_id", memory_id, empty=False)
        vec = check_array("vector", vector, dtype=np.float64, ndim=1, finite=True)
        if self._dim is None:
            self._dim = int(vec.shape[0])
        if vec.shape[0] != self._dim:
            raise ValueError(f"`vector` must have length {self._dim}, got {vec.shape[0]}.")
        sal = check_real("salience", salience, low=0.0, high=1.0)
        ts = timestamp.timestamp() if isinstance(timestamp, datetime) else check_real(
            "timestamp", timestamp)
        entry = (frozenset(str(t) for t in tags), dict(metadata or {}))
        self._cache = None
        idx = self._index_of.get(memory_id)
        if idx is None:
            self._index_of[memory_id] = len(self._ids)
            self._ids.append(memory_id)
            self._vec_list.append(vec)
            self._sal_list.append(sal)
            self._time_list.append(ts)
            self._meta.append(entry)
        else:
            self._vec_list[idx], self._sal_list[idx], self._time_list[idx] = vec, sal, ts
            self._meta[idx] = entry

    def add_memories(self, records: Iterable[Any]) -> int:
        """Add records (mappings or objects; see the module notes); returns how many."""
        n = 0
        for record in records:
            memory_id = _field(record, "id", "memory_id")
            vector = _field(record, "vector", "embedding")
            meta = _field(record, "metadata")
            if vector is None and isinstance(meta, Mapping):
                vector = meta.get("embedding")
            if memory_id is None or vector is None:
                raise ValueError(f"a memory record needs an id and a vector, got "
                                 f"{describe(record)}.")
            salience = _field(record, "salience", "importance")
            stamp = _field(record, "timestamp", "created_at")
            self.add_memory(str(memory_id), vector,
                            salience=0.5 if salience is None else min(1.0, max(0.0, float(
                                salience))),
                            timestamp=0.0 if stamp is None else stamp,
                            tags=_field(record, "tags") or (),
                            metadata=meta if isinstance(meta, Mapping) else None)
            n += 1
        return n

    def __len__(self) -> int:
        return len(self._ids)

    def _arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                               npt.NDArray[np.float64], FlatIndex]:
        if self._cache is None:
            vectors = np.stack(self._vec_list)
            index = FlatIndex(vectors.shape[1], "cosine", dtype=np.float64)
            index.add(vectors)
            self._cache = (vectors, np.asarray(self._sal_list), np.asarray(self._time_list),
                           index)
        return self._cache

    # ------------------------------------------------------------------ dreaming
    def consolidate(self, now: float | datetime | None = None, *,
                    seed: int | None = None) -> DreamReport:
        """Replay, cluster, recombine and score (see the module notes).

        Parameters
        ----------
        now : float, datetime or None, default=None
            Time the recency of memories is measured from (default: the newest
            memory's timestamp, so the result does not depend on the wall clock).
        seed : int or None, default=None
            Overrides the config's seed for this call (None and no config seed:
            a fresh random seed, reported in the result).

        Raises
        ------
        ValueError
            If no memory is stored.
        """
        start = time.perf_counter()
        cfg = self.config
        if not self._ids:
            raise ValueError("no memories to dream about: add_memory() or initialize() first.")
        vectors, salience, stamps, index = self._arrays()
        t_now = float(stamps.max()) if now is None else (
            now.timestamp() if isinstance(now, datetime) else check_real("now", now))
        if seed is None:
            seed = cfg.seed if cfg.seed is not None else int(
                np.random.SeedSequence().generate_state(1)[0])
        seed = check_int("seed", seed, low=0)
        rng = np.random.default_rng([seed, self.dreams])
        # 1. replay: Gumbel top-k on log priority
        age = np.maximum(t_now - stamps, 0.0)
        with np.errstate(divide="ignore"):
            logp = np.log(salience) - age / cfg.recency_tau
        keys = logp + rng.gumbel(size=logp.size)
        k = min(cfg.n_replay, len(self._ids))
        keys[~np.isfinite(keys)] = -np.inf
        chosen = np.argpartition(-keys, k - 1)[:k] if k < keys.size else np.arange(keys.size)
        chosen = chosen[np.argsort(-keys[chosen], kind="stable")]
        chosen = chosen[np.isfinite(keys[chosen])]
        # 2. cluster the replayed ones through a cosine index
        sub = vectors[chosen]
        local = FlatIndex(sub.shape[1], "cosine", dtype=np.float64)
        local.add(sub)
        nn_ids, nn_sims = local.search(sub, min(cfg.neighbours, len(chosen)))
        uf = _Find(len(chosen))
        for i, (row_ids, row_sims) in enumerate(zip(nn_ids.tolist(), nn_sims.tolist(),
                                                    strict=True)):
            for j, sim in zip(row_ids, row_sims, strict=True):
                if j >= 0 and j != i and sim >= cfg.cluster_threshold:
                    uf.union(i, j)
        groups: dict[int, list[int]] = {}
        for i in range(len(chosen)):
            groups.setdefault(uf.find(i), []).append(i)
        clusters = sorted(groups.values(), key=lambda g: (-float(salience[chosen[g]].sum()),
                                                          int(chosen[g[0]])))
        # 3. recombine the strongest cluster pairs
        units = sub / np.maximum(np.linalg.norm(sub, axis=1, keepdims=True), 1e-300)
        centroids = [units[g].mean(axis=0) for g in clusters]
        pairs = [(a, b) for a in range(len(clusters)) for b in range(a + 1, len(clusters))]
        blends = []
        for a, b in pairs[: cfg.max_insights]:
            mix = float(rng.uniform(0.3, 0.7))
            vec = (1.0 - mix) * centroids[a] + mix * centroids[b]
            norm = float(np.linalg.norm(vec))
            if norm > 0.0:
                blends.append((a, b, mix, vec / norm))
        insights: list[DreamInsight] = []
        if blends:
            # 4. novelty against every memory (one batched search), then breakthroughs
            # against all insights so far
            best = index.search(np.stack([v for *_, v in blends]), 1)[1][:, 0]
            for (a, b, mix, vec), sim in zip(blends, best.tolist(), strict=True):
                members = [int(chosen[i]) for i in clusters[a] + clusters[b]]
                tags = frozenset().union(*(self._meta[m][0] for m in members))
                value = float(salience[members].mean())
                novelty = float(min(1.0, max(0.0, 1.0 - sim)))
                step = self._detector.step(novelty, value)
                insights.append(DreamInsight(
                    f"dream-{self.dreams}-{len(insights)}", vec,
                    tuple(self._ids[m] for m in members), (a, b), mix, tags, value, novelty,
                    float(step["score"]), bool(step["breakthrough"])))
        insights.sort(key=lambda x: (-x.score, x.insight_id))
        self.dreams += 1
        return DreamReport(
            tuple(self._ids[int(i)] for i in chosen),
            tuple(tuple(self._ids[int(chosen[i])] for i in g) for g in clusters),
            tuple(insights), sum(x.breakthrough for x in insights), seed,
            (time.perf_counter() - start) * 1e3)

    async def initialize(self) -> bool:
        """Load the memory source's records (if any); True when ready."""
        source = self.memory_manager
        if source is not None:
            getter = getattr(source, "dream_records", None)
            records = await _maybe_await(getter()) if callable(getter) else source
            if not isinstance(records, Iterable):
                raise TypeError("`memory_manager` must have dream_records() or be a sequence "
                                f"of records, got {describe(source)}.")
            self.add_memories(records)
        self.initialized = True
        return True

    async def dream(self, **kwargs: Any) -> DreamReport:
        """:meth:`consolidate` in a worker thread (the event loop stays free)."""
        return await asyncio.to_thread(self.consolidate, **kwargs)

    async def dream_when_idle(self, is_idle: Callable[[], bool] | None = None,
                              **kwargs: Any) -> DreamReport | None:
        """Dream only if `is_idle()` (and the bio core, if it says so) allows it."""
        resting = getattr(self.bio_core, "is_resting", None)
        if (is_idle is not None and not is_idle()) or (callable(resting) and not resting()):
            return None
        return await self.dream(**kwargs)


async def _maybe_await(value: Any) -> Any:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value
