"""Ring buffers: lukhas.core.ring.RingBuffer beside deque, a numpy circular buffer,
numpy_ringbuffer and ringbuf.  Every bench checks the final contents.

The ``lukhas-slotted`` peers are the compiled cores under a Python subclass with
``__slots__ = ()`` (no instance ``__dict__``): the public classes carry a ``__dict__``
so ``unittest.mock.patch.object(ring, "push", ...)`` works (issue 19 §5), and these
peers show what that costs.  The ``*-lookup`` groups look the method up at every
call (``ring.push(x)``), as the consciousness ticker does, instead of hoisting it.

Run: ``pytest benches/bench_ring.py --benchmark-only``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lukhas._native import ring as _native_ring
from lukhas.core.ring import Ring, RingBuffer
from peers.numpy_circular import NumpyCircularBuffer

CAPACITY = 1 << 16
N_APPENDS = 10_000
CHUNK = 1024
N_CHUNKS = 128


class _SlottedRingBuffer(_native_ring.RingBufferCore):
    """The compiled numeric core without an instance ``__dict__`` (the floor)."""

    __slots__ = ()


class _SlottedRing(_native_ring.RingCore):
    """The compiled object core without an instance ``__dict__`` (the floor)."""

    __slots__ = ()


def _slotted_ringbuffer(capacity: int) -> Any:
    return _SlottedRingBuffer(capacity, np.dtype(np.float64))


def _numpy_ringbuffer(capacity: int) -> Any:
    mod = pytest.importorskip("numpy_ringbuffer")
    return mod.RingBuffer(capacity=capacity, dtype=np.float64)


def _ringbuf(capacity: int) -> Any:
    mod = pytest.importorskip("ringbuf")
    return mod.RingBuffer(format="d", capacity=capacity)


# -- scalar append --------------------------------------------------------------------------

APPEND_PEERS: dict[str, Callable[[], Any]] = {
    "lukhas": lambda: RingBuffer(4096),
    "lukhas-slotted": lambda: _slotted_ringbuffer(4096),
    "deque": lambda: deque(maxlen=4096),
    "numpy-circular": lambda: NumpyCircularBuffer(4096),
    "numpy_ringbuffer": lambda: _numpy_ringbuffer(4096),
}


def _contents(ring: Any) -> np.ndarray:
    if isinstance(ring, deque):
        return np.fromiter(ring, dtype=np.float64)
    if isinstance(ring, (_native_ring.RingBufferCore, NumpyCircularBuffer)):
        return ring.latest(ring.size if isinstance(ring, NumpyCircularBuffer) else len(ring))
    return np.asarray(ring[:])


@pytest.mark.benchmark(group="ring-append-scalar")
@pytest.mark.parametrize("peer", list(APPEND_PEERS))
def test_append_scalar(benchmark: Any, peer: str) -> None:
    values = np.random.default_rng(0).standard_normal(N_APPENDS).tolist()
    ring = APPEND_PEERS[peer]()

    def run() -> None:
        append = ring.append
        for x in values:
            append(x)

    benchmark(run)
    np.testing.assert_array_equal(_contents(ring), values[-4096:])


@pytest.mark.benchmark(group="ring-append-scalar-lookup")
@pytest.mark.parametrize("peer", ["lukhas", "lukhas-slotted", "deque"])
def test_append_scalar_lookup(benchmark: Any, peer: str) -> None:
    values = np.random.default_rng(3).standard_normal(N_APPENDS).tolist()
    ring = APPEND_PEERS[peer]()

    def run() -> None:
        for x in values:
            ring.append(x)

    benchmark(run)
    np.testing.assert_array_equal(_contents(ring), values[-4096:])


# -- object push (the consciousness ticker's ring) -------------------------------------------

PUSH_PEERS: dict[str, Callable[[], Any]] = {
    "lukhas": lambda: Ring(4096),
    "lukhas-slotted": lambda: _SlottedRing(4096),
    "deque": lambda: deque(maxlen=4096),
}


@pytest.mark.benchmark(group="ring-push-object-lookup")
@pytest.mark.parametrize("peer", list(PUSH_PEERS))
def test_push_object_lookup(benchmark: Any, peer: str) -> None:
    frames = [{"id": i} for i in range(N_APPENDS)]
    ring = PUSH_PEERS[peer]()

    if isinstance(ring, deque):

        def run() -> None:
            for frame in frames:
                ring.append(frame)
    else:

        def run() -> None:
            for frame in frames:
                ring.push(frame)

    benchmark(run)
    got = list(ring) if isinstance(ring, deque) else ring.to_list()
    assert got == frames[-4096:] and all(a is b for a, b in zip(got, frames[-4096:], strict=True))


# -- bulk extend ----------------------------------------------------------------------------


@pytest.mark.benchmark(group="ring-extend-1024-chunks")
@pytest.mark.parametrize(
    "peer", ["lukhas", "lukhas-slotted", "numpy-circular", "numpy_ringbuffer", "deque", "ringbuf"]
)
def test_extend_chunks(benchmark: Any, peer: str) -> None:
    chunks = list(np.random.default_rng(1).standard_normal((N_CHUNKS, CHUNK)))
    if peer == "lukhas":
        ring: Any = RingBuffer(CAPACITY)
    elif peer == "lukhas-slotted":
        ring = _slotted_ringbuffer(CAPACITY)
    elif peer == "numpy-circular":
        ring = NumpyCircularBuffer(CAPACITY)
    elif peer == "numpy_ringbuffer":
        ring = _numpy_ringbuffer(CAPACITY)
    elif peer == "deque":
        ring = deque(maxlen=CAPACITY)
    else:
        ring = _ringbuf(CAPACITY)

    if peer == "ringbuf":
        # ringbuf is a lock-free SPSC queue: no overwrite, so the consumer side drains
        # what no longer fits, as a real producer/consumer pair would.
        def run() -> None:
            for chunk in chunks:
                if ring.write_available < CHUNK:
                    ring.pop(CHUNK)
                ring.push(chunk)
    else:

        def run() -> None:
            extend = ring.extend
            for chunk in chunks:
                extend(chunk)

    benchmark(run)
    expected = np.concatenate(chunks)[-CAPACITY:]
    if peer == "ringbuf":
        got = np.asarray(ring.pop(ring.read_available))
        assert len(got) >= CAPACITY - CHUNK
        np.testing.assert_array_equal(got, expected[-len(got) :])
    else:
        np.testing.assert_array_equal(_contents(ring), expected)


# -- latest(1024) ---------------------------------------------------------------------------


@pytest.mark.benchmark(group="ring-latest-1024")
@pytest.mark.parametrize("peer", ["lukhas", "np.copyto", "numpy-circular", "numpy_ringbuffer"])
def test_latest(benchmark: Any, peer: str) -> None:
    data = np.random.default_rng(2).standard_normal(CAPACITY + 777)  # wrapped state
    expected = data[-CHUNK:]
    if peer == "lukhas":
        ring = RingBuffer(CAPACITY)
        ring.extend(data[:777])
        ring.extend(data[777:])
        result = benchmark(ring.latest, CHUNK)
    elif peer == "np.copyto":
        # The floor: copy 1,024 contiguous items into a preallocated array.
        src = data[-CHUNK:].copy()
        dst = np.empty(CHUNK)
        benchmark(np.copyto, dst, src)
        result = dst
    elif peer == "numpy-circular":
        circ = NumpyCircularBuffer(CAPACITY)
        circ.extend(data[:777])
        circ.extend(data[777:])
        result = benchmark(circ.latest, CHUNK)
    else:
        nrb = _numpy_ringbuffer(CAPACITY)
        for start in range(0, len(data), CHUNK):
            nrb.extend(data[start : start + CHUNK])
        result = benchmark(lambda: nrb[-CHUNK:])
    np.testing.assert_array_equal(result, expected)
