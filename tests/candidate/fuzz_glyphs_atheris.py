"""Atheris (libFuzzer) target for the native glyph-hash entry points.

Run as a script, e.g. ``python tests/candidate/fuzz_glyphs_atheris.py -runs=100000``;
``tests/kernels/test_glyphs_native.py`` runs a short session.  Every input must end in
digests equal to the ``xxhash`` package's or in a clean ValueError; anything else
(a crash, a wrong digest, another exception) is reported by libFuzzer with the input.
"""

from __future__ import annotations

import sys
from itertools import pairwise

import atheris

with atheris.instrument_imports():
    import numpy as np
    import xxhash

    from lukhas._native import glyphs as native

ORACLES = (xxhash.xxh3_64_intdigest, xxhash.xxh64_intdigest)


def _utf8(item: str | bytes) -> bytes | None:
    if isinstance(item, bytes):
        return item
    try:
        return item.encode("utf-8")
    except UnicodeEncodeError:
        return None


@atheris.instrument_func
def fuzz_one(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    target = fdp.ConsumeIntInRange(0, 2)
    seed = fdp.ConsumeIntInRange(0, 2**64 - 1)
    algorithm = fdp.ConsumeIntInRange(0, 1)
    oracle = ORACLES[algorithm]
    if target == 0:  # packed buffer with arbitrary (possibly invalid) offsets
        n = fdp.ConsumeIntInRange(0, 8)
        offsets = [fdp.ConsumeIntInRange(-4, 600) for _ in range(n + 1)]
        buffer = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 600))
        out = np.zeros(n, np.uint64)
        valid = (
            offsets[0] >= 0
            and all(a <= b for a, b in pairwise(offsets))
            and offsets[-1] <= len(buffer)
        )
        try:
            native.hash_packed(
                np.frombuffer(buffer, np.uint8), np.array(offsets, np.int64), seed, algorithm, out
            )
        except ValueError:
            assert not valid
            return
        assert valid
        expected = [oracle(buffer[a:b], seed) for a, b in pairwise(offsets)]
        assert out.tolist() == expected
    elif target == 1:  # a list of str (any code point, surrogates included) and bytes
        items: list[str | bytes] = []
        for _ in range(fdp.ConsumeIntInRange(0, 6)):
            size = fdp.ConsumeIntInRange(0, 300)
            items.append(fdp.ConsumeBytes(size) if fdp.ConsumeBool() else fdp.ConsumeUnicode(size))
        out = np.zeros(len(items), np.uint64)
        encoded = [_utf8(item) for item in items]
        try:
            native.hash_sequence(items, seed, algorithm, out)
        except ValueError:
            assert any(e is None for e in encoded)
            return
        assert out.tolist() == [oracle(e, seed) for e in encoded if e is not None]
    else:  # fixed-width UCS4 items with arbitrary code points
        width = fdp.ConsumeIntInRange(1, 6)
        count = fdp.ConsumeIntInRange(0, 6)
        words = [fdp.ConsumeIntInRange(0, 0x11_0000) for _ in range(width * count)]
        out = np.zeros(count, np.uint64)
        try:
            native.hash_fixed_ucs4(np.array(words, np.uint32), width, seed, algorithm, out)
        except ValueError:
            assert any(0xD800 <= w <= 0xDFFF or w > 0x10FFFF for w in words)
            return
        items_u = [
            "".join(map(chr, words[i * width : (i + 1) * width])).rstrip("\x00")
            for i in range(count)
        ]
        assert out.tolist() == [oracle(u.encode("utf-8"), seed) for u in items_u]


def main() -> None:
    atheris.Setup(sys.argv, fuzz_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
