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
    "MAX_ID",
    "check_id_array",
    "check_ids",
    "check_k",
    "check_magnitude",
    "check_queries",
    "check_vectors",
    "id_key",
    "normalize_rows",
]

#: Largest id a store accepts: one below int64's maximum, so "next id" always fits int64.
MAX_ID = int(np.iinfo(np.int64).max) - 1


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


def check_magnitude(name: str, arr: npt.NDArray[Any], kernel: str) -> None:
    """Refuse rows whose norm would overflow the dtype in the metric's arithmetic.

    Under ``kernel="l2"`` every squared norm must be at most ``finfo.max / 4``:
    then ``|q - x|^2 <= (|q| + |x|)^2`` and every partial sum of the blocked
    products stay finite.  Under ``"ip"`` every squared norm must be at most
    ``finfo.max``, which bounds ``|<q, x>|`` by Cauchy-Schwarz.  Norms are
    computed in float64 (float32 data cannot overflow them there).

    Raises
    ------
    ValueError
        Naming the first row over the limit and the limit.
    """
    if not arr.size or arr.dtype.kind != "f":
        return
    limit = float(np.finfo(arr.dtype).max) / (4.0 if kernel == "l2" else 1.0)
    peak = float(np.abs(arr).max())
    if peak * peak * arr.shape[1] <= limit:  # fast accept: the bound cannot be reached
        return
    wide = arr.astype(np.float64) if arr.dtype != np.float64 else arr
    scale = peak  # scaled sums: no overflow even for float64 data near its maximum
    sq = np.einsum("ij,ij->i", wide / scale, wide / scale)
    over = np.flatnonzero(sq > limit / (scale * scale))
    if over.size:
        raise ValueError(
            f"`{name}` row {int(over[0])} has a squared norm above {limit:.4g}, the largest "
            f"the {kernel!r} distance can handle in {arr.dtype} without overflow "
            f"(finfo({arr.dtype}).max{' / 4' if kernel == 'l2' else ''}); rescale the data.")


def check_k(k: Any) -> int:
    """Validate the number of neighbours."""
    return check_int("k", k, low=1)


def check_id_array(name: str, value: Any) -> npt.NDArray[np.int64]:
    """Return ``value`` (an int or a 1-D array-like of ints) as an int64 array of ids.

    Repeats are allowed; floats, bools and negative or oversized ids are not.

    Examples
    --------
    >>> check_id_array("ids", [3, 3, 1]).tolist()
    [3, 3, 1]
    >>> check_id_array("ids", [1.7])
    Traceback (most recent call last):
    ...
    TypeError: `ids` must hold integers, got ndarray of shape (1,), dtype=float64.
    """
    arr = check_array(name, value, ndim=(0, 1))
    arr = arr.reshape(-1)
    if arr.dtype.kind not in "iu" and not (arr.size == 0 and arr.dtype.kind == "f"):
        raise TypeError(f"`{name}` must hold integers, got {describe(arr)}.")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > MAX_ID:
        raise ValueError(f"`{name}` must be <= {MAX_ID} (2**63 - 2), got {int(arr.max())}.")
    ids = arr.astype(np.int64)
    if ids.size and int(ids.min()) < 0:
        raise ValueError(f"`{name}` must be >= 0 (-1 marks padding), got {int(ids.min())}.")
    if ids.size and int(ids.max()) > MAX_ID:
        raise ValueError(
            f"`{name}` must be <= {MAX_ID} (2**63 - 2, so that the next fresh id fits int64), "
            f"got {int(ids.max())}.")
    return ids


def check_ids(value: Any, n: int) -> npt.NDArray[np.int64]:
    """Return ``value`` as n unique non-negative int64 ids (ValueError on duplicates)."""
    arr = check_array("ids", value, ndim=1)
    ids = check_id_array("ids", arr)
    if ids.shape[0] != n:
        raise ValueError(f"`ids` must hold one id per vector ({n}), got {ids.shape[0]}.")
    uniq, counts = np.unique(ids, return_counts=True)
    if uniq.size != ids.size:
        raise ValueError(f"`ids` must be unique, got duplicates {uniq[counts > 1][:5].tolist()}.")
    return ids


def id_key(ident: object) -> int:
    """The int an id lookup (``ident in store``) uses; TypeError for anything but an int.

    ``bool`` is refused too (``True in store`` would otherwise ask about id 1),
    and so are floats, which ids never are.

    Examples
    --------
    >>> id_key(np.int32(4))
    4
    >>> id_key(True)
    Traceback (most recent call last):
    ...
    TypeError: `ident` must be an int id, got an object of type bool.
    """
    if isinstance(ident, int | np.integer) and not isinstance(ident, bool | np.bool_):
        return int(ident)
    raise TypeError(f"`ident` must be an int id, got an object of type {type(ident).__name__}.")


def normalize_rows(name: str, vectors: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return unit-norm copies of the rows (cosine metric); ValueError on a zero row."""
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    if not np.isfinite(norms).all():  # float64 rows near its maximum: scale, then measure
        peak = np.abs(vectors).max(axis=1, initial=0.0).astype(np.float64)
        peak[peak == 0] = 1.0
        scaled = vectors / peak[:, None]
        norms = peak * np.sqrt(np.einsum("ij,ij->i", scaled, scaled, dtype=np.float64))
    if vectors.shape[0] and float(norms.min()) == 0.0:
        bad = np.flatnonzero(norms == 0.0)
        raise ValueError(
            f"`{name}` rows {bad[:5].tolist()} are zero vectors; the cosine metric needs "
            "a non-zero norm."
        )
    unit: npt.NDArray[Any] = (vectors / norms[:, None]).astype(vectors.dtype)
    return unit
