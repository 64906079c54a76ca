/*
 * auth.c: `auth: { authenticator: <id> }`, as configgrpc has it: the
 * extension's auth.client service adds metadata to every attempt (its
 * per-RPC credentials). The exporter that owns the keys resolves the id
 * once (otlp_grpc's auth.authenticator, load_balancing's
 * protocol.otlp.auth.authenticator); each of its clients asks the
 * authenticator at every call. What it adds sits between otelc's own
 * header fields and the `headers` key's: it replaces otelc's of the same
 * name (user-agent) and is replaced by the key's, as in otlp_http. It
 * never sets what the protocol owns (pseudo-headers, content-type, te,
 * grpc-*).
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "client.h"

#define LOG_EVERY_NS (INT64_C(10) * 1000000000)

/* The collector's texts for an id that leads to no client authenticator. */
static void resolve_failed(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *at,
                           const char *id)
{
    void *other = NULL;
    bool server = api->service_lookup(ctx, OTELC_SERVICE_AUTH_SERVER, id, &other) != NULL;
    api->config_error(ctx, at,
                      server ? "\"%s\": requested authenticator is not a client authenticator"
                             : "failed to resolve authenticator \"%s\": authenticator not "
                               "found (is it defined and listed in service.extensions?)",
                      id);
}

int og_auth_resolve(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *base,
                    const char *prefix, const char *id, og_auth *out)
{
    memset(out, 0, sizeof(*out));
    out->ctx = ctx;
    out->api = api;
    out->id = id;
    const otelc_node *auth = api->node_get(base ? base : api->config_node(ctx), "auth");
    if (!auth)
        return 0;
    const otelc_node *at = api->node_get(auth, "authenticator");
    if (!otelc_host_has(api, service_lookup) || !id || !*id) {
        api->config_error(ctx, at ? at : auth, "%sauth.authenticator: %s", prefix,
                          id && *id ? "the host is too old for authenticators" : "missing");
        return -1;
    }
    const otelc_auth_client *c = api->service_lookup(ctx, OTELC_SERVICE_AUTH_CLIENT, id,
                                                     &out->state);
    if (c && c->struct_size >= sizeof(otelc_auth_client)) {
        out->client = c;
        return 0;
    }
    out->state = NULL;
    resolve_failed(ctx, api, at, id);
    return -1;
}

int og_auth_metadata(const otelc_batch *b, char ***out)
{
    const otelc_batch_meta *m = otelc_batch_meta_of(b);
    size_t n = m ? m->npairs : 0, bytes = (2 * n + 1) * sizeof(char *);
    *out = NULL;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(m->pairs[i].key) + strlen(m->pairs[i].value) + 2;
    char **list = malloc(bytes);
    if (!list)
        return -1;
    char *p = (char *)(list + 2 * n + 1);
    for (size_t i = 0; i < 2 * n; i++) {
        const char *s = i % 2 ? m->pairs[i / 2].value : m->pairs[i / 2].key;
        size_t len = strlen(s) + 1;
        list[i] = memcpy(p, s, len);
        p += len;
    }
    list[2 * n] = NULL;
    *out = list;
    return 0;
}

typedef struct collected {
    og_headers *h;
    bool failed; /* out of memory */
} collected;

/* One field from the authenticator, copied (its strings are lent for
 * this call only). og_headers_add leaves out what a client may not send:
 * bad names, the protocol's own, values with control characters. */
static void collect(void *arg, const char *name, const char *value)
{
    collected *c = arg;
    if (name && value && og_headers_add(c->h, name, value) == -2)
        c->failed = true;
}

static void log_no_credentials(og_auth *a)
{
    int64_t now = otelc_mono_ns();
    int64_t last = atomic_load(&a->logged_ns);
    bool due = (!last || now - last >= LOG_EVERY_NS) &&
               atomic_compare_exchange_strong(&a->logged_ns, &last, now);
    if (due)
        a->api->log(a->ctx, OTELC_LOG_WARN, "the authenticator %s has no credentials now; "
                                            "retrying the batch later", a->id);
}

int og_auth_headers(og_auth *a, const char *const *metadata, og_headers *out)
{
    collected c = {out, false};
    memset(out, 0, sizeof(*out));
    int rc = a->client->headers(a->state, metadata, collect, &c);
    if (rc != 0)
        log_no_credentials(a);
    if (rc == 0 && !c.failed)
        return 0;
    og_headers_free(out);
    return -1;
}

static nghttp2_nv field(const char *name, const char *value)
{
    return (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value),
                        NGHTTP2_NV_FLAG_NONE};
}

/* The unary method of each signal's service. */
const char *og_export_path(otelc_signal s)
{
    if (s == OTELC_METRICS)
        return "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    if (s == OTELC_LOGS)
        return "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    return "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
}

size_t og_call_nva(const ogrpc *x, const og_call *call, nghttp2_nv *out)
{
    const og_headers *a = &call->auth;
    size_t n = 0;
    for (size_t i = 0; i < x->nown; i++)
        if (i == x->path_at)
            out[n++] = field(":path", og_export_path(call->req->signal));
        else if (!og_headers_has(a, (const char *)x->nva[i].name))
            out[n++] = x->nva[i];
    for (size_t i = 0; i < a->n; i++)
        if (!og_headers_has(x->headers, a->names[i]))
            out[n++] = field(a->names[i], a->values[i]);
    for (size_t i = x->nown; i < x->nnva; i++)
        out[n++] = x->nva[i];
    return n;
}
