"""A rebalancing portfolio engine on the QUBO samplers: turnover-aware k-asset selection.

:class:`QuantumFinancialConsciousnessEngine` keeps a portfolio of ``k`` assets
across rebalances.  Each :meth:`~QuantumFinancialConsciousnessEngine.rebalance`
chooses the next selection ``x`` (``x_i = 1``: asset ``i`` held) minimising

    E(x) = (lambda / k**2) x' cov x - (mu' x) / k + gamma * #{i : x_i != h_i}

over the selections of exactly ``k`` assets, where ``h`` is the selection held
now and ``gamma`` the turnover penalty (the cost of changing one position, in
the objective's units).  Because ``[x_i != h_i] = x_i (1 - 2 h_i) + h_i`` for
binary ``x`` and ``h``, the penalty is linear in ``x``: it is folded into the
returns, ``mu'_i = mu_i - k gamma (1 - 2 h_i)``, and the selection is made the
way :func:`~lukhas.primitives.anneal.optimize_portfolio` makes it: sample
:func:`~lukhas.primitives.anneal.portfolio_qubo` of ``mu'`` with
:func:`~lukhas.primitives.anneal.solve_qubo`, repair every read to ``k``
assets, polish it with cardinality-preserving swaps and keep the read of lowest
objective.  The chosen assets are then weighted with the long-only
mean-variance QP on the *true* returns
(:func:`~lukhas.primitives.anneal.mean_variance_weights`).

With ``gamma = 0`` every rebalance is the plain cardinality-constrained
optimum; a larger ``gamma`` keeps positions unless a change pays for itself.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lukhas._validation import check_int, check_real, describe
from lukhas.primitives.anneal._data import from_prices
from lukhas.primitives.anneal._models import _check_mu_cov, portfolio_qubo, qubo_energies
from lukhas.primitives.anneal._portfolio import (
    PortfolioResult,
    _asset_names,
    mean_variance_weights,
)
from lukhas.primitives.anneal._solvers import descend, repair_cardinality, solve_qubo

__all__ = ["QuantumFinancialConsciousnessEngine", "RebalanceDecision", "selection_energy"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def selection_energy(
    x: Any, mu: Any, cov: Any, risk_aversion: float, held: Any = None, turnover_penalty: float = 0.0
) -> float:
    """The engine's objective ``E(x)`` of one selection (see the module docstring).

    Parameters
    ----------
    x : array_like of shape (n,)
        0/1 selection.
    mu : array_like of shape (n,)
    cov : array_like of shape (n, n)
    risk_aversion : float
        ``lambda``.
    held : array_like of shape (n,), optional
        0/1 selection held now (default: nothing).
    turnover_penalty : float, default=0.0
        ``gamma``.

    Returns
    -------
    energy : float
        ``k = sum(x)`` is the cardinality; an empty selection has energy 0.

    Examples
    --------
    >>> import numpy as np
    >>> selection_energy([1, 0], [0.1, 0.2], np.eye(2), 0.0, held=[0, 1], turnover_penalty=1.0)
    1.9
    """
    xs = np.asarray(x, dtype=np.float64)
    k = float(xs.sum())
    h = np.zeros_like(xs) if held is None else np.asarray(held, dtype=np.float64)
    changes = float(np.abs(xs - h).sum())
    if k == 0.0:
        return float(turnover_penalty) * changes
    mu_arr = np.asarray(mu, dtype=np.float64)
    cov_arr = np.asarray(cov, dtype=np.float64)
    value = risk_aversion / k**2 * float(xs @ cov_arr @ xs) - float(mu_arr @ xs) / k
    return value + float(turnover_penalty) * changes


@dataclass(frozen=True, eq=False)
class RebalanceDecision:
    """One rebalance of :class:`QuantumFinancialConsciousnessEngine`.

    Attributes
    ----------
    portfolio : PortfolioResult
        The new holdings; weights, return, volatility, Sharpe and ``energy`` are
        for the true returns (no turnover term); ``solver_energy`` and ``samples``
        are the sampler's, on the turnover-adjusted problem.
    objective : float
        ``E(x)`` of the selection, turnover penalty included.
    bought, sold : tuple of str
        Assets entering and leaving the selection.
    turnover : float
        ``0.5 * sum |w_new - w_old|`` over all assets (0: unchanged, 1: all replaced).
    """

    portfolio: PortfolioResult
    objective: float
    bought: tuple[str, ...]
    sold: tuple[str, ...]
    turnover: float


class QuantumFinancialConsciousnessEngine:
    """Keeps a ``k``-asset portfolio, rebalancing by turnover-aware QUBO selection.

    Parameters
    ----------
    k : int
        Assets held, >= 1.
    risk_aversion : float, default=1.0
        ``lambda >= 0``.
    turnover_penalty : float, default=0.0
        ``gamma >= 0``: objective cost of entering or leaving one position.
    method : {"sa", "sqa", "pt", "sb", "exact"}, default="sa"
        QUBO solver (see :func:`~lukhas.primitives.anneal.solve_qubo`).
    num_reads : int, default=100
    seed : int or None, default=None
        Solver seed; each rebalance uses ``seed + i`` for the ``i``-th call.
    risk_free_rate : float, default=0.0
    **solver_options
        Further :func:`~lukhas.primitives.anneal.solve_qubo` options
        (``num_sweeps``, ``beta_range``, ...).

    Attributes
    ----------
    holdings : dict of str to float
        Asset -> weight held now (empty before the first rebalance).
    history : list of RebalanceDecision

    Examples
    --------
    >>> import numpy as np
    >>> engine = QuantumFinancialConsciousnessEngine(2, turnover_penalty=0.05, method="exact")
    >>> cov = np.diag([0.04, 0.04, 0.04])
    >>> engine.rebalance([0.10, 0.12, 0.08], cov, assets=["a", "b", "c"]).bought
    ('a', 'b')
    >>> # c now beats a by 0.01: too little to pay two position changes at 0.05 each.
    >>> engine.rebalance([0.10, 0.12, 0.11], cov, assets=["a", "b", "c"]).sold
    ()
    >>> engine.rebalance([0.10, 0.12, 0.40], cov, assets=["a", "b", "c"]).sold
    ('a',)
    >>> sorted(engine.holdings)
    ['b', 'c']
    """

    def __init__(
        self,
        k: int,
        *,
        risk_aversion: float = 1.0,
        turnover_penalty: float = 0.0,
        method: str = "sa",
        num_reads: int = 100,
        seed: int | None = None,
        risk_free_rate: float = 0.0,
        **solver_options: Any,
    ) -> None:
        self.k = check_int("k", k, low=1)
        self.risk_aversion = check_real("risk_aversion", risk_aversion, low=0.0)
        self.turnover_penalty = check_real("turnover_penalty", turnover_penalty, low=0.0)
        self.method = method
        self.num_reads = check_int("num_reads", num_reads, low=1)
        self.seed = None if seed is None else check_int("seed", seed, low=0)
        self.risk_free_rate = check_real("risk_free_rate", risk_free_rate)
        self.solver_options = dict(solver_options)
        self.holdings: dict[str, float] = {}
        self.history: list[RebalanceDecision] = []

    def __repr__(self) -> str:
        return (
            f"QuantumFinancialConsciousnessEngine(k={self.k}, risk_aversion={self.risk_aversion}, "
            f"turnover_penalty={self.turnover_penalty}, holdings={len(self.holdings)})"
        )

    def rebalance(
        self, mu: Any, cov: Any, assets: Sequence[str] | None = None
    ) -> RebalanceDecision:
        """Choose and weight the next ``k`` assets, then hold them.

        Parameters
        ----------
        mu : array_like of shape (n,), dtype=float64
            Expected returns, ``n >= k``.
        cov : array_like of shape (n, n), dtype=float64
            Covariance (symmetric PSD).
        assets : sequence of str, optional
            Names (default ``"asset0"...``); holdings are matched by name, and a
            held asset missing from ``assets`` is sold.

        Returns
        -------
        decision : RebalanceDecision

        Raises
        ------
        ValueError
            Bad ``mu``/``cov`` or names, ``k > n``.
        """
        started = time.perf_counter()
        mu_arr, cov_arr = _check_mu_cov(mu, cov)
        n = mu_arr.shape[0]
        if self.k > n:
            raise ValueError(f"the engine holds k={self.k} assets, but only {n} are offered.")
        names = _asset_names(assets, n)
        held = np.array([name in self.holdings for name in names], dtype=np.float64)
        adjusted = mu_arr - self.k * self.turnover_penalty * (1.0 - 2.0 * held)
        seed = None if self.seed is None else self.seed + len(self.history)
        qubo = portfolio_qubo(adjusted, cov_arr, self.k, self.risk_aversion)
        samples = solve_qubo(
            qubo.matrix,
            self.method,
            offset=qubo.offset,
            num_reads=self.num_reads,
            seed=seed,
            **self.solver_options,
        )
        reads = samples.samples.copy()
        repair_cardinality(qubo.objective, reads, self.k)
        descend(qubo.objective, reads, "swap")
        x = reads[int(np.argmin(qubo_energies(qubo.objective, reads, 0.0)))].astype(np.float64)
        idx = np.flatnonzero(x).astype(np.int64)
        sub_cov = np.ascontiguousarray(cov_arr[np.ix_(idx, idx)])
        weights = mean_variance_weights(mu_arr[idx], sub_cov, self.risk_aversion)
        ret = float(weights @ mu_arr[idx])
        vol = math.sqrt(max(float(weights @ sub_cov @ weights), 0.0))
        portfolio = PortfolioResult(
            indices=idx,
            assets=tuple(names[i] for i in idx),
            weights=weights,
            expected_return=ret,
            volatility=vol,
            sharpe=(ret - self.risk_free_rate) / vol if vol > 0.0 else math.nan,
            energy=selection_energy(x, mu_arr, cov_arr, self.risk_aversion),
            solver_energy=float(samples.energies.min()),
            solve_time=samples.wall_time,
            total_time=time.perf_counter() - started,
            method=samples.method,
            risk_aversion=self.risk_aversion,
            samples=samples,
        )
        new = dict(zip(portfolio.assets, weights.tolist(), strict=True))
        turnover = 0.5 * sum(
            abs(new.get(a, 0.0) - self.holdings.get(a, 0.0)) for a in set(new) | set(self.holdings)
        )
        decision = RebalanceDecision(
            portfolio,
            selection_energy(x, mu_arr, cov_arr, self.risk_aversion, held, self.turnover_penalty)
            + self.turnover_penalty * sum(a not in names for a in self.holdings),
            tuple(a for a in portfolio.assets if a not in self.holdings),
            tuple(a for a in self.holdings if a not in new),
            turnover,
        )
        self.holdings = new
        self.history.append(decision)
        logger.debug("rebalance: bought %s, sold %s", decision.bought, decision.sold)
        return decision

    def rebalance_from_prices(
        self,
        prices: Any,
        *,
        periods_per_year: float = 252.0,
        shrinkage: str | None = "ledoit-wolf",
    ) -> RebalanceDecision:
        """Estimate ``mu`` and ``cov`` from a price history, then :meth:`rebalance`.

        Parameters
        ----------
        prices : array_like of shape (T, n) or pandas.DataFrame
            See :func:`~lukhas.primitives.anneal.from_prices` (column labels name the assets).
        periods_per_year : float, default=252.0
        shrinkage : {"ledoit-wolf"} or None, default="ledoit-wolf"

        Returns
        -------
        decision : RebalanceDecision
        """
        market = from_prices(prices, periods_per_year=periods_per_year, shrinkage=shrinkage)
        return self.rebalance(market.mu, market.cov, market.assets)

    def weights(self, assets: Sequence[str]) -> FloatArray:
        """The held weights aligned with ``assets`` (0 for assets not held).

        Examples
        --------
        >>> QuantumFinancialConsciousnessEngine(1).weights(["x"]).tolist()
        [0.0]
        """
        if isinstance(assets, str):
            raise TypeError(f"`assets` must be a sequence of names, got {describe(assets)}.")
        return np.array([self.holdings.get(a, 0.0) for a in assets], dtype=np.float64)
