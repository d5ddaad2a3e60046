"""Evolutionary kernels: GA operators and generations, island migration, DE steps.

Every operator works on preallocated rows and draws from an explicit
xoshiro256** ``state`` (IN/OUT everywhere) so a run is reproducible whether it
is driven from Python one generation at a time or compiled end to end by the
``_*_run`` drivers, which take a Numba objective as a first-class argument.

Codes decided by the caller (see ``lukhas.primitives.evolve``), all defined in
:mod:`lukhas._kernels._codes`:

- ``ops`` int64[4] = (selection, tournament size, crossover, mutation) with
  selection ``SELECT_*`` (tournament, roulette); crossover ``CX_*`` (SBX,
  blend (BLX-a), uniform, order (OX1)); mutation ``MUT_*`` (polynomial,
  Gaussian, bit-flip, swap).
- ``rates`` float64[4] = (crossover probability, per-gene mutation probability,
  crossover parameter (SBX eta or blend alpha), mutation parameter (polynomial
  eta or Gaussian sigma as a fraction of the range)).
- DE strategy ``DE_RAND1`` = rand/1/bin, ``DE_BEST1`` = best/1/bin; optional jDE
  self-adaptation of (F, CR) per member (``adapt``).

A population of ``n_islands * size`` rows holds island ``k`` in rows
``[k * size, (k + 1) * size)``; the first ``n_elite`` rows of each island in the
offspring are that island's elites and are not re-evaluated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._codes import (
    CX_BLEND,
    CX_ORDER,
    CX_SBX,
    DE_BEST1,
    MUT_BITFLIP,
    MUT_GAUSSIAN,
    MUT_POLYNOMIAL,
    SELECT_ROULETTE,
)
from lukhas._kernels._jit import njit
from lukhas._kernels._search import _argmin, _evaluate_rows, _stop_reached, objective_loop
from lukhas._kernels.xoshiro import normal as _normal
from lukhas._kernels.xoshiro import randint as _randint
from lukhas._kernels.xoshiro import uniform as _uniform

__all__: list[str] = []

# ----------------------------------------------------------------------------- selection


@njit()
def _tournament(fit: Any, lo: int, hi: int, k: int, state: Any) -> int:
    """Best of ``k`` rows drawn with replacement from ``[lo, hi)``.  fit # IN."""
    best = lo + _randint(state, hi - lo)
    for _ in range(k - 1):
        cand = lo + _randint(state, hi - lo)
        if fit[cand] < fit[best]:
            best = cand
    return best


@njit()
def _roulette_weights(fit: Any, lo: int, hi: int, cum: Any) -> None:
    """Cumulative fitness-proportional weights for minimisation.

    fit (n,) # IN; cum (n,) # OUT on ``[lo, hi)``.  Weight ``worst - f + eps``
    (``eps`` a thousandth of the finite spread, so the worst keeps a small
    chance); infinite values get weight 0; all-infinite means uniform.
    """
    best = np.inf
    worst = -np.inf
    for i in range(lo, hi):
        f = fit[i]
        if f < np.inf:
            best = min(best, f)
            worst = max(worst, f)
    eps = 1e-3 * (worst - best) + 1e-12
    total = 0.0
    for i in range(lo, hi):
        if best == np.inf:
            total += 1.0
        elif fit[i] < np.inf:
            total += worst - fit[i] + eps
        cum[i] = total


@njit()
def _roulette(cum: Any, lo: int, hi: int, state: Any) -> int:
    """Draw a row of ``[lo, hi)`` with probability proportional to its weight.  cum # IN."""
    r = _uniform(state) * cum[hi - 1]
    left = lo
    right = hi - 1
    while left < right:
        mid = (left + right) // 2
        if cum[mid] > r:
            right = mid
        else:
            left = mid + 1
    return left


@njit()
def _select(fit: Any, cum: Any, lo: int, hi: int, ops: Any, state: Any) -> int:
    """Select one parent with the configured rule.  fit, cum, ops # IN."""
    if ops[0] == SELECT_ROULETTE:
        return _roulette(cum, lo, hi, state)
    return _tournament(fit, lo, hi, ops[1], state)


# ----------------------------------------------------------------------------- crossover


@njit()
def _sbx(p1: Any, p2: Any, c1: Any, c2: Any, lower: Any, upper: Any, eta: float,
         state: Any) -> None:
    """Simulated binary crossover (Deb and Agrawal 1995), each gene with probability 1/2.

    p1, p2, lower, upper (d,) # IN; c1, c2 (d,) # OUT, clipped to the bounds.  As in
    Deb's reference code (and DEAP), the two values of a recombined gene go to
    either child with probability 1/2.  Without that exchange a child is its own
    parent perturbed gene by gene (the copied genes are that parent's, and a
    recombined gene lands next to it too): no genes are combined at all, and the
    population loses diversity fast on non-separable (e.g. rotated) problems.
    """
    expo = 1.0 / (eta + 1.0)
    for j in range(p1.shape[0]):
        a = p1[j]
        b = p2[j]
        if _uniform(state) < 0.5 and abs(a - b) > 1e-14:
            u = _uniform(state)
            beta = (2.0 * u) ** expo if u <= 0.5 else (1.0 / (2.0 * (1.0 - u))) ** expo
            x1 = 0.5 * ((1.0 + beta) * a + (1.0 - beta) * b)
            x2 = 0.5 * ((1.0 - beta) * a + (1.0 + beta) * b)
            x1 = min(max(x1, lower[j]), upper[j])
            x2 = min(max(x2, lower[j]), upper[j])
            if _uniform(state) < 0.5:
                x1, x2 = x2, x1
            c1[j] = x1
            c2[j] = x2
        else:
            c1[j] = a
            c2[j] = b


@njit()
def _blend(p1: Any, p2: Any, c1: Any, c2: Any, lower: Any, upper: Any, alpha: float,
           state: Any) -> None:
    """BLX-alpha: each child gene uniform on the parents' interval widened by ``alpha``.

    p1, p2, lower, upper (d,) # IN; c1, c2 (d,) # OUT, clipped to the bounds.
    """
    for j in range(p1.shape[0]):
        lo = min(p1[j], p2[j])
        hi = max(p1[j], p2[j])
        ext = alpha * (hi - lo)
        lo -= ext
        hi += ext
        x1 = lo + _uniform(state) * (hi - lo)
        x2 = lo + _uniform(state) * (hi - lo)
        c1[j] = min(max(x1, lower[j]), upper[j])
        c2[j] = min(max(x2, lower[j]), upper[j])


@njit()
def _uniform_crossover(p1: Any, p2: Any, c1: Any, c2: Any, state: Any) -> None:
    """Swap each gene between the parents with probability 1/2.

    p1, p2 (d,) # IN; c1, c2 (d,) # OUT.  Works for real and bit genomes.
    """
    for j in range(p1.shape[0]):
        if _uniform(state) < 0.5:
            c1[j] = p2[j]
            c2[j] = p1[j]
        else:
            c1[j] = p1[j]
            c2[j] = p2[j]


@njit()
def _order_child(p1: Any, p2: Any, child: Any, a: int, b: int, used: Any) -> None:
    """One OX1 child: ``p1[a..b]`` kept in place, the rest in ``p2``'s order after ``b``.

    p1, p2 (m,) permutations of 0..m-1 # IN; child (m,) # OUT; used (m,) uint8 # work.
    """
    m = p1.shape[0]
    for k in range(m):
        used[k] = 0
    for k in range(a, b + 1):
        child[k] = p1[k]
        used[int(p1[k])] = 1
    pos = (b + 1) % m
    for t in range(m):
        gene = p2[(b + 1 + t) % m]
        if used[int(gene)] == 0:
            child[pos] = gene
            used[int(gene)] = 1
            pos = (pos + 1) % m


@njit()
def _order_crossover(p1: Any, p2: Any, c1: Any, c2: Any, used: Any, state: Any) -> None:
    """Order crossover (OX1, Davis 1985) of two permutations into two children.

    p1, p2 (m,) # IN; c1, c2 (m,) # OUT; used (m,) uint8 # work.
    """
    m = p1.shape[0]
    a = _randint(state, m)
    b = _randint(state, m)
    if a > b:
        a, b = b, a
    _order_child(p1, p2, c1, a, b, used)
    _order_child(p2, p1, c2, a, b, used)


# ----------------------------------------------------------------------------- mutation


@njit()
def _polynomial_mutation(c: Any, lower: Any, upper: Any, eta: float, pm: float,
                         state: Any) -> None:
    """Deb's polynomial mutation of each gene with probability ``pm``.

    c (d,) # IN/OUT; lower, upper (d,) # IN.
    """
    expo = 1.0 / (eta + 1.0)
    for j in range(c.shape[0]):
        if _uniform(state) < pm:
            u = _uniform(state)
            delta = (2.0 * u) ** expo - 1.0 if u < 0.5 else 1.0 - (2.0 * (1.0 - u)) ** expo
            c[j] = min(max(c[j] + delta * (upper[j] - lower[j]), lower[j]), upper[j])


@njit()
def _gaussian_mutation(c: Any, lower: Any, upper: Any, sigma: float, pm: float,
                       state: Any) -> None:
    """Add ``N(0, (sigma * range)^2)`` to each gene with probability ``pm``, then clip.

    c (d,) # IN/OUT; lower, upper (d,) # IN.
    """
    for j in range(c.shape[0]):
        if _uniform(state) < pm:
            step = sigma * (upper[j] - lower[j]) * _normal(state)
            c[j] = min(max(c[j] + step, lower[j]), upper[j])


@njit()
def _bitflip_mutation(c: Any, pm: float, state: Any) -> None:
    """Flip each bit with probability ``pm``.  c (d,) uint8 # IN/OUT."""
    for j in range(c.shape[0]):
        if _uniform(state) < pm:
            c[j] = 1 - c[j]


@njit()
def _swap_mutation(c: Any, pm: float, state: Any) -> None:
    """With probability ``pm`` per position, swap it with a random position.

    c (m,) permutation # IN/OUT (stays a permutation).
    """
    m = c.shape[0]
    for j in range(m):
        if _uniform(state) < pm:
            k = _randint(state, m)
            tmp = c[j]
            c[j] = c[k]
            c[k] = tmp


# ----------------------------------------------------------------------------- generations


@njit()
def _take_extreme(fit: Any, lo: int, hi: int, marks: Any, largest: bool) -> int:
    """Index of the smallest (or largest) unmarked ``fit`` in ``[lo, hi)``; marks it.

    fit (n,) # IN; marks (n,) uint8 # IN/OUT.
    """
    pick = -1
    for i in range(lo, hi):
        if marks[i] == 0 and (
            pick < 0 or (fit[i] > fit[pick] if largest else fit[i] < fit[pick])
        ):
            pick = i
    marks[pick] = 1
    return pick


@njit()
def _copy_elite(pop: Any, fit: Any, children: Any, child_fit: Any, lo: int, hi: int,
                n_elite: int, marks: Any) -> None:
    """Copy the ``n_elite`` best rows of ``[lo, hi)`` to the front of the island.

    pop, fit # IN; children, child_fit # OUT on rows ``lo .. lo + n_elite``;
    marks (n,) uint8 # work.
    """
    marks[lo:hi] = 0
    for e in range(n_elite):
        best = _take_extreme(fit, lo, hi, marks, False)
        children[lo + e, :] = pop[best, :]
        child_fit[lo + e] = fit[best]


@njit()
def _ga_offspring(pop: Any, fit: Any, children: Any, child_fit: Any, lower: Any,
                  upper: Any, n_islands: int, n_elite: int, ops: Any, rates: Any,
                  cum: Any, marks: Any, used: Any, scratch: Any, state: Any) -> None:
    """Breed one generation for every island.

    pop (n, d), fit (n,) # IN; children (n, d), child_fit (n,) # OUT (non-elite
    child_fit left for the caller to evaluate); lower, upper (d,), ops, rates # IN;
    cum (n,) float64, marks (n,) uint8, used (d,) uint8, scratch (2, d) of pop's dtype # work.
    Real genomes take SBX/blend/uniform with polynomial/Gaussian mutation; uint8
    bit genomes uniform crossover with bit-flip; int64 permutations order
    crossover with swap mutation (the codes in ``ops`` must match the dtype).
    """
    n = pop.shape[0]
    size = n // n_islands
    cx_prob = rates[0]
    pm = rates[1]
    for isl in range(n_islands):
        lo = isl * size
        hi = lo + size
        _copy_elite(pop, fit, children, child_fit, lo, hi, n_elite, marks)
        if ops[0] == SELECT_ROULETTE:
            _roulette_weights(fit, lo, hi, cum)
        i = lo + n_elite
        while i < hi:
            a = _select(fit, cum, lo, hi, ops, state)
            b = _select(fit, cum, lo, hi, ops, state)
            c1 = scratch[0]
            c2 = scratch[1]
            if _uniform(state) < cx_prob:
                _crossover(pop[a], pop[b], c1, c2, lower, upper, ops, rates, used, state)
            else:
                c1[:] = pop[a]
                c2[:] = pop[b]
            _mutate(c1, lower, upper, ops, rates[3], pm, state)
            children[i, :] = c1
            if i + 1 < hi:
                _mutate(c2, lower, upper, ops, rates[3], pm, state)
                children[i + 1, :] = c2
            i += 2


@njit()
def _crossover(p1: Any, p2: Any, c1: Any, c2: Any, lower: Any, upper: Any, ops: Any,
               rates: Any, work: Any, state: Any) -> None:
    """Apply the crossover named by ``ops[2]``.  p1, p2 # IN; c1, c2 # OUT; work # work."""
    code = ops[2]
    if code == CX_SBX:
        _sbx(p1, p2, c1, c2, lower, upper, rates[2], state)
    elif code == CX_BLEND:
        _blend(p1, p2, c1, c2, lower, upper, rates[2], state)
    elif code == CX_ORDER:
        _order_crossover(p1, p2, c1, c2, work, state)
    else:
        _uniform_crossover(p1, p2, c1, c2, state)


@njit()
def _mutate(c: Any, lower: Any, upper: Any, ops: Any, param: float, pm: float,
            state: Any) -> None:
    """Apply the mutation named by ``ops[3]``.  c # IN/OUT."""
    code = ops[3]
    if code == MUT_POLYNOMIAL:
        _polynomial_mutation(c, lower, upper, param, pm, state)
    elif code == MUT_GAUSSIAN:
        _gaussian_mutation(c, lower, upper, param, pm, state)
    elif code == MUT_BITFLIP:
        _bitflip_mutation(c, pm, state)
    else:
        _swap_mutation(c, pm, state)


@njit()
def _migrate_ring(pop: Any, fit: Any, n_islands: int, n_migrants: int, buf: Any,
                  buf_fit: Any, marks: Any) -> None:
    """Ring migration: each island's best ``n_migrants`` replace the next island's worst.

    pop (n, d), fit (n,) # IN/OUT; buf (n_islands * n_migrants, d), buf_fit # work;
    marks (n,) uint8 # work.  All emigrants are chosen before any arrive.
    """
    size = pop.shape[0] // n_islands
    for isl in range(n_islands):
        lo = isl * size
        marks[lo : lo + size] = 0
        for e in range(n_migrants):
            best = _take_extreme(fit, lo, lo + size, marks, False)
            buf[isl * n_migrants + e, :] = pop[best, :]
            buf_fit[isl * n_migrants + e] = fit[best]
    for isl in range(n_islands):
        lo = ((isl + 1) % n_islands) * size
        marks[lo : lo + size] = 0
        for e in range(n_migrants):
            worst = _take_extreme(fit, lo, lo + size, marks, True)
            pop[worst, :] = buf[isl * n_migrants + e, :]
            fit[worst] = buf_fit[isl * n_migrants + e]


@njit()
def _decode_bits(bits: Any, lower: Any, upper: Any, n_bits: int, out: Any) -> None:
    """Map each ``n_bits``-bit big-endian block to ``lower + k / (2**n_bits - 1) * range``.

    bits (n, d * n_bits) uint8 # IN; lower, upper (d,) # IN; out (n, d) # OUT.
    """
    n, d = out.shape
    scale = 1.0 / (2.0**n_bits - 1.0)
    for i in range(n):
        for j in range(d):
            k = 0.0
            base = j * n_bits
            for t in range(n_bits):
                k = 2.0 * k + bits[i, base + t]
            out[i, j] = lower[j] + k * scale * (upper[j] - lower[j])


@njit()
def _track_best(x: Any, fx: Any, best_x: Any, best_f: Any) -> None:
    """Keep the best row ever seen.  x (n, d), fx (n,) # IN; best_x (d,), best_f (1,) # IN/OUT."""
    i = _argmin(fx)
    if fx[i] < best_f[0]:
        best_f[0] = fx[i]
        best_x[:] = x[i]


@objective_loop
def _evaluate_islands(func: Any, x: Any, fx: Any, n_islands: int, n_elite: int) -> None:
    """Evaluate the non-elite rows of every island.  x # IN; fx # OUT."""
    size = x.shape[0] // n_islands
    for isl in range(n_islands):
        _evaluate_rows(func, x, isl * size + n_elite, (isl + 1) * size, fx)


@objective_loop
def _ga_run(func: Any, pop: Any, fit: Any, children: Any, child_fit: Any, phenotype: Any,
            n_bits: int, lower: Any, upper: Any, n_islands: int, n_elite: int, ops: Any,
            rates: Any, migrate_every: int, n_migrants: int, buf: Any, buf_fit: Any,
            cum: Any, marks: Any, used: Any, scratch: Any, best_x: Any, best_f: Any, history: Any,
            it_start: int, it_stop: int, tol: float, patience: int, target: float,
            state: Any) -> int:
    """Run GA generations ``it_start + 1 .. it_stop`` with a compiled objective.

    Arrays as in ``_ga_offspring`` and ``_migrate_ring``; ``phenotype`` # work is
    what the objective sees: (n, d) float64 decoded from bit genomes when
    ``n_bits > 0``, otherwise the ``children`` array itself;
    best_x, best_f # IN/OUT; history # OUT at the indices reached.  Returns the
    last generation completed.
    """
    it = it_start
    while it < it_stop:
        _ga_offspring(pop, fit, children, child_fit, lower, upper, n_islands, n_elite, ops,
                      rates, cum, marks, used, scratch, state)
        if n_bits > 0:
            _decode_bits(children, lower, upper, n_bits, phenotype)
        _evaluate_islands(func, phenotype, child_fit, n_islands, n_elite)
        _track_best(phenotype, child_fit, best_x, best_f)
        pop[:, :] = children
        fit[:] = child_fit
        it += 1
        if n_islands > 1 and migrate_every > 0 and it % migrate_every == 0:
            _migrate_ring(pop, fit, n_islands, n_migrants, buf, buf_fit, marks)
        history[it] = best_f[0]
        if _stop_reached(history, it, tol, patience, target):
            break
    return it


# ----------------------------------------------------------------------------- DE


@njit()
def _de_trials(pop: Any, fit: Any, trials: Any, lower: Any, upper: Any, strategy: int,
               f_low: float, f_high: float, cr: float, adapt: bool, params: Any,
               params_try: Any, state: Any) -> None:
    """Build one DE trial vector per member (rand/1/bin or best/1/bin).

    pop (n, d), fit (n,), lower, upper (d,) # IN; trials (n, d) # OUT; params (n, 2)
    float64 (F, CR) per member # IN; params_try (n, 2) # OUT: the (F, CR) each trial
    used.  ``adapt`` False: one factor per generation drawn from ``[f_low, f_high]``
    (dithering; equal bounds give a constant factor) and crossover rate ``cr`` for
    everyone.  ``adapt`` True (jDE, Brest et al. 2006): member ``i`` uses its own
    ``params[i]``, each redrawn first with probability 0.1 (F uniform on [0.1, 1],
    CR on [0, 1]); :func:`_de_select` keeps them only when the trial wins.  A
    mutant gene outside the bounds is replaced by the midpoint between the parent
    gene and the violated bound.  Needs n >= 4.
    """
    n, d = pop.shape
    scale = f_low + _uniform(state) * (f_high - f_low)
    rate = cr
    best = _argmin(fit)
    for i in range(n):
        if adapt:
            scale = params[i, 0]
            if _uniform(state) < 0.1:
                scale = 0.1 + 0.9 * _uniform(state)
            rate = params[i, 1]
            if _uniform(state) < 0.1:
                rate = _uniform(state)
        params_try[i, 0] = scale
        params_try[i, 1] = rate
        r1 = _randint(state, n)
        while r1 == i:
            r1 = _randint(state, n)
        r2 = _randint(state, n)
        while r2 in (i, r1):
            r2 = _randint(state, n)
        r3 = _randint(state, n)
        while r3 in (i, r1, r2):
            r3 = _randint(state, n)
        if strategy == DE_BEST1:  # x_best + F (x_r1 - x_r2)
            base, plus, minus = best, r1, r2
        else:  # x_r1 + F (x_r2 - x_r3)
            base, plus, minus = r1, r2, r3
        jrand = _randint(state, d)
        for j in range(d):
            if j == jrand or _uniform(state) < rate:
                value = pop[base, j] + scale * (pop[plus, j] - pop[minus, j])
                if value < lower[j]:
                    value = 0.5 * (lower[j] + pop[i, j])
                elif value > upper[j]:
                    value = 0.5 * (upper[j] + pop[i, j])
                trials[i, j] = value
            else:
                trials[i, j] = pop[i, j]


@njit()
def _de_select(pop: Any, fit: Any, trials: Any, trial_fit: Any, params: Any,
               params_try: Any) -> int:
    """Greedy one-to-one replacement; returns the best index.

    trials, trial_fit, params_try # IN; pop, fit, params # IN/OUT: a winning trial
    also passes on the (F, CR) it was made with.  Ties go to the trial (drift on
    plateaus).
    """
    n = pop.shape[0]
    for i in range(n):
        if trial_fit[i] <= fit[i]:
            fit[i] = trial_fit[i]
            pop[i, :] = trials[i, :]
            params[i, 0] = params_try[i, 0]
            params[i, 1] = params_try[i, 1]
    return _argmin(fit)


@objective_loop
def _de_run(func: Any, pop: Any, fit: Any, trials: Any, trial_fit: Any, lower: Any,
            upper: Any, strategy: int, f_low: float, f_high: float, cr: float, adapt: bool,
            params: Any, params_try: Any, history: Any, it_start: int, it_stop: int,
            tol: float, patience: int, target: float, state: Any) -> int:
    """Run DE generations ``it_start + 1 .. it_stop`` with a compiled objective.

    pop, fit, params, state # IN/OUT; trials, trial_fit, params_try # work; history
    # OUT at the indices reached.  Returns the last generation completed.
    """
    it = it_start
    while it < it_stop:
        _de_trials(pop, fit, trials, lower, upper, strategy, f_low, f_high, cr, adapt, params,
                   params_try, state)
        _evaluate_rows(func, trials, 0, trials.shape[0], trial_fit)
        g = _de_select(pop, fit, trials, trial_fit, params, params_try)
        it += 1
        history[it] = fit[g]
        if _stop_reached(history, it, tol, patience, target):
            break
    return it
