/*
 * count.c: an example exporter built out of tree against the installed
 * otelc SDK. It counts the spans and batches it receives, answers at
 * once, and serves the counts on the admin server:
 *
 *   GET /count/<id>   {"batches":N,"spans":N}
 *
 * What it shows: the descriptor and its key table, create/start/destroy,
 * consume with a lent batch, a metric, an admin route answered from the
 * admin thread, and state shared across consumer threads with atomics.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <otelc/plugin.h>

typedef struct count_cfg {
    const char *route; /* the admin path; NULL: /count/<id> */
} count_cfg;

typedef struct count {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    atomic_ullong batches, spans;
    otelc_series *spans_total;
    char route[200];
} count;

static void on_count(void *arg, otelc_http_req *req)
{
    count *c = arg;
    char body[96];
    int n = snprintf(body, sizeof(body), "{\"batches\":%llu,\"spans\":%llu}\n",
                     atomic_load(&c->batches), atomic_load(&c->spans));
    static const char *const headers[] = {"Content-Type", "application/json", NULL};
    c->api->http_respond(req, 200, headers, body, (size_t)n);
}

static int count_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp,
                        void **state)
{
    const count_cfg *cfg = cfgp;
    count *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    c->ctx = ctx;
    c->api = api;
    snprintf(c->route, sizeof(c->route), "%s%s", cfg->route ? cfg->route : "/count/",
             cfg->route ? "" : api->instance_id(ctx));
    const char *labels[] = {"exporter", api->instance_id(ctx), NULL};
    otelc_metric_desc d = {.name = "count_exporter_spans_total",
                           .help = "Spans the count exporter received",
                           .type = OTELC_COUNTER, .labels = labels};
    c->spans_total = api->metric(ctx, &d);
    *state = c;
    return c->spans_total ? 0 : -1;
}

static int count_start(void *state)
{
    count *c = state;
    return c->api->route(c->ctx, "GET", c->route, on_count, c);
}

/* b is lent for this call only: read what is needed, keep nothing. */
static otelc_status count_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    count *c = state;
    (void)t; /* answered at once: no ticket to complete */
    uint32_t spans = otelc_batch_spans(b);
    atomic_fetch_add(&c->batches, 1);
    atomic_fetch_add(&c->spans, spans);
    c->api->metric_add(c->spans_total, spans);
    return OTELC_OK;
}

static void count_destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key count_keys[] = {
    {"route", OTELC_CFG_STRING, NULL, "admin path of the counts (default /count/<id>)",
     offsetof(count_cfg, route), 0},
    {0},
};

static const otelc_plugin count_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "count",
    .version = "1.0.0",
    .doc = "counts spans and batches; GET /count/<id>",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = count_keys,
    .config_size = sizeof(count_cfg),
    .create = count_create,
    .start = count_start,
    .consume = count_consume,
    .destroy = count_destroy,
};

OTELC_PLUGIN(count_desc)
