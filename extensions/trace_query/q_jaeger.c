/*
 * q_jaeger.c: the Jaeger query API's services, operations and trace by
 * id (Grafana's Jaeger data source), with Tempo's protobuf trace by id on
 * the same path. The search is in q_search.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "jaeger.h"
#include "q_jaeger.h"
#include "qparams.h"
#include "tracebuild.h"

static const char *const kind_names[] = {"unspecified", "internal", "server",
                                         "client",      "producer", "consumer"};

void jaeger_fail(tq_query *q, otelc_http_req *req, int status, const char *msg)
{
    qout o;
    char code[16];
    qout_init(&o, q->api, req, status, "application/json");
    qout_puts(&o, "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":");
    snprintf(code, sizeof(code), "%d", status);
    qout_puts(&o, code);
    qout_puts(&o, ",\"msg\":");
    jw_cstr(&o, msg);
    qout_puts(&o, "}]}\n");
    qout_end(&o);
}

void jaeger_envelope_end(qout *o, size_t total, const char *errors)
{
    char buf[96];
    snprintf(buf, sizeof(buf), "],\"total\":%zu,\"limit\":0,\"offset\":0,\"errors\":", total);
    qout_puts(o, buf);
    qout_puts(o, errors ? errors : "null");
    qout_puts(o, "}\n");
}

/* The names an answer lists, gathered from the files' operations. */
typedef struct name_list {
    const char *service; /* operations of this service; NULL: the services */
    int kind;            /* only this kind; -1: all */
    bool with_kind;      /* one entry per (name, kind) */
    char **items;        /* "<kind digit><name>" (malloc'd each) */
    size_t n, cap;
    bool failed;
} name_list;

static bool view_is(pq_view v, const char *s)
{
    size_t n = strlen(s);
    return v.len == n && (n == 0 || memcmp(v.ptr, s, n) == 0);
}

static int gather_name(void *arg, const tq_op *op)
{
    name_list *l = arg;
    if (l->service && !view_is(op->service, l->service))
        return 0;
    if (l->kind >= 0 && op->kind != l->kind)
        return 0;
    pq_view v = l->service ? op->name : op->service;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **t = realloc(l->items, cap * sizeof(*t));
        if (!t)
            return l->failed = true, 1;
        l->items = t;
        l->cap = cap;
    }
    char *item = malloc(v.len + 2);
    if (!item)
        return l->failed = true, 1;
    item[0] = (char)('0' + (l->with_kind && op->kind <= 5 ? op->kind : 0));
    memcpy(item + 1, v.ptr, v.len);
    item[v.len + 1] = 0;
    l->items[l->n++] = item;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c = strcmp(x + 1, y + 1);
    return c ? c : x[0] - y[0];
}

static void write_names(qout *o, name_list *l)
{
    size_t written = 0;
    if (l->n > 1)
        qsort(l->items, l->n, sizeof(*l->items), by_name);
    for (size_t i = 0; i < l->n; i++) {
        if (i && strcmp(l->items[i], l->items[i - 1]) == 0)
            continue;
        qout_puts(o, written++ ? "," : "");
        if (l->with_kind) {
            qout_puts(o, "{\"name\":");
            jw_cstr(o, l->items[i] + 1);
            qout_puts(o, ",\"spanKind\":\"");
            qout_puts(o, kind_names[l->items[i][0] - '0']);
            qout_puts(o, "\"}");
        } else {
            jw_cstr(o, l->items[i] + 1);
        }
    }
    jaeger_envelope_end(o, written, NULL);
}

/* Answers {"data":[names...]} from the operations of the lookback window;
 * service NULL: the services. */
static void answer_names(tq_query *q, otelc_http_req *req, const char *service, int kind,
                         bool with_kind)
{
    char err[512];
    name_list l = {service, kind, with_kind, NULL, 0, 0, false};
    int64_t now = otelc_real_ns();
    int status = tq_operations(q, now - q->set.lookback_ns, now, gather_name, &l, err,
                               sizeof(err));
    if (!status && l.failed)
        status = 500, snprintf(err, sizeof(err), "out of memory");
    if (status) {
        jaeger_fail(q, req, status, err);
    } else {
        qout o;
        qout_init(&o, q->api, req, 200, "application/json");
        qout_puts(&o, "{\"data\":[");
        write_names(&o, &l);
        qout_end(&o);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i]);
    free(l.items);
}

void q_services(tq_query *q, otelc_http_req *req)
{
    answer_names(q, req, NULL, -1, false);
}

void q_operations(tq_query *q, otelc_http_req *req)
{
    const char *service = q->api->http_param(req, "service");
    answer_names(q, req, service ? service : "", -1, false);
}

void q_operations_v2(tq_query *q, otelc_http_req *req)
{
    const char *service = q->api->http_query(req, "service");
    const char *kind = q->api->http_query(req, "spanKind");
    if (!service || !*service) {
        jaeger_fail(q, req, 400, "bad parameter service: required");
        return;
    }
    int k = -1;
    if (kind && *kind) {
        k = 0;
        while (k < 6 && strcmp(kind, kind_names[k]) != 0)
            k++;
        if (k == 6) {
            jaeger_fail(q, req, 400, "bad parameter spanKind: not a span kind");
            return;
        }
    }
    answer_names(q, req, service, k, true);
}

/* Tempo's start and end: unix seconds. */
static int seconds_param(const char *name, const char *v, int64_t *ns, char *err, size_t n)
{
    char *end;
    if (!v || !*v)
        return 0;
    long long s = strtoll(v, &end, 10);
    if (*end || s < 0 || s > INT64_MAX / 1000000000LL) {
        snprintf(err, n, "bad parameter %s: not unix seconds", name);
        return -1;
    }
    *ns = s * 1000000000LL;
    return 0;
}

int trace_window(tq_query *q, otelc_http_req *req, int64_t *start, int64_t *end, char *err,
                 size_t n)
{
    if (seconds_param("start", q->api->http_query(req, "start"), start, err, n) != 0 ||
        seconds_param("end", q->api->http_query(req, "end"), end, err, n) != 0)
        return 400;
    if (*end < *start) {
        snprintf(err, n, "bad parameter end: before start");
        return 400;
    }
    return 0;
}

bool wants_protobuf(tq_query *q, otelc_http_req *req)
{
    const char *accept = q->api->http_header(req, "Accept");
    return accept && strstr(accept, "application/protobuf");
}

static void answer_protobuf(tq_query *q, otelc_http_req *req, const trace_build *t)
{
    qout o;
    qout_init(&o, q->api, req, 200, "application/protobuf");
    qout_write(&o, t->buf ? (const char *)t->buf : "", t->len);
    qout_end(&o);
}

static void answer_jaeger(tq_query *q, otelc_http_req *req, const trace_build *t)
{
    qout o;
    qout_init(&o, q->api, req, 200, "application/json");
    qout_puts(&o, "{\"data\":[");
    int rc = jaeger_write_trace(&o, t->trace_id, t->buf, t->len);
    if (rc != 0)
        q->api->log(q->ctx, OTELC_LOG_WARN, "trace by id: a stored request is malformed (%d)",
                    rc);
    jaeger_envelope_end(&o, 1, NULL);
    qout_end(&o);
}

void q_trace(tq_query *q, otelc_http_req *req)
{
    char err[512];
    uint8_t tid[16];
    bool proto = wants_protobuf(q, req);
    if (qp_trace_id("traceId", q->api->http_param(req, "traceId"), tid, err, sizeof(err)) != 0) {
        if (proto)
            query_fail(q, req, 400, err);
        else
            jaeger_fail(q, req, 400, err);
        return;
    }
    trace_build t;
    uint64_t inspected;
    int64_t start = 0, end = INT64_MAX;
    int status = trace_window(q, req, &start, &end, err, sizeof(err));
    if (status == 0)
        status = tq_load_trace(q, tid, start, end, &t, &inspected, err, sizeof(err));
    else
        trace_build_init(&t, tid);
    if (status == 0 && proto)
        answer_protobuf(q, req, &t);
    else if (status == 0)
        answer_jaeger(q, req, &t);
    else if (proto)
        query_fail(q, req, status, status == 404 ? "trace not found" : err);
    else
        jaeger_fail(q, req, status, status == 404 ? "trace not found" : err);
    trace_build_fini(&t);
}
