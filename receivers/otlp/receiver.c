/*
 * receiver.c: the otlp receiver plugin: descriptor and lifecycle.
 *
 * create() checks the config and notes which protocols it names, start()
 * binds the gRPC and/or HTTP port and starts their loop threads,
 * shutdown() stops accepting, sends GOAWAY (or closes idle HTTP/1.1
 * connections) and lets requests in flight finish until the deadline,
 * destroy() frees. The loops run off the host thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/thread.h>
#include <otelc/sdk/clock.h>

#include "otlp_recv.h"

/* Loads the settings of each protocol the config names. */
static int load_servers(otlp_recv *r, const otlp_cfg *cfg)
{
    char err[400];
    for (int p = 0; p < OTLP_NPROTO; p++) {
        otlp_server *srv = &r->srv[p];
        srv->r = r;
        srv->proto = (otlp_proto)p;
        atomic_init(&srv->inflight, 0);
        if (!srv->on)
            continue;
        int rc = p == OTLP_GRPC ? otlp_settings_load(cfg, &srv->set, err, sizeof(err))
                                : otlp_http_settings_load(cfg, &srv->set, err, sizeof(err));
        if (rc != 0) {
            r->api->config_error(r->ctx, NULL, "%s", err);
            return -1;
        }
        srv->nloops = srv->set.nloops;
    }
    if (r->srv[OTLP_HTTP].on && otlp_config_http_nodes(r, cfg) != 0)
        return -1;
    return 0;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    otlp_recv *r = calloc(1, sizeof(*r));
    if (!r) {
        api->log(ctx, OTELC_LOG_ERROR, "out of memory");
        return -1;
    }
    r->ctx = ctx;
    r->api = api;
    atomic_init(&r->nconns, 0);
    atomic_init(&r->draining, false);
    atomic_init(&r->full_until_ns, 0);
    atomic_init(&r->resumes, false);
    atomic_init(&r->auth_logged_ns, 0);
    atomic_init(&r->auth_unlogged, 0);
    if (!otelc_host_has(api, config_node)) {
        api->log(ctx, OTELC_LOG_ERROR, "the host is too old for this receiver (no config_node)");
        goto out_free_recv;
    }
    if (otlp_config_protocols(r) != 0 || load_servers(r, cfg) != 0 ||
        otlp_auth_resolve(r, cfg) != 0)
        goto out_free_recv;
    *state = r;
    return 0;
out_free_recv:
    otlp_config_nodes_free(r);
    free(r);
    return -1;
}

/* nghttp2's own protections: at most 32 entries per SETTINGS frame, at
 * most 1000 acknowledgements queued for a client that does not read
 * (SETTINGS and PING floods), RST_STREAM at 1000 at once then 33 per
 * second (rapid reset, CVE-2023-44487), set here explicitly so the
 * numbers are ours; CONTINUATION floods end at the header list cap. How
 * many SETTINGS and PINGs a client that does read may send is conn.c's. */
static int h2_setup(otlp_recv *r)
{
    r->cbs = conn_h2_callbacks();
    if (!r->cbs || nghttp2_option_new(&r->h2opt) != 0)
        return -1;
    nghttp2_option_set_max_settings(r->h2opt, 32);
    nghttp2_option_set_max_outbound_ack(r->h2opt, 1000);
    nghttp2_option_set_stream_reset_rate_limit(r->h2opt, 1000, 33);
    nghttp2_option_set_max_send_header_block_length(r->h2opt, 16384);
    return 0;
}

static int server_start(otlp_server *srv)
{
    otlp_recv *r = srv->r;
    if (srv->set.tls && !(srv->ssl_ctx = otlp_tls_ctx_new(srv)))
        return -1;
    if (loops_create(srv) != 0) {
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot create event loops");
        return -1;
    }
    if (listeners_open(srv) != 0)
        return -1;
    return 0;
}

/* Requests refused before their bodies were read carry an unknown number
 * of spans, so the host's refused_spans cannot count them: this does. */
static void register_metrics(otlp_recv *r)
{
    const char *labels[] = {"receiver", r->api->instance_id(r->ctx), NULL};
    otelc_metric_desc d = {
        .name = "otelc_receiver_early_refused_requests_total",
        .help = "Requests answered UNAVAILABLE (gRPC) or 503 (HTTP) at their headers, body "
                "unread, while the pipeline was full.",
        .type = OTELC_COUNTER,
        .labels = labels};
    r->early_refusals = r->api->metric(r->ctx, &d);
}

/* The host has room again downstream of this receiver. Any thread. */
static void recv_resume(void *state)
{
    otlp_recv *r = state;
    atomic_store(&r->resumes, true);
    atomic_store(&r->full_until_ns, 0);
}

/* The signals of the pipelines fed; a host without signals feeds traces. */
static void note_served(otlp_recv *r)
{
    r->served = otelc_host_has(r->api, signals_fed) ? r->api->signals_fed(r->ctx) : OTELC_TRACES;
    r->srv[OTLP_HTTP].set.http.signals = r->served;
}

static int recv_start(void *state)
{
    otlp_recv *r = state;
    note_served(r);
    register_metrics(r);
    otlp_auth_metrics(r);
    /* Cross-thread event_active needs locking bases; the host enables
     * it too, and enabling it twice with the same functions is harmless. */
    evthread_use_pthreads();
    if (h2_setup(r) != 0) {
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot set up HTTP/2: out of memory");
        return -1;
    }
    /* Both ports bind before any thread runs: a port in use fails start
     * with nothing half-served. */
    for (int p = 0; p < OTLP_NPROTO; p++)
        if (r->srv[p].on && server_start(&r->srv[p]) != 0)
            return -1;
    for (int p = 0; p < OTLP_NPROTO; p++) {
        if (r->srv[p].on && loops_start(&r->srv[p]) != 0) {
            r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot start loop threads");
            return -1;
        }
    }
    r->started = true;
    return 0;
}

/* Waits for the connections to finish their calls and close. */
static int wait_drained(otlp_recv *r, int64_t deadline_ns)
{
    struct timespec nap = {0, 2000000};
    while (atomic_load(&r->nconns) > 0) {
        if (otelc_mono_ns() >= deadline_ns)
            return -1;
        nanosleep(&nap, NULL);
    }
    return 0;
}

static void post_all(otlp_recv *r, unsigned cmds)
{
    for (int p = 0; p < OTLP_NPROTO; p++)
        loops_post_all(&r->srv[p], cmds);
}

static int recv_shutdown(void *state, int64_t deadline_ns)
{
    otlp_recv *r = state;
    if ((!r->srv[OTLP_GRPC].loops && !r->srv[OTLP_HTTP].loops) || r->stopped)
        return 0;
    atomic_store(&r->draining, true);
    int rc = 0;
    if (r->started) {
        post_all(r, MB_CMD_DRAIN);
        rc = wait_drained(r, deadline_ns);
        if (rc != 0)
            r->api->log(r->ctx, OTELC_LOG_WARN,
                        "%zu connection(s) still busy at the shutdown deadline; closing them",
                        atomic_load(&r->nconns));
    }
    post_all(r, MB_CMD_STOP);
    for (int p = 0; p < OTLP_NPROTO; p++)
        loops_join(&r->srv[p]);
    r->stopped = true;
    return rc;
}

static void destroy(void *state)
{
    otlp_recv *r = state;
    recv_shutdown(r, otelc_mono_ns());
    for (int p = 0; p < OTLP_NPROTO; p++) {
        loops_free(&r->srv[p]);
        otlp_tls_ctx_free(r->srv[p].ssl_ctx);
    }
    if (r->h2opt)
        nghttp2_option_del(r->h2opt);
    if (r->cbs)
        nghttp2_session_callbacks_del(r->cbs);
    otlp_config_nodes_free(r);
    free(r);
}

static const otelc_plugin otlp_receiver = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_RECEIVER,
    .type = "otlp",
    .version = "0.1.0",
    .doc = "OTLP traces, metrics and logs over gRPC and HTTP (protobuf or JSON; HTTP/1.1, h2c "
           "or TLS)",
    .config_keys = otlp_cfg_keys,
    .config_size = sizeof(otlp_cfg),
    .create = create,
    .start = recv_start,
    .resume = recv_resume,
    .shutdown = recv_shutdown,
    .destroy = destroy,
    .signals = OTELC_ALL_SIGNALS,
};

OTELC_PLUGIN(otlp_receiver)
