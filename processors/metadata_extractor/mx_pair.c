/*
 * mx_pair.c: requests between services from their two spans.
 *
 * As the service_graph connector pairs them: a client (or producer) span
 * is the calling side of a request keyed by its trace id and its own span
 * id; a server (or consumer) span the called side, keyed by its trace id
 * and its parent's span id. Whichever comes first waits here, at most
 * store.max_items (more are dropped and counted); the other completes the
 * request, which becomes a call on the edge between the two services. A
 * client span naming a database (database_name_attributes) is a whole
 * request on its own. After store.ttl a waiting request expires
 * (counted): a client side with a virtual_node_peer_attributes value is
 * then a call to a virtual node of that name; a lone server side is no
 * edge (the collector's "user" node is left out of the map).
 */
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "mx.h"
#include "otlpmetrics/attrs.h"

struct mx_wait {
    otlpm_entry e;
    uint8_t key[24]; /* trace id, then the client span's id */
    mx_wait *prev, *next;
    int64_t expires_ns; /* monotonic */
    int64_t slot;
    uint32_t client, server; /* UINT32_MAX: not seen */
    double client_ms;
    bool failed;
    char *peer; /* the client's first peer attribute value */
};

enum { NONE = UINT32_MAX };

/* An attribute one of a list of names asks for; rank: its place in the
 * list, the lowest found so far (NOT_FOUND: none). */
typedef struct found {
    size_t rank;
    otlp_anyvalue v;
} found;

enum { NOT_FOUND = SIZE_MAX };

static void match(const mx_names *names, const otlp_kv *kv, found *f)
{
    for (size_t i = 0; i < names->list.n && i < f->rank; i++) {
        const char *k = names->list.items[i];
        if (names->lens[i] == kv->key.len && memcmp(k, kv->key.ptr, kv->key.len) == 0) {
            *f = (found){i, kv->value};
            return;
        }
    }
}

/* One pass over a list of attributes for both lists of names (peer may
 * be NULL): a client span is read once, however many names are asked. */
static void scan(mx *m, const otlp_list *attrs, found *db, found *peer)
{
    otlp_list_iter it;
    otlp_kv kv;
    otlp_list_iter_init(&it, attrs);
    while (otlp_attr_next(&it, &kv) > 0) {
        match(&m->dbs, &kv, db);
        if (peer)
            match(&m->peers, &kv, peer);
    }
}

/* A found value as text: malloc'ed, or NULL. */
static char *text_of(mx *m, const found *f)
{
    if (f->rank == NOT_FOUND)
        return NULL;
    pbw_reset(&m->scratch);
    otlpm_any_text(&m->scratch, &f->v);
    if (m->scratch.failed || m->scratch.len == 0)
        return NULL;
    return strndup((const char *)m->scratch.p, m->scratch.len);
}

/* The resource's database name (the resource's to keep), read once per
 * resource: the client spans of one resource ask it again and again. */
static const char *resource_db(mx *m, const otlp_resource *res)
{
    if (!m->res_db_known) {
        found db = {NOT_FOUND, {0}};
        scan(m, &res->attrs, &db, NULL);
        free(m->res_db);
        m->res_db = text_of(m, &db);
        m->res_db_known = true;
    }
    return m->res_db;
}

static void make_key(uint8_t key[24], const mx_side *s)
{
    pb_bytes sid = s->client ? s->sp->span_id : s->sp->parent_span_id;
    memset(key, 0, 24);
    /* ids were checked at the receiver: 16 and 8 bytes, or none */
    if (s->sp->trace_id.len == 16)
        memcpy(key, s->sp->trace_id.ptr, 16);
    if (sid.len == 8)
        memcpy(key + 16, sid.ptr, 8);
}

static void unlink_wait(mx *m, mx_wait *w)
{
    otlpm_table_remove(&m->waits, &w->e);
    *(w->prev ? &w->prev->next : &m->oldest) = w->next;
    *(w->next ? &w->next->prev : &m->youngest) = w->prev;
}

static void wait_free(mx_wait *w)
{
    free(w->peer);
    free(w);
}

static void record(mx *m, const mx_wait *w)
{
    mx_edge_add(m, w->client, w->server, w->slot, w->client_ms, w->failed);
}

/* A database answers no spans of its own: its name completes the request. */
static void take_side(mx *m, mx_wait *w, const mx_side *s)
{
    w->failed = w->failed || s->sp->status_code == 2;
    if (!w->slot || s->client)
        w->slot = s->slot;
    if (!s->client) {
        w->server = s->service;
        return;
    }
    w->client = s->service;
    w->client_ms = s->ms;
    found db = {NOT_FOUND, {0}}, peer = {NOT_FOUND, {0}};
    scan(m, &s->sp->attrs, &db, &peer);
    char *own = text_of(m, &db);
    const char *name = own ? own : resource_db(m, s->res);
    const mx_service *dbs = name ? mx_service_get(m, name, strlen(name), true) : NULL;
    free(own);
    if (dbs)
        w->server = dbs->id;
    else if (!w->peer)
        w->peer = text_of(m, &peer); /* the collector reads peers on the span only */
}

static void store_new(mx *m, const mx_side *s, const uint8_t key[24], uint64_t h)
{
    mx_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return;
    w->client = w->server = NONE;
    take_side(m, w, s);
    if (w->client != NONE && w->server != NONE) {
        record(m, w);
        wait_free(w);
        return;
    }
    memcpy(w->key, key, 24);
    w->e = (otlpm_entry){.hash = h, .key = w->key, .klen = 24};
    if (m->waits.count >= (size_t)m->cfg->store_max_items ||
        otlpm_table_insert(&m->waits, &w->e) != 0) {
        m->api->metric_add(m->m_dropped, 1);
        wait_free(w);
        return;
    }
    w->expires_ns = otelc_mono_ns() + m->cfg->store_ttl_ns;
    w->prev = m->youngest;
    *(m->youngest ? &m->youngest->next : &m->oldest) = w;
    m->youngest = w;
}

void mx_pair_side(mx *m, const mx_side *s)
{
    uint8_t key[24];
    make_key(key, s);
    uint64_t h = otlpm_table_hash(&m->waits, key, 24);
    mx_wait *w = (mx_wait *)otlpm_table_find(&m->waits, h, key, 24);
    if (!w) {
        store_new(m, s, key, h);
        return;
    }
    take_side(m, w, s);
    if (w->client != NONE && w->server != NONE) {
        unlink_wait(m, w);
        record(m, w);
        wait_free(w);
    }
}

static void expire(mx *m, mx_wait *w)
{
    m->api->metric_add(m->m_expired, 1);
    if (w->client == NONE || !w->peer)
        return;
    const mx_service *v = mx_service_get(m, w->peer, strlen(w->peer), true);
    if (v) {
        w->server = v->id;
        record(m, w);
    }
}

void mx_pair_expire(mx *m, int64_t now_ns)
{
    while (m->oldest && m->oldest->expires_ns <= now_ns) {
        mx_wait *w = m->oldest;
        unlink_wait(m, w);
        expire(m, w);
        wait_free(w);
    }
}

void mx_pair_resource(mx *m)
{
    m->res_db_known = false;
}

void mx_pair_free(mx *m)
{
    free(m->res_db);
    while (m->oldest) {
        mx_wait *w = m->oldest;
        m->oldest = w->next;
        wait_free(w);
    }
    m->youngest = NULL;
    otlpm_table_free(&m->waits);
}
