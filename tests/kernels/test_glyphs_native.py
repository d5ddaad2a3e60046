"""The compiled glyph-hash kernels (lukhas._native.glyphs) against the slow references.

Oracles: the pure-Python XXH64 / XXH3-64 in ``tests/reference/xxhash_ref.py`` (written
from the xxHash specification) and the ``xxhash`` package.  The fuzz tests throw random
arguments at every native entry point; they must answer with a digest or a clean
TypeError/ValueError, never a crash.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lukhas._native import glyphs as native
from reference.xxhash_ref import ref_xxh3_64, ref_xxh64

SEEDS = st.integers(min_value=0, max_value=2**64 - 1)
# Every XXH3 length class boundary (0, 1-3, 4-8, 9-16, 17-128, 129-240, > 240), the XXH64
# stripe boundaries, and the XXH3 block (1024) and stripe (64) boundaries for long inputs.
EDGE_LENGTHS = sorted(
    {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97, 127, 128, 129}
    | {239, 240, 241, 255, 256, 257, 1023, 1024, 1025, 1088, 2047, 2048, 2049, 4096, 4097}
)
LOOPS = ("scalar", "sse2", "avx2", "avx512")


def _data(length: int, salt: int = 0) -> bytes:
    return np.random.default_rng(length * 7919 + salt).integers(0, 256, length, np.uint8).tobytes()


@pytest.mark.parametrize("length", EDGE_LENGTHS)
@pytest.mark.parametrize("seed", [0, 1, 0x9E3779B185EBCA87, 2**64 - 1])
def test_edge_lengths_match_reference_and_xxhash(length: int, seed: int) -> None:
    data = _data(length)
    expected3 = ref_xxh3_64(data, seed)
    expected64 = ref_xxh64(data, seed)
    assert expected3 == xxhash.xxh3_64_intdigest(data, seed)
    assert expected64 == xxhash.xxh64_intdigest(data, seed)
    assert native.xxh3_64(data, seed) == expected3
    assert native.xxh64(data, seed) == expected64


@settings(max_examples=150, deadline=None)
@given(data=st.binary(min_size=0, max_size=4096), seed=SEEDS)
def test_single_digests_match_reference(data: bytes, seed: int) -> None:
    assert native.xxh3_64(data, seed) == ref_xxh3_64(data, seed)
    assert native.xxh64(data, seed) == ref_xxh64(data, seed)


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("length", [241, 1024, 1025, 1087, 3000, 5000])
@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1])
def test_every_simd_loop_matches_reference(loop: str, length: int, seed: int) -> None:
    data = _data(length, salt=3)
    digest = native.xxh3_64_with_loop(data, seed, loop)
    if digest is None:
        pytest.skip(f"this CPU cannot run the {loop} loop")
    assert digest == ref_xxh3_64(data, seed)


def test_runtime_choice_is_a_known_loop() -> None:
    assert native.simd_name() in LOOPS
    assert native.xxh3_64_with_loop(b"x" * 300, 0, native.simd_name()) is not None
    assert native.xxh3_64_with_loop(b"x" * 300, 0, "no-such-isa") is None


@settings(max_examples=60, deadline=None)
@given(items=st.lists(st.binary(max_size=600), max_size=40), seed=SEEDS)
def test_packed_buffer_matches_reference(items: list[bytes], seed: int) -> None:
    buffer = np.frombuffer(b"".join(items), np.uint8)
    offsets = np.zeros(len(items) + 1, np.int64)
    offsets[1:] = np.cumsum([len(item) for item in items])
    for algorithm, ref in ((native.XXH3_64, ref_xxh3_64), (native.XXH64, ref_xxh64)):
        out = np.empty(len(items), np.uint64)
        native.hash_packed(buffer, offsets, seed, algorithm, out)
        assert out.tolist() == [ref(item, seed) for item in items]


def test_packed_buffer_rejects_bad_offsets() -> None:
    buffer = np.frombuffer(b"abcdef", np.uint8)
    out = np.empty(2, np.uint64)
    for offsets, where in (
        ([0, 4, 2], r"offsets\[2\] = 2 after 4\."),
        ([0, 2, 7], r"offsets\[2\] = 7 after 2\."),
        ([-1, 2, 3], r"offsets\[0\] = -1\."),
    ):
        with pytest.raises(ValueError, match=rf"`offsets` must be non-decreasing.*{where}"):
            native.hash_packed(buffer, np.array(offsets, np.int64), 0, native.XXH3_64, out)
    with pytest.raises(ValueError, match="`offsets` must hold n"):
        native.hash_packed(buffer, np.empty(0, np.int64), 0, native.XXH3_64, np.empty(0, np.uint64))
    with pytest.raises(ValueError, match="`out` must have length 2"):
        native.hash_packed(buffer, np.array([0, 1, 2]), 0, native.XXH3_64, np.empty(3, np.uint64))
    with pytest.raises(ValueError, match="`algorithm` must be"):
        native.hash_packed(buffer, np.array([0, 1, 2]), 0, 7, out)


def test_fixed_width_items_strip_trailing_nuls() -> None:
    arr = np.array([b"ab", b"a\x00b", b"", b"xyz"], dtype="S4")
    out = np.empty(4, np.uint64)
    native.hash_fixed_bytes(arr.view(np.uint8), 4, 9, native.XXH64, out)
    assert out.tolist() == [ref_xxh64(item, 9) for item in arr.tolist()]
    uarr = np.array(["ab", "a\x00b", "", "😀é"], dtype="U5")
    native.hash_fixed_ucs4(uarr.view(np.uint32), 5, 9, native.XXH3_64, out)
    assert out.tolist() == [ref_xxh3_64(item.encode(), 9) for item in uarr.tolist()]


@pytest.mark.parametrize("code_point", [0xD800, 0xDFFF, 0x110000, 0xFFFFFFFF])
def test_fixed_ucs4_rejects_unencodable_code_points(code_point: int) -> None:
    data = np.array([ord("a"), 0, code_point, ord("b")], np.uint32)
    with pytest.raises(ValueError, match=r"`glyphs\[1\]` holds a code point"):
        native.hash_fixed_ucs4(data, 2, 0, native.XXH3_64, np.empty(2, np.uint64))


def test_sequence_reads_every_string_kind() -> None:
    class Glyph(str):
        pass

    items = [
        "ascii",
        "latin-1 é",
        "ucs2 Λ 日本",
        "ucs4 😀",
        "",
        b"raw \xff",
        Glyph("sub ✓"),
        "\x00",
    ]
    for algorithm, ref in ((native.XXH3_64, ref_xxh3_64), (native.XXH64, ref_xxh64)):
        out = np.empty(len(items), np.uint64)
        native.hash_sequence(items, 42, algorithm, out)
        expected = [ref(i if isinstance(i, bytes) else i.encode(), 42) for i in items]
        assert out.tolist() == expected
        native.hash_sequence(tuple(items), 42, algorithm, out)
        assert out.tolist() == expected


def test_sequence_errors_name_the_item() -> None:
    out = np.empty(3, np.uint64)
    with pytest.raises(ValueError, match=r"`glyphs\[2\]` cannot be encoded as UTF-8"):
        native.hash_sequence(["a", "é", "x\ud800"], 0, native.XXH3_64, out)
    with pytest.raises(TypeError, match=r"`glyphs\[1\]` must be a str or bytes, got .* int"):
        native.hash_sequence(["a", 5, "b"], 0, native.XXH3_64, out)
    with pytest.raises(TypeError, match="`glyphs` must be a list or tuple"):
        native.hash_sequence(iter(["a"]), 0, native.XXH3_64, out)
    with pytest.raises(ValueError, match="`out` must have length 1, got length 3"):
        native.hash_sequence(["a"], 0, native.XXH3_64, out)


FUZZ_RUNS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_fuzz_runs() -> object:
    yield
    if FUZZ_RUNS:  # visible with `pytest -s`: how many inputs each fuzz target ran
        print(f"\nglyphs fuzz inputs run: {FUZZ_RUNS}")


@pytest.mark.fuzz
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    buffer=st.binary(max_size=300),
    offsets=st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 320), max_size=12),
    out_len=st.integers(0, 12),
    seed=SEEDS,
    algorithm=st.integers(-2, 3),
)
def test_fuzz_hash_packed(
    buffer: bytes, offsets: list[int], out_len: int, seed: int, algorithm: int
) -> None:
    FUZZ_RUNS["hash_packed"] = FUZZ_RUNS.get("hash_packed", 0) + 1
    out = np.zeros(out_len, np.uint64)
    try:
        native.hash_packed(
            np.frombuffer(buffer, np.uint8), np.array(offsets, np.int64), seed, algorithm, out
        )
    except ValueError:
        return
    offs = np.array(offsets, np.int64)
    expected = [xxhash.xxh3_64_intdigest, xxhash.xxh64_intdigest][algorithm]
    assert out.tolist() == [expected(buffer[a:b], seed) for a, b in itertools.pairwise(offs)]


@pytest.mark.fuzz
@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.integers(0, 2**32 - 1) | st.sampled_from([0, 0xD800, 0x10FFFF, 0x41]), max_size=40
    ),
    width=st.integers(-1, 8),
    itemsize=st.integers(-1, 8),
    out_len=st.integers(0, 10),
    seed=SEEDS,
)
def test_fuzz_fixed_width(
    words: list[int], width: int, itemsize: int, out_len: int, seed: int
) -> None:
    FUZZ_RUNS["hash_fixed"] = FUZZ_RUNS.get("hash_fixed", 0) + 1
    out = np.zeros(out_len, np.uint64)
    data = np.array(words, np.uint32)
    with contextlib.suppress(ValueError):
        native.hash_fixed_ucs4(data, width, seed, native.XXH3_64, out)
    with contextlib.suppress(ValueError):
        native.hash_fixed_bytes(data.view(np.uint8), itemsize, seed, native.XXH64, out)


@pytest.mark.fuzz
@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.text(alphabet=st.characters(exclude_categories=()), max_size=20)
        | st.binary(max_size=20)
        | st.integers()
        | st.none(),
        max_size=10,
    ),
    as_tuple=st.booleans(),
)
def test_fuzz_hash_sequence(items: list[object], as_tuple: bool) -> None:
    FUZZ_RUNS["hash_sequence"] = FUZZ_RUNS.get("hash_sequence", 0) + 1
    out = np.zeros(len(items), np.uint64)
    try:
        native.hash_sequence(tuple(items) if as_tuple else items, 0, native.XXH3_64, out)
    except (TypeError, ValueError):
        return
    expected = [xxhash.xxh3_64_intdigest(i if isinstance(i, bytes) else i.encode()) for i in items]  # type: ignore[union-attr]
    assert out.tolist() == expected


@pytest.mark.fuzz
def test_atheris_session_finds_nothing() -> None:
    pytest.importorskip("atheris")
    target = Path(__file__).parents[1] / "candidate" / "fuzz_glyphs_atheris.py"
    result = subprocess.run(
        [sys.executable, str(target), "-runs=5000", "-seed=7"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 5000 runs" in result.stderr
