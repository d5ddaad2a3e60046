"""Ledoit-Wolf shrinkage agrees with scikit-learn's ``ledoit_wolf`` to 1e-10.

``core.quantum_financial.ledoit_wolf`` (home: ``lukhas.primitives.anneal._data``) and
``sklearn.covariance.ledoit_wolf`` both shrink the biased sample covariance of centred
returns towards ``tr(S)/n * I`` with the Ledoit-Wolf (2004) intensity.  Checked over
shapes with more and fewer periods than assets, several scales, correlated and
heavy-tailed returns, and constant columns.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.primitives.anneal import ledoit_wolf

covariance = pytest.importorskip("sklearn.covariance")


def _returns(seed: int, periods: int, assets: int, scale: float, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "correlated":
        mix = rng.normal(size=(assets, assets)) / np.sqrt(assets)
        x = rng.normal(size=(periods, assets)) @ mix + 0.3 * rng.normal(size=(periods, 1))
    elif kind == "heavy":
        x = rng.standard_t(3, size=(periods, assets))
    elif kind == "constant-column":
        x = rng.normal(size=(periods, assets))
        x[:, 0] = 1.5
    else:
        x = rng.normal(size=(periods, assets))
    return scale * x + rng.normal(size=assets) * scale


def _check(x: np.ndarray) -> None:
    ours, delta = ledoit_wolf(x)
    theirs, shrinkage = covariance.ledoit_wolf(x)
    assert delta == pytest.approx(shrinkage, abs=1e-10)
    scale = max(float(np.abs(theirs).max()), np.finfo(float).tiny)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10 * scale)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    periods=st.integers(2, 120),
    assets=st.integers(1, 40),
    scale=st.sampled_from([1e-3, 0.02, 1.0, 250.0]),
    kind=st.sampled_from(["gaussian", "correlated", "heavy", "constant-column"]),
)
def test_agrees_with_sklearn(seed: int, periods: int, assets: int, scale: float,
                             kind: str) -> None:
    _check(_returns(seed, periods, assets, scale, kind))


@pytest.mark.parametrize(("periods", "assets"), [(2, 1), (2, 50), (1000, 3), (60, 60), (500, 200)])
def test_agrees_with_sklearn_on_edge_shapes(periods: int, assets: int) -> None:
    _check(_returns(periods * 1000 + assets, periods, assets, 0.01, "correlated"))
