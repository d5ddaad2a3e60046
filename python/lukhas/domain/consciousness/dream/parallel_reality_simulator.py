"""Parallel realities: Monte-Carlo branching over a small causal model.

A :class:`CausalModel` maps each event to its possible next events with
probabilities (each row sums to one; an event with no row ends a path) and,
optionally, an ethical weight per event in [0, 1].  :meth:`ParallelRealitySimulator.simulate`
draws ``n_samples`` paths of at most ``depth`` steps from a root event (seeded),
and every distinct path becomes a :class:`RealityBranch` whose ``probability`` is
its share of the samples, so the branches' probabilities sum to exactly one.
The most frequent path is the main timeline; each other branch's
``divergence_point`` is the first step at which it leaves it.  A branch's
``ethical_score`` is the guardian's score of its causal chain (any callable
returning a value in [0, 1]) or, without one, the product of the events' ethical
weights.  :meth:`CausalModel.exact` enumerates the true path probabilities, which
the sampled ones converge to.

Branch types: the main timeline is PREDICTIVE; a branch below ``ethical_floor``
is ETHICAL; the best-valued other branch OPTIMISTIC; one that revisits an event
TEMPORAL; one with probability below 1 % QUANTUM; one through an event
outside the main timeline's CREATIVE; the rest CAUSAL.

Examples
--------
>>> model = CausalModel({"wake": [("plan", 0.7), ("drift", 0.3)],
...                      "plan": [("act", 0.9), ("stall", 0.1)]},
...                     ethics={"stall": 0.4})
>>> sim = ParallelRealitySimulator(model, seed=3)
>>> branches = sim.simulate("wake", n_samples=2000, depth=3)
>>> round(sum(b.probability for b in branches), 12)
1.0
>>> branches[0].causal_chain, branches[0].reality_type.name
(('wake', 'plan', 'act'), 'PREDICTIVE')
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from lukhas._validation import check_int, check_real, describe

__all__ = ["CausalModel", "ParallelRealitySimulator", "RealityBranch", "RealityType"]


class RealityType(enum.Enum):
    """The character of a simulated branch."""

    CAUSAL = "causal"
    QUANTUM = "quantum"
    ETHICAL = "ethical"
    TEMPORAL = "temporal"
    CREATIVE = "creative"
    OPTIMISTIC = "optimistic"
    PREDICTIVE = "predictive"


@dataclass
class RealityBranch:
    """One simulated branch (keyword-constructible, as LUKHAS builds them)."""

    branch_id: str
    probability: float
    reality_type: RealityType
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    ethical_score: float = 1.0
    causal_chain: tuple[str, ...] | list[str] = ()
    divergence_point: int | None = None
    value: float = 0.0
    samples: int = 0


class CausalModel:
    """Events, their possible successors with probabilities, and ethical weights.

    Parameters
    ----------
    transitions : mapping of str to sequence of (str, float)
        Successors of each event; every row's probabilities are > 0 and sum to 1.
    ethics : mapping of str to float or None, default=None
        Ethical weight per event in [0, 1] (1 when absent).
    values : mapping of str to float or None, default=None
        Value per event (0 when absent); a branch's value is the sum along it.
    """

    def __init__(self, transitions: Mapping[str, Sequence[tuple[str, float]]],
                 ethics: Mapping[str, float] | None = None,
                 values: Mapping[str, float] | None = None) -> None:
        if not isinstance(transitions, Mapping) or not transitions:
            raise TypeError(f"`transitions` must be a non-empty mapping, got "
                            f"{describe(transitions)}.")
        self.rows: dict[str, tuple[list[str], np.ndarray[Any, np.dtype[np.float64]]]] = {}
        for event, row in transitions.items():
            nexts = [str(n) for n, _ in row]
            probs = np.array([check_real(f"transitions[{event!r}] probability", p, low=0.0,
                                         low_inclusive=False) for _, p in row])
            if not nexts or not math.isclose(float(probs.sum()), 1.0, abs_tol=1e-9):
                raise ValueError(f"`transitions[{event!r}]` probabilities must sum to 1, "
                                 f"got {float(probs.sum()) if nexts else 0.0!r}.")
            self.rows[str(event)] = (nexts, np.cumsum(probs / probs.sum()))
        self.ethics = {str(k): check_real(f"ethics[{k!r}]", v, low=0.0, high=1.0)
                       for k, v in (ethics or {}).items()}
        self.values = {str(k): check_real(f"values[{k!r}]", v) for k, v in
                       (values or {}).items()}

    def exact(self, root: str, depth: int) -> dict[tuple[str, ...], float]:
        """The true probability of every path of at most `depth` steps from `root`."""
        out: dict[tuple[str, ...], float] = {}

        def walk(path: tuple[str, ...], p: float) -> None:
            row = self.rows.get(path[-1])
            if row is None or len(path) > depth:
                out[path] = out.get(path, 0.0) + p
                return
            nexts, cum = row
            probs = np.diff(np.concatenate([[0.0], cum]))
            for n, q in zip(nexts, probs.tolist(), strict=True):
                walk((*path, n), p * q)

        walk((root,), 1.0)
        return out


class ParallelRealitySimulator:
    """Monte-Carlo branching over a :class:`CausalModel` (see the module notes).

    Parameters
    ----------
    model : CausalModel
    guardian : callable or None, default=None
        ``guardian(causal_chain) -> float`` in [0, 1], the branch's ethical score.
    seed : int or None, default=None
        Same seed, same branches.
    ethical_floor : float, default=0.5
        Branches scored below it are ETHICAL.
    """

    def __init__(self, model: CausalModel, *,
                 guardian: Callable[[tuple[str, ...]], float] | None = None,
                 seed: int | None = None, ethical_floor: float = 0.5) -> None:
        if not isinstance(model, CausalModel):
            raise TypeError(f"`model` must be a CausalModel, got {describe(model)}.")
        if guardian is not None and not callable(guardian):
            raise TypeError(f"`guardian` must be callable or None, got {describe(guardian)}.")
        self.model = model
        self.guardian = guardian
        self.seed = None if seed is None else check_int("seed", seed, low=0)
        self.floor = check_real("ethical_floor", ethical_floor, low=0.0, high=1.0)
        self._runs = 0

    def _ethics(self, chain: tuple[str, ...]) -> float:
        if self.guardian is not None:
            score = self.guardian(chain)
            return check_real("guardian score", score, low=0.0, high=1.0)
        return math.prod(self.model.ethics.get(e, 1.0) for e in chain)

    def simulate(self, root: str, *, n_samples: int = 1000, depth: int = 5) -> list[RealityBranch]:
        """Sample branches from `root`; most probable first (ties by chain).

        Raises
        ------
        ValueError
            If `root` is not an event of the model, or a count is out of range.
        """
        if root not in self.model.rows:
            raise ValueError(f"`root` must be an event with successors in the model, got "
                             f"{root!r}.")
        n = check_int("n_samples", n_samples, low=1)
        d = check_int("depth", depth, low=1)
        rng = np.random.default_rng(None if self.seed is None else [self.seed, self._runs])
        self._runs += 1
        draws = rng.random((n, d))
        counts: Counter[tuple[str, ...]] = Counter()
        rows = self.model.rows
        for i in range(n):
            path = [root]
            for step in range(d):
                row = rows.get(path[-1])
                if row is None:
                    break
                nexts, cum = row
                path.append(nexts[min(int(np.searchsorted(cum, draws[i, step], "right")),
                                      len(nexts) - 1)])
            counts[tuple(path)] += 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        main = ranked[0][0]
        now = datetime.now(UTC)
        branches = []
        for k, (chain, c) in enumerate(ranked):
            div = None if chain == main else next(
                (i for i, (a, b) in enumerate(zip(chain, main, strict=False)) if a != b),
                min(len(chain), len(main)))
            branches.append(RealityBranch(
                branch_id=f"branch-{k}", probability=c / n, reality_type=RealityType.CAUSAL,
                timestamp=now, ethical_score=self._ethics(chain), causal_chain=chain,
                divergence_point=div, value=sum(self.model.values.get(e, 0.0) for e in chain),
                samples=c))
        self._classify(branches, main)
        return branches

    def _classify(self, branches: list[RealityBranch], main: tuple[str, ...]) -> None:
        on_main = set(main)
        others = [b for b in branches if tuple(b.causal_chain) != main]
        best = max(others, key=lambda b: (b.value, b.probability), default=None)
        for b in branches:
            chain = tuple(b.causal_chain)
            if chain == main:
                b.reality_type = RealityType.PREDICTIVE
            elif b.ethical_score < self.floor:
                b.reality_type = RealityType.ETHICAL
            elif b is best and b.value > 0:
                b.reality_type = RealityType.OPTIMISTIC
            elif len(set(chain)) < len(chain):
                b.reality_type = RealityType.TEMPORAL
            elif b.probability < 0.01:
                b.reality_type = RealityType.QUANTUM
            elif any(e not in on_main for e in chain):
                b.reality_type = RealityType.CREATIVE
            else:
                b.reality_type = RealityType.CAUSAL
