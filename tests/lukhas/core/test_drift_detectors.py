"""Page-Hinkley and ADWIN: streaming state equals the batch reference on every prefix."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lukhas.core.drift import ADWIN, PageHinkley
from reference.drift_ref import RefADWIN, ref_adwin_exact, ref_page_hinkley, ref_welford


def _step_stream(seed: int, n_before: int, n_after: int, shift: float, noise: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(0.0, noise, n_before), rng.normal(shift, noise, n_after)]


# -- Page-Hinkley -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["both", "up", "down"])
@pytest.mark.parametrize("fading", [1.0, 0.9])
def test_page_hinkley_state_equals_batch_after_every_update(mode: str, fading: float) -> None:
    xs = _step_stream(7, 60, 60, shift=-1.5 if mode == "down" else 1.5, noise=0.3)
    params = {"delta": 0.05, "threshold": 3.0, "fading": fading, "min_instances": 10}
    ph = PageHinkley(mode=mode, **params)  # type: ignore[arg-type]
    ref = ref_page_hinkley(xs.tolist(), mode=mode, **params)  # type: ignore[arg-type]
    for x, (alarm, n, mean, up, down) in zip(xs.tolist(), ref, strict=True):
        assert ph.update(x) is alarm
        assert ph.n == n
        assert ph.mean == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert ph.statistic_up == pytest.approx(up, rel=1e-9, abs=1e-9)
        assert ph.statistic_down == pytest.approx(down, rel=1e-9, abs=1e-9)
    assert ph.n_detections == sum(r[0] for r in ref) >= 1


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.integers(0, 80), elements=st.floats(-10, 10)),
    st.integers(0, 80),
)
def test_page_hinkley_update_many_equals_loop(xs: np.ndarray, split: int) -> None:
    batch = PageHinkley(delta=0.1, threshold=5.0, min_instances=3)
    alarms = np.r_[batch.update_many(xs[:split]), batch.update_many(xs[split:])]
    loop = PageHinkley(delta=0.1, threshold=5.0, min_instances=3)
    expected = [loop.update(float(x)) for x in xs]
    assert alarms.tolist() == expected
    assert (batch.n, batch.n_detections) == (loop.n, loop.n_detections)
    assert batch.mean == loop.mean
    assert batch.statistic_up == loop.statistic_up


def test_page_hinkley_directions() -> None:
    up = _step_stream(1, 200, 100, shift=1.0, noise=0.2)
    assert PageHinkley(threshold=10.0, mode="up").update_many(up)[200:].any()
    assert not PageHinkley(threshold=10.0, mode="down").update_many(up).any()
    assert not PageHinkley(threshold=10.0).update_many(_step_stream(2, 300, 0, 0.0, 0.2)).any()


def test_page_hinkley_reset_and_validation() -> None:
    ph = PageHinkley()
    ph.update_many([1.0, 2.0])
    ph.reset()
    assert (ph.n, ph.mean, ph.drift_detected) == (0, 0.0, False)
    assert ph.update_many([]).shape == (0,)
    with pytest.raises(ValueError, match="`threshold`"):
        PageHinkley(threshold=0.0)
    with pytest.raises(ValueError, match="`mode`"):
        PageHinkley(mode="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`x`"):
        ph.update(float("inf"))
    with pytest.raises(TypeError, match="`x`"):
        ph.update("1.0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`xs`"):
        ph.update_many([[1.0]])


# -- ADWIN --------------------------------------------------------------------------------
@pytest.mark.parametrize("clock", [1, 8])
def test_adwin_window_is_exact_suffix_after_every_update(clock: int) -> None:
    xs = np.r_[_step_stream(3, 300, 200, shift=2.0, noise=0.5), _step_stream(4, 0, 150, -1, 0.5)]
    adwin = ADWIN(delta=0.01, clock=clock, max_buckets=3)
    for t, x in enumerate(xs.tolist(), start=1):
        adwin.update(x)
        w = adwin.width
        assert 1 <= w <= t
        mean, sq, _ = ref_welford(xs[t - w : t].tolist())
        assert adwin.mean == pytest.approx(mean, rel=1e-9, abs=1e-9)
        assert adwin.variance == pytest.approx(sq / w, rel=1e-7, abs=1e-9)
        assert adwin.total == pytest.approx(float(np.sum(xs[t - w : t])), rel=1e-9, abs=1e-9)
    assert adwin.n_detections >= 2
    assert adwin.n_buckets <= 3 * (int(np.log2(adwin.width)) + 2)


def test_adwin_update_many_equals_loop() -> None:
    xs = _step_stream(5, 200, 200, shift=1.0, noise=0.3)
    a, b = ADWIN(clock=4), ADWIN(clock=4)
    alarms = a.update_many(xs)
    assert alarms.tolist() == [b.update(x) for x in xs.tolist()]
    assert (a.width, a.total, a.n_detections) == (b.width, b.total, b.n_detections)


# Piecewise-constant means plus noise, so that random streams also contain changes.
_adwin_streams = st.lists(
    st.tuples(st.integers(1, 120), st.floats(-5, 5), st.floats(0.0, 2.0)), min_size=1, max_size=4
).flatmap(
    lambda pieces: st.tuples(
        st.just(pieces),
        arrays(np.float64, sum(n for n, _, _ in pieces), elements=st.floats(-1, 1)),
    )
).map(lambda pn: np.concatenate([
    mean + noise * pn[1][start : start + n]
    for (n, mean, noise), start in zip(
        pn[0], np.cumsum([0] + [n for n, _, _ in pn[0]])[:-1].tolist(), strict=True
    )
]))
_adwin_params = st.fixed_dictionaries({
    "delta": st.sampled_from([0.002, 0.05, 0.5]),
    "clock": st.integers(1, 5),
    "max_buckets": st.integers(2, 5),
    "min_window": st.integers(1, 6),
    "grace": st.integers(2, 12),
})


def _assert_same_state(adwin: ADWIN, ref: RefADWIN) -> None:
    assert (adwin.width, adwin.n_buckets, adwin.n_detections) == (
        ref.width, ref.n_buckets, ref.n_detections,
    )
    assert adwin.total == pytest.approx(ref.total, rel=1e-12, abs=1e-12)
    assert adwin.variance == pytest.approx(ref.m2 / ref.width if ref.width else 0.0,
                                           rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(_adwin_streams, _adwin_params)
def test_adwin_kernel_equals_python_reference_after_every_update(
    xs: np.ndarray, params: dict[str, float]
) -> None:
    adwin = ADWIN(**params)  # type: ignore[arg-type]
    ref = RefADWIN(**params)  # type: ignore[arg-type]
    for x in xs.tolist():
        shrank = ref.update(x)
        assert adwin.update(x) is shrank is adwin.drift_detected
        _assert_same_state(adwin, ref)


@settings(max_examples=40, deadline=None)
@given(_adwin_streams, _adwin_params, st.lists(st.integers(0, 500), max_size=4))
def test_adwin_batches_equal_python_reference(
    xs: np.ndarray, params: dict[str, float], cuts: list[int]
) -> None:
    adwin = ADWIN(**params)  # type: ignore[arg-type]
    ref = RefADWIN(**params)  # type: ignore[arg-type]
    for chunk in np.split(xs, sorted(c % (xs.shape[0] + 1) for c in cuts)):
        alarms = adwin.update_many(chunk)
        assert alarms.tolist() == [ref.update(x) for x in chunk.tolist()]
        _assert_same_state(adwin, ref)
        if chunk.shape[0]:
            assert adwin.drift_detected is bool(alarms[-1])


def test_adwin_state_layout_and_pickling() -> None:
    from lukhas._native import adwin as core

    adwin = ADWIN(clock=4, max_buckets=3)
    assert adwin._ints.shape[0] == core.INTS_SIZE and adwin._floats.shape[0] == 3
    assert adwin._buckets.shape == (2, core.MAX_LEVELS, 4)
    xs = np.r_[np.zeros(300), np.ones(300)]
    first = adwin.update_many(xs[:450])
    back = pickle.loads(pickle.dumps(adwin))
    assert (back.width, back.total, back.n_detections) == (adwin.width, adwin.total,
                                                           adwin.n_detections)
    # the copy continues exactly as the original would
    assert back.update_many(xs[450:]).tolist() == adwin.update_many(xs[450:]).tolist()
    assert first.any()


def test_adwin_long_stream_uses_many_levels() -> None:
    """A 200k-sample stationary window climbs ~15 levels; the state stays exact."""
    xs = np.random.default_rng(12).uniform(-1, 1, 200_000)
    adwin = ADWIN(max_buckets=2)
    assert not adwin.update_many(xs).any()
    assert adwin.width == xs.shape[0]
    assert adwin.total == pytest.approx(float(np.sum(xs)), rel=1e-9, abs=1e-6)
    assert adwin.variance == pytest.approx(float(np.var(xs)), rel=1e-9)
    assert adwin.n_buckets <= 2 * (int(np.log2(xs.shape[0])) + 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adwin_against_exact_all_splits_reference(seed: int) -> None:
    """ADWIN2 tests only bucket boundaries; the exact reference tests every split.

    Stated threshold: both detect the shift; ADWIN2's first alarm comes at most
    30 samples after the exact one, and neither fires before the shift.
    """
    n_before = 150
    xs = _step_stream(seed, n_before, 150, shift=1.0, noise=0.3)
    ours = ADWIN(delta=0.002, clock=1).update_many(xs)
    exact = ref_adwin_exact(xs.tolist(), delta=0.002, clock=1)
    exact_alarms = np.array([a for a, _ in exact])
    first_ours = int(np.flatnonzero(ours)[0])
    first_exact = int(np.flatnonzero(exact_alarms)[0])
    assert first_exact >= n_before and first_ours >= n_before
    assert first_exact <= first_ours <= first_exact + 30


def test_adwin_stationary_stream_keeps_growing() -> None:
    rng = np.random.default_rng(11)
    adwin = ADWIN(delta=0.002)
    assert not adwin.update_many(rng.uniform(0, 1, 3000)).any()
    assert adwin.width == 3000
    assert adwin.mean == pytest.approx(0.5, abs=0.02)


def test_adwin_reset_and_validation() -> None:
    adwin = ADWIN()
    adwin.update_many([1.0, 2.0, 3.0])
    adwin.reset()
    assert (adwin.width, adwin.mean, adwin.variance, adwin.n_buckets) == (0, 0.0, 0.0, 0)
    with pytest.raises(ValueError, match="`delta`"):
        ADWIN(delta=1.5)
    with pytest.raises(ValueError, match="`max_buckets`"):
        ADWIN(max_buckets=1)
    with pytest.raises(TypeError, match="`clock`"):
        ADWIN(clock=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`x`"):
        adwin.update(float("nan"))
