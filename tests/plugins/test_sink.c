/*
 * test_sink: an exporter that records what reaches it and fails on command.
 *
 *   GET  /test/<id>/stats                 {"batches":..,"spans":..,"bytes":..}
 *   POST /test/<id>/mode?set=ok|pending|retry|reject
 *   POST /test/<id>/health?status=ok|degraded|unhealthy&detail=...
 *
 * `mode: pending` completes each batch from another thread after `delay`.
 * `fail_start: true` makes start() fail, for the unwinding tests;
 * `route_prefix` lets two sinks claim the same routes, which must fail.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/plugin.h>

typedef struct sink_cfg {
    const char *mode;
    const char *route_prefix;
    bool fail_start;
    int64_t delay_ns;
} sink_cfg;

typedef struct sink {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    atomic_int mode; /* otelc_status to answer with */
    int64_t delay_ns;
    bool fail_start;
    atomic_ullong batches, spans, bytes;
    atomic_int inflight;
    char prefix[200];
} sink;

typedef struct delayed {
    sink *s;
    otelc_batch *b;
    otelc_ticket *t;
} delayed;

static int parse_mode(const char *m)
{
    if (!m || strcmp(m, "ok") == 0)
        return OTELC_OK;
    if (strcmp(m, "pending") == 0)
        return OTELC_PENDING;
    if (strcmp(m, "retry") == 0)
        return OTELC_RETRY;
    if (strcmp(m, "reject") == 0)
        return OTELC_REJECT;
    return -1;
}

static void record(sink *s, otelc_batch *b)
{
    atomic_fetch_add(&s->batches, 1);
    atomic_fetch_add(&s->spans, otelc_batch_spans(b));
    atomic_fetch_add(&s->bytes, otelc_batch_len(b));
}

static void *complete_later(void *arg)
{
    delayed *d = arg;
    struct timespec ts = {d->s->delay_ns / 1000000000, d->s->delay_ns % 1000000000};
    nanosleep(&ts, NULL);
    record(d->s, d->b);
    otelc_batch_unref(d->b);
    d->s->api->complete(d->t, OTELC_OK);
    atomic_fetch_sub(&d->s->inflight, 1);
    free(d);
    return NULL;
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    sink *s = state;
    int mode = atomic_load(&s->mode);
    if (mode != OTELC_PENDING) {
        if (mode == OTELC_OK)
            record(s, b);
        return (otelc_status)mode;
    }
    delayed *d = malloc(sizeof(*d));
    pthread_t th;
    if (!d)
        return OTELC_RETRY;
    *d = (delayed){s, otelc_batch_ref(b), t};
    atomic_fetch_add(&s->inflight, 1);
    if (pthread_create(&th, NULL, complete_later, d) != 0) {
        atomic_fetch_sub(&s->inflight, 1);
        otelc_batch_unref(b);
        free(d);
        return OTELC_RETRY;
    }
    pthread_detach(th);
    return OTELC_PENDING;
}

static void on_stats(void *arg, otelc_http_req *r)
{
    sink *s = arg;
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"batches\":%llu,\"spans\":%llu,\"bytes\":%llu}",
                     atomic_load(&s->batches), atomic_load(&s->spans), atomic_load(&s->bytes));
    static const char *const hdrs[] = {"Content-Type", "application/json", NULL};
    s->api->http_respond(r, 200, hdrs, body, (size_t)n);
}

static void on_mode(void *arg, otelc_http_req *r)
{
    sink *s = arg;
    int mode = parse_mode(s->api->http_query(r, "set"));
    if (mode < 0) {
        s->api->http_respond(r, 400, NULL, "bad mode\n", 9);
        return;
    }
    atomic_store(&s->mode, mode);
    s->api->http_respond(r, 204, NULL, NULL, 0);
}

static void on_health(void *arg, otelc_http_req *r)
{
    sink *s = arg;
    const char *st = s->api->http_query(r, "status");
    otelc_health h = OTELC_HEALTH_OK;
    if (st && strcmp(st, "degraded") == 0)
        h = OTELC_HEALTH_DEGRADED;
    else if (st && strcmp(st, "unhealthy") == 0)
        h = OTELC_HEALTH_UNHEALTHY;
    s->api->health(s->ctx, h, s->api->http_query(r, "detail"));
    s->api->http_respond(r, 204, NULL, NULL, 0);
}

static int add_route(sink *s, const char *method, const char *leaf, otelc_route_fn fn)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", s->prefix, leaf);
    return s->api->route(s->ctx, method, path, fn, s);
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const sink_cfg *cfg = cfgp;
    int mode = parse_mode(cfg->mode);
    if (mode < 0) {
        api->log(ctx, OTELC_LOG_ERROR, "mode must be ok, pending, retry or reject");
        return -1;
    }
    sink *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->ctx = ctx;
    s->api = api;
    atomic_init(&s->mode, mode);
    s->delay_ns = cfg->delay_ns;
    s->fail_start = cfg->fail_start;
    if (cfg->route_prefix)
        snprintf(s->prefix, sizeof(s->prefix), "%s", cfg->route_prefix);
    else
        snprintf(s->prefix, sizeof(s->prefix), "/test/%s", api->instance_id(ctx));
    if (add_route(s, "GET", "stats", on_stats) || add_route(s, "POST", "mode", on_mode) ||
        add_route(s, "POST", "health", on_health)) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int start(void *state)
{
    sink *s = state;
    if (s->fail_start) {
        s->api->log(s->ctx, OTELC_LOG_ERROR, "failing start as configured");
        return -1;
    }
    return 0;
}

static int shutdown(void *state, int64_t deadline_ns)
{
    sink *s = state;
    struct timespec ts = {0, 5000000};
    while (atomic_load(&s->inflight) > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec >= deadline_ns)
            return -1;
        nanosleep(&ts, NULL);
    }
    s->api->log(s->ctx, OTELC_LOG_INFO, "delivered %llu spans in %llu batches",
                atomic_load(&s->spans), atomic_load(&s->batches));
    return 0;
}

static void destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key keys[] = {
    {"mode", OTELC_CFG_STRING, "ok", "ok, pending, retry or reject", offsetof(sink_cfg, mode), 0},
    {"fail_start", OTELC_CFG_BOOL, "false", "make start() fail", offsetof(sink_cfg, fail_start),
     0},
    {"delay", OTELC_CFG_DURATION, "10ms", "completion delay in pending mode",
     offsetof(sink_cfg, delay_ns), 0},
    {"route_prefix", OTELC_CFG_STRING, NULL, "prefix of the admin routes (default /test/<id>)",
     offsetof(sink_cfg, route_prefix), 0},
    /* Stand-ins for collector keys otelc lacks, for the config tests. */
    {"compression", OTELC_CFG_STRING, NULL, "not built", 0, OTELC_KEY_UNSUPPORTED},
    {"encoding", OTELC_CFG_STRING, NULL, "harmless to ignore", 0, OTELC_KEY_IGNORED},
    {0},
};

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "testsink",
    .version = "1.0.0",
    .doc = "records what it receives; fails on command",
    .config_keys = keys,
    .config_size = sizeof(sink_cfg),
    .create = create,
    .start = start,
    .consume = consume,
    .shutdown = shutdown,
    .destroy = destroy,
};

OTELC_PLUGIN(desc)
