/*
 * exporter.c: the otlp_http exporter (the collector's otlphttp): OTLP
 * over HTTP POST to <endpoint>/v1/traces, /v1/metrics or /v1/logs by
 * each batch's signal (or the signal's own *_endpoint), protobuf or JSON,
 * gzip, zstd or none, on libcurl's multi interface driven by the libevent
 * loop of libs/s3. Descriptor, lifecycle and the request-based calls.
 *
 * The host's queue consumers call export_prepare once per outgoing batch
 * (encoding and compression happen there, on whichever cores are free)
 * and export_send at every attempt, which hands the POST to the loop
 * thread and answers PENDING; the loop completes the ticket exactly once:
 * OK for a 2xx, RETRY for 429/502/503/504 and network errors, REJECT for
 * any other status. Without a sending queue, consume does both per call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "otlp_http.h"

#define DEFAULT_TIMEOUT_NS (30 * 1000000000LL) /* the collector's for this exporter */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Registers one counter series into *out; false when the host refused. */
static bool counter(ohttp *x, otelc_series **out, const char *name, const char *help,
                    const char *outcome)
{
    const char *id = x->api->instance_id(x->ctx);
    const char *labels[] = {"exporter", id, outcome ? "outcome" : NULL, outcome, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = OTELC_COUNTER, .labels = labels};
    *out = x->api->metric(x->ctx, &d);
    return *out != NULL;
}

static int register_metrics(ohttp *x)
{
    static const char *const outcomes[] = {"ok", "retry", "reject", "pause"};
    bool ok = true;
    for (size_t i = 0; i < 4; i++)
        ok &= counter(x, &x->requests[i], "otelc_otlp_http_requests_total",
                      "Export requests by outcome.", outcomes[i]);
    ok &= counter(x, &x->bytes, "otelc_otlp_http_sent_bytes_total",
                  "Request body bytes the server accepted.", NULL);
    for (unsigned k = 0; k < OTELC_NSIGNALS; k++) {
        otelc_signal s = otelc_signal_at(k);
        char name[80], help[96];
        if (!x->set.target[k].on)
            continue;
        snprintf(name, sizeof(name), "otelc_otlp_http_partial_rejected_%s_total",
                 otelc_signal_unit(s));
        snprintf(help, sizeof(help), "%s a 2xx answer's partial_success said were rejected.",
                 otelc_signal_items(s));
        ok &= counter(x, &x->rejected[k], name, help, NULL);
    }
    return ok ? 0 : -1;
}

/* `timeout` is the host's key, with the host's default; this exporter's
 * default is the collector's 30s, so an absent key means that. */
static int64_t pick_timeout(otelc_ctx *ctx, const otelc_host_api *api)
{
    if (!api->node_get(api->config_node(ctx), "timeout"))
        return DEFAULT_TIMEOUT_NS;
    return api->exporter_timeout_ns(ctx);
}

static void init_sync(ohttp *x)
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
    ohttp *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->ctx = ctx;
    x->api = api;
    x->cfg = cfg;
    uint32_t signals = otelc_host_has(api, signals_fed) ? api->signals_fed(ctx) : 0;
    if (oh_settings_init(&x->set, cfg, signals, err, sizeof(err)) != 0) {
        api->config_error(ctx, key_node(ctx, api, err), "%s", err);
        free(x);
        return -1;
    }
    if (oh_headers_parse(ctx, api, x->cfg->headers, &x->user_headers) != 0 ||
        oh_auth_resolve(x) != 0 || register_metrics(x) != 0) {
        oh_headers_free(&x->user_headers);
        free(x);
        return -1;
    }
    x->timeout_ns = pick_timeout(ctx, api);
    init_sync(x);
    *state = x;
    return 0;
}

static void log_target(const ohttp *x, otelc_signal s)
{
    const oh_target *t = &x->set.target[otelc_signal_index(s)];
    x->api->log(x->ctx, OTELC_LOG_INFO, "exporting %s to %s (%s, compression %s)",
                otelc_signal_name(s), t->shown_url, x->set.encoding == OH_JSON ? "json" : "proto",
                oh_compression_name(x->set.compression));
    if (x->set.tls.skip_verify && t->https)
        x->api->log(x->ctx, OTELC_LOG_WARN, "insecure_skip_verify: the TLS certificate of %s "
                                            "is not verified", t->shown_url);
}

static int oh_start(void *state)
{
    ohttp *x = state;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return -1;
    }
    x->loop = s3_loop_new(oh_on_wake, x);
    if (!x->loop || oh_send_setup(x) != 0 || s3_loop_start(x->loop) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot start the export loop: out of resources");
        return -1;
    }
    pthread_mutex_lock(&x->mu);
    x->accepting = true;
    pthread_mutex_unlock(&x->mu);
    atomic_store(&x->started, true);
    for (unsigned k = 0; k < OTELC_NSIGNALS; k++)
        if (x->set.target[k].on)
            log_target(x, otelc_signal_at(k));
    return 0;
}

static void request_free(void *state, otelc_request *r)
{
    oh_body_free(&r->body);
    free(r->metadata);
    free(r);
}

static otelc_status prepare(ohttp *x, otelc_batch *b, otelc_request **out)
{
    otelc_request *r = calloc(1, sizeof(*r));
    if (!r)
        return OTELC_RETRY;
    r->spans = otelc_batch_spans(b);
    r->signal = otelc_batch_signal(b);
    int rc = oh_body_build(x->set.encoding, x->set.compression, b, &r->body);
    if (rc == 0 && x->auth && oh_auth_metadata(b, &r->metadata) != 0) {
        request_free(x, r);
        return OTELC_RETRY;
    }
    if (rc == 0) {
        *out = r;
        return OTELC_OK;
    }
    free(r);
    bool permanent = oh_body_error_is_permanent(rc);
    x->api->log(x->ctx, permanent ? OTELC_LOG_ERROR : OTELC_LOG_WARN,
                "cannot encode a batch of %u %s: %s; %s", otelc_batch_spans(b),
                otelc_signal_items(otelc_batch_signal(b)), strerror(-rc),
                permanent ? "refusing it" : "will retry");
    return permanent ? OTELC_REJECT : OTELC_RETRY;
}

/* Sends r for ticket t: PENDING, or RETRY when the loop does not take it
 * (an owned r is freed then). */
static otelc_status send_request(ohttp *x, otelc_request *r, bool owns, otelc_ticket *t)
{
    oh_job *job = calloc(1, sizeof(*job));
    if (job) {
        *job = (oh_job){.owner = x, .req = r, .owns_req = owns, .ticket = t};
        if ((!x->auth || oh_auth_headers(x, r, &job->headers) == 0) && oh_submit(x, job))
            return OTELC_PENDING;
        curl_slist_free_all(job->headers);
        free(job);
    }
    if (owns)
        request_free(x, r);
    return OTELC_RETRY;
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    ohttp *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    if (otelc_batch_spans(b) == 0)
        return OTELC_OK; /* nothing worth a request */
    otelc_request *r;
    otelc_status st = prepare(x, b, &r);
    return st == OTELC_OK ? send_request(x, r, true, t) : st;
}

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    ohttp *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return prepare(x, b, out);
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    ohttp *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return r->spans ? send_request(x, r, false, t) : OTELC_OK;
}

/* Encoded bytes only (an uncompressed protobuf body is the batch's own). */
static size_t request_bytes(void *state, const otelc_request *r)
{
    (void)state;
    return r->body.owned ? (size_t)r->body.len : 0;
}

/* Waits until nothing is in flight or the deadline passes; true when
 * idle. Called with mu held. */
static bool wait_idle(ohttp *x, int64_t deadline_ns)
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

/* Held jobs give their batches back at once; running POSTs get until the
 * deadline, then are cut off with RETRY. */
static int oh_shutdown(void *state, int64_t deadline_ns)
{
    ohttp *x = state;
    if (!atomic_exchange(&x->started, false))
        return 0;
    pthread_mutex_lock(&x->mu);
    x->accepting = false;
    x->releasing = true;
    pthread_mutex_unlock(&x->mu);
    s3_loop_wake(x->loop);
    pthread_mutex_lock(&x->mu);
    bool drained = wait_idle(x, deadline_ns);
    x->cancelling = !drained;
    pthread_mutex_unlock(&x->mu);
    if (!drained) {
        x->api->log(x->ctx, OTELC_LOG_WARN, "exports still running at the deadline: giving "
                                            "their batches back");
        s3_loop_wake(x->loop);
        pthread_mutex_lock(&x->mu);
        wait_idle(x, -1);
        pthread_mutex_unlock(&x->mu);
    }
    s3_loop_stop(x->loop);
    return drained ? 0 : -1;
}

static void destroy(void *state)
{
    ohttp *x = state;
    oh_shutdown(x, otelc_mono_ns());
    s3_loop_free(x->loop);
    for (unsigned k = 0; k < OTELC_NSIGNALS; k++) {
        curl_slist_free_all(x->headers[k]);
        curl_slist_free_all(x->own[k]);
    }
    curl_slist_free_all(x->connect_to);
    oh_headers_free(&x->user_headers);
    pthread_cond_destroy(&x->idle);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static const otelc_plugin oh_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "otlp_http",
    .version = OTELC_VERSION,
    .doc = "sends traces, metrics and logs over OTLP/HTTP (alias otlphttp)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = oh_config_keys,
    .config_size = sizeof(oh_cfg),
    .signals = OTELC_ALL_SIGNALS,
    .create = create,
    .start = oh_start,
    .consume = consume,
    .shutdown = oh_shutdown,
    .destroy = destroy,
    .export_prepare = export_prepare,
    .export_send = export_send,
    .request_free = request_free,
    .request_bytes = request_bytes,
};

OTELC_PLUGIN(oh_plugin)
