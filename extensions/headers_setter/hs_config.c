/*
 * hs_config.c: the `headers` list of headers_setter, read through the
 * host's node accessors and checked as the collector checks it.
 */
#include <string.h>

#include "headers_setter.h"

typedef struct hs_reader {
    otelc_ctx *ctx;
    const otelc_host_api *api;
} hs_reader;

static int fail(const hs_reader *r, const otelc_node *at, const char *why)
{
    r->api->config_error(r->ctx, at, "%s", why);
    return -1;
}

/* The string of key in item into *out (NULL when absent); -1 if not one. */
static int opt_string(const hs_reader *r, const otelc_node *item, const char *key,
                      const char **out)
{
    const otelc_node *n = r->api->node_get(item, key);
    *out = NULL;
    if (!n || r->api->node_kind(n) == OTELC_NODE_NULL)
        return 0;
    return r->api->node_string(r->ctx, n, out);
}

static int known_keys(const hs_reader *r, const otelc_node *item)
{
    static const char *const keys[] = {"key", "value", "from_context", "default_value",
                                       "action", "value_file", "from_attribute", NULL};
    for (size_t i = 0; i < r->api->node_len(item); i++) {
        const otelc_node *e = r->api->node_at(item, i);
        const char *k = r->api->node_key(e);
        size_t j = 0;
        while (keys[j] && strcmp(keys[j], k) != 0)
            j++;
        if (!keys[j])
            return fail(r, e, "unknown key (key, value, from_context, default_value, action)");
        if (j >= 5)
            return fail(r, e, "collector key not supported yet");
    }
    return 0;
}

static int parse_action(const hs_reader *r, const otelc_node *item, hs_header *h)
{
    static const char *const names[] = {"upsert", "insert", "update", "delete"};
    const char *a = NULL;
    if (opt_string(r, item, "action", &a) != 0)
        return -1;
    if (!a || !*a) {
        r->api->log(r->ctx, OTELC_LOG_WARN, "The action was not provided, using 'upsert'. "
                                            "In future versions, we'll require this to be "
                                            "explicitly set");
        h->action = HS_UPSERT;
        return 0;
    }
    for (size_t i = 0; i < 4; i++)
        if (strcmp(a, names[i]) == 0) {
            h->action = (hs_action)i;
            return 0;
        }
    return fail(r, r->api->node_get(item, "action"),
                "action: must be insert, update, upsert or delete");
}

/* The collector's Validate for one entry. */
static int check_sources(const hs_reader *r, const otelc_node *item, const hs_header *h)
{
    if (!h->key || !*h->key)
        return fail(r, item, "missing header name");
    if (h->action == HS_DELETE)
        return 0;
    if (!h->value && !h->from_context)
        return fail(r, item,
                    "missing header source, must be 'from_context', 'from_attribute' or 'value'");
    if (h->value && h->from_context)
        return fail(r, item,
                    "invalid header source, must either 'from_context', 'from_attribute' or "
                    "'value'");
    return 0;
}

static int parse_item(const hs_reader *r, const otelc_node *item, hs_header *h)
{
    memset(h, 0, sizeof(*h));
    if (r->api->node_kind(item) != OTELC_NODE_MAP)
        return fail(r, item, "each header must be a map {key, value | from_context, action}");
    if (known_keys(r, item) != 0 || opt_string(r, item, "key", &h->key) != 0 ||
        opt_string(r, item, "value", &h->value) != 0 ||
        opt_string(r, item, "from_context", &h->from_context) != 0 ||
        opt_string(r, item, "default_value", &h->default_value) != 0 ||
        parse_action(r, item, h) != 0)
        return -1;
    return check_sources(r, item, h);
}

long hs_config_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     hs_header *out)
{
    hs_reader r = {ctx, api};
    int kind = list ? api->node_kind(list) : OTELC_NODE_NULL;
    if (kind != OTELC_NODE_LIST || api->node_len(list) == 0)
        return fail(&r, list, "missing headers configuration");
    size_t n = api->node_len(list);
    if (n > HS_MAX_HEADERS)
        return fail(&r, list, "headers: at most 64 entries");
    for (size_t i = 0; i < n; i++)
        if (parse_item(&r, api->node_at(list, i), &out[i]) != 0)
            return -1;
    return (long)n;
}
