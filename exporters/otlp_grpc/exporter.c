/*
 * exporter.c: the otlp_grpc exporter (the collector's otlp_grpc, alias
 * otlp): OTLP over gRPC, unary TraceService/Export calls multiplexed on
 * one HTTP/2 connection (nghttp2 over a libevent bufferevent, TLS through
 * OpenSSL with ALPN h2) on a loop thread of its own. Descriptor,
 * lifecycle and the request-based calls.
 *
 * The host's queue consumers call export_prepare once per outgoing batch
 * (framing and compression happen there, on whichever cores are free)
 * and export_send at every attempt, which hands the call to the loop
 * thread and answers PENDING; the loop completes the ticket exactly once
 * (answer.h says with what). Without a sending queue, consume does both
 * per call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlp_grpc.h"

#define EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* Registers one counter series into *out; false when the host refused. */
static bool counter(ogrpc *x, otelc_series **out, const char *name, const char *help,
                    const char *outcome)
{
    const char *id = x->api->instance_id(x->ctx);
    const char *labels[] = {"exporter", id, outcome ? "outcome" : NULL, outcome, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER, .labels = labels};
    *out = x->api->metric(x->ctx, &d);
    return *out != NULL;
}

static int register_metrics(ogrpc *x)
{
    static const char *const outcomes[] = {"ok", "retry", "reject", "pause"};
    bool ok = true;
    for (size_t i = 0; i < 4; i++)
        ok &= counter(x, &x->requests[i], "otelc_otlp_grpc_requests_total",
                      "Export calls by outcome.", outcomes[i]);
    ok &= counter(x, &x->bytes, "otelc_otlp_grpc_sent_bytes_total",
                  "Message bytes (framed, compressed) of the calls the server accepted.", NULL);
    ok &= counter(x, &x->rejected_spans, "otelc_otlp_grpc_partial_rejected_spans_total",
                  "Spans an OK answer's partial_success said were rejected.", NULL);
    ok &= counter(x, &x->connections, "otelc_otlp_grpc_connections_total",
                  "HTTP/2 connections established to the endpoint.", NULL);
    return ok ? 0 : -1;
}

static void init_sync(ogrpc *x)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->idle, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&x->mu, NULL);
    x->incoming_tail = &x->incoming;
}

/* The node of the key an error message starts with ("tls.min_version:
 * ..."), so the error points at its line; the component's otherwise. */
static const otelc_node *key_node(otelc_ctx *ctx, const otelc_host_api *api, const char *err)
{
    char key[64];
    size_t n = strcspn(err, ": ");
    if (err[n] != ':' || n >= sizeof(key))
        return NULL;
    memcpy(key, err, n);
    key[n] = 0;
    const otelc_node *at = api->config_node(ctx);
    char *save = NULL;
    for (char *part = strtok_r(key, ".", &save); part && at; part = strtok_r(NULL, ".", &save))
        at = api->node_get(at, part);
    return at;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    char err[512];
    ogrpc *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->ctx = ctx;
    x->api = api;
    x->cfg = cfg;
    og_cfg_extra extra = {.keepalive_present =
                              api->node_get(api->config_node(ctx), "keepalive") != NULL};
    if (og_settings_init(&x->set, cfg, &extra, err, sizeof(err)) != 0) {
        api->config_error(ctx, key_node(ctx, api, err), "%s", err);
        free(x);
        return -1;
    }
    if (og_headers_parse(ctx, api, x->cfg->headers, &x->user_headers) != 0 ||
        og_auth_resolve(x) != 0 || register_metrics(x) != 0) {
        og_headers_free(&x->user_headers);
        free(x);
        return -1;
    }
    x->timeout_ns = api->exporter_timeout_ns(ctx); /* the host's default is the collector's 5s */
    init_sync(x);
    *state = x;
    return 0;
}

static void nv(ogrpc *x, const char *name, const char *value)
{
    x->nva[x->nnva++] = (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name),
                                     strlen(value), NGHTTP2_NV_FLAG_NONE};
}

/* Every call's header fields; the strings live as long as x. */
static int build_headers(ogrpc *x)
{
    const og_headers *u = &x->user_headers;
    x->nva = calloc(OG_NV_MAX, sizeof(*x->nva));
    if (!x->nva)
        return -1;
    snprintf(x->user_agent, sizeof(x->user_agent), "%s",
             x->cfg->user_agent && *x->cfg->user_agent ? x->cfg->user_agent
                                                       : "otelc/" OTELC_VERSION);
    nv(x, ":method", "POST");
    nv(x, ":scheme", x->set.tls.on ? "https" : "http");
    nv(x, ":path", EXPORT_PATH);
    nv(x, ":authority", x->set.authority);
    nv(x, "content-type", "application/grpc");
    nv(x, "te", "trailers");
    nv(x, "user-agent", x->user_agent);
    if (x->set.compression != OG_NONE)
        nv(x, "grpc-encoding", og_compression_name(x->set.compression));
    nv(x, "grpc-accept-encoding", "gzip,zstd");
    x->nown = x->nnva;
    for (size_t i = 0; i < u->n; i++)
        nv(x, u->names[i], u->values[i]);
    return 0;
}

static void log_target(const ogrpc *x)
{
    x->api->log(x->ctx, OTELC_LOG_INFO, "exporting traces to %s (%s, compression %s)",
                x->set.shown, x->set.tls.on ? "TLS" : "cleartext",
                og_compression_name(x->set.compression));
    if (x->set.tls.on && x->set.tls.skip_verify)
        x->api->log(x->ctx, OTELC_LOG_WARN, "insecure_skip_verify: the TLS certificate of %s "
                                            "is not verified", x->set.shown);
}

static int og_start(void *state)
{
    ogrpc *x = state;
    if (x->set.tls.on && !(x->ssl_ctx = og_tls_ctx_new(x)))
        return -1;
    if (build_headers(x) != 0 || og_loop_start(x) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot start the export loop: out of resources");
        return -1;
    }
    pthread_mutex_lock(&x->mu);
    x->accepting = true;
    x->connect_now = true;
    pthread_mutex_unlock(&x->mu);
    og_loop_wake(x);
    atomic_store(&x->started, true);
    log_target(x);
    return 0;
}

static otelc_status prepare(ogrpc *x, otelc_batch *b, otelc_request **out)
{
    otelc_request *r = calloc(1, sizeof(*r));
    if (!r)
        return OTELC_RETRY;
    r->spans = otelc_batch_spans(b);
    int rc = og_body_build(x->set.compression, b, &r->body);
    if (rc == 0 && x->auth && og_auth_metadata(b, &r->metadata) != 0) {
        og_request_free(r);
        return OTELC_RETRY;
    }
    if (rc == 0) {
        *out = r;
        return OTELC_OK;
    }
    free(r);
    bool permanent = rc == -E2BIG;
    x->api->log(x->ctx, permanent ? OTELC_LOG_ERROR : OTELC_LOG_WARN,
                "cannot frame a batch of %u spans: %s; %s", otelc_batch_spans(b), strerror(-rc),
                permanent ? "refusing it" : "will retry");
    return permanent ? OTELC_REJECT : OTELC_RETRY;
}

void og_request_free(otelc_request *r)
{
    og_body_free(&r->body);
    free(r->metadata);
    free(r);
}

/* Sends r for ticket t: PENDING, or RETRY when the loop does not take it
 * or the authenticator has no credentials now (an owned r is freed then). */
static otelc_status send_request(ogrpc *x, otelc_request *r, bool owns, otelc_ticket *t)
{
    og_call *call = calloc(1, sizeof(*call));
    if (call) {
        call->owner = x;
        call->req = r;
        call->owns_req = owns;
        call->ticket = t;
        call->deadline_ns = x->timeout_ns > 0 ? otelc_mono_ns() + x->timeout_ns : 0;
        if ((!x->auth || og_auth_headers(x, r, &call->auth) == 0) && og_submit(x, call))
            return OTELC_PENDING;
        og_headers_free(&call->auth);
        free(call);
    }
    if (owns)
        og_request_free(r);
    return OTELC_RETRY;
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    ogrpc *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    if (otelc_batch_spans(b) == 0)
        return OTELC_OK; /* nothing worth a call */
    otelc_request *r;
    otelc_status st = prepare(x, b, &r);
    return st == OTELC_OK ? send_request(x, r, true, t) : st;
}

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    ogrpc *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return prepare(x, b, out);
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    ogrpc *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return r->spans ? send_request(x, r, false, t) : OTELC_OK;
}

static void request_free(void *state, otelc_request *r)
{
    (void)state;
    og_request_free(r);
}

/* Waits until nothing is in flight or the deadline passes; true when
 * idle. Called with mu held. */
static bool wait_idle(ogrpc *x, int64_t deadline_ns)
{
    struct timespec ts = otelc_timespec(deadline_ns);
    while (x->inflight && (deadline_ns < 0 || otelc_mono_ns() < deadline_ns)) {
        if (deadline_ns < 0)
            pthread_cond_wait(&x->idle, &x->mu);
        else
            pthread_cond_timedwait(&x->idle, &x->mu, &ts);
    }
    return x->inflight == 0;
}

/* Held calls give their batches back at once; running ones get until the
 * deadline, then are cancelled with RETRY. */
static int og_shutdown(void *state, int64_t deadline_ns)
{
    ogrpc *x = state;
    if (!atomic_exchange(&x->started, false))
        return 0;
    pthread_mutex_lock(&x->mu);
    x->accepting = false;
    x->releasing = true;
    pthread_mutex_unlock(&x->mu);
    og_loop_wake(x);
    pthread_mutex_lock(&x->mu);
    bool drained = wait_idle(x, deadline_ns);
    x->cancelling = !drained;
    pthread_mutex_unlock(&x->mu);
    if (!drained) {
        x->api->log(x->ctx, OTELC_LOG_WARN, "exports still running at the deadline: giving "
                                            "their batches back");
        og_loop_wake(x);
        pthread_mutex_lock(&x->mu);
        wait_idle(x, -1);
        pthread_mutex_unlock(&x->mu);
    }
    og_loop_stop(x);
    return drained ? 0 : -1;
}

static void destroy(void *state)
{
    ogrpc *x = state;
    og_shutdown(x, otelc_mono_ns());
    og_loop_stop(x); /* a start that failed half-way */
    og_tls_ctx_free(x->ssl_ctx);
    free(x->nva);
    og_headers_free(&x->user_headers);
    pthread_cond_destroy(&x->idle);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static const otelc_plugin og_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "otlp_grpc",
    .version = OTELC_VERSION,
    .doc = "sends traces over OTLP/gRPC (alias otlp)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = og_config_keys,
    .config_size = sizeof(og_cfg),
    .create = create,
    .start = og_start,
    .consume = consume,
    .shutdown = og_shutdown,
    .destroy = destroy,
    .export_prepare = export_prepare,
    .export_send = export_send,
    .request_free = request_free,
};

OTELC_PLUGIN(og_plugin)
