"""Drift detection: our KS test and Page-Hinkley kernel against scipy and a Python loop."""

from __future__ import annotations

import numpy as np
import pytest

from lukhas.core.drift import ADWIN, PageHinkley, ks_2samp


def _samples(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n + m)
    return rng.normal(0.0, 1.0, n), rng.normal(0.1, 1.0, m)


# -- exact KS -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [200, 2000])
@pytest.mark.benchmark(group="ks_2samp-exact")
def test_ks_exact_lukhas(benchmark, n: int) -> None:  # type: ignore[no-untyped-def]
    x, y = _samples(n, n)
    ks_2samp(x[:5], y[:5], method="exact")  # compile the kernel outside the timing
    res = benchmark(ks_2samp, x, y, method="exact")
    assert res.method == "exact" and 0.0 <= res.pvalue <= 1.0


@pytest.mark.parametrize("n", [200, 2000])
@pytest.mark.benchmark(group="ks_2samp-exact")
def test_ks_exact_scipy(benchmark, n: int) -> None:  # type: ignore[no-untyped-def]
    stats = pytest.importorskip("scipy.stats")
    x, y = _samples(n, n)
    res = benchmark(stats.ks_2samp, x, y, method="exact")
    assert res.pvalue == pytest.approx(ks_2samp(x, y, method="exact").pvalue, rel=1e-8)


# -- asymptotic KS ------------------------------------------------------------------------
@pytest.mark.benchmark(group="ks_2samp-asymp")
def test_ks_asymp_lukhas(benchmark) -> None:  # type: ignore[no-untyped-def]
    x, y = _samples(200_000, 150_000)
    res = benchmark(ks_2samp, x, y)
    assert res.method == "asymp" and res.pvalue < 1e-6


@pytest.mark.benchmark(group="ks_2samp-asymp")
def test_ks_asymp_scipy(benchmark) -> None:  # type: ignore[no-untyped-def]
    stats = pytest.importorskip("scipy.stats")
    x, y = _samples(200_000, 150_000)
    res = benchmark(stats.ks_2samp, x, y, method="asymp")
    assert res.statistic == pytest.approx(ks_2samp(x, y).statistic, abs=1e-12)


# -- Page-Hinkley over a stream -----------------------------------------------------------
def _stream() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.r_[rng.normal(0.0, 1.0, 100_000), rng.normal(2.0, 1.0, 1_000)]


def _page_hinkley_python(xs: list[float], delta: float, threshold: float) -> int:
    """The same two-sided test as one plain Python loop; returns the first alarm index."""
    mean, up, min_up, down, max_down = 0.0, 0.0, 0.0, 0.0, 0.0
    for n, x in enumerate(xs, start=1):
        mean += (x - mean) / n
        up += x - mean - delta
        min_up = min(min_up, up)
        down += x - mean + delta
        max_down = max(max_down, down)
        if n >= 30 and (up - min_up > threshold or max_down - down > threshold):
            return n - 1
    return -1


@pytest.mark.benchmark(group="page_hinkley")
def test_page_hinkley_lukhas_kernel(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream()
    PageHinkley().update_many(xs[:10])  # compile outside the timing
    alarms = benchmark(lambda: PageHinkley(delta=0.05, threshold=200.0).update_many(xs))
    assert int(np.flatnonzero(alarms)[0]) == _page_hinkley_python(xs.tolist(), 0.05, 200.0)


@pytest.mark.benchmark(group="page_hinkley")
def test_page_hinkley_python_loop(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream().tolist()
    first = benchmark(_page_hinkley_python, xs, 0.05, 200.0)
    assert 100_000 <= first < 100_200


@pytest.mark.benchmark(group="page_hinkley")
def test_adwin_lukhas(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream()
    alarms = benchmark(lambda: ADWIN(delta=0.002).update_many(xs))
    assert alarms[100_000:].any()
