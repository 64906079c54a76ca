/*
 * exporter.c: the awss3 exporter: descriptor, lifecycle and consume.
 *
 * The host's queue consumers (several at once) call export_prepare once
 * per outgoing batch, which encodes and hashes it into a payload (the
 * request), and export_send at every attempt, which hands the upload of
 * that same payload to the exporter's loop thread and returns PENDING, so
 * a retry overwrites the same object; request_free drops it after the
 * last. The ticket is completed exactly once: OK when the object is
 * stored, RETRY when it should be tried again, REJECT when S3 will never take it.
 * Without a sending queue, consume does both for each call. When S3 refuses
 * everything the exporter pauses itself. The exporter only writes: the
 * trace_query extension reads what it wrote (marshaler parquet).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "awss3.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int register_metrics(awss3 *x)
{
    static const char *const outcomes[] = {"ok", "retry", "pause", "reject"};
    const char *id = x->api->instance_id(x->ctx);
    for (size_t i = 0; i < 4; i++) {
        const char *labels[] = {"exporter", id, "outcome", outcomes[i], NULL};
        otelc_metric_desc d = {.name = "otelc_awss3_uploads_total",
                               .help = "Batch uploads to S3 by outcome.",
                               .type = OTELC_COUNTER,
                               .labels = labels};
        x->uploads[i] = x->api->metric(x->ctx, &d);
    }
    const char *labels[] = {"exporter", id, NULL};
    otelc_metric_desc d = {.name = "otelc_awss3_uploaded_bytes_total",
                           .help = "Bytes of objects stored in S3.",
                           .type = OTELC_COUNTER,
                           .labels = labels};
    x->bytes = x->api->metric(x->ctx, &d);
    for (size_t i = 0; i < 4; i++)
        if (!x->uploads[i])
            return -1;
    return x->bytes ? 0 : -1;
}

/* A key built now must fit S3's 1024 bytes, or no batch ever would. */
static int check_key_fits(const awss3_settings *s, char *err, size_t n)
{
    char key[S3_KEY_MAX];
    /* metrics_ is the longest signal part of a name */
    awss3_key_layout layout = {s->key_prefix, s->partition_format, s->file_prefix, s->extension,
                               "metrics"};
    awss3_identity sample = {UINT64_MAX, otelc_real_ns()};
    if (awss3_object_key(key, sizeof(key), &layout, sample) >= 0)
        return 0;
    snprintf(err, n, "object keys would be longer than S3's 1024 bytes (check s3_prefix, "
                     "s3_partition_format and file_prefix)");
    return -1;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    char err[512];
    awss3 *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->ctx = ctx;
    x->api = api;
    x->cfg = cfg;
    if (awss3_settings_init(&x->set, cfg, err, sizeof(err)) != 0 ||
        check_key_fits(&x->set, err, sizeof(err)) != 0) {
        api->config_error(ctx, NULL, "%s", err);
        free(x);
        return -1;
    }
    if (register_metrics(x) != 0) {
        api->log(ctx, OTELC_LOG_ERROR, "cannot register metrics");
        free(x);
        return -1;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&x->idle, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&x->mu, NULL);
    x->incoming_tail = &x->incoming;
    *state = x;
    return 0;
}

/* The trace table holds spans: metrics and logs under parquet are
 * stored as OTLP/JSON, and the operator hears it once, at start. */
static void log_not_parquet(const awss3 *x)
{
    uint32_t fed = otelc_host_has(x->api, signals_fed) ? x->api->signals_fed(x->ctx) : 0;
    uint32_t other = fed & (OTELC_METRICS | OTELC_LOGS);
    if (x->set.marshaler != AWSS3_PARQUET || !other)
        return;
    x->api->log(x->ctx, OTELC_LOG_INFO, "marshaler parquet is the trace table: %s go to "
                "otlp_json objects (%s_*.json) in the same layout",
                other == (OTELC_METRICS | OTELC_LOGS) ? "metrics and logs"
                : other == OTELC_METRICS              ? "metrics"
                                                      : "logs",
                other == OTELC_LOGS ? "logs" : "metrics");
}

static void log_target(const awss3 *x)
{
    const awss3_settings *s = &x->set;
    x->api->log(x->ctx, OTELC_LOG_INFO,
                "writing %s%s objects to bucket %s%s%s at %s (%s style), credentials from %s",
                awss3_marshaler_name(s->marshaler),
                s->obj.content_encoding
                    ? (s->compression == AWSS3_COMPRESS_GZIP ? "+gzip" : "+zstd")
                    : "",
                s->ep.bucket, s->key_prefix[0] ? " under " : "", s->key_prefix, s->ep.base_url,
                s->ep.path_style ? "path" : "virtual-hosted",
                s3_creds_source_name(x->creds->source));
    if (s->ep.insecure_skip_verify)
        x->api->log(x->ctx, OTELC_LOG_WARN, "insecure_skip_verify: TLS certificates of %s are "
                                            "not verified", s->ep.base_url);
    log_not_parquet(x);
}

static int awss3_start(void *state)
{
    awss3 *x = state;
    char err[768];
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "libcurl: %s", curl_easy_strerror(curl_init_rc));
        return -1;
    }
    s3_creds_in in = {x->cfg->access_key_id, x->cfg->secret_access_key,
                         x->cfg->session_token, NULL};
    if (s3_creds_resolve(&in, &x->creds, err, sizeof(err)) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "%s", err);
        return -1;
    }
    x->timeout_ns = x->api->exporter_timeout_ns(x->ctx);
    x->client = (s3_client){&x->set.ep, &x->set.obj, sigv4_signer_new(), NULL};
    x->loop = s3_loop_new(awss3_on_wake, x);
    x->client.loop = x->loop;
    if (!x->client.signer || !x->loop || s3_loop_start(x->loop) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot start the upload loop: out of resources");
        return -1;
    }
    pthread_mutex_lock(&x->mu);
    x->accepting = true;
    pthread_mutex_unlock(&x->mu);
    atomic_store(&x->started, true);
    log_target(x);
    return 0;
}

/* The batch's identity; unnumbered batches get a random one. */
static awss3_identity identity_for(const otelc_batch *b)
{
    const otelc_batch_meta *m = otelc_batch_meta_of(b);
    uint64_t rnd = 0;
    if (!m || m->batch_id == 0) {
        if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            rnd = (uint64_t)otelc_real_ns() ^ (uint64_t)(uintptr_t)b;
        rnd |= 1; /* never 0, which means "not numbered" */
    }
    return awss3_identity_of(m, otelc_real_ns(), rnd);
}

static otelc_status prepare(awss3 *x, otelc_batch *b, s3_payload **out)
{
    int rc = s3_payload_build(&x->set, b, identity_for(b), out);
    if (rc == 0)
        return OTELC_OK;
    if (s3_payload_error_is_permanent(rc)) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot store a batch of %u %s: %s; refusing it",
                    otelc_batch_spans(b), otelc_signal_items(otelc_batch_signal(b)),
                    strerror(-rc));
        return OTELC_REJECT;
    }
    x->api->log(x->ctx, OTELC_LOG_WARN, "cannot prepare a batch of %u %s: %s; will retry",
                otelc_batch_spans(b), otelc_signal_items(otelc_batch_signal(b)), strerror(-rc));
    return OTELC_RETRY;
}

/* Uploads payload p (lent, or owned when owns) for ticket t: PENDING, or
 * RETRY when the loop does not take it (an owned p is freed then). */
static otelc_status upload(awss3 *x, s3_payload *p, bool owns, otelc_ticket *t)
{
    awss3_job *job = calloc(1, sizeof(*job));
    if (!job) {
        if (owns)
            s3_payload_free(p);
        return OTELC_RETRY;
    }
    job->ticket = t;
    job->owns_payload = owns;
    job->creds = awss3_current_creds(x);
    job->up = (s3_upload){.client = &x->client, .payload = p, .creds = job->creds,
                          .ctx = x->ctx, .api = x->api,
                          .deadline_ns = x->timeout_ns > 0 ? otelc_mono_ns() + x->timeout_ns : 0};
    if (!awss3_submit(x, job)) {
        s3_creds_unref(job->creds);
        if (owns)
            s3_payload_free(p);
        free(job);
        return OTELC_RETRY;
    }
    return OTELC_PENDING;
}

/* Without a sending queue: each call encodes afresh (a client's resend
 * is a new batch anyway). */
static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    awss3 *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    if (otelc_batch_spans(b) == 0)
        return OTELC_OK; /* nothing worth an object */
    s3_payload *p;
    otelc_status st = prepare(x, b, &p);
    return st == OTELC_OK ? upload(x, p, true, t) : st;
}

/* The request of an outgoing batch: its payload (encoded, compressed,
 * hashed, keyed) made once and uploaded at every attempt, so a retry
 * overwrites the same object. NULL payload: an empty batch, no object. */
struct otelc_request {
    s3_payload *payload;
};

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    awss3 *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    otelc_request *r = calloc(1, sizeof(*r));
    if (!r)
        return OTELC_RETRY;
    otelc_status st = otelc_batch_spans(b) ? prepare(x, b, &r->payload) : OTELC_OK;
    if (st != OTELC_OK) {
        free(r);
        return st;
    }
    *out = r;
    return OTELC_OK;
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    awss3 *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return r->payload ? upload(x, r->payload, false, t) : OTELC_OK;
}

static void request_free(void *state, otelc_request *r)
{
    s3_payload_free(r->payload);
    free(r);
}

/* Encoded bytes only: a payload that sends the batch's own segments holds
 * nothing the queue does not hold already. */
static size_t request_bytes(void *state, const otelc_request *r)
{
    (void)state;
    return r->payload && r->payload->owned ? (size_t)r->payload->len : 0;
}

/* Waits until no upload is in flight or the deadline passes; true when
 * idle. Called with mu held. */
static bool wait_idle(awss3 *x, int64_t deadline_ns)
{
    struct timespec ts = otelc_timespec(deadline_ns);
    while (x->inflight && otelc_mono_ns() < deadline_ns)
        pthread_cond_timedwait(&x->idle, &x->mu, &ts);
    return x->inflight == 0;
}

static int awss3_shutdown(void *state, int64_t deadline_ns)
{
    awss3 *x = state;
    if (!atomic_exchange(&x->started, false))
        return 0;
    pthread_mutex_lock(&x->mu);
    x->accepting = false;
    bool drained = wait_idle(x, deadline_ns);
    x->cancelling = !drained;
    pthread_mutex_unlock(&x->mu);
    if (!drained) {
        x->api->log(x->ctx, OTELC_LOG_WARN, "uploads still running at the deadline: giving "
                                            "their batches back");
        s3_loop_wake(x->loop);
        pthread_mutex_lock(&x->mu);
        while (x->inflight)
            pthread_cond_wait(&x->idle, &x->mu);
        pthread_mutex_unlock(&x->mu);
    }
    s3_loop_stop(x->loop);
    return drained ? 0 : -1;
}

static void destroy(void *state)
{
    awss3 *x = state;
    awss3_shutdown(x, otelc_mono_ns());
    s3_loop_free(x->loop);
    sigv4_signer_free(x->client.signer);
    s3_creds_unref(x->creds);
    pthread_cond_destroy(&x->idle);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static const otelc_plugin awss3_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "awss3",
    .version = OTELC_VERSION,
    .doc = "writes traces, metrics and logs to S3-compatible storage as OTLP objects (or "
           "traces as the Parquet trace table)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = awss3_config_keys,
    .config_size = sizeof(awss3_cfg),
    .signals = OTELC_ALL_SIGNALS,
    .create = create,
    .start = awss3_start,
    .consume = consume,
    .shutdown = awss3_shutdown,
    .destroy = destroy,
    .export_prepare = export_prepare,
    .export_send = export_send,
    .request_free = request_free,
    .request_bytes = request_bytes,
};

OTELC_PLUGIN(awss3_plugin)
