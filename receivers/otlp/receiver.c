/*
 * receiver.c: the otlp receiver plugin: descriptor and lifecycle.
 *
 * create() checks the config, start() binds and starts the loop threads,
 * shutdown() stops accepting, sends GOAWAY and lets calls in flight finish
 * until the deadline, destroy() frees. The loops run off the host thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/thread.h>

#include "otlp_recv.h"

int64_t otlp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t otlp_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    char err[400];
    otlp_recv *r = calloc(1, sizeof(*r));
    if (!r) {
        api->log(ctx, OTELC_LOG_ERROR, "out of memory");
        return -1;
    }
    r->ctx = ctx;
    r->api = api;
    if (otlp_settings_load(cfg, &r->set, err, sizeof(err)) != 0) {
        api->config_error(ctx, NULL, "%s", err);
        free(r);
        return -1;
    }
    r->nloops = r->set.nloops;
    atomic_init(&r->inflight, 0);
    atomic_init(&r->nconns, 0);
    atomic_init(&r->draining, false);
    *state = r;
    return 0;
}

/* nghttp2's own protections stay at their defaults (SETTINGS flood,
 * rapid reset, CONTINUATION floods); the header list cap is ours. */
static int h2_setup(otlp_recv *r)
{
    r->cbs = conn_h2_callbacks();
    if (!r->cbs || nghttp2_option_new(&r->h2opt) != 0)
        return -1;
    nghttp2_option_set_max_settings(r->h2opt, 32);
    nghttp2_option_set_max_send_header_block_length(r->h2opt, 16384);
    return 0;
}

static int recv_start(void *state)
{
    otlp_recv *r = state;
    /* Cross-thread event_active needs locking bases; the host enables
     * it too, and enabling it twice with the same functions is harmless. */
    evthread_use_pthreads();
    if (h2_setup(r) != 0) {
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot set up HTTP/2: out of memory");
        return -1;
    }
    if (r->set.tls && !(r->ssl_ctx = otlp_tls_ctx_new(r)))
        return -1;
    if (loops_create(r) != 0) {
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot create event loops");
        return -1;
    }
    if (listeners_open(r) != 0)
        return -1;
    if (loops_start(r) != 0) {
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot start loop threads");
        return -1;
    }
    r->started = true;
    return 0;
}

/* Waits for the connections to finish their calls and close. */
static int wait_drained(otlp_recv *r, int64_t deadline_ns)
{
    struct timespec nap = {0, 2000000};
    while (atomic_load(&r->nconns) > 0) {
        if (otlp_now_ns() >= deadline_ns)
            return -1;
        nanosleep(&nap, NULL);
    }
    return 0;
}

static int recv_shutdown(void *state, int64_t deadline_ns)
{
    otlp_recv *r = state;
    if (!r->loops || r->stopped)
        return 0;
    atomic_store(&r->draining, true);
    int rc = 0;
    if (r->started) {
        loops_post_all(r, MB_CMD_DRAIN);
        rc = wait_drained(r, deadline_ns);
        if (rc != 0)
            r->api->log(r->ctx, OTELC_LOG_WARN,
                        "%zu connection(s) still busy at the shutdown deadline; closing them",
                        atomic_load(&r->nconns));
    }
    loops_post_all(r, MB_CMD_STOP);
    loops_join(r);
    r->stopped = true;
    return rc;
}

static void destroy(void *state)
{
    otlp_recv *r = state;
    recv_shutdown(r, otlp_now_ns());
    loops_free(r);
    otlp_tls_ctx_free(r->ssl_ctx);
    if (r->h2opt)
        nghttp2_option_del(r->h2opt);
    if (r->cbs)
        nghttp2_session_callbacks_del(r->cbs);
    free(r);
}

static const otelc_plugin otlp_receiver = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_RECEIVER,
    .type = "otlp",
    .version = "0.1.0",
    .doc = "OTLP traces over gRPC (HTTP/2, h2c or TLS)",
    .config_keys = otlp_cfg_keys,
    .config_size = sizeof(otlp_cfg),
    .create = create,
    .start = recv_start,
    .shutdown = recv_shutdown,
    .destroy = destroy,
};

OTELC_PLUGIN(otlp_receiver)
