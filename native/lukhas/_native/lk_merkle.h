/*
 * lk_merkle: SHA-256 (FIPS 180-4) and RFC 6962 Merkle-tree hashing for the lukhas audit
 * ledger (plain C, no Python API).
 *
 * SHA-256 is written from FIPS 180-4.  Its block function exists in a portable scalar
 * form and, on x86-64, in a form on the Intel SHA extensions (SHA-NI), chosen once at run
 * time from CPUID.  Results are checked bit for bit against hashlib and the RFC 6962 /
 * Certificate Transparency test vectors in the test suite.
 *
 * Merkle hashing follows RFC 6962 section 2.1: a leaf hash is SHA-256(0x00 || data), an
 * interior node SHA-256(0x01 || left || right), the empty tree SHA-256("").  A tree of n
 * leaves built bottom up, pairing neighbours and carrying a lone last node up unchanged,
 * has exactly RFC 6962's shape (split at the largest power of two below n).
 *
 * Conventions: every function is reentrant and thread-safe and never fails; functions
 * that need scratch memory take it from the caller; batch functions trust their
 * arguments (the Cython layer validates).  Digests are 32 bytes, stored back to back.
 */
#ifndef LK_MERKLE_H
#define LK_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LK_SHA256_LEN 32

/* Which SHA-256 block function this CPU runs: "sha_ni" or "scalar". */
const char *lk_sha256_impl_name(void);

/* SHA-256 of len bytes at data (data may be NULL when len == 0).
 *   impl  IN  0 = the best for this CPU, 1 = scalar, 2 = SHA-NI
 * Returns 1, or 0 when impl names a block function this CPU cannot run. */
int lk_sha256_with(int impl, const uint8_t *data, size_t len, uint8_t *out);

/* SHA-256 of len bytes at data, with the best block function. */
void lk_sha256(const uint8_t *data, size_t len, uint8_t *out);

/* RFC 6962 leaf hash SHA-256(0x00 || data). */
void lk_leaf_hash(const uint8_t *data, size_t len, uint8_t *out);

/* RFC 6962 node hash SHA-256(0x01 || left || right). */
void lk_node_hash(const uint8_t *left, const uint8_t *right, uint8_t *out);

/* Leaf hashes of n items packed back to back: item i is buf[offsets[i]:offsets[i+1]].
 *   buf      IN   bytes
 *   offsets  IN   n + 1 non-decreasing offsets into buf
 *   out      OUT  n * 32 bytes */
void lk_leaf_hashes(const uint8_t *buf, const int64_t *offsets, size_t n, uint8_t *out);

/* Leaf hashes of n items given by pointer and length (items may be NULL where length 0).
 *   out  OUT  n * 32 bytes */
void lk_leaf_hashes_ptrs(const uint8_t *const *items, const size_t *lengths, size_t n,
                         uint8_t *out);

/* Parents of n_children nodes paired left to right: out[j] = node(in[2j], in[2j+1]) for
 * j < n_children / 2 (a lone last child gets no parent here).
 *   in   IN   n_children * 32 bytes
 *   out  OUT  (n_children / 2) * 32 bytes */
void lk_parents(const uint8_t *in, size_t n_children, uint8_t *out);

/* Number of nodes in all levels of a tree of n leaves (n, ceil(n/2), ..., 1); 0 for n 0. */
size_t lk_levels_total(size_t n);

/* All levels of the tree over n leaf hashes, bottom up, back to back: level 0 is a copy
 * of the leaves, level h + 1 has ceil(len(level h) / 2) nodes, the last of which is the
 * lone last node of level h carried up unchanged when len(level h) is odd; the last
 * level is the root.
 *   leaves  IN   n * 32 bytes
 *   out     OUT  lk_levels_total(n) * 32 bytes */
void lk_levels(const uint8_t *leaves, size_t n, uint8_t *out);

/* RFC 6962 root of n leaf hashes (SHA-256("") when n == 0).
 *   leaves   IN   n * 32 bytes
 *   scratch  IN   workspace of ((n + 1) / 2) * 32 bytes
 *   out      OUT  32 bytes */
void lk_root(const uint8_t *leaves, size_t n, uint8_t *scratch, uint8_t *out);

/* Inclusion paths of k leaves in the tree of size n whose levels lk_levels wrote.
 *   levels     IN   lk_levels(n) output
 *   indices    IN   k leaf indices, each in [0, n)
 *   max_depth  IN   row length of out (>= number of levels - 1)
 *   out        OUT  k * max_depth * 32 bytes, path i in row i, leaf to root
 *   lengths    OUT  k path lengths */
void lk_inclusion_paths(const uint8_t *levels, size_t n, const int64_t *indices, size_t k,
                        size_t max_depth, uint8_t *out, int32_t *lengths);

/* Check k inclusion proofs against one root (RFC 9162 section 2.1.3.2).
 *   leaves   IN   k * 32 leaf hashes
 *   indices  IN   k leaf indices (each < size checked here: out of range gives 0)
 *   paths    IN   k * max_depth * 32 bytes, row i holds lengths[i] hashes
 *   ok       OUT  k flags: 1 when the proof leads to root */
void lk_verify_inclusions(const uint8_t *leaves, const int64_t *indices, uint64_t size,
                          const uint8_t *paths, const int32_t *lengths, size_t max_depth,
                          size_t k, const uint8_t *root, uint8_t *ok);

/* Chain hashes c[i] = SHA-256(c[i-1] || leaves[i]) with c[-1] = prev.
 *   leaves  IN   n * 32 bytes
 *   prev    IN   32 bytes
 *   out     OUT  n * 32 bytes */
void lk_chain(const uint8_t *leaves, size_t n, const uint8_t *prev, uint8_t *out);

/* Verify a stored chain: leaf i must equal the leaf hash of item i of buf/offsets and
 * chain i must equal SHA-256(chain[i-1] || leaf i), chain[-1] = prev.
 * Returns -1 when everything matches, else the first bad index; *what is 1 when that
 * entry's leaf hash is wrong, 2 when its chain hash is wrong. */
int64_t lk_verify_chain(const uint8_t *buf, const int64_t *offsets, size_t n,
                        const uint8_t *leaves, const uint8_t *chain, const uint8_t *prev,
                        int *what);

/* Index of the first offset that breaks 0 <= offsets[0] <= ... <= offsets[n] <= buf_len,
 * or -1 when all n + 1 offsets are valid. */
int64_t lk_merkle_offsets_first_invalid(const int64_t *offsets, size_t n, int64_t buf_len);

#ifdef __cplusplus
}
#endif

#endif /* LK_MERKLE_H */
