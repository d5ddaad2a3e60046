"""Hybrid logical clocks: the paper's rules, monotonicity and bounded drift under random
message schedules, the drift guard, and the packed stamp type."""

from __future__ import annotations

import itertools
import operator
import pickle
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import (
    ClockDriftError,
    HLCTimestamp,
    HybridLogicalClock,
    ManualClock,
    wall_clock_ms,
)
from lukhas.core.policy_guard import as_hlc_stamp
from reference.clock_ref import RefHLC

pytestmark = pytest.mark.clock


def _fixed(ms: list[int]) -> HybridLogicalClock:
    return HybridLogicalClock(physical_clock=lambda: ms[0], max_drift_ms=1_000)


def test_local_events_follow_physical_time() -> None:
    now = [1_000]
    hlc = _fixed(now)
    assert hlc.last == HLCTimestamp(0, 0)
    assert hlc.now() == HLCTimestamp(1_000, 0)
    assert hlc.send() == HLCTimestamp(1_000, 1)
    now[0] = 999  # physical clock steps back: logical time holds, the counter runs
    assert hlc.now() == HLCTimestamp(1_000, 2)
    now[0] = 1_005
    assert hlc.now() == HLCTimestamp(1_005, 0) and hlc.last == HLCTimestamp(1_005, 0)


def test_receive_rules() -> None:
    now = [1_000]
    hlc = _fixed(now)
    hlc.now()  # (1000, 0)
    assert hlc.receive(HLCTimestamp(1_000, 7)) == HLCTimestamp(1_000, 8)  # l == l' == lm
    assert hlc.receive(HLCTimestamp(900, 50)) == HLCTimestamp(1_000, 9)  # l == l'
    assert hlc.receive(HLCTimestamp(1_500, 4)) == HLCTimestamp(1_500, 5)  # l == lm
    now[0] = 2_000
    assert hlc.receive(HLCTimestamp(1_800, 3)) == HLCTimestamp(2_000, 0)  # l == pt
    packed = (2_000 << 16) | 10
    assert hlc.receive(packed) == HLCTimestamp(2_000, 11)
    assert hlc.receive(np.uint64(packed)) == HLCTimestamp(2_000, 12)


def test_drift_guard_refuses_and_leaves_state_unchanged() -> None:
    now = [10_000]
    hlc = HybridLogicalClock(physical_clock=lambda: now[0], max_drift_ms=500)
    hlc.now()
    before = hlc.last
    with pytest.raises(ClockDriftError, match=r"`remote` is 501 ms ahead .*max_drift_ms=500"):
        hlc.receive(HLCTimestamp(10_501))
    assert hlc.last == before
    with pytest.raises(ValueError):  # a ClockDriftError is caught as the ValueError it is
        hlc.receive(HLCTimestamp(10_501))
    assert hlc.receive(HLCTimestamp(10_500)) == HLCTimestamp(10_500, 1)  # at the bound: fine
    unguarded = HybridLogicalClock(physical_clock=lambda: now[0], max_drift_ms=None)
    assert unguarded.max_drift_ms is None
    assert unguarded.receive(HLCTimestamp(10**12)).physical_ms == 10**12


def test_counter_overflow_borrows_a_millisecond() -> None:
    hlc = HybridLogicalClock(physical_clock=lambda: 5, max_drift_ms=10)
    stamps = [hlc.now() for _ in range(65_537)]
    assert stamps[65_535] == HLCTimestamp(5, 65_535)
    assert stamps[65_536] == HLCTimestamp(6, 0)
    assert all(int(x) < int(y) for x, y in zip(stamps[-5:], stamps[-4:], strict=False))
    strict = HybridLogicalClock(physical_clock=lambda: 5, max_drift_ms=0)
    assert strict.receive(HLCTimestamp(5, 65_534)) == HLCTimestamp(5, 65_535)
    # The carry is a local event: it never raises, even with no drift allowed ...
    assert strict.now() == HLCTimestamp(6, 0)
    # ... while a remote stamp ahead of physical time still does.
    with pytest.raises(ClockDriftError, match="`remote` is 2 ms ahead"):
        strict.receive(HLCTimestamp(7, 0))
    assert strict.last == HLCTimestamp(6, 0)


def test_physical_clock_stepping_back_never_blocks_local_events() -> None:
    now = [100_000]
    hlc = HybridLogicalClock(physical_clock=lambda: now[0], max_drift_ms=50)
    hlc.now()
    now[0] = 10_000  # an NTP step of 90 s backwards, far beyond max_drift_ms
    assert hlc.now() == HLCTimestamp(100_000, 1)
    assert hlc.receive(HLCTimestamp(10_040)) == HLCTimestamp(100_000, 2)
    with pytest.raises(ClockDriftError):
        hlc.receive(HLCTimestamp(10_051))


def test_clock_stepped_back_beyond_drift_keeps_counting_past_the_counter_range() -> None:
    # Regression: after a step back larger than max_drift_ms, the 65,536th further
    # event used to raise ClockDriftError, and so did every later now/send/receive
    # until physical time caught up (a wedged clock).
    now = [1_000_000]
    hlc = HybridLogicalClock(physical_clock=lambda: now[0], max_drift_ms=100)
    hlc.now()
    now[0] = 0  # a glitch far beyond the drift bound
    stamps = [hlc.now() for _ in range(3 * 65_536)]
    assert all(int(x) < int(y) for x, y in itertools.pairwise(stamps))
    assert stamps[-1] == HLCTimestamp(1_000_003, 0)
    assert hlc.send() > stamps[-1]
    assert hlc.receive(HLCTimestamp(50)) > stamps[-1]  # a remote stamp within the bound
    with pytest.raises(ClockDriftError):
        hlc.receive(HLCTimestamp(101))  # still refused: 101 ms ahead of physical 0


@given(
    st.lists(st.tuples(st.sampled_from(["now", "send", "receive"]),
                       st.integers(-10**6, 10**6), st.integers(0, 2**20)),
             min_size=1, max_size=60),
    st.integers(0, 1_000),
)
def test_local_events_never_raise_and_stamps_rise(
    steps: list[tuple[str, int, int]], drift: int
) -> None:
    # Any physical clock (steps back and forth) and any remote stamps: now/send never
    # raise, every stamp exceeds the one before, and receive raises ClockDriftError
    # exactly when the remote's physical part leads the physical clock by > drift.
    now = [10**7]
    hlc = HybridLogicalClock(physical_clock=lambda: now[0], max_drift_ms=drift)
    last = -1
    for op, jump, remote_ms in steps:
        now[0] = max(0, now[0] + jump)
        if op == "receive":
            remote = HLCTimestamp(remote_ms * 20, 0)
            if remote.physical_ms > now[0] + drift:
                with pytest.raises(ClockDriftError):
                    hlc.receive(remote)
                continue
            stamp = hlc.receive(remote)
            assert stamp > remote
        else:
            stamp = getattr(hlc, op)()
        assert int(stamp) > last
        last = int(stamp)


def test_to_datetime_past_datetime_max_is_a_clear_error() -> None:
    assert HLCTimestamp(0).to_datetime().year == 1970
    with pytest.raises(ValueError, match=r"after datetime\.max"):
        HLCTimestamp(2**48 - 1).to_datetime()


def test_48_bit_exhaustion() -> None:
    top = 2**48 - 1
    hlc = HybridLogicalClock(physical_clock=lambda: top, max_drift_ms=None)
    with pytest.raises(OverflowError, match="48-bit"):
        hlc.receive(HLCTimestamp(top, 65_535))


@pytest.mark.parametrize(
    ("reading", "exc", "match"),
    [
        (1.5, TypeError, "`physical_clock` must return int milliseconds, got 1.5"),
        (-1, ValueError, "`physical_clock\\(\\)` must be an int in"),
        (2**48, ValueError, "`physical_clock\\(\\)`"),
        (None, TypeError, "`physical_clock` must return"),
    ],
)
def test_physical_clock_validation(reading: Any, exc: type[Exception], match: str) -> None:
    hlc = HybridLogicalClock(physical_clock=lambda: reading)
    with pytest.raises(exc, match=match):
        hlc.now()
    assert hlc.last == HLCTimestamp(0)


def test_constructor_and_receive_validation() -> None:
    with pytest.raises(TypeError, match="`physical_clock` must be a callable"):
        HybridLogicalClock(physical_clock=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`max_drift_ms` must be an int in"):
        HybridLogicalClock(max_drift_ms=-1)
    hlc = HybridLogicalClock()
    with pytest.raises(TypeError, match="`remote` must be an HLCTimestamp or a packed"):
        hlc.receive("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`remote` must be an int in"):
        hlc.receive(-5)
    with pytest.raises(TypeError, match="`remote`"):
        hlc.receive(True)


def test_default_clock_reads_wall_time() -> None:
    before = wall_clock_ms()
    stamp = HybridLogicalClock().now()
    after = time.time_ns() // 1_000_000
    assert before <= stamp.physical_ms <= after and stamp.counter == 0


def test_timestamp_type() -> None:
    s = HLCTimestamp(1_700_000_000_123, 9)
    assert (s.physical_ms, s.counter) == (1_700_000_000_123, 9)
    assert int(s) == operator.index(s) == s.packed == (1_700_000_000_123 << 16) | 9
    assert as_hlc_stamp("stamp", s) == s.packed  # plugs into the policy guard
    assert HLCTimestamp.from_packed(s.packed) == s and hash(s) == hash(s.packed)
    assert pickle.loads(pickle.dumps(s)) == s
    assert s.to_datetime().isoformat() == "2023-11-14T22:13:20.123000+00:00"
    assert sorted([HLCTimestamp(2), HLCTimestamp(1, 5), HLCTimestamp(1)]) == [
        HLCTimestamp(1), HLCTimestamp(1, 5), HLCTimestamp(2)
    ]
    assert s != int(s) and s >= s and s <= s and not s > s
    with pytest.raises(TypeError):
        _ = s < 3  # type: ignore[operator]
    with pytest.raises(ValueError, match="`counter` must be an int in \\[0, 65535\\], got 65536"):
        HLCTimestamp(1, 65_536)
    with pytest.raises(ValueError, match="`physical_ms`"):
        HLCTimestamp(2**48)
    with pytest.raises(TypeError, match="`physical_ms` must be an int"):
        HLCTimestamp(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`packed`"):
        HLCTimestamp.from_packed(2**64)


# -- random schedules ------------------------------------------------------------------------

events = st.lists(
    st.tuples(
        st.integers(0, 2),          # acting node
        st.sampled_from(["local", "send", "deliver"]),
        st.integers(0, 3),          # real-time advance in ms before the event
    ),
    max_size=80,
)


@settings(max_examples=150)
@given(st.lists(st.integers(0, 40), min_size=3, max_size=3), events)
def test_random_schedules(skews: list[int], schedule: list[tuple[int, str, int]]) -> None:
    """Three nodes with skewed physical clocks exchange messages in random order.

    Checked at every step: the stamps match the paper's algorithm, each node's stamps
    strictly increase, a receipt is later than the message, and logical time never
    leads the local physical clock by more than the largest skew difference.
    """
    spread = max(skews) - min(skews)
    true_ms = [1_000]
    readings = [lambda i=i: true_ms[0] + skews[i] for i in range(3)]
    clocks = [HybridLogicalClock(physical_clock=readings[i], max_drift_ms=spread)
              for i in range(3)]
    refs = [RefHLC() for _ in range(3)]
    last = [0, 0, 0]
    in_flight: list[tuple[int, HLCTimestamp]] = []
    for node, kind, advance in schedule:
        true_ms[0] += advance
        pt = readings[node]()
        if kind == "deliver" and in_flight:
            dest, msg = in_flight.pop(0)
            pt = readings[dest]()
            stamp = clocks[dest].receive(msg)
            expected = refs[dest].receive(pt, msg.physical_ms, msg.counter)
            assert stamp > msg
            node = dest
        else:
            stamp = clocks[node].send() if kind == "send" else clocks[node].now()
            expected = refs[node].send(pt)
            if kind == "send":
                in_flight.append(((node + 1 + advance % 2) % 3, stamp))
        assert (stamp.physical_ms, stamp.counter) == expected
        assert int(stamp) > last[node]
        last[node] = int(stamp)
        assert stamp.physical_ms - pt <= spread
        assert stamp.counter <= len(schedule) + 1


def test_manual_clock_drives_an_hlc() -> None:
    mc = ManualClock(1.0)
    hlc = HybridLogicalClock(physical_clock=mc.ms)
    assert hlc.now() == HLCTimestamp(1_000)
    mc.advance(0.0004)
    assert hlc.now() == HLCTimestamp(1_000, 1)
    mc.sleep(0.002)
    assert hlc.now() == HLCTimestamp(1_002)
