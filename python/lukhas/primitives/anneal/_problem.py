"""The solvers' form of a QUBO: scale-free coefficients, dense or CSR, chosen by density.

:func:`as_problem` accepts a dense matrix, a ``scipy.sparse`` matrix, a dimod
``BinaryQuadraticModel`` or an edge list and returns a :class:`Problem`:

* the symmetric part ``S`` of ``Q``, divided by ``scale = max |S_ij|`` so that
  every default schedule (computed from the normalised coefficients) is the
  same for ``Q`` and ``c Q``, ``c > 0``;
* dense ``(n, n)`` when more than :data:`SPARSE_DENSITY` of the off-diagonal
  entries are non-zero, otherwise CSR (off-diagonal part, both halves, plus the
  diagonal): sparse input never becomes an ``n x n`` array;
* energies always from the caller's coefficients (not the normalised ones),
  refused with a ``ValueError`` when they could leave the float64 range.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import describe
from lukhas.primitives.anneal._models import (
    FloatArray,
    Int8Array,
    as_square_matrix,
    qubo_energies,
    symmetric_part,
)

__all__ = ["ENERGY_LIMIT", "SPARSE_DENSITY", "Problem", "as_problem", "is_sparse_input"]

#: Off-diagonal fill above which the dense kernels win (a flip then costs one
#: contiguous row add, cheaper than a CSR scatter of more than n/10 entries).
SPARSE_DENSITY = 0.1
#: Largest allowed ``sum_ij |S_ij| + |offset|``: it bounds every energy and every partial
#: sum of one, so none can overflow (1% below the float64 maximum, for rounding).
ENERGY_LIMIT = 0.99 * float(np.finfo(np.float64).max)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated QUBO in the form the kernels take (see the module docstring).

    ``dense`` is the normalised ``S`` (n, n) on the dense path, else None; the
    CSR arrays (``indptr`` int64[n + 1], ``indices`` int32[nnz], ``data``
    float64[nnz]) hold the normalised off-diagonal part on the sparse path
    (empty on the dense one); ``diag`` is the normalised diagonal either way.
    ``raw`` is the caller-scale ``S`` (dense input) or None (sparse input, whose
    caller-scale CSR is ``raw_data``/``raw_diag``).  ``labels`` are the column
    variables of a dimod model (None otherwise); ``offset`` its constant.
    """

    n: int
    scale: float
    dense: FloatArray | None
    indptr: IntArray
    indices: npt.NDArray[np.int32]
    data: FloatArray
    diag: FloatArray
    raw: FloatArray | None
    raw_data: FloatArray
    raw_diag: FloatArray
    labels: list[Hashable] | None = None
    offset: float = 0.0

    @property
    def sparse(self) -> bool:
        """Whether the kernels run on the CSR form."""
        return self.dense is None

    @property
    def csr(self) -> tuple[IntArray, npt.NDArray[np.int32], FloatArray, FloatArray]:
        """``(indptr, indices, data, diag)`` of the normalised problem."""
        return self.indptr, self.indices, self.data, self.diag

    def energies(self, x: Int8Array, offset: float) -> FloatArray:
        """``x' S x + offset`` per row of ``x`` at the caller's scale."""
        if self.raw is not None:
            return qubo_energies(self.raw, x, offset)
        from lukhas._kernels import anneal_csr as k

        out = np.empty(x.shape[0])
        k._csr_energies(self.indptr, self.indices, self.raw_data, self.raw_diag,
                        np.ascontiguousarray(x), float(offset), out)
        return out

    def to_dense(self) -> FloatArray:
        """The caller-scale symmetric ``S`` as an (n, n) array (small problems only)."""
        if self.raw is not None:
            return self.raw
        S = np.zeros((self.n, self.n))
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        S[rows, self.indices] = self.raw_data
        S[np.diag_indices(self.n)] = self.raw_diag
        return S

    def normalised_dense(self) -> FloatArray:
        """The normalised symmetric ``S`` as an (n, n) array (small problems only)."""
        if self.dense is not None:
            return self.dense
        return self.to_dense() / self.scale

    def row_abs_sums(self) -> tuple[FloatArray, FloatArray]:
        """Per variable: ``sum_{j != i} |S_ij|`` and the signed row sum ``sum_j S_ij`` (normalised).

        A signed sum within rounding noise of zero (``|sum| <= 1e-12 sum |S_ij|``)
        is returned as exactly zero: max-cut rows cancel exactly in exact
        arithmetic, and a residual ``1e-17`` must not pass for a field.
        """
        if self.dense is not None:
            absolute = np.abs(self.dense).sum(axis=1)
            off = absolute - np.abs(self.diag)
            signed = self.dense.sum(axis=1)
        else:
            rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
            off = np.bincount(rows, np.abs(self.data), minlength=self.n)
            absolute = off + np.abs(self.diag)
            signed = np.bincount(rows, self.data, minlength=self.n) + self.diag
        signed[np.abs(signed) <= 1e-12 * absolute] = 0.0
        return off, signed

    def min_abs_offdiag(self) -> FloatArray:
        """Per variable, the smallest non-zero ``|S_ij|``, ``j != i`` (inf when none)."""
        if self.dense is not None:
            a = np.abs(self.dense)
            a[np.diag_indices(self.n)] = 0.0
            a[a == 0.0] = np.inf
            return np.asarray(a.min(axis=1))
        out = np.full(self.n, np.inf)
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        vals = np.abs(self.data)
        keep = vals > 0.0
        np.minimum.at(out, rows[keep], vals[keep])
        return out


def is_sparse_input(value: Any) -> bool:
    """True for ``scipy.sparse`` matrices and arrays (without importing scipy)."""
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "tocoo")


def _is_bqm(value: Any) -> bool:
    return type(value).__module__.startswith("dimod") and hasattr(value, "to_numpy_vectors")


def _is_edge_list(value: Any) -> bool:
    if isinstance(value, Mapping):
        return True
    return (isinstance(value, list) and len(value) > 0
            and all(isinstance(e, tuple) and len(e) == 3 for e in value))


def _coo_of(name: str, Q: Any) -> tuple[int, IntArray, IntArray, FloatArray, list[Hashable] | None,
                                        float]:
    """Return ``(n, rows, cols, values, labels, offset)`` for a non-dense input."""
    if is_sparse_input(Q):
        if len(Q.shape) != 2 or Q.shape[0] != Q.shape[1] or Q.shape[0] == 0:
            raise ValueError(f"`{name}` must be a non-empty square matrix, got shape {Q.shape}.")
        coo = Q.tocoo()
        return (int(Q.shape[0]), np.asarray(coo.row, np.int64), np.asarray(coo.col, np.int64),
                np.asarray(coo.data, np.float64), None, 0.0)
    if _is_bqm(Q):
        import dimod

        binary = Q.change_vartype(dimod.BINARY, inplace=False)
        labels = list(binary.variables)
        if not labels:
            raise ValueError(f"`{name}` must have at least one variable, got an empty model.")
        lin, (row, col, quad), offset = binary.to_numpy_vectors(variable_order=labels)
        n = len(labels)
        idx = np.arange(n, dtype=np.int64)
        rows = np.concatenate((idx, np.asarray(row, np.int64)))
        cols = np.concatenate((idx, np.asarray(col, np.int64)))
        vals = np.concatenate((np.asarray(lin, np.float64), np.asarray(quad, np.float64)))
        return n, rows, cols, vals, labels, float(offset)
    items = list(Q.items()) if isinstance(Q, Mapping) else [((e[0], e[1]), e[2]) for e in Q]
    try:
        rows = np.array([ij[0] for ij, _ in items], dtype=np.int64)
        cols = np.array([ij[1] for ij, _ in items], dtype=np.int64)
        vals = np.array([w for _, w in items], dtype=np.float64)
    except (TypeError, ValueError, IndexError) as err:
        raise TypeError(f"`{name}` as an edge list must map (i, j) pairs of integers to real "
                        f"weights, got {describe(Q)}.") from err
    if rows.size == 0 or min(rows.min(), cols.min()) < 0:
        raise ValueError(f"`{name}` as an edge list must be non-empty with indices >= 0.")
    return int(max(rows.max(), cols.max())) + 1, rows, cols, vals, None, 0.0


def _check_scale(name: str, scale: float, abs_sum_normalised: float, offset: float) -> None:
    bound = scale * abs_sum_normalised
    if not math.isfinite(bound) or bound + abs(offset) > ENERGY_LIMIT:
        raise ValueError(
            f"`{name}` is too large: sum |Q_ij| + |offset| must stay below {ENERGY_LIMIT:.3g} "
            f"so that every energy is a finite float64, got about {bound:.3g}; rescale Q."
        )


def as_problem(name: str, Q: Any, offset: float = 0.0,
               density: float = SPARSE_DENSITY) -> Problem:
    """Validate ``Q`` (any accepted form, see the module docstring) into a :class:`Problem`.

    ``offset`` is only checked against :data:`ENERGY_LIMIT`; a dimod model's
    own offset is returned in ``Problem.offset``.
    """
    if is_sparse_input(Q) or _is_bqm(Q) or _is_edge_list(Q):
        n, rows, cols, vals, labels, own_offset = _coo_of(name, Q)
        if rows.size and (max(rows.max(), cols.max()) >= n):
            raise ValueError(f"`{name}` has an index >= {n}, the number of variables.")
        if not np.isfinite(vals).all():
            raise ValueError(f"`{name}` must not contain NaN or infinite coefficients.")
        on = rows == cols
        diag = np.bincount(rows[on], vals[on], minlength=n).astype(np.float64)
        r, c, v = rows[~on], cols[~on], 0.5 * vals[~on]
        # both halves of the symmetric part; duplicates summed
        keys = np.concatenate((r * n + c, c * n + r))
        weights = np.concatenate((v, v))
        uniq, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, weights, minlength=uniq.size)
        keep = summed != 0.0
        uniq, summed = uniq[keep], summed[keep]
        urows, ucols = uniq // n, uniq % n
        nnz = summed.size
        if nnz > density * n * max(n - 1, 1) and n * n <= 1 << 26:
            S = np.zeros((n, n))
            S[urows, ucols] = summed
            S[np.diag_indices(n)] = diag
            problem = _dense_problem(name, S, offset + own_offset)
            return Problem(**{**problem.__dict__, "labels": labels, "offset": own_offset})
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(urows, minlength=n), out=indptr[1:])
        scale = max(float(np.abs(summed).max()) if nnz else 0.0, float(np.abs(diag).max()))
        scale = scale if scale > 0.0 else 1.0
        data_n = summed / scale
        diag_n = diag / scale
        _check_scale(name, scale, float(np.abs(data_n).sum() + np.abs(diag_n).sum()),
                     offset + own_offset)
        return Problem(n, scale, None, indptr, ucols.astype(np.int32), data_n, diag_n, None,
                       summed, diag, labels, own_offset)
    M = as_square_matrix(name, Q)
    S = np.ascontiguousarray(0.5 * M + 0.5 * M.T)  # never overflows, unlike 0.5 * (M + M')
    n = S.shape[0]
    off_nnz = int(np.count_nonzero(S)) - int(np.count_nonzero(np.diag(S)))
    if off_nnz <= density * n * max(n - 1, 1) and n > 1:
        rows, cols = np.nonzero(S)
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
        raw_data = np.ascontiguousarray(S[rows, cols])
        raw_diag = np.ascontiguousarray(np.diag(S)).copy()
        scale = float(np.abs(S).max()) or 1.0
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        data_n = raw_data / scale
        diag_n = raw_diag / scale
        _check_scale(name, scale, float(np.abs(data_n).sum() + np.abs(diag_n).sum()), offset)
        return Problem(n, scale, None, indptr, cols.astype(np.int32), data_n, diag_n, S,
                       raw_data, raw_diag)
    return _dense_problem(name, S, offset)


def _dense_problem(name: str, S: FloatArray, offset: float) -> Problem:
    n = S.shape[0]
    scale = float(np.abs(S).max()) or 1.0
    dense = np.ascontiguousarray(S / scale)
    _check_scale(name, scale, float(np.abs(dense).sum()), offset)
    empty_i = np.zeros(1, np.int64)
    return Problem(n, scale, dense, empty_i, np.zeros(0, np.int32), np.zeros(0),
                   np.ascontiguousarray(np.diag(dense)).copy(), S, np.zeros(0),
                   np.ascontiguousarray(np.diag(S)).copy())


def dense_or_array(name: str, Q: Any) -> FloatArray:
    """``Q`` of any accepted form as a caller-scale symmetric dense matrix (for small n)."""
    if is_sparse_input(Q) or _is_bqm(Q) or _is_edge_list(Q):
        return as_problem(name, Q).to_dense()
    return symmetric_part(as_square_matrix(name, Q))
