"""The Metropolis acceptance test of the annealing kernels against the direct comparison."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas._kernels.anneal import MAX_EXPONENT, metropolis_accept


def _ref_accept(u: float, exponent: float) -> bool:
    """The definition: accept a move of ``beta * dE = exponent`` when ``u < exp(-exponent)``."""
    return u < math.exp(-exponent)


@settings(max_examples=300, deadline=None)
@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, MAX_EXPONENT))
def test_accept_equals_direct_comparison(u: float, exponent: float) -> None:
    assert metropolis_accept(u, exponent) is _ref_accept(u, exponent)


def test_accept_at_bracket_edges_and_near_the_threshold() -> None:
    """Exponents on and next to the table's grid, uniforms right at exp(-exponent)."""
    grid = np.arange(0, int(MAX_EXPONENT * 64) + 1) / 64.0
    exponents = np.concatenate([grid, np.nextafter(grid, -1.0)[1:], np.nextafter(grid, 99.0)])
    exponents = exponents[exponents <= MAX_EXPONENT]
    for exponent in exponents.tolist():
        p = math.exp(-exponent)
        for u in (p, np.nextafter(p, 0.0), np.nextafter(p, 1.0), 0.999 * p, 1.001 * p, 0.0):
            if u < 1.0:
                assert metropolis_accept(float(u), exponent) is _ref_accept(float(u), exponent)


def test_acceptance_rate_matches_exp() -> None:
    rng = np.random.default_rng(0)
    u = rng.random(20_000)
    for exponent in (0.01, 0.7, 3.0):
        rate = np.mean([metropolis_accept(x, exponent) for x in u.tolist()])
        # 20,000 draws: 5 standard errors of a Bernoulli mean.
        tol = 5.0 * math.sqrt(math.exp(-exponent) * (1 - math.exp(-exponent)) / 20_000)
        assert abs(rate - math.exp(-exponent)) <= tol
