/*
 * q_search.c: GET /api/traces, the Jaeger search: the newest traces with
 * a span of the service (and operation, duration range, time range) that
 * also carries the tags. The index answers all but the tags; for those,
 * the candidate spans' objects are read, a bounded number of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "q_jaeger.h"
#include "qparams.h"
#include "tracebuild.h"
#include "u64map.h"

#define SEARCH_DEFAULT 100
#define SEARCH_MAX 1000
#define CANDIDATES_MAX 20000
#define SCAN_MAX 2000000
#define CHUNK 64
#define TAG_OBJECTS_MAX 256

/* A span that passed the index's conditions and waits for its tags. */
typedef struct cand {
    uint8_t trace[16], span[8];
    uint64_t obj;
    bool ok;
} cand;

typedef struct search {
    const char *service, *operation;
    jaeger_tag_cond *tags;
    size_t ntags;
    int64_t min_dur, max_dur, start, end;
    size_t limit;
    uint8_t (*traces)[16]; /* chosen, newest first */
    size_t ntraces;
    u64map chosen;         /* mix of a trace id -> 1 */
    cand *cands;
    size_t ncands, scanned, objects_read;
    char note[256];        /* why the search stopped early, for "errors" */
} search;

static uint64_t mix(const uint8_t *id, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ id[i]) * 1099511628211ull;
    return h ? h : 1;
}

static bool bytes_is(pb_bytes b, const char *want)
{
    return !want || (b.len == strlen(want) && (b.len == 0 || memcmp(b.ptr, want, b.len) == 0));
}

static void choose(search *s, const uint8_t *trace)
{
    uint64_t k = mix(trace, 16);
    size_t v;
    if (s->ntraces == s->limit || u64map_get(&s->chosen, k, &v))
        return;
    u64map_put(&s->chosen, k, 1);
    memcpy(s->traces[s->ntraces++], trace, 16);
}

static int on_hit(void *arg, const ix_hit *h)
{
    search *s = arg;
    if (++s->scanned > SCAN_MAX) {
        snprintf(s->note, sizeof(s->note), "search stopped after %d spans", SCAN_MAX);
        return 1;
    }
    if (!bytes_is(h->service, s->service) || !bytes_is(h->name, s->operation) ||
        (s->min_dur >= 0 && h->duration_ns < (uint64_t)s->min_dur) ||
        (s->max_dur >= 0 && h->duration_ns > (uint64_t)s->max_dur))
        return 0;
    if (!s->ntags) {
        choose(s, h->trace_id);
        return s->ntraces == s->limit;
    }
    cand *c = &s->cands[s->ncands++];
    memcpy(c->trace, h->trace_id, 16);
    memcpy(c->span, h->span_id, 8);
    c->obj = h->obj;
    c->ok = false;
    return s->ncands == CANDIDATES_MAX;
}

static int read_search(tq_query *q, otelc_http_req *r, search *s, char *err, size_t n)
{
    const otelc_host_api *a = q->api;
    s->service = a->http_query(r, "service");
    s->operation = a->http_query(r, "operation");
    s->operation = s->operation && *s->operation ? s->operation : NULL;
    s->min_dur = s->max_dur = -1;
    s->end = INT64_MAX;
    if (!s->service || !*s->service) {
        snprintf(err, n, "bad parameter service: required");
        return -1;
    }
    if (qp_limit("limit", a->http_query(r, "limit"), SEARCH_DEFAULT, SEARCH_MAX, &s->limit, err,
                 n) != 0 ||
        qp_duration("minDuration", a->http_query(r, "minDuration"), &s->min_dur, err, n) != 0 ||
        qp_duration("maxDuration", a->http_query(r, "maxDuration"), &s->max_dur, err, n) != 0 ||
        qp_time_us("start", a->http_query(r, "start"), &s->start, err, n) != 0 ||
        qp_time_us("end", a->http_query(r, "end"), &s->end, err, n) != 0 ||
        qp_tags("tags", a->http_query(r, "tags"), &s->tags, &s->ntags, err, n) != 0)
        return -1;
    if (s->end < s->start) {
        snprintf(err, n, "bad parameter end: before start");
        return -1;
    }
    return 0;
}

/* Marks the candidates of chunk c[0..n) whose span in object o has the tags. */
static void check_tags(search *s, cand *c, size_t n, uint64_t obj, const awss3_obj *o)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, o->pb, o->len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                if (sp.span_id.len != 8 || sp.trace_id.len != 16)
                    continue;
                for (size_t i = 0; i < n; i++)
                    if (!c[i].ok && c[i].obj == obj && memcmp(c[i].span, sp.span_id.ptr, 8) == 0 &&
                        memcmp(c[i].trace, sp.trace_id.ptr, 16) == 0)
                        c[i].ok = jaeger_tags_match(&r, &sc, &sp, s->tags, s->ntags);
            }
}

/* The distinct objects of a chunk and their keys. */
static size_t chunk_objects(tq_query *q, const cand *c, size_t n, uint64_t *ids, char **keys)
{
    size_t m = 0;
    MDB_txn *txn;
    if (ix_read_begin(q->env, &txn) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && ids[j] != c[i].obj)
            j++;
        char key[S3_KEY_MAX];
        if (j < m || ix_object_key(q->env, txn, c[i].obj, key, sizeof(key)) != 0)
            continue;
        keys[m] = strdup(key);
        ids[m] = c[i].obj;
        m += keys[m] != NULL;
    }
    ix_read_end(txn);
    return m;
}

/* One chunk of candidates: read their objects, check the tags, choose. */
static int tag_chunk(tq_query *q, search *s, cand *c, size_t n, char *err, size_t errn)
{
    uint64_t ids[CHUNK];
    char *keys[CHUNK];
    awss3_obj *objs[CHUNK];
    size_t m = chunk_objects(q, c, n, ids, keys);
    int rc = tq_query_load(q, (const char *const *)keys, m, objs, err, errn);
    for (size_t j = 0; rc == 0 && j < m; j++)
        if (objs[j])
            check_tags(s, c, n, ids[j], objs[j]);
    for (size_t j = 0; j < m; j++) {
        if (rc == 0)
            awss3_obj_unref(objs[j]);
        free(keys[j]);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (c[i].ok)
            choose(s, c[i].trace);
    s->objects_read += m;
    return rc;
}

static int apply_tags(tq_query *q, search *s, char *err, size_t errn)
{
    for (size_t i = 0; i < s->ncands && s->ntraces < s->limit; i += CHUNK) {
        if (s->objects_read >= TAG_OBJECTS_MAX) {
            snprintf(s->note, sizeof(s->note), "search stopped after reading %d objects",
                     TAG_OBJECTS_MAX);
            break;
        }
        size_t n = s->ncands - i < CHUNK ? s->ncands - i : CHUNK;
        if (tag_chunk(q, s, &s->cands[i], n, err, errn) != 0)
            return -1;
    }
    return 0;
}

/* Writes the chosen traces, each read whole from its objects. */
static void search_answer(tq_query *q, otelc_http_req *req, search *s)
{
    qout o, errors;
    qout_init(&o, q->api, req, 200, "application/json");
    qout_init(&errors, q->api, NULL, 0, NULL);
    qout_puts(&o, "{\"data\":[");
    size_t total = 0;
    for (size_t i = 0; i < s->ntraces; i++) {
        trace_build t;
        uint64_t inspected;
        char err[512];
        int status = query_load_trace(q, s->traces[i], &t, &inspected, err, sizeof(err));
        if (status == 0) {
            qout_puts(&o, total++ ? "," : "");
            jaeger_write_trace(&o, t.trace_id, t.buf, t.len);
        } else if (status != 404) {
            qout_puts(&errors, errors.len ? ",{\"code\":" : "[{\"code\":");
            jw_i64(&errors, status);
            qout_puts(&errors, ",\"msg\":");
            jw_cstr(&errors, err);
            qout_puts(&errors, "}");
        }
        trace_build_fini(&t);
    }
    if (s->note[0]) {
        qout_puts(&errors, errors.len ? ",{\"code\":206,\"msg\":" : "[{\"code\":206,\"msg\":");
        jw_cstr(&errors, s->note);
        qout_puts(&errors, "}");
    }
    if (errors.len)
        qout_puts(&errors, "]");
    jaeger_envelope_end(&o, total, errors.len ? errors.buf : NULL);
    qout_free(&errors);
    qout_end(&o);
}

void q_search(tq_query *q, otelc_http_req *req)
{
    char err[512];
    search s = {0};
    MDB_txn *txn;
    if (read_search(q, req, &s, err, sizeof(err)) != 0) {
        jaeger_fail(q, req, 400, err);
        qp_tags_free(s.tags, s.ntags);
        return;
    }
    s.traces = calloc(s.limit, 16);
    s.cands = s.ntags ? calloc(CANDIDATES_MAX, sizeof(cand)) : NULL;
    int rc = s.traces && (!s.ntags || s.cands) && u64map_init(&s.chosen, s.limit) ? 0 : ENOMEM;
    if (rc == 0 && (rc = ix_read_begin(q->env, &txn)) == 0) {
        rc = ix_scan(q->env, txn, (uint64_t)s.start, (uint64_t)s.end, on_hit, &s);
        ix_read_end(txn);
    }
    if (rc != 0)
        jaeger_fail(q, req, 500, rc == ENOMEM ? "out of memory" : mdb_strerror(rc));
    else if (s.ntags && apply_tags(q, &s, err, sizeof(err)) != 0)
        jaeger_fail(q, req, strstr(err, "shutting down") ? 503 : 502, err);
    else
        search_answer(q, req, &s);
    qp_tags_free(s.tags, s.ntags);
    u64map_free(&s.chosen);
    free(s.traces);
    free(s.cands);
}
