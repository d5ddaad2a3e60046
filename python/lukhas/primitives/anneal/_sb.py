"""Coupling matrix for simulated bifurcation, dense or CSR, and its extreme eigenvalues.

SB maximises ``s' K s`` with ``K = -J`` (the Ising couplings of the normalised
QUBO).  Fields ``h`` are folded into an ancilla spin ``a``: ``h_i s_i = h_i s_i
s_a`` when ``s_a = +1``, and answers are read relative to ``s_a``.  Without
fields (max-cut and other zero-field problems) there is no ancilla.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lukhas.primitives.anneal._models import FloatArray
from lukhas.primitives.anneal._problem import Problem

__all__ = ["SBCouplings", "sb_couplings"]

_POWER_STEPS = 100


@dataclass(frozen=True, eq=False)
class SBCouplings:
    """``K`` with ``m`` spins (``n`` plus the ancilla when ``ancilla``), dense or CSR."""

    m: int
    ancilla: bool
    dense: FloatArray | None
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    data: FloatArray

    def matvec(self, v: FloatArray) -> FloatArray:
        """``K @ v``."""
        if self.dense is not None:
            return np.asarray(self.dense @ v)
        from lukhas._kernels import anneal_csr as k

        out = np.empty(self.m)
        k._csr_matvec(self.indptr, self.indices, self.data, np.zeros(self.m), v, out)
        return out

    def spectrum(self) -> tuple[float, float]:
        """Estimates of the largest and smallest eigenvalues of ``K`` (power iteration).

        Each end is the Rayleigh quotient after :data:`_POWER_STEPS` steps of
        the power method on ``K + R I`` (``R I - K``), ``R`` the largest absolute
        row sum, from a fixed start: deterministic, and never beyond the true
        eigenvalue.
        """
        if self.dense is not None:
            radius = float(np.abs(self.dense).sum(axis=1).max())
        else:
            rows = np.repeat(np.arange(self.m), np.diff(self.indptr))
            radius = float(np.bincount(rows, np.abs(self.data), minlength=self.m).max())
        if radius == 0.0:
            return 0.0, 0.0
        start = 1.0 + 0.5 * np.cos(np.arange(self.m) * 1.618)
        ends = []
        for sign in (1.0, -1.0):
            v = start / np.linalg.norm(start)
            value = 0.0
            for _ in range(_POWER_STEPS):
                w = sign * self.matvec(v) + radius * v
                norm = float(np.linalg.norm(w))
                if norm == 0.0:
                    break
                v = w / norm
            value = float(v @ self.matvec(v))
            ends.append(value)
        return ends[0], ends[1]


def sb_couplings(p: Problem) -> SBCouplings:
    """Build ``K`` for the normalised problem ``p`` (see the module docstring)."""
    n = p.n
    _, signed = p.row_abs_sums()
    h = 0.5 * signed
    ancilla = bool(np.any(h != 0.0))
    m = n + 1 if ancilla else n
    empty_i = np.zeros(1, np.int64)
    if p.dense is not None:
        K = np.zeros((m, m))
        K[:n, :n] = -0.5 * p.dense
        K[np.diag_indices(n)] = 0.0
        if ancilla:
            K[:n, n] = -h
            K[n, :n] = -h
        return SBCouplings(m, ancilla, K, empty_i, np.zeros(0, np.int32), np.zeros(0))
    rows = np.repeat(np.arange(n), np.diff(p.indptr))
    cols = p.indices.astype(np.int64)
    vals = -0.5 * p.data
    if ancilla:
        field = np.flatnonzero(h)
        rows = np.concatenate((rows, field, np.full(field.size, n)))
        cols = np.concatenate((cols, np.full(field.size, n), field))
        vals = np.concatenate((vals, -h[field], -h[field]))
    order = np.lexsort((cols, rows))
    indptr = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
    return SBCouplings(m, ancilla, None, indptr, cols[order].astype(np.int32),
                       np.ascontiguousarray(vals[order]))
