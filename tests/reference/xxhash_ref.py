"""Slow, obvious pure-Python XXH64 and XXH3-64, transcribed from the xxHash specification.

Source: "xxHash fast digest algorithm", doc/xxhash_spec.md in
https://github.com/Cyan4973/xxHash (Copyright (c) Yann Collet).  Each function follows
one section of that document step by step, with no attempt at speed; the compiled
kernel in ``lukhas._native.glyphs`` is tested against these.
"""

from __future__ import annotations

__all__ = ["DEFAULT_SECRET", "ref_xxh3_64", "ref_xxh64"]

MASK64 = (1 << 64) - 1

PRIME32_1 = 0x9E3779B1
PRIME32_2 = 0x85EBCA77
PRIME32_3 = 0xC2B2AE3D
PRIME64_1 = 0x9E3779B185EBCA87
PRIME64_2 = 0xC2B2AE3D27D4EB4F
PRIME64_3 = 0x165667B19E3779F9
PRIME64_4 = 0x85EBCA77C2B2AE63
PRIME64_5 = 0x27D4EB2F165667C5
PRIME_MX1 = 0x165667919E3779F9
PRIME_MX2 = 0x9FB21C651E98DF25

DEFAULT_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
    "eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e"
    "2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e"
)


def u64(data: bytes, offset: int) -> int:
    """Little-endian 64-bit word at ``offset``."""
    return int.from_bytes(data[offset : offset + 8], "little")


def u32(data: bytes, offset: int) -> int:
    """Little-endian 32-bit word at ``offset``."""
    return int.from_bytes(data[offset : offset + 4], "little")


def rotl64(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & MASK64


def bswap64(x: int) -> int:
    return int.from_bytes(x.to_bytes(8, "little"), "big")


def bswap32(x: int) -> int:
    return int.from_bytes(x.to_bytes(4, "little"), "big")


# ---------------------------------------------------------------- XXH64


def xxh64_round(acc: int, lane: int) -> int:
    acc = (acc + lane * PRIME64_2) & MASK64
    acc = rotl64(acc, 31)
    return (acc * PRIME64_1) & MASK64


def xxh64_merge_accumulator(acc: int, acc_n: int) -> int:
    acc ^= xxh64_round(0, acc_n)
    acc = (acc * PRIME64_1) & MASK64
    return (acc + PRIME64_4) & MASK64


def xxh64_avalanche(acc: int) -> int:
    acc ^= acc >> 33
    acc = (acc * PRIME64_2) & MASK64
    acc ^= acc >> 29
    acc = (acc * PRIME64_3) & MASK64
    acc ^= acc >> 32
    return acc


def ref_xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 of ``data`` (spec section "XXH64 Algorithm Description", steps 1 to 6)."""
    length = len(data)
    pos = 0
    if length >= 32:
        acc1 = (seed + PRIME64_1 + PRIME64_2) & MASK64
        acc2 = (seed + PRIME64_2) & MASK64
        acc3 = seed
        acc4 = (seed - PRIME64_1) & MASK64
        while length - pos >= 32:
            acc1 = xxh64_round(acc1, u64(data, pos))
            acc2 = xxh64_round(acc2, u64(data, pos + 8))
            acc3 = xxh64_round(acc3, u64(data, pos + 16))
            acc4 = xxh64_round(acc4, u64(data, pos + 24))
            pos += 32
        acc = (rotl64(acc1, 1) + rotl64(acc2, 7) + rotl64(acc3, 12) + rotl64(acc4, 18)) & MASK64
        for acc_n in (acc1, acc2, acc3, acc4):
            acc = xxh64_merge_accumulator(acc, acc_n)
    else:
        acc = (seed + PRIME64_5) & MASK64
    acc = (acc + length) & MASK64
    while length - pos >= 8:
        acc ^= xxh64_round(0, u64(data, pos))
        acc = (rotl64(acc, 27) * PRIME64_1 + PRIME64_4) & MASK64
        pos += 8
    if length - pos >= 4:
        acc ^= (u32(data, pos) * PRIME64_1) & MASK64
        acc = (rotl64(acc, 23) * PRIME64_2 + PRIME64_3) & MASK64
        pos += 4
    while pos < length:
        acc ^= (data[pos] * PRIME64_5) & MASK64
        acc = (rotl64(acc, 11) * PRIME64_1) & MASK64
        pos += 1
    return xxh64_avalanche(acc)


# ---------------------------------------------------------------- XXH3-64


def xxh3_avalanche(x: int) -> int:
    x ^= x >> 37
    x = (x * PRIME_MX1) & MASK64
    x ^= x >> 32
    return x


def mul128_fold64(a: int, b: int) -> int:
    product = a * b
    return (product & MASK64) ^ (product >> 64)


def mix_step(data: bytes, offset: int, secret: bytes, secret_offset: int, seed: int) -> int:
    """Spec "mixStep": one 16-byte chunk against 16 bytes of secret."""
    lo = u64(data, offset) ^ ((u64(secret, secret_offset) + seed) & MASK64)
    hi = u64(data, offset + 8) ^ ((u64(secret, secret_offset + 8) - seed) & MASK64)
    return mul128_fold64(lo, hi)


def derive_secret(seed: int) -> bytes:
    """Spec "deriveSecret": add the seed to even words, subtract it from odd ones."""
    words = []
    for i in range(24):
        word = u64(DEFAULT_SECRET, 8 * i)
        word = word + seed if i % 2 == 0 else word - seed
        words.append((word & MASK64).to_bytes(8, "little"))
    return b"".join(words)


def accumulate(acc: list[int], data: bytes, offset: int, secret: bytes, secret_offset: int) -> None:
    for i in range(8):
        lane = u64(data, offset + 8 * i)
        value = lane ^ u64(secret, secret_offset + 8 * i)
        acc[i ^ 1] = (acc[i ^ 1] + lane) & MASK64
        acc[i] = (acc[i] + (value & 0xFFFFFFFF) * (value >> 32)) & MASK64


def scramble(acc: list[int], secret: bytes) -> None:
    for i in range(8):
        a = acc[i]
        a ^= a >> 47
        a ^= u64(secret, len(secret) - 64 + 8 * i)
        acc[i] = (a * PRIME32_1) & MASK64


def xxh3_64_large(data: bytes, secret: bytes) -> int:
    """Spec "XXH3 Algorithm Description (for large inputs)", steps 1 to 4."""
    length = len(data)
    acc = [PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1]
    stripes_per_block = (len(secret) - 64) // 8
    block_size = 64 * stripes_per_block
    pos = 0
    while length - pos > block_size:  # every full block but the last one
        for n in range(stripes_per_block):
            accumulate(acc, data, pos + 64 * n, secret, 8 * n)
        scramble(acc, secret)
        pos += block_size
    last_len = length - pos
    for n in range((last_len - 1) // 64):
        accumulate(acc, data, pos + 64 * n, secret, 8 * n)
    accumulate(acc, data, length - 64, secret, len(secret) - 71)
    result = (length * PRIME64_1) & MASK64
    for i in range(4):
        left = acc[2 * i] ^ u64(secret, 11 + 16 * i)
        right = acc[2 * i + 1] ^ u64(secret, 11 + 16 * i + 8)
        result += mul128_fold64(left, right)
    return xxh3_avalanche(result & MASK64)


def ref_xxh3_64(data: bytes, seed: int = 0) -> int:
    """XXH3-64 of ``data`` with ``seed`` (spec sections on small, medium and large inputs)."""
    length = len(data)
    s = DEFAULT_SECRET
    if length == 0:
        return xxh64_avalanche(seed ^ u64(s, 56) ^ u64(s, 64))
    if length <= 3:
        combined = data[length - 1] | (length << 8) | (data[0] << 16) | (data[length >> 1] << 24)
        value = ((u32(s, 0) ^ u32(s, 4)) + seed) & MASK64
        return xxh64_avalanche(value ^ combined)
    if length <= 8:
        modified_seed = seed ^ (bswap32(seed & 0xFFFFFFFF) << 32)
        combined = u32(data, length - 4) | (u32(data, 0) << 32)
        value = (((u64(s, 8) ^ u64(s, 16)) - modified_seed) & MASK64) ^ combined
        value ^= rotl64(value, 49) ^ rotl64(value, 24)
        value = (value * PRIME_MX2) & MASK64
        value ^= ((value >> 35) + length) & MASK64
        value = (value * PRIME_MX2) & MASK64
        return value ^ (value >> 28)
    if length <= 16:
        low = (((u64(s, 24) ^ u64(s, 32)) + seed) & MASK64) ^ u64(data, 0)
        high = (((u64(s, 40) ^ u64(s, 48)) - seed) & MASK64) ^ u64(data, length - 8)
        value = (length + bswap64(low) + high + mul128_fold64(low, high)) & MASK64
        return xxh3_avalanche(value)
    if length <= 128:
        acc = (length * PRIME64_1) & MASK64
        num_rounds = ((length - 1) >> 5) + 1
        for i in range(num_rounds - 1, -1, -1):
            acc += mix_step(data, 16 * i, s, 32 * i, seed)
            acc += mix_step(data, length - 16 * i - 16, s, 32 * i + 16, seed)
        return xxh3_avalanche(acc & MASK64)
    if length <= 240:
        acc = (length * PRIME64_1) & MASK64
        for i in range(8):
            acc += mix_step(data, 16 * i, s, 16 * i, seed)
        acc = xxh3_avalanche(acc & MASK64)
        for i in range(8, length >> 4):
            acc += mix_step(data, 16 * i, s, 16 * (i - 8) + 3, seed)
        acc += mix_step(data, length - 16, s, 119, seed)
        return xxh3_avalanche(acc & MASK64)
    return xxh3_64_large(data, derive_secret(seed) if seed else s)
