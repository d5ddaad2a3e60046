"""Issue-12 regressions: huge bounds refused with the limit, objectives must return numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.bio.utils import de_minimize, ga_minimize, pso_minimize, rastrigin, sphere

OPTIMISERS = [de_minimize, pso_minimize, ga_minimize]


@pytest.mark.parametrize("optimiser", OPTIMISERS)
def test_bounds_beyond_the_limit_are_refused(optimiser):
    with pytest.raises(ValueError, match=r"`bounds` must lie within \[-1e\+300, 1e\+300\]"):
        optimiser(sphere, [(-1e308, 1e308)] * 2, maxiter=3, seed=0)


@settings(max_examples=15, deadline=None)
@given(st.floats(1.0, 1e300), st.sampled_from(OPTIMISERS))
def test_large_finite_bounds_give_finite_results(half_width, optimiser):
    res = optimiser(rastrigin, [(-half_width, half_width)] * 3, maxiter=5, seed=1, popsize=8)
    assert np.isfinite(res.x).all()
    assert not np.isnan(res.fun)
    assert (np.abs(res.x) <= half_width).all()


@pytest.mark.parametrize("optimiser", OPTIMISERS)
@pytest.mark.parametrize("bad", ["1.5", b"1.5", True, 1 + 2j, None, [1.0]])
def test_objective_must_return_a_real_number(optimiser, bad):
    with pytest.raises(TypeError, match="`f` must return a real number"):
        optimiser(lambda x: bad, [(-1.0, 1.0)] * 2, maxiter=2, seed=0)


@pytest.mark.parametrize("optimiser", OPTIMISERS)
def test_vectorized_objective_must_return_real_numbers(optimiser):
    with pytest.raises(TypeError, match="must return real numbers"):
        optimiser(lambda pop: np.array(["1.0"] * len(pop)), [(-1.0, 1.0)] * 2, maxiter=2,
                  seed=0, vectorized=True)


def test_numpy_scalars_and_ints_are_accepted():
    for value in (np.float32(1.0), np.int64(2), 3, np.array(4.0)):
        res = pso_minimize(lambda x, v=value: v, [(-1.0, 1.0)] * 2, maxiter=1, seed=0, popsize=4)
        assert res.fun == float(value)
