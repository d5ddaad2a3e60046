"""Multi-agent swarm coordination on the particle-swarm kernel of :mod:`lukhas.primitives.evolve`.

Each named agent is one particle.  Every round the coordinator hands out
waypoints (:meth:`SwarmCoordinator.assign`), agents go there and report what
they measured (:meth:`SwarmCoordinator.report`), and the swarm's shared memory
(personal and neighbourhood bests) steers the next waypoints.  The swarm has
converged when all agents gather within ``tol`` of their centroid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_real, describe
from lukhas.primitives.evolve import ParticleSwarm

__all__ = ["CoordinationResult", "SwarmCoordinator"]

FloatArray = npt.NDArray[np.float64]

# Constant inertia 0.729 with c1 = c2 = 1.49445: Clerc's constriction in inertia form,
# which makes the swarm contract without a fixed round budget.
_CONVERGENT_SETTINGS: dict[str, Any] = {
    "inertia": "constant", "w": 0.729, "c1": 1.49445, "c2": 1.49445,
}


@dataclass(frozen=True, eq=False)
class CoordinationResult:
    """Outcome of :meth:`SwarmCoordinator.run`.

    Attributes
    ----------
    best_agent : str
        Agent that measured the best value.
    position : ndarray of shape (d,), dtype=float64
        Where it was measured.
    value : float
        The best measurement (lower is better).
    rounds : int
        Rounds of assign/report performed.
    converged : bool
        Whether the agents gathered within ``tol`` of their centroid.
    spread : ndarray of shape (rounds,), dtype=float64
        Largest agent distance from the centroid after each round.
    """

    best_agent: str
    position: FloatArray
    value: float
    rounds: int
    converged: bool
    spread: FloatArray


class SwarmCoordinator:
    """Coordinate named agents searching a box for the lowest measurement.

    Parameters
    ----------
    agents : sequence of str
        Distinct agent names (at least 2).
    bounds : sequence of (float, float)
        The region agents may visit.
    topology : {"ring", "global"}, default="ring"
        Who shares information: ring neighbours (robust, keeps sub-groups
        exploring) or everyone.
    tol : float, default=1e-3
        Gathering radius that counts as converged.
    seed : int or None, default=None
        Same seed, same waypoints.
    **swarm_options
        Further :class:`lukhas.primitives.evolve.ParticleSwarm` settings (``vmax``,
        ``boundary``, ...).  The default dynamics are constant inertia 0.729 with
        c1 = c2 = 1.49445 (constriction-equivalent, so agents gather).

    Examples
    --------
    >>> coord = SwarmCoordinator(["a", "b", "c", "d"], [(-1.0, 1.0)] * 2, seed=0)
    >>> res = coord.run(lambda name, pos: float((pos ** 2).sum()), rounds=150)
    >>> res.value < 1e-3
    True
    """

    def __init__(
        self,
        agents: Sequence[str],
        bounds: Any,
        *,
        topology: str = "ring",
        tol: float = 1e-3,
        seed: int | None = None,
        **swarm_options: Any,
    ) -> None:
        names = list(agents) if not isinstance(agents, str) else None
        if names is None or not all(isinstance(a, str) for a in names):
            raise TypeError(f"`agents` must be a sequence of str, got {describe(agents)}.")
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"`agents` must hold at least 2 distinct names, got {names!r}.")
        self.agents: tuple[str, ...] = tuple(names)
        self.tol = check_real("tol", tol, low=0.0)
        options = {**_CONVERGENT_SETTINGS, **swarm_options}
        self._swarm = ParticleSwarm(
            bounds, popsize=len(names), seed=seed, topology=topology, **options
        )
        self._index = {name: i for i, name in enumerate(self.agents)}
        self._pending: FloatArray | None = None
        self.rounds = 0

    def assign(self) -> dict[str, FloatArray]:
        """Next waypoint (d,) for every agent."""
        if self._pending is None:
            self._pending = self._swarm.ask()
        return {name: self._pending[i].copy() for name, i in self._index.items()}

    def report(self, measurements: Mapping[str, float]) -> None:
        """Record each agent's measurement at its assigned waypoint (all agents at once)."""
        if self._pending is None:
            raise ValueError("report() called before assign(): no waypoints are outstanding.")
        missing = set(self.agents) - set(measurements)
        extra = set(measurements) - set(self.agents)
        if missing or extra:
            raise ValueError(
                f"`measurements` must cover exactly the agents {self.agents}; "
                f"missing {sorted(missing)}, unknown {sorted(extra)}."
            )
        values = np.array([check_real(f"measurements[{a!r}]", measurements[a])
                           for a in self.agents])
        self._swarm.tell(values)
        self._pending = None
        self.rounds += 1

    @property
    def spread(self) -> float:
        """Largest distance of an agent's current position from the swarm centroid."""
        x = self._swarm.x
        return float(np.sqrt(((x - x.mean(axis=0)) ** 2).sum(axis=1)).max())

    def best(self) -> tuple[str, FloatArray, float]:
        """(agent, position, value) of the best measurement so far."""
        i = int(np.argmin(self._swarm.pbest_f))
        return self.agents[i], self._swarm.pbest[i].copy(), float(self._swarm.pbest_f[i])

    def run(self, measure: Callable[[str, FloatArray], float], rounds: int) -> CoordinationResult:
        """Assign and report for up to ``rounds`` rounds, stopping once converged.

        ``measure(agent, position)`` returns what that agent observes there.
        """
        rounds = check_int("rounds", rounds, low=1)
        spreads = []
        converged = False
        for _ in range(rounds):
            waypoints = self.assign()
            self.report({name: measure(name, pos) for name, pos in waypoints.items()})
            spreads.append(self.spread)
            if spreads[-1] <= self.tol:
                converged = True
                break
        agent, position, value = self.best()
        return CoordinationResult(agent, position, value, len(spreads), converged,
                                  np.array(spreads))
