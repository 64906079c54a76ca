/*
 * q_spans.c: GET /spans: the newest stored spans, flattened, filtered by
 * service, name, trace_id, min_duration, max_duration, start and end.
 * The table's summary columns pick the spans; their rows are then read
 * whole for the attributes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q_spans.h"
#include "qparams.h"
#include "u64map.h"

#define SPANS_DEFAULT 100
#define SPANS_MAX 10000
#define GATHER_TRIES 3 /* scans of one query when files go away under it */

/* A span the scan picked: among the newest `limit` so far. */
typedef struct span_pick {
    int64_t start;
    uint8_t ids[24]; /* trace id, span id */
    uint64_t key;    /* their hash, in the picked set */
    tq_loc loc;
} span_pick;

/* A picked span read whole, as its JSON. */
typedef struct span_item {
    int64_t start;
    uint8_t ids[24]; /* trace id, span id: equal for a span stored twice */
    char *json;
    size_t len;
} span_item;

/* What a /spans query gathers. */
typedef struct spans_state {
    const span_filter *f;
    span_pick *heap; /* min-heap, the worst (oldest) on top, at most f->limit */
    size_t n;
    u64map picked;   /* the heap's spans by key (value 1), so a span stored
                      * twice (or met in a file and its compacted copy)
                      * takes one place; 0 for those that left */
    size_t puts;     /* keys put into picked since it was built */
    span_item *items;
    size_t nitems;
    const otelc_host_api *api;
    bool failed;
} spans_state;

static bool name_is(pq_view v, const char *want)
{
    return !want || (v.len == strlen(want) && (v.len == 0 || memcmp(v.ptr, want, v.len) == 0));
}

/* Whether a is a worse pick than b: older, or as old with greater ids
 * (the answer's order is newest first, then ids ascending). */
static bool worse(const span_pick *a, const span_pick *b)
{
    if (a->start != b->start)
        return a->start < b->start;
    return memcmp(a->ids, b->ids, sizeof(a->ids)) > 0;
}

static void swap(span_pick *h, size_t i, size_t j)
{
    span_pick t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void sift_down(span_pick *h, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && worse(&h[l], &h[m]))
            m = l;
        if (r < n && worse(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        swap(h, i, m);
        i = m;
    }
}

static void sift_up(span_pick *h, size_t i)
{
    for (; i && worse(&h[i], &h[(i - 1) / 2]); i = (i - 1) / 2)
        swap(h, i, (i - 1) / 2);
}

static uint64_t ids_key(const uint8_t ids[24])
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < 24; i++)
        h = (h ^ ids[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* Marks key as picked (1) or not (0); the set is rebuilt from the heap
 * before it fills with keys that left. */
static bool picked_set(spans_state *st, uint64_t key, size_t v)
{
    if (st->puts >= 2 * st->f->limit + 2) {
        u64map_free(&st->picked);
        if (!u64map_init(&st->picked, 2 * st->f->limit + 4))
            return false;
        st->puts = 0;
        for (size_t i = 0; i < st->n; i++, st->puts++)
            u64map_put(&st->picked, st->heap[i].key, 1);
    }
    u64map_put(&st->picked, key, v);
    st->puts++;
    return true;
}

static bool is_picked(const spans_state *st, uint64_t key)
{
    size_t v;
    return u64map_get(&st->picked, key, &v) && v;
}

static bool matches(const span_filter *f, const pq_span_summary *p)
{
    return name_is(p->service, f->service) && name_is(p->name, f->name) &&
           (!f->by_trace || memcmp(p->trace_id, f->trace, 16) == 0) &&
           (f->min_dur < 0 || p->duration_ns >= f->min_dur) &&
           (f->max_dur < 0 || p->duration_ns <= f->max_dur);
}

/* Keeps the newest `limit` matches; stops once no older hour can hold a
 * newer span than the oldest kept. */
static int pick(void *arg, const tq_hit *h)
{
    spans_state *st = arg;
    size_t limit = st->f->limit;
    if (st->n == limit && st->heap[0].start >= h->hour_ns + TQ_HOUR_NS)
        return 1;
    if (!matches(st->f, h->s))
        return 0;
    span_pick p = {h->s->start_ns, {0}, 0, {h->key, h->size, h->rg, h->row}};
    memcpy(p.ids, h->s->trace_id, 16);
    memcpy(p.ids + 16, h->s->span_id, 8);
    p.key = ids_key(p.ids);
    if (is_picked(st, p.key))
        return 0;
    if (st->n < limit) {
        st->heap[st->n] = p;
        sift_up(st->heap, st->n++);
    } else if (worse(&st->heap[0], &p)) {
        st->failed = st->failed || !picked_set(st, st->heap[0].key, 0);
        st->heap[0] = p;
        sift_down(st->heap, st->n, 0);
    } else {
        return 0;
    }
    st->failed = st->failed || !picked_set(st, p.key, 1);
    return st->failed;
}

/* Keeps each span of a row group read back as a JSON item. */
static void take_rows(void *arg, const uint8_t *pb, size_t len)
{
    spans_state *st = arg;
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0 && !st->failed) {
                qout o;
                span_item *it = &st->items[st->nitems];
                qout_init(&o, st->api, NULL, 0, NULL);
                spans_write_one(&o, &r, &sp);
                st->failed = o.failed || st->nitems == st->n;
                if (st->failed) {
                    qout_free(&o);
                    continue;
                }
                *it = (span_item){(int64_t)sp.start_time_unix_nano, {0}, o.buf, o.len};
                memcpy(it->ids, sp.trace_id.ptr, sp.trace_id.len < 16 ? sp.trace_id.len : 16);
                memcpy(it->ids + 16, sp.span_id.ptr, sp.span_id.len < 8 ? sp.span_id.len : 8);
                st->nitems++;
            }
}

static int newest_first(const void *a, const void *b)
{
    const span_item *x = a, *y = b;
    if (x->start != y->start)
        return x->start > y->start ? -1 : 1;
    return memcmp(x->ids, y->ids, sizeof(x->ids));
}

/* The items, newest first, a span stored twice written once. */
static void write_items(spans_state *st, qout *o)
{
    if (st->nitems > 1)
        qsort(st->items, st->nitems, sizeof(*st->items), newest_first);
    qout_puts(o, "{\"spans\":[");
    for (size_t i = 0, n = 0; i < st->nitems; i++) {
        if (i && memcmp(st->items[i].ids, st->items[i - 1].ids, 24) == 0)
            continue;
        qout_puts(o, n++ ? "," : "");
        qout_write(o, st->items[i].json, st->items[i].len);
    }
    qout_puts(o, "]}\n");
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

/* Once `limit` spans are kept, an older one cannot get in: row groups
 * that end before the oldest kept are not fetched. */
static int64_t kept_floor(void *arg)
{
    const spans_state *st = arg;
    return st->n == st->f->limit ? st->heap[0].start : INT64_MIN;
}

/* Picks the spans, then reads them whole. */
static int gather_once(tq_query *q, const span_filter *f, spans_state *st, char *err, size_t n)
{
    tq_scope sc = {f->start, f->end, f->service, kept_floor, st};
    int status = tq_scan(q, &sc, pick, st, err, n);
    tq_loc *locs = status ? NULL : malloc((st->n ? st->n : 1) * sizeof(*locs));
    st->items = locs ? calloc(st->n ? st->n : 1, sizeof(*st->items)) : NULL;
    if (!status && (!st->items || st->failed)) {
        free(locs);
        snprintf(err, n, "out of memory");
        return 500;
    }
    for (size_t i = 0; !status && i < st->n; i++)
        locs[i] = st->heap[i].loc;
    if (!status)
        status = tq_read_rows(q, locs, st->n, take_rows, st, err, n);
    free(locs);
    if (!status && st->failed)
        status = 500, snprintf(err, n, "out of memory");
    return status;
}

static void items_free(spans_state *st)
{
    for (size_t i = 0; st->items && i < st->nitems; i++)
        free(st->items[i].json);
    free(st->items);
    st->items = NULL;
    st->nitems = 0;
}

/* A file merged away between the scan and the read: scan again (the
 * scan lists the hour anew when it meets the file gone). */
static int gather(tq_query *q, const span_filter *f, spans_state *st, char *err, size_t n)
{
    int status = TQ_GONE;
    for (int i = 0; i < GATHER_TRIES && status == TQ_GONE; i++) {
        items_free(st);
        st->n = st->puts = 0;
        u64map_free(&st->picked);
        if (!u64map_init(&st->picked, 2 * f->limit + 4))
            return snprintf(err, n, "out of memory"), 500;
        status = gather_once(q, f, st, err, n);
    }
    if (status == TQ_GONE)
        snprintf(err, n, "the table kept changing under the query: try again");
    return status == TQ_GONE ? 503 : status;
}

void q_spans(tq_query *q, otelc_http_req *req)
{
    char err[512];
    span_filter f;
    if (read_filter(q, req, &f, err, sizeof(err)) != 0) {
        query_fail(q, req, 400, err);
        return;
    }
    spans_state st = {.f = &f, .heap = calloc(f.limit, sizeof(span_pick)), .api = q->api};
    int status = st.heap ? gather(q, &f, &st, err, sizeof(err)) : 500;
    if (!st.heap)
        snprintf(err, sizeof(err), "out of memory");
    if (status) {
        query_fail(q, req, status, err);
    } else {
        qout o;
        qout_init(&o, q->api, req, 200, "application/json");
        write_items(&st, &o);
        qout_end(&o);
    }
    items_free(&st);
    u64map_free(&st.picked);
    free(st.heap);
}
