"""Deterministic QUBO searches: Gray-code enumeration and local descents.

Conventions as in :mod:`lukhas._kernels.anneal`: symmetric ``S`` (float64),
binary int8 states, energy ``x' S x``, a local field ``f = S x`` per state.
The single-flip change of bit ``i`` is ``2 d f_i + S_ii`` with ``d = 1 - 2 x_i``;
moving a one from ``i`` to ``j`` changes the energy by
``2 (f_j - f_i) + S_ii + S_jj - 2 S_ij``.
"""

from __future__ import annotations

import numpy as np

from lukhas._kernels._jit import njit, prange
from lukhas._kernels.anneal import fill_field

__all__: list[str] = []


@njit(inline="always")
def _flip(S: np.ndarray, x: np.ndarray, field: np.ndarray, i: int) -> None:
    """Flip bit ``i`` of ``x`` and update ``field``.

    ``x`` : int8[n]  # IN/OUT
    ``field`` : float64[n]  # IN/OUT
    """
    direction = 1.0 - 2.0 * x[i]
    x[i] = np.int8(1) - x[i]
    row = S[i]
    for j in range(x.shape[0]):
        field[j] += direction * row[j]


@njit(parallel=True)
def _exact_gray(
    S: np.ndarray,
    low_bits: int,
    x: np.ndarray,
    field: np.ndarray,
    best_x: np.ndarray,
    best_energy: np.ndarray,
) -> None:
    """Enumerate all ``2**n`` states in Gray-code order, in ``2**(n - low_bits)`` parallel chunks.

    Chunk ``c`` fixes the top ``n - low_bits`` bits to the binary digits of
    ``c`` and walks the ``2**low_bits`` settings of the low bits, one flip per
    step.  Starting each chunk from a freshly computed field bounds the
    floating-point drift of the running energy.  Within a chunk the first
    state reaching the minimum is kept.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[chunks, n] scratch  # OUT
    ``field`` : float64[chunks, n] scratch  # OUT
    ``best_x`` : int8[chunks, n] best state per chunk  # OUT
    ``best_energy`` : float64[chunks] its running energy  # OUT
    """
    chunks, n = x.shape
    count = np.int64(1) << np.int64(low_bits)
    for c in prange(chunks):
        xc = x[c]
        fc = field[c]
        for i in range(n):
            xc[i] = 0
        for b in range(n - low_bits):
            xc[low_bits + b] = np.int8((c >> b) & 1)
        energy = fill_field(S, xc, fc)
        best = energy
        best_x[c, :] = xc
        for g in range(1, count):
            i = 0
            while (g >> i) & 1 == 0:
                i += 1
            energy += 2.0 * (1.0 - 2.0 * xc[i]) * fc[i] + S[i, i]
            _flip(S, xc, fc, i)
            if energy < best:
                best = energy
                best_x[c, :] = xc
        best_energy[c] = best


@njit(parallel=True)
def _steepest_descent(S: np.ndarray, tol: float, x: np.ndarray, field: np.ndarray) -> None:
    """Flip the single bit that lowers the energy most, until no flip gains more than ``tol``.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[reads, n]  # IN/OUT
    ``field`` : float64[reads, n] scratch  # OUT
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        fr = field[r]
        fill_field(S, xr, fr)
        while True:
            best_delta = -tol
            best_i = -1
            for i in range(n):
                delta = 2.0 * (1.0 - 2.0 * xr[i]) * fr[i] + S[i, i]
                if delta < best_delta:
                    best_delta = delta
                    best_i = i
            if best_i < 0:
                break
            _flip(S, xr, fr, best_i)


@njit(parallel=True)
def _swap_descent(S: np.ndarray, tol: float, x: np.ndarray, field: np.ndarray) -> None:
    """Best-improvement swaps (one bit 1 -> 0 and one 0 -> 1) until none gains more than ``tol``.

    The number of ones in each state never changes.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[reads, n]  # IN/OUT
    ``field`` : float64[reads, n] scratch  # OUT
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        fr = field[r]
        fill_field(S, xr, fr)
        while True:
            best_delta = -tol
            best_i = -1
            best_j = -1
            for i in range(n):
                if xr[i] == 0:
                    continue
                leave = S[i, i] - 2.0 * fr[i]
                row = S[i]
                for j in range(n):
                    if xr[j] != 0:
                        continue
                    delta = leave + 2.0 * fr[j] + S[j, j] - 2.0 * row[j]
                    if delta < best_delta:
                        best_delta = delta
                        best_i = i
                        best_j = j
            if best_i < 0:
                break
            _flip(S, xr, fr, best_i)
            _flip(S, xr, fr, best_j)


@njit(parallel=True)
def _repair_cardinality(S: np.ndarray, k: int, x: np.ndarray, field: np.ndarray) -> None:
    """Make every state hold exactly ``k`` ones by greedy cheapest removals or additions.

    ``S`` : float64[n, n] symmetric  # IN
    ``x`` : int8[reads, n]  # IN/OUT
    ``field`` : float64[reads, n] scratch  # OUT
    """
    reads, n = x.shape
    for r in prange(reads):
        xr = x[r]
        fr = field[r]
        fill_field(S, xr, fr)
        ones = 0
        for i in range(n):
            ones += xr[i]
        while ones != k:
            want = 0 if ones > k else 1  # bits that may flip hold 1 - want
            best_delta = np.inf
            best_i = -1
            for i in range(n):
                if xr[i] == want:
                    continue
                delta = 2.0 * (1.0 - 2.0 * xr[i]) * fr[i] + S[i, i]
                if delta < best_delta:
                    best_delta = delta
                    best_i = i
            _flip(S, xr, fr, best_i)
            ones += 1 if want == 1 else -1
