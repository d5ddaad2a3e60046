"""Glyph hashing: lukhas batch kernel beside the ``xxhash`` package.

Groups:
- ``glyphs-list``: ``glyph_hash_many(list_of_str)`` vs the list comprehension
  ``[xxhash.xxh3_64_intdigest(s.encode()) for s in strs]`` (target: at least 8x faster).
- ``glyphs-packed``: a pre-packed ``(buffer, offsets)`` batch (target: under 5 ns per
  short glyph) vs ``xxhash`` over the same glyphs already encoded.
- ``glyphs-large``: one large buffer, our kernel vs ``xxhash.xxh3_64_intdigest``
  (target: 95% of its throughput or more).

Run: ``pytest benches/bench_glyphs.py --benchmark-enable --benchmark-min-rounds=3``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xxhash

from lukhas.primitives.glyphs import glyph_hash_many, pack_glyphs

N_GLYPHS = [1_000_000]
LARGE_SIZES = [1 << 20, 64 << 20]


def _record(benchmark: Any, key: str, scale: float) -> None:
    """Store ``scale`` divided by the best time in extra_info (absent when timing is off)."""
    if benchmark.stats is not None:
        benchmark.extra_info[key] = scale / benchmark.stats.stats.min


def _short_glyphs(n: int) -> list[str]:
    return [f"glyph:{i:x}" for i in range(n)]  # 7 to 11 ASCII bytes, like real glyph ids


@pytest.mark.benchmark(group="glyphs-list")
@pytest.mark.parametrize("n", N_GLYPHS)
def test_list_lukhas(benchmark: Any, n: int) -> None:
    strs = _short_glyphs(n)
    digests = benchmark(glyph_hash_many, strs)
    assert int(digests[n // 2]) == xxhash.xxh3_64_intdigest(strs[n // 2].encode())


@pytest.mark.benchmark(group="glyphs-list")
@pytest.mark.parametrize("n", N_GLYPHS)
def test_list_xxhash_comprehension(benchmark: Any, n: int) -> None:
    strs = _short_glyphs(n)
    digests = benchmark(lambda: [xxhash.xxh3_64_intdigest(s.encode()) for s in strs])
    assert digests[n // 2] == int(glyph_hash_many([strs[n // 2]])[0])


@pytest.mark.benchmark(group="glyphs-packed")
@pytest.mark.parametrize("n", N_GLYPHS)
def test_packed_lukhas(benchmark: Any, n: int) -> None:
    strs = _short_glyphs(n)
    packed = pack_glyphs(strs)
    digests = benchmark(glyph_hash_many, packed)
    assert np.array_equal(digests, glyph_hash_many(strs))
    if benchmark.stats is not None:
        benchmark.extra_info["ns_per_glyph"] = benchmark.stats.stats.min / n * 1e9


@pytest.mark.benchmark(group="glyphs-packed")
@pytest.mark.parametrize("n", N_GLYPHS)
def test_packed_xxhash_comprehension(benchmark: Any, n: int) -> None:
    encoded = [s.encode() for s in _short_glyphs(n)]
    digests = benchmark(lambda: [xxhash.xxh3_64_intdigest(b) for b in encoded])
    assert digests[-1] == int(glyph_hash_many([encoded[-1]])[0])


@pytest.mark.benchmark(group="glyphs-large")
@pytest.mark.parametrize("size", LARGE_SIZES)
def test_large_lukhas(benchmark: Any, size: int) -> None:
    buffer = np.random.default_rng(size).integers(0, 256, size, np.uint8)
    packed = (buffer, np.array([0, size], np.int64))
    digests = benchmark(glyph_hash_many, packed)
    assert int(digests[0]) == xxhash.xxh3_64_intdigest(buffer)
    _record(benchmark, "GB_per_s", size / 1e9)


@pytest.mark.benchmark(group="glyphs-large")
@pytest.mark.parametrize("size", LARGE_SIZES)
def test_large_xxhash(benchmark: Any, size: int) -> None:
    buffer = np.random.default_rng(size).integers(0, 256, size, np.uint8)
    digest = benchmark(xxhash.xxh3_64_intdigest, buffer)
    assert digest == int(glyph_hash_many((buffer, np.array([0, size])))[0])
    _record(benchmark, "GB_per_s", size / 1e9)
