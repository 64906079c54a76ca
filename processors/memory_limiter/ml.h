/*
 * ml.h: the memory_limiter's keys, its limits, and the memory figures it
 * reads; private to processors/memory_limiter.
 */
#ifndef OTELC_PROC_ML_H
#define OTELC_PROC_ML_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

/* The collector's keys, as the host fills them. */
typedef struct ml_cfg {
    int64_t check_interval_ns; /* required, > 0 */
    int64_t limit_mib;
    int64_t spike_limit_mib;        /* 0: 20 % of the limit */
    int64_t limit_percentage;       /* of the cgroup limit, else of total memory */
    int64_t spike_limit_percentage; /* 0: 20 % of the limit */
    int64_t release_soft_ns;        /* min_gc_interval_when_soft_limited; 0: never */
    int64_t release_hard_ns;        /* min_gc_interval_when_hard_limited; 0: every check */
} ml_cfg;

extern const otelc_cfg_key ml_config_keys[];

/* Bytes: above soft, data is refused; hard is the limit itself. */
typedef struct ml_limits {
    uint64_t hard, soft;
} ml_limits;

/*
 * The limits cfg asks for, total being the memory the process may use
 * (ml_total_memory). Returns 0, or -1 with the collector's reason in why
 * (cap bytes). Pure.
 */
int ml_limits_of(const ml_cfg *cfg, uint64_t total, ml_limits *out, char *why, size_t cap);

/* The cgroup's memory limit when it has one, else the machine's memory;
 * 0 if neither can be read. */
uint64_t ml_total_memory(void);

/* The process's anonymous resident memory (RssAnon) in bytes; 0 if it
 * cannot be read. */
uint64_t ml_rss_anon(void);

#endif /* OTELC_PROC_ML_H */
