/* One-byte spin locks and an atomic counter for short critical sections shared
 * by GIL-free worker threads (GCC/Clang __atomic builtins).  No Python API.
 *
 * A lock is a zero-initialised uint8_t.  Waiters spin on a plain load (no bus
 * traffic while the lock is held), pause between probes, and yield the CPU after
 * a while so that an oversubscribed machine does not burn the holder's time.
 * Acquire/release ordering makes everything written under a lock visible to
 * the next holder. */
#ifndef LK_SPINLOCK_H
#define LK_SPINLOCK_H

#include <sched.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LK_CPU_RELAX() _mm_pause()
#else
#define LK_CPU_RELAX() ((void)0)
#endif

/* Probes before a waiter starts yielding its time slice. */
#define LK_SPINS_BEFORE_YIELD 128

static inline void lk_spin_lock(uint8_t *lock) {
    unsigned spins = 0;
    while (__atomic_exchange_n(lock, (uint8_t)1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
            if (++spins < LK_SPINS_BEFORE_YIELD)
                LK_CPU_RELAX();
            else
                sched_yield();
        }
    }
}

static inline void lk_spin_unlock(uint8_t *lock) {
    __atomic_store_n(lock, (uint8_t)0, __ATOMIC_RELEASE);
}

/* Return *counter and add `step` to it, atomically. */
static inline int64_t lk_fetch_add_i64(int64_t *counter, int64_t step) {
    return __atomic_fetch_add(counter, step, __ATOMIC_RELAXED);
}

#endif
