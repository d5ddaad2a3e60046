"""Quantum-inspired portfolio optimisation.

Pick the best ``k`` of ``n`` assets with QUBO samplers compiled by Numba --
simulated annealing (``"sa"``), path-integral simulated quantum annealing
(``"sqa"``), parallel tempering (``"pt"``), simulated bifurcation (``"sb"``) --
or exact Gray-code enumeration (``"exact"``, the test oracle), then weight the
chosen assets with a long-only mean-variance QP.

>>> import numpy as np
>>> from lukhas.primitives.anneal import optimize_portfolio
>>> mu = np.array([0.10, 0.12, 0.07, 0.15])
>>> r = optimize_portfolio(mu, np.diag([0.04, 0.05, 0.02, 0.09]), k=2, method="exact")
>>> len(r.assets)
2

:class:`QuantumFinancialConsciousnessEngine` keeps a ``k``-asset portfolio across
rebalances, choosing each selection with a turnover penalty folded into the QUBO
(module ``quantum_financial_consciousness_engine``, the LUKHAS path).

Modules: ``_models`` (QUBO/Ising builders and conversions), ``_solvers``
(dispatch and :class:`SampleSet`), ``_portfolio`` (portfolio layer),
``_data`` (:func:`from_prices`), ``_interop`` (dimod BQM conversion) and the
public :mod:`lukhas.primitives.anneal.ocean` (a dimod sampler; needs dimod).
"""

from __future__ import annotations

from lukhas.primitives.anneal._data import MarketEstimate, from_prices, ledoit_wolf
from lukhas.primitives.anneal._engine import (
    QuantumFinancialConsciousnessEngine,
    RebalanceDecision,
    selection_energy,
)
from lukhas.primitives.anneal._interop import from_bqm, to_bqm
from lukhas.primitives.anneal._models import (
    QUBO,
    BudgetQUBO,
    PortfolioQUBO,
    energy,
    ising_to_qubo,
    portfolio_budget_qubo,
    portfolio_qubo,
    qubo_to_ising,
)
from lukhas.primitives.anneal._portfolio import (
    EfficientFrontier,
    PortfolioResult,
    efficient_frontier,
    mean_variance_weights,
    optimize_portfolio,
)
from lukhas.primitives.anneal._sampleset import Sample, SampleSet
from lukhas.primitives.anneal._solvers import (
    METHODS,
    default_beta_range,
    default_replicas,
    local_search,
    solve_qubo,
)

__all__ = [
    "METHODS",
    "QUBO",
    "BudgetQUBO",
    "EfficientFrontier",
    "MarketEstimate",
    "PortfolioQUBO",
    "PortfolioResult",
    "QuantumFinancialConsciousnessEngine",
    "RebalanceDecision",
    "Sample",
    "SampleSet",
    "default_beta_range",
    "default_replicas",
    "efficient_frontier",
    "energy",
    "from_bqm",
    "from_prices",
    "ising_to_qubo",
    "ledoit_wolf",
    "local_search",
    "mean_variance_weights",
    "optimize_portfolio",
    "portfolio_budget_qubo",
    "portfolio_qubo",
    "qubo_to_ising",
    "selection_energy",
    "solve_qubo",
    "to_bqm",
]


def __dir__() -> list[str]:
    return list(__all__)
