/*
 * test_sink: an exporter that records what reaches it and fails on command.
 *
 *   GET  /test/<id>/stats                 {"batches":..,"spans":..,"bytes":..,
 *                                          "attempts":..,"prepared":..,"freed":..,
 *                                          "metrics":..,"logs":..}
 * (spans counts the items of every signal; metrics and logs those of
 * batches of that signal: it takes all three.)
 *   POST /test/<id>/mode?set=ok|pending|retry|reject
 *   POST /test/<id>/health?status=ok|degraded|unhealthy&detail=...
 *   GET  /test/<id>/received              [OTLP/JSON of the last batches taken,
 *                                          each in its signal's form]
 *
 * `mode: pending` completes each batch from another thread after `delay`.
 * It is a request-based exporter (ABI 1.2): behind a sending queue the
 * host prepares each outgoing batch once and sends it at every attempt;
 * attempts, prepared and freed count those calls. Without a queue the
 * host calls consume.
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
#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/clock.h>

/* Batches kept for GET .../received, oldest dropped first. */
#define KEEP_RECEIVED 32

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
    atomic_ullong batches, spans, bytes, attempts, prepared, freed, metrics, logs;
    atomic_int inflight;
    char prefix[200];
    pthread_mutex_t kept_mu;
    otelc_batch *kept[KEEP_RECEIVED]; /* a ring; kept_n counts all ever kept */
    size_t kept_n;
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

static void keep(sink *s, otelc_batch *b)
{
    pthread_mutex_lock(&s->kept_mu);
    otelc_batch **slot = &s->kept[s->kept_n++ % KEEP_RECEIVED];
    if (*slot)
        otelc_batch_unref(*slot);
    *slot = otelc_batch_ref(b);
    pthread_mutex_unlock(&s->kept_mu);
}

static void record(sink *s, otelc_batch *b)
{
    atomic_fetch_add(&s->batches, 1);
    atomic_fetch_add(&s->spans, otelc_batch_spans(b));
    if (otelc_batch_signal(b) != OTELC_TRACES)
        atomic_fetch_add(otelc_batch_signal(b) == OTELC_METRICS ? &s->metrics : &s->logs,
                         otelc_batch_spans(b));
    atomic_fetch_add(&s->bytes, otelc_batch_len(b));
    keep(s, b);
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
    atomic_fetch_add(&s->attempts, 1);
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

/* A request is the batch itself, referenced. */
struct otelc_request {
    otelc_batch *b;
};

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    sink *s = state;
    otelc_request *r = malloc(sizeof(*r));
    if (!r)
        return OTELC_RETRY;
    r->b = otelc_batch_ref(b);
    atomic_fetch_add(&s->prepared, 1);
    *out = r;
    return OTELC_OK;
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    return consume(state, r->b, t);
}

static void request_free(void *state, otelc_request *r)
{
    sink *s = state;
    atomic_fetch_add(&s->freed, 1);
    otelc_batch_unref(r->b);
    free(r);
}

static void on_stats(void *arg, otelc_http_req *r)
{
    sink *s = arg;
    char body[256];
    int n = snprintf(body, sizeof(body),
                     "{\"batches\":%llu,\"spans\":%llu,\"bytes\":%llu,\"attempts\":%llu,"
                     "\"prepared\":%llu,\"freed\":%llu,\"metrics\":%llu,\"logs\":%llu}",
                     atomic_load(&s->batches), atomic_load(&s->spans), atomic_load(&s->bytes),
                     atomic_load(&s->attempts), atomic_load(&s->prepared),
                     atomic_load(&s->freed), atomic_load(&s->metrics), atomic_load(&s->logs));
    static const char *const hdrs[] = {"Content-Type", "application/json", NULL};
    s->api->http_respond(r, 200, hdrs, body, (size_t)n);
}

/* Appends one batch as an OTLP/JSON document; 0 or -1. */
static int append_json(otelc_batch *b, struct otlp_buf *out)
{
    struct iovec iov[64];
    pb_bytes parts[64];
    size_t n = otelc_batch_segments(b, iov, 64);
    if (n > 64)
        return -1;
    for (size_t i = 0; i < n; i++)
        parts[i] = (pb_bytes){iov[i].iov_base, iov[i].iov_len};
    return otlp_json_writev_signal_buf(otelc_batch_signal(b), parts, n, out) == 0 ? 0 : -1;
}

static int append_text(struct otlp_buf *out, const char *t)
{
    size_t n = strlen(t);
    if (out->len + n > out->cap) {
        size_t cap = (out->len + n) * 2;
        char *grown = realloc(out->data, cap);
        if (!grown)
            return -1;
        out->data = grown;
        out->cap = cap;
    }
    memcpy(out->data + out->len, t, n);
    out->len += n;
    return 0;
}

static void on_received(void *arg, otelc_http_req *r)
{
    sink *s = arg;
    struct otlp_buf out = {0};
    int rc = append_text(&out, "[");
    pthread_mutex_lock(&s->kept_mu);
    size_t first = s->kept_n > KEEP_RECEIVED ? s->kept_n - KEEP_RECEIVED : 0;
    for (size_t i = first; rc == 0 && i < s->kept_n; i++) {
        if (i > first)
            rc = append_text(&out, ",");
        if (rc == 0)
            rc = append_json(s->kept[i % KEEP_RECEIVED], &out);
    }
    pthread_mutex_unlock(&s->kept_mu);
    if (rc == 0)
        rc = append_text(&out, "]");
    static const char *const hdrs[] = {"Content-Type", "application/json", NULL};
    if (rc == 0)
        s->api->http_respond(r, 200, hdrs, out.data, out.len);
    else
        s->api->http_respond(r, 500, NULL, "cannot render\n", 14);
    otlp_buf_free(&out);
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
    pthread_mutex_init(&s->kept_mu, NULL);
    if (add_route(s, "GET", "stats", on_stats) || add_route(s, "POST", "mode", on_mode) ||
        add_route(s, "POST", "health", on_health) || add_route(s, "GET", "received", on_received)) {
        pthread_mutex_destroy(&s->kept_mu);
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
        if (otelc_mono_ns() >= deadline_ns)
            return -1;
        nanosleep(&ts, NULL);
    }
    s->api->log(s->ctx, OTELC_LOG_INFO, "delivered %llu spans in %llu batches",
                atomic_load(&s->spans), atomic_load(&s->batches));
    return 0;
}

static void destroy(void *state)
{
    sink *s = state;
    for (size_t i = 0; i < KEEP_RECEIVED; i++)
        if (s->kept[i])
            otelc_batch_unref(s->kept[i]);
    pthread_mutex_destroy(&s->kept_mu);
    free(s);
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
    .export_prepare = export_prepare,
    .export_send = export_send,
    .request_free = request_free,
    .signals = OTELC_ALL_SIGNALS,
};

OTELC_PLUGIN(desc)
