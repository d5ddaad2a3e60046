"""Rings under concurrent writers and readers, and unpickling with hostile arguments.

Regressions for issue 12: item 6 (``RingBuffer.extend`` computed its start slot, and
``latest`` its first slot, before entering the busy guard that may release the GIL,
so blocks from two writers interleaved inside one another) and item 3 (the object
ring's unpickle helper cast its class argument without a type check).
"""

from __future__ import annotations

import itertools
import pickle
import threading
import time

import numpy as np
import pytest

from lukhas._native import ring as native_ring
from lukhas.core.ring import DecimatingRing, Ring, RingBuffer

BLOCK = 40_000            # int64 items: 320 KB, above NOGIL_COPY_BYTES, so copies drop the GIL
CAPACITY = 7 * BLOCK + 1_234


def _check_whole_blocks(items: np.ndarray) -> None:
    """Every block tag forms one run of BLOCK items (the oldest run may be cut short)."""
    if items.size == 0:
        return
    starts = np.flatnonzero(np.diff(items)) + 1
    bounds = np.concatenate([[0], starts, [items.size]])
    seen: set[int] = set()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        tag = int(items[a])
        if tag < 0:  # single appends
            continue
        assert tag not in seen, f"block {tag} appears in two places: another block cut it"
        seen.add(tag)
        if i > 0:
            assert b - a == BLOCK, f"block {tag} holds {b - a} items, expected {BLOCK}"


def test_concurrent_large_extends_appends_and_reads_keep_blocks_whole() -> None:
    assert BLOCK * 8 >= native_ring.NOGIL_COPY_BYTES
    ring = RingBuffer(CAPACITY, np.int64)
    errors: list[BaseException] = []
    done = threading.Event()

    def writer(wid: int) -> None:
        try:
            for seq in range(60):
                ring.extend(np.full(BLOCK, wid * 1_000_000 + seq, dtype=np.int64))
                ring.append(-1)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    def reader() -> None:
        out = np.empty(CAPACITY, dtype=np.int64)
        try:
            while not done.is_set():
                n = len(ring)
                _check_whole_blocks(ring.latest(n, out=out[:n]) if n else out[:0])
                _check_whole_blocks(ring.latest(min(len(ring), 3 * BLOCK)))
        except BaseException as err:
            errors.append(err)

    writers = [threading.Thread(target=writer, args=(w,)) for w in (1, 2)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors[0]
    _check_whole_blocks(ring.to_array())
    assert len(ring) == CAPACITY


def test_latest_refuses_cleanly_when_the_ring_shrank_while_waiting() -> None:
    # The bound check on `n` happens again once the call owns the ring, so a clear
    # by another thread can only produce ValueError, never a read before the buffer.
    ring = RingBuffer(CAPACITY, np.int64)
    ring.extend(np.arange(CAPACITY))
    stop = threading.Event()

    def clearer() -> None:
        while not stop.is_set():
            ring.clear()
            ring.extend(np.arange(CAPACITY))

    t = threading.Thread(target=clearer)
    t.start()
    try:
        for _ in range(200):
            try:
                got = ring.latest(CAPACITY)
            except ValueError as err:
                assert "`n`" in str(err)
            else:
                np.testing.assert_array_equal(got, np.arange(CAPACITY))
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize(
    ("cls", "args", "stats"),
    [
        (Ring, (4,), (1, 2, 3, 0.5)),            # plain ring through the decimating path
        (int, (4,), None),                        # not a ring class at all
        (RingBuffer, (4,), None),                 # a numeric ring through the object path
        ("Ring", (4,), None),                     # not a type
        (DecimatingRing, [4], None),              # args not a tuple
        (DecimatingRing, (4,), [1, 2, 3, 0.5]),   # stats not a tuple
    ],
)
def test_object_ring_unpickle_helper_refuses_wrong_types(cls, args, stats) -> None:
    with pytest.raises(TypeError):
        native_ring._rebuild_object_ring(cls, args, ["a", "b"], stats)


class _Crafted:
    """Pickles as a call of the helper with a plain Ring and decimating stats."""

    def __reduce__(self):
        return (native_ring._rebuild_object_ring, (Ring, (8,), [1], (1, 2, 3, 0.5)))


def test_crafted_pickle_cannot_rebuild_a_plain_ring_as_decimating() -> None:
    # The payload of the report: a small pickle that rebuilds a plain Ring through the
    # decimating path used to overwrite memory; now unpickling raises TypeError.
    payload = pickle.dumps(_Crafted())
    with pytest.raises(TypeError, match="DecimatingRingCore"):
        pickle.loads(payload)


def test_numeric_ring_unpickle_helper_refuses_wrong_types() -> None:
    with pytest.raises(TypeError):
        native_ring._rebuild_ringbuffer(Ring, 4, np.float64, [1.0])
    ring = native_ring._rebuild_ringbuffer(RingBuffer, 4, np.float64, [1.0, 2.0])
    assert ring.to_array().tolist() == [1.0, 2.0]


def test_rings_still_round_trip_through_pickle() -> None:
    d = DecimatingRing(6, pressure_threshold=0.5, decimation_factor=2)
    for i in range(20):
        d.push(i)
    back = pickle.loads(pickle.dumps(d))
    assert back.to_list() == d.to_list()
    assert back.get_backpressure_stats() == d.get_backpressure_stats()
    r = RingBuffer(5, np.uint64)
    r.extend([2**64 - 1, 0])  # ints beyond int64 in a list: read exactly
    assert pickle.loads(pickle.dumps(r)).to_array().tolist() == [2**64 - 1, 0]


def test_a_write_that_waits_for_the_guard_reads_positions_after_the_wait() -> None:
    # Deterministic form of issue 12 item 6: a large extend finds the guard lock held
    # (as a waiter holds it for an instant) and waits without the GIL; meanwhile another
    # thread appends.  The extend used to compute its start slot before waiting, so its
    # block landed on the appended item.  Now the append and the whole block both survive.
    ring = RingBuffer(CAPACITY, np.int64)
    ring.extend(np.zeros(100, dtype=np.int64))
    holder = threading.Thread(target=native_ring._hold_guard_lock, args=(ring, 0.4))
    holder.start()
    time.sleep(0.1)  # the lock is held, the ring is not busy

    def appender() -> None:
        time.sleep(0.1)  # runs while the extend below waits for the lock
        ring.append(-7)

    other = threading.Thread(target=appender)
    other.start()
    ring.extend(np.full(BLOCK, 5, dtype=np.int64))
    other.join()
    holder.join()
    items = ring.to_array()
    assert items.tolist().count(-7) == 1, "the appended item was overwritten"
    assert int((items == 5).sum()) == BLOCK
    assert len(ring) == 100 + 1 + BLOCK
