/*
 * retry.h: exponential back-off with jitter, as the collector's
 * retry_on_failure configures it.
 */
#ifndef OTELC_CORE_RETRY_H
#define OTELC_CORE_RETRY_H

#include <stdbool.h>
#include <stdint.h>

typedef struct retry_cfg {
    bool enabled;               /* default true */
    int64_t initial_interval;   /* ns, default 5s */
    double randomization_factor;/* default 0.5 */
    double multiplier;          /* default 1.5 */
    int64_t max_interval;       /* ns, default 30s */
    int64_t max_elapsed_time;   /* ns, default 300s; 0 = retry forever */
} retry_cfg;

typedef struct retry_state {
    int64_t started_ns;  /* monotonic time of the first failure */
    int64_t interval_ns; /* the next un-jittered interval */
} retry_state;

void retry_cfg_defaults(retry_cfg *cfg);

/* Starts a back-off sequence at monotonic time now_ns. */
void retry_begin(retry_state *st, const retry_cfg *cfg, int64_t now_ns);

/* The wait before the next attempt, or -1 when retrying must stop
 * (disabled, or max_elapsed_time would be passed). seed feeds the jitter. */
int64_t retry_next(retry_state *st, const retry_cfg *cfg, int64_t now_ns, uint64_t *seed);

#endif
