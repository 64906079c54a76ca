/*
 * q_spans.c: GET /spans: the newest stored spans, flattened, filtered by
 * service, name, trace_id, min_duration, max_duration, start and end.
 * The index picks the spans; their objects supply the attributes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q_spans.h"
#include "qparams.h"

#define SPANS_DEFAULT 100
#define SPANS_MAX 10000

static uint64_t span_id64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Keeps a copy of the summary's names for a span whose object is gone. */
static void keep_names(pick_set *ps, span_pick *p, const ix_hit *h)
{
    size_t need = h->service.len + h->name.len;
    if (ps->arena_cap - ps->arena_len < need) {
        size_t cap = ps->arena_cap ? 2 * ps->arena_cap : 16384;
        while (cap - ps->arena_len < need)
            cap *= 2;
        char *a = realloc(ps->arena, cap);
        if (!a) {
            ps->failed = true;
            return;
        }
        ps->arena = a;
        ps->arena_cap = cap;
    }
    p->names = ps->arena_len;
    p->service_len = (uint16_t)h->service.len;
    p->name_len = (uint16_t)h->name.len;
    if (h->service.len)
        memcpy(ps->arena + ps->arena_len, h->service.ptr, h->service.len);
    if (h->name.len)
        memcpy(ps->arena + ps->arena_len + h->service.len, h->name.ptr, h->name.len);
    ps->arena_len += need;
}

static bool name_is(pb_bytes b, const char *want)
{
    return !want || (b.len == strlen(want) && (b.len == 0 || memcmp(b.ptr, want, b.len) == 0));
}

static int pick(void *arg, const ix_hit *h)
{
    pick_set *ps = arg;
    const span_filter *f = ps->f;
    if (!name_is(h->service, f->service) || !name_is(h->name, f->name) ||
        (f->by_trace && memcmp(h->trace_id, f->trace, 16) != 0) ||
        (f->min_dur >= 0 && h->duration_ns < (uint64_t)f->min_dur) ||
        (f->max_dur >= 0 && h->duration_ns > (uint64_t)f->max_dur))
        return 0;
    span_pick *p = &ps->items[ps->n++];
    memset(p, 0, sizeof(*p));
    memcpy(p->trace, h->trace_id, 16);
    memcpy(p->span, h->span_id, 8);
    memcpy(p->parent, h->parent_id, 8);
    p->start = h->start_ns;
    p->dur = h->duration_ns;
    p->obj = h->obj;
    p->kind = h->kind;
    p->status = h->status;
    keep_names(ps, p, h);
    size_t k;
    if (!u64map_get(&ps->objmap, h->obj, &k)) {
        k = ps->nobjs;
        ps->objs[ps->nobjs++] = h->obj;
        u64map_put(&ps->objmap, h->obj, k);
    }
    p->key = k;
    uint64_t sid = span_id64(h->span_id);
    size_t first;
    if (sid && u64map_get(&ps->spanmap, sid, &first))
        p->next_same = first + 1; /* the same span id picked before: chain them */
    if (sid)
        u64map_put(&ps->spanmap, sid, ps->n - 1);
    return ps->n == f->limit;
}

static int read_filter(tq_query *q, otelc_http_req *r, span_filter *f, char *err, size_t n)
{
    const otelc_host_api *a = q->api;
    memset(f, 0, sizeof(*f));
    f->min_dur = f->max_dur = -1;
    f->start = 0;
    f->end = INT64_MAX;
    const char *v = a->http_query(r, "service");
    f->service = v && *v ? v : NULL;
    v = a->http_query(r, "name");
    f->name = v && *v ? v : NULL;
    v = a->http_query(r, "trace_id");
    f->by_trace = v && *v;
    if ((f->by_trace && qp_trace_id("trace_id", v, f->trace, err, n) != 0) ||
        qp_limit("limit", a->http_query(r, "limit"), SPANS_DEFAULT, SPANS_MAX, &f->limit, err,
                 n) != 0 ||
        qp_duration("min_duration", a->http_query(r, "min_duration"), &f->min_dur, err, n) != 0 ||
        qp_duration("max_duration", a->http_query(r, "max_duration"), &f->max_dur, err, n) != 0 ||
        qp_time("start", a->http_query(r, "start"), &f->start, err, n) != 0 ||
        qp_time("end", a->http_query(r, "end"), &f->end, err, n) != 0)
        return -1;
    if (f->start < 0)
        f->start = 0;
    if (f->end < f->start) {
        snprintf(err, n, "bad parameter end: before start");
        return -1;
    }
    return 0;
}

/* Picks the spans and the keys of their objects from the index. */
static int pick_spans(tq_query *q, const span_filter *f, pick_set *ps, char ***keys)
{
    MDB_txn *txn;
    int rc = ix_read_begin(q->env, &txn);
    if (rc != 0)
        return rc;
    uint64_t lo = (uint64_t)f->start, hi = (uint64_t)f->end;
    ix_trace *t = f->by_trace ? malloc(sizeof(*t)) : NULL;
    if (t) { /* only the trace's time range needs a look */
        rc = ix_trace_get(q->env, txn, f->trace, t);
        lo = rc == 0 && t->min_start_ns > lo ? t->min_start_ns : lo;
        hi = rc == 0 && t->max_end_ns < hi ? t->max_end_ns : hi;
        free(t);
    }
    rc = rc == MDB_NOTFOUND ? -1 : rc == 0 ? ix_scan(q->env, txn, lo, hi, pick, ps) : rc;
    *keys = calloc(ps->nobjs ? ps->nobjs : 1, sizeof(char *));
    for (size_t i = 0; rc == 0 && *keys && i < ps->nobjs; i++) {
        char key[S3_KEY_MAX];
        if (ix_object_key(q->env, txn, ps->objs[i], key, sizeof(key)) == 0)
            (*keys)[i] = strdup(key);
    }
    ix_read_end(txn);
    return rc == -1 ? 0 : !*keys ? ENOMEM : rc; /* -1: an unknown trace, no spans */
}

/* The pick for span sp of object key, if one is waiting for it. */
static span_pick *pick_for(pick_set *ps, size_t key, const otlp_span *sp)
{
    size_t i;
    uint64_t sid = span_id64(sp->span_id.ptr);
    if (!sid || !u64map_get(&ps->spanmap, sid, &i))
        return NULL;
    for (span_pick *p = &ps->items[i];; p = &ps->items[p->next_same - 1]) {
        if (p->key == key && !p->found && memcmp(p->trace, sp->trace_id.ptr, 16) == 0)
            return p;
        if (!p->next_same)
            return NULL;
    }
}

/* Finds the picked spans in the object that holds them. */
static void match_object(pick_set *ps, size_t key, const awss3_obj *o)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, o->pb, o->len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                span_pick *p = sp.span_id.len == 8 && sp.trace_id.len == 16
                                   ? pick_for(ps, key, &sp)
                                   : NULL;
                if (p) {
                    p->found = true;
                    p->sp = sp;
                    p->service = r.service_name;
                }
            }
}

void q_spans(tq_query *q, otelc_http_req *req)
{
    char err[512];
    span_filter f;
    if (read_filter(q, req, &f, err, sizeof(err)) != 0) {
        query_fail(q, req, 400, err);
        return;
    }
    pick_set ps = {.f = &f, .items = calloc(f.limit, sizeof(span_pick)),
                   .objs = calloc(f.limit, sizeof(uint64_t))};
    char **keys = NULL;
    bool maps = u64map_init(&ps.objmap, f.limit) && u64map_init(&ps.spanmap, f.limit);
    int rc = ps.items && ps.objs && maps ? pick_spans(q, &f, &ps, &keys) : ENOMEM;
    awss3_obj **objs = rc == 0 ? calloc(ps.nobjs ? ps.nobjs : 1, sizeof(awss3_obj *)) : NULL;
    if (rc != 0 || !objs) {
        snprintf(err, sizeof(err), "index: %s", rc ? mdb_strerror(rc) : "out of memory");
        query_fail(q, req, 500, err);
    } else if (tq_query_load(q, (const char *const *)keys, ps.nobjs, objs, err,
                                sizeof(err)) != 0) {
        query_fail(q, req, strstr(err, "shutting down") ? 503 : 502, err);
    } else {
        for (size_t i = 0; i < ps.nobjs; i++)
            if (objs[i])
                match_object(&ps, i, objs[i]);
        qout o;
        qout_init(&o, q->api, req, 200, "application/json");
        spans_write(&o, &ps);
        qout_end(&o);
    }
    for (size_t i = 0; objs && i < ps.nobjs; i++)
        awss3_obj_unref(objs[i]);
    for (size_t i = 0; keys && i < ps.nobjs; i++)
        free(keys[i]);
    free(keys);
    free(objs);
    free(ps.items);
    free(ps.objs);
    free(ps.arena);
    u64map_free(&ps.objmap);
    u64map_free(&ps.spanmap);
}
