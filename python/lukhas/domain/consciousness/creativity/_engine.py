"""The creativity engine: divergent idea generation by evolving mixtures of concepts."""

from __future__ import annotations

import inspect
import itertools
import logging
import math
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_str, describe
from lukhas.domain.consciousness._state import state_features
from lukhas.domain.consciousness.creativity._concepts import (
    concept_vector,
    concepts_of,
    text_vector,
)
from lukhas.domain.consciousness.guardian_integration import (
    ConsciousnessGuardianIntegration,
    GuardianValidationType,
    create_validation_context,
)
from lukhas.primitives.evolve import de_minimize, ga_minimize
from lukhas.primitives.vector import FlatIndex

__all__ = [
    "FLOW_STATES",
    "MODES",
    "CreativeIdea",
    "CreativeTask",
    "CreativityConfig",
    "CreativityEngine",
    "CreativitySnapshot",
]

logger = logging.getLogger(__name__)

#: The flow states a snapshot reports.
FLOW_STATES = ("blocked", "warming", "flowing", "peak", "cooling")
#: Imagination mode -> (novelty weight, search kernel); other modes get (0.5, "de").
MODES: Mapping[str, tuple[float, str]] = {
    "divergent": (0.7, "de"), "exploratory": (0.75, "de"), "lateral": (0.8, "de"),
    "convergent": (0.3, "de"), "combinatorial": (0.55, "ga"), "analogical": (0.5, "ga"),
    "transformational": (0.65, "ga"), "conceptual_blending": (0.6, "ga"),
}
_AVOID = ("avoid ", "no ", "not ", "without ", "exclude ")


@dataclass(frozen=True)
class CreativityConfig:
    """Settings of :class:`CreativityEngine` (``validate()`` lists the problems).

    Attributes
    ----------
    seed : int or None
        Base seed: the same seed and the same calls give the same ideas.
    dim : int
        Width of the concept vectors.
    method : {"auto", "de", "ga"}
        Search kernel (``auto``: by imagination mode, see :data:`MODES`).
    popsize, maxiter : int
        Population and generations of one search (one idea per search).
    target_ideas : int
        Ideas asked for when the task's ``min_ideas`` is lower.
    max_concepts : int
        Concepts mixed at most (task words first, then context, then memory).
    memory_capacity : int
        Ideas remembered across calls for novelty (oldest forgotten first).
    redundancy_weight : float
        Penalty on similarity to ideas already generated in the call.
    max_attempts_factor : int
        Searches allowed per idea asked for (rejected ideas are retried).
    """

    seed: int | None = None
    dim: int = 64
    method: str = "auto"
    popsize: int = 16
    maxiter: int = 25
    target_ideas: int = 5
    max_concepts: int = 16
    memory_capacity: int = 4096
    redundancy_weight: float = 1.0
    max_attempts_factor: int = 3

    def validate(self) -> list[str]:
        """Problems with these settings, as messages (empty when valid)."""
        errors = []
        for name, low in (("dim", 2), ("popsize", 4), ("maxiter", 1), ("target_ideas", 1),
                          ("max_concepts", 2), ("memory_capacity", 1),
                          ("max_attempts_factor", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                errors.append(f"{name} must be an int >= {low}, got {value!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(
                self.seed, int) or self.seed < 0):
            errors.append(f"seed must be a non-negative int or None, got {self.seed!r}")
        if self.method not in ("auto", "de", "ga"):
            errors.append(f"method must be one of 'auto', 'de', 'ga', got {self.method!r}")
        rw = self.redundancy_weight
        if isinstance(rw, bool) or not isinstance(rw, (int, float)) or not 0 <= rw < math.inf:
            errors.append(f"redundancy_weight must be a finite number >= 0, got {rw!r}")
        return errors


@dataclass
class CreativeTask:
    """A creative task: what to think about, in which mode, under which constraints."""

    prompt: str
    imagination_mode: Any = "divergent"
    constraints: list[str] = field(default_factory=list)
    min_ideas: int = 3
    task_id: str = "task"


@dataclass(frozen=True)
class CreativeIdea:
    """One idea: a weighted mixture of concepts with its scores."""

    idea_id: str
    description: str
    concepts: tuple[str, ...]
    weights: tuple[float, ...]
    novelty: float
    coherence: float
    score: float
    guardian_approved: bool | None
    vector: npt.NDArray[np.float64] = field(repr=False, compare=False)


@dataclass
class CreativitySnapshot:
    """What one :meth:`CreativityEngine.generate_ideas` call produced, and how."""

    ideas: list[CreativeIdea]
    novelty_score: float
    coherence_score: float
    fluency_count: int
    generation_time_ms: float
    divergence_breadth: float
    convergence_efficiency: float
    associations: int
    transformations: int
    synthesis_quality: float
    flow_state: str
    guardian_approvals: int
    validation_checks: int
    process_efficiency: float
    memory_pressure_score: float
    imagination_mode: Any
    creative_constraints: Any
    inspiration_sources: list[str]
    evaluations: int = 0
    method: str = "de"


def _mode_key(mode: Any) -> str:
    raw = getattr(mode, "name", None) if not isinstance(mode, str) else mode
    value = getattr(mode, "value", None)
    for text in (raw, value):
        if isinstance(text, str) and text.lower() in MODES:
            return text.lower()
    return str(raw if raw is not None else mode).lower()


def _words(items: Any) -> list[str]:
    if isinstance(items, str):
        return concepts_of(items)
    if isinstance(items, (list, tuple, set, frozenset)):
        return [w for item in items if isinstance(item, str) for w in concepts_of(item)]
    return []


class CreativityEngine:
    """Divergent idea generation: concept mixtures evolved with DE or a GA.

    An idea is a non-negative mixture of the task's concept vectors (task words,
    context concepts, ideas recalled from memory).  One evolutionary search per
    idea (:func:`~lukhas.primitives.evolve.de_minimize` or ``ga_minimize``, seeded)
    maximises ``w * novelty + (1 - w) * coherence`` minus penalties, where
    novelty is ``1 -`` the largest cosine similarity to any single concept or any
    remembered idea (a :class:`~lukhas.primitives.vector.FlatIndex`), coherence
    the cosine similarity to the task vector, and the penalties the similarity to
    ideas already generated in the call (sequential niching, so ideas spread out),
    to concepts the constraints exclude and to ideas the guardian rejected.  ``w``
    comes from the imagination mode (:data:`MODES`) and is nudged by the
    consciousness state's mean level.  Ideas may be checked by a guardian
    validator; rejected ones are retried.

    Parameters
    ----------
    config : CreativityConfig, mapping or None, default=None
        Settings (a mapping is read as :class:`CreativityConfig` keywords).
    guardian_validator : callable, ConsciousnessGuardianIntegration or None, default=None
        Called with each idea as a dict; returns a bool, an object with
        ``is_approved()``, or an awaitable of either.  An integration validates a
        CREATIVE_GENERATION context.  Assignable later.

    Examples
    --------
    >>> import asyncio
    >>> engine = CreativityEngine(config={"seed": 7})
    >>> task = CreativeTask("a garden that remembers the seasons", min_ideas=3)
    >>> snap = asyncio.run(engine.generate_ideas(task, {"level": 0.6}, {}))
    >>> snap.fluency_count >= 3, snap.flow_state in FLOW_STATES
    (True, True)
    """

    def __init__(self, config: CreativityConfig | Mapping[str, Any] | None = None,
                 guardian_validator: Any = None) -> None:
        if config is None:
            cfg = CreativityConfig()
        elif isinstance(config, CreativityConfig):
            cfg = config
        elif isinstance(config, Mapping):
            known = {f.name for f in fields(CreativityConfig)}
            cfg = CreativityConfig(**{k: v for k, v in config.items() if k in known})
        else:
            raise TypeError(f"`config` must be a CreativityConfig, a mapping or None, "
                            f"got {describe(config)}.")
        errors = cfg.validate()
        if errors:
            raise ValueError(f"invalid creativity config: {'; '.join(errors)}.")
        self.config = cfg
        self.guardian_validator = guardian_validator
        self._reset()

    def _reset(self) -> None:
        self._memory = FlatIndex(self.config.dim, "cosine", dtype=np.float64)
        self._memory_concepts: dict[int, tuple[str, ...]] = {}
        self._cycles = 0
        self._entropy: int | None = None
        self._energy = 0.0
        self._last_quality = 0.0
        self._flow = "warming"
        self._totals = {"ideas": 0, "evaluations": 0, "approvals": 0, "rejections": 0,
                        "checks": 0, "time_ms": 0.0, "novelty": 0.0, "coherence": 0.0}

    # ------------------------------------------------------------------ inputs
    def _concepts(
        self, task: Any, state: Any, context: Mapping[str, Any], prompt: str
    ) -> tuple[list[str], list[str], list[str], list[str]]:
        """(concepts, task words, avoided words, inspiration sources)."""
        constraints = getattr(task, "constraints", None) or []
        focus: list[str] = []
        avoid: list[str] = []
        for item in constraints if isinstance(constraints, (list, tuple)) else [constraints]:
            text = str(item).lower().strip()
            hit = next((p for p in _AVOID if text.startswith(p)), None)
            (avoid if hit else focus).extend(concepts_of(text[len(hit):] if hit else text))
        task_words = list(dict.fromkeys(concepts_of(prompt) + focus))
        sources = ["task"] if task_words else []
        ctx_words = _words(context.get("concepts")) + _words(context.get("inspiration")) + \
            _words(context.get("keywords")) + _words(context.get("domain"))
        if ctx_words:
            sources.append("context")
        concepts = list(dict.fromkeys(w for w in task_words + ctx_words if w not in avoid))
        if len(self._memory) and task_words:
            ids, sims = self._memory.search(text_vector(task_words, self.config.dim), 3)
            recalled = [w for i, s in zip(ids.tolist(), sims.tolist(), strict=True)
                        if i >= 0 and s > 0.2 for w in self._memory_concepts[i]]
            if recalled:
                sources.append("memory")
                concepts = list(dict.fromkeys(concepts + recalled))
        if len(concepts) < 2:  # too little to recombine: draw on the state and the mode
            extra = [k.split(".")[-1].lower() for k in state_features(state)]
            extra.append(_mode_key(getattr(task, "imagination_mode", "divergent")))
            sources.append("consciousness_state" if state_features(state) else "imagination_mode")
            concepts = list(dict.fromkeys(concepts + _words(extra) + ["novelty", "insight"]))
        return concepts[: self.config.max_concepts], task_words, avoid, sources

    # ------------------------------------------------------------------ search
    async def _approve(self, idea: CreativeIdea, task: Any, state: Any) -> bool | None:
        validator = self.guardian_validator
        if validator is None:
            return None
        payload = {"idea_id": idea.idea_id, "description": idea.description,
                   "concepts": list(idea.concepts), "novelty": idea.novelty,
                   "coherence": idea.coherence, "task": getattr(task, "task_id", None)}
        if isinstance(validator, ConsciousnessGuardianIntegration):
            ctx = create_validation_context(GuardianValidationType.CREATIVE_GENERATION, state,
                                            metadata=payload)
            verdict: Any = await validator.validate(ctx)
        elif callable(validator):
            verdict = validator(payload)
        elif callable(getattr(validator, "validate_action", None)):
            verdict = validator.validate_action(payload)
        else:
            raise TypeError("`guardian_validator` must be callable, a guardian or None, "
                            f"got {describe(validator)}.")
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if callable(getattr(verdict, "is_approved", None)):
            return bool(verdict.is_approved())
        if isinstance(verdict, Mapping):
            return bool(verdict.get("allowed", verdict.get("approved", False)))
        return bool(verdict)

    async def generate_ideas(self, task: Any, consciousness_state: Any = None,
                             context: Mapping[str, Any] | None = None) -> CreativitySnapshot:
        """Generate at least ``task.min_ideas`` ideas (see the class notes).

        Parameters
        ----------
        task : CreativeTask or any object with ``prompt`` (or ``description``),
            ``imagination_mode``, ``constraints`` and ``min_ideas``
        consciousness_state : object or None
            Its numeric fields' mean level nudges the novelty weight.
        context : mapping or None
            ``concepts``, ``inspiration``, ``keywords`` (lists of str), ``domain``.

        Returns
        -------
        snapshot : CreativitySnapshot
        """
        start = time.perf_counter()
        cfg = self.config
        ctx = {} if context is None else context
        if not isinstance(ctx, Mapping):
            raise TypeError(f"`context` must be a mapping or None, got {describe(ctx)}.")
        prompt = getattr(task, "prompt", None)
        if prompt is None:
            prompt = getattr(task, "description", "")
        prompt = check_str("task.prompt", prompt)
        wanted = max(check_int("task.min_ideas", getattr(task, "min_ideas", 1), low=1,
                               high=1000), cfg.target_ideas)
        mode = getattr(task, "imagination_mode", "divergent")
        weight, kernel = MODES.get(_mode_key(mode), (0.5, "de"))
        method = kernel if cfg.method == "auto" else cfg.method
        feats = [v for v in state_features(consciousness_state).values() if math.isfinite(v)]
        if feats:
            weight = min(0.95, max(0.05, weight + 0.2 * (min(1.0, max(0.0, float(
                np.mean(feats)))) - 0.5)))
        concepts, task_words, avoid, sources = self._concepts(task, consciousness_state, ctx,
                                                              prompt)
        C = np.stack([concept_vector(w, cfg.dim) for w in concepts])
        t = text_vector(task_words, cfg.dim) if task_words else text_vector(concepts, cfg.dim)
        A = np.stack([concept_vector(w, cfg.dim) for w in avoid]) if avoid else None
        ideas: list[CreativeIdea] = []
        accepted = np.zeros((0, cfg.dim))
        rejected = np.zeros((0, cfg.dim))  # taboo: later searches move away from these
        evaluations = generations = attempts = checks = approvals = 0
        if self._entropy is None:
            self._entropy = cfg.seed if cfg.seed is not None else secrets.randbits(63)
        base = np.random.SeedSequence([self._entropy, self._cycles])
        while len(ideas) < wanted and attempts < wanted * cfg.max_attempts_factor:
            seed = int(base.spawn(1)[0].generate_state(1)[0])
            attempts += 1
            scores = _Scorer(C, t, A, accepted, rejected, self._memory, weight,
                             cfg.redundancy_weight)
            search = de_minimize if method == "de" else ga_minimize
            res = search(scores, [(0.0, 1.0)] * len(concepts), popsize=cfg.popsize,
                         maxiter=cfg.maxiter, seed=seed, vectorized=True)
            evaluations += res.nfev
            generations += res.nit
            novelty, coherence, redundancy, vec = scores.parts(res.x[None, :])
            if redundancy[0] > 0.95 or not np.isfinite(vec).all():
                continue  # a near-duplicate of an idea already taken
            w = np.clip(res.x, 0.0, 1.0)
            order = sorted(range(len(concepts)), key=lambda i: (-w[i], concepts[i]))
            top = [i for i in order[:4] if w[i] >= 0.5 * w[order[0]]]
            idea = CreativeIdea(
                f"idea-{self._cycles}-{len(ideas)}",
                f"{_mode_key(mode)} synthesis of " + " x ".join(concepts[i] for i in top),
                tuple(concepts[i] for i in top), tuple(float(w[i]) for i in top),
                float(novelty[0]), float(coherence[0]), float(-res.fun), None, vec[0])
            verdict = await self._approve(idea, task, consciousness_state)
            if verdict is not None:
                checks += 1
                approvals += verdict
                if not verdict:
                    rejected = np.vstack([rejected, vec])
                    continue
                idea = CreativeIdea(**{**{f.name: getattr(idea, f.name)
                                          for f in fields(idea)}, "guardian_approved": True})
            ideas.append(idea)
            accepted = np.vstack([accepted, vec])
        self._remember(ideas)
        return self._snapshot(ideas, start, attempts, evaluations, generations, checks,
                              approvals, task, mode, sources, method)

    def _remember(self, ideas: list[CreativeIdea]) -> None:
        if not ideas:
            return
        new_ids = self._memory.add(np.stack([i.vector for i in ideas]))
        for idea_id, idea in zip(new_ids.tolist(), ideas, strict=True):
            self._memory_concepts[idea_id] = idea.concepts
        excess = len(self._memory) - self.config.memory_capacity
        if excess > 0:
            oldest = sorted(self._memory_concepts)[:excess]
            self._memory.remove(oldest)
            for idea_id in oldest:
                del self._memory_concepts[idea_id]

    def _snapshot(self, ideas: list[CreativeIdea], start: float, attempts: int,
                  evaluations: int, generations: int, checks: int, approvals: int, task: Any,
                  mode: Any, sources: list[str], method: str) -> CreativitySnapshot:
        n = len(ideas)
        novelty = float(np.mean([i.novelty for i in ideas])) if ideas else 0.0
        coherence = float(np.mean([i.coherence for i in ideas])) if ideas else 0.0
        if n > 1:
            V = np.stack([i.vector for i in ideas])
            sims = (V @ V.T)[np.triu_indices(n, 1)]
            breadth = float(np.clip(np.mean(1.0 - sims), 0.0, 1.0))
        else:
            breadth = 0.0
        pairs = {p for i in ideas for p in itertools.combinations(sorted(i.concepts), 2)}
        quality = float(np.mean([math.sqrt(max(0.0, i.novelty * i.coherence)) for i in ideas])) \
            if ideas else 0.0
        self._cycles += 1
        previous_energy = self._energy
        self._energy = 0.6 * self._energy + 0.4 * quality
        if n == 0:
            self._flow = "blocked"
        elif self._cycles <= 1:
            self._flow = "warming"
        elif quality + 0.1 < self._last_quality:
            self._flow = "cooling"
        elif quality >= 0.5 and self._energy >= previous_energy:
            self._flow = "peak"
        else:
            self._flow = "flowing"
        self._last_quality = quality
        elapsed = max((time.perf_counter() - start) * 1e3, 1e-6)
        totals = self._totals
        totals["ideas"] += n
        totals["evaluations"] += evaluations
        totals["approvals"] += approvals
        totals["rejections"] += checks - approvals
        totals["checks"] += checks
        totals["time_ms"] += elapsed
        totals["novelty"] += novelty * n
        totals["coherence"] += coherence * n
        return CreativitySnapshot(
            ideas=ideas, novelty_score=novelty, coherence_score=coherence, fluency_count=n,
            generation_time_ms=elapsed, divergence_breadth=breadth,
            convergence_efficiency=n / attempts if attempts else 0.0, associations=len(pairs),
            transformations=generations, synthesis_quality=quality, flow_state=self._flow,
            guardian_approvals=approvals, validation_checks=checks,
            process_efficiency=n / elapsed * 1e3,
            memory_pressure_score=min(1.0, len(self._memory) / self.config.memory_capacity),
            imagination_mode=mode, creative_constraints=getattr(task, "constraints", None),
            inspiration_sources=sources or ["imagination_mode"], evaluations=evaluations,
            method=method)

    # ------------------------------------------------------------------ reporting
    def get_performance_stats(self) -> dict[str, Any]:
        """Cycles, creative energy, flow state, totals and means over all calls."""
        t = self._totals
        ideas = int(t["ideas"])
        return {
            "cycles_completed": self._cycles, "creative_energy": self._energy,
            "flow_state": self._flow, "total_ideas": ideas,
            "total_evaluations": int(t["evaluations"]),
            "mean_generation_ms": t["time_ms"] / self._cycles if self._cycles else 0.0,
            "mean_novelty": t["novelty"] / ideas if ideas else 0.0,
            "mean_coherence": t["coherence"] / ideas if ideas else 0.0,
            "guardian_approvals": int(t["approvals"]),
            "guardian_rejections": int(t["rejections"]),
            "validation_checks": int(t["checks"]), "memory_size": len(self._memory),
        }

    async def reset_state(self) -> None:
        """Forget the idea memory, the counters, the energy and the flow state."""
        self._reset()


class _Scorer:
    """The vectorised objective of one search: population (n, k) -> (n,)."""

    def __init__(self, C: npt.NDArray[np.float64], t: npt.NDArray[np.float64],
                 A: npt.NDArray[np.float64] | None, accepted: npt.NDArray[np.float64],
                 rejected: npt.NDArray[np.float64], memory: FlatIndex, weight: float,
                 redundancy_weight: float) -> None:
        self.C, self.t, self.A, self.accepted, self.rejected = C, t, A, accepted, rejected
        self.memory, self.weight, self.rw = memory, weight, redundancy_weight

    def parts(self, X: npt.NDArray[np.float64]) -> tuple[
            npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64],
            npt.NDArray[np.float64]]:
        """(novelty, coherence, redundancy, unit idea vectors) of a population."""
        V = np.clip(X, 0.0, 1.0) @ self.C
        norms = np.linalg.norm(V, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            V = V / norms
        nearest = (V @ self.C.T).max(axis=1)
        if len(self.memory):
            safe = np.where(np.isfinite(V), V, 0.0)
            nearest = np.maximum(nearest, self.memory.search(safe, 1)[1][:, 0])
        novelty = np.clip(1.0 - nearest, 0.0, 1.0)
        coherence = np.clip(V @ self.t, 0.0, 1.0)
        redundancy = (np.clip((V @ self.accepted.T).max(axis=1), 0.0, 1.0)
                      if len(self.accepted) else np.zeros(len(V)))
        return novelty, coherence, redundancy, V

    def __call__(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        novelty, coherence, redundancy, V = self.parts(X)
        value = -(self.weight * novelty + (1.0 - self.weight) * coherence) \
            + self.rw * redundancy ** 2
        if self.A is not None:
            value = value + 2.0 * np.clip((V @ self.A.T).max(axis=1), 0.0, 1.0)
        if len(self.rejected):
            value = value + 2.0 * np.clip((V @ self.rejected.T).max(axis=1), 0.0, 1.0) ** 2
        return value
