/*
 * headers.c: the `headers` key as gRPC metadata, in both of the
 * collector's shapes (a map of names to values, or a list of {name,
 * value}). Names are lower-cased as grpc-go does; values that would break
 * a header, and names the protocol reserves, are refused at validation.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* grpc-go's rule for metadata keys: 0-9 a-z _ - . (after lower-casing);
 * pseudo-headers and the grpc- prefix belong to the protocol. */
bool og_header_name_ok(const char *name)
{
    if (!*name || strncasecmp(name, "grpc-", 5) == 0)
        return false;
    for (const char *s = name; *s; s++) {
        char c = (char)tolower((unsigned char)*s);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return false;
    }
    return strcasecmp(name, "content-type") != 0 && strcasecmp(name, "te") != 0;
}

/* Printable ASCII only, as HTTP/2 field values of gRPC's ASCII metadata. */
static bool value_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static bool is_bin(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, "-bin") == 0;
}

/* Standard base64 without padding, as grpc-go sends binary metadata. */
static char *base64(const char *in)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    char *out = malloc(n / 3 * 4 + 5);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (uint32_t)(unsigned char)in[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = abc[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = abc[v & 63];
    }
    out[o] = 0;
    return out;
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

int og_headers_add(og_headers *h, const char *name, const char *value)
{
    bool bin = is_bin(name);
    if (!og_header_name_ok(name) || (!bin && !value_ok(value)) || h->n == OG_HEADERS_MAX)
        return -1;
    char *n = lower_dup(name);
    char *v = bin ? base64(value) : strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -2;
    }
    h->names[h->n] = n;
    h->values[h->n++] = v;
    return 0;
}

bool og_headers_has(const og_headers *h, const char *name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (strcmp(h->names[i], name) == 0)
            return true;
    return false;
}

static int add_pair(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *at,
                    og_headers *out, const char *name, const char *value)
{
    if (out->n == OG_HEADERS_MAX) {
        api->config_error(ctx, at, "headers: more than %d headers", OG_HEADERS_MAX);
        return -1;
    }
    int rc = og_headers_add(out, name, value);
    if (rc == -1)
        api->config_error(ctx, at, "headers: \"%s\" is not a valid gRPC metadata name or its "
                                   "value is not printable ASCII", name);
    return rc == 0 ? 0 : -1;
}

/* One {name, value} item of the list form. */
static int parse_item(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *item,
                      og_headers *out)
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
    return add_pair(ctx, api, item, out, name, value ? value : "");
}

static int parse_entry(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *e,
                       og_headers *out)
{
    const char *value = "";
    if (api->node_kind(e) != OTELC_NODE_NULL && api->node_string(ctx, e, &value) != 0)
        return -1;
    return add_pair(ctx, api, e, out, api->node_key(e), value ? value : "");
}

int og_headers_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *node,
                     og_headers *out)
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
            og_headers_free(out);
            return -1;
        }
    }
    return 0;
}

void og_headers_free(og_headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->names[i]);
        free(h->values[i]);
    }
    h->n = 0;
}

const otelc_node *og_key_node(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *base,
                              const char *err)
{
    char key[64];
    size_t n = strcspn(err, ": ");
    if (err[n] != ':' || n >= sizeof(key))
        return NULL;
    memcpy(key, err, n);
    key[n] = 0;
    const otelc_node *at = base ? base : api->config_node(ctx);
    char *save = NULL;
    for (char *part = strtok_r(key, ".", &save); part && at; part = strtok_r(NULL, ".", &save))
        at = api->node_get(at, part);
    return at;
}
