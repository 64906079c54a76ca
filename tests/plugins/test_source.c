/*
 * test_source: a receiver that emits test traffic when asked over the
 * admin API, so tests drive the real host through its real routes:
 *
 *   POST /test/<id>/emit?count=N&spans=M&signal=traces|metrics|logs
 *
 * emits N requests of M spans and answers once every emit completed with
 * {"ok":..,"retry":..,"reject":..}: a deferred answer from whichever
 * thread completed last. A metrics or logs request holds the same bytes
 * with the batch's signal set: the host routes by the signal and never
 * reads the bytes, which is what these tests look at.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/plugin.h>
#include <otelc/sdk/clock.h>

#include "test_request.h"

typedef struct source_cfg {
    const char *service;
    int64_t spans_per_request;
} source_cfg;

typedef struct source {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const source_cfg *cfg;
    atomic_ullong seq;
    char route[256];
} source;

typedef struct emit_job {
    const otelc_host_api *api;
    otelc_http_req *req;
    atomic_int remaining;
    atomic_int counts[4]; /* by otelc_status */
} emit_job;

static void job_finish(emit_job *job)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "{\"ok\":%d,\"retry\":%d,\"reject\":%d}",
                     atomic_load(&job->counts[OTELC_OK]), atomic_load(&job->counts[OTELC_RETRY]),
                     atomic_load(&job->counts[OTELC_REJECT]));
    static const char *const hdrs[] = {"Content-Type", "application/json", NULL};
    job->api->http_respond(job->req, 200, hdrs, body, (size_t)n);
    free(job);
}

static void job_release(emit_job *job)
{
    if (atomic_fetch_sub(&job->remaining, 1) == 1)
        job_finish(job);
}

static void job_count(emit_job *job, otelc_status st)
{
    atomic_fetch_add(&job->counts[st == OTELC_PENDING ? OTELC_OK : st], 1);
}

/* An outcome known while emitting: the guard reference keeps job alive. */
static void job_account_sync(emit_job *job, otelc_status st)
{
    job_count(job, st);
    atomic_fetch_sub(&job->remaining, 1);
}

static void on_done(void *arg, otelc_status st)
{
    job_count(arg, st);
    job_release(arg);
}

static long query_long(const otelc_host_api *api, otelc_http_req *r, const char *k, long dflt)
{
    const char *v = api->http_query(r, k);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static otelc_signal signal_param(const otelc_host_api *api, otelc_http_req *r)
{
    const char *v = api->http_query(r, "signal");
    return v && strcmp(v, "metrics") == 0 ? OTELC_METRICS
           : v && strcmp(v, "logs") == 0  ? OTELC_LOGS
                                          : OTELC_TRACES;
}

static void emit_one(source *s, emit_job *job, uint32_t spans, otelc_signal signal)
{
    size_t len;
    uint64_t seq = atomic_fetch_add(&s->seq, 1);
    uint8_t *buf = test_request_build(s->cfg->service, spans, seq, &len);
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = otelc_real_ns(),
                             .signal = signal};
    otelc_batch *b = buf ? s->api->batch_adopt(buf, len, spans, NULL, NULL, &meta) : NULL;
    if (!b) {
        free(buf);
        job_account_sync(job, OTELC_REJECT);
        return;
    }
    otelc_status st = s->api->emit(s->ctx, b, on_done, job);
    otelc_batch_unref(b);
    if (st != OTELC_PENDING)
        job_account_sync(job, st);
}

static void on_emit(void *arg, otelc_http_req *r)
{
    source *s = arg;
    long count = query_long(s->api, r, "count", 1);
    long spans = query_long(s->api, r, "spans", s->cfg->spans_per_request);
    if (count < 0 || count > 1000000 || spans < 0 || spans > 100000) {
        s->api->http_respond(r, 400, NULL, "bad count or spans\n", 19);
        return;
    }
    emit_job *job = calloc(1, sizeof(*job));
    if (!job) {
        s->api->http_respond(r, 500, NULL, "out of memory\n", 14);
        return;
    }
    job->api = s->api;
    job->req = r;
    atomic_init(&job->remaining, (int)count + 1); /* +1 held until all are sent */
    otelc_signal signal = signal_param(s->api, r);
    for (long i = 0; i < count; i++)
        emit_one(s, job, (uint32_t)spans, signal);
    job_release(job);
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    source *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->ctx = ctx;
    s->api = api;
    s->cfg = cfg;
    atomic_init(&s->seq, (unsigned long long)otelc_real_ns() & 0xffffffffffull);
    snprintf(s->route, sizeof(s->route), "/test/%s/emit", api->instance_id(ctx));
    if (api->route(ctx, "POST", s->route, on_emit, s) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int start(void *state)
{
    source *s = state;
    s->api->log(s->ctx, OTELC_LOG_INFO, "test source ready on %s", s->route);
    return 0;
}

/* Downstream has room again after a RETRY: say so, for the tests. */
static void resume(void *state)
{
    source *s = state;
    s->api->log(s->ctx, OTELC_LOG_INFO, "resume: downstream has room again");
}

static int shutdown(void *state, int64_t deadline_ns)
{
    return 0;
}

static void destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key keys[] = {
    {"service", OTELC_CFG_STRING, "test-service", "service.name of the emitted spans",
     offsetof(source_cfg, service), 0},
    {"spans_per_request", OTELC_CFG_INT, "10", "spans per request unless the route says",
     offsetof(source_cfg, spans_per_request), 0},
    {0},
};

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_RECEIVER,
    .type = "testsource",
    .version = "1.0.0",
    .doc = "emits test spans when POST /test/<id>/emit is called",
    .config_keys = keys,
    .config_size = sizeof(source_cfg),
    .create = create,
    .start = start,
    .resume = resume,
    .shutdown = shutdown,
    .destroy = destroy,
    .signals = OTELC_ALL_SIGNALS,
};

OTELC_PLUGIN(desc)
