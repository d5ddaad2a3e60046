"""Two-sample KS (against scipy and brute-force enumeration) and the windowed KS detector."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lukhas.core.drift import WindowedKS, kolmogorov_sf, ks_2samp
from reference.drift_ref import ref_ks_pvalue_enumerate, ref_ks_statistic, ref_windowed_ks

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")

samples = arrays(np.float64, st.integers(1, 25), elements=st.floats(-100, 100))


# -- statistic and exact p-value ------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_statistic_and_exact_pvalue_match_scipy(x: np.ndarray, y: np.ndarray) -> None:
    ours = ks_2samp(x, y, method="exact")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = scipy_stats.ks_2samp(x, y, method="exact")
    assume(not caught)  # scipy gives up on some heavily tied samples and falls back to asymp
    assert ours.statistic == pytest.approx(ref_ks_statistic(x.tolist(), y.tolist()), abs=1e-12)
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (1, 5), (3, 4), (5, 5), (4, 8), (6, 7)])
def test_exact_pvalue_equals_enumeration_of_all_splits(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 100 + m)
    x = rng.normal(0.0, 1.0, n)
    y = rng.normal(0.7, 1.0, m)
    res = ks_2samp(x, y, method="exact")
    assert res.pvalue == pytest.approx(ref_ks_pvalue_enumerate(x.tolist(), y.tolist()), rel=1e-12)


@pytest.mark.parametrize(("n", "m", "shift"), [(300, 400, 0.0), (300, 400, 0.3), (800, 500, 0.1)])
def test_exact_matches_scipy_on_larger_samples(n: int, m: int, shift: float) -> None:
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(0, 1, n), rng.normal(shift, 1, m)
    ours = ks_2samp(x, y)
    assert ours.method == "exact"
    assert ours.pvalue == pytest.approx(scipy_stats.ks_2samp(x, y, method="exact").pvalue,
                                        rel=1e-8, abs=1e-300)


def test_tiny_pvalues_keep_relative_precision() -> None:
    x, y = np.arange(60.0), np.arange(60.0) + 100.0
    ours = ks_2samp(x, y, method="exact")
    theirs = scipy_stats.ks_2samp(x, y, method="exact")
    assert 0.0 < ours.pvalue < 1e-30
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-8)


# -- asymptotic ---------------------------------------------------------------------------
@pytest.mark.parametrize("x", [0.05, 0.3, 0.6, 0.9, 0.99, 1.0, 1.36, 2.0, 3.5, 6.0])
def test_kolmogorov_sf_matches_scipy(x: float) -> None:
    assert kolmogorov_sf(x) == pytest.approx(float(scipy_special.kolmogorov(x)), rel=1e-10,
                                             abs=1e-300)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("n", "m"), [(400, 600), (2000, 1500)])
def test_asymptotic_pvalue_close_to_scipy(seed: int, n: int, m: int) -> None:
    """Stated threshold: |p_ours - p_scipy| <= 0.01 for n m / (n + m) >= 200."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 1, n), rng.normal(0.08 * seed, 1, m)
    ours = ks_2samp(x, y, method="asymp")
    theirs = scipy_stats.ks_2samp(x, y, method="asymp")
    assert ours.method == "asymp"
    assert abs(ours.pvalue - theirs.pvalue) <= 0.01


def test_auto_switches_to_asymptotic_for_large_samples() -> None:
    rng = np.random.default_rng(0)
    res = ks_2samp(rng.normal(size=10_001), rng.normal(size=50))
    assert res.method == "asymp" and 0.0 <= res.pvalue <= 1.0


def test_ks_validation() -> None:
    with pytest.raises(ValueError, match="`sample2`"):
        ks_2samp([1.0], [])
    with pytest.raises(ValueError, match="`sample1`"):
        ks_2samp([np.nan], [1.0])
    with pytest.raises(TypeError, match="`sample1`"):
        ks_2samp(["a"], [1.0])
    with pytest.raises(ValueError, match="`method`"):
        ks_2samp([1.0], [2.0], method="bootstrap")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`x`"):
        kolmogorov_sf(None)  # type: ignore[arg-type]


# -- windowed detector --------------------------------------------------------------------
def _scipy_p(a: list[float], b: list[float]) -> float:
    return float(scipy_stats.ks_2samp(a, b, method="exact").pvalue)


@pytest.mark.parametrize("given_reference", [False, True])
def test_windowed_ks_state_equals_batch_after_every_update(given_reference: bool) -> None:
    rng = np.random.default_rng(42)
    xs = np.r_[rng.normal(0, 1, 60), rng.normal(2.0, 1, 60), rng.normal(-1, 1, 40)]
    reference = rng.normal(0, 1, 15) if given_reference else None
    det = WindowedKS(window=12, alpha=0.01, reference=reference)
    ref = ref_windowed_ks(xs.tolist(), window=12, alpha=0.01, pvalue=_scipy_p,
                          reference=None if reference is None else reference.tolist())
    for x, (ref_window, current, alarm) in zip(xs.tolist(), ref, strict=True):
        assert det.update(x) is alarm
        if alarm:
            assert det.reference is not None
            np.testing.assert_array_equal(det.reference, np.sort(current))
        elif ref_window is None:
            assert det.reference is None
        else:
            np.testing.assert_array_equal(det.reference, np.sort(ref_window))
            np.testing.assert_array_equal(det.current, current)
        if len(current) == 12:
            assert det.statistic == pytest.approx(ref_ks_statistic(ref_window, current))
            assert det.pvalue == pytest.approx(_scipy_p(ref_window, current), rel=1e-9)
    assert det.n_detections == sum(r[2] for r in ref) >= 2


def test_windowed_ks_update_many_equals_loop_and_validation() -> None:
    rng = np.random.default_rng(9)
    xs = np.r_[rng.normal(0, 1, 200), rng.normal(3, 1, 200)]
    a, b = WindowedKS(window=40, alpha=0.001), WindowedKS(window=40, alpha=0.001)
    assert a.update_many(xs).tolist() == [b.update(x) for x in xs.tolist()]
    assert a.pvalue == b.pvalue and a.n_detections == b.n_detections >= 1
    assert WindowedKS().pvalue is None
    with pytest.raises(ValueError, match="`alpha`"):
        WindowedKS(alpha=1.0)
    with pytest.raises(ValueError, match="`reference`"):
        WindowedKS(reference=[])
    with pytest.raises(TypeError, match="`window`"):
        WindowedKS(window="10")  # type: ignore[arg-type]


# -- one-sided alternatives ---------------------------------------------------------------
# Slow references for the one-sided test live here until tests/reference/drift_ref.py grows
# them: a counting statistic, an enumeration of all splits and an exact big-integer path count.
def _ref_one_sided_statistic(x: list[float], y: list[float], alternative: str) -> float:
    """``max(F_x - F_y)`` ("greater") or ``max(F_y - F_x)`` ("less"), at least 0, by counting."""
    best = 0.0
    for v in [*x, *y]:
        fx = sum(1 for a in x if a <= v) / len(x)
        fy = sum(1 for b in y if b <= v) / len(y)
        best = max(best, fx - fy if alternative == "greater" else fy - fx)
    return best


def _ref_one_sided_pvalue_enumerate(x: list[float], y: list[float], alternative: str) -> float:
    """Share of all splits of the pooled sample whose one-sided statistic is >= the observed."""
    pooled = [*x, *y]
    observed = _ref_one_sided_statistic(x, y, alternative)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), len(x)):
        chosen_set = set(chosen)
        first = [pooled[i] for i in chosen]
        second = [pooled[i] for i in range(len(pooled)) if i not in chosen_set]
        total += 1
        hits += _ref_one_sided_statistic(first, second, alternative) >= observed - 1e-12
    return hits / total


def _ref_one_sided_pvalue_paths(n: int, m: int, d_int: int, alternative: str) -> Fraction:
    """Exact ``P(D+ >= d_int / (n m))`` by counting lattice paths with Python integers."""
    inside = (lambda i, j: i * m - j * n >= d_int) if alternative == "greater" else (
        lambda i, j: j * n - i * m >= d_int)
    avoiding = [[0] * (m + 1) for _ in range(n + 1)]  # paths from (0, 0) that never enter
    for i in range(n + 1):
        for j in range(m + 1):
            if inside(i, j):
                continue
            if i == 0 and j == 0:
                avoiding[i][j] = 1
            else:
                avoiding[i][j] = (avoiding[i - 1][j] if i else 0) + (avoiding[i][j - 1] if j else 0)
    return 1 - Fraction(avoiding[n][m], math.comb(n + m, n))


alternatives = st.sampled_from(["less", "greater"])


@settings(max_examples=60, deadline=None)
@given(samples, samples, alternatives, st.sampled_from(["exact", "asymp"]))
def test_one_sided_matches_scipy(x: np.ndarray, y: np.ndarray, alternative: str,
                                 method: str) -> None:
    ours = ks_2samp(x, y, alternative=alternative, method=method)  # type: ignore[arg-type]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = scipy_stats.ks_2samp(x, y, alternative=alternative, method=method)
    assume(not caught)
    assert ours.method == method
    assert ours.statistic == pytest.approx(
        _ref_one_sided_statistic(x.tolist(), y.tolist(), alternative), abs=1e-12)
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("alternative", ["less", "greater"])
@pytest.mark.parametrize(("n", "m"), [(1, 1), (1, 5), (3, 4), (5, 5), (4, 8), (7, 3)])
def test_one_sided_exact_equals_enumeration(n: int, m: int, alternative: str) -> None:
    rng = np.random.default_rng(n * 100 + m)
    x, y = rng.normal(0.0, 1.0, n), rng.normal(0.4, 1.0, m)
    res = ks_2samp(x, y, alternative=alternative, method="exact")  # type: ignore[arg-type]
    assert res.pvalue == pytest.approx(
        _ref_one_sided_pvalue_enumerate(x.tolist(), y.tolist(), alternative), rel=1e-12)


@pytest.mark.parametrize("alternative", ["less", "greater"])
@pytest.mark.parametrize(("n", "m", "shift"), [(300, 400, 0.2), (500, 500, -0.15), (60, 45, 0.8)])
def test_one_sided_larger_samples_match_scipy(n: int, m: int, shift: float,
                                              alternative: str) -> None:
    rng = np.random.default_rng(n + m)
    x, y = rng.normal(0, 1, n), rng.normal(shift, 1, m)
    for method in ("exact", "asymp"):
        ours = ks_2samp(x, y, alternative=alternative, method=method)  # type: ignore[arg-type]
        theirs = scipy_stats.ks_2samp(x, y, alternative=alternative, method=method)
        assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)
        assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("alternative", ["less", "greater"])
def test_one_sided_exact_where_scipy_falls_back(alternative: str) -> None:
    """At 600 x 450 scipy's path count overflows (it warns, goes asymptotic); ours is exact."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, 600), rng.normal(0.05, 1, 450)
    with pytest.warns(RuntimeWarning, match="Exact calculation unsuccessful"):
        scipy_stats.ks_2samp(x, y, alternative=alternative, method="exact")
    res = ks_2samp(x, y, alternative=alternative, method="exact")  # type: ignore[arg-type]
    d_int = round(res.statistic * 600 * 450)
    expected = _ref_one_sided_pvalue_paths(600, 450, d_int, alternative)
    assert 0.0 < res.pvalue < 1.0
    assert res.pvalue == pytest.approx(float(expected), rel=1e-10)


def test_one_sided_directions_and_tiny_pvalues() -> None:
    x, y = np.arange(60.0), np.arange(60.0) + 100.0  # x is smaller: its CDF lies above
    greater = ks_2samp(x, y, alternative="greater", method="exact")
    less = ks_2samp(x, y, alternative="less", method="exact")
    assert greater.statistic == 1.0 and less.statistic == 0.0 and less.pvalue == 1.0
    assert 0.0 < greater.pvalue < 1e-30
    theirs = scipy_stats.ks_2samp(x, y, alternative="greater", method="exact")
    assert greater.pvalue == pytest.approx(theirs.pvalue, rel=1e-8)
    # Swapping the samples swaps the alternatives.
    assert ks_2samp(y, x, alternative="less", method="exact") == greater
    # The side that attains the two-sided D: p_side <= p_two <= 2 p_side (union bound; the
    # two one-sided nulls are mirror images, so both sides have the same tail at D).
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, b = rng.normal(0, 1, 40), rng.normal(0.3, 1, 33)
        two = ks_2samp(a, b, method="exact")
        sides = [ks_2samp(a, b, alternative=alt, method="exact")  # type: ignore[arg-type]
                 for alt in ("less", "greater")]
        side = max(sides, key=lambda r: r.statistic)
        assert side.statistic == two.statistic
        assert side.pvalue <= two.pvalue <= 2.0 * side.pvalue + 1e-12


def test_one_sided_validation() -> None:
    with pytest.raises(ValueError, match="`alternative`"):
        ks_2samp([1.0], [2.0], alternative="both")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`alternative`"):
        ks_2samp([1.0], [2.0], alternative=None)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))),
       st.sampled_from(["two-sided", "greater", "less"]))
def test_equal_sizes_closed_form_matches_the_lattice_count(
    n_h: tuple[int, int], alternative: str
) -> None:
    # Equal sizes take the Gnedenko-Korolyuk closed form; the lattice-path kernel is the
    # independent exact computation it must agree with.
    from lukhas._kernels import drift as kernels
    from lukhas.services.drift._ks import _equal_sizes_sf

    n, h = n_h
    unreachable = n * n + 1
    d_above = unreachable if alternative == "less" else h * n
    d_below = unreachable if alternative == "greater" else h * n
    lattice = float(kernels.ks_2samp_exact_sf(n, n, d_above, d_below, np.empty(n + 1)))
    assert _equal_sizes_sf(n, h, alternative) == pytest.approx(lattice, rel=1e-9, abs=1e-300)
