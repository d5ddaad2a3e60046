/*
 * lk_topk: threshold scans for the exact top-k selection (plain C, no Python API).
 *
 * The top-k kernel (topk.pyx) keeps, per query row, a min-heap of the k best scores
 * seen so far.  Once the heap is full, almost every new score loses against its root,
 * so the selection spends its time looking for the rare score that does not.  A scan
 * here finds the next such score: the first column j >= start whose (biased) score is
 * >= a threshold (the heap root).  ">=" and not ">" because an equal score with a
 * smaller id still enters the heap; the heap itself makes the exact decision.
 *
 * The scans exist in a portable scalar form and, on x86-64 with GCC or Clang, in
 * AVX2 and AVX-512F forms chosen once at run time from what the CPU supports (never
 * from the build machine's flags).  All forms return the same index: the biased
 * score is one IEEE addition, the same in every lane width.
 *
 * Conventions: reentrant and thread-safe, no allocation, no failure; the arguments
 * are trusted (finite scores, start <= n).
 */
#ifndef LK_TOPK_H
#define LK_TOPK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* First j in [start, n) with scores[j] + bias[j] >= threshold (or scores[j] >= threshold
 * when bias is NULL); n when there is none.
 *   scores  IN  n scores of one row
 *   bias    IN  n per-column offsets, or NULL */
typedef size_t (*lk_topk_scan_f32_fn)(const float *scores, const float *bias, size_t start,
                                      size_t n, float threshold);
typedef size_t (*lk_topk_scan_f64_fn)(const double *scores, const double *bias, size_t start,
                                      size_t n, double threshold);

/* One instruction set's pair of scans. */
typedef struct {
    const char *name; /* "avx512", "avx2" or "scalar" */
    lk_topk_scan_f32_fn scan_f32;
    lk_topk_scan_f64_fn scan_f64;
} lk_topk_scanner;

/* The fastest scanner this CPU can run (chosen once). */
const lk_topk_scanner *lk_topk_best_scanner(void);

/* Test hook: the scanner called `name`, or NULL when it is not compiled in or this CPU
 * lacks it. */
const lk_topk_scanner *lk_topk_named_scanner(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LK_TOPK_H */
