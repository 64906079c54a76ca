/*
 * headers_setter.c: the collector's headers_setter extension, a client
 * authenticator that sets headers on exporters' requests: a static
 * `value`, or `from_context`, the value of a key of the batch's client
 * metadata (what a receiver with include_metadata kept of its request's
 * headers), else `default_value`. Each entry's action applies to the
 * headers the entries before it set, starting from none, as the
 * collector's gRPC path applies them: insert sets a header not set yet,
 * update one that is, upsert either way, delete removes one.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authkit/authkit.h"
#include "headers_setter.h"

typedef struct hs {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    hs_header h[HS_MAX_HEADERS];
    size_t n;
} hs;

/* The headers being built for one request. */
typedef struct hs_set {
    const char *name[HS_MAX_HEADERS];
    const char *value[HS_MAX_HEADERS];
    size_t n;
} hs_set;

static long find(const hs_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->name[i], name) == 0)
            return (long)i;
    return -1;
}

static void apply(hs_set *s, const hs_header *h, const char *value)
{
    long at = find(s, h->key);
    if (h->action == HS_DELETE || (h->action == HS_INSERT && at >= 0) ||
        (h->action == HS_UPDATE && at < 0)) {
        if (h->action == HS_DELETE && at >= 0) {
            s->name[at] = s->name[s->n - 1];
            s->value[at] = s->value[--s->n];
        }
        return;
    }
    if (at < 0) {
        at = (long)s->n++;
        s->name[at] = h->key;
    }
    s->value[at] = value;
}

/* The value of key in the metadata (any case; the first of several). */
static const char *from_context(const hs_header *h, const char *const *metadata)
{
    const char *v = ak_header(metadata, h->from_context);
    if (v)
        return v;
    return h->default_value ? h->default_value : "";
}

static int hs_headers(void *state, const char *const *metadata,
                      void (*add)(void *arg, const char *name, const char *value), void *arg)
{
    const hs *x = state;
    hs_set s = {.n = 0};
    for (size_t i = 0; i < x->n; i++) {
        const hs_header *h = &x->h[i];
        apply(&s, h, h->value ? h->value : h->from_context ? from_context(h, metadata) : "");
    }
    for (size_t i = 0; i < s.n; i++)
        add(arg, s.name[i], s.value[i]);
    return 0;
}

static const otelc_auth_client hs_client = {sizeof(otelc_auth_client), hs_headers};

static int hs_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    const hs_cfg *c = cfg;
    hs *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    *x = (hs){.ctx = ctx, .api = api};
    long n = hs_config_parse(ctx, api, c->headers, x->h);
    if (n >= 0 && !otelc_host_has(api, service_provide)) {
        api->log(ctx, OTELC_LOG_ERROR, "the host is too old for authenticators");
        n = -1;
    }
    if (n < 0 || api->service_provide(ctx, OTELC_SERVICE_AUTH_CLIENT, &hs_client, x) != 0) {
        free(x);
        return -1;
    }
    x->n = (size_t)n;
    *state = x;
    return 0;
}

static void hs_destroy(void *state)
{
    free(state);
}

static const otelc_cfg_key hs_keys[] = {
    {"headers", OTELC_CFG_NODE, NULL,
     "list of {key, value | from_context, default_value, action}",
     offsetof(hs_cfg, headers), 0},
    {"additional_auth", OTELC_CFG_STRING, NULL, "not supported yet", 0, OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_plugin hs_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "headers_setter",
    .version = OTELC_VERSION,
    .doc = "sets exporters' request headers from values or the batch's client metadata",
    .config_keys = hs_keys,
    .config_size = sizeof(hs_cfg),
    .create = hs_create,
    .destroy = hs_destroy,
};

OTELC_PLUGIN(hs_desc)
