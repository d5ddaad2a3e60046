/* Float32 dot product and squared L2 distance with run-time ISA dispatch.
 * See lk_vecdist.h.  Each variant keeps several independent accumulators so the
 * sum is order-stable for a given ISA and the loop is not latency bound. */
#include "lk_vecdist.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LK_X86 1
#define LK_TARGET(isa) __attribute__((target(isa)))
#endif

static float dot_scalar(const float *a, const float *b, size_t n) {
    float acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

static float l2sq_scalar(const float *a, const float *b, size_t n) {
    float acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) {
            float d = a[i + j] - b[i + j];
            acc[j] += d * d;
        }
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

#ifdef LK_X86
LK_TARGET("avx2,fma") static float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

LK_TARGET("avx2,fma") static float dot_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

LK_TARGET("avx2,fma") static float l2sq_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

LK_TARGET("avx512f") static float dot_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    s0 = _mm512_add_ps(s0, s1);
    if (i + 16 <= n) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        i += 16;
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s0);
    }
    return _mm512_reduce_add_ps(s0);
}

LK_TARGET("avx512f") static float l2sq_avx512(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
    }
    s0 = _mm512_add_ps(s0, s1);
    if (i + 16 <= n) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        i += 16;
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512 d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
    }
    return _mm512_reduce_add_ps(s0);
}
#endif

/* 0 = scalar, 1 = avx2, 2 = avx512; computed on first use.  A race only
 * computes the same value twice. */
static int simd_level(void) {
    static volatile int level = -1;
    if (level < 0) {
        int found = 0;
#ifdef LK_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) found = 2;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) found = 1;
#endif
        level = found;
    }
    return level;
}

lk_dist_fn lk_dot_f32_impl(void) {
#ifdef LK_X86
    switch (simd_level()) {
    case 2: return dot_avx512;
    case 1: return dot_avx2;
    default: break;
    }
#endif
    return dot_scalar;
}

lk_dist_fn lk_l2sq_f32_impl(void) {
#ifdef LK_X86
    switch (simd_level()) {
    case 2: return l2sq_avx512;
    case 1: return l2sq_avx2;
    default: break;
    }
#endif
    return l2sq_scalar;
}

float lk_dot_f32(const float *a, const float *b, size_t n) { return lk_dot_f32_impl()(a, b, n); }
float lk_l2sq_f32(const float *a, const float *b, size_t n) { return lk_l2sq_f32_impl()(a, b, n); }

const char *lk_vecdist_simd_name(void) {
    static const char *names[] = {"scalar", "avx2", "avx512"};
    return names[simd_level()];
}
