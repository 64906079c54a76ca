/*
 * spanmetrics.c: the collector's span_metrics connector (alias
 * spanmetrics): request, error and duration metrics derived from spans.
 *
 * An exporter in traces pipelines, a receiver in metrics pipelines. It
 * only reads the spans it is given (the SDK walker, no copy) and answers
 * its upstream at once: what it derives lives in memory, as in the
 * collector, and leaves on the emitter's thread every
 * metrics_flush_interval and at shutdown. consume may run on several
 * threads at once; the aggregation is serialised by one mutex, which the
 * flush holds only while it writes the request.
 */
#include <stdlib.h>

#include "sm.h"

static void register_metrics(sm *s)
{
    const char *labels[] = {"connector", s->api->instance_id(s->ctx), NULL};
    otelc_metric_desc d = {.type = OTELC_COUNTER, .labels = labels};
    d.name = "otelc_connector_spanmetrics_overflow_total";
    d.help = "Measurements folded into an overflow series: aggregation_cardinality_limit reached.";
    s->m_overflow = s->api->metric(s->ctx, &d);
    d.name = "otelc_connector_spanmetrics_capped_total";
    d.help = "Measurements folded into an overflow series: max_series reached.";
    s->m_capped = s->api->metric(s->ctx, &d);
    d.name = "otelc_connector_spanmetrics_dropped_resources_total";
    d.help = "Resources pushed out of the cache before their last flush.";
    s->m_dropped_resources = s->api->metric(s->ctx, &d);
}

static void sm_destroy(void *state)
{
    sm *s = state;
    otlpm_emitter_free(s->emitter);
    sm_state_free(s);
    sm_config_free(s);
    pbw_free(&s->key);
    pbw_free(&s->scratch);
    free(s->kvs);
    free(s->delta_ts);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static int make_emitter(sm *s)
{
    otlpm_emitter_cfg ec = {.ctx = s->ctx,
                            .api = s->api,
                            .interval_ns = s->cfg->flush_interval_ns,
                            .build = sm_build,
                            .arg = s};
    s->emitter = otlpm_emitter_new(&ec);
    return s->emitter ? 0 : -1;
}

static int sm_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    sm *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    *s = (sm){.ctx = ctx, .api = api, .cfg = cfg};
    pthread_mutex_init(&s->mu, NULL);
    otlpm_table_init(&s->resources);
    pbw_init(&s->key);
    pbw_init(&s->scratch);
    int rc = sm_config_init(s);
    if (rc == 0 && s->delta) {
        s->ndelta_ts = (size_t)s->cfg->timestamp_cache_size;
        s->delta_ts = calloc(s->ndelta_ts, sizeof(*s->delta_ts));
        rc = s->delta_ts ? 0 : -1;
    }
    if (rc == 0)
        rc = make_emitter(s);
    if (rc != 0) {
        sm_destroy(s);
        return -1;
    }
    register_metrics(s);
    *state = s;
    return 0;
}

static int sm_start(void *state)
{
    sm *s = state;
    return otlpm_emitter_start(s->emitter);
}

/* Reads the spans and answers at once: nothing downstream waits on them. */
static otelc_status sm_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    sm *s = state;
    (void)t;
    const uint8_t *p = otelc_batch_flat(b);
    if (!p)
        return OTELC_RETRY;
    pthread_mutex_lock(&s->mu);
    int rc = sm_aggregate(s, p, otelc_batch_len(b));
    pthread_mutex_unlock(&s->mu);
    if (rc != OTLP_OK) {
        s->api->log(s->ctx, OTELC_LOG_WARN, "a malformed request: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    return OTELC_OK;
}

/* The metrics pipelines have room again: offer what they refused. */
static void sm_resume(void *state)
{
    sm *s = state;
    otlpm_emitter_wake(s->emitter);
}

static int sm_flush(void *state, int64_t deadline_ns)
{
    sm *s = state;
    return otlpm_emitter_flush(s->emitter, deadline_ns);
}

static int sm_shutdown(void *state, int64_t deadline_ns)
{
    sm *s = state;
    return otlpm_emitter_stop(s->emitter, deadline_ns);
}

static const otelc_connect sm_pairs[] = {
    {OTELC_TRACES, OTELC_METRICS},
    {0, 0},
};

static const otelc_plugin sm_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_CONNECTOR,
    .type = "span_metrics",
    .version = "1.0.0",
    .doc = "request, error and duration metrics from spans (alias spanmetrics)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = sm_keys,
    .config_size = sizeof(sm_cfg),
    .create = sm_create,
    .start = sm_start,
    .consume = sm_consume,
    .resume = sm_resume,
    .flush = sm_flush,
    .shutdown = sm_shutdown,
    .destroy = sm_destroy,
    .connects = sm_pairs,
};

OTELC_PLUGIN(sm_plugin)
