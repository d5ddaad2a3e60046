"""Call every GIL-free batch entry point while another thread scribbles over its inputs.

Shared by the bounded CI test (``tests/kernels/test_concurrent_mutation.py``, which runs
it in a subprocess so that a crash is a failed test, not a dead test run) and the
atheris harness ``fuzz_concurrent_atheris.py``.

Each case builds valid inputs, starts a mutator thread that keeps writing arbitrary
values (huge, negative, NaN, reversed offsets) into those inputs, and calls the entry
point repeatedly.  The contract: every call returns or raises ``TypeError`` /
``ValueError``; nothing reads or writes outside its buffers (which would crash the
process or corrupt the heap, caught by the allocator or by the checks below).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

ALLOWED = (TypeError, ValueError)
CASES = ("glyph_offsets", "glyph_fixed", "ring_extend", "ring_latest", "clock_merge",
         "clock_order", "flat_search", "hnsw_add_search")

_NASTY_I64 = np.array([-1, 0, 1, 2**31, 2**40, 2**62, -(2**62), 2**63 - 1, -(2**63)],
                      dtype=np.int64)


class _Mutator(threading.Thread):
    """Rewrite ``target`` until stopped: spans of hostile values, then the valid original.

    Restoring the original between attacks matters: the boundary checks then pass, and
    the next attack lands while the kernel runs without the GIL, which is the race.
    """

    def __init__(self, target: np.ndarray, rng: np.random.Generator) -> None:
        super().__init__(daemon=True)
        self.target = target.reshape(-1)
        self.original = self.target.copy()
        self.rng = rng
        self.stop = threading.Event()

    def run(self) -> None:
        flat, rng = self.target, self.rng
        if flat.size == 0:
            return
        raw = flat.view(np.uint8)
        nasty = _NASTY_I64.view(np.uint8)
        while not self.stop.is_set():
            roll = rng.random()
            a = int(rng.integers(0, flat.size))
            b = int(rng.integers(a, flat.size + 1))
            if roll < 0.45:  # one hostile value over a span (as the element type reads it)
                word = nasty[int(rng.integers(0, _NASTY_I64.size)) * 8:][:8]
                span = raw[a * flat.itemsize: b * flat.itemsize]
                span[:] = np.resize(word, span.size)
            elif roll < 0.5:
                raw[:] = rng.integers(0, 256, raw.size, dtype=np.uint8)
            else:
                flat[:] = self.original


def _run(call: Callable[[], Any], target: np.ndarray, rng: np.random.Generator,
         seconds: float) -> int:
    mutator = _Mutator(target, rng)
    mutator.start()
    answered = 0
    deadline = time.monotonic() + seconds
    try:
        while answered == 0 or time.monotonic() < deadline:
            with contextlib.suppress(ALLOWED):
                call()
            answered += 1
    finally:
        mutator.stop.set()
        mutator.join()
    return answered


def run_case(case: str, seed: int, size: int, seconds: float) -> int:
    """Run one case for about ``seconds``; returns the number of calls that answered."""
    rng = np.random.default_rng(seed)
    size = max(1, size)
    if case == "glyph_offsets":
        from candidate.core.symbolic.symbolic_glyph_hash import glyph_hash_many

        lengths = rng.integers(0, 40, size * 50)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        buffer = rng.integers(0, 256, int(offsets[-1]), dtype=np.uint8)
        return _run(lambda: glyph_hash_many((buffer, offsets)), offsets, rng, seconds)
    if case == "glyph_fixed":
        from candidate.core.symbolic.symbolic_glyph_hash import glyph_hash_many

        words = np.array(["αβγ" * int(rng.integers(1, 5)) for _ in range(size)])
        return _run(lambda: glyph_hash_many(words), words.view(np.uint32), rng, seconds)
    if case in ("ring_extend", "ring_latest"):
        from lukhas.core.ring import RingBuffer

        ring = RingBuffer(size * 64, np.int64)
        block = rng.integers(0, 100, size * 64 + 7)
        ring.extend(block)
        if case == "ring_extend":
            return _run(lambda: ring.extend(block), block, rng, seconds)
        out = np.empty(size * 64, dtype=np.int64)
        return _run(lambda: ring.latest(size * 64, out=out), out, rng, seconds)
    if case in ("clock_merge", "clock_order"):
        from core.clock import causal_order, compare_many, dominated_mask, merge_many

        rows = size * 8 if case == "clock_merge" else size // 4
        a = rng.integers(0, 50, (rows, 64)).astype(np.uint64)
        b = rng.integers(0, 50, (rows, 64)).astype(np.uint64)
        out = np.empty_like(a)
        if case == "clock_merge":
            return _run(lambda: (merge_many(a, b, out=out), compare_many(a, b)), a, rng, seconds)
        return _run(lambda: (causal_order(a), dominated_mask(a)), a, rng, seconds)
    if case == "flat_search":
        from candidate.memory.backends import FlatIndex

        index = FlatIndex(16, metric="l2")
        index.add(rng.standard_normal((size * 16, 16)))
        queries = rng.standard_normal((size, 16)).astype(np.float32)
        return _run(lambda: index.search(queries, k=5), queries, rng, seconds)
    if case == "hnsw_add_search":
        from candidate.memory.backends import HNSWIndex

        index = HNSWIndex(8, metric="l2", seed=seed, n_threads=2)
        data = rng.standard_normal((size * 4, 8)).astype(np.float32)
        index.add(data)

        def both() -> None:
            index.add(data[:8])
            index.search(data, k=3)

        return _run(both, data, rng, seconds)
    raise ValueError(f"unknown case {case!r}")


def main(argv: list[str]) -> int:
    """``python concurrent_driver.py CASE SEED SIZE SECONDS`` (used by the CI test)."""
    case, seed, size, seconds = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    answered = run_case(case, seed, size, seconds)
    print(f"{case}: {answered} calls answered, none crashed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
