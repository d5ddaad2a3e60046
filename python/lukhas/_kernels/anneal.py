"""Annealing kernels: simulated annealing (QUBO) and path-integral quantum annealing (Ising).

Conventions shared by every kernel here:

* QUBO kernels take a **symmetric** ``S`` (float64, C-contiguous) and binary
  states ``x`` in {0, 1} (int8); the energy is ``x' S x``.  They keep a local
  field ``f = S x`` per state and update it with one row of ``S`` per accepted
  flip, so a flip attempt costs O(1) and an accepted flip O(n).
* Ising kernels take ``h`` and a symmetric ``J`` with a zero diagonal and spins
  in {-1, +1} (int8); the energy is ``h's + sum_{i<j} J_ij s_i s_j``.
* Reads are independent: each owns a row of every scratch array, a xoshiro256**
  stream ``rng[r]`` and a timespec ``clock_buf[r]``, and ``prange`` spreads them
  over threads.  Results do not depend on scheduling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._jit import njit, prange
from lukhas._kernels.walltime import elapsed_seconds, stamp
from lukhas._kernels.xoshiro import next_u64, uniform

__all__ = [
    "MAX_EXPONENT",
    "fill_field",
    "metropolis_accept",
    "metropolis_sweep",
    "random_bits",
]

#: Metropolis moves with ``beta * dE`` above this are rejected without drawing a
#: number: ``exp(-40) < 2**-53`` is below the resolution of :func:`uniform`.
MAX_EXPONENT = 40.0

# Bracketing tables for ``exp(-y)``, 0 <= y <= MAX_EXPONENT, in steps of 1/64:
# _EXP_BELOW[k] <= exp(-y) <= _EXP_ABOVE[k] whenever k = int(64 y).  The margins
# (a hundredth of a step, far above the rounding of 64 y and of np.exp) keep the
# brackets rigorous, so deciding ``u < exp(-y)`` from them gives exactly the
# decision of computing exp, which only the ~1.6% of draws between them still do.
_EXP_STEPS = 64.0
_EXP_GRID = np.arange(int(MAX_EXPONENT * _EXP_STEPS) + 2, dtype=np.float64)
_EXP_BELOW = np.exp(-(_EXP_GRID + 1.01) / _EXP_STEPS)
_EXP_ABOVE = np.exp(-(_EXP_GRID - 0.01) / _EXP_STEPS)


@njit(inline="always")
def random_bits(x: np.ndarray, state: np.ndarray) -> None:
    """Fill ``x`` with independent fair bits.

    ``x`` : int8[n]  # OUT
    ``state`` : uint64[4]  # IN/OUT
    """
    for i in range(x.shape[0]):
        x[i] = np.int8(next_u64(state) >> np.uint64(63))


@njit(inline="always")
def fill_field(S: np.ndarray, x: np.ndarray, field: np.ndarray) -> float:
    """Set ``field = S @ x`` for binary ``x`` and return the energy ``x' S x``.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[n] in {0, 1}  # IN
    ``field`` : float64[n]  # OUT
    """
    n = x.shape[0]
    for i in range(n):
        field[i] = 0.0
    for j in range(n):
        if x[j] != 0:
            row = S[j]
            for i in range(n):
                field[i] += row[i]
    energy = 0.0
    for i in range(n):
        if x[i] != 0:
            energy += field[i]
    return energy


@njit(inline="always")
def metropolis_accept(u: float, exponent: float) -> bool:
    """Return ``u < exp(-exponent)`` for ``0 <= exponent <= MAX_EXPONENT``, mostly without exp.

    A table lookup settles all but the draws that fall between the brackets of
    ``exp(-exponent)``; those compute it.  The answer equals the direct
    comparison for every input.
    """
    k = int(exponent * _EXP_STEPS)
    if u < _EXP_BELOW[k]:
        return True
    if u >= _EXP_ABOVE[k]:
        return False
    return bool(u < np.exp(-exponent))


@njit(inline="always")
def metropolis_sweep(
    S: np.ndarray, x: np.ndarray, field: np.ndarray, beta: float, state: np.ndarray
) -> float:
    """One Metropolis sweep of single-bit flips in index order; return the energy change.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[n]  # IN/OUT
    ``field`` : float64[n], kept equal to ``S @ x``  # IN/OUT
    ``state`` : uint64[4]  # IN/OUT
    """
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        direction = 1.0 - 2.0 * x[i]  # +1 for 0 -> 1, -1 for 1 -> 0
        delta = 2.0 * direction * field[i] + S[i, i]
        if delta > 0.0:
            exponent = beta * delta
            if exponent > MAX_EXPONENT or not metropolis_accept(uniform(state), exponent):
                continue
        x[i] = np.int8(1) - x[i]
        row = S[i]
        if direction > 0.0:  # two loops without a multiply: plain vector adds / subtracts
            for j in range(n):
                field[j] += row[j]
        else:
            for j in range(n):
                field[j] -= row[j]
        total += delta
    return total


@njit(parallel=True)
def _anneal_qubo(
    S: np.ndarray,
    betas: np.ndarray,
    random_init: bool,
    x: np.ndarray,
    field: np.ndarray,
    rng: np.ndarray,
    clock: Any,
    clock_buf: np.ndarray,
    seconds: np.ndarray,
) -> None:
    """Simulated annealing, one Metropolis sweep per entry of ``betas``, reads in parallel.

    ``S`` : float64[n, n] symmetric  # IN
    ``betas`` : float64[sweeps] inverse temperatures  # IN
    ``x`` : int8[reads, n] initial states (ignored if ``random_init``), final states  # IN/OUT
    ``field`` : float64[reads, n] scratch  # OUT
    ``rng`` : uint64[reads, 4] one stream per read  # IN/OUT
    ``clock_buf`` : int64[reads, 2] scratch  # OUT
    ``seconds`` : float64[reads] wall time of each read  # OUT
    """
    reads = x.shape[0]
    for r in prange(reads):
        stamp(clock, clock_buf[r])
        state = rng[r]
        xr = x[r]
        fr = field[r]
        if random_init:
            random_bits(xr, state)
        fill_field(S, xr, fr)
        for b in range(betas.shape[0]):
            metropolis_sweep(S, xr, fr, betas[b], state)
        seconds[r] = elapsed_seconds(clock, clock_buf[r])


@njit(inline="always")
def _fill_ising_field(h: np.ndarray, J: np.ndarray, s: np.ndarray, field: np.ndarray) -> float:
    """Set ``field = h + J @ s`` and return the Ising energy of ``s``.

    ``h`` : float64[n]  # IN
    ``J`` : float64[n, n] symmetric, zero diagonal  # IN
    ``s`` : int8[n] in {-1, +1}  # IN
    ``field`` : float64[n]  # OUT
    """
    n = s.shape[0]
    for i in range(n):
        field[i] = h[i]
    for j in range(n):
        row = J[j]
        if s[j] > 0:
            for i in range(n):
                field[i] += row[i]
        else:
            for i in range(n):
                field[i] -= row[i]
    energy = 0.0
    for i in range(n):
        energy += 0.5 * s[i] * (field[i] + h[i])
    return energy


@njit(parallel=True)
def _quantum_anneal_ising(
    h: np.ndarray,
    J: np.ndarray,
    gammas: np.ndarray,
    beta: float,
    spins: np.ndarray,
    field: np.ndarray,
    out: np.ndarray,
    rng: np.ndarray,
    clock: Any,
    clock_buf: np.ndarray,
    seconds: np.ndarray,
) -> None:
    """Path-integral simulated quantum annealing (discrete-time Suzuki-Trotter), reads in parallel.

    ``P = spins.shape[1]`` Trotter slices on a ring are coupled by
    ``J_perp = ln(coth(beta * gamma / P)) / (2 * beta)``; one sweep visits every
    spin of every slice with the classical energy scaled by ``1/P``.  The
    transverse field follows ``gammas`` (one sweep per entry).  Each read
    returns its slice of lowest classical energy.

    ``h`` : float64[n]  # IN
    ``J`` : float64[n, n] symmetric, zero diagonal  # IN
    ``gammas`` : float64[sweeps] positive transverse fields  # IN
    ``spins`` : int8[reads, P, n] scratch  # OUT
    ``field`` : float64[reads, P, n] scratch  # OUT
    ``out`` : int8[reads, n] best slice of each read  # OUT
    ``rng`` : uint64[reads, 4]  # IN/OUT
    ``clock_buf`` : int64[reads, 2] scratch  # OUT
    ``seconds`` : float64[reads]  # OUT
    """
    reads, slices, n = spins.shape
    inv_slices = 1.0 / slices
    for r in prange(reads):
        stamp(clock, clock_buf[r])
        state = rng[r]
        for k in range(slices):
            sk = spins[r, k]
            for i in range(n):
                sk[i] = np.int8(2 * np.int64(next_u64(state) >> np.uint64(63)) - 1)
            _fill_ising_field(h, J, sk, field[r, k])
        for g in range(gammas.shape[0]):
            j_perp = -0.5 / beta * np.log(np.tanh(beta * gammas[g] * inv_slices))
            for k in range(slices):
                sk = spins[r, k]
                fk = field[r, k]
                up = spins[r, (k + 1) % slices]
                down = spins[r, (k + slices - 1) % slices]
                for i in range(n):
                    s = 1.0 if sk[i] > 0 else -1.0
                    delta = -2.0 * s * fk[i] * inv_slices + 2.0 * j_perp * s * (up[i] + down[i])
                    if delta > 0.0:
                        exponent = beta * delta
                        if exponent > MAX_EXPONENT or not metropolis_accept(uniform(state),
                                                                            exponent):
                            continue
                    sk[i] = -sk[i]
                    row = J[i]
                    step = -2.0 * s
                    for j in range(n):
                        fk[j] += step * row[j]
        best_k = 0
        best_energy = np.inf
        for k in range(slices):
            energy = 0.0
            for i in range(n):
                energy += 0.5 * spins[r, k, i] * (field[r, k, i] + h[i])
            if energy < best_energy:
                best_energy = energy
                best_k = k
        for i in range(n):
            out[r, i] = spins[r, best_k, i]
        seconds[r] = elapsed_seconds(clock, clock_buf[r])
