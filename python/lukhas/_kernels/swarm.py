"""Particle swarm kernels: neighbourhood bests, the velocity/position move, best tracking.

One PSO iteration is ``_neighbour_best`` -> ``_pso_move`` -> evaluate ->
``_pso_update_best``.  The Python driver in :mod:`lukhas.primitives.evolve` runs these
steps with any objective; :func:`_pso_run` runs the same steps compiled end to
end when the objective is itself a Numba function.

Codes decided by the caller (defined in :mod:`lukhas._kernels._codes`):
topology ``TOPOLOGY_GLOBAL`` = global best, ``TOPOLOGY_RING`` = ring of
``radius`` neighbours each side; boundary ``BOUNDARY_CLIP`` = clip (and zero the
velocity component), ``BOUNDARY_REFLECT`` = reflect, ``BOUNDARY_RANDOM`` =
re-draw uniformly, ``BOUNDARY_PERIODIC`` = periodic wrap.
"""

from __future__ import annotations

from typing import Any

from lukhas._kernels._codes import (
    BOUNDARY_CLIP,
    BOUNDARY_RANDOM,
    BOUNDARY_REFLECT,
    TOPOLOGY_GLOBAL,
)
from lukhas._kernels._jit import njit
from lukhas._kernels._search import _argmin, _evaluate_rows, _stop_reached, objective_loop
from lukhas._kernels.xoshiro import fill_uniform32 as _fill_uniform32
from lukhas._kernels.xoshiro import uniform as _uniform

__all__: list[str] = []

@njit()
def _neighbour_best(pbest_f: Any, topology: int, radius: int, nbest: Any) -> None:
    """Best personal-best index in each particle's neighbourhood.

    pbest_f (n,) # IN; nbest (n,) int64 # OUT.
    """
    n = pbest_f.shape[0]
    if topology == TOPOLOGY_GLOBAL:
        g = _argmin(pbest_f)
        for i in range(n):
            nbest[i] = g
        return
    for i in range(n):
        best = i
        for off in range(-radius, radius + 1):
            j = (i + off) % n
            if pbest_f[j] < pbest_f[best]:
                best = j
        nbest[i] = best


@njit()
def _pso_move(
    x: Any,
    v: Any,
    pbest: Any,
    nbest: Any,
    lower: Any,
    upper: Any,
    vmax: Any,
    w: float,
    c1: float,
    c2: float,
    chi: float,
    boundary: int,
    rand: Any,
    state: Any,
) -> None:
    """Move every particle once.

    x, v (n, d) # IN/OUT; pbest (n, d), nbest (n,), lower, upper, vmax (d,) # IN;
    rand (2 d,) float64 # work; state uint64[4] # IN/OUT.
    ``v <- chi * (w v + c1 r1 (p - x) + c2 r2 (p_nbest - x))`` clamped to
    ``[-vmax, vmax]``, then ``x <- x + v``; coordinates that left the box are then
    fixed with the boundary rule.  Per particle, ``r1`` (d,) and ``r2`` (d,) are
    drawn first (32-bit uniforms) so the arithmetic loop is branch-free and
    vectorises; the random boundary rule draws afterwards, in coordinate order.
    """
    n, d = x.shape
    for i in range(n):
        g = nbest[i]
        _fill_uniform32(state, rand)
        for j in range(d):
            xi = x[i, j]
            vel = chi * (w * v[i, j] + c1 * rand[j] * (pbest[i, j] - xi)
                         + c2 * rand[d + j] * (pbest[g, j] - xi))
            vel = min(max(vel, -vmax[j]), vmax[j])
            v[i, j] = vel
            x[i, j] = xi + vel
        for j in range(d):
            pos = x[i, j]
            lo = lower[j]
            hi = upper[j]
            if pos < lo or pos > hi:
                if boundary == BOUNDARY_CLIP:
                    x[i, j] = lo if pos < lo else hi
                    v[i, j] = 0.0
                elif boundary == BOUNDARY_REFLECT:
                    pos = 2.0 * lo - pos if pos < lo else 2.0 * hi - pos
                    x[i, j] = min(max(pos, lo), hi)
                    v[i, j] = -v[i, j]
                elif boundary == BOUNDARY_RANDOM:
                    x[i, j] = lo + _uniform(state) * (hi - lo)
                else:
                    x[i, j] = lo + (pos - lo) % (hi - lo)


@njit()
def _pso_update_best(x: Any, fx: Any, pbest: Any, pbest_f: Any) -> int:
    """Fold new positions into the personal bests; return the global-best index.

    x (n, d), fx (n,) # IN; pbest (n, d), pbest_f (n,) # IN/OUT.
    """
    n, d = x.shape
    for i in range(n):
        if fx[i] < pbest_f[i]:
            pbest_f[i] = fx[i]
            for j in range(d):
                pbest[i, j] = x[i, j]
    return _argmin(pbest_f)


@objective_loop
def _pso_run(
    func: Any,
    x: Any,
    v: Any,
    fx: Any,
    pbest: Any,
    pbest_f: Any,
    nbest: Any,
    lower: Any,
    upper: Any,
    vmax: Any,
    rand: Any,
    w_schedule: Any,
    c1: float,
    c2: float,
    chi: float,
    topology: int,
    radius: int,
    boundary: int,
    history: Any,
    it_start: int,
    it_stop: int,
    tol: float,
    patience: int,
    target: float,
    state: Any,
) -> int:
    """Run PSO iterations ``it_start + 1 .. it_stop`` with a compiled objective.

    x, v, fx, pbest, pbest_f, nbest, state # IN/OUT, rand # work (see ``_pso_move``);
    w_schedule (maxiter,) # IN; history (maxiter + 1,) # OUT at indices reached.
    Returns the last iteration index completed (early stopping may end sooner).
    """
    it = it_start
    while it < it_stop:
        _neighbour_best(pbest_f, topology, radius, nbest)
        _pso_move(x, v, pbest, nbest, lower, upper, vmax, w_schedule[it], c1, c2, chi,
                  boundary, rand, state)
        _evaluate_rows(func, x, 0, x.shape[0], fx)
        g = _pso_update_best(x, fx, pbest, pbest_f)
        it += 1
        history[it] = pbest_f[g]
        if _stop_reached(history, it, tol, patience, target):
            break
    return it
