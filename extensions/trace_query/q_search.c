/*
 * q_search.c: GET /api/traces, the Jaeger search: the newest traces with
 * a span of the service (and operation, duration range, time range) that
 * also carries the tags. The table's summary columns answer all but the
 * tags; for those, candidate traces are read whole, a bounded number.
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
#define TAG_TRACES_MAX 256
#define HOUR_NS TQ_HOUR_NS

/* A trace with a matching span, and its newest matching span's start. */
typedef struct cand {
    uint8_t trace[16];
    int64_t newest;
} cand;

typedef struct search {
    const char *service, *operation;
    jaeger_tag_cond *tags;
    size_t ntags;
    int64_t min_dur, max_dur, start, end;
    size_t limit;
    cand *cands;           /* at most CANDIDATES_MAX; newest first after the scan */
    size_t ncands, want;   /* want: limit, or CANDIDATES_MAX with tags */
    u64map chosen;         /* mix of a trace id -> its index in cands */
    int64_t hour_ns;       /* the partition hour being scanned */
    size_t scanned, traces_read;
    char note[256];        /* why the search stopped early, for "errors" */
} search;

static uint64_t mix(const uint8_t *id, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ id[i]) * 1099511628211ull;
    return h ? h : 1;
}

static bool view_is(const uint8_t *p, size_t len, const char *want)
{
    return !want || (len == strlen(want) && (len == 0 || memcmp(p, want, len) == 0));
}

static void choose(search *s, const uint8_t *trace, int64_t start)
{
    uint64_t k = mix(trace, 16);
    size_t v;
    if (u64map_get(&s->chosen, k, &v)) {
        if (start > s->cands[v].newest)
            s->cands[v].newest = start;
        return;
    }
    if (s->ncands == CANDIDATES_MAX) {
        snprintf(s->note, sizeof(s->note), "search stopped after %d traces", CANDIDATES_MAX);
        return;
    }
    u64map_put(&s->chosen, k, s->ncands);
    memcpy(s->cands[s->ncands].trace, trace, 16);
    s->cands[s->ncands++].newest = start;
}

/* Newest first; equally new traces by id, so the answer does not depend
 * on the order files were read in. */
static int newest_first(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->newest != y->newest)
        return (x->newest < y->newest) - (x->newest > y->newest);
    return memcmp(x->trace, y->trace, sizeof(x->trace));
}

/* Whether `want` traces are known whose spans are all newer than
 * anything the hours from hour_ns down may hold. */
static bool enough(const search *s, int64_t hour_ns)
{
    if (s->ncands < s->want)
        return false;
    cand *copy = malloc(s->ncands * sizeof(*copy));
    if (!copy)
        return false;
    memcpy(copy, s->cands, s->ncands * sizeof(*copy));
    qsort(copy, s->ncands, sizeof(*copy), newest_first);
    bool done = copy[s->want - 1].newest >= hour_ns + HOUR_NS;
    free(copy);
    return done;
}

static int on_hit(void *arg, const tq_hit *h)
{
    search *s = arg;
    const pq_span_summary *p = h->s;
    if (h->hour_ns != s->hour_ns) {
        if (s->hour_ns && enough(s, h->hour_ns))
            return 1;
        s->hour_ns = h->hour_ns;
    }
    if (++s->scanned > SCAN_MAX) {
        snprintf(s->note, sizeof(s->note), "search stopped after %d spans", SCAN_MAX);
        return 1;
    }
    if (view_is(p->service.ptr, p->service.len, s->service) &&
        view_is(p->name.ptr, p->name.len, s->operation) &&
        (s->min_dur < 0 || p->duration_ns >= s->min_dur) &&
        (s->max_dur < 0 || p->duration_ns <= s->max_dur))
        choose(s, p->trace_id, p->start_ns);
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

/* Whether a span of the trace meets every condition, tags included. */
static bool trace_matches(const search *s, const trace_build *t)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    otlp_walk_init(&w, t->buf, t->len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                int64_t dur = (int64_t)(sp.end_time_unix_nano - sp.start_time_unix_nano);
                if (view_is(r.service_name.ptr, r.service_name.len, s->service) &&
                    view_is(sp.name.ptr, sp.name.len, s->operation) &&
                    (s->min_dur < 0 || dur >= s->min_dur) &&
                    (s->max_dur < 0 || dur <= s->max_dur) &&
                    jaeger_tags_match(&r, &sc, &sp, s->tags, s->ntags))
                    return true;
            }
    return false;
}

/* Adds a failed load to the answer's errors. */
static void note_error(qout *errors, int status, const char *err)
{
    qout_puts(errors, errors->len ? ",{\"code\":" : "[{\"code\":");
    jw_i64(errors, status);
    qout_puts(errors, ",\"msg\":");
    jw_cstr(errors, err);
    qout_puts(errors, "}");
}

/* The window a candidate trace is read from: its spans may sit in
 * partitions up to an hour either side of the search's. */
static void load_window(const search *s, int64_t *start, int64_t *end)
{
    *start = s->start > HOUR_NS ? s->start - HOUR_NS : 0;
    *end = s->end < INT64_MAX - HOUR_NS ? s->end + HOUR_NS : INT64_MAX;
}

/* Writes the candidate traces, each read whole; with tags, only those
 * with a span that has them, up to the limit. */
static void search_answer(tq_query *q, otelc_http_req *req, search *s)
{
    qout o, errors;
    int64_t start, end;
    load_window(s, &start, &end);
    qout_init(&o, q->api, req, 200, "application/json");
    qout_init(&errors, q->api, NULL, 0, NULL);
    qout_puts(&o, "{\"data\":[");
    size_t total = 0;
    size_t n = s->ncands < s->want ? s->ncands : s->want;
    for (size_t i = 0; i < n && total < s->limit; i++) {
        if (s->ntags && s->traces_read++ == TAG_TRACES_MAX) {
            snprintf(s->note, sizeof(s->note), "search stopped after reading %d traces",
                     TAG_TRACES_MAX);
            break;
        }
        trace_build t;
        uint64_t inspected;
        char err[512];
        int status = tq_load_trace(q, s->cands[i].trace, start, end, &t, &inspected, err,
                                   sizeof(err));
        if (status == 0 && (!s->ntags || trace_matches(s, &t))) {
            qout_puts(&o, total++ ? "," : "");
            jaeger_write_trace(&o, t.trace_id, t.buf, t.len);
        } else if (status != 0 && status != 404) {
            note_error(&errors, status, err);
        }
        trace_build_fini(&t);
    }
    if (s->note[0])
        note_error(&errors, 206, s->note);
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
    if (read_search(q, req, &s, err, sizeof(err)) != 0) {
        jaeger_fail(q, req, 400, err);
        qp_tags_free(s.tags, s.ntags);
        return;
    }
    s.want = s.ntags ? CANDIDATES_MAX : s.limit;
    s.cands = calloc(CANDIDATES_MAX, sizeof(cand));
    int status = s.cands && u64map_init(&s.chosen, CANDIDATES_MAX) ? 0 : 500;
    tq_scope sc = {.start = s.start, .end = s.end, .service = s.service};
    if (status == 0)
        status = tq_scan(q, &sc, on_hit, &s, err, sizeof(err));
    else
        snprintf(err, sizeof(err), "out of memory");
    if (s.cands && s.ncands > 1)
        qsort(s.cands, s.ncands, sizeof(cand), newest_first);
    if (status != 0)
        jaeger_fail(q, req, status, err);
    else
        search_answer(q, req, &s);
    qp_tags_free(s.tags, s.ntags);
    u64map_free(&s.chosen);
    free(s.cands);
}
