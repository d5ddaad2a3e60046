"""Conversion between dense QUBOs and dimod's BinaryQuadraticModel (dimod is optional)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from lukhas._validation import check_real, describe
from lukhas.primitives.anneal._models import QUBO, as_square_matrix, symmetric_part

__all__ = ["from_bqm", "to_bqm"]


def import_dimod() -> Any:
    """Import dimod, or raise an ImportError that says how to install it."""
    try:
        import dimod
    except ImportError as err:
        raise ImportError(
            "dimod interop needs dimod: pip install 'dimod>=0.12' (or lukhas[quantum])."
        ) from err
    return dimod


def to_bqm(Q: Any, offset: float = 0.0) -> Any:
    """Return the dimod ``BinaryQuadraticModel`` (BINARY) with energy ``x'Qx + offset``.

    Parameters
    ----------
    Q : array_like of shape (n, n), dtype=float64, or QUBO
        Any square QUBO matrix (variables labelled ``0..n-1``), or a
        :class:`QUBO`, whose own offset is then added to ``offset``.
    offset : float, default=0.0
        Constant term.

    Returns
    -------
    bqm : dimod.BinaryQuadraticModel
        Linear biases ``Q_ii``, quadratic biases ``Q_ij + Q_ji`` for ``i < j``.

    Raises
    ------
    ImportError
        dimod is not installed.

    Examples
    --------
    >>> bqm = to_bqm([[1.0, 2.0], [0.0, -1.0]], offset=0.5)  # doctest: +SKIP
    >>> bqm.energy({0: 1, 1: 1})  # doctest: +SKIP
    2.5
    """
    dimod = import_dimod()
    const = check_real("offset", offset)
    if isinstance(Q, QUBO):
        const += Q.offset
        Q = Q.matrix
    S = symmetric_part(as_square_matrix("Q", Q))
    n = S.shape[0]
    rows, cols = np.triu_indices(n, 1)
    quad = 2.0 * S[rows, cols]
    keep = quad != 0.0
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.diag(S).copy(), (rows[keep], cols[keep], quad[keep]), const, dimod.BINARY
    )


def from_bqm(bqm: Any) -> tuple[QUBO, list[Hashable]]:
    """Return the dense symmetric QUBO of a dimod model and its variable labels.

    Parameters
    ----------
    bqm : dimod.BinaryQuadraticModel
        SPIN or BINARY; SPIN models are converted.

    Returns
    -------
    qubo : QUBO
        ``x'Qx + offset`` equals ``bqm.energy`` on the BINARY version of the model.
    labels : list
        ``labels[i]`` is the dimod variable of column ``i``.

    Raises
    ------
    ImportError
        dimod is not installed.
    TypeError
        ``bqm`` is not a BinaryQuadraticModel.

    Examples
    --------
    >>> q, labels = from_bqm(to_bqm([[1.0, 2.0], [0.0, -1.0]]))  # doctest: +SKIP
    >>> q.matrix  # doctest: +SKIP
    array([[ 1.,  1.],
           [ 1., -1.]])
    """
    dimod = import_dimod()
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(f"`bqm` must be a dimod.BinaryQuadraticModel, got {describe(bqm)}.")
    binary = bqm.change_vartype(dimod.BINARY, inplace=False)
    labels = list(binary.variables)
    n = len(labels)
    matrix = np.zeros((n, n))
    if n:
        lin, (row, col, quad), offset = binary.to_numpy_vectors(variable_order=labels)
        matrix[np.diag_indices(n)] = lin
        np.add.at(matrix, (row, col), 0.5 * quad)
        np.add.at(matrix, (col, row), 0.5 * quad)
    else:
        offset = binary.offset
    return QUBO(np.ascontiguousarray(matrix), float(offset)), labels
