"""Novelty of a vector against a memory of recent vectors."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int

__all__ = ["VectorNovelty"]


def _unit(vec: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """``vec / |vec|``, or None for a zero vector.

    Dividing by the largest magnitude first keeps the squares of tiny (subnormal)
    or huge entries from underflowing or overflowing.
    """
    scale = float(np.max(np.abs(vec)))
    if scale == 0.0:
        return None
    scaled = vec / scale
    unit: npt.NDArray[np.float64] = scaled / float(np.linalg.norm(scaled))
    return unit


class VectorNovelty:
    """Surprise of each new vector relative to the last ``capacity`` vectors.

    ``novelty(v) = 1 - max_i cos(v, m_i)`` clipped to [0, 1] over the
    remembered vectors ``m_i`` (1.0 when the memory is empty, or when either
    vector is zero, matching :func:`lukhas.services.drift._cosine`).  The memory is
    a ring of unit vectors, so one matrix-vector product scores a vector.

    Parameters
    ----------
    capacity : int, default=256
        How many recent vectors are remembered, >= 1.

    Attributes
    ----------
    dim : int or None
        Vector dimension, fixed by the first vector.

    Examples
    --------
    >>> mem = VectorNovelty(capacity=2)
    >>> mem.observe([1.0, 0.0]), mem.observe([0.0, 1.0]), round(mem.observe([1.0, 1.0]), 6)
    (1.0, 1.0, 0.292893)
    """

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = check_int("capacity", capacity, low=1)
        self.dim: int | None = None
        self._units: npt.NDArray[np.float64] = np.empty((0, 0), dtype=np.float64)
        self._count = 0
        self._head = 0

    def __len__(self) -> int:
        return self._count

    def _check(self, vector: Any) -> npt.NDArray[np.float64]:
        vec = check_array("vector", vector, dtype=np.float64, ndim=1, finite=True)
        if vec.shape[0] == 0:
            raise ValueError("`vector` must not be empty.")
        if self.dim is not None and vec.shape[0] != self.dim:
            raise ValueError(f"`vector` must have length {self.dim}, got {vec.shape[0]}.")
        return vec

    def novelty(self, vector: Any) -> float:
        """Score ``vector`` without remembering it.

        Parameters
        ----------
        vector : array_like of shape (dim,)
            Finite real vector.

        Returns
        -------
        novelty : float
            In [0, 1].

        Raises
        ------
        TypeError, ValueError
            If ``vector`` is not a finite, non-empty 1-D vector of length ``dim``.

        Examples
        --------
        >>> VectorNovelty().novelty([3.0, 4.0])
        1.0
        """
        vec = self._check(vector)
        return self._score(vec)

    def _score(self, vec: npt.NDArray[np.float64]) -> float:
        unit = _unit(vec)
        if self._count == 0 or unit is None:
            return 1.0
        sims = self._units[: self._count] @ unit
        return float(min(1.0, max(0.0, 1.0 - float(np.max(sims)))))

    def observe(self, vector: Any) -> float:
        """Score ``vector``, then remember it (the oldest vector is forgotten when full).

        Parameters
        ----------
        vector : array_like of shape (dim,)
            Finite real vector; the first one fixes ``dim``.

        Returns
        -------
        novelty : float
            In [0, 1], measured before the vector is remembered.

        Raises
        ------
        TypeError, ValueError
            If ``vector`` is not a finite, non-empty 1-D vector of length ``dim``.

        Examples
        --------
        >>> mem = VectorNovelty()
        >>> mem.observe([1.0, 2.0]), round(mem.observe([2.0, 4.0]), 12)
        (1.0, 0.0)
        """
        vec = self._check(vector)
        score = self._score(vec)
        if self.dim is None:
            self.dim = vec.shape[0]
            self._units = np.zeros((self.capacity, self.dim), dtype=np.float64)
        unit = _unit(vec)
        # A zero vector is remembered as zero: it is similar to nothing.
        self._units[self._head] = 0.0 if unit is None else unit
        self._head = (self._head + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)
        return score

    def clear(self) -> None:
        """Forget every vector (the dimension is forgotten too).

        Examples
        --------
        >>> mem = VectorNovelty()
        >>> _ = mem.observe([1.0])
        >>> mem.clear()
        >>> len(mem), mem.dim
        (0, None)
        """
        self.dim = None
        self._units = np.empty((0, 0), dtype=np.float64)
        self._count = 0
        self._head = 0
