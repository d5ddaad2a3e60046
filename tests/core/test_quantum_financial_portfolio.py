"""Portfolio layer, price data, CLI and demo."""

from __future__ import annotations

import argparse
import io
import itertools

import numpy as np
import pytest

from core.quantum_financial import (
    efficient_frontier,
    from_prices,
    ledoit_wolf,
    mean_variance_weights,
    optimize_portfolio,
)
from lukhas.edges.cli import _demo_portfolio, _portfolio
from reference.qubo_ref import ref_best_selection, ref_ledoit_wolf


def factor_market(n, seed):
    rng = np.random.default_rng(seed)
    F = rng.normal(0, 0.15, (n, 2))
    cov = F @ F.T + np.diag(rng.uniform(0.005, 0.05, n))
    mu = rng.normal(0.08, 0.05, n)
    return mu, cov


def grid_best_weights(mu, cov, lam, steps=60):
    """Brute-force the simplex on a grid (k <= 3)."""
    k = len(mu)
    best, arg = np.inf, None
    for c in itertools.product(range(steps + 1), repeat=k - 1):
        if sum(c) > steps:
            continue
        w = np.array([*c, steps - sum(c)]) / steps
        v = lam * w @ cov @ w - mu @ w
        if v < best:
            best, arg = v, w
    return best, arg


@pytest.mark.parametrize("seed", range(4))
def test_mean_variance_weights_satisfy_kkt_and_beat_a_grid(seed):
    mu, cov = factor_market(3, seed)
    lam = 1.5
    w = mean_variance_weights(mu, cov, lam)
    assert np.all(w >= 0) and w.sum() == pytest.approx(1.0, abs=1e-12)
    grad = 2 * lam * cov @ w - mu
    active = w > 1e-9
    assert np.ptp(grad[active]) < 1e-7  # equal marginal cost on held assets
    assert np.all(grad[~active] >= grad[active].max() - 1e-7)
    best, _ = grid_best_weights(mu, cov, lam)
    assert lam * w @ cov @ w - mu @ w <= best + 1e-12


def test_mean_variance_weights_without_risk_aversion_picks_the_best_return():
    np.testing.assert_array_equal(
        mean_variance_weights([0.1, 0.3, 0.3], np.eye(3), 0.0), [0.0, 0.5, 0.5])


@pytest.mark.parametrize("method", ["sa", "sqa", "pt", "sb", "exact"])
def test_optimize_portfolio_returns_the_best_feasible_selection(method):
    mu, cov = factor_market(12, 5)
    r = optimize_portfolio(mu, cov, 4, 2.0, method, num_reads=16, num_sweeps=100, seed=1,
                           assets=[f"A{i}" for i in range(12)])
    best, chosen = ref_best_selection(mu, cov, 4, 2.0)
    assert tuple(r.indices) == chosen and r.energy == pytest.approx(best, abs=1e-12)
    assert r.assets == tuple(f"A{i}" for i in chosen)
    assert np.all(r.weights >= 0) and r.weights.sum() == pytest.approx(1.0, abs=1e-12)
    sub = cov[np.ix_(r.indices, r.indices)]
    assert r.expected_return == pytest.approx(r.weights @ mu[r.indices])
    assert r.volatility == pytest.approx(np.sqrt(r.weights @ sub @ r.weights))
    assert r.sharpe == pytest.approx(r.expected_return / r.volatility)
    assert r.solve_time > 0 and r.total_time >= r.solve_time


def test_infeasible_samples_are_never_returned():
    mu, cov = factor_market(10, 2)
    # one sweep from random states: raw samples are mostly infeasible
    r = optimize_portfolio(mu, cov, 3, 1.0, "sa", num_reads=8, num_sweeps=1, seed=0)
    assert len(r.indices) == 3
    assert (r.samples.samples.sum(axis=1) != 3).any()


def test_result_reprs_and_plot():
    mu, cov = factor_market(8, 2)
    r = optimize_portfolio(mu, cov, 3, method="exact")
    assert "Sharpe ratio" in str(r) and "<table>" in r._repr_html_()
    f = efficient_frontier(mu, cov, 3, [0.5, 2.0, 20.0], method="exact")
    assert np.all(np.diff(f.volatilities) <= 1e-12) and np.all(np.diff(f.returns) <= 1e-12)
    assert "frontier" in f._repr_html_()
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert r.plot() is not None and f.plot() is not None
    plt.close("all")


def test_ledoit_wolf_matches_loop_reference():
    r = np.random.default_rng(0).normal(size=(40, 5)) @ np.diag([1, 2, 3, 4, 5]) * 0.01
    cov, delta = ledoit_wolf(r)
    want, want_delta = ref_ledoit_wolf(r)
    np.testing.assert_allclose(cov, want, rtol=1e-10, atol=1e-14)
    assert delta == pytest.approx(want_delta, rel=1e-10) and 0 < delta < 1


def test_from_prices_annualises_log_returns():
    rng = np.random.default_rng(3)
    prices = 50 * np.exp(np.cumsum(rng.normal(0.001, 0.02, (250, 4)), axis=0))
    m = from_prices(prices, periods_per_year=252, shrinkage=None)
    logr = np.diff(np.log(prices), axis=0)
    np.testing.assert_allclose(m.mu, logr.mean(axis=0) * 252)
    np.testing.assert_allclose(m.cov, np.cov(logr, rowvar=False) * 252)
    shrunk = from_prices(prices)
    assert 0 <= shrunk.shrinkage <= 1 and np.linalg.eigvalsh(shrunk.cov)[0] > 0


def test_from_prices_reads_dataframes():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"AAA": [1.0, 1.1, 1.2, 1.1], "BBB": [2.0, 2.1, 2.0, 2.2]})
    assert from_prices(df).assets == ("AAA", "BBB")


@pytest.mark.parametrize(
    ("prices", "match"),
    [([[1.0, 2.0], [1.0, 2.0]], "at least 3 rows"), ([[1.0], [0.0], [1.0]], "strictly positive"),
     ([[1.0], [np.nan], [1.0]], "NaN")],
)
def test_from_prices_rejects_bad_prices(prices, match):
    with pytest.raises(ValueError, match=match):
        from_prices(prices)


def run_cli(argv):
    parser = argparse.ArgumentParser()
    _portfolio.configure(parser)
    out = io.StringIO()
    return _portfolio.main(parser.parse_args(argv), out), out.getvalue()


def test_cli_prints_the_portfolio(tmp_path):
    rng = np.random.default_rng(4)
    prices = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, (120, 6)), axis=0))
    path = tmp_path / "prices.csv"
    lines = ["date," + ",".join(f"T{i}" for i in range(6))]
    lines += [f"2024-01-{d:03d}," + ",".join(f"{p:.4f}" for p in row)
              for d, row in enumerate(prices)]
    path.write_text("\n".join(lines) + "\n")
    code, text = run_cli([str(path), "--k", "3", "--seed", "1", "--num-reads", "16"])
    assert code == 0
    assert "expected return" in text and "Sharpe ratio" in text
    held = [line.split()[0] for line in text.splitlines() if line.startswith("T")]
    assert len(held) == 3


def test_cli_reports_errors(tmp_path):
    code, text = run_cli([str(tmp_path / "missing.csv"), "--k", "2"])
    assert code == 2 and "error: cannot read" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B\n1,2\n1,2\n1,2\n")
    code, text = run_cli([str(bad), "--k", "5"])
    assert code == 2 and "`k`" in text


def test_demo_runs_beside_the_exact_optimum():
    out = io.StringIO()
    _demo_portfolio.run(out)
    text = out.getvalue()
    assert _demo_portfolio.TITLE and "exact optimum" in text
    for method in ("sa", "sqa", "pt", "sb"):
        assert any(line.startswith(method) for line in text.splitlines())


def test_extreme_magnitudes_are_refused_with_the_limit():
    import core.quantum_financial as qf

    mu = np.array([0.1, 0.2, 0.15])
    cov = np.diag([0.04, 0.09, 0.05])
    with pytest.raises(ValueError, match=r"`risk_aversion` \* max \|cov\| must be at most 1e\+150"):
        qf.optimize_portfolio(mu, cov, 2, risk_aversion=1e308, num_reads=2)
    with pytest.raises(ValueError, match=r"`mu` must have entries of magnitude at most 1e\+150"):
        qf.optimize_portfolio(mu * 1e300, cov, 2, num_reads=2)
    with pytest.raises(ValueError, match="at most 1e"):
        qf.mean_variance_weights(mu, cov, risk_aversion=1e308)
    with pytest.raises(ValueError, match="at most 1e"):
        qf.portfolio_budget_qubo(mu * 1e300, cov)
    # at the limit it still computes
    r = qf.optimize_portfolio(mu * 1e150, cov, 2, method="exact")
    assert r.assets == ("asset1", "asset2")


def test_qubo_does_not_freeze_the_callers_array():
    import core.quantum_financial as qf

    arr = np.array([[1.0, -1.0], [-1.0, 1.0]])
    q = qf.QUBO(arr, 0.0)
    arr[0, 0] = 5.0  # still writable, and the model kept its own copy
    assert q.matrix[0, 0] == 1.0 and not q.matrix.flags.writeable


def test_quality_reaches_for_parallel_tempering():
    import core.quantum_financial as qf

    rng = np.random.default_rng(2)
    F = rng.normal(0, 0.1, (12, 2))
    cov = F @ F.T + np.diag(rng.uniform(0.01, 0.03, 12))
    mu = rng.normal(0.06, 0.03, 12)
    r = qf.optimize_portfolio(mu, cov, 3, quality=True, num_reads=8, seed=1)
    assert r.method == "pt" and r.samples.parameters["num_replicas"] >= 8
    assert qf.optimize_portfolio(mu, cov, 3, num_reads=4, seed=1).method == "sa"
    best = qf.optimize_portfolio(mu, cov, 3, method="exact")
    assert r.energy == pytest.approx(best.energy, abs=1e-12)
