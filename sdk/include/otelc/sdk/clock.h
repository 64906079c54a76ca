/*
 * otelc/sdk/clock.h: the two clocks every part of otelc reads, header
 * only. Monotonic time for deadlines, intervals and timeouts (and for
 * pthread_cond_timedwait on a condition variable set to CLOCK_MONOTONIC);
 * real time for what is written down (receive and enqueue times, object
 * keys). Both in nanoseconds. Thread-safe, no allocation.
 */
#ifndef OTELC_SDK_CLOCK_H
#define OTELC_SDK_CLOCK_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline int64_t otelc_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_MONOTONIC, ns: for measuring and waiting. */
static inline int64_t otelc_mono_ns(void) { return otelc_clock_ns(CLOCK_MONOTONIC); }

/* CLOCK_REALTIME, ns since the Unix epoch: for timestamps. */
static inline int64_t otelc_real_ns(void) { return otelc_clock_ns(CLOCK_REALTIME); }

/* ns as a struct timespec (an absolute time for a timed wait on the clock
 * it was read from). */
static inline struct timespec otelc_timespec(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    return ts;
}

#ifdef __cplusplus
}
#endif
#endif /* OTELC_SDK_CLOCK_H */
