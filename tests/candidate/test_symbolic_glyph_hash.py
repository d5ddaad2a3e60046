"""Public glyph hashing API: bit-exactness with ``xxhash``, validation, GlyphTable."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

import lukhas.primitives.glyphs as module
import lukhas.primitives.glyphs as symbolic
from lukhas._exceptions import GlyphCollisionError
from lukhas.primitives.glyphs import (
    GlyphTable,
    compute_glyph_hash,
    glyph_hash,
    glyph_hash_many,
    pack_glyphs,
)

ORACLES = {"xxh3_64": xxhash.xxh3_64_intdigest, "xxh64": xxhash.xxh64_intdigest}
SEEDS = st.integers(min_value=0, max_value=2**64 - 1)
# Random Unicode without lone surrogates (those cannot be UTF-8 encoded), up to ~4 KiB.
TEXT = st.text(max_size=1100)
ALGORITHM = st.sampled_from(sorted(ORACLES))


def _oracle(glyphs: list[str], seed: int, algorithm: str) -> list[int]:
    return [ORACLES[algorithm](g.encode("utf-8"), seed) for g in glyphs]


@settings(max_examples=120, deadline=None)
@given(glyphs=st.lists(TEXT, max_size=12), seed=SEEDS, algorithm=ALGORITHM)
def test_every_batch_form_matches_xxhash(glyphs: list[str], seed: int, algorithm: str) -> None:
    expected = _oracle(glyphs, seed, algorithm)
    assert [glyph_hash(g, seed, algorithm) for g in glyphs] == expected
    assert glyph_hash_many(glyphs, seed, algorithm).tolist() == expected
    assert glyph_hash_many(tuple(glyphs), seed, algorithm).tolist() == expected
    assert glyph_hash_many(pack_glyphs(glyphs), seed, algorithm).tolist() == expected
    encoded = [g.encode() for g in glyphs]
    assert glyph_hash_many(encoded, seed, algorithm).tolist() == expected
    # numpy returns fixed-width items without their trailing NULs: hash what it returns.
    as_u = np.array(glyphs, dtype=str)
    assert glyph_hash_many(as_u, seed, algorithm).tolist() == _oracle(
        as_u.tolist(), seed, algorithm
    )
    as_s = np.array(encoded, dtype=bytes)
    expected_s = [ORACLES[algorithm](b, seed) for b in as_s.tolist()]
    assert glyph_hash_many(as_s, seed, algorithm).tolist() == expected_s
    assert glyph_hash_many(np.array(glyphs, dtype=object), seed, algorithm).tolist() == expected


@settings(max_examples=40, deadline=None)
@given(length=st.integers(0, 4096), seed=SEEDS, algorithm=ALGORITHM)
def test_lengths_up_to_4096_bytes(length: int, seed: int, algorithm: str) -> None:
    data = np.random.default_rng(length).integers(0, 256, length, np.uint8).tobytes()
    expected = ORACLES[algorithm](data, seed)
    assert glyph_hash(data, seed, algorithm) == expected
    assert glyph_hash_many((data, np.array([0, length])), seed, algorithm).tolist() == [expected]
    assert glyph_hash_many([data], seed, algorithm).tolist() == [expected]


def test_fixed_width_arrays_keep_inner_nuls_and_any_byte_order() -> None:
    glyphs = ["a\x00b", "", "Λ", "😀😀😀"]
    expected = _oracle(glyphs, 0, "xxh3_64")
    assert glyph_hash_many(np.array(glyphs, dtype="<U6")).tolist() == expected
    assert glyph_hash_many(np.array(glyphs, dtype=">U6")).tolist() == expected
    assert glyph_hash_many(np.array(["x"], dtype="U1")[:0]).shape == (0,)


def test_large_buffer_uses_the_kernel_and_matches() -> None:
    data = np.random.default_rng(1).integers(0, 256, 1 << 20, np.uint8)
    for seed in (0, 77):
        got = glyph_hash_many((data, np.array([0, data.size, data.size])), seed)
        assert got.tolist() == [
            xxhash.xxh3_64_intdigest(data.tobytes(), seed),
            xxhash.xxh3_64_intdigest(b"", seed),
        ]


def test_bytes_like_glyphs() -> None:
    assert glyph_hash(bytearray(b"abc")) == glyph_hash(b"abc") == glyph_hash(memoryview(b"abc"))
    assert glyph_hash(memoryview(b"aXbXc")[::2]) == glyph_hash(b"abc")
    assert glyph_hash_many((memoryview(b"abc"), [0, 3])).tolist() == [glyph_hash("abc")]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: glyph_hash(3), TypeError, "`glyph` must be a str or bytes, got 3"),
        (lambda: glyph_hash("x\ud800"), ValueError, "`glyph` cannot be encoded as UTF-8"),
        (
            lambda: glyph_hash("x", seed=-1),
            ValueError,
            r"`seed` must be an int in \[0, 18446744073709551615\], got -1",
        ),
        (lambda: glyph_hash("x", seed=2**64), ValueError, "`seed` must be an int in"),
        (lambda: glyph_hash("x", seed=1.0), TypeError, "`seed` must be an int, got 1.0"),
        (lambda: glyph_hash("x", seed=True), TypeError, "`seed` must be an int"),
        (lambda: glyph_hash("x", algorithm="md5"), ValueError, "`algorithm` must be one of"),
        (lambda: glyph_hash_many(["a", 1]), TypeError, r"`glyphs\[1\]` must be a str or bytes"),
        (lambda: glyph_hash_many(["a", "\udfff"]), ValueError, r"`glyphs\[1\]` cannot be encoded"),
        (lambda: glyph_hash_many({"a"}), TypeError, "`glyphs` must be a list or tuple"),
        (lambda: glyph_hash_many("abc"), TypeError, "`glyphs` must be a list or tuple"),
        (
            lambda: glyph_hash_many(np.arange(3)),
            TypeError,
            "dtype str_ .* got ndarray of shape .3,., dtype=int64",
        ),
        (
            lambda: glyph_hash_many(np.array([["a"]])),
            ValueError,
            "`glyphs` must be a 1-dimensional array",
        ),
        (
            lambda: glyph_hash_many(np.array(["a", "b", "c"])[::2]),
            ValueError,
            "`glyphs` must be C-contiguous",
        ),
        (
            lambda: glyph_hash_many(np.array([b"a", b"b"])[::-1]),
            ValueError,
            "`glyphs` must be C-contiguous",
        ),
        (lambda: glyph_hash_many(np.array([["a"]], dtype=object)), ValueError, "1-dimensional"),
        (
            lambda: glyph_hash_many(np.array(["a", "\ud800"])),
            ValueError,
            r"`glyphs\[1\]` holds a code point",
        ),
        (
            lambda: glyph_hash_many((b"abc", np.array([0.0, 3.0]))),
            TypeError,
            "`offsets` must have dtype int64",
        ),
        (
            lambda: glyph_hash_many((b"abc", np.array([0, 3], np.int32))),
            TypeError,
            "`offsets` must have dtype int64",
        ),
        (
            lambda: glyph_hash_many((b"abc", np.array([[0, 3]]))),
            ValueError,
            "`offsets` must be 1-dimensional",
        ),
        (
            lambda: glyph_hash_many((b"abc", np.array([0, 1, 2, 3])[::2])),
            ValueError,
            "`offsets` must be C-contiguous",
        ),
        (
            lambda: glyph_hash_many((b"abc", [0, 2, 1])),
            ValueError,
            "`offsets` must be non-decreasing",
        ),
        (
            lambda: glyph_hash_many((b"abc", [0, 4])),
            ValueError,
            r"within \[0, len\(buffer\)\]=\[0, 3\]",
        ),
        (lambda: glyph_hash_many((b"abc", [])), ValueError, "`offsets` must hold n"),
        (
            lambda: glyph_hash_many((np.zeros(3, np.int16), [0, 1])),
            TypeError,
            "`buffer` must have dtype uint8",
        ),
        (
            lambda: glyph_hash_many((np.zeros((1, 3), np.uint8), [0, 1])),
            ValueError,
            "`buffer` must be 1-dimensional",
        ),
        (
            lambda: glyph_hash_many((np.zeros(6, np.uint8)[::2], [0, 1])),
            ValueError,
            "`buffer` must be C-contiguous",
        ),
        (
            lambda: glyph_hash_many((memoryview(b"abcd")[::2], [0, 1])),
            ValueError,
            "`buffer` must be a contiguous",
        ),
        (lambda: glyph_hash_many(([1, 2], [0, 1])), TypeError, "`buffer` must be bytes-like"),
        (lambda: pack_glyphs(["a", None]), TypeError, r"`glyphs\[1\]` must be a str or bytes"),
    ],
)
def test_bad_input_gets_a_clear_error(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_two_glyph_tuple_is_not_a_packed_pair() -> None:
    assert glyph_hash_many(("ab", "c")).tolist() == _oracle(["ab", "c"], 0, "xxh3_64")
    assert glyph_hash_many((b"ab", b"c")).tolist() == _oracle(["ab", "c"], 0, "xxh3_64")


# ----------------------------------------------------------------- compute_glyph_hash


def test_compute_glyph_hash_design() -> None:
    assert compute_glyph_hash("ΛUKHAS") == format(
        xxhash.xxh3_64_intdigest("ΛUKHAS".encode()), "016x"
    )
    assert compute_glyph_hash(b"\x00\xff") == format(xxhash.xxh3_64_intdigest(b"\x00\xff"), "016x")
    value = {"z": [1, 2.5, None, True], "a": {"β": "γ"}}
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical == '{"a":{"β":"γ"},"z":[1,2.5,null,true]}'
    assert compute_glyph_hash(value) == format(xxhash.xxh3_64_intdigest(canonical.encode()), "016x")
    assert compute_glyph_hash({"a": {"β": "γ"}, "z": [1, 2.5, None, True]}) == compute_glyph_hash(
        value
    )
    assert compute_glyph_hash((1, 2)) == compute_glyph_hash([1, 2]) != compute_glyph_hash([2, 1])
    assert compute_glyph_hash(1) == compute_glyph_hash("1")  # JSON text "1" and the str "1"
    assert compute_glyph_hash(["a"]) != compute_glyph_hash("a")
    digest = compute_glyph_hash(None)
    assert len(digest) == 16 and int(digest, 16) >= 0 and digest == digest.lower()


def test_compute_glyph_hash_is_stable_across_processes() -> None:
    code = (
        "from lukhas.primitives.glyphs import compute_glyph_hash as h; "
        "print(h({'k': ['ΛUKHAS', 1]}))"
    )
    env_runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(Path(module.__file__).parents[3])},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert env_runs == {compute_glyph_hash({"k": ["ΛUKHAS", 1]})}


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({1, 2}, TypeError, "`data` must be a str, bytes-like or JSON-serialisable value"),
        (object(), TypeError, "JSON-serialisable"),
        ({"a": np.int64(1)}, TypeError, "JSON-serialisable"),
        ({1: "a", "b": 2}, TypeError, "JSON-serialisable"),
        ([float("nan")], ValueError, "`data` must not contain NaN or infinity"),
        ({"x": float("inf")}, ValueError, "NaN or infinity"),
        ("\ud800", ValueError, "`data` cannot be encoded as UTF-8"),
        (["\ud800"], ValueError, "`data` cannot be encoded as UTF-8"),
    ],
)
def test_compute_glyph_hash_refuses_what_json_cannot_encode(
    data: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        compute_glyph_hash(data)


def test_package_exports() -> None:
    assert symbolic.compute_glyph_hash is compute_glyph_hash
    assert set(symbolic.__all__) <= set(dir(symbolic))
    assert set(module.__all__) == set(symbolic.__all__)


# ----------------------------------------------------------------- GlyphTable


def test_table_interning_and_lookups() -> None:
    table = GlyphTable(["α", "β"], seed=5, algorithm="xxh64")
    assert (table.seed, table.algorithm) == (5, "xxh64")
    assert table.add("γ") == 2 and table.add("α") == 0
    assert table.add_many(np.array(["δ", "β", "δ"])).tolist() == [3, 1, 3]
    assert len(table) == 4 and list(table) == ["α", "β", "γ", "δ"]
    assert [table.id_of(g) for g in table] == [0, 1, 2, 3]
    assert table.ids_of(["δ", "nope", "α", ""]).tolist() == [3, -1, 0, -1]
    assert table.ids_of(("δ",), default=-7).tolist() == [3]
    assert table.ids_of(["zz"], default=-7).tolist() == [-7]
    assert table.ids_of([]).tolist() == []
    assert GlyphTable().ids_of(["a"]).tolist() == [-1]
    assert table.glyph_of(3) == "δ"
    assert (
        "β" in table and "nope" not in table and b"\xce\xb1" not in table and "\ud800" not in table
    )
    assert table.hashes().tolist() == [xxhash.xxh64_intdigest(g.encode(), 5) for g in table]
    assert "4 glyphs" in repr(table)
    with pytest.raises(KeyError):
        table.id_of("nope")


def test_table_errors() -> None:
    table = GlyphTable(["a"])
    with pytest.raises(TypeError, match="`glyph` must be a str, got b'a'"):
        table.add(b"a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`glyph` must be a str"):
        table.id_of(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`glyphs\[1\]` must be a str"):
        table.add_many(["b", b"c"])
    with pytest.raises(TypeError, match=r"`glyphs\[0\]` must be a str, got b'abc'"):
        table.ids_of((b"abc", np.array([0, 3])))
    with pytest.raises(TypeError, match=r"`glyphs` must be a list or tuple of str"):
        table.ids_of("abc")
    with pytest.raises(TypeError, match=r"`glyphs` must be a list or tuple of str"):
        table.ids_of(np.array([b"a"]))
    with pytest.raises(ValueError, match=r"`glyph_id` must be an int in \[0, 0\], got 1"):
        table.glyph_of(1)
    with pytest.raises(ValueError, match="cannot be encoded"):
        table.add("\ud800")
    with pytest.raises(ValueError, match="`seed` must be"):
        GlyphTable(seed=-1)
    with pytest.raises(ValueError, match="`algorithm` must be one of"):
        GlyphTable(algorithm="sha1")


def test_forced_collision_is_detected_by_full_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    # A deliberately terrible hash: every glyph of one length gets the same digest.
    def by_length(glyph: str, seed: int = 0, algorithm: str = "xxh3_64") -> int:
        return len(glyph)

    def many_by_length(glyphs: list[str], seed: int = 0, algorithm: str = "xxh3_64") -> np.ndarray:
        return np.array([len(g) for g in glyphs], dtype=np.uint64)

    monkeypatch.setattr(module, "glyph_hash", by_length)
    monkeypatch.setattr(module, "glyph_hash_many", many_by_length)
    table = GlyphTable(["ab", "xyz"])
    assert table.add("ab") == 0
    with pytest.raises(
        GlyphCollisionError, match=r"'cd' and interned glyph 'ab' \(id 0\) share"
    ) as info:
        table.add("cd")
    assert isinstance(info.value, ValueError)
    with pytest.raises(GlyphCollisionError):
        table.add_many(["xyz", "uvw"])
    assert len(table) == 2
    assert "cd" not in table and "ab" in table
    with pytest.raises(KeyError):
        table.id_of("cd")
    assert table.ids_of(["cd", "ab", "uvw", "xyz", "q"]).tolist() == [-1, 0, -1, 1, -1]


@settings(max_examples=30, deadline=None)
@given(
    added=st.lists(st.text(max_size=8), max_size=30),
    probes=st.lists(st.text(max_size=8), max_size=30),
)
def test_table_batch_lookup_equals_single_lookups(added: list[str], probes: list[str]) -> None:
    table = GlyphTable()
    ids = table.add_many(added).tolist()
    assert ids == [table.add(g) for g in added]
    assert list(table) == list(dict.fromkeys(added))
    expected = [table.id_of(g) if g in table else -1 for g in probes]
    assert table.ids_of(probes).tolist() == expected


def test_table_save_load_round_trip(tmp_path: Path) -> None:
    table = GlyphTable(["α", "", "日本", "😀", "a\x00b"], seed=2**63, algorithm="xxh3_64")
    path = tmp_path / "table.glyphs"
    table.save(path)
    assert path.exists()
    loaded = GlyphTable.load(path)
    assert list(loaded) == list(table)
    assert (loaded.seed, loaded.algorithm) == (table.seed, table.algorithm)
    assert loaded.hashes().tolist() == table.hashes().tolist()
    assert loaded.ids_of(list(table)).tolist() == list(range(len(table)))


def test_table_load_rejects_tampered_files(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    GlyphTable(["ab", "cd"]).save(path)
    with np.load(path) as archive:
        fields = {name: archive[name] for name in archive.files}
    tampered = dict(fields, buffer=np.frombuffer(b"abce", np.uint8))
    with open(path, "wb") as fh:
        np.savez(fh, **tampered)
    with pytest.raises(ValueError, match="digests that do not match"):
        GlyphTable.load(path)
    duplicated = dict(
        fields,
        buffer=np.frombuffer(b"abab", np.uint8),
        hashes=np.array([glyph_hash("ab")] * 2, np.uint64),
    )
    with open(path, "wb") as fh:
        np.savez(fh, **duplicated)
    with pytest.raises(ValueError, match="holds the glyph 'ab' twice"):
        GlyphTable.load(path)
    with open(path, "wb") as fh:
        np.savez(fh, something=np.zeros(2))
    with pytest.raises(ValueError, match="is not a saved GlyphTable"):
        GlyphTable.load(path)


def test_packed_fast_path_matches_the_converting_path() -> None:
    # Ready uint8/int64 vectors take the native fast path; anything else is converted first.
    rng = np.random.default_rng(11)
    buf = rng.integers(0, 256, 300, dtype=np.uint8)
    offs = np.array([0, 0, 5, 77, 300], dtype=np.int64)
    fast = glyph_hash_many((buf, offs))
    converted = glyph_hash_many((buf.tobytes(), offs.tolist()))
    assert fast.tolist() == converted.tolist()
    expected = [xxhash.xxh3_64_intdigest(buf[a:b].tobytes()) for a, b in itertools.pairwise(offs)]
    assert fast.tolist() == expected
    with pytest.raises(ValueError, match="`offsets` must be non-decreasing"):
        glyph_hash_many((buf, np.array([0, 301], dtype=np.int64)))
