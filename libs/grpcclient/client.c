/*
 * client.c: a client's lifecycle (grpcclient.h): its header fields, the
 * loop thread, sending a call (with the authenticator's metadata of that
 * attempt), and the wait for calls in flight at shutdown. The metrics an exporter registers for its clients, and the
 * payload built once per outgoing batch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "client.h"


/* Registers one counter series into *out; false when the host refused. */
static bool counter(otelc_ctx *ctx, const otelc_host_api *api, otelc_series **out,
                    const char *name, const char *help, const char *outcome)
{
    const char *id = api->instance_id(ctx);
    const char *labels[] = {"exporter", id, outcome ? "outcome" : NULL, outcome, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER, .labels = labels};
    *out = api->metric(ctx, &d);
    return *out != NULL;
}

/* otelc_otlp_grpc_partial_rejected_{spans,metric_points,log_records}_total
 * for each signal of the exporter's pipelines (traces for an older host). */
static bool rejected_counters(otelc_ctx *ctx, const otelc_host_api *api, og_metrics *m)
{
    uint32_t mask = otelc_host_has(api, signals_fed) ? api->signals_fed(ctx) : 0;
    bool ok = true;
    for (unsigned k = 0; k < OTELC_NSIGNALS; k++) {
        otelc_signal s = otelc_signal_at(k);
        char name[80], help[96];
        if (!(mask ? mask & s : s == OTELC_TRACES))
            continue;
        snprintf(name, sizeof(name), "otelc_otlp_grpc_partial_rejected_%s_total",
                 otelc_signal_unit(s));
        snprintf(help, sizeof(help), "%s an OK answer's partial_success said were rejected.",
                 otelc_signal_items(s));
        ok &= counter(ctx, api, &m->rejected[k], name, help, NULL);
    }
    return ok;
}

int og_metrics_register(otelc_ctx *ctx, const otelc_host_api *api, og_metrics *m)
{
    static const char *const outcomes[] = {"ok", "retry", "reject", "pause"};
    bool ok = true;
    for (size_t i = 0; i < 4; i++)
        ok &= counter(ctx, api, &m->requests[i], "otelc_otlp_grpc_requests_total",
                      "Export calls by outcome.", outcomes[i]);
    ok &= counter(ctx, api, &m->bytes, "otelc_otlp_grpc_sent_bytes_total",
                  "Message bytes (framed, compressed) of the calls the server accepted.", NULL);
    ok &= rejected_counters(ctx, api, m);
    ok &= counter(ctx, api, &m->connections, "otelc_otlp_grpc_connections_total",
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

ogrpc *og_client_new(const og_client_opts *o)
{
    ogrpc *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->ctx = o->ctx;
    x->api = o->api;
    x->cfg_copy = *o->cfg;
    x->cfg = &x->cfg_copy;
    x->set = *o->set;
    x->headers = o->headers;
    x->auth = o->auth && o->auth->client ? o->auth : NULL;
    if (o->metrics)
        x->metrics = *o->metrics;
    x->timeout_ns = o->timeout_ns;
    x->may_pause = o->may_pause;
    x->report_health = o->report_health;
    x->quiet_start = o->quiet_start;
    init_sync(x);
    return x;
}

static void nv(ogrpc *x, const char *name, const char *value)
{
    x->nva[x->nnva++] = (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name),
                                     strlen(value), NGHTTP2_NV_FLAG_NONE};
}

/* Every call's header fields; the strings live as long as x. */
static int build_headers(ogrpc *x)
{
    const og_headers *u = x->headers;
    x->nva = calloc(OG_NV_MAX, sizeof(*x->nva));
    if (!x->nva)
        return -1;
    snprintf(x->user_agent, sizeof(x->user_agent), "%s",
             x->cfg->user_agent && *x->cfg->user_agent ? x->cfg->user_agent
                                                       : "otelc/" OTELC_VERSION);
    nv(x, ":method", "POST");
    nv(x, ":scheme", x->set.tls.on ? "https" : "http");
    x->path_at = x->nnva;
    nv(x, ":path", og_export_path(OTELC_TRACES));
    nv(x, ":authority", x->set.authority);
    nv(x, "content-type", "application/grpc");
    nv(x, "te", "trailers");
    nv(x, "user-agent", x->user_agent);
    if (x->set.compression != OG_NONE)
        nv(x, "grpc-encoding", og_compression_name(x->set.compression));
    nv(x, "grpc-accept-encoding", "gzip,zstd");
    x->nown = x->nnva;
    for (size_t i = 0; u && i < u->n; i++)
        nv(x, u->names[i], u->values[i]);
    return 0;
}

static void log_target(const ogrpc *x)
{
    if (!x->quiet_start)
        x->api->log(x->ctx, OTELC_LOG_INFO, "exporting to %s (%s, compression %s)",
                    x->set.shown, x->set.tls.on ? "TLS" : "cleartext",
                    og_compression_name(x->set.compression));
    if (x->set.tls.on && x->set.tls.skip_verify)
        x->api->log(x->ctx, OTELC_LOG_WARN, "insecure_skip_verify: the TLS certificate of %s "
                                            "is not verified", x->set.shown);
}

int og_client_start(ogrpc *x)
{
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

const char *og_client_endpoint(const ogrpc *x)
{
    return x->set.shown;
}

otelc_status og_payload_build(otelc_ctx *ctx, const otelc_host_api *api, og_compression comp,
                              const og_auth *auth, otelc_batch *b, og_payload **out)
{
    og_payload *p = calloc(1, sizeof(*p));
    if (!p)
        return OTELC_RETRY;
    p->spans = otelc_batch_spans(b);
    p->signal = otelc_batch_signal(b);
    int rc = og_body_build(comp, b, &p->body);
    if (rc == 0 && auth && auth->client && og_auth_metadata(b, &p->metadata) != 0) {
        og_payload_free(p);
        return OTELC_RETRY;
    }
    if (rc == 0) {
        *out = p;
        return OTELC_OK;
    }
    free(p);
    bool permanent = rc == -E2BIG;
    api->log(ctx, permanent ? OTELC_LOG_ERROR : OTELC_LOG_WARN,
             "cannot frame a batch of %u %s: %s; %s", otelc_batch_spans(b),
             otelc_signal_items(otelc_batch_signal(b)), strerror(-rc),
             permanent ? "refusing it" : "will retry");
    return permanent ? OTELC_REJECT : OTELC_RETRY;
}

void og_payload_free(og_payload *p)
{
    if (!p)
        return;
    og_body_free(&p->body);
    free(p->metadata);
    free(p);
}

otelc_status og_client_send(ogrpc *x, og_payload *p, bool owns, otelc_ticket *t,
                            otelc_done_fn done, void *arg)
{
    og_call *call = atomic_load(&x->started) ? calloc(1, sizeof(*call)) : NULL;
    if (call) {
        call->owner = x;
        call->req = p;
        call->owns_req = owns;
        call->ticket = t;
        call->done = done;
        call->done_arg = arg;
        call->deadline_ns = x->timeout_ns > 0 ? otelc_mono_ns() + x->timeout_ns : 0;
        if ((!x->auth ||
             og_auth_headers(x->auth, (const char *const *)p->metadata, &call->auth) == 0) &&
            og_submit(x, call))
            return OTELC_PENDING;
        og_headers_free(&call->auth);
        free(call);
    }
    if (owns)
        og_payload_free(p);
    return OTELC_RETRY;
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

int og_client_shutdown(ogrpc *x, int64_t deadline_ns)
{
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
        x->api->log(x->ctx, OTELC_LOG_WARN, "exports to %s still running at the deadline: "
                                            "giving their batches back", x->set.shown);
        og_loop_wake(x);
        pthread_mutex_lock(&x->mu);
        wait_idle(x, -1);
        pthread_mutex_unlock(&x->mu);
    }
    og_loop_stop(x);
    return drained ? 0 : -1;
}

void og_client_free(ogrpc *x)
{
    if (!x)
        return;
    og_client_shutdown(x, otelc_mono_ns());
    og_loop_stop(x); /* a start that failed half-way */
    og_tls_ctx_free(x->ssl_ctx);
    free(x->nva);
    pthread_cond_destroy(&x->idle);
    pthread_mutex_destroy(&x->mu);
    free(x);
}
