/*
 * ts_metrics.h: the tail sampler's metrics, with the collector's names
 * (otelcol_processor_tail_sampling_*) and labels, plus otelc's own where
 * otelc does something the collector does not (traces decided early
 * instead of dropped, traces restored from storage). Every series
 * carries the processor and pipeline labels. Registered in create;
 * updates are lock-free, any thread.
 */
#ifndef OTELC_TS_METRICS_H
#define OTELC_TS_METRICS_H

#include <otelc/plugin.h>

#include "policy_config.h"

/* The decision label's values. */
enum { TS_DEC_SAMPLED, TS_DEC_NOT_SAMPLED, TS_DEC_DROPPED, TS_DEC_COUNT };

typedef struct ts_policy_series {
    otelc_series *traces[TS_DEC_COUNT], *spans[TS_DEC_COUNT];
    otelc_series *latency; /* microseconds */
} ts_policy_series;

typedef struct ts_metrics {
    const otelc_host_api *api;
    ts_policy_series *policy; /* one per policy of the set, in its order */
    otelc_series *global[TS_DEC_COUNT];
    otelc_series *new_traces, *dropped_too_early, *decided_early, *eval_errors;
    otelc_series *cache_release[2]; /* [sampled] spans */
    otelc_series *late_spans[2];    /* [sampled] spans */
    otelc_series *on_memory;        /* gauge: traces */
    otelc_series *timer_latency;    /* ms per decision round */
    otelc_series *late_age;         /* s from decision to a late span */
    otelc_series *removal_age;      /* s from arrival to leaving memory */
    otelc_series *restored, *refused_downstream;
} ts_metrics;

/* 0, or -1 if memory ran out. */
int ts_metrics_init(ts_metrics *m, otelc_ctx *ctx, const otelc_host_api *api,
                    const ts_policy_set *ps);
void ts_metrics_free(ts_metrics *m);

/* The decision label index of a policy's answer (not TS_ERROR). */
int ts_dec_index(ts_decision d);

static inline void ts_count(const ts_metrics *m, otelc_series *s, double v)
{
    if (s)
        m->api->metric_add(s, v);
}

static inline void ts_observe(const ts_metrics *m, otelc_series *s, double v)
{
    if (s)
        m->api->metric_observe(s, v);
}

/* Whole seconds, milliseconds and microseconds of a duration, truncated
 * as the collector records them. */
static inline double ts_seconds(int64_t ns)
{
    int64_t s = ns / 1000000000;
    return (double)s;
}

static inline double ts_millis(int64_t ns)
{
    int64_t ms = ns / 1000000;
    return (double)ms;
}

static inline double ts_micros(int64_t ns)
{
    int64_t us = ns / 1000;
    return (double)us;
}

static inline void ts_gauge(const ts_metrics *m, otelc_series *s, double v)
{
    if (s)
        m->api->metric_set(s, v);
}

#endif /* OTELC_TS_METRICS_H */
