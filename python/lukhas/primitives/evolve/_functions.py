"""Standard test functions and a travelling-salesman example.

Each :class:`BenchmarkFunction` evaluates with numpy (one point (d,) or a whole
population (n, d)) and carries a Numba scalar kernel that the optimisers run
compiled end to end: passing ``rastrigin`` to :func:`de_minimize` keeps the
whole loop in machine code.  :class:`TravellingSalesman` is the permutation
example, with an exact Held-Karp solver for small instances.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int

__all__ = [
    "BenchmarkFunction",
    "TravellingSalesman",
    "ackley",
    "griewank",
    "rastrigin",
    "rosenbrock",
    "schwefel",
    "sphere",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class BenchmarkFunction:
    """A test function: numpy evaluation, a compiled kernel and its known optimum.

    Attributes
    ----------
    name : str
        Name of the kernel in :mod:`lukhas._kernels.objectives` (without ``_``).
    domain : tuple of float
        Conventional search interval, the same on every axis.
    minimum : float
        Global minimum value.
    argmin : float
        Every coordinate of the global minimiser.

    Examples
    --------
    >>> from lukhas.primitives.evolve import rastrigin
    >>> float(rastrigin(np.zeros(4)))
    0.0
    >>> rastrigin(np.ones((2, 3))).shape
    (2,)
    >>> rastrigin.bounds(2)
    [(-5.12, 5.12), (-5.12, 5.12)]
    """

    name: str
    domain: tuple[float, float]
    minimum: float
    argmin: float
    _numpy: Callable[[FloatArray], FloatArray] = field(repr=False)

    def __call__(self, x: Any) -> Any:
        """Evaluate at one point (d,) -> float or a population (n, d) -> (n,)."""
        arr = check_array("x", x, dtype=np.float64, ndim=(1, 2))
        values = self._numpy(np.atleast_2d(arr))
        return float(values[0]) if arr.ndim == 1 else values

    @property
    def kernel(self) -> Callable[[FloatArray], float]:
        """The Numba scalar kernel ``f(x (d,)) -> float`` (imports Numba on first use)."""
        from lukhas._kernels import objectives

        kernel: Callable[[FloatArray], float] = getattr(objectives, f"_{self.name}")
        return kernel

    def bounds(self, d: int) -> list[tuple[float, float]]:
        """The conventional box in ``d`` dimensions, as (low, high) pairs."""
        return [self.domain] * check_int("d", d, low=1)

    def minimizer(self, d: int) -> FloatArray:
        """The global minimiser in ``d`` dimensions, shape (d,)."""
        return np.full(check_int("d", d, low=1), self.argmin)


def _sphere(x: FloatArray) -> FloatArray:
    return np.asarray((x * x).sum(axis=1))


def _rastrigin(x: FloatArray) -> FloatArray:
    return np.asarray(10.0 * x.shape[1] + (x * x - 10.0 * np.cos(2.0 * np.pi * x)).sum(axis=1))


def _rosenbrock(x: FloatArray) -> FloatArray:
    a = x[:, 1:] - x[:, :-1] ** 2
    return np.asarray((100.0 * a * a + (1.0 - x[:, :-1]) ** 2).sum(axis=1))


def _ackley(x: FloatArray) -> FloatArray:
    d = x.shape[1]
    sq = np.sqrt((x * x).sum(axis=1) / d)
    cs = np.cos(2.0 * np.pi * x).sum(axis=1) / d
    return np.asarray(-20.0 * np.exp(-0.2 * sq) - np.exp(cs) + 20.0 + np.e)


def _griewank(x: FloatArray) -> FloatArray:
    i = np.sqrt(np.arange(1, x.shape[1] + 1, dtype=np.float64))
    return np.asarray(1.0 + (x * x).sum(axis=1) / 4000.0 - np.cos(x / i).prod(axis=1))


def _schwefel(x: FloatArray) -> FloatArray:
    return np.asarray(
        418.9828872724339 * x.shape[1] - (x * np.sin(np.sqrt(np.abs(x)))).sum(axis=1)
    )


sphere = BenchmarkFunction("sphere", (-5.12, 5.12), 0.0, 0.0, _sphere)
rastrigin = BenchmarkFunction("rastrigin", (-5.12, 5.12), 0.0, 0.0, _rastrigin)
rosenbrock = BenchmarkFunction("rosenbrock", (-5.0, 10.0), 0.0, 1.0, _rosenbrock)
ackley = BenchmarkFunction("ackley", (-32.768, 32.768), 0.0, 0.0, _ackley)
griewank = BenchmarkFunction("griewank", (-600.0, 600.0), 0.0, 0.0, _griewank)
schwefel = BenchmarkFunction("schwefel", (-500.0, 500.0), 0.0, 420.9687463, _schwefel)


class TravellingSalesman:
    """A symmetric Euclidean TSP instance: the permutation-GA example.

    Calling it with a tour (a permutation of ``0..n-1``) returns the closed tour
    length; :attr:`kernel` is the same objective compiled for the GA's
    compiled loop.

    Parameters
    ----------
    coords : array_like of shape (n_cities, 2)
        City coordinates; at least 3 cities.

    Examples
    --------
    >>> tsp = TravellingSalesman([[0, 0], [0, 1], [1, 1], [1, 0]])
    >>> tsp([0, 1, 2, 3]), tsp([0, 2, 1, 3])
    (4.0, 4.82842712474619)
    >>> tsp.exact_tour()[1]
    4.0
    """

    def __init__(self, coords: Any) -> None:
        pts = check_array("coords", coords, dtype=np.float64, ndim=2, finite=True)
        if pts.shape[1] != 2 or pts.shape[0] < 3:
            raise ValueError(
                f"`coords` must have shape (n_cities >= 3, 2), got shape {pts.shape}."
            )
        self.coords: FloatArray = np.ascontiguousarray(pts)
        diff = pts[:, None, :] - pts[None, :, :]
        self.distances: FloatArray = np.ascontiguousarray(np.sqrt((diff * diff).sum(axis=2)))
        self._kernel: Callable[[npt.NDArray[np.int64]], float] | None = None

    @classmethod
    def random(cls, n_cities: int, seed: int | None = None) -> TravellingSalesman:
        """Cities uniform in the unit square.

        Examples
        --------
        >>> TravellingSalesman.random(5, seed=0).n_cities
        5
        """
        n = check_int("n_cities", n_cities, low=3)
        return cls(np.random.default_rng(seed).random((n, 2)))

    @property
    def n_cities(self) -> int:
        """Number of cities."""
        return int(self.coords.shape[0])

    def __call__(self, tour: Any) -> float:
        """Length of the closed ``tour`` (a permutation of the city indices)."""
        t = check_array("tour", tour, ndim=1)
        if t.dtype.kind not in "iu" or not np.array_equal(np.sort(t), np.arange(self.n_cities)):
            raise ValueError(
                f"`tour` must be a permutation of 0..{self.n_cities - 1}, got {t!r}."
            )
        return float(self.distances[t, np.roll(t, -1)].sum())

    @property
    def kernel(self) -> Callable[[npt.NDArray[np.int64]], float]:
        """The tour length compiled for the GA's compiled loop (built on first use)."""
        if self._kernel is None:
            from lukhas._kernels._search import objective_loop
            from lukhas._kernels.objectives import _tour_length

            dist = self.distances

            def tour_length(tour: npt.NDArray[np.int64]) -> float:
                return float(_tour_length(tour, dist))

            self._kernel = objective_loop(tour_length)
        return self._kernel

    def exact_tour(self) -> tuple[npt.NDArray[np.int64], float]:
        """Optimal tour and length by Held-Karp dynamic programming (n_cities <= 13).

        O(n^2 2^n) time: the exact reference the GA is measured against.
        """
        n = self.n_cities
        if n > 13:
            raise ValueError(f"exact_tour() supports at most 13 cities, this instance has {n}.")
        dist = self.distances
        size = 1 << (n - 1)  # subsets of cities 1..n-1; city 0 is the start
        cost = np.full((size, n), np.inf)
        parent = np.full((size, n), -1, dtype=np.int64)
        for j in range(1, n):
            cost[1 << (j - 1), j] = dist[0, j]
        for r in range(2, n):
            for combo in itertools.combinations(range(1, n), r):
                mask = 0
                for j in combo:
                    mask |= 1 << (j - 1)
                for j in combo:
                    prev = mask & ~(1 << (j - 1))
                    cands = [cost[prev, k] + dist[k, j] for k in combo if k != j]
                    ks = [k for k in combo if k != j]
                    best = int(np.argmin(cands))
                    cost[mask, j] = cands[best]
                    parent[mask, j] = ks[best]
        full = size - 1
        closing = cost[full, 1:] + dist[1:, 0]
        last = int(np.argmin(closing)) + 1
        tour = [last]
        mask = full
        while parent[mask, tour[-1]] >= 0:
            j = tour[-1]
            prev_city = int(parent[mask, j])
            mask &= ~(1 << (j - 1))
            tour.append(prev_city)
        tour.append(0)
        order = np.array(tour[::-1], dtype=np.int64)
        return order, float(closing[last - 1])
