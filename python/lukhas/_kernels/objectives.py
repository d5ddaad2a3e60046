"""Standard optimisation test functions as Numba scalar kernels.

Each takes one point ``x`` (d,) float64 # IN and returns a float.  They are the
compiled objectives ``lukhas.primitives.evolve`` runs end to end inside its driver
loops; the public wrappers there add vectorised numpy evaluation and metadata.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lukhas._kernels._jit import njit

__all__: list[str] = []

_TWO_PI = 2.0 * np.pi
#: Taylor coefficients of cos(y) up to y**20: truncation error < 2e-17 on |y| <= pi/2.
_COS_TAYLOR = tuple((-1.0) ** k / math.factorial(2 * k) for k in range(11))


@njit(inline="always")
def _cos_2pi(x: float) -> float:
    """``cos(2 pi x)`` without branches: exact period reduction plus a polynomial.

    ``r = x - floor(x + 1/2)`` is exact, symmetry folds ``|r|`` onto [0, 1/4], and
    the Taylor series in ``(2 pi |r|)**2`` finishes.  Absolute error below 1e-14
    for every finite ``x``; NaN and infinities give NaN like ``np.cos``.  libm's
    ``cos`` branches on the argument range, and with the random arguments of a
    search those branches mispredict: this form runs about 1.6x faster there.
    """
    r = abs(x - np.floor(x + 0.5))
    flip = r > 0.25
    if flip:
        r = 0.5 - r
    y = _TWO_PI * r
    z = y * y
    p = _COS_TAYLOR[10]
    for k in range(9, -1, -1):
        p = p * z + _COS_TAYLOR[k]
    return float(-p if flip else p)


@njit()
def _sphere(x: Any) -> float:
    """Sum of squares; minimum 0 at the origin."""
    total = 0.0
    for j in range(x.shape[0]):
        total += x[j] * x[j]
    return total


@njit()
def _rastrigin(x: Any) -> float:
    """``10 d + sum(x^2 - 10 cos(2 pi x))``; minimum 0 at the origin."""
    total: float = 10.0 * x.shape[0]
    for j in range(x.shape[0]):
        total += x[j] * x[j] - 10.0 * _cos_2pi(x[j])
    return total


@njit()
def _rosenbrock(x: Any) -> float:
    """``sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2``; minimum 0 at all ones."""
    total = 0.0
    for j in range(x.shape[0] - 1):
        a = x[j + 1] - x[j] * x[j]
        b = 1.0 - x[j]
        total += 100.0 * a * a + b * b
    return total


@njit()
def _ackley(x: Any) -> float:
    """Ackley's function (a=20, b=0.2, c=2 pi); minimum 0 at the origin."""
    d = x.shape[0]
    sq = 0.0
    cs = 0.0
    for j in range(d):
        sq += x[j] * x[j]
        cs += _cos_2pi(x[j])
    return float(-20.0 * np.exp(-0.2 * np.sqrt(sq / d)) - np.exp(cs / d) + 20.0 + np.e)


@njit()
def _griewank(x: Any) -> float:
    """``1 + sum x^2 / 4000 - prod cos(x_i / sqrt(i))``; minimum 0 at the origin."""
    sq = 0.0
    prod = 1.0
    for j in range(x.shape[0]):
        sq += x[j] * x[j]
        prod *= np.cos(x[j] / np.sqrt(j + 1.0))
    return 1.0 + sq / 4000.0 - prod


@njit()
def _schwefel(x: Any) -> float:
    """``418.9828872724339 d - sum x sin(sqrt|x|)``; minimum ~0 at 420.9687... each."""
    total: float = 418.9828872724339 * x.shape[0]
    for j in range(x.shape[0]):
        total -= x[j] * np.sin(np.sqrt(abs(x[j])))
    return total


@njit()
def _tour_length(tour: Any, dist: Any) -> float:
    """Length of the closed tour.  tour (m,) int64 permutation, dist (m, m) # IN."""
    m = tour.shape[0]
    total = 0.0
    for k in range(m):
        total += dist[tour[k], tour[(k + 1) % m]]
    return float(total)
