"""Cross-checks against river, the library that defines the streaming detectors we follow.

ADWIN and Page-Hinkley must report the same change points as ``river.drift`` on the same
stream with the same parameters (and, for ADWIN, the same window after every update).
The streams are piecewise-stationary families: Gaussian steps, heavy tails, rounded
values (ties, exact arithmetic), slow ramps and stationary noise.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.core.drift import ADWIN, PageHinkley

drift = pytest.importorskip("river.drift")


def _stream(seed: int, family: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts, size = [], 0
    while size < n:
        length = int(rng.integers(30, 600))
        loc, scale = rng.normal(0.0, 2.0), rng.uniform(0.05, 2.0)
        if family == "heavy":
            part = loc + scale * rng.standard_t(2, length)
        elif family == "ramp":
            part = np.linspace(loc, loc + rng.normal(0, 3), length) + rng.normal(0, scale, length)
        elif family == "stationary":
            part = rng.normal(0.0, 1.0, length)
        else:
            part = rng.normal(loc, scale, length)
        if family == "rounded":
            part = np.round(part * 4.0) / 4.0
        parts.append(part)
        size += length
    return np.concatenate(parts)[:n]


FAMILIES = ["gauss", "heavy", "rounded", "ramp", "stationary"]

adwin_params = st.fixed_dictionaries({
    "delta": st.sampled_from([0.002, 0.01, 0.1, 0.5]),
    "clock": st.sampled_from([1, 2, 4, 32]),
    "max_buckets": st.integers(2, 6),
    "min_window": st.integers(1, 12),
    "grace": st.integers(2, 40),
})


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(FAMILIES), adwin_params)
def test_adwin_matches_river_change_points_and_window(seed: int, family: str,
                                                      params: dict[str, float]) -> None:
    xs = _stream(seed, family, 1500).tolist()
    ours = ADWIN(reset_on_drift=True, **params)  # type: ignore[arg-type]
    theirs = drift.ADWIN(delta=params["delta"], clock=params["clock"],
                         max_buckets=params["max_buckets"],
                         min_window_length=params["min_window"], grace_period=params["grace"])
    for i, x in enumerate(xs):
        detected = ours.update(x)
        theirs.update(x)
        assert detected is theirs.drift_detected, i
        if detected or i % 97 == 0:
            assert ours.width == theirs.width, i
            assert ours.total == theirs.total, i  # same operations, same floats
            # river's `variance` is the sum of squared deviations; ours is divided by width
            assert ours.variance * ours.width == pytest.approx(theirs.variance,
                                                               rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(FAMILIES), adwin_params)
def test_adwin_batches_match_river_too(seed: int, family: str, params: dict[str, float]) -> None:
    xs = _stream(seed, family, 1200)
    theirs = drift.ADWIN(delta=params["delta"], clock=params["clock"],
                         max_buckets=params["max_buckets"],
                         min_window_length=params["min_window"], grace_period=params["grace"])
    expected = []
    for x in xs.tolist():
        theirs.update(x)
        expected.append(theirs.drift_detected)
    ours = ADWIN(reset_on_drift=True, **params)  # type: ignore[arg-type]
    got = np.concatenate([ours.update_many(chunk) for chunk in np.array_split(xs, 7)])
    assert got.tolist() == expected


def test_adwin_default_keeps_w1_but_finds_the_same_first_change() -> None:
    xs = np.r_[np.random.default_rng(3).normal(0, 1, 3000),
               np.random.default_rng(4).normal(2, 1, 500)]
    theirs = drift.ADWIN()
    first_theirs = next(i for i, x in enumerate(xs.tolist())
                        if (theirs.update(x), theirs.drift_detected)[1])
    ours = ADWIN()
    first_ours = int(np.flatnonzero(ours.update_many(xs))[0])
    assert first_ours == first_theirs >= 3000
    assert ours.width > 0 and ours.mean == pytest.approx(2.0, abs=0.3)


ph_params = st.fixed_dictionaries({
    "delta": st.sampled_from([0.0, 0.005, 0.05, 0.5]),
    "threshold": st.sampled_from([1.0, 5.0, 20.0, 50.0]),
    "fading": st.sampled_from([1.0, 0.9999, 0.99, 0.9]),
    "min_instances": st.integers(1, 60),
    "mode": st.sampled_from(["both", "up", "down"]),
})


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(FAMILIES), ph_params)
def test_page_hinkley_matches_river(seed: int, family: str, params: dict[str, object]) -> None:
    xs = _stream(seed, family, 1500)
    theirs = drift.PageHinkley(min_instances=params["min_instances"], delta=params["delta"],
                               threshold=params["threshold"], alpha=params["fading"],
                               mode=params["mode"])
    expected = []
    for x in xs.tolist():
        theirs.update(x)
        expected.append(theirs.drift_detected)
    one_by_one = PageHinkley(**params)  # type: ignore[arg-type]
    assert [one_by_one.update(x) for x in xs.tolist()] == expected
    batched = PageHinkley(**params)  # type: ignore[arg-type]
    assert batched.update_many(xs).tolist() == expected
