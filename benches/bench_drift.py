"""Drift detection: KS, Page-Hinkley and ADWIN kernels against scipy, river and Python loops."""

from __future__ import annotations

import numpy as np
import pytest

from lukhas.core.drift import ADWIN, PageHinkley, ks_2samp
from reference.drift_ref import RefADWIN


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


# -- ADWIN over the same stream ----------------------------------------------------------
_ADWIN = {"delta": 0.002, "clock": 32, "max_buckets": 5, "min_window": 5, "grace": 10}
_RIVER = {"delta": 0.002, "clock": 32, "max_buckets": 5, "min_window_length": 5,
          "grace_period": 10}


def _adwin_reference_alarms(xs: list[float]) -> list[int]:
    """Alarm indices of the pure-Python ADWIN reference (river's semantics)."""
    ref = RefADWIN(**_ADWIN)  # type: ignore[arg-type]
    return [i for i, x in enumerate(xs) if ref.update(x)]


def _river_alarms(xs: list[float]) -> list[int]:
    drift = pytest.importorskip("river.drift")
    adwin = drift.ADWIN(**_RIVER)
    alarms = []
    for i, x in enumerate(xs):
        adwin.update(x)
        if adwin.drift_detected:
            alarms.append(i)
    return alarms


@pytest.mark.benchmark(group="adwin")
def test_adwin_lukhas_kernel(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream()
    ADWIN().update_many(xs[:100])  # compile outside the timing
    alarms = benchmark(lambda: ADWIN(**_ADWIN).update_many(xs))
    assert np.flatnonzero(alarms).tolist() == _adwin_reference_alarms(xs.tolist())
    assert alarms[100_000:].any() and not alarms[:100_000].any()


@pytest.mark.benchmark(group="adwin")
def test_adwin_python_reference(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream().tolist()
    alarms = benchmark(_adwin_reference_alarms, xs)
    assert alarms and alarms[0] >= 100_000


@pytest.mark.benchmark(group="adwin")
def test_adwin_river(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream().tolist()
    alarms = benchmark(_river_alarms, xs)
    ours = ADWIN(**_ADWIN, reset_on_drift=True).update_many(np.asarray(xs))
    assert alarms == np.flatnonzero(ours).tolist()  # the same change points


# One sample at a time, as a service feeding a detector would: our `update` vs river's.
@pytest.mark.benchmark(group="adwin-update")
def test_adwin_update_lukhas(benchmark) -> None:  # type: ignore[no-untyped-def]
    xs = _stream()[99_000:].tolist()  # 1,000 before the change, 1,001 after
    ADWIN().update_many(np.zeros(64))  # compile outside the timing

    def run() -> list[int]:
        adwin = ADWIN(**_ADWIN, reset_on_drift=True)
        update = adwin.update
        return [i for i, x in enumerate(xs) if update(x)]

    assert benchmark(run) == _river_alarms(xs)


@pytest.mark.benchmark(group="adwin-update")
def test_adwin_update_river(benchmark) -> None:  # type: ignore[no-untyped-def]
    drift = pytest.importorskip("river.drift")
    xs = _stream()[99_000:].tolist()

    def run() -> list[int]:
        adwin = drift.ADWIN(**_RIVER)
        update = adwin.update
        alarms = []
        for i, x in enumerate(xs):
            update(x)
            if adwin.drift_detected:
                alarms.append(i)
        return alarms

    alarms = benchmark(run)
    assert alarms and alarms[0] >= 1_000
