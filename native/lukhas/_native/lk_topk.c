/*
 * lk_topk.c: threshold scans for the exact top-k selection.  See lk_topk.h.
 *
 * Each SIMD scan compares a chunk of 4 vectors against the threshold and ORs the four
 * masks: the common case (no survivor in the chunk) costs four loads, four compares
 * and one test.  A chunk with a survivor, and the tail shorter than a chunk, are
 * finished by the scalar scan, so every form returns exactly the scalar answer.
 */
#include "lk_topk.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LK_X86_SIMD 1
#include <immintrin.h>
#define LK_TARGET(isa) __attribute__((target(isa)))
#else
#define LK_X86_SIMD 0
#endif

/* ---- portable scalar scans ---- */

static size_t scan_f32_scalar(const float *s, const float *b, size_t j, size_t n, float t) {
    if (b == NULL) {
        for (; j < n; j++)
            if (s[j] >= t) return j;
    } else {
        for (; j < n; j++) {
            const float v = s[j] + b[j];
            if (v >= t) return j;
        }
    }
    return n;
}

static size_t scan_f64_scalar(const double *s, const double *b, size_t j, size_t n, double t) {
    if (b == NULL) {
        for (; j < n; j++)
            if (s[j] >= t) return j;
    } else {
        for (; j < n; j++) {
            const double v = s[j] + b[j];
            if (v >= t) return j;
        }
    }
    return n;
}

static const lk_topk_scanner k_scanner_scalar = {"scalar", scan_f32_scalar, scan_f64_scalar};

#if LK_X86_SIMD

/* ---- AVX2: 4 x 8 floats or 4 x 4 doubles per chunk ---- */

LK_TARGET("avx2")
static size_t scan_f32_avx2(const float *s, const float *b, size_t j, size_t n, float t) {
    const __m256 vt = _mm256_set1_ps(t);
    for (; j + 32 <= n; j += 32) {
        __m256 x0 = _mm256_loadu_ps(s + j), x1 = _mm256_loadu_ps(s + j + 8);
        __m256 x2 = _mm256_loadu_ps(s + j + 16), x3 = _mm256_loadu_ps(s + j + 24);
        if (b != NULL) {
            x0 = _mm256_add_ps(x0, _mm256_loadu_ps(b + j));
            x1 = _mm256_add_ps(x1, _mm256_loadu_ps(b + j + 8));
            x2 = _mm256_add_ps(x2, _mm256_loadu_ps(b + j + 16));
            x3 = _mm256_add_ps(x3, _mm256_loadu_ps(b + j + 24));
        }
        const __m256 m = _mm256_or_ps(
            _mm256_or_ps(_mm256_cmp_ps(x0, vt, _CMP_GE_OQ), _mm256_cmp_ps(x1, vt, _CMP_GE_OQ)),
            _mm256_or_ps(_mm256_cmp_ps(x2, vt, _CMP_GE_OQ), _mm256_cmp_ps(x3, vt, _CMP_GE_OQ)));
        if (_mm256_movemask_ps(m)) return scan_f32_scalar(s, b, j, j + 32, t);
    }
    return scan_f32_scalar(s, b, j, n, t);
}

LK_TARGET("avx2")
static size_t scan_f64_avx2(const double *s, const double *b, size_t j, size_t n, double t) {
    const __m256d vt = _mm256_set1_pd(t);
    for (; j + 16 <= n; j += 16) {
        __m256d x0 = _mm256_loadu_pd(s + j), x1 = _mm256_loadu_pd(s + j + 4);
        __m256d x2 = _mm256_loadu_pd(s + j + 8), x3 = _mm256_loadu_pd(s + j + 12);
        if (b != NULL) {
            x0 = _mm256_add_pd(x0, _mm256_loadu_pd(b + j));
            x1 = _mm256_add_pd(x1, _mm256_loadu_pd(b + j + 4));
            x2 = _mm256_add_pd(x2, _mm256_loadu_pd(b + j + 8));
            x3 = _mm256_add_pd(x3, _mm256_loadu_pd(b + j + 12));
        }
        const __m256d m = _mm256_or_pd(
            _mm256_or_pd(_mm256_cmp_pd(x0, vt, _CMP_GE_OQ), _mm256_cmp_pd(x1, vt, _CMP_GE_OQ)),
            _mm256_or_pd(_mm256_cmp_pd(x2, vt, _CMP_GE_OQ), _mm256_cmp_pd(x3, vt, _CMP_GE_OQ)));
        if (_mm256_movemask_pd(m)) return scan_f64_scalar(s, b, j, j + 16, t);
    }
    return scan_f64_scalar(s, b, j, n, t);
}

static const lk_topk_scanner k_scanner_avx2 = {"avx2", scan_f32_avx2, scan_f64_avx2};

/* ---- AVX-512F: 4 x 16 floats or 4 x 8 doubles per chunk ---- */

LK_TARGET("avx512f")
static size_t scan_f32_avx512(const float *s, const float *b, size_t j, size_t n, float t) {
    const __m512 vt = _mm512_set1_ps(t);
    for (; j + 64 <= n; j += 64) {
        __m512 x0 = _mm512_loadu_ps(s + j), x1 = _mm512_loadu_ps(s + j + 16);
        __m512 x2 = _mm512_loadu_ps(s + j + 32), x3 = _mm512_loadu_ps(s + j + 48);
        if (b != NULL) {
            x0 = _mm512_add_ps(x0, _mm512_loadu_ps(b + j));
            x1 = _mm512_add_ps(x1, _mm512_loadu_ps(b + j + 16));
            x2 = _mm512_add_ps(x2, _mm512_loadu_ps(b + j + 32));
            x3 = _mm512_add_ps(x3, _mm512_loadu_ps(b + j + 48));
        }
        const __mmask16 m = (__mmask16)(_mm512_cmp_ps_mask(x0, vt, _CMP_GE_OQ) |
                                         _mm512_cmp_ps_mask(x1, vt, _CMP_GE_OQ) |
                                         _mm512_cmp_ps_mask(x2, vt, _CMP_GE_OQ) |
                                         _mm512_cmp_ps_mask(x3, vt, _CMP_GE_OQ));
        if (m) return scan_f32_scalar(s, b, j, j + 64, t);
    }
    return scan_f32_scalar(s, b, j, n, t);
}

LK_TARGET("avx512f")
static size_t scan_f64_avx512(const double *s, const double *b, size_t j, size_t n, double t) {
    const __m512d vt = _mm512_set1_pd(t);
    for (; j + 32 <= n; j += 32) {
        __m512d x0 = _mm512_loadu_pd(s + j), x1 = _mm512_loadu_pd(s + j + 8);
        __m512d x2 = _mm512_loadu_pd(s + j + 16), x3 = _mm512_loadu_pd(s + j + 24);
        if (b != NULL) {
            x0 = _mm512_add_pd(x0, _mm512_loadu_pd(b + j));
            x1 = _mm512_add_pd(x1, _mm512_loadu_pd(b + j + 8));
            x2 = _mm512_add_pd(x2, _mm512_loadu_pd(b + j + 16));
            x3 = _mm512_add_pd(x3, _mm512_loadu_pd(b + j + 24));
        }
        const __mmask8 m = (__mmask8)(_mm512_cmp_pd_mask(x0, vt, _CMP_GE_OQ) |
                                      _mm512_cmp_pd_mask(x1, vt, _CMP_GE_OQ) |
                                      _mm512_cmp_pd_mask(x2, vt, _CMP_GE_OQ) |
                                      _mm512_cmp_pd_mask(x3, vt, _CMP_GE_OQ));
        if (m) return scan_f64_scalar(s, b, j, j + 32, t);
    }
    return scan_f64_scalar(s, b, j, n, t);
}

static const lk_topk_scanner k_scanner_avx512 = {"avx512", scan_f32_avx512, scan_f64_avx512};

#endif /* LK_X86_SIMD */

/* The scanners compiled in that this CPU can run, best first; returns how many. */
static size_t usable_scanners(const lk_topk_scanner **found) {
    size_t n = 0;
#if LK_X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) found[n++] = &k_scanner_avx512;
    if (__builtin_cpu_supports("avx2")) found[n++] = &k_scanner_avx2;
#endif
    found[n++] = &k_scanner_scalar;
    return n;
}

/* Run-time choice, made once (a benign race: every thread computes the same answer). */
static const lk_topk_scanner *g_best_scanner;

const lk_topk_scanner *lk_topk_best_scanner(void) {
    const lk_topk_scanner *best = __atomic_load_n(&g_best_scanner, __ATOMIC_ACQUIRE);
    if (best == NULL) {
        const lk_topk_scanner *found[3];
        (void)usable_scanners(found);
        best = found[0];
        __atomic_store_n(&g_best_scanner, best, __ATOMIC_RELEASE);
    }
    return best;
}

const lk_topk_scanner *lk_topk_named_scanner(const char *name) {
    const lk_topk_scanner *found[3];
    const size_t n = usable_scanners(found);
    for (size_t i = 0; i < n; i++)
        if (strcmp(found[i]->name, name) == 0) return found[i];
    return NULL;
}
