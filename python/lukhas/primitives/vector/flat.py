"""``FlatIndex``: exact vector search over a contiguous array."""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_dtype, check_int
from lukhas.primitives.vector._checks import check_id_array, id_key
from lukhas.primitives.vector._core import (
    BACKENDS,
    IdLedger,
    prepare_search,
    prepare_vectors,
    unwrap,
)
from lukhas.primitives.vector._exact import exact_search

__all__ = ["FlatIndex"]

logger = logging.getLogger(__name__)

_PROFILE = BACKENDS["FlatIndex"].profile()


class FlatIndex:
    """Exact k-nearest-neighbour search: BLAS products plus a compiled partial top-k.

    Parameters
    ----------
    dim : int
        Vector width, >= 1.
    metric : {"ip", "cosine", "l2"}, default="ip"
        ``"ip"``: inner product, ``"cosine"``: cosine similarity (vectors are
        stored unit-normalised), ``"l2"``: squared Euclidean distance.
    dtype : {float32, float64}, default=float32
        Storage and compute dtype; inputs are cast to it.
    **options
        None are taken: any other keyword raises ``ValueError`` naming it
        (as every backend does for options it does not support).

    Notes
    -----
    ``search`` returns similarities (larger first) for ``"ip"``/``"cosine"`` and
    squared distances (smaller first) for ``"l2"``.  Equal scores are ordered by
    the smaller id.  When ``k`` exceeds the number of stored vectors the rows
    are padded with id ``-1`` and score ``-inf`` (similarities) or ``+inf``
    (distances).  Ids are unique non-negative ints; adding an id that is
    already stored raises ``ValueError`` and changes nothing.  Fresh ids are
    never ones handed out before, even after they were removed.  Methods are
    thread-safe (one lock).

    Examples
    --------
    >>> import numpy as np
    >>> index = FlatIndex(2, metric="l2")
    >>> index.add(np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]]), ids=[10, 11, 12])
    array([10, 11, 12])
    >>> ids, dist = index.search(np.array([0.9, 0.1]), k=2)
    >>> ids.tolist(), [round(float(d), 2) for d in dist]
    ([11, 10], [0.02, 0.82])
    >>> len(index)
    3
    """

    def __init__(self, dim: int, metric: str = "ip", dtype: npt.DTypeLike = np.float32,
                 **options: Any) -> None:
        _PROFILE.check_index_options(options)
        self.dim = check_int("dim", dim, low=1)
        self._metric = _PROFILE.check_metric(metric)
        self.metric = self._metric.name
        self.dtype: np.dtype[Any] = check_dtype("dtype", dtype, (np.float32, np.float64))
        self._vectors = np.empty((0, self.dim), dtype=self.dtype)
        self._sqnorms = np.empty(0, dtype=self.dtype)
        self._ids = np.empty(0, dtype=np.int64)
        self._size = 0
        self._row_of: dict[int, int] = {}
        self._ledger = IdLedger(self._held)
        self._lock = threading.Lock()

    def _held(self, ids: npt.NDArray[np.int64]) -> list[int]:
        return [i for i in ids.tolist() if i in self._row_of]

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return (f"FlatIndex(dim={self.dim}, metric={self.metric!r}, dtype={self.dtype}, "
                f"size={self._size})")

    def __contains__(self, ident: object) -> bool:
        return id_key(ident) in self._row_of

    @property
    def ids(self) -> npt.NDArray[np.int64]:
        """Ids of the stored vectors, in storage order (a copy), shape (n,)."""
        return self._ids[: self._size].copy()

    def add(self, vectors: Any, ids: Any = None) -> npt.NDArray[np.int64]:
        """Store vectors.

        Parameters
        ----------
        vectors : array_like of shape (n, dim) or (dim,)
            Finite values; cast to the index dtype.
        ids : array_like of shape (n,) of int, optional
            Unique non-negative ids not yet stored; by default the next free ids.

        Returns
        -------
        ids : ndarray of shape (n,), dtype=int64, the ids assigned
            The ids assigned.

        Raises
        ------
        TypeError
            Non-numeric vectors or ids.
        ValueError
            Wrong width, NaN/inf, zero vectors under cosine, duplicate ids.

        Examples
        --------
        >>> FlatIndex(3).add(np.eye(3)).tolist()
        [0, 1, 2]
        """
        arr = prepare_vectors("vectors", vectors, self.dim, self.dtype, self._metric)
        n = arr.shape[0]
        with self._lock:
            new_ids = self._ledger.claim(n, ids)
            self._reserve(self._size + n)
            rows = slice(self._size, self._size + n)
            self._vectors[rows] = arr
            self._ids[rows] = new_ids
            if self._metric.kernel == "l2":
                self._sqnorms[rows] = np.einsum("ij,ij->i", arr, arr)
            rows_of_new = range(self._size, self._size + n)
            self._row_of.update(zip(new_ids.tolist(), rows_of_new, strict=True))
            self._size += n
            self._ledger.commit(new_ids)
        return new_ids

    def _reserve(self, needed: int) -> None:
        capacity = self._vectors.shape[0]
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity, 64)
        vectors = np.empty((capacity, self.dim), dtype=self.dtype)
        vectors[: self._size] = self._vectors[: self._size]
        ids = np.empty(capacity, dtype=np.int64)
        ids[: self._size] = self._ids[: self._size]
        sqnorms = np.empty(capacity, dtype=self.dtype)
        sqnorms[: self._size] = self._sqnorms[: self._size]
        self._vectors, self._ids, self._sqnorms = vectors, ids, sqnorms

    def remove(self, ids: Any) -> None:
        """Delete vectors by id.

        Parameters
        ----------
        ids : array_like of int
            Ids to delete; all must be stored (otherwise nothing is deleted).

        Raises
        ------
        KeyError
            If one is not stored (the index is then unchanged).

        Examples
        --------
        >>> index = FlatIndex(2)
        >>> _ = index.add(np.eye(2))
        >>> index.remove([0])
        >>> index.ids.tolist()
        [1]
        """
        with self._lock:
            doomed = self._ledger.removable(ids)
            # Fill each hole with the last row, highest hole first.
            for row in sorted((self._row_of.pop(int(i)) for i in doomed), reverse=True):
                last = self._size - 1
                if row != last:
                    self._vectors[row] = self._vectors[last]
                    self._sqnorms[row] = self._sqnorms[last]
                    moved = int(self._ids[last])
                    self._ids[row] = moved
                    self._row_of[moved] = row
                self._size = last

    def get(self, ids: Any) -> npt.NDArray[Any]:
        """Return the stored vectors of ``ids`` (unit rows under cosine).

        Parameters
        ----------
        ids : array_like of int
            Stored ids.

        Returns
        -------
        vectors : ndarray of shape (len(ids), dim)

        Raises
        ------
        KeyError
            Naming the first missing id: every id must be stored.

        Examples
        --------
        >>> index = FlatIndex(2)
        >>> _ = index.add([[1.0, 2.0]], ids=[7])
        >>> index.get([7]).tolist()
        [[1.0, 2.0]]
        """
        wanted = check_id_array("ids", ids)
        with self._lock:
            try:
                rows = [self._row_of[int(i)] for i in wanted]
            except KeyError as err:
                raise KeyError(f"id {err.args[0]} is not stored.") from None
            return self._vectors[rows].copy()

    def search(
        self, queries: Any, k: int, **options: Any
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
        """Exact top-k neighbours of one query or a batch.

        Parameters
        ----------
        queries : array_like of shape (nq, dim) or (dim,)
            Finite query vectors, cast to the index dtype.
        k : int
            Neighbours per query, >= 1 (rows are padded beyond the index size).
        **options
            None are taken (``ValueError`` naming the option).

        Returns
        -------
        ids : ndarray of shape (nq, k) or (k,), dtype=int64
            Best first; ``-1`` pads.
        scores : ndarray of shape (nq, k) or (k,), dtype of the index
            Similarities (ip, cosine) or squared distances (l2).

        Raises
        ------
        TypeError, ValueError
            Bad queries or ``k``.

        Examples
        --------
        >>> index = FlatIndex(2)
        >>> _ = index.add([[1.0, 0.0], [0.0, 1.0]])
        >>> index.search([[2.0, 1.0]], k=3)[0].tolist()
        [[0, 1, -1]]
        """
        _PROFILE.check_search_options(options)
        q, k, single = prepare_search(queries, k, self.dim, self.dtype, self._metric)
        with self._lock:
            n = self._size
            ids, scores = exact_search(
                self._vectors[:n], self._ids[:n], q, k, self.metric,
                self._sqnorms[:n] if self._metric.kernel == "l2" else None,
            )
        return unwrap(single, ids, scores)
