"""The portfolio re-weighting QP agrees with a reference QP solver (OSQP, scipy).

``mean_variance_weights`` solves ``min lambda w'Cw - mu'w`` over the simplex
(``w >= 0, sum w = 1``).  OSQP solves the same problem at tight tolerances; where the
covariance is positive definite the minimiser is unique and the weights must agree,
and in every case our objective may not be worse than the reference's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.primitives.anneal import mean_variance_weights

osqp = pytest.importorskip("osqp")
sparse = pytest.importorskip("scipy.sparse")


def _problem(seed: int, k: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.08, 0.05, k)
    if kind == "low-rank":  # PSD, singular: ties in the minimiser are possible
        f = rng.normal(size=(k, max(1, k // 3)))
        cov = 0.04 * f @ f.T / f.shape[1]
    elif kind == "ill-conditioned":
        q, _ = np.linalg.qr(rng.normal(size=(k, k)))
        cov = q @ np.diag(np.geomspace(1e-6, 1.0, k)) @ q.T * 0.05
    else:
        a = rng.normal(size=(k, k))
        cov = 0.02 * (a @ a.T / k + 0.5 * np.eye(k))
    return mu, 0.5 * (cov + cov.T)


def osqp_weights(mu: np.ndarray, cov: np.ndarray, lam: float) -> np.ndarray:
    k = mu.shape[0]
    solver = osqp.OSQP()
    a = sparse.csc_matrix(np.vstack([np.ones((1, k)), np.eye(k)]))
    solver.setup(P=sparse.csc_matrix(2.0 * lam * cov), q=-mu, A=a,
                 l=np.r_[1.0, np.zeros(k)], u=np.r_[1.0, np.full(k, np.inf)],
                 eps_abs=1e-11, eps_rel=1e-11, max_iter=50_000, polishing=True, verbose=False)
    result = solver.solve(raise_error=False)
    assert result.info.status_val in (1, 2), result.info.status  # solved (or inaccurate)
    return np.asarray(result.x)


def objective(w: np.ndarray, mu: np.ndarray, cov: np.ndarray, lam: float) -> float:
    return float(lam * w @ cov @ w - mu @ w)


# Each of our solves runs up to 20,000 projected-gradient steps (about 0.7 s at k = 30),
# so the example count is kept small; the bench times both solvers.
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 16),
       lam=st.sampled_from([0.5, 1.0, 3.0, 10.0, 100.0]),
       kind=st.sampled_from(["dense", "low-rank", "ill-conditioned"]))
def test_agrees_with_osqp(seed: int, k: int, lam: float, kind: str) -> None:
    mu, cov = _problem(seed, k, kind)
    ours = mean_variance_weights(mu, cov, lam)
    ref = osqp_weights(mu, cov, lam)
    assert ours.min() >= 0.0 and ours.sum() == pytest.approx(1.0, abs=1e-12)
    scale = max(1.0, abs(objective(ref, mu, cov, lam)))
    # never worse than the reference (up to its feasibility tolerance) ...
    assert objective(ours, mu, cov, lam) <= objective(ref, mu, cov, lam) + 1e-9 * scale
    # ... and the same minimiser where it is unique
    if kind == "dense":
        np.testing.assert_allclose(ours, ref, atol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_scipy_slsqp(seed: int) -> None:
    optimize = pytest.importorskip("scipy.optimize")
    mu, cov = _problem(seed, 8, "dense")
    lam = 2.0
    res = optimize.minimize(lambda w: objective(w, mu, cov, lam), np.full(8, 1 / 8),
                            jac=lambda w: 2 * lam * cov @ w - mu, method="SLSQP",
                            bounds=[(0.0, None)] * 8,
                            constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                          "jac": lambda w: np.ones_like(w)}],
                            options={"ftol": 1e-15, "maxiter": 1000})
    assert res.success
    ours = mean_variance_weights(mu, cov, lam)
    np.testing.assert_allclose(ours, res.x, atol=1e-6)
    assert objective(ours, mu, cov, lam) <= res.fun + 1e-12
