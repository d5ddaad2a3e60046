/*
 * lk_xxhash.c: XXH64 and XXH3-64 written from the public xxHash specification
 * (doc/xxhash_spec.md, https://github.com/Cyan4973/xxHash, Copyright (c) Yann Collet).
 * Section names in the comments below refer to that document.  See lk_xxhash.h.
 *
 * XXH3 inputs over 240 bytes go through an accumulate/scramble loop that exists in a
 * portable scalar form and, on x86-64, in SSE2 (baseline), AVX2 and AVX-512F forms
 * chosen once at run time from what the CPU supports.  Everything else is scalar.
 */
#include "lk_xxhash.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LK_X86_SIMD 1
#include <immintrin.h>
#define LK_TARGET(isa) __attribute__((target(isa)))
#else
#define LK_X86_SIMD 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LK_INLINE static inline __attribute__((always_inline))
#else
#define LK_INLINE static inline
#endif

/* ---- constants (spec: "XXH64 Algorithm Description", "XXH3 Algorithm Overview") ---- */

#define P32_1 0x9E3779B1U
#define P32_2 0x85EBCA77U
#define P32_3 0xC2B2AE3DU
#define P64_1 0x9E3779B185EBCA87ULL
#define P64_2 0xC2B2AE3D27D4EB4FULL
#define P64_3 0x165667B19E3779F9ULL
#define P64_4 0x85EBCA77C2B2AE63ULL
#define P64_5 0x27D4EB2F165667C5ULL
#define PRIME_MX1 0x165667919E3779F9ULL
#define PRIME_MX2 0x9FB21C651E98DF25ULL

#define SECRET_LEN 192                        /* the default secret */
#define STRIPE_LEN 64
#define STRIPES_PER_BLOCK ((SECRET_LEN - 64) / 8) /* 16 */
#define BLOCK_LEN (STRIPE_LEN * STRIPES_PER_BLOCK) /* 1024 */

/* spec: "Seed and Secret", defaultSecret */
static const uint8_t k_default_secret[SECRET_LEN] = {
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

/* ---- little-endian reads, rotations, 128-bit products ---- */

LK_INLINE uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
LK_INLINE uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }

LK_INLINE uint64_t rd64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = bswap64(v);
#endif
    return v;
}

LK_INLINE uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = bswap32(v);
#endif
    return v;
}

LK_INLINE void wr64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = bswap64(v);
#endif
    memcpy(p, &v, sizeof v);
}

LK_INLINE uint64_t rotl64(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

/* lowerHalf(a * b) xor higherHalf(a * b) for the full 128-bit product. */
LK_INLINE uint64_t mul128_fold64(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    const u128 product = (u128)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
#else
    const uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
    const uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    const uint64_t upper = (hi_lo >> 32) + (cross >> 32) + hi_hi;
    const uint64_t lower = (cross << 32) | (lo_lo & 0xFFFFFFFFu);
    return lower ^ upper;
#endif
}

static const uint8_t k_empty[1] = {0};

/* ======================= XXH64 (spec: "XXH64 Algorithm Description") ======================= */

LK_INLINE uint64_t xxh64_round(uint64_t acc, uint64_t lane) {
    acc += lane * P64_2;
    acc = rotl64(acc, 31);
    return acc * P64_1;
}

LK_INLINE uint64_t xxh64_merge_accumulator(uint64_t acc, uint64_t acc_n) {
    acc ^= xxh64_round(0, acc_n);
    acc *= P64_1;
    return acc + P64_4;
}

LK_INLINE uint64_t xxh64_avalanche(uint64_t acc) {
    acc ^= acc >> 33;
    acc *= P64_2;
    acc ^= acc >> 29;
    acc *= P64_3;
    acc ^= acc >> 32;
    return acc;
}

uint64_t lk_xxh64(const void *data, size_t len, uint64_t seed) {
    const uint8_t *p = len ? (const uint8_t *)data : k_empty;
    const uint8_t *const end = p + len;
    uint64_t acc;

    if (len >= 32) { /* steps 1-3: four accumulators over 32-byte stripes */
        uint64_t acc1 = seed + P64_1 + P64_2;
        uint64_t acc2 = seed + P64_2;
        uint64_t acc3 = seed;
        uint64_t acc4 = seed - P64_1;
        const uint8_t *const last_stripe = end - 32;
        do {
            acc1 = xxh64_round(acc1, rd64(p));
            acc2 = xxh64_round(acc2, rd64(p + 8));
            acc3 = xxh64_round(acc3, rd64(p + 16));
            acc4 = xxh64_round(acc4, rd64(p + 24));
            p += 32;
        } while (p <= last_stripe);
        acc = rotl64(acc1, 1) + rotl64(acc2, 7) + rotl64(acc3, 12) + rotl64(acc4, 18);
        acc = xxh64_merge_accumulator(acc, acc1);
        acc = xxh64_merge_accumulator(acc, acc2);
        acc = xxh64_merge_accumulator(acc, acc3);
        acc = xxh64_merge_accumulator(acc, acc4);
    } else {
        acc = seed + P64_5;
    }

    acc += (uint64_t)len; /* step 4 */

    while (end - p >= 8) { /* step 5: the remaining 0..31 bytes */
        acc ^= xxh64_round(0, rd64(p));
        acc = rotl64(acc, 27) * P64_1 + P64_4;
        p += 8;
    }
    if (end - p >= 4) {
        acc ^= (uint64_t)rd32(p) * P64_1;
        acc = rotl64(acc, 23) * P64_2 + P64_3;
        p += 4;
    }
    while (p < end) {
        acc ^= (uint64_t)(*p) * P64_5;
        acc = rotl64(acc, 11) * P64_1;
        p += 1;
    }
    return xxh64_avalanche(acc); /* step 6 */
}

/* ======================= XXH3-64 ======================= */

/* spec: "Final Mixing Step (avalanche)" */
LK_INLINE uint64_t xxh3_avalanche(uint64_t x) {
    x ^= x >> 37;
    x *= PRIME_MX1;
    x ^= x >> 32;
    return x;
}

/* spec: "XXH3 Algorithm Description (for small inputs)"; the secret is the default one. */
LK_INLINE uint64_t xxh3_len_0(uint64_t seed) {
    return xxh64_avalanche(seed ^ rd64(k_default_secret + 56) ^ rd64(k_default_secret + 64));
}

LK_INLINE uint64_t xxh3_len_1to3(const uint8_t *in, size_t len, uint64_t seed) {
    const uint32_t combined = (uint32_t)in[len - 1] | ((uint32_t)len << 8) |
                              ((uint32_t)in[0] << 16) | ((uint32_t)in[len >> 1] << 24);
    const uint64_t secret_words =
        (uint64_t)(rd32(k_default_secret) ^ rd32(k_default_secret + 4)) + seed;
    return xxh64_avalanche(secret_words ^ (uint64_t)combined);
}

LK_INLINE uint64_t xxh3_len_4to8(const uint8_t *in, size_t len, uint64_t seed) {
    const uint64_t modified_seed = seed ^ ((uint64_t)bswap32((uint32_t)seed) << 32);
    const uint64_t input_first = rd32(in);
    const uint64_t input_last = rd32(in + len - 4);
    const uint64_t combined = input_last | (input_first << 32);
    uint64_t value = ((rd64(k_default_secret + 8) ^ rd64(k_default_secret + 16)) - modified_seed) ^
                     combined;
    value ^= rotl64(value, 49) ^ rotl64(value, 24);
    value *= PRIME_MX2;
    value ^= (value >> 35) + (uint64_t)len;
    value *= PRIME_MX2;
    return value ^ (value >> 28);
}

LK_INLINE uint64_t xxh3_len_9to16(const uint8_t *in, size_t len, uint64_t seed) {
    const uint64_t low =
        ((rd64(k_default_secret + 24) ^ rd64(k_default_secret + 32)) + seed) ^ rd64(in);
    const uint64_t high =
        ((rd64(k_default_secret + 40) ^ rd64(k_default_secret + 48)) - seed) ^ rd64(in + len - 8);
    const uint64_t value = (uint64_t)len + bswap64(low) + high + mul128_fold64(low, high);
    return xxh3_avalanche(value);
}

/* spec: "XXH3 Algorithm Description (for medium inputs)", mixStep */
LK_INLINE uint64_t xxh3_mix_step(const uint8_t *in, const uint8_t *secret, uint64_t seed) {
    return mul128_fold64(rd64(in) ^ (rd64(secret) + seed), rd64(in + 8) ^ (rd64(secret + 8) - seed));
}

LK_INLINE uint64_t xxh3_len_17to128(const uint8_t *in, size_t len, uint64_t seed) {
    const uint8_t *const s = k_default_secret;
    /* Pairs of chunks from the front and from the back; the sum is order independent. */
    uint64_t acc = (uint64_t)len * P64_1;
    if (len > 32) {
        if (len > 64) {
            if (len > 96) {
                acc += xxh3_mix_step(in + 48, s + 96, seed);
                acc += xxh3_mix_step(in + len - 64, s + 112, seed);
            }
            acc += xxh3_mix_step(in + 32, s + 64, seed);
            acc += xxh3_mix_step(in + len - 48, s + 80, seed);
        }
        acc += xxh3_mix_step(in + 16, s + 32, seed);
        acc += xxh3_mix_step(in + len - 32, s + 48, seed);
    }
    acc += xxh3_mix_step(in, s, seed);
    acc += xxh3_mix_step(in + len - 16, s + 16, seed);
    return xxh3_avalanche(acc);
}

static uint64_t xxh3_len_129to240(const uint8_t *in, size_t len, uint64_t seed) {
    const uint8_t *const s = k_default_secret;
    const size_t num_chunks = len >> 4;
    uint64_t acc = (uint64_t)len * P64_1;
    for (size_t i = 0; i < 8; i++) {
        acc += xxh3_mix_step(in + i * 16, s + i * 16, seed);
    }
    acc = xxh3_avalanche(acc);
    for (size_t i = 8; i < num_chunks; i++) {
        acc += xxh3_mix_step(in + i * 16, s + (i - 8) * 16 + 3, seed);
    }
    acc += xxh3_mix_step(in + len - 16, s + 119, seed);
    return xxh3_avalanche(acc);
}

/* ---- large inputs (spec: "XXH3 Algorithm Description (for large inputs)") ----
 * Each variant runs steps 2 and 3 (all blocks, the last partial block and the last
 * stripe) on the 8 accumulators `acc`, with a 192-byte secret. */
typedef void (*lk_long_loop)(uint64_t *acc, const uint8_t *in, size_t len, const uint8_t *secret);

/* One instruction set's pair of loops: `custom` reads the secret it is given (one derived
 * from a seed); `fixed` has the default secret built in, which lets the compiler turn its
 * unaligned secret reads into aligned constant loads (a large win in the inner loop). */
typedef struct {
    const char *name;
    lk_long_loop custom;
    lk_long_loop fixed;
} lk_long_loops;

/* Generic body: ISA is a prefix naming <ISA>_load / _store / _stripe / _scramble and
 * STATE the accumulator registers' type.  The prefetch (a hint that never faults, even past
 * the end of the input; its address is computed as an integer for that reason) keeps large
 * inputs streaming from memory at full speed. */
#define LK_LONG_LOOP_BODY(ISA, STATE)                                                   \
    STATE state;                                                                       \
    ISA##_load(&state, acc);                                                           \
    const size_t nb_blocks = (len - 1) / BLOCK_LEN;                                    \
    for (size_t b = 0; b < nb_blocks; b++) {                                           \
        const uint8_t *const block = in + b * BLOCK_LEN;                               \
        for (size_t n = 0; n < STRIPES_PER_BLOCK; n++) {                               \
            __builtin_prefetch((const void *)((uintptr_t)block + n * STRIPE_LEN + 384)); \
            ISA##_stripe(&state, block + n * STRIPE_LEN, secret + n * 8);              \
        }                                                                              \
        ISA##_scramble(&state, secret + SECRET_LEN - STRIPE_LEN);                      \
    }                                                                                  \
    const uint8_t *const last_block = in + nb_blocks * BLOCK_LEN;                      \
    const size_t nb_stripes = ((len - 1) - nb_blocks * BLOCK_LEN) / STRIPE_LEN;        \
    for (size_t n = 0; n < nb_stripes; n++) {                                          \
        ISA##_stripe(&state, last_block + n * STRIPE_LEN, secret + n * 8);             \
    }                                                                                  \
    ISA##_stripe(&state, in + len - STRIPE_LEN, secret + SECRET_LEN - STRIPE_LEN - 7); \
    ISA##_store(&state, acc);

#define LK_DEFINE_LONG_LOOPS(ISA, STATE, ATTR)                                             \
    ATTR static void xxh3_long_##ISA(uint64_t *acc, const uint8_t *in, size_t len,         \
                                     const uint8_t *secret) {                             \
        LK_LONG_LOOP_BODY(ISA, STATE)                                                     \
    }                                                                                     \
    ATTR static void xxh3_long_##ISA##_fixed(uint64_t *acc, const uint8_t *in, size_t len, \
                                             const uint8_t *unused) {                     \
        (void)unused;                                                                     \
        const uint8_t *const secret = k_default_secret;                                   \
        LK_LONG_LOOP_BODY(ISA, STATE)                                                     \
    }                                                                                     \
    static const lk_long_loops k_long_loops_##ISA = {#ISA, xxh3_long_##ISA,                \
                                                     xxh3_long_##ISA##_fixed};

/* Portable scalar form: accumulate(stripe, secretOffset) and round_scramble() as written. */
typedef struct { uint64_t v[8]; } scalar_state;

LK_INLINE void scalar_load(scalar_state *st, const uint64_t *acc) { memcpy(st->v, acc, 64); }
LK_INLINE void scalar_store(const scalar_state *st, uint64_t *acc) { memcpy(acc, st->v, 64); }

LK_INLINE void scalar_stripe(scalar_state *st, const uint8_t *stripe, const uint8_t *secret) {
    for (int i = 0; i < 8; i++) {
        const uint64_t data = rd64(stripe + 8 * i);
        const uint64_t value = data ^ rd64(secret + 8 * i);
        st->v[i ^ 1] += data;
        st->v[i] += (value & 0xFFFFFFFFu) * (value >> 32);
    }
}

LK_INLINE void scalar_scramble(scalar_state *st, const uint8_t *secret) {
    for (int i = 0; i < 8; i++) {
        uint64_t a = st->v[i];
        a ^= a >> 47;
        a ^= rd64(secret + 8 * i);
        st->v[i] = a * P32_1;
    }
}

LK_DEFINE_LONG_LOOPS(scalar, scalar_state, )

#if LK_X86_SIMD
/* Vector forms.  Per 64-bit lane: acc += swap_pairs(data) + lo32(d ^ k) * hi32(d ^ k), where
 * swap_pairs exchanges neighbouring 64-bit lanes (acc[i ^ 1] += data[i]) and the 32x32->64
 * product is mul_epu32 of (d ^ k) with (d ^ k) >> 32.
 * Scramble multiplies by PRIME32_1 modulo 2^64 as lo32 * P + ((hi32 * P) << 32). */
/* Load each stripe into a register once: left alone, compilers fold the load into both the
 * xor and the shuffle, reading the data twice, which costs about 20% of in-cache speed. */
#define LK_KEEP_IN_REGISTER(v, constraint) __asm__("" : constraint(v))
#define LK_SWAP64_IN_128 _MM_SHUFFLE(1, 0, 3, 2) /* dwords (2, 3, 0, 1) */

typedef struct { __m128i v[4]; } sse2_state;

LK_INLINE void sse2_load(sse2_state *st, const uint64_t *acc) {
    for (int j = 0; j < 4; j++) st->v[j] = _mm_loadu_si128((const __m128i *)(acc + 2 * j));
}
LK_INLINE void sse2_store(const sse2_state *st, uint64_t *acc) {
    for (int j = 0; j < 4; j++) _mm_storeu_si128((__m128i *)(acc + 2 * j), st->v[j]);
}
LK_INLINE void sse2_stripe(sse2_state *st, const uint8_t *stripe, const uint8_t *secret) {
    for (int j = 0; j < 4; j++) {
        __m128i data = _mm_loadu_si128((const __m128i *)(stripe + 16 * j));
        LK_KEEP_IN_REGISTER(data, "+x");
        const __m128i key = _mm_loadu_si128((const __m128i *)(secret + 16 * j));
        const __m128i mixed = _mm_xor_si128(data, key);
        const __m128i product = _mm_mul_epu32(mixed, _mm_srli_epi64(mixed, 32));
        const __m128i swapped = _mm_shuffle_epi32(data, LK_SWAP64_IN_128);
        st->v[j] = _mm_add_epi64(st->v[j], _mm_add_epi64(swapped, product));
    }
}
LK_INLINE void sse2_scramble(sse2_state *st, const uint8_t *secret) {
    const __m128i prime = _mm_set1_epi32((int)P32_1);
    for (int j = 0; j < 4; j++) {
        __m128i a = _mm_xor_si128(st->v[j], _mm_srli_epi64(st->v[j], 47));
        a = _mm_xor_si128(a, _mm_loadu_si128((const __m128i *)(secret + 16 * j)));
        const __m128i lo = _mm_mul_epu32(a, prime);
        const __m128i hi = _mm_mul_epu32(_mm_srli_epi64(a, 32), prime);
        st->v[j] = _mm_add_epi64(lo, _mm_slli_epi64(hi, 32));
    }
}
LK_DEFINE_LONG_LOOPS(sse2, sse2_state, )

typedef struct { __m256i v[2]; } avx2_state;

LK_TARGET("avx2") LK_INLINE void avx2_load(avx2_state *st, const uint64_t *acc) {
    for (int j = 0; j < 2; j++) st->v[j] = _mm256_loadu_si256((const __m256i *)(acc + 4 * j));
}
LK_TARGET("avx2") LK_INLINE void avx2_store(const avx2_state *st, uint64_t *acc) {
    for (int j = 0; j < 2; j++) _mm256_storeu_si256((__m256i *)(acc + 4 * j), st->v[j]);
}
LK_TARGET("avx2") LK_INLINE void avx2_stripe(avx2_state *st, const uint8_t *stripe,
                                              const uint8_t *secret) {
    for (int j = 0; j < 2; j++) {
        __m256i data = _mm256_loadu_si256((const __m256i *)(stripe + 32 * j));
        LK_KEEP_IN_REGISTER(data, "+x");
        const __m256i key = _mm256_loadu_si256((const __m256i *)(secret + 32 * j));
        const __m256i mixed = _mm256_xor_si256(data, key);
        const __m256i product =
            _mm256_mul_epu32(mixed, _mm256_srli_epi64(mixed, 32));
        const __m256i swapped = _mm256_shuffle_epi32(data, LK_SWAP64_IN_128);
        st->v[j] = _mm256_add_epi64(st->v[j], _mm256_add_epi64(swapped, product));
    }
}
LK_TARGET("avx2") LK_INLINE void avx2_scramble(avx2_state *st, const uint8_t *secret) {
    const __m256i prime = _mm256_set1_epi32((int)P32_1);
    for (int j = 0; j < 2; j++) {
        __m256i a = _mm256_xor_si256(st->v[j], _mm256_srli_epi64(st->v[j], 47));
        a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)(secret + 32 * j)));
        const __m256i lo = _mm256_mul_epu32(a, prime);
        const __m256i hi = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), prime);
        st->v[j] = _mm256_add_epi64(lo, _mm256_slli_epi64(hi, 32));
    }
}
LK_DEFINE_LONG_LOOPS(avx2, avx2_state, LK_TARGET("avx2"))

typedef struct { __m512i v; } avx512_state;

LK_TARGET("avx512f") LK_INLINE void avx512_load(avx512_state *st, const uint64_t *acc) {
    st->v = _mm512_loadu_si512((const void *)acc);
}
LK_TARGET("avx512f") LK_INLINE void avx512_store(const avx512_state *st, uint64_t *acc) {
    _mm512_storeu_si512((void *)acc, st->v);
}
LK_TARGET("avx512f") LK_INLINE void avx512_stripe(avx512_state *st, const uint8_t *stripe,
                                                   const uint8_t *secret) {
    __m512i data = _mm512_loadu_si512((const void *)stripe);
    LK_KEEP_IN_REGISTER(data, "+v");
    const __m512i key = _mm512_loadu_si512((const void *)secret);
    const __m512i mixed = _mm512_xor_si512(data, key);
    const __m512i product =
        _mm512_mul_epu32(mixed, _mm512_srli_epi64(mixed, 32));
    const __m512i swapped = _mm512_shuffle_epi32(data, (_MM_PERM_ENUM)LK_SWAP64_IN_128);
    st->v = _mm512_add_epi64(st->v, _mm512_add_epi64(swapped, product));
}
LK_TARGET("avx512f") LK_INLINE void avx512_scramble(avx512_state *st, const uint8_t *secret) {
    const __m512i prime = _mm512_set1_epi32((int)P32_1);
    __m512i a = _mm512_xor_si512(st->v, _mm512_srli_epi64(st->v, 47));
    a = _mm512_xor_si512(a, _mm512_loadu_si512((const void *)secret));
    const __m512i lo = _mm512_mul_epu32(a, prime);
    const __m512i hi = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), prime);
    st->v = _mm512_add_epi64(lo, _mm512_slli_epi64(hi, 32));
}
LK_DEFINE_LONG_LOOPS(avx512, avx512_state, LK_TARGET("avx512f"))
#endif /* LK_X86_SIMD */

/* The loops compiled in that this CPU can run, best first. */
static size_t usable_long_loops(const lk_long_loops **found) {
    size_t n = 0;
#if LK_X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) found[n++] = &k_long_loops_avx512;
    if (__builtin_cpu_supports("avx2")) found[n++] = &k_long_loops_avx2;
    found[n++] = &k_long_loops_sse2;
#endif
    found[n++] = &k_long_loops_scalar;
    return n;
}

/* Run-time choice of the long loops, made once (a benign race: every thread computes the
 * same answer). */
static const lk_long_loops *g_long_loops;

static const lk_long_loops *long_loops(void) {
    const lk_long_loops *loops = __atomic_load_n(&g_long_loops, __ATOMIC_ACQUIRE);
    if (loops == NULL) {
        const lk_long_loops *found[4];
        (void)usable_long_loops(found);
        loops = found[0];
        __atomic_store_n(&g_long_loops, loops, __ATOMIC_RELEASE);
    }
    return loops;
}

const char *lk_xxh3_simd_name(void) { return long_loops()->name; }

/* spec: deriveSecret(seed) */
static void xxh3_derive_secret(uint8_t *secret, uint64_t seed) {
    for (int i = 0; i < SECRET_LEN / 16; i++) {
        wr64(secret + 16 * i, rd64(k_default_secret + 16 * i) + seed);
        wr64(secret + 16 * i + 8, rd64(k_default_secret + 16 * i + 8) - seed);
    }
}

/* spec: finalMerge(len * PRIME64_1, 11) */
static uint64_t xxh3_hash_long(const uint8_t *in, size_t len, const uint8_t *secret,
                               const lk_long_loops *loops) {
    uint64_t acc[8] = {P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1};
    if (secret == k_default_secret) {
        loops->fixed(acc, in, len, secret);
    } else {
        loops->custom(acc, in, len, secret);
    }
    uint64_t result = (uint64_t)len * P64_1;
    for (int i = 0; i < 4; i++) {
        result += mul128_fold64(acc[2 * i] ^ rd64(secret + 11 + 16 * i),
                                acc[2 * i + 1] ^ rd64(secret + 11 + 16 * i + 8));
    }
    return xxh3_avalanche(result);
}

/* long_secret: the secret for inputs over 240 bytes (default, or derived from seed). */
LK_INLINE uint64_t xxh3_64_dispatch(const uint8_t *in, size_t len, uint64_t seed,
                                    const uint8_t *long_secret, const lk_long_loops *loops) {
    if (len <= 16) {
        if (len > 8) return xxh3_len_9to16(in, len, seed);
        if (len >= 4) return xxh3_len_4to8(in, len, seed);
        if (len > 0) return xxh3_len_1to3(in, len, seed);
        return xxh3_len_0(seed);
    }
    if (len <= 128) return xxh3_len_17to128(in, len, seed);
    if (len <= 240) return xxh3_len_129to240(in, len, seed);
    return xxh3_hash_long(in, len, long_secret, loops);
}

uint64_t lk_xxh3_64(const void *data, size_t len, uint64_t seed) {
    const uint8_t *in = len ? (const uint8_t *)data : k_empty;
    if (len > 240 && seed != 0) {
        uint8_t derived[SECRET_LEN];
        xxh3_derive_secret(derived, seed);
        return xxh3_hash_long(in, len, derived, long_loops());
    }
    return xxh3_64_dispatch(in, len, seed, k_default_secret, long_loops());
}

/* Test hook (see lk_xxhash.h). */
int lk_xxh3_64_with_loop(const void *data, size_t len, uint64_t seed, const char *loop_name,
                         uint64_t *out) {
    const lk_long_loops *found[4];
    const lk_long_loops *loops = NULL;
    const size_t n = usable_long_loops(found);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(found[i]->name, loop_name) == 0) loops = found[i];
    }
    if (loops == NULL) return 0;
    const uint8_t *in = len ? (const uint8_t *)data : k_empty;
    uint8_t derived[SECRET_LEN];
    const uint8_t *secret = k_default_secret;
    if (seed != 0) {
        xxh3_derive_secret(derived, seed);
        secret = derived;
    }
    *out = xxh3_64_dispatch(in, len, seed, secret, loops);
    return 1;
}

/* ======================= batch loops ======================= */

/* Per-batch XXH3 state: the long-input secret is derived once, not per item. */
typedef struct {
    uint8_t secret[SECRET_LEN];
    const uint8_t *long_secret;
    const lk_long_loops *loops;
} xxh3_batch;

static void xxh3_batch_init(xxh3_batch *batch, uint64_t seed) {
    batch->loops = long_loops();
    if (seed == 0) {
        batch->long_secret = k_default_secret;
    } else {
        xxh3_derive_secret(batch->secret, seed);
        batch->long_secret = batch->secret;
    }
}

int64_t lk_hash_packed(int algorithm, const uint8_t *buf, int64_t buf_len,
                       const int64_t *offsets, size_t n, uint64_t seed, uint64_t *out) {
    const volatile int64_t *offs = (const volatile int64_t *)offsets;
    int64_t lo = offs[0], hi;
    if (lo < 0 || lo > buf_len) return 0;
    if (buf == NULL) buf = k_empty;
    if (algorithm == LK_XXH64) {
        for (size_t i = 0; i < n; i++, lo = hi) {
            hi = offs[i + 1];
            if (hi < lo || hi > buf_len) return (int64_t)(i + 1);
            out[i] = lk_xxh64(buf + lo, (size_t)(hi - lo), seed);
        }
        return -1;
    }
    xxh3_batch batch;
    xxh3_batch_init(&batch, seed);
    for (size_t i = 0; i < n; i++, lo = hi) {
        hi = offs[i + 1];
        if (hi < lo || hi > buf_len) return (int64_t)(i + 1);
        out[i] = xxh3_64_dispatch(buf + lo, (size_t)(hi - lo), seed, batch.long_secret,
                                  batch.loops);
    }
    return -1;
}

void lk_hash_fixed_bytes(int algorithm, const uint8_t *buf, size_t itemsize, size_t n,
                         uint64_t seed, uint64_t *out) {
    xxh3_batch batch;
    xxh3_batch_init(&batch, seed);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *item = buf + i * itemsize;
        size_t len = itemsize;
        while (len > 0 && item[len - 1] == 0) len--;
        out[i] = algorithm == LK_XXH64
                     ? lk_xxh64(item, len, seed)
                     : xxh3_64_dispatch(len ? item : k_empty, len, seed, batch.long_secret,
                                        batch.loops);
    }
}

int64_t lk_hash_fixed_ucs4(int algorithm, const uint32_t *buf, size_t width, size_t n,
                           uint64_t seed, uint8_t *scratch, uint64_t *out) {
    xxh3_batch batch;
    xxh3_batch_init(&batch, seed);
    for (size_t i = 0; i < n; i++) {
        const uint32_t *item = buf + i * width;
        size_t count = width;
        while (count > 0 && item[count - 1] == 0) count--;
        const int64_t len = lk_utf8_from_ucs4(item, count, scratch);
        if (len < 0) return (int64_t)i;
        out[i] = algorithm == LK_XXH64
                     ? lk_xxh64(scratch, (size_t)len, seed)
                     : xxh3_64_dispatch(len ? scratch : k_empty, (size_t)len, seed,
                                        batch.long_secret, batch.loops);
    }
    return -1;
}

/* ======================= UTF-8 encoding ======================= */

int64_t lk_utf8_from_ucs1(const uint8_t *src, size_t n, uint8_t *dst) {
    uint8_t *p = dst;
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = src[i];
        if (c < 0x80) {
            *p++ = c;
        } else {
            *p++ = (uint8_t)(0xC0 | (c >> 6));
            *p++ = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    return (int64_t)(p - dst);
}

LK_INLINE int utf8_put(uint8_t **pp, uint32_t c) {
    uint8_t *p = *pp;
    if (c < 0x80) {
        *p++ = (uint8_t)c;
    } else if (c < 0x800) {
        *p++ = (uint8_t)(0xC0 | (c >> 6));
        *p++ = (uint8_t)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        if (c >= 0xD800 && c <= 0xDFFF) return 0; /* lone surrogate: not encodable */
        *p++ = (uint8_t)(0xE0 | (c >> 12));
        *p++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        *p++ = (uint8_t)(0x80 | (c & 0x3F));
    } else if (c <= 0x10FFFF) {
        *p++ = (uint8_t)(0xF0 | (c >> 18));
        *p++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        *p++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        *p++ = (uint8_t)(0x80 | (c & 0x3F));
    } else {
        return 0;
    }
    *pp = p;
    return 1;
}

int64_t lk_utf8_from_ucs2(const uint16_t *src, size_t n, uint8_t *dst) {
    uint8_t *p = dst;
    for (size_t i = 0; i < n; i++) {
        if (!utf8_put(&p, src[i])) return -1;
    }
    return (int64_t)(p - dst);
}

int64_t lk_utf8_from_ucs4(const uint32_t *src, size_t n, uint8_t *dst) {
    uint8_t *p = dst;
    for (size_t i = 0; i < n; i++) {
        if (!utf8_put(&p, src[i])) return -1;
    }
    return (int64_t)(p - dst);
}
