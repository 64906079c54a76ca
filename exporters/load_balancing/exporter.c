/*
 * exporter.c: the load_balancing exporter (the collector's
 * loadbalancing, now load_balancing; the old name works with its
 * warning): every span of a trace (or of a service, with routing_key
 * service) to one backend of a consistent-hash ring (ring.h), each
 * backend an otlp_grpc client of libs/grpcclient with the protocol.otlp
 * settings, the backends from a static list or a DNS name resolved every
 * interval (resolver.h). Descriptor, lifecycle, metrics.
 *
 * export_prepare cuts an outgoing batch per backend and frames each piece
 * once; export_send sends the pieces not delivered yet, so the host's
 * retry of a batch goes only to the backends that failed (request.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/signal.h>

#include "lb.h"

/* Registers one series into *out; false when the host refused. */
static bool series(lb_exporter *x, otelc_series **out, const char *name, const char *help,
                   otelc_metric_type type, const char *success)
{
    const char *labels[] = {"exporter", x->api->instance_id(x->ctx), "resolver",
                            x->resolver_name, success ? "success" : NULL, success, NULL};
    otelc_metric_desc d = {.name = name, .help = help, .type = type, .labels = labels};
    *out = x->api->metric(x->ctx, &d);
    return *out != NULL;
}

/* The collector's otelcol_loadbalancer_* figures, and the otlp_grpc
 * client's own summed over the backends. */
static int register_metrics(lb_exporter *x)
{
    bool ok = series(x, &x->num_backends, "otelcol_loadbalancer_num_backends",
                     "Current number of backends in use.", OTELC_GAUGE, NULL);
    ok &= series(x, &x->updates, "otelcol_loadbalancer_num_backend_updates_total",
                 "Number of times the list of backends was updated.", OTELC_COUNTER, NULL);
    for (int i = 0; i < 2; i++)
        ok &= series(x, &x->resolutions[i], "otelcol_loadbalancer_num_resolutions_total",
                     "Number of times the resolver has triggered new resolutions.",
                     OTELC_COUNTER, i ? "true" : "false");
    return ok && og_metrics_register(x->ctx, x->api, &x->metrics) == 0 ? 0 : -1;
}

static void on_outcome(void *arg, bool ok, const char *err)
{
    lb_exporter *x = arg;
    x->api->metric_add(x->resolutions[ok], 1);
    if (!ok)
        x->api->log(x->ctx, OTELC_LOG_WARN, "failed to resolve: %s", err);
}

static void resolver_init(lb_exporter *x)
{
    lb_resolver *r = &x->res;
    const lb_cfg *c = x->cfg;
    if (strcmp(x->resolver_name, "static") == 0) {
        r->hostnames = c->static_hostnames.items;
        r->nhostnames = c->static_hostnames.n;
    }
    r->dns_host = c->dns_hostname;
    r->dns_port = c->dns_port;
    r->interval_ns = c->dns_interval > 0 ? c->dns_interval : 5000000000LL;
    r->timeout_ns = c->dns_timeout > 0 ? c->dns_timeout : 1000000000LL;
    r->on_change = lb_backends_update;
    r->on_outcome = on_outcome;
    r->arg = x;
}

/* The earlier of the balancer's `timeout` and protocol.otlp.timeout. */
static int64_t call_timeout(const lb_exporter *x)
{
    int64_t top = x->api->exporter_timeout_ns(x->ctx), own = x->cfg->proto_timeout;
    if (top <= 0 || (own > 0 && own < top))
        return own;
    return top;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    lb_exporter *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->ctx = ctx;
    x->api = api;
    x->cfg = cfg;
    if (lb_config_check(x) != 0 || register_metrics(x) != 0) {
        og_headers_free(&x->headers);
        free(x);
        return -1;
    }
    x->call_timeout_ns = call_timeout(x);
    resolver_init(x);
    pthread_rwlock_init(&x->rw, NULL);
    *state = x;
    return 0;
}

/* "traces by traceID, logs by service": each signal's routing key. */
static void describe_keys(const lb_exporter *x, char *out, size_t cap)
{
    static const char *const names[] = {"traceID", "service", "metric"};
    size_t w = 0;
    out[0] = 0;
    for (unsigned s = 0; s < OTELC_NSIGNALS && w < cap; s++)
        if (x->signals & otelc_signal_at(s))
            w += (size_t)snprintf(out + w, cap - w, "%s%s by %s", w ? ", " : "",
                                  otelc_signal_name(otelc_signal_at(s)), names[x->key[s]]);
}

static int lb_start(void *state)
{
    lb_exporter *x = state;
    char keys[96];
    if (lb_resolver_start(&x->res) != 0) {
        x->api->log(x->ctx, OTELC_LOG_ERROR, "cannot start the resolver thread");
        return -1;
    }
    atomic_store(&x->started, true);
    describe_keys(x, keys, sizeof(keys));
    x->api->log(x->ctx, OTELC_LOG_INFO, "balancing %s over the %s resolver's backends", keys,
                x->resolver_name);
    return 0;
}

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    lb_exporter *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return lb_prepare(x, b, out);
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    lb_exporter *x = state;
    if (!atomic_load(&x->started))
        return OTELC_RETRY;
    return lb_send(x, r, t, false);
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    otelc_request *r;
    otelc_status st = export_prepare(state, b, &r);
    return st == OTELC_OK ? lb_send(state, r, t, true) : st;
}

static void request_free(void *state, otelc_request *r)
{
    (void)state;
    lb_request_free(r);
}

static size_t request_bytes(void *state, const otelc_request *r)
{
    (void)state;
    return lb_request_bytes(r);
}

/* The resolver stops first (no more table changes), then every backend
 * drains until the deadline. */
static int lb_shutdown(void *state, int64_t deadline_ns)
{
    lb_exporter *x = state;
    if (!atomic_exchange(&x->started, false))
        return 0;
    lb_resolver_stop(&x->res);
    return lb_backends_close(x, deadline_ns);
}

static void destroy(void *state)
{
    lb_exporter *x = state;
    lb_shutdown(x, otelc_mono_ns());
    lb_resolver_stop(&x->res);
    lb_backends_close(x, otelc_mono_ns());
    pthread_rwlock_destroy(&x->rw);
    og_headers_free(&x->headers);
    free(x);
}

static const otelc_plugin lb_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "load_balancing",
    .version = OTELC_VERSION,
    .doc = "traces, metrics and logs by trace id, service or metric over a consistent-hash "
           "ring of OTLP/gRPC backends (alias loadbalancing)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = lb_config_keys,
    .config_size = sizeof(lb_cfg),
    .signals = OTELC_ALL_SIGNALS,
    .create = create,
    .start = lb_start,
    .consume = consume,
    .shutdown = lb_shutdown,
    .destroy = destroy,
    .export_prepare = export_prepare,
    .export_send = export_send,
    .request_free = request_free,
    .request_bytes = request_bytes,
};

OTELC_PLUGIN(lb_plugin)
