"""From market data to model inputs: log returns, annualisation, Ledoit-Wolf covariance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lukhas._validation import check_array, check_choice, check_real, describe
from lukhas.primitives.anneal._models import FloatArray

__all__ = ["MarketEstimate", "from_prices", "ledoit_wolf"]


@dataclass(frozen=True, eq=False)
class MarketEstimate:
    """Annualised expected returns and covariance estimated from prices.

    Parameters
    ----------
    mu : ndarray of shape (n,), dtype=float64
        Annualised mean log return per asset.
    cov : ndarray of shape (n, n), dtype=float64
        Annualised covariance (symmetric positive semi-definite).
    assets : tuple of str
        Asset names (column labels, or ``"asset0"...``).
    shrinkage : float
        Ledoit-Wolf intensity in [0, 1] (0 when no shrinkage was asked for).
    periods_per_year : float
        Sampling frequency used to annualise.
    """

    mu: FloatArray
    cov: FloatArray
    assets: tuple[str, ...]
    shrinkage: float
    periods_per_year: float


def ledoit_wolf(returns: Any) -> tuple[FloatArray, float]:
    """Shrink the sample covariance towards a scaled identity (Ledoit and Wolf, 2004).

    With centred returns ``X`` (T, n), ``S = X'X / T``, ``m = tr(S) / n`` and
    ``d2 = ||S - m I||_F**2 / n``, the intensity is ``min(b2, d2) / d2`` with
    ``b2 = sum_t ||x_t x_t' - S||_F**2 / (n T**2)``; the estimate is
    ``delta m I + (1 - delta) S``.

    Parameters
    ----------
    returns : array_like of shape (T, n), dtype=float64
        One row per period, ``T >= 2``.

    Returns
    -------
    cov : ndarray of shape (n, n), dtype=float64
        Shrunk covariance (per period, normalised by ``T``).
    intensity : float
        Shrinkage intensity ``delta`` in [0, 1].

    Raises
    ------
    ValueError
        Fewer than two rows, or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0).normal(size=(50, 4))
    >>> cov, delta = ledoit_wolf(r)
    >>> cov.shape, 0.0 <= delta <= 1.0
    ((4, 4), True)
    """
    X = check_array("returns", returns, dtype=np.float64, ndim=2, finite=True)
    T, n = X.shape
    if T < 2 or n == 0:
        raise ValueError(f"`returns` must have at least 2 rows and 1 column, got {describe(X)}.")
    X = X - X.mean(axis=0)
    S = X.T @ X / T
    m = float(np.trace(S)) / n
    target = m * np.eye(n)
    d2 = float(((S - target) ** 2).sum()) / n
    # sum_t ||x_t x_t' - S||^2 = sum_t ||x_t||^4 - T ||S||^2 (since mean of x_t x_t' is S)
    norms2 = (X * X).sum(axis=1)
    b2 = (float((norms2**2).sum()) - T * float((S**2).sum())) / (n * T * T)
    intensity = 0.0 if d2 <= 0.0 else min(max(b2, 0.0), d2) / d2
    cov = intensity * target + (1.0 - intensity) * S
    return np.ascontiguousarray(0.5 * (cov + cov.T)), intensity


def from_prices(
    prices: Any,
    *,
    periods_per_year: float = 252.0,
    shrinkage: str | None = "ledoit-wolf",
) -> MarketEstimate:
    """Estimate annualised ``mu`` and ``cov`` from a price history.

    Parameters
    ----------
    prices : array_like of shape (T, n) or pandas.DataFrame
        Positive prices, one row per period (oldest first), one column per
        asset; ``T >= 3``.  A DataFrame's column labels become asset names.
    periods_per_year : float, default=252.0
        Periods per year (252 trading days, 52 weeks, 12 months).
    shrinkage : {"ledoit-wolf"} or None, default="ledoit-wolf"
        Covariance estimator: Ledoit-Wolf shrinkage, or the plain sample
        covariance (normalised by ``T - 1``) with ``None``.

    Returns
    -------
    market : MarketEstimate
        ``mu`` = mean log return times ``periods_per_year``; ``cov`` likewise.

    Raises
    ------
    ValueError
        Fewer than 3 rows, non-positive or non-finite prices.

    Examples
    --------
    >>> import numpy as np
    >>> p = 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.01, (300, 3)), axis=0))
    >>> m = from_prices(p)
    >>> m.mu.shape, m.cov.shape, m.assets
    ((3,), (3, 3), ('asset0', 'asset1', 'asset2'))
    """
    names: tuple[str, ...] | None = None
    if hasattr(prices, "columns") and hasattr(prices, "to_numpy"):
        names = tuple(str(c) for c in prices.columns)
        prices = prices.to_numpy(dtype=np.float64)
    P = check_array("prices", prices, dtype=np.float64, ndim=2, finite=True)
    ppy = check_real("periods_per_year", periods_per_year, low=0.0, low_inclusive=False)
    if shrinkage is not None:
        check_choice("shrinkage", shrinkage, ("ledoit-wolf",))
    if P.shape[0] < 3 or P.shape[1] == 0:
        raise ValueError(f"`prices` must have at least 3 rows (periods) and 1 column, "
                         f"got {describe(P)}.")
    if (P <= 0.0).any():
        raise ValueError("`prices` must be strictly positive (log returns are taken).")
    returns = np.diff(np.log(P), axis=0)
    mu = returns.mean(axis=0) * ppy
    if shrinkage is None:
        cov, intensity = np.cov(returns, rowvar=False, ddof=1).reshape(P.shape[1], -1), 0.0
    else:
        cov, intensity = ledoit_wolf(returns)
    assets = names or tuple(f"asset{i}" for i in range(P.shape[1]))
    return MarketEstimate(np.ascontiguousarray(mu), np.ascontiguousarray(cov * ppy), assets,
                          intensity, ppy)
