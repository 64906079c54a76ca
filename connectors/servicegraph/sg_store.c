/*
 * sg_store.c: requests between services, paired from their two spans as
 * the collector's store pairs them.
 *
 * A client (or producer) span is one side of the request keyed by its
 * trace id and its own span id; a server (or consumer) span the other
 * side, keyed by its trace id and its parent span id. Whichever comes
 * first waits here; the other completes the request (and the edge goes
 * to its series). A client span naming a database (database_name_
 * attributes) completes a request on its own. At most store.max_items
 * wait: a span that would need one more is dropped and counted
 * (otelcol_connector_servicegraph_dropped_spans). After store.ttl a
 * waiting request expires (counted in _expired_edges); with
 * virtual_node_peer_attributes it is completed against a virtual node:
 * a root server span's caller becomes "user", a client span's missing
 * server the value of its first peer attribute, or "unknown".
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "otlpmetrics/attrs.h"
#include "sg.h"

static void edge_free(const sg *g, sg_edge *e)
{
    for (size_t i = 0; e->dims && i < 2 * g->cfg->dimensions.n; i++)
        free(e->dims[i]);
    free(e->dims);
    free(e->client);
    free(e->server);
    free(e->peer);
    free(e);
}

static char *copy(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* A string attribute's text, in buf (freed by the caller), or NULL. */
static char *attr_text(const otlp_list *attrs, const char *name, pbw *buf)
{
    otlp_anyvalue v;
    if (otlp_attr_find(attrs, name, strlen(name), &v) <= 0)
        return NULL;
    pbw_reset(buf);
    otlpm_any_text(buf, &v);
    return buf->failed ? NULL : copy(buf->p ? (const void *)buf->p : "", buf->len);
}

/* The first of names found, each looked up in the lists in order. */
static char *first_match(sg *g, const otelc_strlist *names, const otlp_list *a,
                         const otlp_list *b)
{
    for (size_t i = 0; i < names->n; i++) {
        char *v = attr_text(a, names->items[i], &g->scratch);
        if (!v && b)
            v = attr_text(b, names->items[i], &g->scratch);
        if (v)
            return v;
    }
    return NULL;
}

static void set(char **slot, char *v)
{
    if (!v)
        return;
    free(*slot);
    *slot = v;
}

/* client_<d> or server_<d>: resource, then span attribute. */
static void upsert_dims(sg *g, sg_edge *e, const sg_side *s)
{
    const otelc_strlist *d = &g->cfg->dimensions;
    size_t base = s->client ? 0 : d->n;
    for (size_t i = 0; i < d->n; i++) {
        otelc_strlist one = {1, &d->items[i]};
        set(&e->dims[base + i], first_match(g, &one, &s->res->attrs, &s->sp->attrs));
    }
}

static double seconds(const otlp_span *sp)
{
    uint64_t a = sp->start_time_unix_nano, b = sp->end_time_unix_nano;
    return b > a ? (double)(b - a) / 1e9 : 0; /* an end before its start: no time */
}

static void update(sg *g, sg_edge *e, const sg_side *s)
{
    double d = seconds(s->sp);
    e->conn = s->conn;
    e->failed = e->failed || s->sp->status_code == 2;
    set(s->client ? &e->client : &e->server, copy(s->service, s->service_len));
    *(s->client ? &e->client_s : &e->server_s) = d;
    upsert_dims(g, e, s);
    if (!s->client)
        return;
    /* the collector takes peer attributes from the span only */
    if (g->peer_attributes->n)
        set(&e->peer, first_match(g, g->peer_attributes, &s->sp->attrs, NULL));
    char *db = first_match(g, g->db_attributes, &s->res->attrs, &s->sp->attrs);
    if (db) {
        /* a database answers no spans of its own: the request is complete */
        e->conn = SG_CONN_DATABASE;
        set(&e->server, db);
        e->server_s = d;
    }
}

static bool complete(const sg_edge *e)
{
    return e->client && e->server && *e->client && *e->server;
}

static void make_key(uint8_t key[24], const otlp_span *sp, bool client)
{
    pb_bytes sid = client ? sp->span_id : sp->parent_span_id;
    memset(key, 0, 24);
    /* ids were checked at the receiver: 16 and 8 bytes, or none */
    if (sp->trace_id.len == 16)
        memcpy(key, sp->trace_id.ptr, 16);
    if (sid.len == 8)
        memcpy(key + 16, sid.ptr, 8);
}

static sg_edge *edge_new(sg *g, const uint8_t key[24])
{
    sg_edge *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->dims = calloc(2 * g->cfg->dimensions.n + 1, sizeof(char *));
    if (!e->dims) {
        free(e);
        return NULL;
    }
    memcpy(e->key, key, 24);
    e->e = (otlpm_entry){.hash = otlpm_table_hash(&g->edges, key, 24), .key = e->key, .klen = 24};
    e->expires_ns = otelc_mono_ns() + g->cfg->store_ttl_ns;
    return e;
}

/* Takes e out of the store. */
static void unlink_edge(sg *g, sg_edge *e)
{
    otlpm_table_remove(&g->edges, &e->e);
    *(e->prev ? &e->prev->next : &g->oldest) = e->next;
    *(e->next ? &e->next->prev : &g->youngest) = e->prev;
}

static void store_new(sg *g, const sg_side *s, const uint8_t key[24])
{
    sg_edge *e = edge_new(g, key);
    if (!e)
        return;
    update(g, e, s);
    if (complete(e)) {
        g->api->metric_add(g->m_total, 1);
        sg_series_add(g, e);
        edge_free(g, e);
        return;
    }
    if (g->edges.count >= (size_t)g->cfg->store_max_items ||
        otlpm_table_insert(&g->edges, &e->e) != 0) {
        g->api->metric_add(g->m_dropped, 1);
        edge_free(g, e);
        return;
    }
    g->api->metric_add(g->m_total, 1);
    e->prev = g->youngest;
    *(g->youngest ? &g->youngest->next : &g->oldest) = e;
    g->youngest = e;
}

void sg_store_upsert(sg *g, const sg_side *s)
{
    uint8_t key[24];
    make_key(key, s->sp, s->client);
    uint64_t h = otlpm_table_hash(&g->edges, key, 24);
    sg_edge *e = (sg_edge *)otlpm_table_find(&g->edges, h, key, 24);
    if (!e) {
        store_new(g, s, key);
        return;
    }
    update(g, e, s);
    if (complete(e)) {
        unlink_edge(g, e);
        sg_series_add(g, e);
        edge_free(g, e);
    }
}

static bool root_server(const sg_edge *e)
{
    static const uint8_t none[8];
    return memcmp(e->key + 16, none, 8) == 0;
}

/* The collector's virtual nodes for a request whose other span never came. */
static void expire_edge(sg *g, sg_edge *e)
{
    g->api->metric_add(g->m_expired, 1);
    if (g->peer_attributes->n == 0)
        return;
    e->conn = SG_CONN_VIRTUAL;
    if ((!e->client || !*e->client) && root_server(e)) {
        set(&e->client, copy("user", 4));
        e->vlabel = g->cfg->extra_label ? SG_VIRTUAL_CLIENT : SG_VIRTUAL_NONE;
        if (e->client && *e->client)
            sg_series_add(g, e);
    }
    if (!e->server || !*e->server) {
        set(&e->server, e->peer ? copy(e->peer, strlen(e->peer)) : copy("unknown", 7));
        e->vlabel = g->cfg->extra_label ? SG_VIRTUAL_SERVER : SG_VIRTUAL_NONE;
        if (e->server)
            sg_series_add(g, e);
    }
}

void sg_store_expire(sg *g, int64_t now_ns)
{
    while (g->oldest && g->oldest->expires_ns <= now_ns) {
        sg_edge *e = g->oldest;
        unlink_edge(g, e);
        expire_edge(g, e);
        edge_free(g, e);
    }
}

void sg_store_free(sg *g)
{
    while (g->oldest) {
        sg_edge *e = g->oldest;
        g->oldest = e->next;
        edge_free(g, e);
    }
    g->youngest = NULL;
    otlpm_table_free(&g->edges);
}
