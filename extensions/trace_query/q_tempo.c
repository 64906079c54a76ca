/*
 * q_tempo.c: GET /api/v2/traces/{traceId}, Tempo's TraceByIDResponse:
 * protobuf for Accept: application/protobuf, else its JSON form with the
 * trace in OTLP/JSON: {"trace":{"resourceSpans":[...]},"metrics":{...}}.
 *
 * On the wire, TraceByIDResponse is field 1 (Trace, whose field 1 is
 * repeated ResourceSpans: the same bytes as an ExportTraceServiceRequest)
 * and field 2 (TraceByIDMetrics, inspectedBytes as its field 1); status
 * COMPLETE is proto3's default and not written.
 */
#include <stdio.h>
#include <string.h>

#include <otelc/sdk/otlp_json.h>

#include "q_jaeger.h"
#include "qparams.h"
#include "tracebuild.h"

static void field_len(qout *o, uint32_t field, size_t len)
{
    uint8_t head[16];
    size_t n = pb_write_varint(head, (uint64_t)field << 3 | PB_LEN);
    n += pb_write_varint(head + n, len);
    qout_write(o, head, n);
}

static void answer_protobuf(tq_query *q, otelc_http_req *req, const trace_build *t,
                            uint64_t inspected)
{
    uint8_t metrics[12];
    size_t mlen = pb_write_varint(metrics, 1 << 3 | PB_VARINT);
    mlen += pb_write_varint(metrics + mlen, inspected);
    qout o;
    qout_init(&o, q->api, req, 200, "application/protobuf");
    field_len(&o, 1, t->len);
    qout_write(&o, t->buf ? (const char *)t->buf : "", t->len);
    field_len(&o, 2, mlen);
    qout_write(&o, metrics, mlen);
    qout_end(&o);
}

static int to_qout(void *arg, const char *p, size_t n)
{
    qout_write(arg, p, n);
    return 0;
}

static void answer_json(tq_query *q, otelc_http_req *req, const trace_build *t,
                        uint64_t inspected)
{
    qout o;
    qout_init(&o, q->api, req, 200, "application/json");
    qout_puts(&o, "{\"trace\":");
    int rc = otlp_json_write(t->buf, t->len, to_qout, &o);
    if (rc != 0)
        q->api->log(q->ctx, OTELC_LOG_WARN, "trace by id: cannot write the trace as JSON (%d)",
                    rc);
    qout_puts(&o, ",\"metrics\":{\"inspectedBytes\":");
    jw_u64_string(&o, inspected);
    qout_puts(&o, "}}\n");
    qout_end(&o);
}

void q_trace_v2(tq_query *q, otelc_http_req *req)
{
    char err[512];
    uint8_t tid[16];
    if (qp_trace_id("traceId", q->api->http_param(req, "traceId"), tid, err, sizeof(err)) != 0) {
        query_fail(q, req, 400, err);
        return;
    }
    trace_build t;
    uint64_t inspected = 0;
    int64_t start = 0, end = INT64_MAX;
    int status = trace_window(q, req, &start, &end, err, sizeof(err));
    if (status == 0)
        status = tq_load_trace(q, tid, start, end, &t, &inspected, err, sizeof(err));
    else
        trace_build_init(&t, tid);
    if (status != 0)
        query_fail(q, req, status, status == 404 ? "trace not found" : err);
    else if (wants_protobuf(q, req))
        answer_protobuf(q, req, &t, inspected);
    else
        answer_json(q, req, &t, inspected);
    trace_build_fini(&t);
}
