/*
 * ts_metrics.c: registering the tail sampler's series (ts_metrics.h).
 */
#include "ts_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "otelcol_processor_tail_sampling_"

static const double latency_buckets[] = {1,    2,    5,    10,   25,    50,    75,   100,
                                         150,  200,  300,  400,  500,   750,   1000, 2000,
                                         3000, 4000, 5000, 10000, 20000, 30000, 50000};
static const double age_buckets[] = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 7200};
static const char *const dec_names[TS_DEC_COUNT] = {"sampled", "not_sampled", "dropped"};

typedef struct reg {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const char *labels[16]; /* processor, pipeline, then the metric's own */
} reg;

/* Registers the series into *out (NULL if the host refused it). */
static void series(reg *r, otelc_series **out, const char *name, otelc_metric_type type,
                   const char *help, const char *const *extra)
{
    const char *labels[16];
    size_t n = 0;
    for (; r->labels[n]; n++)
        labels[n] = r->labels[n];
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        labels[n++] = extra[i];
    labels[n] = NULL;
    bool hist = type == OTELC_HISTOGRAM;
    bool ages = hist && strstr(name, "_age");
    otelc_metric_desc d = {
        .name = name, .help = help, .type = type, .labels = labels,
        .buckets = !hist ? NULL : ages ? age_buckets : latency_buckets,
        .nbuckets = !hist ? 0 : ages ? sizeof(age_buckets) / sizeof(double)
                                     : sizeof(latency_buckets) / sizeof(double)};
    *out = r->api->metric(r->ctx, &d);
}

/* The policy label: the collector's "<component name>.<policy>", or just
 * the policy for an instance without a name ("tail_sampling"). */
static void policy_label(otelc_ctx *ctx, const otelc_host_api *api, const char *policy,
                         char *out, size_t size)
{
    const char *slash = strchr(api->instance_id(ctx), '/');
    if (slash)
        snprintf(out, size, "%s.%s", slash + 1, policy);
    else
        snprintf(out, size, "%s", policy);
}

static void policy_series(reg *r, const char *policy, ts_policy_series *ps)
{
    char label[256];
    policy_label(r->ctx, r->api, policy, label, sizeof(label));
    for (int d = 0; d < TS_DEC_COUNT; d++) {
        const char *extra[] = {"policy", label, "sampled", d == TS_DEC_SAMPLED ? "true" : "false",
                               "decision", dec_names[d], NULL};
        series(r, &ps->traces[d], PREFIX "count_traces_sampled_total", OTELC_COUNTER,
                               "Count of traces that were sampled or not per sampling policy",
                               extra);
        series(r, &ps->spans[d], PREFIX "count_spans_sampled_total", OTELC_COUNTER,
                              "Count of spans that were sampled or not per sampling policy",
                              extra);
    }
    const char *extra[] = {"policy", label, NULL};
    series(r, &ps->latency, PREFIX "sampling_decision_latency", OTELC_HISTOGRAM,
                         "Latency (in microseconds) of a given sampling policy", extra);
}

static void sampled_pair(reg *r, const char *name, const char *help, otelc_series *out[2])
{
    for (int s = 0; s < 2; s++) {
        const char *extra[] = {"sampled", s ? "true" : "false", NULL};
        series(r, &out[s], name, OTELC_COUNTER, help, extra);
    }
}

static void counters(reg *r, ts_metrics *m)
{
    series(r, &m->new_traces, PREFIX "new_trace_id_received_total", OTELC_COUNTER,
                           "Counts the arrival of new traces", NULL);
    series(r, &m->dropped_too_early, PREFIX "sampling_trace_dropped_too_early_total",
                                  OTELC_COUNTER, "Count of traces that needed to be dropped "
                                  "before the configured wait time (none in otelc)", NULL);
    series(r, &m->decided_early, PREFIX "sampling_trace_decided_early_total", OTELC_COUNTER,
                              "Traces decided before their wait ended, past num_traces", NULL);
    series(r, &m->eval_errors, PREFIX "sampling_policy_evaluation_error_total", OTELC_COUNTER,
                            "Count of sampling policy evaluation errors", NULL);
    series(r, &m->restored, PREFIX "sampling_traces_restored_total", OTELC_COUNTER,
                         "Undecided traces read back from storage at start", NULL);
    series(r, &m->refused_downstream, PREFIX "sampling_traces_refused_downstream_total",
                                   OTELC_COUNTER, "Sampled traces the next stage refused for good",
                                   NULL);
    sampled_pair(r, PREFIX "early_releases_from_cache_decision_total",
                 "Number of spans that were able to be immediately released due to a decision "
                 "cache hit.", m->cache_release);
    sampled_pair(r, PREFIX "sampling_late_spans_total",
                 "Spans of traces already decided, passed on or dropped by that decision",
                 m->late_spans);
    for (int d = 0; d < TS_DEC_COUNT; d++) {
        const char *extra[] = {"sampled", d == TS_DEC_SAMPLED ? "true" : "false", "decision",
                               dec_names[d], NULL};
        series(r, &m->global[d], PREFIX "global_count_traces_sampled_total", OTELC_COUNTER,
                              "Global count of traces that were sampled or not by at least one "
                              "policy", extra);
    }
}

static void others(reg *r, ts_metrics *m)
{
    series(r, &m->on_memory, PREFIX "sampling_traces_on_memory", OTELC_GAUGE,
                          "Tracks the number of traces current on memory", NULL);
    series(r, &m->timer_latency, PREFIX "sampling_decision_timer_latency", OTELC_HISTOGRAM,
                              "Latency (in milliseconds) of each run of the sampling decision "
                              "timer", NULL);
    series(r, &m->late_age, PREFIX "sampling_late_span_age", OTELC_HISTOGRAM,
                         "Time (in seconds) from the sampling decision was taken and the "
                         "arrival of a late span", NULL);
    series(r, &m->removal_age, PREFIX "sampling_trace_removal_age", OTELC_HISTOGRAM,
                            "Time (in seconds) from arrival of a new trace until its removal "
                            "from memory", NULL);
}

int ts_metrics_init(ts_metrics *m, otelc_ctx *ctx, const otelc_host_api *api,
                    const ts_policy_set *ps)
{
    reg r = {ctx, api, {"processor", api->instance_id(ctx), "pipeline", api->pipeline_id(ctx)}};
    memset(m, 0, sizeof(*m));
    m->api = api;
    if (!r.labels[3])
        r.labels[2] = NULL; /* no pipeline (not a processor instance) */
    m->policy = calloc(ps->n ? ps->n : 1, sizeof(*m->policy));
    if (!m->policy)
        return -1;
    for (size_t i = 0; i < ps->n; i++)
        policy_series(&r, ps->v[i]->name, &m->policy[i]);
    counters(&r, m);
    others(&r, m);
    return 0;
}

void ts_metrics_free(ts_metrics *m)
{
    free(m->policy);
    m->policy = NULL;
}

int ts_dec_index(ts_decision d)
{
    switch (d) {
    case TS_SAMPLED:
    case TS_INVERT_SAMPLED: return TS_DEC_SAMPLED;
    case TS_DROPPED: return TS_DEC_DROPPED;
    default: return TS_DEC_NOT_SAMPLED;
    }
}
