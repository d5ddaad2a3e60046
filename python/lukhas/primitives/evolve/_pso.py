"""Particle swarm optimisation over the kernels in :mod:`lukhas._kernels.swarm`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._kernels._codes import BOUNDARY, TOPOLOGY
from lukhas._validation import check_choice, check_int, check_real
from lukhas.primitives.evolve._driver import (
    Objective,
    RunControl,
    all_rows,
    check_seed,
    drive,
    make_objective,
    parse_bounds,
    seeded_uniform,
)
from lukhas.primitives.evolve._result import OptimizeResult

__all__ = ["ParticleSwarm", "pso_minimize"]

FloatArray = npt.NDArray[np.float64]

# name -> kernel code, defined in lukhas._kernels._codes
_TOPOLOGIES = TOPOLOGY
_BOUNDARIES = BOUNDARY
_INERTIA = ("constant", "linear", "exponential")


def inertia_schedule(kind: str, w: float, w_end: float, maxiter: int) -> FloatArray:
    """Inertia weight per iteration, shape (max(maxiter, 1),).

    ``constant``: ``w`` throughout; ``linear``: ``w`` to ``w_end`` (Shi and
    Eberhart 1998); ``exponential``: ``w_end + (w - w_end) exp(-4 t / T)``.
    """
    t = np.arange(max(maxiter, 1), dtype=np.float64) / max(maxiter - 1, 1)
    if kind == "constant":
        return np.full(t.size, w)
    if kind == "linear":
        return np.asarray(w + (w_end - w) * t)
    return np.asarray(w_end + (w - w_end) * np.exp(-4.0 * t))


def constriction_factor(c1: float, c2: float) -> float:
    """Clerc and Kennedy's (2002) ``chi = 2 / |2 - phi - sqrt(phi^2 - 4 phi)|``, phi = c1 + c2."""
    phi = c1 + c2
    if phi <= 4.0:
        raise ValueError(
            f"constriction needs c1 + c2 > 4 (e.g. c1 = c2 = 2.05), got c1 + c2 = {phi}."
        )
    return float(2.0 / abs(2.0 - phi - np.sqrt(phi * phi - 4.0 * phi)))


class ParticleSwarm:
    """A particle swarm's state, advanced one ask/tell iteration at a time.

    The object behind :func:`pso_minimize`, also usable directly when the
    objective is evaluated elsewhere (agents, simulations): :meth:`ask` returns
    the positions to evaluate and :meth:`tell` folds their values back in.

    The defaults (global best, inertia falling linearly from 0.9 to 0.4, c1 = c2
    = 2, velocity clamped to 20% of each range, clipping at the box) explore
    first and converge at the end of the schedule, so give ``maxiter`` the
    budget you mean to spend.  Median best of 5 seeds at 100,000 evaluations,
    d = 30, 50 particles: Rastrigin about 33 (65 shifted and rotated),
    Rosenbrock 25 (28), Ackley below 1e-6 (1.9), Griewank below 1e-6 (below
    1e-6); pyswarms' ``GlobalBestPSO`` with its documented options (w 0.9,
    c1 0.5, c2 0.3) reaches 36 (87), 78 (588), 5.3 (9.0) and 0.03 (1.4)
    (``benches/bench_evolve.py``).  Constriction
    (c1 = c2 = 2.05) converges faster and suits smooth problems (Rosenbrock
    about 19) but stalls earlier on Rastrigin (50 to 60); a ring topology
    helps little at this budget.

    Parameters
    ----------
    bounds : sequence of (float, float)
        ``(low, high)`` per dimension, each within ``[-1e300, 1e300]``.
        Box for each of the ``d`` dimensions.
    popsize : int, default=40
        Number of particles (>= 2).
    maxiter : int, default=1000
        Length of the inertia schedule (iterations after the first evaluation).
    seed : int, numpy.random.Generator or None, default=None
        Same seed, same run.
    topology : {"global", "ring"}, default="global"
        Neighbourhood whose best attracts each particle: the whole swarm, or
        ``radius`` particles on each side of a ring (slower, more exploratory).
    radius : int, default=1
        Ring neighbourhood radius.
    inertia : {"linear", "constant", "exponential"}, default="linear"
        Inertia schedule from ``w`` to ``w_end`` (ignored with ``constriction``).
    w, w_end : float, default=0.9, 0.4
        Start and end inertia.
    c1, c2 : float, default=2.0, 2.0
        Cognitive and social acceleration.
    constriction : bool, default=False
        Use Clerc's constriction factor instead of inertia (needs c1 + c2 > 4).
    vmax : float or None, default=0.2
        Velocity clamp as a fraction of each dimension's range; None disables it.
    boundary : {"clip", "reflect", "random", "periodic"}, default="clip"
        What happens to a particle that leaves the box.

    Examples
    --------
    >>> swarm = ParticleSwarm([(-1.0, 1.0)] * 2, popsize=8, seed=0)
    >>> x = swarm.ask()
    >>> swarm.tell((x ** 2).sum(axis=1))
    >>> swarm.ask().shape
    (8, 2)
    """

    method = "pso"

    def __init__(
        self,
        bounds: Any,
        *,
        popsize: int = 40,
        maxiter: int = 1000,
        seed: Any = None,
        topology: str = "global",
        radius: int = 1,
        inertia: str = "linear",
        w: float = 0.9,
        w_end: float = 0.4,
        c1: float = 2.0,
        c2: float = 2.0,
        constriction: bool = False,
        vmax: float | None = 0.2,
        boundary: str = "clip",
    ) -> None:
        from lukhas._kernels import swarm as kernels
        from lukhas._kernels.xoshiro import seed_state

        self._k = kernels
        self.lower, self.upper = parse_bounds(bounds)
        n = check_int("popsize", popsize, low=2)
        maxiter = check_int("maxiter", maxiter, low=0)
        self._topology = _TOPOLOGIES[check_choice("topology", topology, _TOPOLOGIES)]
        self._radius = check_int("radius", radius, low=1)
        check_choice("inertia", inertia, _INERTIA)
        w = check_real("w", w, low=0.0)
        w_end = check_real("w_end", w_end, low=0.0)
        self._c1 = check_real("c1", c1, low=0.0)
        self._c2 = check_real("c2", c2, low=0.0)
        if not isinstance(constriction, bool):
            raise TypeError(f"`constriction` must be a bool, got {constriction!r}.")
        if constriction:
            self._chi = constriction_factor(self._c1, self._c2)
            self.w_schedule = np.ones(max(maxiter, 1))
        else:
            self._chi = 1.0
            self.w_schedule = inertia_schedule(inertia, w, w_end, maxiter)
        span = self.upper - self.lower
        if vmax is None:
            self._vmax = np.full(span.size, np.inf)
        else:
            self._vmax = check_real("vmax", vmax, low=0.0, low_inclusive=False) * span
        self._boundary = _BOUNDARIES[check_choice("boundary", boundary, _BOUNDARIES)]
        rng = check_seed(seed)
        self.x = seeded_uniform(rng, self.lower, self.upper, n)
        vel_span = np.minimum(span, self._vmax)
        self.v = np.ascontiguousarray((rng.random(self.x.shape) * 2.0 - 1.0) * 0.1 * vel_span)
        self._state = seed_state(rng)
        self.fx = np.full(n, np.inf)
        self.pbest = self.x.copy()
        self.pbest_f = np.full(n, np.inf)
        self._nbest = np.zeros(n, dtype=np.int64)
        self._rand = np.empty(2 * self.lower.size)
        self.history = np.full(maxiter + 1, np.inf)
        self._told = 0
        self._rows = all_rows(n)

    @property
    def popsize(self) -> int:
        """Number of particles."""
        return int(self.x.shape[0])

    def ask(self) -> FloatArray:
        """Positions to evaluate next, shape (popsize, d) (a copy)."""
        if self._told:
            self._move(self._told - 1)
        return self.x.copy()

    def tell(self, values: Any) -> None:
        """Fold in the objective values (popsize,) of the positions :meth:`ask` returned."""
        fx = np.asarray(values, dtype=np.float64)
        if fx.shape != (self.popsize,):
            raise ValueError(
                f"`values` must have shape ({self.popsize},), got shape {fx.shape}."
            )
        self.fx[:] = np.where(np.isnan(fx), np.inf, fx)
        self._update(self._told)
        self._told += 1

    def best(self) -> tuple[FloatArray, float]:
        """Best position and value found so far."""
        g = int(np.argmin(self.pbest_f))
        return self.pbest[g], float(self.pbest_f[g])

    def nfev(self, nit: int) -> int:
        """Evaluations after ``nit`` iterations."""
        return self.popsize * (nit + 1)

    def _move(self, it: int) -> None:
        w = self.w_schedule[min(it, self.w_schedule.size - 1)]
        self._k._neighbour_best(self.pbest_f, self._topology, self._radius, self._nbest)
        self._k._pso_move(self.x, self.v, self.pbest, self._nbest, self.lower, self.upper,
                          self._vmax, w, self._c1, self._c2, self._chi, self._boundary,
                          self._rand, self._state)

    def _update(self, it: int) -> None:
        g = self._k._pso_update_best(self.x, self.fx, self.pbest, self.pbest_f)
        if it < self.history.size:
            self.history[it] = self.pbest_f[g]

    def initialise(self, objective: Objective) -> None:
        """Evaluate the initial swarm (iteration 0)."""
        objective.evaluate(self.x, self._rows, self.fx)
        self.tell(self.fx)

    def step(self, objective: Objective, it: int) -> None:
        """One iteration with the objective called from Python."""
        self._move(it)
        objective.evaluate(self.x, self._rows, self.fx)
        self._update(it + 1)
        self._told = it + 2

    def run_compiled(self, func: Any, it: int, stop: int, control: RunControl) -> int:
        """Iterations up to ``stop`` inside the compiled driver."""
        done = int(self._k._pso_run(
            func, self.x, self.v, self.fx, self.pbest, self.pbest_f, self._nbest, self.lower,
            self.upper, self._vmax, self._rand, self.w_schedule, self._c1, self._c2, self._chi,
            self._topology, self._radius, self._boundary, self.history, it, stop,
            control.tol, control.patience, control.target, self._state,
        ))
        self._told = done + 1
        return done


def pso_minimize(
    f: Callable[..., Any],
    bounds: Any,
    *,
    popsize: int = 40,
    maxiter: int = 1000,
    seed: Any = None,
    vectorized: bool = False,
    topology: str = "global",
    radius: int = 1,
    inertia: str = "linear",
    w: float = 0.9,
    w_end: float = 0.4,
    c1: float = 2.0,
    c2: float = 2.0,
    constriction: bool = False,
    vmax: float | None = 0.2,
    boundary: str = "clip",
    tol: float = 0.0,
    patience: int | None = None,
    target: float | None = None,
    callback: Callable[[OptimizeResult], Any] | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Minimise ``f`` over a box with particle swarm optimisation.

    Parameters
    ----------
    f : callable
        Objective.  A Numba ``@njit`` function of one point (d,) float64 -> float
        (or a shipped test function such as :data:`rastrigin`): the whole loop
        then runs compiled.  With ``vectorized=True``: a function of the
        population (n, d) -> (n,).  Otherwise a plain Python function of one
        point (works; slow, one Python call per evaluation).  NaN counts as +inf.
    bounds : sequence of (float, float)
        ``(low, high)`` per dimension, each within ``[-1e300, 1e300]``.
        ``(low, high)`` for each of the ``d`` dimensions.
    popsize : int, default=40
        Number of particles.
    maxiter : int, default=1000
        Iterations after the initial evaluation; ``nfev = popsize * (nit + 1)``.
    seed : int, numpy.random.Generator or None, default=None
        Same seed, same result (on the compiled and the Python path alike).
    vectorized : bool, default=False
        ``f`` takes the whole population (scipy's meaning).
    topology, radius, inertia, w, w_end, c1, c2, constriction, vmax, boundary
        Swarm settings; see :class:`ParticleSwarm`.
    tol : float, default=0.0
        Stop when the best improved by at most ``tol`` over ``patience`` iterations.
    patience : int or None, default=None
        Window for ``tol``; None disables that rule.
    target : float or None, default=None
        Stop as soon as the best value is <= ``target``.
    callback : callable or None, default=None
        Called after every iteration with an interim :class:`OptimizeResult`;
        returning True stops the run.
    progress : bool, default=False
        Show a tqdm progress bar (needs tqdm).

    Returns
    -------
    result : OptimizeResult
        ``x``, ``fun``, ``nfev``, ``nit``, ``success``, ``message`` and the
        convergence ``history``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``bounds`` or a setting is invalid.

    Examples
    --------
    >>> from lukhas.primitives.evolve import pso_minimize, sphere
    >>> res = pso_minimize(sphere, [(-5.0, 5.0)] * 4, seed=1, maxiter=300)
    >>> bool(res.fun < 1e-6), res.nfev
    (True, 12040)
    """
    control = RunControl.build(maxiter, tol, patience, target, callback, progress)
    objective = make_objective(f, vectorized)
    swarm = ParticleSwarm(
        bounds, popsize=popsize, maxiter=control.maxiter, seed=seed, topology=topology,
        radius=radius, inertia=inertia, w=w, w_end=w_end, c1=c1, c2=c2,
        constriction=constriction, vmax=vmax, boundary=boundary,
    )
    swarm.initialise(objective)
    return drive(swarm, objective, control)
