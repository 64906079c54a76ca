/*
 * mx_model.c: services, operations and edges, their slices by span time
 * and the latency histograms read back as quantiles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "mx.h"

int mx_model_init(mx *m)
{
    otlpm_table_init(&m->services);
    otlpm_table_init(&m->ops);
    otlpm_table_init(&m->edges);
    m->by_id = calloc((size_t)m->cfg->max_services, sizeof(mx_service *));
    m->first_op = calloc((size_t)m->cfg->max_services, sizeof(mx_op *));
    return m->by_id && m->first_op ? 0 : -1;
}

void mx_model_free(mx *m)
{
    otlpm_iter it;
    otlpm_iter_init(&it, &m->ops);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));) {
        free(((mx_op *)e)->name);
        free(e);
    }
    otlpm_iter_init(&it, &m->edges);
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));)
        free(e);
    for (size_t i = 0; i < m->nservices; i++) {
        free(m->by_id[i]->slices);
        free(m->by_id[i]);
    }
    otlpm_table_free(&m->services);
    otlpm_table_free(&m->ops);
    otlpm_table_free(&m->edges);
    free(m->by_id);
    free(m->first_op);
}

static void capped(mx *m)
{
    m->api->metric_add(m->m_capped, 1);
}

static mx_service *service_new(mx *m, const char *name, size_t len, uint64_t h)
{
    if (m->nservices >= (size_t)m->cfg->max_services) {
        capped(m);
        return NULL;
    }
    mx_service *s = calloc(1, sizeof(*s) + len + 1);
    if (!s)
        return NULL;
    memcpy(s->name, name, len);
    s->e = (otlpm_entry){.hash = h, .key = (const uint8_t *)s->name, .klen = len};
    s->id = (uint32_t)m->nservices;
    if (otlpm_table_insert(&m->services, &s->e) != 0) {
        free(s);
        return NULL;
    }
    m->by_id[m->nservices++] = s;
    return s;
}

mx_service *mx_service_get(mx *m, const char *name, size_t len, bool virtual_node)
{
    len = otlp_utf8_cut(name, len, MX_NAME_MAX); /* whole characters: the view is JSON */
    uint64_t h = otlpm_table_hash(&m->services, name, len);
    mx_service *s = (mx_service *)otlpm_table_find(&m->services, h, name, len);
    if (!s && !(s = service_new(m, name, len, h)))
        return NULL;
    /* a virtual node that turns out to answer spans of its own is real */
    if (!virtual_node && !s->slices && !(s->slices = calloc(MX_SLICES, sizeof(*s->slices))))
        return NULL;
    s->virtual_node = s->slices == NULL;
    return s;
}

static mx_op *op_new(mx *m, uint32_t service, const uint8_t *key, size_t klen, uint64_t h)
{
    if (m->ops.count >= (size_t)m->cfg->max_operations) {
        capped(m);
        return NULL;
    }
    mx_op *op = calloc(1, sizeof(*op) + klen);
    if (!op || !(op->name = malloc(klen - 4 + 1))) {
        free(op);
        return NULL;
    }
    memcpy(op->key, key, klen);
    memcpy(op->name, key + 4, klen - 4);
    op->name[klen - 4] = '\0';
    op->service = service;
    op->e = (otlpm_entry){.hash = h, .key = op->key, .klen = klen};
    if (otlpm_table_insert(&m->ops, &op->e) != 0) {
        free(op->name);
        free(op);
        return NULL;
    }
    op->next_of_service = m->first_op[service];
    m->first_op[service] = op;
    return op;
}

mx_op *mx_op_get(mx *m, uint32_t service, const pb_bytes *name)
{
    uint8_t key[4 + MX_NAME_MAX];
    size_t len = otlp_utf8_cut(name->ptr, name->len, MX_NAME_MAX);
    memcpy(key, &service, 4);
    if (len)
        memcpy(key + 4, name->ptr, len);
    uint64_t h = otlpm_table_hash(&m->ops, key, 4 + len);
    mx_op *op = (mx_op *)otlpm_table_find(&m->ops, h, key, 4 + len);
    return op ? op : op_new(m, service, key, 4 + len, h);
}

/* A span from further than a slice past the wall clock is taken as now:
 * one skewed clock must not push every other span out of the window. */
bool mx_slot_of(mx *m, uint64_t time_ns, int64_t *slot)
{
    int64_t now = m->now_ns;
    int64_t t = time_ns > (uint64_t)(now + m->slice_ns) ? now : (int64_t)time_ns;
    int64_t s = t / m->slice_ns + 1; /* slot 0 marks an unused slice */
    if (s <= m->newest_slot - MX_SLICES) {
        m->api->metric_add(m->m_late, 1);
        return false;
    }
    if (s > m->newest_slot)
        m->newest_slot = s;
    *slot = s;
    return true;
}

static unsigned bucket_of(double ms)
{
    double us = ms * 1000;
    if (us < 1)
        return 0;
    double b = floor(4 * log2(us));
    return b >= MX_BUCKETS - 1 ? MX_BUCKETS - 1 : (unsigned)b;
}

void mx_slice_add(mx_slice *ring, const mx_span *s)
{
    mx_slice *x = &ring[s->slot % MX_SLICES];
    if (x->slot != s->slot)
        *x = (mx_slice){.slot = s->slot};
    x->calls++;
    x->errors += s->error;
    x->ms += s->ms;
    x->hist[bucket_of(s->ms)]++;
}

static mx_edge *edge_get(mx *m, uint32_t client, uint32_t server)
{
    uint8_t key[8];
    memcpy(key, &client, 4);
    memcpy(key + 4, &server, 4);
    uint64_t h = otlpm_table_hash(&m->edges, key, 8);
    mx_edge *e = (mx_edge *)otlpm_table_find(&m->edges, h, key, 8);
    if (e)
        return e;
    if (m->edges.count >= (size_t)m->cfg->max_edges) {
        capped(m);
        return NULL;
    }
    if (!(e = calloc(1, sizeof(*e))))
        return NULL;
    *e = (mx_edge){.client = client, .server = server};
    memcpy(e->key, key, 8);
    e->e = (otlpm_entry){.hash = h, .key = e->key, .klen = 8};
    if (otlpm_table_insert(&m->edges, &e->e) != 0) {
        free(e);
        return NULL;
    }
    return e;
}

void mx_edge_add(mx *m, uint32_t client, uint32_t server, int64_t slot, double ms, bool error)
{
    mx_edge *e = edge_get(m, client, server);
    if (!e || slot <= m->newest_slot - MX_SLICES)
        return;
    mx_edge_slice *x = &e->slices[slot % MX_SLICES];
    if (x->slot != slot)
        *x = (mx_edge_slice){.slot = slot};
    x->calls++;
    x->errors += error;
    x->ms += ms;
}

/* A slice counts when it is used and within [from, to]. */
static bool in_range(int64_t slot, int64_t from, int64_t to)
{
    return slot != 0 && slot >= from && slot <= to;
}

void mx_sum_slices(const mx_slice *ring, int64_t from, int64_t to, mx_sum *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; ring && i < MX_SLICES; i++) {
        const mx_slice *x = &ring[i];
        if (!in_range(x->slot, from, to))
            continue;
        out->calls += x->calls;
        out->errors += x->errors;
        out->ms += x->ms;
        for (int b = 0; b < MX_BUCKETS; b++)
            out->hist[b] += x->hist[b];
    }
}

void mx_count_slices(const mx_slice *ring, int64_t from, int64_t to, uint64_t *calls,
                     uint64_t *errors)
{
    *calls = *errors = 0;
    for (int i = 0; i < MX_SLICES; i++) {
        if (in_range(ring[i].slot, from, to)) {
            *calls += ring[i].calls;
            *errors += ring[i].errors;
        }
    }
}

void mx_sum_edge(const mx_edge *e, int64_t from, int64_t to, mx_sum *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < MX_SLICES; i++) {
        const mx_edge_slice *x = &e->slices[i];
        if (!in_range(x->slot, from, to))
            continue;
        out->calls += x->calls;
        out->errors += x->errors;
        out->ms += x->ms;
    }
}

/* The bucket's geometric middle: within 9 % of every value in it. */
double mx_quantile(const mx_sum *s, double q)
{
    uint64_t total = 0, seen = 0;
    for (int b = 0; b < MX_BUCKETS; b++)
        total += s->hist[b];
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)total);
    rank = rank ? rank : 1;
    for (int b = 0; b < MX_BUCKETS; b++) {
        seen += s->hist[b];
        if (seen >= rank)
            return b == 0 ? 0.001 : exp2((b + 0.5) / 4) / 1000;
    }
    return exp2((MX_BUCKETS - 0.5) / 4) / 1000;
}
