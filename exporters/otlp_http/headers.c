/*
 * headers.c: the `headers` key, in both of the collector's shapes (a map
 * of names to values, or a list of {name, value}), checked so a value can
 * never smuggle a second header line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

/* An HTTP token (RFC 9110): what a header name may hold. */
static bool name_ok(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(extra, *s)))
            return false;
    return true;
}

static bool value_ok(const char *s)
{
    return !strpbrk(s, "\r\n");
}

static int add_line(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *at,
                    oh_headers *out, const char *name, const char *value)
{
    if (!name_ok(name) || !value_ok(value)) {
        api->config_error(ctx, at, "headers: \"%s\" is not a valid header name or its value "
                                   "holds a line break", name);
        return -1;
    }
    if (out->n == OH_HEADERS_MAX) {
        api->config_error(ctx, at, "headers: more than %d headers", OH_HEADERS_MAX);
        return -1;
    }
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    if (!line)
        return -1;
    snprintf(line, len, "%s: %s", name, value);
    out->lines[out->n++] = line;
    return 0;
}

/* One {name, value} item of the list form. */
static int parse_item(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *item,
                      oh_headers *out)
{
    const char *name = NULL, *value = "";
    if (api->node_kind(item) != OTELC_NODE_MAP || api->node_len(item) > 2) {
        api->config_error(ctx, item, "headers: each item must be {name, value}");
        return -1;
    }
    if (api->node_string(ctx, api->node_get(item, "name"), &name) != 0 || !name) {
        api->config_error(ctx, item, "headers: an item has no name");
        return -1;
    }
    const otelc_node *v = api->node_get(item, "value");
    if (v && api->node_string(ctx, v, &value) != 0)
        return -1;
    return add_line(ctx, api, item, out, name, value ? value : "");
}

static int parse_entry(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *e,
                       oh_headers *out)
{
    const char *value = "";
    if (api->node_kind(e) != OTELC_NODE_NULL && api->node_string(ctx, e, &value) != 0)
        return -1;
    return add_line(ctx, api, e, out, api->node_key(e), value ? value : "");
}

int oh_headers_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                     oh_headers *out)
{
    memset(out, 0, sizeof(*out));
    int kind = node ? api->node_kind(node) : OTELC_NODE_NULL;
    if (kind != OTELC_NODE_NULL && kind != OTELC_NODE_MAP && kind != OTELC_NODE_LIST) {
        api->config_error(ctx, node, "headers: must be a map of names to values");
        return -1;
    }
    size_t n = kind == OTELC_NODE_NULL ? 0 : api->node_len(node);
    for (size_t i = 0; i < n; i++) {
        const otelc_node *e = api->node_at(node, i);
        int rc = kind == OTELC_NODE_LIST ? parse_item(ctx, api, e, out)
                                         : parse_entry(ctx, api, e, out);
        if (rc != 0) {
            oh_headers_free(out);
            return -1;
        }
    }
    return 0;
}

bool oh_headers_has(const oh_headers *h, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < h->n; i++)
        if (strncasecmp(h->lines[i], name, len) == 0 && h->lines[i][len] == ':')
            return true;
    return false;
}

void oh_headers_free(oh_headers *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->lines[i]);
    h->n = 0;
}
