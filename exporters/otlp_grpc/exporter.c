/*
 * exporter.c: the otlp_grpc exporter (the collector's otlp_grpc, alias
 * otlp): OTLP over gRPC through one client of libs/grpcclient (unary
 * TraceService/Export, MetricsService/Export and LogsService/Export calls
 * by each batch's signal, multiplexed on one HTTP/2 connection on a loop
 * thread of its own). Descriptor, lifecycle and the request-based calls.
 *
 * The host's queue consumers call export_prepare once per outgoing batch
 * (framing and compression happen there, on whichever cores are free)
 * and export_send at every attempt, which hands the call to the client's
 * loop and answers PENDING; the loop completes the ticket exactly once
 * (grpcclient/answer.h says with what). Without a sending queue, consume
 * does both per call. With auth.authenticator (resolved here, at create),
 * the client asks the authenticator for every attempt's metadata.
 */
#include <stdlib.h>

#include <grpcclient/grpcclient.h>

/* An outgoing batch as it goes on the wire: made once, sent at every
 * attempt. */
struct otelc_request {
    og_payload p;
};

typedef struct otlp_grpc {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    og_settings set;
    og_headers headers;
    og_auth auth;
    og_metrics metrics;
    ogrpc *client;
} otlp_grpc;

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    char err[512];
    otlp_grpc *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->ctx = ctx;
    x->api = api;
    og_cfg_extra extra = {.keepalive_present =
                              api->node_get(api->config_node(ctx), "keepalive") != NULL};
    if (og_settings_init(&x->set, cfg, &extra, err, sizeof(err)) != 0) {
        api->config_error(ctx, og_key_node(ctx, api, NULL, err), "%s", err);
        free(x);
        return -1;
    }
    const og_cfg *c = cfg;
    if (og_headers_parse(ctx, api, c->headers, &x->headers) != 0 ||
        og_auth_resolve(ctx, api, NULL, "", c->auth_authenticator, &x->auth) != 0 ||
        og_metrics_register(ctx, api, &x->metrics) != 0)
        goto fail;
    /* the host's `timeout` default is the collector's 5s */
    og_client_opts o = {.ctx = ctx, .api = api, .cfg = cfg, .set = &x->set,
                        .headers = &x->headers, .auth = &x->auth, .metrics = &x->metrics,
                        .timeout_ns = api->exporter_timeout_ns(ctx), .may_pause = true,
                        .report_health = true};
    x->client = og_client_new(&o);
    if (!x->client)
        goto fail;
    *state = x;
    return 0;
fail:
    og_headers_free(&x->headers);
    free(x);
    return -1;
}

static int og_start(void *state)
{
    otlp_grpc *x = state;
    return og_client_start(x->client);
}

static otelc_status prepare(otlp_grpc *x, otelc_batch *b, otelc_request **out)
{
    og_payload *p;
    otelc_status st = og_payload_build(x->ctx, x->api, x->set.compression, &x->auth, b, &p);
    if (st == OTELC_OK)
        *out = (otelc_request *)p; /* the payload is the request's first member */
    return st;
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    otlp_grpc *x = state;
    if (otelc_batch_spans(b) == 0)
        return OTELC_OK; /* nothing worth a call */
    otelc_request *r;
    otelc_status st = prepare(x, b, &r);
    return st == OTELC_OK ? og_client_send(x->client, &r->p, true, t, NULL, NULL) : st;
}

static otelc_status export_prepare(void *state, otelc_batch *b, otelc_request **out)
{
    return prepare(state, b, out);
}

static otelc_status export_send(void *state, otelc_request *r, otelc_ticket *t)
{
    otlp_grpc *x = state;
    return r->p.spans ? og_client_send(x->client, &r->p, false, t, NULL, NULL) : OTELC_OK;
}

static void request_free(void *state, otelc_request *r)
{
    (void)state;
    og_payload_free(&r->p);
}

/* Held calls give their batches back at once; running ones get until the
 * deadline, then are cancelled with RETRY. */
static int og_shutdown(void *state, int64_t deadline_ns)
{
    otlp_grpc *x = state;
    return og_client_shutdown(x->client, deadline_ns);
}

static void destroy(void *state)
{
    otlp_grpc *x = state;
    og_client_free(x->client);
    og_headers_free(&x->headers);
    free(x);
}

static const otelc_plugin og_plugin = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "otlp_grpc",
    .version = OTELC_VERSION,
    .doc = "sends traces, metrics and logs over OTLP/gRPC (alias otlp)",
    .flags = OTELC_CONSUME_THREAD_SAFE,
    .config_keys = og_config_keys,
    .config_size = sizeof(og_cfg),
    .signals = OTELC_ALL_SIGNALS,
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
