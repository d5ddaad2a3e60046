/*
 * lk_xxhash: XXH64 and XXH3-64 for lukhas glyph hashing (plain C, no Python API).
 *
 * Written from the public xxHash specification, "xxHash fast digest algorithm",
 * doc/xxhash_spec.md in https://github.com/Cyan4973/xxHash (Copyright (c) Yann Collet;
 * the document may be copied and distributed freely).  The constants and the default
 * 192-byte secret are the ones the specification lists.  No code from the xxHash
 * library or any other project was copied; results are checked bit for bit against
 * the `xxhash` Python package and a pure-Python reference in the test suite.
 *
 * Conventions: every function is reentrant and thread-safe, allocates nothing and
 * never fails; batch functions trust their arguments (the Cython layer validates).
 */
#ifndef LK_XXHASH_H
#define LK_XXHASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithm identifiers for the batch entry points. */
enum lk_hash_algorithm { LK_XXH3_64 = 0, LK_XXH64 = 1 };

/* One-shot digests of `len` bytes at `data` (data may be NULL when len == 0). */
uint64_t lk_xxh64(const void *data, size_t len, uint64_t seed);
uint64_t lk_xxh3_64(const void *data, size_t len, uint64_t seed);

/* Test hook: XXH3-64 of data computed with one named long-input loop ("scalar", "sse2",
 * "avx2", "avx512").  Returns 1 and writes *out, or 0 when that loop is not compiled in
 * or this CPU lacks it. */
int lk_xxh3_64_with_loop(const void *data, size_t len, uint64_t seed, const char *loop_name,
                         uint64_t *out);

/* Which accumulate loop XXH3 uses for inputs over 240 bytes on this CPU:
 * "avx512", "avx2", "sse2" or "scalar". */
const char *lk_xxh3_simd_name(void);

/* Hash glyph i = buf[offsets[i]:offsets[i + 1]] into out[i] for i < n, checking each
 * offset as it is read: every offset is read exactly once (a volatile load into a local)
 * and only checked locals are used, so another thread writing to `offsets` meanwhile can
 * change results but never make the loop read outside buf.  Returns -1 when all n + 1
 * offsets satisfy 0 <= offsets[0] <= ... <= offsets[n] <= buf_len, else the index of the
 * first one that does not (out[0:index - 1] hold digests then, the rest is untouched).
 *   buf      IN   buf_len bytes (NULL when buf_len == 0)
 *   offsets  IN   n + 1 offsets into buf
 *   out      OUT  n digests */
int64_t lk_hash_packed(int algorithm, const uint8_t *buf, int64_t buf_len,
                       const int64_t *offsets, size_t n, uint64_t seed, uint64_t *out);

/* Hash n fixed-width byte strings (numpy 'S' items), trailing NUL bytes stripped.
 *   buf  IN   n * itemsize bytes
 *   out  OUT  n digests */
void lk_hash_fixed_bytes(int algorithm, const uint8_t *buf, size_t itemsize, size_t n,
                         uint64_t seed, uint64_t *out);

/* Hash n fixed-width UCS4 strings (numpy 'U' items, native byte order), trailing NUL
 * code points stripped, each encoded to UTF-8 first.
 *   buf      IN   n * width code points
 *   scratch  IN   workspace of at least 4 * width bytes
 *   out      OUT  n digests
 * Returns -1, or the index of the first item holding a code point UTF-8 cannot encode
 * (a surrogate or a value above 0x10FFFF); items before it are hashed. */
int64_t lk_hash_fixed_ucs4(int algorithm, const uint32_t *buf, size_t width, size_t n,
                           uint64_t seed, uint8_t *scratch, uint64_t *out);

/* Encode n code points to UTF-8 into dst (capacity: 2n bytes for UCS1, 3n for UCS2,
 * 4n for UCS4).  Return the number of bytes written, or -1 when a code point is a
 * surrogate (U+D800..U+DFFF) or above U+10FFFF, exactly where str.encode() fails. */
int64_t lk_utf8_from_ucs1(const uint8_t *src, size_t n, uint8_t *dst);
int64_t lk_utf8_from_ucs2(const uint16_t *src, size_t n, uint8_t *dst);
int64_t lk_utf8_from_ucs4(const uint32_t *src, size_t n, uint8_t *dst);

#ifdef __cplusplus
}
#endif

#endif /* LK_XXHASH_H */
