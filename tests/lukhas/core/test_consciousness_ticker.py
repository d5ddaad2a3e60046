"""ConsciousnessTicker: frames routed into the ring, shedding, metrics (R1-R7)."""

from __future__ import annotations

from unittest import mock

import pytest

import lukhas.core.consciousness_ticker as ct_module
from core.clock import ManualClock, Ticker
from lukhas.core.consciousness_ticker import ConsciousnessTicker
from lukhas.core.ring import Ring

pytestmark = pytest.mark.clock


def test_r1_construction() -> None:
    ct = ConsciousnessTicker(fps=30, cap=120)
    assert isinstance(ct.ticker, Ticker) and isinstance(ct.buffer, Ring)
    assert ct.ticker.fps == 30 and ct.buffer.capacity == 120 and len(ct.buffer) == 0
    assert ConsciousnessTicker(cap=42).buffer.capacity == 42
    assert ct._on_tick in ct.ticker.subscribers
    assert repr(ct) == "ConsciousnessTicker(fps=30, cap=120, frames=0)"
    with pytest.raises(ValueError, match="`capacity` must be an int"):
        ConsciousnessTicker(cap=0)


def test_r2_frames_in_push_order() -> None:
    ct = ConsciousnessTicker()
    ct._on_tick(42)
    assert len(ct.buffer) == 1
    ct._on_tick(43)
    assert ct.buffer.pop_all() == [{"id": 42}, {"id": 43}]


@pytest.mark.parametrize("prom", [True, False])
def test_r3_shedding(prom: bool) -> None:
    with mock.patch.object(ct_module, "PROM", prom), \
            mock.patch.object(ct_module, "TICKS_DROPPED") as dropped:
        ct = ConsciousnessTicker(cap=10)
        for n in range(8):
            ct._on_tick(n)
        assert len(ct.buffer) == 8 and dropped.labels.call_count == 0
        ct._on_tick(8)
        assert [f["id"] for f in ct.buffer.pop_all()] == [4, 5, 6, 7, 8]
        dropped.labels.assert_called_once_with(lane=ct_module.LANE)
        dropped.labels.return_value.inc.assert_called_once_with()


def test_r4_metrics_called_with_the_patched_lane() -> None:
    with mock.patch.object(ct_module, "TICK") as tick, \
            mock.patch.object(ct_module, "TICKS_DROPPED") as dropped, \
            mock.patch.object(ct_module, "LANE", "test_lane"):
        ct = ConsciousnessTicker(cap=4)
        for n in range(1, 6):
            ct._on_tick(n)
        assert tick.labels.call_count == 5 and tick.labels.return_value.observe.call_count == 5
        tick.labels.assert_called_with(lane="test_lane")
        (seconds,), _ = tick.labels.return_value.observe.call_args
        assert 0.0 <= seconds < 1.0
        assert dropped.labels.called and dropped.labels.return_value.inc.called


def test_r5_push_failure_is_counted_and_reraised() -> None:
    ct = ConsciousnessTicker()
    with mock.patch.object(ct_module, "SUB_EXC") as sub_exc, \
            mock.patch.object(ct_module, "TICK") as tick, \
            mock.patch.object(ct, "buffer") as buffer:
        buffer.push.side_effect = RuntimeError("ring is gone")
        with pytest.raises(RuntimeError, match="ring is gone"):
            ct._on_tick(1)
        sub_exc.labels.assert_called_once_with(lane=ct_module.LANE)
        sub_exc.labels.return_value.inc.assert_called_once_with()
        assert tick.labels.return_value.observe.call_count == 1  # the finally ran


def test_r6_start_and_stop_drive_the_ticker() -> None:
    ct = ConsciousnessTicker()
    ct.ticker = mock.Mock()
    ct.start(seconds=3)
    ct.ticker.run.assert_called_once_with(seconds=3)
    ct.ticker.running = True
    ct.stop()
    assert ct.ticker.running is False


def test_r7_rapid_ticks_stay_bounded_and_recent() -> None:
    ct = ConsciousnessTicker(cap=8)
    for n in range(50):
        ct._on_tick(n)
        assert len(ct.buffer) <= 8
    frames = ct.buffer.pop_all()
    assert frames and all(f["id"] >= 42 for f in frames)
    assert [f["id"] for f in frames] == sorted(f["id"] for f in frames)


def test_a_run_routes_every_tick() -> None:
    ct = ConsciousnessTicker(fps=20, cap=1000)
    mc = ManualClock()
    ct.ticker._clock, ct.ticker._sleep = mc.now, mc.sleep
    ct.start(seconds=1)
    assert [f["id"] for f in ct.buffer.pop_all()] == list(range(20))
    assert ct.ticker.running is False


def test_module_metrics_exist() -> None:
    assert isinstance(ct_module.PROM, bool) and isinstance(ct_module.LANE, str)
    # Used the way the ticker uses them, with or without prometheus_client installed.
    ct_module.TICK.labels(lane=ct_module.LANE).observe(0.001)
    for counter in (ct_module.TICKS_DROPPED, ct_module.SUB_EXC):
        counter.labels(lane=ct_module.LANE).inc()
    assert all(m.created for m in (ct_module.TICK, ct_module.TICKS_DROPPED, ct_module.SUB_EXC))
    from lukhas.services.observability import NoopMetric

    noop = NoopMetric()
    assert noop.labels(lane="x") is noop
    noop.observe(1.0)
    noop.inc()
    noop.set(2.0)


def test_ring_methods_of_the_ticker_are_patchable() -> None:
    """LUKHAS tests patch the ticker's ring in place (issue 19 §5); the ring stays compiled."""
    ct = ConsciousnessTicker(cap=10)
    with mock.patch.object(ct.buffer, "push", side_effect=RuntimeError("full")) as push, \
            mock.patch.object(ct_module, "SUB_EXC") as sub_exc:
        with pytest.raises(RuntimeError, match="full"):
            ct._on_tick(7)
        push.assert_called_once_with({"id": 7})
        sub_exc.labels.return_value.inc.assert_called_once_with()
    assert len(ct.buffer) == 0  # the patched push stored nothing
    with mock.patch.object(ct.buffer, "push", wraps=ct.buffer.push) as spy:
        for n in range(9):
            ct._on_tick(n)
        # nine frames, then the shed re-pushes the newest five
        assert spy.call_count == 9 + 5
    assert "push" not in vars(ct.buffer)  # restored: the compiled method again
    assert [f["id"] for f in ct.buffer.pop_all()] == [4, 5, 6, 7, 8]
    other = ConsciousnessTicker(cap=10)
    with mock.patch.object(ct.buffer, "pop_all", return_value=[]):
        other._on_tick(1)
        assert ct.buffer.pop_all() == [] and len(other.buffer) == 1  # only that ring
