"""Process fatigue model behind lukhas.primitives.evolve.fatigue_level."""

from __future__ import annotations

import math

import pytest

from lukhas.bio.utils import PROCESS_FATIGUE, FatigueModel, de_minimize, fatigue_level, sphere


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_level_follows_work_and_recovers_with_half_life():
    clock = FakeClock()
    model = FatigueModel(half_life=20.0, capacity=10.0, clock=clock)
    assert model.level() == 0.0
    model.record(10.0)
    assert model.level() == pytest.approx(1 - math.exp(-1))
    clock.now += 20.0
    assert model.work() == pytest.approx(5.0)
    clock.now += 40.0
    assert model.work() == pytest.approx(1.25)
    model.record(100.0)
    assert 0.99 < model.level() <= 1.0
    model.reset()
    assert model.level() == 0.0


def test_clock_going_backwards_does_not_add_work():
    clock = FakeClock()
    model = FatigueModel(clock=clock)
    model.record(3.0)
    clock.now -= 50.0
    assert model.work() == pytest.approx(3.0)


@pytest.mark.parametrize("kwargs, text", [
    ({"half_life": 0.0}, "half_life"),
    ({"capacity": -1.0}, "capacity"),
])
def test_invalid_settings(kwargs, text):
    with pytest.raises(ValueError, match=text):
        FatigueModel(**kwargs)


def test_record_rejects_negative_work():
    with pytest.raises(ValueError, match="seconds"):
        FatigueModel().record(-1.0)


def test_optimiser_runs_feed_the_process_model():
    PROCESS_FATIGUE.reset()
    assert fatigue_level() == 0.0
    de_minimize(lambda x: float((x * x).sum()), sphere.bounds(3), seed=0, maxiter=200)
    level = fatigue_level()
    assert 0.0 < level <= 1.0
    assert isinstance(level, float)
