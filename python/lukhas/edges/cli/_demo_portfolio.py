"""``lukhas demo`` section: a small portfolio solved by every sampler beside the exact optimum."""

from __future__ import annotations

import typing

import numpy as np

__all__ = ["TITLE", "run"]

TITLE: str = "Quantum-inspired portfolio selection (core.quantum_financial)"


def _factor_market(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A reproducible 3-factor market: returns ``(mu, cov)``."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 0.12, size=(n, 3))
    cov = loadings @ loadings.T + np.diag(rng.uniform(0.01, 0.04, n))
    mu = 0.03 + 0.5 * loadings @ np.array([0.2, 0.1, 0.05]) + rng.normal(0.0, 0.02, n)
    return mu, cov


def run(out: typing.TextIO) -> None:
    """Write the demo section to ``out``."""
    from lukhas.primitives.anneal import optimize_portfolio, portfolio_qubo, solve_qubo

    n, k = 20, 5
    mu, cov = _factor_market(n, seed=7)
    qubo = portfolio_qubo(mu, cov, k, risk_aversion=2.0)
    exact = solve_qubo(qubo.matrix, "exact", offset=qubo.offset)
    out.write(f"{n} assets, choose k={k}; exact optimum energy {exact.best.energy:.6f} "
              f"({exact.wall_time * 1e3:.1f} ms over 2**{n} states)\n")
    out.write(f"{'method':<7}{'best energy':>14}{'gap':>11}{'hit rate':>10}{'time ms':>10}\n")
    for method in ("sa", "sqa", "pt", "sb"):
        samples = solve_qubo(qubo.matrix, method, offset=qubo.offset, num_reads=64, seed=1,
                             postprocess=("greedy", "swap"))
        gap = samples.best.energy - exact.best.energy
        out.write(f"{method:<7}{samples.best.energy:>14.6f}{gap:>11.2e}"
                  f"{samples.success_rate(exact.best.energy):>10.0%}"
                  f"{samples.wall_time * 1e3:>10.1f}\n")
    result = optimize_portfolio(mu, cov, k, 2.0, "pt", num_reads=32, seed=1)
    out.write("re-weighted portfolio (parallel tempering):\n" + result.table() + "\n")
