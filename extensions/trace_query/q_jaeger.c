/*
 * q_jaeger.c: the Jaeger query API's services, operations and trace by
 * id (Grafana's Jaeger data source), with Tempo's protobuf trace by id on
 * the same path. The search is in q_search.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Names in a "data" array, one element each (ix_name_fn). */
typedef struct name_list {
    qout *o;
    size_t n;
    pb_bytes last; /* operations repeat per kind: write each once */
    const char *kind; /* q_operations_v2: only this kind ("" or NULL: all) */
    bool with_kind;
} name_list;

static int add_name(void *arg, pb_bytes name, int kind)
{
    name_list *l = arg;
    if (l->kind && *l->kind && (kind < 0 || kind > 5 || strcmp(l->kind, kind_names[kind]) != 0))
        return 0;
    if (!l->with_kind && l->n && name.len == l->last.len &&
        (name.len == 0 || memcmp(name.ptr, l->last.ptr, name.len) == 0))
        return 0;
    qout_puts(l->o, l->n++ ? "," : "");
    if (l->with_kind) {
        qout_puts(l->o, "{\"name\":");
        jw_bytes(l->o, name);
        qout_puts(l->o, ",\"spanKind\":\"");
        qout_puts(l->o, kind >= 0 && kind <= 5 ? kind_names[kind] : "unspecified");
        qout_puts(l->o, "\"}");
    } else {
        jw_bytes(l->o, name);
    }
    l->last = name;
    return 0;
}

/* Answers {"data":[names...]} from the index; service NULL: services. */
static void answer_names(tq_query *q, otelc_http_req *req, const char *service,
                         const char *kind, bool with_kind)
{
    MDB_txn *txn;
    int rc = ix_read_begin(q->env, &txn);
    if (rc != 0) {
        jaeger_fail(q, req, 500, mdb_strerror(rc));
        return;
    }
    qout o;
    name_list l = {&o, 0, {NULL, 0}, kind, with_kind};
    qout_init(&o, q->api, req, 200, "application/json");
    qout_puts(&o, "{\"data\":[");
    rc = service ? ix_operations(q->env, txn, service, add_name, &l)
                 : ix_services(q->env, txn, add_name, &l);
    if (rc != 0)
        q->api->log(q->ctx, OTELC_LOG_WARN, "index: %s", mdb_strerror(rc));
    jaeger_envelope_end(&o, l.n, NULL);
    ix_read_end(txn);
    qout_end(&o);
}

void q_services(tq_query *q, otelc_http_req *req)
{
    answer_names(q, req, NULL, NULL, false);
}

void q_operations(tq_query *q, otelc_http_req *req)
{
    const char *service = q->api->http_param(req, "service");
    answer_names(q, req, service ? service : "", NULL, false);
}

void q_operations_v2(tq_query *q, otelc_http_req *req)
{
    const char *service = q->api->http_query(req, "service");
    const char *kind = q->api->http_query(req, "spanKind");
    if (!service || !*service) {
        jaeger_fail(q, req, 400, "bad parameter service: required");
        return;
    }
    if (kind && *kind) {
        size_t i = 0;
        while (i < 6 && strcmp(kind, kind_names[i]) != 0)
            i++;
        if (i == 6) {
            jaeger_fail(q, req, 400, "bad parameter spanKind: not a span kind");
            return;
        }
    }
    answer_names(q, req, service, kind, true);
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
    int status = query_load_trace(q, tid, &t, &inspected, err, sizeof(err));
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
