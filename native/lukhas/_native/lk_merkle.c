/*
 * lk_merkle.c: SHA-256 from FIPS 180-4 (scalar and SHA-NI block functions) and the
 * RFC 6962 Merkle-tree kernels of the lukhas audit ledger.  See lk_merkle.h.
 */
#include "lk_merkle.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LK_X86_SHA 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define LK_X86_SHA 0
#endif

typedef void (*lk_blocks_fn)(uint32_t state[8], const uint8_t *data, size_t nblocks);

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

/* FIPS 180-4 section 5.3.3: the initial hash value. */
static const uint32_t IV256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* The second block of a 64-byte message: 0x80, zeros, bit length 512. */
static const uint8_t PAD64[64] = {
    0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00,
};

static inline uint32_t rotr32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- scalar block function (FIPS 180-4 section 6.2.2) ---- */

static void blocks_scalar(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    uint32_t w[64];
    while (nblocks--) {
        for (int t = 0; t < 16; t++) w[t] = load_be32(data + 4 * t);
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t big1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = h + big1 + ch + K256[t] + w[t];
            uint32_t big0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
            uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = big0 + maj;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        data += 64;
    }
}

/* ---- SHA-NI block function ----
 * The SHA extensions keep the state as two vectors, ABEF and CDGH; each sha256rnds2
 * performs two rounds from the low half of its message+constant operand.  Message words
 * travel in four vectors of four words; sha256msg1/msg2 compute the schedule. */
#if LK_X86_SHA
#define LK_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

LK_SHA_TARGET static void blocks_shani(uint32_t state[8], const uint8_t *data,
                                       size_t nblocks) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

#define LK_ROUNDS4(msg, g)                                                               \
    do {                                                                                 \
        __m128i mk_ = _mm_add_epi32((msg), _mm_loadu_si128((const __m128i *)&K256[4 * (g)])); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, mk_);                                   \
        mk_ = _mm_shuffle_epi32(mk_, 0x0E);                                              \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, mk_);                                   \
    } while (0)
/* x0 <- the next four schedule words, from the previous sixteen in x0..x3. */
#define LK_SCHEDULE(x0, x1, x2, x3)                                                      \
    x0 = _mm_sha256msg2_epu32(                                                           \
        _mm_add_epi32(_mm_sha256msg1_epu32(x0, x1), _mm_alignr_epi8(x3, x2, 4)), x3)

    while (nblocks--) {
        const __m128i abef_in = abef, cdgh_in = cdgh;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), bswap);
        LK_ROUNDS4(m0, 0);
        LK_ROUNDS4(m1, 1);
        LK_ROUNDS4(m2, 2);
        LK_ROUNDS4(m3, 3);
        for (int g = 4; g < 16; g += 4) {
            LK_SCHEDULE(m0, m1, m2, m3);
            LK_ROUNDS4(m0, g);
            LK_SCHEDULE(m1, m2, m3, m0);
            LK_ROUNDS4(m1, g + 1);
            LK_SCHEDULE(m2, m3, m0, m1);
            LK_ROUNDS4(m2, g + 2);
            LK_SCHEDULE(m3, m0, m1, m2);
            LK_ROUNDS4(m3, g + 3);
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
        data += 64;
    }
#undef LK_ROUNDS4
#undef LK_SCHEDULE

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}


/* Two independent messages of the same block count, interleaved: sha256rnds2 has a
 * latency of several cycles, so two dependency chains keep the unit busy. */
#define LK_R4(ab, cd, msg, g)                                                            \
    do {                                                                                 \
        __m128i mk_ = _mm_add_epi32((msg), _mm_loadu_si128((const __m128i *)&K256[4 * (g)])); \
        cd = _mm_sha256rnds2_epu32(cd, ab, mk_);                                         \
        mk_ = _mm_shuffle_epi32(mk_, 0x0E);                                              \
        ab = _mm_sha256rnds2_epu32(ab, cd, mk_);                                         \
    } while (0)
#define LK_S4(x0, x1, x2, x3)                                                            \
    x0 = _mm_sha256msg2_epu32(                                                           \
        _mm_add_epi32(_mm_sha256msg1_epu32(x0, x1), _mm_alignr_epi8(x3, x2, 4)), x3)

LK_SHA_TARGET static void blocks_shani_x2(uint32_t sa[8], const uint8_t *da, uint32_t sb[8],
                                          const uint8_t *db, size_t nblocks) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i t0 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[0]), 0xB1);
    __m128i t1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[4]), 0x1B);
    __m128i abef_a = _mm_alignr_epi8(t0, t1, 8), cdgh_a = _mm_blend_epi16(t1, t0, 0xF0);
    t0 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[0]), 0xB1);
    t1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[4]), 0x1B);
    __m128i abef_b = _mm_alignr_epi8(t0, t1, 8), cdgh_b = _mm_blend_epi16(t1, t0, 0xF0);
    while (nblocks--) {
        const __m128i sva = abef_a, svc = cdgh_a, svb = abef_b, svd = cdgh_b;
        __m128i a0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 0)), bswap);
        __m128i b0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 0)), bswap);
        __m128i a1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 16)), bswap);
        __m128i b1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 16)), bswap);
        __m128i a2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 32)), bswap);
        __m128i b2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 32)), bswap);
        __m128i a3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 48)), bswap);
        __m128i b3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 48)), bswap);
        LK_R4(abef_a, cdgh_a, a0, 0);
        LK_R4(abef_b, cdgh_b, b0, 0);
        LK_R4(abef_a, cdgh_a, a1, 1);
        LK_R4(abef_b, cdgh_b, b1, 1);
        LK_R4(abef_a, cdgh_a, a2, 2);
        LK_R4(abef_b, cdgh_b, b2, 2);
        LK_R4(abef_a, cdgh_a, a3, 3);
        LK_R4(abef_b, cdgh_b, b3, 3);
        for (int g = 4; g < 16; g += 4) {
            LK_S4(a0, a1, a2, a3);
            LK_S4(b0, b1, b2, b3);
            LK_R4(abef_a, cdgh_a, a0, g);
            LK_R4(abef_b, cdgh_b, b0, g);
            LK_S4(a1, a2, a3, a0);
            LK_S4(b1, b2, b3, b0);
            LK_R4(abef_a, cdgh_a, a1, g + 1);
            LK_R4(abef_b, cdgh_b, b1, g + 1);
            LK_S4(a2, a3, a0, a1);
            LK_S4(b2, b3, b0, b1);
            LK_R4(abef_a, cdgh_a, a2, g + 2);
            LK_R4(abef_b, cdgh_b, b2, g + 2);
            LK_S4(a3, a0, a1, a2);
            LK_S4(b3, b0, b1, b2);
            LK_R4(abef_a, cdgh_a, a3, g + 3);
            LK_R4(abef_b, cdgh_b, b3, g + 3);
        }
        abef_a = _mm_add_epi32(abef_a, sva);
        cdgh_a = _mm_add_epi32(cdgh_a, svc);
        abef_b = _mm_add_epi32(abef_b, svb);
        cdgh_b = _mm_add_epi32(cdgh_b, svd);
        da += 64;
        db += 64;
    }
    t0 = _mm_shuffle_epi32(abef_a, 0x1B);
    t1 = _mm_shuffle_epi32(cdgh_a, 0xB1);
    _mm_storeu_si128((__m128i *)&sa[0], _mm_blend_epi16(t0, t1, 0xF0));
    _mm_storeu_si128((__m128i *)&sa[4], _mm_alignr_epi8(t1, t0, 8));
    t0 = _mm_shuffle_epi32(abef_b, 0x1B);
    t1 = _mm_shuffle_epi32(cdgh_b, 0xB1);
    _mm_storeu_si128((__m128i *)&sb[0], _mm_blend_epi16(t0, t1, 0xF0));
    _mm_storeu_si128((__m128i *)&sb[4], _mm_alignr_epi8(t1, t0, 8));
}
#undef LK_R4
#undef LK_S4

static int cpu_has_shani(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) return 0; /* SSSE3, SSE4.1 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 29)) != 0; /* SHA */
}
#endif

/* ---- dispatch (decided once; a benign race writes the same pointer) ---- */

typedef void (*lk_blocks2_fn)(uint32_t sa[8], const uint8_t *da, uint32_t sb[8],
                              const uint8_t *db, size_t nblocks);

/* Two messages through the one-stream block function, one after the other. */
static void blocks_scalar_x2(uint32_t sa[8], const uint8_t *da, uint32_t sb[8],
                             const uint8_t *db, size_t nblocks) {
    blocks_scalar(sa, da, nblocks);
    blocks_scalar(sb, db, nblocks);
}

static lk_blocks_fn g_best = NULL;

static lk_blocks_fn best_blocks(void) {
    lk_blocks_fn f = __atomic_load_n(&g_best, __ATOMIC_ACQUIRE);
    if (f == NULL) {
        f = blocks_scalar;
#if LK_X86_SHA
        if (cpu_has_shani()) f = blocks_shani;
#endif
        __atomic_store_n(&g_best, f, __ATOMIC_RELEASE);
    }
    return f;
}

static lk_blocks2_fn best_blocks2(void) {
#if LK_X86_SHA
    if (best_blocks() == blocks_shani) return blocks_shani_x2;
#endif
    return blocks_scalar_x2;
}

const char *lk_sha256_impl_name(void) {
#if LK_X86_SHA
    if (best_blocks() == blocks_shani) return "sha_ni";
#endif
    return "scalar";
}

static inline void digest_out(const uint32_t state[8], uint8_t *out) {
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
}

/* SHA-256 of (prefix byte if prefix >= 0) || data, without copying data. */
static void sha256_prefixed(lk_blocks_fn f, int prefix, const uint8_t *data, size_t len,
                            uint8_t *out) {
    uint32_t st[8];
    uint8_t buf[128];
    size_t pos = 0, t = 0;
    const uint64_t bits = ((uint64_t)len + (prefix >= 0 ? 1u : 0u)) * 8u;
    memcpy(st, IV256, sizeof st);
    if (prefix >= 0) {
        buf[t++] = (uint8_t)prefix;
        if (len >= 63) {
            memcpy(buf + 1, data, 63);
            f(st, buf, 1);
            pos = 63;
            t = 0;
        }
    }
    if (len - pos >= 64) {
        size_t full = (len - pos) / 64;
        f(st, data + pos, full);
        pos += full * 64;
    }
    if (len > pos) memcpy(buf + t, data + pos, len - pos);
    t += len - pos;
    buf[t++] = 0x80;
    size_t padded = (t <= 56) ? 64 : 128;
    memset(buf + t, 0, padded - 8 - t);
    for (int i = 0; i < 8; i++) buf[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    f(st, buf, padded / 64);
    digest_out(st, out);
}


/* ---- two messages at a time ---- */

/* Messages up to this many bytes (prefix included) are padded into a stack buffer and
 * hashed in pairs; longer ones go one at a time, straight from the caller's memory. */
#define LK_PAIR_MAX 950
#define LK_PAIR_BUF 1024

/* The whole padded message (prefix byte if prefix >= 0) into buf; returns its blocks. */
static size_t pad_into(int prefix, const uint8_t *data, size_t len, uint8_t *buf) {
    size_t t = 0;
    if (prefix >= 0) buf[t++] = (uint8_t)prefix;
    if (len) memcpy(buf + t, data, len);
    t += len;
    const uint64_t bits = (uint64_t)t * 8u;
    buf[t++] = 0x80;
    size_t total = (t + 8 + 63) / 64 * 64;
    memset(buf + t, 0, total - 8 - t);
    for (int i = 0; i < 8; i++) buf[total - 1 - i] = (uint8_t)(bits >> (8 * i));
    return total / 64;
}

static void hash_padded_pair(lk_blocks_fn f1, lk_blocks2_fn f2, const uint8_t *ba, size_t na,
                             const uint8_t *bb, size_t nb, uint8_t *oa, uint8_t *ob) {
    uint32_t sa[8], sb[8];
    size_t m = na < nb ? na : nb;
    memcpy(sa, IV256, sizeof sa);
    memcpy(sb, IV256, sizeof sb);
    f2(sa, ba, sb, bb, m);
    if (na > m) f1(sa, ba + 64 * m, na - m);
    if (nb > m) f1(sb, bb + 64 * m, nb - m);
    digest_out(sa, oa);
    digest_out(sb, ob);
}

/* Leaf hashes of items [start, end) of a packed batch into out (one row per item). */
static void leaf_range(lk_blocks_fn f1, lk_blocks2_fn f2, const uint8_t *buf,
                       const int64_t *offsets, size_t start, size_t end, uint8_t *out) {
    uint8_t pa[LK_PAIR_BUF], pb[LK_PAIR_BUF];
    size_t i = start;
    for (; i + 1 < end; i += 2) {
        size_t la = (size_t)(offsets[i + 1] - offsets[i]);
        size_t lb = (size_t)(offsets[i + 2] - offsets[i + 1]);
        uint8_t *oa = out + 32 * (i - start);
        if (la < LK_PAIR_MAX && lb < LK_PAIR_MAX) {
            size_t na = pad_into(0x00, buf + offsets[i], la, pa);
            size_t nb = pad_into(0x00, buf + offsets[i + 1], lb, pb);
            hash_padded_pair(f1, f2, pa, na, pb, nb, oa, oa + 32);
        } else {
            sha256_prefixed(f1, 0x00, buf + offsets[i], la, oa);
            sha256_prefixed(f1, 0x00, buf + offsets[i + 1], lb, oa + 32);
        }
    }
    if (i < end) {
        sha256_prefixed(f1, 0x00, buf + offsets[i], (size_t)(offsets[i + 1] - offsets[i]),
                        out + 32 * (i - start));
    }
}

/* Padded 0x01 || left || right (two blocks) into buf. */
static inline void node_pad(const uint8_t *left, const uint8_t *right, uint8_t *buf) {
    buf[0] = 0x01;
    memcpy(buf + 1, left, 32);
    memcpy(buf + 33, right, 32);
    buf[65] = 0x80;
    memset(buf + 66, 0, 128 - 66);
    buf[126] = 0x02; /* 520 bits = 0x208 */
    buf[127] = 0x08;
}

int lk_sha256_with(int impl, const uint8_t *data, size_t len, uint8_t *out) {
    lk_blocks_fn f;
    if (impl == 0) {
        f = best_blocks();
    } else if (impl == 1) {
        f = blocks_scalar;
    } else if (impl == 2) {
#if LK_X86_SHA
        if (!cpu_has_shani()) return 0;
        f = blocks_shani;
#else
        return 0;
#endif
    } else {
        return 0;
    }
    sha256_prefixed(f, -1, data, len, out);
    return 1;
}

void lk_sha256(const uint8_t *data, size_t len, uint8_t *out) {
    sha256_prefixed(best_blocks(), -1, data, len, out);
}

void lk_leaf_hash(const uint8_t *data, size_t len, uint8_t *out) {
    sha256_prefixed(best_blocks(), 0x00, data, len, out);
}

/* 0x01 || left || right is 65 bytes: two blocks. */
static inline void node_with(lk_blocks_fn f, const uint8_t *left, const uint8_t *right,
                             uint8_t *out) {
    uint32_t st[8];
    uint8_t buf[128];
    memcpy(st, IV256, sizeof st);
    buf[0] = 0x01;
    memcpy(buf + 1, left, 32);
    memcpy(buf + 33, right, 32);
    buf[65] = 0x80;
    memset(buf + 66, 0, 128 - 66);
    buf[126] = 0x02; /* 520 bits = 0x208 */
    buf[127] = 0x08;
    f(st, buf, 2);
    digest_out(st, out);
}

void lk_node_hash(const uint8_t *left, const uint8_t *right, uint8_t *out) {
    node_with(best_blocks(), left, right, out);
}

void lk_leaf_hashes_ptrs(const uint8_t *const *items, const size_t *lengths, size_t n,
                         uint8_t *out) {
    lk_blocks_fn f1 = best_blocks();
    lk_blocks2_fn f2 = best_blocks2();
    uint8_t pa[LK_PAIR_BUF], pb[LK_PAIR_BUF];
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        if (lengths[i] < LK_PAIR_MAX && lengths[i + 1] < LK_PAIR_MAX) {
            size_t na = pad_into(0x00, items[i], lengths[i], pa);
            size_t nb = pad_into(0x00, items[i + 1], lengths[i + 1], pb);
            hash_padded_pair(f1, f2, pa, na, pb, nb, out + 32 * i, out + 32 * i + 32);
        } else {
            sha256_prefixed(f1, 0x00, items[i], lengths[i], out + 32 * i);
            sha256_prefixed(f1, 0x00, items[i + 1], lengths[i + 1], out + 32 * i + 32);
        }
    }
    if (i < n) sha256_prefixed(f1, 0x00, items[i], lengths[i], out + 32 * i);
}

void lk_leaf_hashes(const uint8_t *buf, const int64_t *offsets, size_t n, uint8_t *out) {
    leaf_range(best_blocks(), best_blocks2(), buf, offsets, 0, n, out);
}

/* Parents j in [0, m) of consecutive child pairs, two at a time.  out may equal in: each
 * pair of parents is written only after the four children it reads. */
static void parents_x2(lk_blocks_fn f1, lk_blocks2_fn f2, const uint8_t *in, size_t m,
                       uint8_t *out) {
    uint8_t pa[128], pb[128];
    size_t j = 0;
    for (; j + 1 < m; j += 2) {
        node_pad(in + 64 * j, in + 64 * j + 32, pa);
        node_pad(in + 64 * j + 64, in + 64 * j + 96, pb);
        hash_padded_pair(f1, f2, pa, 2, pb, 2, out + 32 * j, out + 32 * j + 32);
    }
    if (j < m) {
        uint8_t tmp[32];
        node_with(f1, in + 64 * j, in + 64 * j + 32, tmp);
        memcpy(out + 32 * j, tmp, 32);
    }
}

void lk_parents(const uint8_t *in, size_t n_children, uint8_t *out) {
    parents_x2(best_blocks(), best_blocks2(), in, n_children / 2, out);
}

size_t lk_levels_total(size_t n) {
    size_t total = 0;
    if (n == 0) return 0;
    while (n > 1) {
        total += n;
        n = (n + 1) / 2;
    }
    return total + 1;
}

/* One level up: pairs hashed, a lone last node copied.  in and out may not overlap,
 * except out == in (processing left to right only ever reads ahead of the write). */
static void level_up(lk_blocks_fn f, const uint8_t *in, size_t len, uint8_t *out) {
    size_t m = len / 2;
    parents_x2(f, best_blocks2(), in, m, out);
    if (len & 1) memmove(out + 32 * m, in + 32 * (len - 1), 32);
}

void lk_levels(const uint8_t *leaves, size_t n, uint8_t *out) {
    lk_blocks_fn f = best_blocks();
    if (n == 0) return;
    memcpy(out, leaves, 32 * n);
    const uint8_t *cur = out;
    uint8_t *next = out + 32 * n;
    size_t len = n;
    while (len > 1) {
        level_up(f, cur, len, next);
        cur = next;
        len = (len + 1) / 2;
        next += 32 * len;
    }
}

void lk_root(const uint8_t *leaves, size_t n, uint8_t *scratch, uint8_t *out) {
    lk_blocks_fn f = best_blocks();
    if (n == 0) {
        sha256_prefixed(f, -1, NULL, 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves, 32);
        return;
    }
    level_up(f, leaves, n, scratch);
    size_t len = (n + 1) / 2;
    while (len > 1) {
        level_up(f, scratch, len, scratch);
        len = (len + 1) / 2;
    }
    memcpy(out, scratch, 32);
}

void lk_inclusion_paths(const uint8_t *levels, size_t n, const int64_t *indices, size_t k,
                        size_t max_depth, uint8_t *out, int32_t *lengths) {
    for (size_t i = 0; i < k; i++) {
        uint8_t *row = out + i * max_depth * 32;
        size_t j = (size_t)indices[i], len = n, depth = 0;
        const uint8_t *level = levels;
        while (len > 1) {
            size_t sib = j ^ 1u;
            if (sib < len) memcpy(row + 32 * depth++, level + 32 * sib, 32);
            level += 32 * len;
            len = (len + 1) / 2;
            j >>= 1;
        }
        lengths[i] = (int32_t)depth;
    }
}

void lk_verify_inclusions(const uint8_t *leaves, const int64_t *indices, uint64_t size,
                          const uint8_t *paths, const int32_t *lengths, size_t max_depth,
                          size_t k, const uint8_t *root, uint8_t *ok) {
    lk_blocks_fn f = best_blocks();
    for (size_t i = 0; i < k; i++) {
        const uint8_t *row = paths + i * max_depth * 32;
        uint8_t r[32];
        int good = indices[i] >= 0 && (uint64_t)indices[i] < size;
        uint64_t fn = (uint64_t)indices[i], sn = size - 1;
        memcpy(r, leaves + 32 * i, 32);
        for (int32_t p = 0; good && p < lengths[i]; p++) {
            const uint8_t *h = row + 32 * (size_t)p;
            if (sn == 0) {
                good = 0;
                break;
            }
            if ((fn & 1u) || fn == sn) {
                node_with(f, h, r, r);
                while (!(fn & 1u) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                node_with(f, r, h, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        ok[i] = (uint8_t)(good && sn == 0 && memcmp(r, root, 32) == 0);
    }
}

void lk_chain(const uint8_t *leaves, size_t n, const uint8_t *prev, uint8_t *out) {
    lk_blocks_fn f = best_blocks();
    uint8_t block[64];
    uint32_t st[8];
    memcpy(block, prev, 32);
    for (size_t i = 0; i < n; i++) {
        memcpy(block + 32, leaves + 32 * i, 32);
        memcpy(st, IV256, sizeof st);
        f(st, block, 1);
        f(st, PAD64, 1);
        digest_out(st, out + 32 * i);
        memcpy(block, out + 32 * i, 32);
    }
}

int64_t lk_verify_chain(const uint8_t *buf, const int64_t *offsets, size_t n,
                        const uint8_t *leaves, const uint8_t *chain, const uint8_t *prev,
                        int *what) {
    lk_blocks_fn f = best_blocks();
    lk_blocks2_fn f2 = best_blocks2();
    uint8_t block[64], digest[32], chunk[32 * 128];
    uint32_t st[8];
    *what = 0;
    memcpy(block, prev, 32);
    for (size_t i = 0; i < n; i++) {
        if (i % 128 == 0) leaf_range(f, f2, buf, offsets, i, i + 128 < n ? i + 128 : n, chunk);
        if (memcmp(chunk + 32 * (i % 128), leaves + 32 * i, 32) != 0) {
            *what = 1;
            return (int64_t)i;
        }
        memcpy(block + 32, chunk + 32 * (i % 128), 32);
        memcpy(st, IV256, sizeof st);
        f(st, block, 1);
        f(st, PAD64, 1);
        digest_out(st, digest);
        if (memcmp(digest, chain + 32 * i, 32) != 0) {
            *what = 2;
            return (int64_t)i;
        }
        memcpy(block, digest, 32);
    }
    return -1;
}

int64_t lk_merkle_offsets_first_invalid(const int64_t *offsets, size_t n, int64_t buf_len) {
    if (offsets[0] < 0) return 0;
    for (size_t i = 1; i <= n; i++) {
        if (offsets[i] < offsets[i - 1]) return (int64_t)i;
    }
    if (offsets[n] > buf_len) return (int64_t)n;
    return -1;
}
