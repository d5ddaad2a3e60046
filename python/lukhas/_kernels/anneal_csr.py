"""Sparse (CSR) twins of the annealing kernels: SA, PT, SQA, SB, local searches, energies.

A sparse QUBO ``x' S x`` arrives as the off-diagonal part of the symmetric
``S`` in compressed sparse rows (``indptr`` int64[n + 1], ``indices`` int32[nnz],
``data`` float64[nnz], both halves stored) plus its diagonal ``diag``
float64[n].  Every kernel keeps the local field ``f = S x`` and updates it in
O(degree) per accepted flip; no kernel here touches an n x n array.  The
conventions (states, streams, timings, IN/OUT comments) are those of
:mod:`lukhas._kernels.anneal`, and each kernel makes exactly the random draws
of its dense twin, so a problem gives the same samples on either path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lukhas._kernels._jit import njit, prange
from lukhas._kernels.anneal import MAX_EXPONENT, metropolis_accept, random_bits
from lukhas._kernels.walltime import elapsed_seconds, stamp
from lukhas._kernels.xoshiro import next_u64, uniform

__all__ = ["csr_fill_field", "csr_metropolis_sweep"]


@njit(inline="always")
def csr_fill_field(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                   diag: np.ndarray, x: np.ndarray, field: np.ndarray) -> float:
    """Set ``field = S @ x`` for binary ``x`` and return ``x' S x``.

    ``indptr``, ``indices``, ``data``, ``diag`` : CSR off-diagonal part and diagonal  # IN
    ``x`` : int8[n] in {0, 1}  # IN
    ``field`` : float64[n]  # OUT
    """
    n = x.shape[0]
    for i in range(n):
        field[i] = 0.0
    for j in range(n):
        if x[j] != 0:
            field[j] += diag[j]
            for p in range(indptr[j], indptr[j + 1]):
                field[indices[p]] += data[p]
    energy = 0.0
    for i in range(n):
        if x[i] != 0:
            energy += field[i]
    return energy


@njit(inline="always")
def _csr_flip(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, diag: np.ndarray,
              x: np.ndarray, field: np.ndarray, i: int) -> None:
    """Flip bit ``i`` and update ``field`` in O(degree).  x, field # IN/OUT."""
    direction = 1.0 - 2.0 * x[i]
    x[i] = np.int8(1) - x[i]
    field[i] += direction * diag[i]
    for p in range(indptr[i], indptr[i + 1]):
        field[indices[p]] += direction * data[p]


@njit(inline="always")
def csr_metropolis_sweep(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                         diag: np.ndarray, x: np.ndarray, field: np.ndarray, beta: float,
                         state: np.ndarray) -> float:
    """One Metropolis sweep in index order; return the energy change.

    ``x`` : int8[n]  # IN/OUT
    ``field`` : float64[n], kept equal to ``S @ x``  # IN/OUT
    ``state`` : uint64[4]  # IN/OUT
    """
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        direction = 1.0 - 2.0 * x[i]
        delta = 2.0 * direction * field[i] + diag[i]
        if delta > 0.0:
            exponent = beta * delta
            if exponent > MAX_EXPONENT or not metropolis_accept(uniform(state), exponent):
                continue
        x[i] = np.int8(1) - x[i]
        field[i] += direction * diag[i]
        for p in range(indptr[i], indptr[i + 1]):
            field[indices[p]] += direction * data[p]
        total += delta
    return total


@njit(parallel=True)
def _anneal_qubo_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                     diag: np.ndarray, betas: np.ndarray, random_init: bool, x: np.ndarray,
                     field: np.ndarray, rng: np.ndarray, clock: Any, clock_buf: np.ndarray,
                     seconds: np.ndarray) -> None:
    """Simulated annealing on a CSR problem (see ``anneal._anneal_qubo``).

    ``betas`` : float64[sweeps]  # IN
    ``x`` : int8[reads, n]  # IN/OUT
    ``field`` : float64[reads, n] scratch  # OUT
    ``rng`` : uint64[reads, 4]  # IN/OUT
    ``clock_buf`` : int64[reads, 2] scratch  # OUT
    ``seconds`` : float64[reads]  # OUT
    """
    reads = x.shape[0]
    for r in prange(reads):
        stamp(clock, clock_buf[r])
        state = rng[r]
        xr = x[r]
        fr = field[r]
        if random_init:
            random_bits(xr, state)
        csr_fill_field(indptr, indices, data, diag, xr, fr)
        for b in range(betas.shape[0]):
            csr_metropolis_sweep(indptr, indices, data, diag, xr, fr, betas[b], state)
        seconds[r] = elapsed_seconds(clock, clock_buf[r])


@njit(parallel=True)
def _temper_qubo_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                     diag: np.ndarray, betas: np.ndarray, sweeps: int, x: np.ndarray,
                     field: np.ndarray, energy: np.ndarray, slot: np.ndarray,
                     best_x: np.ndarray, rng: np.ndarray, clock: Any, clock_buf: np.ndarray,
                     seconds: np.ndarray) -> None:
    """Replica exchange on a CSR problem (see ``tempering._temper_qubo``).

    ``betas`` : float64[R] increasing  # IN
    ``x`` : int8[runs, R, n], ``field`` : float64[runs, R, n]  # scratch, OUT
    ``energy`` : float64[runs, R], ``slot`` : int64[runs, R]  # scratch, OUT
    ``best_x`` : int8[runs, n]  # OUT
    ``rng`` : uint64[runs, 4]  # IN/OUT
    ``clock_buf`` : int64[runs, 2]  # OUT; ``seconds`` : float64[runs]  # OUT
    """
    runs, replicas = energy.shape
    for r in prange(runs):
        stamp(clock, clock_buf[r])
        state = rng[r]
        best = np.inf
        best_a = -1
        for a in range(replicas):
            random_bits(x[r, a], state)
            energy[r, a] = csr_fill_field(indptr, indices, data, diag, x[r, a], field[r, a])
            slot[r, a] = a
            if energy[r, a] < best:
                best = energy[r, a]
                best_a = a
        best_x[r, :] = x[r, best_a]
        for sweep in range(sweeps):
            for t in range(replicas):
                a = slot[r, t]
                energy[r, a] += csr_metropolis_sweep(indptr, indices, data, diag, x[r, a],
                                                     field[r, a], betas[t], state)
            best_a = -1
            for a in range(replicas):
                if energy[r, a] < best:
                    best = energy[r, a]
                    best_a = a
            if best_a >= 0:
                best_x[r, :] = x[r, best_a]
            for t in range(sweep % 2, replicas - 1, 2):
                a = slot[r, t]
                b = slot[r, t + 1]
                log_ratio = (betas[t] - betas[t + 1]) * (energy[r, a] - energy[r, b])
                if log_ratio >= 0.0 or uniform(state) < np.exp(log_ratio):
                    slot[r, t] = b
                    slot[r, t + 1] = a
        seconds[r] = elapsed_seconds(clock, clock_buf[r])


@njit(inline="always")
def _csr_ising_field(h: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                     pair: np.ndarray, s: np.ndarray, field: np.ndarray) -> None:
    """Set ``field = h + J @ s`` with ``J`` in CSR (zero diagonal).  field # OUT."""
    n = s.shape[0]
    for i in range(n):
        field[i] = h[i]
    for j in range(n):
        sj = 1.0 if s[j] > 0 else -1.0
        for p in range(indptr[j], indptr[j + 1]):
            field[indices[p]] += sj * pair[p]


@njit(parallel=True)
def _quantum_anneal_ising_csr(h: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                              pair: np.ndarray, gammas: np.ndarray, beta: float,
                              spins: np.ndarray, field: np.ndarray, out: np.ndarray,
                              rng: np.ndarray, clock: Any, clock_buf: np.ndarray,
                              seconds: np.ndarray) -> None:
    """Path-integral SQA with CSR couplings (see ``anneal._quantum_anneal_ising``).

    ``h`` : float64[n]; ``indptr``, ``indices``, ``pair`` : CSR of ``J``  # IN
    ``gammas`` : float64[sweeps]  # IN
    ``spins`` : int8[reads, P, n], ``field`` : float64[reads, P, n]  # scratch, OUT
    ``out`` : int8[reads, n]  # OUT
    ``rng`` : uint64[reads, 4]  # IN/OUT
    ``clock_buf`` : int64[reads, 2]  # OUT; ``seconds`` : float64[reads]  # OUT
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
            _csr_ising_field(h, indptr, indices, pair, sk, field[r, k])
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
                    step = -2.0 * s
                    for p in range(indptr[i], indptr[i + 1]):
                        fk[indices[p]] += step * pair[p]
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


@njit(parallel=True)
def _bifurcate_csr(indptr: np.ndarray, indices: np.ndarray, K: np.ndarray, steps: int,
                   dt: float, a0: float, c0: float, discrete: bool, x: np.ndarray,
                   y: np.ndarray, force: np.ndarray, spins: np.ndarray, rng: np.ndarray,
                   clock: Any, clock_buf: np.ndarray, seconds: np.ndarray) -> None:
    """Simulated bifurcation with CSR couplings (see ``bifurcation._bifurcate``).

    ``indptr``, ``indices``, ``K`` : CSR of the symmetric coupling matrix  # IN
    ``x``, ``y``, ``force`` : float64[reads, m]  # OUT
    ``spins`` : int8[reads, m]  # OUT
    ``rng`` : uint64[reads, 4]  # IN/OUT
    ``clock_buf`` : int64[reads, 2]  # OUT; ``seconds`` : float64[reads]  # OUT
    """
    reads, m = x.shape
    for r in prange(reads):
        stamp(clock, clock_buf[r])
        state = rng[r]
        xr = x[r]
        yr = y[r]
        fr = force[r]
        for i in range(m):
            xr[i] = 0.2 * uniform(state) - 0.1
            yr[i] = 0.2 * uniform(state) - 0.1
        for step in range(steps):
            detuning = a0 - a0 * step / steps
            for i in range(m):
                total = 0.0
                if discrete:
                    for p in range(indptr[i], indptr[i + 1]):
                        xj = xr[indices[p]]
                        if xj > 0.0:
                            total += K[p]
                        elif xj < 0.0:
                            total -= K[p]
                else:
                    for p in range(indptr[i], indptr[i + 1]):
                        total += K[p] * xr[indices[p]]
                fr[i] = total
            for i in range(m):
                yr[i] += dt * (c0 * fr[i] - detuning * xr[i])
                xr[i] += dt * a0 * yr[i]
                if xr[i] > 1.0:
                    xr[i] = 1.0
                    yr[i] = 0.0
                elif xr[i] < -1.0:
                    xr[i] = -1.0
                    yr[i] = 0.0
        for i in range(m):
            spins[r, i] = np.int8(1) if xr[i] >= 0.0 else np.int8(-1)
        seconds[r] = elapsed_seconds(clock, clock_buf[r])


@njit(parallel=True)
def _steepest_descent_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                          diag: np.ndarray, tol: float, x: np.ndarray,
                          field: np.ndarray) -> None:
    """Flip the most improving bit until no flip gains more than ``tol``.

    ``x`` : int8[reads, n]  # IN/OUT; ``field`` : float64[reads, n] scratch  # OUT
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        fr = field[r]
        csr_fill_field(indptr, indices, data, diag, xr, fr)
        while True:
            best_delta = -tol
            best_i = -1
            for i in range(n):
                delta = 2.0 * (1.0 - 2.0 * xr[i]) * fr[i] + diag[i]
                if delta < best_delta:
                    best_delta = delta
                    best_i = i
            if best_i < 0:
                break
            _csr_flip(indptr, indices, data, diag, xr, fr, best_i)


@njit(parallel=True)
def _swap_descent_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                      diag: np.ndarray, tol: float, x: np.ndarray, field: np.ndarray,
                      row: np.ndarray) -> None:
    """Best-improvement swaps (a 1 -> 0 and a 0 -> 1) until none gains more than ``tol``.

    ``x`` : int8[reads, n]  # IN/OUT
    ``field``, ``row`` : float64[reads, n] scratch  # OUT (``row`` holds one
    scattered row of ``S`` at a time and is left all zero)
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        fr = field[r]
        wr = row[r]
        for i in range(n):
            wr[i] = 0.0
        csr_fill_field(indptr, indices, data, diag, xr, fr)
        while True:
            best_delta = -tol
            best_i = -1
            best_j = -1
            for i in range(n):
                if xr[i] == 0:
                    continue
                leave = diag[i] - 2.0 * fr[i]
                for p in range(indptr[i], indptr[i + 1]):
                    wr[indices[p]] = data[p]
                for j in range(n):
                    if xr[j] != 0:
                        continue
                    delta = leave + 2.0 * fr[j] + diag[j] - 2.0 * wr[j]
                    if delta < best_delta:
                        best_delta = delta
                        best_i = i
                        best_j = j
                for p in range(indptr[i], indptr[i + 1]):
                    wr[indices[p]] = 0.0
            if best_i < 0:
                break
            _csr_flip(indptr, indices, data, diag, xr, fr, best_i)
            _csr_flip(indptr, indices, data, diag, xr, fr, best_j)


@njit(parallel=True)
def _csr_energies(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                  diag: np.ndarray, x: np.ndarray, offset: float, out: np.ndarray) -> None:
    """``out[r] = x_r' S x_r + offset`` for every row of ``x``.

    ``x`` : int8[reads, n]  # IN; ``out`` : float64[reads]  # OUT
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        total = 0.0
        for i in range(n):
            if xr[i] != 0:
                acc = diag[i]
                for p in range(indptr[i], indptr[i + 1]):
                    if xr[indices[p]] != 0:
                        acc += data[p]
                total += acc
        out[r] = total + offset


@njit()
def _csr_matvec(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, diag: np.ndarray,
                v: np.ndarray, out: np.ndarray) -> None:
    """``out = (offdiag + diag(diag)) @ v``.  v # IN; out # OUT."""
    n = v.shape[0]
    for i in range(n):
        total = diag[i] * v[i]
        for p in range(indptr[i], indptr[i + 1]):
            total += data[p] * v[indices[p]]
        out[i] = total
