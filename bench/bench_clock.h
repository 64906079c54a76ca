/* bench_clock.h: wall and CPU time, peak memory, for benchmark tables.
 * Each reads the clock or getrusage(RUSAGE_SELF); any thread. */
#ifndef OTELC_BENCH_CLOCK_H
#define OTELC_BENCH_CLOCK_H

#include <stdint.h>

double bench_now(void);        /* monotonic seconds */
double bench_cpu(void);        /* this process's user+system seconds */
long bench_peak_rss_kib(void); /* ru_maxrss */

#endif
