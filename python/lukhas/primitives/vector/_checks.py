"""Boundary checks shared by every vector backend.

Built on :mod:`lukhas._validation`; these add what all indexes agree on: a
vector batch has the index's width and no NaN, ids are unique non-negative
integers, and ``k`` is a positive int.  The store core
(:mod:`lukhas.primitives.vector._core`) builds on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, describe

__all__ = [
    "check_ids",
    "check_k",
    "check_queries",
    "check_vectors",
    "normalize_rows",
]

def check_vectors(
    name: str, value: Any, dim: int, dtype: np.dtype[Any]
) -> npt.NDArray[Any]:
    """Return ``value`` as a C-contiguous (n, dim) array of ``dtype`` with finite entries.

    A 1-D input of length ``dim`` is one vector.  Raises TypeError for non-numeric
    data and ValueError for a wrong width, rank or a NaN/inf entry.
    """
    arr = check_array(name, value, dtype=dtype, ndim=(1, 2), contiguous=True)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.shape[1] != dim:
        raise ValueError(
            f"`{name}` must have {dim} columns (the index dimension), got {describe(arr)}."
        )
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
        raise ValueError(
            f"`{name}` must be finite; row(s) {bad[:5].tolist()} hold NaN or infinity."
        )
    return arr


def check_queries(
    value: Any, dim: int, dtype: np.dtype[Any]
) -> tuple[npt.NDArray[Any], bool]:
    """Validate queries; return the (n, dim) batch and whether one 1-D query was given."""
    single = isinstance(value, np.ndarray | list | tuple) and np.ndim(value) == 1
    return check_vectors("queries", value, dim, dtype), single


def check_k(k: Any) -> int:
    """Validate the number of neighbours."""
    return check_int("k", k, low=1)


def check_ids(value: Any, n: int) -> npt.NDArray[np.int64]:
    """Return ``value`` as n unique non-negative int64 ids (ValueError on duplicates)."""
    arr = check_array("ids", value, ndim=1)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"`ids` must hold integers, got {describe(arr)}.")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise ValueError("`ids` must fit in int64.")
    ids = arr.astype(np.int64)
    if ids.shape[0] != n:
        raise ValueError(f"`ids` must hold one id per vector ({n}), got {ids.shape[0]}.")
    if ids.size and int(ids.min()) < 0:
        raise ValueError(f"`ids` must be >= 0 (-1 marks padding), got {int(ids.min())}.")
    uniq, counts = np.unique(ids, return_counts=True)
    if uniq.size != ids.size:
        raise ValueError(f"`ids` must be unique, got duplicates {uniq[counts > 1][:5].tolist()}.")
    return ids


def normalize_rows(name: str, vectors: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return unit-norm copies of the rows (cosine metric); ValueError on a zero row."""
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    if vectors.shape[0] and float(norms.min()) == 0.0:
        bad = np.flatnonzero(norms == 0.0)
        raise ValueError(
            f"`{name}` rows {bad[:5].tolist()} are zero vectors; the cosine metric needs "
            "a non-zero norm."
        )
    unit: npt.NDArray[Any] = (vectors / norms[:, None]).astype(vectors.dtype)
    return unit
