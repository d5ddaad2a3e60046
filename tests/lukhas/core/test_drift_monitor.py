"""DriftMonitor, LANE_CFG and _cosine: the LUKHAS DriftScore v2 contract (R1-R11)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.core.drift import LANE_CFG, DriftConfig, DriftMonitor, _cosine
from reference.drift_ref import ref_cosine

ORTHO = ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
SAME = ([0.3, 0.4, 0.5], [0.3, 0.4, 0.5])


@pytest.fixture(autouse=True)
def _no_lane_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUKHAS_LANE", raising=False)


# -- R1: cosine ---------------------------------------------------------------------------
def test_cosine_special_values() -> None:
    assert _cosine([0.1, 0.2, 0.7], [0.1, 0.2, 0.7]) == 1.0
    assert abs(_cosine(*ORTHO)) < 1e-10
    assert _cosine([0.0, 0.0], [1.0, 2.0]) == 0.0
    assert _cosine([1.0, 2.0], [0.0, 0.0]) == 0.0
    assert _cosine([], []) == 0.0
    assert _cosine([1.0, 2.0], [1.0, 2.0, 3.0]) == 0.0
    assert _cosine([1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]) == -1.0


vectors = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12)


@given(vectors)
def test_cosine_of_a_vector_with_itself_is_exactly_one(v: list[float]) -> None:
    expected = 0.0 if all(x == 0.0 for x in v) else 1.0
    assert _cosine(v, list(v)) == expected


@given(st.integers(1, 10).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n),
    st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n))))
def test_cosine_matches_reference(pair: tuple[list[float], list[float]]) -> None:
    a, b = pair
    got = _cosine(a, b)
    assert -1.0 <= got <= 1.0
    assert got == pytest.approx(ref_cosine(a, b), abs=1e-9)


def test_cosine_survives_extreme_magnitudes() -> None:
    assert _cosine([1e200, 1e200], [1e200, 1e200]) == 1.0
    assert _cosine([1e-200, 0.0], [0.0, 1e-200]) == 0.0
    assert _cosine([1e-300, 1e-300], [2e-300, 2e-300]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("a", "b", "exc"),
    [
        (["x"], [1.0], TypeError),
        ([float("nan")], [1.0], ValueError),
        ([[1.0]], [[1.0]], ValueError),
    ],
)
def test_cosine_rejects_bad_vectors(a: object, b: object, exc: type[Exception]) -> None:
    with pytest.raises(exc, match="`a`"):
        _cosine(a, b)


# -- R2, R3, R8: single updates and EMA ----------------------------------------------------
def test_first_updates() -> None:
    res = DriftMonitor().update([0.0, 0.0], [0.0, 0.0])
    assert res["drift"] == 1.0 and res["guardian"] == "allow"
    res = DriftMonitor().update(*SAME)
    assert (res["drift"], res["ema"], res["guardian"]) == (0.0, 0.0, "allow")
    res = DriftMonitor().update(*ORTHO)
    assert res["drift"] == pytest.approx(1.0, abs=1e-10) and res["guardian"] == "allow"


def test_anti_parallel_drift_is_two_unclamped() -> None:
    assert DriftMonitor().update([1.0, 2.0], [-1.0, -2.0])["drift"] == 2.0


def test_ema_smoothing() -> None:
    m = DriftMonitor()
    first = m.update(*ORTHO)["ema"]
    assert first == m.cfg.alpha * 1.0
    second = m.update(*ORTHO)["ema"]
    assert second > first
    third = m.update(*SAME)["ema"]
    assert 0.0 < third < second
    assert third == pytest.approx((1 - m.cfg.alpha) * second)


def test_result_shape_and_types() -> None:
    res = DriftMonitor().update([0.2, 0.9], [0.8, 0.1])
    assert set(res) == {"lane", "drift", "ema", "guardian", "n"}
    assert isinstance(res["lane"], str)
    assert isinstance(res["drift"], float) and isinstance(res["ema"], float)
    assert isinstance(res["n"], int) and res["n"] == 1
    assert res["guardian"] in {"allow", "warn", "block"}


# -- R4, R10: lane table -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lane", "warn", "block"),
    [("experimental", 0.30, 0.50), ("candidate", 0.20, 0.35), ("prod", 0.15, 0.25)],
)
def test_lane_table_and_guardian_rule(lane: str, warn: float, block: float) -> None:
    m = DriftMonitor(lane=lane)
    assert m.lane == lane
    assert (m.cfg.warn_threshold, m.cfg.block_threshold) == (warn, block)
    assert (m.cfg.alpha, m.cfg.window) == (0.2, 64)
    for _ in range(51):
        res = m.update(*ORTHO)
        ema = res["ema"]
        expected = "block" if ema >= block else "warn" if ema >= warn else "allow"
        assert res["guardian"] == expected
    assert res["guardian"] == "block"


def test_lane_cfg_keys_and_ordering() -> None:
    assert set(LANE_CFG) == {"experimental", "candidate", "prod"}
    for cfg in LANE_CFG.values():
        assert cfg.warn_threshold < cfg.block_threshold
    e, c, p = LANE_CFG["experimental"], LANE_CFG["candidate"], LANE_CFG["prod"]
    assert p.warn_threshold <= c.warn_threshold <= e.warn_threshold
    assert p.block_threshold <= c.block_threshold <= e.block_threshold
    assert DriftConfig(0.3, 0.5, alpha=0.2, window=64) == e


def test_config_is_frozen_and_validated() -> None:
    cfg = LANE_CFG["prod"]
    with pytest.raises(AttributeError):
        cfg.alpha = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match="block_threshold"):
        DriftConfig(0.5, 0.3)
    with pytest.raises(ValueError, match="alpha"):
        DriftConfig(0.1, 0.2, alpha=0.0)
    with pytest.raises(TypeError, match="window"):
        DriftConfig(0.1, 0.2, window=2.5)  # type: ignore[arg-type]


# -- R5: raw window ------------------------------------------------------------------------
def test_raw_window_is_bounded() -> None:
    m = DriftMonitor()
    for _ in range(m.cfg.window + 10):
        res = m.update(*ORTHO)
    assert len(m._raw) == m.cfg.window == res["n"]
    assert m._raw[-1] == 1.0
    assert m.recent == tuple(m._raw)


# -- R6, R7: lane resolution ---------------------------------------------------------------
def test_lane_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUKHAS_LANE", "candidate")
    assert DriftMonitor().lane == "candidate"
    monkeypatch.setenv("LUKHAS_LANE", "PROD")
    m = DriftMonitor()
    assert m.lane == "prod" and m.cfg == LANE_CFG["prod"]
    monkeypatch.delenv("LUKHAS_LANE")
    assert DriftMonitor().lane == "experimental"


def test_unknown_lane_keeps_name_uses_experimental() -> None:
    m = DriftMonitor(lane="unknown")
    assert m.lane == "unknown"
    assert m.cfg == LANE_CFG["experimental"]


def test_lane_type_checked() -> None:
    with pytest.raises(TypeError, match="`lane`"):
        DriftMonitor(lane=3)  # type: ignore[arg-type]


# -- R9: threshold matrix on the first update -----------------------------------------------
@pytest.mark.parametrize("lane", ["experimental", "candidate", "prod"])
@pytest.mark.parametrize("angle", np.linspace(0.0, math.pi, 13).tolist())
def test_first_update_threshold_matrix(lane: str, angle: float) -> None:
    m = DriftMonitor(lane=lane)
    res = m.update([1.0, 0.0], [math.cos(angle), math.sin(angle)])
    ema = m.cfg.alpha * res["drift"]
    assert res["ema"] == pytest.approx(ema)
    assert res["guardian"] == m.cfg.decide(ema)


# -- R11: experimental progression ----------------------------------------------------------
def test_experimental_progression_warn_then_block() -> None:
    m = DriftMonitor(lane="experimental")
    m.update(*SAME)
    seen = [m.update(*ORTHO) for _ in range(10)]
    warns = [r for r in seen if r["guardian"] == "warn"]
    blocks = [r for r in seen if r["guardian"] == "block"]
    assert warns and blocks
    assert 0.30 <= warns[0]["ema"] < 0.50
    assert warns[0]["ema"] == pytest.approx(0.36)
    assert blocks[0]["ema"] >= 0.50 and blocks[0]["ema"] > warns[0]["ema"]
    assert seen.index(warns[0]) < seen.index(blocks[0])


def test_streaming_ema_equals_batch_recurrence() -> None:
    rng = np.random.default_rng(3)
    m = DriftMonitor("candidate")
    drifts: list[float] = []
    for _ in range(80):
        a, b = rng.normal(size=4).tolist(), rng.normal(size=4).tolist()
        res = m.update(a, b)
        drifts.append(1.0 - ref_cosine(a, b))
        ema = 0.0
        for d in drifts:
            ema = 0.2 * d + 0.8 * ema
        assert res["ema"] == pytest.approx(ema, abs=1e-9)
        assert list(m._raw) == pytest.approx(drifts[-64:], abs=1e-9)
    m.reset()
    assert m.ema == 0.0 and m.recent == ()


def test_import_does_not_load_numba() -> None:
    code = "import lukhas.core.drift, sys; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
