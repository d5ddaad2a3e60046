"""The portfolio re-weighting QP (``mean_variance_weights``) beside OSQP and scipy's SLSQP.

Long-only mean-variance weights, ``min lambda w'Cw - mu'w`` over the simplex, on a dense
positive-definite covariance of 30 assets; every solver's weights are checked against
OSQP's at tight tolerances.

Run:

    pytest benches/bench_portfolio_qp.py --benchmark-only -p no:randomly
"""

from __future__ import annotations

import numpy as np
import pytest

from lukhas.primitives.anneal import mean_variance_weights

K = 30
LAM = 3.0


@pytest.fixture(scope="module")
def problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    mu = rng.normal(0.08, 0.05, K)
    a = rng.normal(size=(K, K))
    cov = 0.02 * (a @ a.T / K + 0.5 * np.eye(K))
    return mu, 0.5 * (cov + cov.T)


def _osqp(mu: np.ndarray, cov: np.ndarray, eps: float = 1e-10) -> np.ndarray:
    osqp = pytest.importorskip("osqp")
    from scipy import sparse

    solver = osqp.OSQP()
    solver.setup(P=sparse.csc_matrix(2.0 * LAM * cov), q=-mu,
                 A=sparse.csc_matrix(np.vstack([np.ones((1, K)), np.eye(K)])),
                 l=np.r_[1.0, np.zeros(K)], u=np.r_[1.0, np.full(K, np.inf)],
                 eps_abs=eps, eps_rel=eps, max_iter=50_000, polishing=True, verbose=False)
    return np.asarray(solver.solve(raise_error=False).x)


@pytest.fixture(scope="module")
def reference(problem: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return _osqp(*problem, eps=1e-12)


@pytest.mark.benchmark(group="portfolio-qp")
def test_qp_lukhas(benchmark, problem, reference) -> None:  # type: ignore[no-untyped-def]
    w = benchmark(mean_variance_weights, *problem, LAM)
    np.testing.assert_allclose(w, reference, atol=1e-6)


@pytest.mark.benchmark(group="portfolio-qp")
def test_qp_osqp(benchmark, problem, reference) -> None:  # type: ignore[no-untyped-def]
    w = benchmark(_osqp, *problem)
    np.testing.assert_allclose(w, reference, atol=1e-6)


@pytest.mark.benchmark(group="portfolio-qp")
def test_qp_scipy_slsqp(benchmark, problem, reference) -> None:  # type: ignore[no-untyped-def]
    optimize = pytest.importorskip("scipy.optimize")
    mu, cov = problem

    def solve() -> np.ndarray:
        res = optimize.minimize(
            lambda w: LAM * w @ cov @ w - mu @ w, np.full(K, 1.0 / K),
            jac=lambda w: 2 * LAM * cov @ w - mu, method="SLSQP", bounds=[(0.0, None)] * K,
            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                          "jac": lambda w: np.ones_like(w)}],
            options={"ftol": 1e-15, "maxiter": 1000})
        return np.asarray(res.x)

    w = benchmark(solve)
    np.testing.assert_allclose(w, reference, atol=1e-6)
