/* Float32 vector kernels for vector search (dot product, squared L2), picked at
 * run time for the CPU: avx512f, avx2+fma or portable scalar.  No Python API. */
#ifndef LK_VECDIST_H
#define LK_VECDIST_H

#include <stddef.h>

typedef float (*lk_dist_fn)(const float *a, const float *b, size_t n);

/* sum_i a[i] * b[i] */
float lk_dot_f32(const float *a, const float *b, size_t n);
/* sum_i (a[i] - b[i])^2 */
float lk_l2sq_f32(const float *a, const float *b, size_t n);
/* The best implementation of each for this CPU (resolved once, thread-safe). */
lk_dist_fn lk_dot_f32_impl(void);
lk_dist_fn lk_l2sq_f32_impl(void);
/* "avx512", "avx2" or "scalar". */
const char *lk_vecdist_simd_name(void);

#endif
