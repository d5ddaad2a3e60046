"""Nonce/time-window replay detection on packed HLC stamps, alone and inside PolicyGuard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas.core.policy_guard import (
    HLC_COUNTER_BITS,
    PolicyGuard,
    PolicyResult,
    ReplayVerdict,
    ReplayWindow,
    as_hlc_stamp,
    hlc_stamp_from_datetime,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MS = 1 << HLC_COUNTER_BITS  # one millisecond in packed units


class HLCStamp:
    """What a hybrid logical clock's timestamp looks like to the guard: it has __index__."""

    def __init__(self, physical_ms: int, counter: int) -> None:
        self.value = physical_ms << HLC_COUNTER_BITS | counter

    def __index__(self) -> int:
        return self.value


def test_stamp_normalisation() -> None:
    assert hlc_stamp_from_datetime(T0) == int(T0.timestamp() * 1000) << 16
    cet = timezone(timedelta(hours=1))
    assert hlc_stamp_from_datetime(T0.astimezone(cet)) == hlc_stamp_from_datetime(T0)
    assert as_hlc_stamp("s", HLCStamp(5, 7)) == 5 * MS + 7
    assert as_hlc_stamp("s", np.uint64(9)) == 9
    with pytest.raises(ValueError, match=r"`s`.*timezone-aware"):
        as_hlc_stamp("s", datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="`s`"):
        as_hlc_stamp("s", 1.5)
    with pytest.raises(TypeError, match="`s`"):
        as_hlc_stamp("s", True)
    with pytest.raises(ValueError, match="`s`"):
        as_hlc_stamp("s", -1)
    with pytest.raises(ValueError, match="`s`"):
        as_hlc_stamp("s", 1 << 64)
    with pytest.raises(ValueError, match="1970"):
        hlc_stamp_from_datetime(datetime(1969, 12, 31, tzinfo=UTC))


def test_counter_orders_stamps_within_one_millisecond() -> None:
    rw = ReplayWindow(window=1.0)
    now = HLCStamp(10_000, 0)
    rw.record("a", HLCStamp(10_000, 1), now=now)
    assert rw.check("b", HLCStamp(10_000, 2), now=now) is ReplayVerdict.FRESH
    assert rw.check("a", HLCStamp(10_000, 9), now=now) is ReplayVerdict.DUPLICATE


def test_stale_future_and_duplicate() -> None:
    rw = ReplayWindow(window=timedelta(seconds=60), max_skew=2.0)
    assert rw.check("a", T0 - timedelta(seconds=61), now=T0) is ReplayVerdict.STALE
    assert rw.check("a", T0 + timedelta(seconds=3), now=T0) is ReplayVerdict.FUTURE
    assert rw.check("a", T0 + timedelta(seconds=1), now=T0) is ReplayVerdict.FRESH
    rw.record("a", T0, now=T0)
    assert rw.check("a", T0, now=T0 + timedelta(seconds=30)) is ReplayVerdict.DUPLICATE
    with pytest.raises(ValueError, match="duplicate"):
        rw.record("a", T0, now=T0)
    # Once its stamp leaves the window the nonce is forgotten, and its replay is stale.
    later = T0 + timedelta(seconds=61)
    assert rw.check("a", T0, now=later) is ReplayVerdict.STALE
    assert "a" not in rw and len(rw) == 0
    with pytest.raises(TypeError, match="`nonce`"):
        rw.check(1.5, T0, now=T0)  # type: ignore[arg-type]


def test_eviction_raises_the_floor() -> None:
    rw = ReplayWindow(window=3600.0, max_entries=3)
    for i in range(5):
        rw.record(f"n{i}", (1000 + i) * MS, now=2000 * MS)
    assert len(rw) == 3
    # n0 and n1 were evicted: their replays are refused as stale, not accepted.
    assert rw.check("n0", 1000 * MS, now=2000 * MS) is ReplayVerdict.STALE
    assert rw.check("n1", 1001 * MS, now=2000 * MS) is ReplayVerdict.STALE
    assert rw.check("n2", 1002 * MS, now=2000 * MS) is ReplayVerdict.DUPLICATE
    assert rw.floor == 1001 * MS + 1


def test_nonce_reuse_after_window_keeps_newest_entry() -> None:
    rw = ReplayWindow(window=10.0)
    rw.record("x", 0, now=0)
    rw.record("x", 11_000 * MS, now=11_000 * MS)  # first use long gone
    assert rw.check("x", 11_000 * MS, now=11_001 * MS) is ReplayVerdict.DUPLICATE


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40), st.integers(0, 5)),
                max_size=60))
def test_never_accepts_a_nonce_twice_within_the_window(
    events: list[tuple[int, int, int]],
) -> None:
    """Model check: a nonce is accepted again only with a stamp newer than every earlier use.

    (Its earlier entry can only have been forgotten once the floor rose past it.)
    """
    window_ms = 10
    rw = ReplayWindow(window=window_ms / 1000, max_skew=0.005, max_entries=4)
    now_ms = 0
    accepted: dict[int, list[int]] = {}
    for nonce, stamp_ms, tick in events:
        now_ms += tick
        verdict = rw.check(nonce, stamp_ms * MS, now=now_ms * MS)
        if stamp_ms > now_ms + 5:
            assert verdict is ReplayVerdict.FUTURE or verdict is ReplayVerdict.DUPLICATE
        if verdict is ReplayVerdict.FRESH:
            assert all(stamp_ms > previous for previous in accepted.get(nonce, []))
            assert stamp_ms >= now_ms - window_ms
            rw.record(nonce, stamp_ms * MS, now=now_ms * MS)
            accepted.setdefault(nonce, []).append(stamp_ms)
        assert len(rw) <= 4


def test_guard_denies_replayed_nonce_without_consuming_budget() -> None:
    now = [T0]
    guard = PolicyGuard(lane="candidate", clock=lambda: now[0])
    stamp = HLCStamp(int(T0.timestamp() * 1000), 0)
    first = guard.check_replay("action", nonce="evt-1", stamp=stamp)
    assert first.allow
    again = guard.check_replay("action", nonce="evt-1")
    assert again.result is PolicyResult.DENY_REPLAY and "already replayed" in again.reason
    old = guard.check_replay("action", nonce="evt-2", stamp=T0 - timedelta(minutes=6))
    assert old.result is PolicyResult.DENY_REPLAY and "outside the replay window" in old.reason
    ahead = guard.check_replay("action", nonce="evt-3", stamp=T0 + timedelta(minutes=1))
    assert ahead.result is PolicyResult.DENY_REPLAY and "ahead" in ahead.reason
    assert guard.get_policy_stats()["current_budget_usage"] == 1
    # A denial for another reason does not burn the nonce: the fixed request may retry.
    risky = guard.check_replay("action", risk_level=0.9, nonce="evt-4")
    assert risky.result is PolicyResult.DENY_RISK
    assert guard.check_replay("action", risk_level=0.1, nonce="evt-4").allow


def test_guard_kind_check_precedes_replay_check() -> None:
    guard = PolicyGuard(lane="experimental")
    guard.check_replay("action", nonce=7)
    assert guard.check_replay("evil", nonce=7).result is PolicyResult.DENY_KIND
