"""Ring buffers: lukhas.core.ring.RingBuffer beside deque, a numpy circular buffer,
numpy_ringbuffer and ringbuf.  Every bench checks the final contents.

Run: ``pytest benches/bench_ring.py --benchmark-only``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lukhas.core.ring import RingBuffer
from peers.numpy_circular import NumpyCircularBuffer

CAPACITY = 1 << 16
N_APPENDS = 10_000
CHUNK = 1024
N_CHUNKS = 128


def _numpy_ringbuffer(capacity: int) -> Any:
    mod = pytest.importorskip("numpy_ringbuffer")
    return mod.RingBuffer(capacity=capacity, dtype=np.float64)


def _ringbuf(capacity: int) -> Any:
    mod = pytest.importorskip("ringbuf")
    return mod.RingBuffer(format="d", capacity=capacity)


# -- scalar append --------------------------------------------------------------------------

APPEND_PEERS: dict[str, Callable[[], Any]] = {
    "lukhas": lambda: RingBuffer(4096),
    "deque": lambda: deque(maxlen=4096),
    "numpy-circular": lambda: NumpyCircularBuffer(4096),
    "numpy_ringbuffer": lambda: _numpy_ringbuffer(4096),
}


def _contents(ring: Any) -> np.ndarray:
    if isinstance(ring, deque):
        return np.fromiter(ring, dtype=np.float64)
    if isinstance(ring, (RingBuffer, NumpyCircularBuffer)):
        return ring.latest(len(ring) if isinstance(ring, RingBuffer) else ring.size)
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


# -- bulk extend ----------------------------------------------------------------------------


@pytest.mark.benchmark(group="ring-extend-1024-chunks")
@pytest.mark.parametrize(
    "peer", ["lukhas", "numpy-circular", "numpy_ringbuffer", "deque", "ringbuf"]
)
def test_extend_chunks(benchmark: Any, peer: str) -> None:
    chunks = list(np.random.default_rng(1).standard_normal((N_CHUNKS, CHUNK)))
    if peer == "lukhas":
        ring: Any = RingBuffer(CAPACITY)
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
