/*
 * tk_node.c: the node services of the table and config errors, which
 * name the position and the key path as the host's do
 * ("config:3:7: key 'keys[1]': ...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit_impl.h"

int tk_node_kind(const otelc_node *n)
{
    return n ? (int)n->kind : OTELC_NODE_NULL;
}

size_t tk_node_len(const otelc_node *n)
{
    return n ? n->children.n : 0;
}

const otelc_node *tk_node_at(const otelc_node *n, size_t i)
{
    return n && i < n->children.n ? n->children.items[i] : NULL;
}

const char *tk_node_key(const otelc_node *n)
{
    return n ? n->key : NULL;
}

const otelc_node *tk_node_get(const otelc_node *map, const char *key)
{
    if (!map || !key || map->kind != OTELC_NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->children.n; i++) {
        const otelc_node *c = map->children.items[i];
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

static size_t index_in_parent(const otelc_node *n)
{
    size_t i = 0;
    while (i < n->parent->children.n && n->parent->children.items[i] != n)
        i++;
    return i;
}

/* The path from the config root: "a.b[2].c". */
static void path_of(const otelc_node *n, char *buf, size_t cap, size_t *len)
{
    if (!n || !n->parent)
        return;
    path_of(n->parent, buf, cap, len);
    int w;
    if (n->parent->kind == OTELC_NODE_LIST)
        w = snprintf(buf + *len, cap - *len, "[%zu]", index_in_parent(n));
    else
        w = snprintf(buf + *len, cap - *len, "%s%s", *len ? "." : "", n->key);
    if (w > 0)
        *len = *len + (size_t)w < cap ? *len + (size_t)w : cap - 1;
}

void tk_vconfig_error(otelc_test_host *h, const otelc_node *at, bool at_key, const char *fmt,
                      va_list ap)
{
    char msg[1024], path[512];
    size_t len = 0;
    const otelc_node *n = at ? at : h->config;
    path[0] = '\0';
    path_of(n, path, sizeof(path), &len);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    unsigned line = n ? (at_key ? n->key_line : n->line) : 1;
    unsigned col = n ? (at_key ? n->key_col : n->col) : 1;
    pthread_mutex_lock(&h->mu);
    h->config_errors++;
    pthread_mutex_unlock(&h->mu);
    if (path[0])
        tk_error(h, "config:%u:%u: key '%s': %s", line, col, path, msg);
    else
        tk_error(h, "config:%u:%u: %s", line, col, msg);
}

void tk_config_error(otelc_test_host *h, const otelc_node *at, bool at_key, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    tk_vconfig_error(h, at, at_key, fmt, ap);
    va_end(ap);
}

void tk_note_config_call(otelc_test_host *h)
{
    pthread_mutex_lock(&h->mu);
    h->late_config_calls += h->created;
    pthread_mutex_unlock(&h->mu);
}

/* The node services answer 0 for a value or an absent one (out left as
 * it was: the caller's default), -1 after reporting. */
int tk_node_string(otelc_ctx *ctx, const otelc_node *n, const char **out)
{
    tk_note_config_call(tk_host(ctx));
    return tk_read_string(tk_host(ctx), n, out) < 0 ? -1 : 0;
}

int tk_node_int(otelc_ctx *ctx, const otelc_node *n, int64_t *out)
{
    tk_note_config_call(tk_host(ctx));
    return tk_read_int(tk_host(ctx), n, out) < 0 ? -1 : 0;
}

int tk_node_bool(otelc_ctx *ctx, const otelc_node *n, bool *out)
{
    tk_note_config_call(tk_host(ctx));
    return tk_read_bool(tk_host(ctx), n, out) < 0 ? -1 : 0;
}

int tk_node_duration(otelc_ctx *ctx, const otelc_node *n, int64_t *out_ns)
{
    tk_note_config_call(tk_host(ctx));
    return tk_read_duration(tk_host(ctx), n, out_ns) < 0 ? -1 : 0;
}
