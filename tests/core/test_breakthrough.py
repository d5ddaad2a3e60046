"""BreakthroughDetector: the LUKHAS contract (R1-R11) and the vector-novelty memory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.breakthrough import BreakthroughDetector, BreakthroughEvent, VectorNovelty
from reference.drift_ref import ref_cosine, ref_welford

unit = st.floats(0.0, 1.0)


@pytest.fixture(autouse=True)
def _no_lane_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUKHAS_LANE", raising=False)


def test_defaults_and_custom_weights() -> None:  # R1
    det = BreakthroughDetector()
    assert (det.mu, det.sq, det.n, det.z, det.w) == (0.0, 0.0, 0, 3.0, (0.5, 0.5))
    assert det.lane == "experimental"
    det = BreakthroughDetector(novelty_w=0.7, value_w=0.3, z=2.5)
    assert det.w == (0.7, 0.3) and det.z == 2.5


def test_lane_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUKHAS_LANE", "Candidate")
    assert BreakthroughDetector().step(0.1, 0.1)["lane"] == "candidate"


@pytest.mark.parametrize(
    ("weights", "inputs", "score"),
    [((0.5, 0.5), (0.6, 0.8), 0.7), ((0.8, 0.2), (1, 0), 0.8), ((0.8, 0.2), (0, 1), 0.2),
     ((0.5, 0.5), (0, 0), 0.0), ((0.5, 0.5), (1, 1), 1.0)],
)
def test_score_is_the_weighted_sum(weights: tuple[float, float], inputs: tuple[float, float],
                                   score: float) -> None:  # R2
    det = BreakthroughDetector(*weights)
    res = det.step(*inputs)
    assert res["score"] == score
    assert res["score"] == weights[0] * inputs[0] + weights[1] * inputs[1]


def test_inputs_are_clamped() -> None:
    assert BreakthroughDetector().step(1.7, -3.0)["score"] == 0.5


def test_first_step() -> None:  # R3
    res = BreakthroughDetector().step(0.3, 0.9)
    assert res["mean"] == res["score"] and res["std"] == 0.0 and res["n"] == 1
    assert res["breakthrough"] is False
    assert isinstance(res["n"], int) and isinstance(res["lane"], str)


@pytest.mark.parametrize(
    ("args", "exc"),
    [((None, 0.5), ValueError), ((0.5, None), ValueError), (("0.5", 0.5), TypeError),
     ((0.5, "x"), TypeError), ((math.nan, 0.5), ValueError), ((0.5, math.inf), ValueError),
     ((0.5, -math.inf), ValueError)],
)
def test_input_validation(args: tuple[object, object], exc: type[Exception]) -> None:  # R4
    det = BreakthroughDetector()
    with pytest.raises(exc):
        det.step(*args)  # type: ignore[arg-type]
    assert det.n == 0  # a rejected step leaves no trace


def test_parameter_validation() -> None:
    with pytest.raises(ValueError, match="`z`"):
        BreakthroughDetector(z=-1.0)
    with pytest.raises(TypeError, match="`novelty_w`"):
        BreakthroughDetector(novelty_w="a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`min_n`"):
        BreakthroughDetector(min_n=1)


def test_constant_scores_never_flag() -> None:  # R5
    det = BreakthroughDetector(z=3.0)
    assert not any(det.step(0.5, 0.5)["breakthrough"] for _ in range(4))
    det = BreakthroughDetector(z=0.1)
    assert not any(det.step(0.3, 0.7)["breakthrough"] for _ in range(50))


def test_reset() -> None:  # R6
    det = BreakthroughDetector()
    for i in range(5):
        det.step(i / 5, 1 - i / 5)
    det.reset()
    assert (det.n, det.mu, det.sq) == (0, 0.0, 0.0)
    assert det.events == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(unit, unit), min_size=1, max_size=40), st.floats(0.0, 4.0))
def test_streaming_state_equals_batch_and_rule(pairs: list[tuple[float, float]],
                                               z: float) -> None:  # R3, R5, R7
    a, b = BreakthroughDetector(0.6, 0.4, z=z), BreakthroughDetector(0.6, 0.4, z=z)
    scores: list[float] = []
    for novelty, value in pairs:
        ra, rb = a.step(novelty, value), b.step(novelty, value)
        assert ra == rb
        scores.append(0.6 * novelty + 0.4 * value)
        mean, sq, std = ref_welford(scores)
        assert ra["mean"] == pytest.approx(mean, abs=1e-12)
        assert a.sq == pytest.approx(sq, abs=1e-10)
        assert ra["std"] == pytest.approx(std, abs=1e-6)
        n, score, mu, s = ra["n"], ra["score"], ra["mean"], ra["std"]
        expected = n >= 2 and ((s > 0 and score > mu + z * s) or (z == 0 and score >= mu))
        assert ra["breakthrough"] is expected


def test_spike_is_flagged_and_recorded() -> None:
    det = BreakthroughDetector(z=3.0)
    rng = np.random.default_rng(0)
    for novelty, value in rng.uniform(0.4, 0.5, (40, 2)).tolist():
        assert det.step(novelty, value)["breakthrough"] is False
    res = det.step(1.0, 1.0)
    assert res["breakthrough"] is True and res["z_score"] > 3.0
    (event,) = det.events
    assert isinstance(event, BreakthroughEvent)
    assert (event.n, event.score, event.novelty, event.value) == (41, 1.0, 1.0, 1.0)


def test_min_n_warm_up() -> None:
    det = BreakthroughDetector(z=0.0, min_n=5)
    flags = [det.step(0.5, 0.5)["breakthrough"] for _ in range(6)]
    assert flags == [False] * 4 + [True, True]


def test_long_run_stays_finite() -> None:  # R8
    det = BreakthroughDetector()
    rng = np.random.default_rng(1)
    for novelty, value in rng.uniform(0.0, 1.0, (50_000, 2)).tolist():
        det.step(novelty, value)
    assert det.n == 50_000
    assert math.isfinite(det.mu) and math.isfinite(det.sq)
    assert 0.0 <= det.mu <= 1.0 and det.sq >= 0.0


def test_tiny_input_changes_with_equal_scores() -> None:  # R9
    det = BreakthroughDetector(z=8.0)
    for _ in range(10_000):
        det.step(0.5001, 0.4999)
    assert det.step(0.5002, 0.4998)["breakthrough"] is False


def test_zero_and_huge_z() -> None:  # R10
    det = BreakthroughDetector(z=0.0)
    det.step(0.5, 0.5)
    assert det.step(0.51, 0.49)["breakthrough"] is True
    det = BreakthroughDetector(z=1e6)
    assert not any(det.step(0.5, 0.5)["breakthrough"] for _ in range(1000))


def test_instances_share_no_state() -> None:  # R11 (minus the contradictory assertion, see notes)
    low, high = BreakthroughDetector(), BreakthroughDetector()
    for _ in range(4):
        low.step(0.2, 0.2)
        high.step(0.9, 0.8)
    assert low.mu < 0.55 and high.mu > 0.45 and low.mu != high.mu


# -- vector novelty -----------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.floats(-10, 10), min_size=3, max_size=3), min_size=1, max_size=12),
       st.integers(1, 5))
def test_vector_novelty_matches_reference(vectors: list[list[float]], capacity: int) -> None:
    mem = VectorNovelty(capacity=capacity)
    for i, v in enumerate(vectors):
        window = vectors[max(0, i - capacity) : i]
        if not window or all(x == 0.0 for x in v):
            expected = 1.0
        else:
            expected = min(1.0, max(0.0, 1.0 - max(ref_cosine(v, m) for m in window)))
        assert mem.observe(v) == pytest.approx(expected, abs=1e-9)
    assert len(mem) == min(len(vectors), capacity)


def test_observe_uses_vector_novelty() -> None:
    det = BreakthroughDetector(z=2.0)
    rng = np.random.default_rng(5)
    base = rng.normal(size=8)
    for _ in range(30):
        res = det.observe(base + rng.normal(scale=0.01, size=8), 0.5)
        assert res["novelty"] < 0.01 or res["n"] == 1
    res = det.observe(-base, 0.5)
    assert res["novelty"] == 1.0 and res["breakthrough"] is True


def test_novelty_validation() -> None:
    mem = VectorNovelty()
    mem.observe([1.0, 2.0])
    with pytest.raises(ValueError, match="length 2"):
        mem.observe([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="`vector`"):
        mem.novelty([])
    with pytest.raises(TypeError, match="`capacity`"):
        VectorNovelty(capacity=2.0)  # type: ignore[arg-type]
    det = BreakthroughDetector()
    with pytest.raises(ValueError, match="`value`"):
        det.observe([1.0], None)  # type: ignore[arg-type]
    assert det.n == 0
