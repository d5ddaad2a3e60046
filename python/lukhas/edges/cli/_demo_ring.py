"""Demo section: ring buffers beside ``collections.deque`` and plain numpy."""

from __future__ import annotations

import time
from collections import deque
from typing import TextIO

import numpy as np

from lukhas.primitives.ring import DecimatingRing, RingBuffer

__all__ = ["TITLE", "run"]

TITLE = "Ring buffers (lukhas.core.ring)"


def _best_of(repeats: int, func: object) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def run(out: TextIO) -> None:
    """Write the ring-buffer tour to ``out``.

    Parameters
    ----------
    out : text stream
        Destination.
    """
    rng = np.random.default_rng(7)
    samples = rng.standard_normal(200_000)

    ring = RingBuffer(1 << 16)
    chunks = np.split(samples, 200)

    def fill_ring() -> None:
        for chunk in chunks:
            ring.extend(chunk)

    def fill_numpy() -> None:
        buf = np.empty(1 << 16)
        head = size = 0
        for chunk in chunks:
            m, cap = len(chunk), buf.shape[0]
            tail = (head + size) % cap
            first = min(m, cap - tail)
            buf[tail : tail + first] = chunk[:first]
            buf[: m - first] = chunk[first:]
            head = (head + max(0, size + m - cap)) % cap
            size = min(cap, size + m)

    t_ring = _best_of(5, fill_ring)
    t_numpy = _best_of(5, fill_numpy)
    window = ring.latest(1024)
    if not np.array_equal(window, samples[-1024:]):
        raise RuntimeError("ring demo: latest(1024) disagrees with the streamed samples")
    out.write(
        f"   streamed 200,000 float64 in 1,000-item chunks into a 65,536-slot ring:\n"
        f"     lukhas {t_ring * 1e3:.2f} ms vs numpy circular buffer {t_numpy * 1e3:.2f} ms "
        f"({t_numpy / t_ring:.1f}x)\n"
        f"   newest 1,024: mean {window.mean():+.4f}, std {window.std():.4f} "
        f"(two segments, zero-copy view sizes {[v.size for v in ring.view()]})\n"
    )

    values = samples[:100_000].tolist()
    rb = RingBuffer(4096)
    dq: deque[float] = deque(maxlen=4096)

    def app_ring() -> None:
        append = rb.append
        for x in values:
            append(x)

    def app_deque() -> None:
        append = dq.append
        for x in values:
            append(x)

    t_app, t_dq = _best_of(5, app_ring), _best_of(5, app_deque)
    out.write(
        f"   100,000 scalar appends: lukhas {t_app / len(values) * 1e9:.1f} ns/item, "
        f"deque {t_dq / len(values) * 1e9:.1f} ns/item\n"
    )

    stream = DecimatingRing(capacity=64, pressure_threshold=0.75, decimation_factor=2,
                            decimation_strategy="adaptive")
    for i in range(10_000):
        stream.push(i)
    stats = stream.get_backpressure_stats()
    out.write(
        f"   backpressure ring (adaptive, 64 slots) after 10,000 events: "
        f"{stats['current_size']} held, drop rate {stats['drop_rate']:.3f}, "
        f"{stats['decimation_events']} decimations\n"
    )
