"""``core.quantum_financial.quantum_financial_consciousness_engine``: turnover-aware rebalancing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.quantum_financial import mean_variance_weights
from core.quantum_financial.quantum_financial_consciousness_engine import (
    QuantumFinancialConsciousnessEngine,
    selection_energy,
)
from reference.callers_ref import ref_best_rebalance


def _market(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    a = rng.normal(size=(n, n))
    return rng.normal(0.1, 0.05, size=n), a @ a.T / n * 0.05 + np.eye(n) * 0.01


# Few shapes: each new (n, k) costs the compiled solvers a dispatch of their own.
@settings(max_examples=10, deadline=None)
@given(
    st.integers(0, 2**31),
    st.sampled_from([(5, 2), (6, 3)]),
    st.sampled_from([0.0, 0.01, 0.05, 0.5]),
    st.sampled_from([0.0, 1.0, 5.0]),
)
def test_every_rebalance_is_the_enumerated_optimum(
    seed: int, shape: tuple[int, int], gamma: float, lam: float
) -> None:
    n, k = shape
    rng = np.random.default_rng(seed)
    engine = QuantumFinancialConsciousnessEngine(
        k, risk_aversion=lam, turnover_penalty=gamma, method="exact"
    )
    names = [f"s{i}" for i in range(n)]
    for _ in range(3):
        mu, cov = _market(rng, n)
        held = np.array([name in engine.holdings for name in names], dtype=np.float64)
        best, _ = ref_best_rebalance(mu, cov, k, lam, held, gamma)
        decision = engine.rebalance(mu, cov, names)
        assert decision.objective == pytest.approx(best, abs=1e-9)
        x = np.isin(np.arange(n), decision.portfolio.indices).astype(np.float64)
        assert selection_energy(x, mu, cov, lam, held, gamma) == pytest.approx(best, abs=1e-9)
        idx = decision.portfolio.indices
        expected_w = mean_variance_weights(mu[idx], cov[np.ix_(idx, idx)], lam)
        assert decision.portfolio.weights == pytest.approx(expected_w, abs=1e-9)
        assert decision.portfolio.expected_return == pytest.approx(float(expected_w @ mu[idx]))
        assert sorted(engine.holdings) == sorted(decision.portfolio.assets)


def test_turnover_penalty_keeps_positions_until_a_change_pays() -> None:
    cov = np.eye(4) * 0.04
    names = ["a", "b", "c", "d"]
    sticky = QuantumFinancialConsciousnessEngine(2, turnover_penalty=0.1, method="exact")
    free = QuantumFinancialConsciousnessEngine(2, method="exact")
    first = np.array([0.20, 0.18, 0.05, 0.04])
    second = np.array([0.20, 0.18, 0.30, 0.04])  # c now beats b by 0.12 in mu
    for engine in (sticky, free):
        assert set(engine.rebalance(first, cov, names).bought) == {"a", "b"}
    # Swapping b for c gains (0.30 - 0.18) / 2 = 0.06 of objective, less than 2 * 0.1.
    kept = sticky.rebalance(second, cov, names)
    assert (kept.bought, kept.sold, kept.turnover) == ((), (), pytest.approx(0.0, abs=1e-9))
    moved = free.rebalance(second, cov, names)
    assert (moved.bought, moved.sold) == (("c",), ("b",))
    assert moved.turnover > 0.3
    assert len(free.history) == 2


def test_annealed_rebalancing_reaches_the_exact_choice_on_small_books() -> None:
    rng = np.random.default_rng(7)
    mu, cov = _market(rng, 8)
    exact = QuantumFinancialConsciousnessEngine(3, turnover_penalty=0.02, method="exact")
    annealed = QuantumFinancialConsciousnessEngine(3, turnover_penalty=0.02, method="sa", seed=1)
    for step in range(3):
        mu_t = mu + 0.03 * step * rng.normal(size=8)
        e, a = exact.rebalance(mu_t, cov), annealed.rebalance(mu_t, cov)
        assert set(e.portfolio.assets) == set(a.portfolio.assets)


def test_prices_held_assets_leaving_the_universe_and_errors() -> None:
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0.001, 0.01, size=(60, 4)), axis=0))
    engine = QuantumFinancialConsciousnessEngine(2, method="exact", turnover_penalty=0.01)
    first = engine.rebalance_from_prices(prices)
    assert len(first.bought) == 2 and sum(engine.holdings.values()) == pytest.approx(1.0)
    held = sorted(engine.holdings)
    others = [f"new{i}" for i in range(3)]
    moved = engine.rebalance([0.1, 0.2, 0.3], np.eye(3) * 0.02, others)
    assert sorted(moved.sold) == held and moved.turnover == pytest.approx(1.0)
    assert engine.weights(["new1", "asset0"])[1] == 0.0
    with pytest.raises(ValueError, match="only 1"):
        engine.rebalance([0.1], [[0.01]])
    with pytest.raises(ValueError):
        QuantumFinancialConsciousnessEngine(0)
