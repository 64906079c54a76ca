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

#define SPANS_DEFAULT 100
#define SPANS_MAX 10000

/* What a /spans scan gathers. */
typedef struct spans_state {
    const span_filter *f;
    size_t picked, written;
    qout body;
    int rc; /* a malformed row read back */
} spans_state;

static bool name_is(pq_view v, const char *want)
{
    return !want || (v.len == strlen(want) && (v.len == 0 || memcmp(v.ptr, want, v.len) == 0));
}

static int pick(void *arg, const tq_hit *h)
{
    spans_state *st = arg;
    const span_filter *f = st->f;
    const pq_span_summary *p = h->s;
    if (!name_is(p->service, f->service) || !name_is(p->name, f->name) ||
        (f->by_trace && memcmp(p->trace_id, f->trace, 16) != 0) ||
        (f->min_dur >= 0 && p->duration_ns < f->min_dur) ||
        (f->max_dur >= 0 && p->duration_ns > f->max_dur))
        return TQ_HIT_SKIP;
    return TQ_HIT_WANT | (++st->picked == f->limit ? TQ_HIT_STOP : 0);
}

static void take_rows(void *arg, const uint8_t *pb, size_t len)
{
    spans_state *st = arg;
    int rc = spans_write(&st->body, pb, len, &st->written);
    if (rc < 0)
        st->rc = rc;
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

void q_spans(tq_query *q, otelc_http_req *req)
{
    char err[512];
    span_filter f;
    if (read_filter(q, req, &f, err, sizeof(err)) != 0) {
        query_fail(q, req, 400, err);
        return;
    }
    spans_state st = {.f = &f};
    qout_init(&st.body, q->api, NULL, 0, NULL);
    qout_puts(&st.body, "{\"spans\":[");
    tq_scope sc = {f.start, f.end, f.service};
    int status = tq_scan(q, &sc, pick, take_rows, &st, err, sizeof(err));
    qout_puts(&st.body, "]}\n");
    if (!status && st.body.failed)
        status = 500, snprintf(err, sizeof(err), "out of memory");
    if (st.rc)
        q->api->log(q->ctx, OTELC_LOG_WARN, "/spans: a row read back is malformed (%d)", st.rc);
    if (status) {
        query_fail(q, req, status, err);
    } else {
        static const char *const h[] = {"Content-Type", "application/json", NULL};
        q->api->http_respond(req, 200, h, st.body.buf, st.body.len);
    }
    qout_free(&st.body);
}
