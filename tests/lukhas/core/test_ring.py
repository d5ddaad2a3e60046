"""lukhas.core.ring: RingBuffer against the list reference; Ring and DecimatingRing
against the contract."""

from __future__ import annotations

import pickle
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lukhas._native import ring as native_ring
from lukhas.core.ring import (
    DECIMATION_STRATEGIES,
    SUPPORTED_DTYPES,
    DecimatingRing,
    EmptyRingError,
    Ring,
    RingBuffer,
)
from reference.ring_ref import RefDecimatingRing, RefRing

INT_DTYPES = [d for d in SUPPORTED_DTYPES if d.kind in "iu"]


def values_for(dtype: np.dtype[Any], n: int, rng: np.random.Generator) -> np.ndarray:
    if dtype.kind == "f":
        return rng.standard_normal(n).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(int(info.min), int(info.max), size=n, endpoint=True, dtype=dtype)


# -- RingBuffer against the reference ---------------------------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(-100, 100)),
        st.tuples(st.just("extend"), st.integers(0, 20)),
        st.tuples(st.just("pop"), st.just(0)),
        st.tuples(st.just("popleft"), st.just(0)),
        st.tuples(st.just("clear"), st.just(0)),
        st.tuples(st.just("latest"), st.integers(0, 20)),
    ),
    max_size=60,
)


@pytest.mark.parametrize("dtype", SUPPORTED_DTYPES, ids=str)
@given(capacity=st.integers(1, 9), script=ops, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_ringbuffer_matches_reference(
    dtype: np.dtype[Any], capacity: int, script: list[tuple[str, int]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    ring = RingBuffer(capacity, dtype)
    ref = RefRing(capacity)
    for op, arg in script:
        if op == "append":
            value = int(values_for(dtype, 1, rng)[0]) if dtype.kind in "iu" else float(arg) / 7
            ring.append(value)
            ref.push(dtype.type(value))
        elif op == "extend":
            chunk = values_for(dtype, arg, rng)
            ring.extend(chunk)
            ref.extend(list(chunk))
        elif op in ("pop", "popleft"):
            if len(ref):
                assert getattr(ring, op)() == getattr(ref, op)()
            else:
                with pytest.raises(EmptyRingError):
                    getattr(ring, op)()
        elif op == "clear":
            ring.clear()
            ref.items.clear()
        else:
            n = min(arg, len(ref))
            got = ring.latest(n)
            assert got.dtype == dtype and got.flags.c_contiguous
            np.testing.assert_array_equal(got, np.array(ref.latest(n), dtype=dtype))
        assert len(ring) == len(ref)
        assert ring.full == (len(ref) == capacity)
        expected = np.array(ref.items, dtype=dtype)
        np.testing.assert_array_equal(ring.to_array(), expected)
        np.testing.assert_array_equal(np.concatenate(ring.view()), expected)
        if len(ref):
            assert ring[0] == expected[0] and ring[-1] == expected[-1]


@pytest.mark.parametrize("dtype", SUPPORTED_DTYPES, ids=str)
@pytest.mark.parametrize("capacity", [1, 2, 7, 64])
@pytest.mark.parametrize("multiple", [0, 1, 2, 3])
def test_extend_edge_sizes(dtype: np.dtype[Any], capacity: int, multiple: int) -> None:
    # 0, capacity, 2x and 3x capacity, from empty and from a half-full ring.
    rng = np.random.default_rng(capacity * 10 + multiple)
    for prefill in (0, capacity // 2):
        ring = RingBuffer(capacity, dtype)
        ref = RefRing(capacity)
        head = values_for(dtype, prefill, rng)
        ring.extend(head)
        ref.extend(list(head))
        chunk = values_for(dtype, multiple * capacity, rng)
        ring.extend(chunk)
        ref.extend(list(chunk))
        np.testing.assert_array_equal(ring.to_array(), np.array(ref.items, dtype=dtype))
        np.testing.assert_array_equal(ring.latest(len(ref)), np.array(ref.items, dtype=dtype))


def test_extend_strided_and_converted_inputs() -> None:
    ring = RingBuffer(5)
    base = np.arange(20, dtype=np.float64)
    ring.extend(base[::4])  # strided view: 0, 4, 8, 12, 16
    np.testing.assert_array_equal(ring.to_array(), [0, 4, 8, 12, 16])
    ring.extend(np.arange(3, dtype=np.int32))  # safe cast to float64
    np.testing.assert_array_equal(ring.to_array(), [12, 16, 0, 1, 2])
    ring.extend([7, 8.5])
    np.testing.assert_array_equal(ring.to_array(), [0, 1, 2, 7, 8.5])
    ring.extend(np.array([1.0, 2.0], dtype=">f8"))  # big-endian input
    np.testing.assert_array_equal(ring.to_array(), [2, 7, 8.5, 1, 2])
    small = RingBuffer(3, np.int16)
    small.extend(np.array([1, -2, 300], dtype=np.int64))  # in-range downcast
    np.testing.assert_array_equal(small.to_array(), [1, -2, 300])


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.uint8])
def test_large_copies_release_the_gil_and_stay_exact(dtype: type) -> None:
    n = native_ring.NOGIL_COPY_BYTES // np.dtype(dtype).itemsize * 3
    ring = RingBuffer(n, dtype)
    data = np.arange(2 * n + 5).astype(dtype)
    ring.extend(data[:n])
    ring.extend(data[n : 2 * n + 5])
    np.testing.assert_array_equal(ring.to_array(), data[n + 5 : 2 * n + 5])
    out = np.empty(n, dtype=dtype)
    assert ring.latest(n, out=out) is out
    np.testing.assert_array_equal(out, data[n + 5 : 2 * n + 5])


def test_view_is_zero_copy_read_only_and_two_segments() -> None:
    ring = RingBuffer(4, np.int64)
    ring.extend([1, 2, 3])
    ring.extend([4, 5, 6])  # wraps: slots hold 5, 6, 3, 4
    parts = ring.view()
    assert len(parts) == 2
    np.testing.assert_array_equal(np.concatenate(parts), [3, 4, 5, 6])
    assert all(not p.flags.writeable for p in parts)
    with pytest.raises(ValueError, match="read-only"):
        parts[0][0] = 9
    ring.append(7)  # the documented invalidation: the view now shows the new slot
    assert 7 in np.concatenate(parts)
    empty = RingBuffer(3)
    assert [p.size for p in empty.view()] == [0]


def test_scalar_conversion_rules() -> None:
    f32 = RingBuffer(4, np.float32)
    f32.append(np.float64(0.1))
    f32.append(np.int64(3))
    f32.append(True is False or 2)  # plain int
    assert f32.to_array().dtype == np.float32
    np.testing.assert_array_equal(f32.to_array(), np.array([0.1, 3, 2], dtype=np.float32))
    u64 = RingBuffer(3, np.uint64)
    u64.append(2**64 - 1)
    u64.append(np.uint64(2**63 + 1))
    u64.append(0)
    np.testing.assert_array_equal(u64.to_array(), np.array([2**64 - 1, 2**63 + 1, 0], np.uint64))
    i8 = RingBuffer(2, np.int8)
    i8.append(np.int16(-128))
    assert i8.pop() == -128


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"capacity": 0}, ValueError, r"`capacity` must be an int in \[1, \d+\], got 0"),
        ({"capacity": -3}, ValueError, "`capacity`"),
        ({"capacity": 2.5}, TypeError, "`capacity` must be an int, got 2.5"),
        ({"capacity": True}, TypeError, "`capacity`"),
        ({"capacity": "8"}, TypeError, "`capacity`"),
        ({"capacity": 4, "dtype": np.complex128}, TypeError, "`dtype` must be one of"),
        ({"capacity": 4, "dtype": object}, TypeError, "`dtype`"),
        ({"capacity": 4, "dtype": "not-a-dtype"}, TypeError, "`dtype` must be a numpy dtype"),
    ],
)
def test_constructor_rejects_bad_arguments(
    kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        RingBuffer(**kwargs)


@pytest.mark.parametrize(
    ("dtype", "value", "exc", "match"),
    [
        (np.float64, "1.5", TypeError, "`x` must be a real number"),
        (np.float64, None, TypeError, "`x`"),
        (np.float64, [1.0], TypeError, "`x`"),
        (np.float64, 1j, TypeError, "`x`"),
        (np.int64, 1.5, TypeError, "`x` must be an int"),
        (np.int64, 2**63, ValueError, r"`x`=9223372036854775808 is out of range"),
        (np.uint8, 256, ValueError, "out of range for a uint8 ring"),
        (np.uint64, -1, ValueError, "out of range"),
        (np.int32, True, TypeError, "`x`"),
    ],
)
def test_append_rejects_bad_values_and_keeps_contents(
    dtype: type, value: Any, exc: type[Exception], match: str
) -> None:
    ring = RingBuffer(2, dtype)
    ring.extend([1, 2])
    with pytest.raises(exc, match=match):
        ring.append(value)
    np.testing.assert_array_equal(ring.to_array(), [1, 2])


@pytest.mark.parametrize(
    ("dtype", "values", "exc", "match"),
    [
        (np.float64, np.zeros((2, 2)), ValueError, "`values` must be 1-dimensional"),
        (np.float64, "abc", TypeError, "`values` must be a 1-D array-like"),
        (np.float64, 3.0, TypeError, "`values`"),
        (np.float64, ["a", "b"], TypeError, "`values` must hold numbers"),
        (np.float64, np.array([1 + 2j]), TypeError, "`values`"),
        (np.int64, np.array([1.5]), TypeError, "`values` must hold numbers convertible"),
        (np.uint8, np.array([1, 256]), ValueError, r"`values` hold 1\.\.256, out of range"),
        (np.int64, [[1, 2], [3]], TypeError, "`values`"),
    ],
)
def test_extend_rejects_bad_input_and_keeps_contents(
    dtype: type, values: Any, exc: type[Exception], match: str
) -> None:
    ring = RingBuffer(3, dtype)
    ring.extend([1, 2])
    with pytest.raises(exc, match=match):
        ring.extend(values)
    np.testing.assert_array_equal(ring.to_array(), [1, 2])


def test_reads_reject_bad_arguments() -> None:
    ring = RingBuffer(4)
    ring.extend([1.0, 2.0])
    with pytest.raises(ValueError, match=r"`n` must be an int in \[0, 2\], got 3"):
        ring.latest(3)
    with pytest.raises(ValueError, match="`n`"):
        ring.latest(-1)
    with pytest.raises(TypeError, match="`n` must be an int"):
        ring.latest(1.0)
    with pytest.raises(IndexError, match="`key`=2 is out of range"):
        ring[2]
    with pytest.raises(TypeError, match="`key` must be an int or a slice"):
        ring["0"]
    with pytest.raises(ValueError, match="`out` must be a 1-D float64 array of length 2"):
        ring.latest(2, out=np.empty(3))
    with pytest.raises(ValueError, match="`out` must be a writeable, C-contiguous"):
        ring.latest(2, out=np.empty(4)[::2])
    with pytest.raises(TypeError, match="`out` must be a numpy ndarray"):
        ring.latest(2, out=[0.0, 0.0])
    assert ring[np.int64(-2)] == 1.0
    np.testing.assert_array_equal(ring[::-1], [2.0, 1.0])
    np.testing.assert_array_equal(ring.latest(np.int32(1)), [2.0])
    ring.clear()
    with pytest.raises(EmptyRingError, match=r"pop\(\) from an empty RingBuffer"):
        ring.pop()
    with pytest.raises(IndexError):  # EmptyRingError refines IndexError
        ring.popleft()


def test_numpy_protocols_and_pickle() -> None:
    ring = RingBuffer(3, np.int32)
    ring.extend([4, 5, 6, 7])
    np.testing.assert_array_equal(np.asarray(ring), [5, 6, 7])
    assert list(ring) == [5, 6, 7]
    clone = pickle.loads(pickle.dumps(ring))
    assert isinstance(clone, RingBuffer) and clone.dtype == np.int32 and clone.capacity == 3
    np.testing.assert_array_equal(clone.to_array(), [5, 6, 7])
    assert repr(ring) == "RingBuffer(capacity=3, dtype=int32, len=3)"


# -- Ring and DecimatingRing: the contract ------------------------------------------------


def test_r1_ring_basics() -> None:
    ring = Ring(capacity=5)
    assert (len(ring), ring.capacity, ring.utilization) == (0, 5, 0.0)
    for i in range(3):
        ring.push(f"item_{i}")
    assert len(ring) == 3 and ring.utilization == 0.6
    assert ring.pop_all() == ["item_0", "item_1", "item_2"]
    assert len(ring) == 0 and ring.utilization == 0.0


def test_r2_ring_overwrites_oldest() -> None:
    ring = Ring(capacity=3)
    for i in range(5):
        ring.push(f"item_{i}")
    assert len(ring) == 3
    assert ring.pop_all() == ["item_2", "item_3", "item_4"]


def test_r3_r4_decimating_ring_settings_and_light_load() -> None:
    ring = DecimatingRing(
        capacity=100, pressure_threshold=0.7, decimation_factor=3, decimation_strategy="adaptive"
    )
    assert isinstance(ring, Ring)
    assert (ring.capacity, ring.pressure_threshold, ring.decimation_factor) == (100, 0.7, 3)
    assert ring.decimation_strategy == "adaptive"
    stats = ring.get_backpressure_stats()
    assert stats["total_drops"] == 0 and stats["decimation_events"] == 0
    light = DecimatingRing(capacity=10, pressure_threshold=0.8)
    for i in range(7):
        light.push(i)
    stats = light.get_backpressure_stats()
    assert (stats["total_drops"], stats["decimation_events"], len(light)) == (0, 0, 7)


def test_r5_to_r8_strategies_under_pressure() -> None:
    skip = DecimatingRing(5, pressure_threshold=0.6, decimation_factor=2)
    for i in range(10):
        skip.push(i)
    stats = skip.get_backpressure_stats()
    assert stats["total_drops"] > 0 and stats["drop_rate"] > 0.0
    assert stats["decimation_strategy"] == "skip_nth" and len(skip) <= 5

    recent = DecimatingRing(4, pressure_threshold=0.7, decimation_factor=2,
                            decimation_strategy="keep_recent")
    for i in range(8):
        recent.push(i)
    assert recent.get_backpressure_stats()["decimation_events"] > 0 and len(recent) <= 4

    adaptive = DecimatingRing(6, pressure_threshold=0.5, decimation_factor=2,
                              decimation_strategy="adaptive")
    for i in range(12):
        adaptive.push(i)
    stats = adaptive.get_backpressure_stats()
    assert stats["decimation_strategy"] == "adaptive" and stats["total_drops"] >= 0

    ring = DecimatingRing(5, pressure_threshold=0.6, decimation_factor=2)
    for i in range(15):
        ring.push(i)
    stats = ring.get_backpressure_stats()
    assert set(stats) == {
        "capacity", "current_size", "utilization", "pressure_threshold", "total_pushes",
        "total_drops", "drop_rate", "decimation_events", "decimation_factor",
        "decimation_strategy", "last_decimation_utilization",
    }
    assert stats["total_pushes"] == 15
    assert 0 <= stats["drop_rate"] <= 1 and 0 <= stats["utilization"] <= 1


def test_r9_to_r12_light_load_reset_and_priority() -> None:
    ring = DecimatingRing(100, pressure_threshold=0.8)
    for i in range(50):
        ring.push(i)
    stats = ring.get_backpressure_stats()
    assert (stats["total_drops"], stats["drop_rate"], stats["decimation_events"]) == (0, 0.0, 0)
    assert len(ring) == 50

    ring = DecimatingRing(5, pressure_threshold=0.6)
    for i in range(10):
        ring.push(i)
    before = ring.get_backpressure_stats()
    assert before["total_pushes"] > 0
    ring.reset_stats()
    after = ring.get_backpressure_stats()
    assert (after["total_pushes"], after["total_drops"], after["decimation_events"]) == (0, 0, 0)
    assert after["last_decimation_utilization"] == 0.0
    assert len(ring) == before["current_size"]

    adaptive = DecimatingRing(20, pressure_threshold=0.7, decimation_factor=2,
                              decimation_strategy="adaptive")
    for i in range(200):
        adaptive.push(i)
    stats = adaptive.get_backpressure_stats()
    assert len(adaptive) <= 20 and stats["total_pushes"] == 200 and stats["utilization"] <= 1.0
    assert stats["total_drops"] > 0 or stats["decimation_events"] > 0

    small = DecimatingRing(3, pressure_threshold=0.6)
    small.push("a")
    small.push("b")
    small.push("high_priority", priority=10)
    assert small.get_backpressure_stats()["total_pushes"] == 3


@given(
    capacity=st.integers(1, 12),
    thr=st.sampled_from([0.1, 0.5, 0.6, 0.7, 0.8, 1.0]),
    factor=st.integers(2, 5),
    strategy=st.sampled_from(DECIMATION_STRATEGIES),
    pushes=st.integers(0, 80),
)
@settings(max_examples=300, deadline=None)
def test_decimating_ring_matches_reference(
    capacity: int, thr: float, factor: int, strategy: str, pushes: int
) -> None:
    ring = DecimatingRing(capacity, thr, factor, strategy)
    ref = RefDecimatingRing(capacity, thr, factor, strategy)
    for i in range(pushes):
        kept_before = ref.total_drops
        assert ring.push(i) == (ref.push(i) is None and ref.total_drops == kept_before)
        assert ring.to_list() == ref.items
    stats = ring.get_backpressure_stats()
    assert stats["total_pushes"] == ref.total_pushes
    assert stats["total_drops"] == ref.total_drops
    assert stats["decimation_events"] == ref.decimation_events
    assert stats["last_decimation_utilization"] == ref.last_util
    clone = pickle.loads(pickle.dumps(ring))
    assert type(clone) is DecimatingRing and clone.to_list() == ring.to_list()
    assert clone.get_backpressure_stats() == stats


def test_object_ring_api() -> None:
    ring = Ring(3)
    ring.extend("abcd")
    assert ring.to_list() == ["b", "c", "d"] and ring.full
    assert ring.latest(2) == ["c", "d"] and ring[0] == "b" and ring[-1] == "d"
    assert ring[1:] == ["c", "d"] and list(ring) == ["b", "c", "d"]
    assert ring.pop() == "d" and ring.popleft() == "b" and ring.to_list() == ["c"]
    ring.clear()
    with pytest.raises(EmptyRingError, match=r"popleft\(\) from an empty Ring"):
        ring.popleft()
    assert pickle.loads(pickle.dumps(Ring(2))).capacity == 2
    assert repr(ring) == "Ring(capacity=3, len=0)"


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"capacity": 0}, ValueError, "`capacity`"),
        ({"capacity": 5, "pressure_threshold": 0.0}, ValueError, "`pressure_threshold`"),
        ({"capacity": 5, "pressure_threshold": 1.5}, ValueError, "`pressure_threshold`"),
        ({"capacity": 5, "pressure_threshold": "hi"}, TypeError, "`pressure_threshold`"),
        ({"capacity": 5, "decimation_factor": 1}, ValueError, "`decimation_factor`"),
        ({"capacity": 5, "decimation_strategy": "random"}, ValueError, "`decimation_strategy`"),
        ({"capacity": 5, "decimation_strategy": 3}, TypeError, "`decimation_strategy`"),
    ],
)
def test_decimating_ring_rejects_bad_settings(
    kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        DecimatingRing(**kwargs)


def test_ring_item_finalizers_see_a_consistent_ring() -> None:
    # An evicted item's finaliser runs arbitrary code; the ring must already be consistent.
    ring = Ring(2)
    seen: list[int] = []

    class Tracked:
        def __del__(self) -> None:
            seen.append(len(ring))

    ring.push(Tracked())
    ring.push(Tracked())
    ring.push("x")
    assert seen == [2] and ring.to_list()[-1] == "x"


# -- threads -------------------------------------------------------------------------------


def test_concurrent_producers_and_consumer_lose_and_duplicate_nothing() -> None:
    # Four producers push disjoint int64 ranges, in small appends and in chunks big enough
    # to take the GIL-free copy path; one consumer drains with popleft.  The ring is large
    # enough never to overwrite, so every value must arrive exactly once and in each
    # producer's order.
    per_producer = 3 * native_ring.NOGIL_COPY_BYTES // 8
    ring = RingBuffer(4 * per_producer + 1, np.int64)
    received: list[int] = []
    done = threading.Event()

    def produce(p: int) -> None:
        base = p * 10**9
        values = np.arange(base, base + per_producer, dtype=np.int64)
        half = per_producer // 2
        ring.extend(values[:half])  # GIL-free copy
        for v in values[half : half + 2000].tolist():
            ring.append(v)
        ring.extend(values[half + 2000 :])

    def consume() -> None:
        while not done.is_set() or len(ring):
            try:
                received.append(int(ring.popleft()))
            except EmptyRingError:
                continue

    consumer = threading.Thread(target=consume)
    consumer.start()
    producers = [threading.Thread(target=produce, args=(p,)) for p in range(4)]
    for t in producers:
        t.start()
    for t in producers:
        t.join()
    done.set()
    consumer.join()
    assert len(received) == 4 * per_producer
    for p in range(4):
        mine = [v for v in received if v // 10**9 == p]
        assert mine == list(range(p * 10**9, p * 10**9 + per_producer))


def test_concurrent_object_ring_pushes_are_atomic() -> None:
    ring = Ring(40_000)
    threads = [
        threading.Thread(target=lambda p=p: [ring.push((p, i)) for i in range(10_000)])
        for p in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = ring.pop_all()
    assert sorted(items) == sorted((p, i) for p in range(4) for i in range(10_000))


def test_uint64_extend_takes_what_append_takes() -> None:
    # Regression (issue 12): extend([2**64 - 1, 0]) was refused (NumPy reads the list as
    # float64) while append accepted each value.
    ring = RingBuffer(4, np.uint64)
    ring.extend([2**64 - 1, 0, 2**63])
    assert ring.to_array().tolist() == [2**64 - 1, 0, 2**63]
    with pytest.raises(ValueError, match="out of range"):
        ring.extend([2**64, 0])
    with pytest.raises(ValueError, match="out of range"):
        RingBuffer(4, np.int64).extend([2**63, 0])
    assert ring.to_array().tolist() == [2**64 - 1, 0, 2**63]


@pytest.mark.parametrize("capacity", [2**63, 2**64, 2**62])
def test_absurd_capacity_is_a_clear_value_error(capacity: int) -> None:
    # Regression (issue 12): RingBuffer(2**63) raised a raw OverflowError from C.
    with pytest.raises(ValueError, match="`capacity` must be an int in"):
        RingBuffer(capacity)
    with pytest.raises(ValueError, match="`capacity` must be an int in"):
        Ring(2**63)


# -- patching with unittest.mock (issue 19 §5) -------------------------------------------


@pytest.mark.parametrize(
    ("make", "method", "arg"),
    [
        (lambda: Ring(4), "push", "x"),
        (lambda: DecimatingRing(4), "push", "x"),
        (lambda: RingBuffer(4), "append", 1.0),
        (lambda: RingBuffer(4), "extend", [1.0, 2.0]),
    ],
)
def test_ring_methods_can_be_patched_per_object(make: Any, method: str, arg: Any) -> None:
    from unittest import mock

    ring, bystander = make(), make()
    with mock.patch.object(ring, method, return_value="patched") as fake:
        assert getattr(ring, method)(arg) == "patched"
        fake.assert_called_once_with(arg)
        assert len(ring) == 0  # the compiled method did not run
        getattr(bystander, method)(arg)
        assert len(bystander) > 0  # other rings keep the compiled method
    assert method not in vars(ring)
    getattr(ring, method)(arg)
    assert len(ring) > 0
    with mock.patch.object(ring, method, wraps=getattr(ring, method)) as spy:
        getattr(ring, method)(arg)
        spy.assert_called_once_with(arg)
    # a patched ring pickles as a plain ring (the instance dict is not state)
    with mock.patch.object(ring, method):
        clone = pickle.loads(pickle.dumps(ring))
    assert type(clone) is type(ring) and method not in vars(clone) and len(clone) == len(ring)


@pytest.mark.parametrize(
    "make", [lambda: Ring(2), lambda: DecimatingRing(2), lambda: RingBuffer(2)]
)
def test_patchable_rings_keep_read_only_properties_and_compiled_cores(make: Any) -> None:
    ring = make()
    with pytest.raises(AttributeError):
        ring.capacity = 5
    assert ring.capacity == 2 and vars(ring) == {}
    assert isinstance(ring, (native_ring.RingCore, native_ring.RingBufferCore))
