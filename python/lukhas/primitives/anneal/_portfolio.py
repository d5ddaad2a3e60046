
"""The portfolio layer: choose k assets with a QUBO solver, then weight them by a long-only QP."""

from __future__ import annotations

import html
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_array, check_int, check_real, describe
from lukhas.primitives.anneal._models import (
    FloatArray,
    _check_mu_cov,
    check_magnitudes,
    portfolio_qubo,
    qubo_energies,
)
from lukhas.primitives.anneal._sampleset import SampleSet
from lukhas.primitives.anneal._solvers import (
    descend,
    progress_bar,
    repair_cardinality,
    solve_qubo,
)

__all__ = [
    "EfficientFrontier",
    "PortfolioResult",
    "efficient_frontier",
    "mean_variance_weights",
    "optimize_portfolio",
]

logger = logging.getLogger(__name__)

_QP_MAX_ITER = 20_000
_QP_TOL = 1e-13


def _project_simplex(v: FloatArray) -> FloatArray:
    """Euclidean projection of ``v`` onto ``{w >= 0, sum(w) = 1}`` (sort-based)."""
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u) - 1.0
    rho = np.nonzero(u - cumulative / np.arange(1, v.shape[0] + 1) > 0.0)[0][-1]
    projected: FloatArray = np.maximum(v - cumulative[rho] / (rho + 1.0), 0.0)
    return projected


def mean_variance_weights(mu: Any, cov: Any, risk_aversion: float = 1.0) -> FloatArray:
    """Solve the long-only mean-variance QP ``min lambda w'Cw - mu'w, w >= 0, sum(w) = 1``.

    Accelerated projected gradient (FISTA with restarts) on the simplex, run
    to a relative step below ``1e-13``; with ``lambda = 0`` the problem is
    linear and the weight is split evenly over the assets of largest ``mu``.

    Parameters
    ----------
    mu : array_like of shape (k,), dtype=float64
        Expected returns.
    cov : array_like of shape (k, k), dtype=float64
        Covariance (symmetric PSD).
    risk_aversion : float, default=1.0
        ``lambda >= 0``.

    Returns
    -------
    weights : ndarray of shape (k,), dtype=float64
        Non-negative, summing to 1.

    Raises
    ------
    ValueError
        Bad shapes, non-finite values, a covariance that is not symmetric PSD,
        ``max |mu|`` or ``risk_aversion * max |cov|`` above 1e150.

    Examples
    --------
    >>> import numpy as np
    >>> mean_variance_weights([0.1, 0.1], np.diag([0.04, 0.04])).round(6)
    array([0.5, 0.5])
    """
    mu_arr, cov_arr = _check_mu_cov(mu, cov)
    lam = check_real("risk_aversion", risk_aversion, low=0.0)
    check_magnitudes(mu_arr, cov_arr, lam)
    return _qp_weights(mu_arr, cov_arr, lam)


def _qp_weights(mu: FloatArray, cov: FloatArray, lam: float) -> FloatArray:
    k = mu.shape[0]
    # Dividing the objective by a positive constant keeps its minimiser; at unit scale the
    # simplex projection (which subtracts 1 from cumulative sums) keeps its precision.
    unit = max(float(np.abs(mu).max()) if k else 0.0,
               lam * float(np.abs(cov).max()) if k else 0.0)
    if unit > 0.0:
        mu, lam = mu / unit, lam / unit
    curvature = 2.0 * lam * float(np.linalg.eigvalsh(cov)[-1]) if k else 0.0
    if curvature <= 1e-300:
        top = mu >= mu.max() - 1e-15 * max(1.0, abs(float(mu.max())))
        return np.asarray(top / top.sum(), dtype=np.float64)
    step = min(1.0 / curvature, 1e6)  # a longer step would lose the projection's precision
    w = np.full(k, 1.0 / k)
    z = w.copy()
    t = 1.0

    def value(v: FloatArray) -> float:
        return float(lam * v @ cov @ v - mu @ v)

    restarted = False
    for _ in range(_QP_MAX_ITER):
        w_next = _project_simplex(z - step * (2.0 * lam * cov @ z - mu))
        if value(w_next) > value(w):  # restart momentum when it overshoots
            if restarted:
                # A plain projected-gradient step from w no longer decreases the objective
                # (only rounding is left): w is the minimiser to working precision.
                break
            t = 1.0
            z = w.copy()
            restarted = True
            continue
        restarted = False
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        z = w_next + (t - 1.0) / t_next * (w_next - w)
        moved = float(np.abs(w_next - w).max())
        w, t = w_next, t_next
        if moved < _QP_TOL:
            break
    return w


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    """A k-asset portfolio chosen by :func:`optimize_portfolio`.

    Parameters
    ----------
    indices : ndarray of shape (k,), dtype=int64
        Chosen assets, ascending.
    assets : tuple of str
        Their names.
    weights : ndarray of shape (k,), dtype=float64
        Long-only weights summing to 1, aligned with ``indices``.
    expected_return, volatility, sharpe : float
        ``w'mu``, ``sqrt(w'Cw)`` and ``(w'mu - risk_free_rate) / volatility``.
    energy : float
        QUBO energy of the selection (equal weights ``1/k``, penalty zero).
    solver_energy : float
        Lowest raw energy the sampler returned, before repair and swaps.
    solve_time : float
        Seconds in the QUBO solver; ``samples.timings`` has per-read times.
    total_time : float
        Seconds for the whole call.
    method : str
        Solver method.
    risk_aversion : float
        ``lambda`` used for the selection and the weights.
    samples : SampleSet
        The raw solver output.
    """

    indices: npt.NDArray[np.int64]
    assets: tuple[str, ...]
    weights: FloatArray
    expected_return: float
    volatility: float
    sharpe: float
    energy: float
    solver_energy: float
    solve_time: float
    total_time: float
    method: str
    risk_aversion: float
    samples: SampleSet

    def table(self) -> str:
        """Return a plain-text table of the holdings and the summary figures."""
        width = max([5, *(len(a) for a in self.assets)])
        lines = [f"{'asset':<{width}}  {'weight':>8}"]
        for name, weight in sorted(zip(self.assets, self.weights, strict=True),
                                   key=lambda p: -p[1]):
            lines.append(f"{name:<{width}}  {weight:>8.2%}")
        lines += [
            f"expected return  {self.expected_return:>9.4%}",
            f"volatility       {self.volatility:>9.4%}",
            f"Sharpe ratio     {self.sharpe:>9.4f}",
            f"energy           {self.energy:>9.6g}  (method={self.method}, "
            f"solve {self.solve_time * 1e3:.1f} ms, total {self.total_time * 1e3:.1f} ms)",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(a)}</td><td>{w:.2%}</td></tr>"
            for a, w in zip(self.assets, self.weights, strict=True)
        )
        return (
            f"<div><b>Portfolio</b> of {len(self.assets)} assets "
            f"(method <code>{html.escape(self.method)}</code>, "
            f"lambda={self.risk_aversion:g})<table><tr><th>asset</th><th>weight</th></tr>"
            f"{rows}</table>return {self.expected_return:.4%}, volatility "
            f"{self.volatility:.4%}, Sharpe {self.sharpe:.3f}; energy {self.energy:.6g}; "
            f"solve {self.solve_time * 1e3:.3g} ms</div>"
        )

    def plot(self, ax: Any = None) -> Any:
        """Draw the weights as a bar chart (needs matplotlib); return the Axes."""
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        ax.bar(list(self.assets), self.weights)
        ax.set_ylabel("weight")
        ax.set_title(f"k={len(self.assets)} portfolio, Sharpe {self.sharpe:.2f}")
        return ax


@dataclass(frozen=True, eq=False)
class EfficientFrontier:
    """Portfolios along a range of risk aversions (see :func:`efficient_frontier`)."""

    risk_aversions: FloatArray
    portfolios: tuple[PortfolioResult, ...]

    @property
    def returns(self) -> FloatArray:
        """Expected return of each portfolio."""
        return np.array([p.expected_return for p in self.portfolios])

    @property
    def volatilities(self) -> FloatArray:
        """Volatility of each portfolio."""
        return np.array([p.volatility for p in self.portfolios])

    @property
    def sharpes(self) -> FloatArray:
        """Sharpe ratio of each portfolio."""
        return np.array([p.sharpe for p in self.portfolios])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{lam:g}</td><td>{p.expected_return:.4%}</td><td>{p.volatility:.4%}</td>"
            f"<td>{p.sharpe:.3f}</td><td>{html.escape(', '.join(p.assets))}</td></tr>"
            for lam, p in zip(self.risk_aversions, self.portfolios, strict=True)
        )
        return ("<div><b>Efficient frontier</b><table><tr><th>lambda</th><th>return</th>"
                f"<th>volatility</th><th>Sharpe</th><th>assets</th></tr>{rows}</table></div>")

    def plot(self, ax: Any = None) -> Any:
        """Draw return against volatility (needs matplotlib); return the Axes."""
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        ax.plot(self.volatilities, self.returns, marker="o")
        ax.set_xlabel("volatility")
        ax.set_ylabel("expected return")
        ax.set_title("efficient frontier")
        return ax


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plot() needs matplotlib: pip install matplotlib "
                          "(or lukhas[plot]).") from err
    return plt


def _asset_names(assets: Sequence[str] | None, n: int) -> tuple[str, ...]:
    if assets is None:
        return tuple(f"asset{i}" for i in range(n))
    names = tuple(str(a) for a in assets)
    if len(names) != n:
        raise ValueError(f"`assets` must name all {n} assets, got {len(names)} names.")
    return names


def optimize_portfolio(
    mu: Any,
    cov: Any,
    k: int,
    risk_aversion: float = 1.0,
    method: str | None = None,
    *,
    quality: bool = False,
    num_reads: int = 100,
    num_sweeps: int | None = None,
    seed: int | None = None,
    risk_free_rate: float = 0.0,
    assets: Sequence[str] | None = None,
    progress: bool = False,
    **solver_options: Any,
) -> PortfolioResult:
    """Choose the best ``k``-asset portfolio and weight it.

    1. Build :func:`portfolio_qubo` (equal-weight mean-variance + cardinality
       penalty) and sample it with :func:`solve_qubo`.
    2. Repair every read to exactly ``k`` assets (cheapest greedy flips) and
       polish it with cardinality-preserving swaps on the objective, so the
       answer is always feasible; keep the read of lowest objective.
    3. Re-optimise long-only weights on the chosen assets with
       :func:`mean_variance_weights`.

    Parameters
    ----------
    mu : array_like of shape (n,), dtype=float64
        Expected returns (annualised, say).
    cov : array_like of shape (n, n), dtype=float64
        Covariance (symmetric PSD).
    k : int
        Number of assets, ``1 <= k <= n``.
    risk_aversion : float, default=1.0
        ``lambda >= 0``.
    method : {"sa", "sqa", "pt", "sb", "exact"} or None, default=None
        QUBO solver (see :func:`solve_qubo`); None picks ``"pt"`` when
        ``quality`` is set, else ``"sa"``.
    quality : bool, default=False
        Ask for the best selection rather than the fastest: parallel tempering
        (the method reaching the lowest energies on portfolio QUBOs) with its
        ladder chosen from the problem.
    num_reads, num_sweeps, seed
        Passed to :func:`solve_qubo`.
    risk_free_rate : float, default=0.0
        For the Sharpe ratio.
    assets : sequence of str or None, default=None
        Asset names (default ``"asset0"...``).
    progress : bool, default=False
        Show a tqdm bar while sampling.
    **solver_options
        Further :func:`solve_qubo` options (``beta_range``, ``num_replicas``, ...).

    Returns
    -------
    result : PortfolioResult

    Raises
    ------
    ValueError
        Bad ``mu``/``cov`` (see :func:`portfolio_qubo`; ``max |mu|`` and
        ``risk_aversion * max |cov|`` at most 1e150), ``k`` out of range,
        names that do not match.

    Examples
    --------
    >>> import numpy as np
    >>> mu = np.array([0.10, 0.12, 0.07, 0.15])
    >>> cov = np.diag([0.04, 0.05, 0.02, 0.09])
    >>> r = optimize_portfolio(mu, cov, k=2, method="exact")
    >>> r.assets, round(float(r.weights.sum()), 12)
    (('asset1', 'asset3'), 1.0)
    """
    started = time.perf_counter()
    if not isinstance(quality, bool):
        raise TypeError(f"`quality` must be a bool, got {describe(quality)}.")
    if method is None:
        method = "pt" if quality else "sa"
    qubo = portfolio_qubo(mu, cov, k, risk_aversion)
    mu_arr, cov_arr = _check_mu_cov(mu, cov)
    names = _asset_names(assets, mu_arr.shape[0])
    rf = check_real("risk_free_rate", risk_free_rate)
    samples = solve_qubo(qubo.matrix, method, offset=qubo.offset, num_reads=num_reads,
                         num_sweeps=num_sweeps, seed=seed, progress=progress, **solver_options)
    return _finish(qubo.objective, qubo.k, mu_arr, cov_arr, float(risk_aversion), rf, names,
                   samples, started)


def _finish(objective: FloatArray, k: int, mu: FloatArray, cov: FloatArray, lam: float,
            rf: float, names: tuple[str, ...], samples: SampleSet,
            started: float) -> PortfolioResult:
    x = samples.samples.copy()
    repair_cardinality(objective, x, k)
    descend(objective, x, "swap")
    scores = qubo_energies(objective, x, 0.0)
    best = int(np.argmin(scores))
    indices = np.flatnonzero(x[best]).astype(np.int64)
    weights = _qp_weights(mu[indices], np.ascontiguousarray(cov[np.ix_(indices, indices)]), lam)
    ret = float(weights @ mu[indices])
    vol = math.sqrt(max(float(weights @ cov[np.ix_(indices, indices)] @ weights), 0.0))
    sharpe = (ret - rf) / vol if vol > 0.0 else math.nan
    logger.debug("optimize_portfolio: chose %s", indices.tolist())
    return PortfolioResult(
        indices=indices,
        assets=tuple(names[i] for i in indices),
        weights=weights,
        expected_return=ret,
        volatility=vol,
        sharpe=sharpe,
        energy=float(scores[best]),
        solver_energy=float(samples.energies.min()),
        solve_time=samples.wall_time,
        total_time=time.perf_counter() - started,
        method=samples.method,
        risk_aversion=lam,
        samples=samples,
    )


def efficient_frontier(
    mu: Any,
    cov: Any,
    k: int,
    risk_aversions: Any = None,
    method: str = "sa",
    *,
    num_reads: int = 100,
    num_sweeps: int | None = None,
    seed: int | None = None,
    risk_free_rate: float = 0.0,
    assets: Sequence[str] | None = None,
    progress: bool = False,
    **solver_options: Any,
) -> EfficientFrontier:
    """Trace the cardinality-constrained efficient frontier over risk aversions.

    Parameters
    ----------
    mu : array_like of shape (n,), dtype=float64
        Expected returns.
    cov : array_like of shape (n, n), dtype=float64
        Covariance (symmetric PSD).
    k : int
        Assets per portfolio.
    risk_aversions : array_like of shape (m,) or None, default=None
        Values of ``lambda >= 0``; default ``geomspace(0.1, 100, 8)``.
    method, num_reads, num_sweeps, seed, risk_free_rate, assets, **solver_options
        As in :func:`optimize_portfolio` (every point uses the same ``seed``).
    progress : bool, default=False
        Show a tqdm bar over the points.

    Returns
    -------
    frontier : EfficientFrontier

    Examples
    --------
    >>> import numpy as np
    >>> f = efficient_frontier([0.1, 0.2, 0.05], np.diag([0.02, 0.09, 0.01]), 2,
    ...                        [0.5, 50.0], method="exact")
    >>> bool(f.volatilities[1] <= f.volatilities[0])
    True
    """
    lams = (np.geomspace(0.1, 100.0, 8) if risk_aversions is None else
            check_array("risk_aversions", risk_aversions, dtype=np.float64, ndim=1, finite=True))
    if lams.shape[0] == 0 or (lams < 0).any():
        raise ValueError(f"`risk_aversions` must be a non-empty array of values >= 0, "
                         f"got {describe(lams)}.")
    check_int("k", k, low=1)
    bar = progress_bar(lams.shape[0], "efficient_frontier") if progress else None
    points = []
    try:
        for lam in lams:
            points.append(optimize_portfolio(
                mu, cov, k, float(lam), method, num_reads=num_reads, num_sweeps=num_sweeps,
                seed=seed, risk_free_rate=risk_free_rate, assets=assets, **solver_options))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return EfficientFrontier(np.asarray(lams, dtype=np.float64), tuple(points))
