/*
 * servicegraph.c: the collector's service_graph connector (alias
 * servicegraph): requests between services, paired from client and server
 * spans, as metrics a service graph is drawn from (Grafana's, Tempo's).
 *
 * An exporter in traces pipelines, a receiver in metrics pipelines. It
 * reads spans with the SDK walker and answers its upstream at once; the
 * store of half-seen requests and the series live in memory, as in the
 * collector. The emitter's thread expires the store every
 * store_expiration_loop, drops stale series every cache_loop, and emits
 * every metrics_flush_interval (0: as soon as a request was consumed) and
 * at shutdown. consume may run on several threads at once: one mutex
 * serialises the store and the series.
 *
 * Spans of one trace must reach the same instance to be paired: behind
 * several instances, route by trace id first (load_balancing).
 */
#include <stdlib.h>

#include <otelc/sdk/clock.h>

#include "sg.h"

static void register_metrics(sg *g)
{
    const char *labels[] = {"connector", g->api->instance_id(g->ctx), NULL};
    otelc_metric_desc d = {.type = OTELC_COUNTER, .labels = labels};
    d.name = "otelcol_connector_servicegraph_dropped_spans_total";
    d.help = "Number of spans dropped when trying to add edges";
    g->m_dropped = g->api->metric(g->ctx, &d);
    d.name = "otelcol_connector_servicegraph_expired_edges_total";
    d.help = "Number of edges that expired before finding its matching span";
    g->m_expired = g->api->metric(g->ctx, &d);
    d.name = "otelcol_connector_servicegraph_total_edges_total";
    d.help = "Total number of unique edges";
    g->m_total = g->api->metric(g->ctx, &d);
    d.name = "otelc_connector_servicegraph_capped_edges_total";
    d.help = "Requests of new series not recorded: max_series reached.";
    g->m_capped = g->api->metric(g->ctx, &d);
}

/* Housekeeping on the emitter's thread: expiry, then stale series. */
static void tick(void *arg)
{
    sg *g = arg;
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&g->mu);
    sg_store_expire(g, now);
    if (now >= g->next_clean_ns) {
        sg_series_clean(g, now);
        g->next_clean_ns = now + g->clean_every_ns;
    }
    pthread_mutex_unlock(&g->mu);
}

static void sg_destroy(void *state)
{
    sg *g = state;
    otlpm_emitter_free(g->emitter);
    sg_store_free(g);
    sg_series_free(g);
    sg_config_free(g);
    pbw_free(&g->key);
    pbw_free(&g->scratch);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static int make_emitter(sg *g)
{
    int64_t expire = g->cfg->store_expiration_loop_ns > 0 ? g->cfg->store_expiration_loop_ns
                                                          : 2000000000LL;
    otlpm_emitter_cfg ec = {.ctx = g->ctx,
                            .api = g->api,
                            .interval_ns = g->cfg->flush_interval_ns,
                            .tick_ns = expire,
                            .build = sg_build,
                            .tick = tick,
                            .arg = g};
    g->emitter = otlpm_emitter_new(&ec);
    return g->emitter ? 0 : -1;
}

static int sg_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    sg *g = calloc(1, sizeof(*g));
    if (!g)
        return -1;
    *g = (sg){.ctx = ctx, .api = api, .cfg = cfg};
    pthread_mutex_init(&g->mu, NULL);
    otlpm_table_init(&g->edges);
    otlpm_table_init(&g->series);
    pbw_init(&g->key);
    pbw_init(&g->scratch);
    if (sg_config_init(g) != 0 || make_emitter(g) != 0) {
        sg_destroy(g);
        return -1;
    }
    /* the collector replaces loops of 0 or less by their defaults */
    g->clean_every_ns = g->cfg->cache_loop_ns > 0 ? g->cfg->cache_loop_ns : 60000000000LL;
    g->next_clean_ns = otelc_mono_ns() + g->clean_every_ns;
    register_metrics(g);
    *state = g;
    return 0;
}

static int sg_start(void *state)
{
    sg *g = state;
    return otlpm_emitter_start(g->emitter);
}

/* Reads the spans and answers at once: nothing downstream waits on them. */
static otelc_status sg_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    sg *g = state;
    (void)t;
    const uint8_t *p = otelc_batch_flat(b);
    if (!p)
        return OTELC_RETRY;
    pthread_mutex_lock(&g->mu);
    int rc = sg_aggregate(g, p, otelc_batch_len(b));
    pthread_mutex_unlock(&g->mu);
    if (g->cfg->flush_interval_ns <= 0)
        otlpm_emitter_wake(g->emitter);
    if (rc != OTLP_OK) {
        g->api->log(g->ctx, OTELC_LOG_WARN, "a malformed request: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    return OTELC_OK;
}

static void sg_resume(void *state)
{
    sg *g = state;
    otlpm_emitter_wake(g->emitter);
}

static int sg_flush(void *state, int64_t deadline_ns)
{
    sg *g = state;
    return otlpm_emitter_flush(g->emitter, deadline_ns);
}

static int sg_shutdown(void *state, int64_t deadline_ns)
{
    sg *g = state;
    return otlpm_emitter_stop(g->emitter, deadline_ns);
}

static const otelc_connect sg_pairs[] = {
    {OTELC_TRACES, OTELC_METRICS},
    {0, 0},
};

static const otelc_plugin sg_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_CONNECTOR,
    .type = "service_graph",
    .version = "1.0.0",
    .doc = "requests between services from paired client and server spans (alias servicegraph)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = sg_keys,
    .config_size = sizeof(sg_cfg),
    .create = sg_create,
    .start = sg_start,
    .consume = sg_consume,
    .resume = sg_resume,
    .flush = sg_flush,
    .shutdown = sg_shutdown,
    .destroy = sg_destroy,
    .connects = sg_pairs,
};

OTELC_PLUGIN(sg_plugin)
