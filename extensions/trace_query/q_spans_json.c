/*
 * q_spans_json.c: the JSON of GET /spans.
 */
#include <string.h>

#include "jaeger.h"
#include "q_spans.h"

static const char *const kinds[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                    "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                    "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
static const char *const statuses[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                       "STATUS_CODE_ERROR"};

static void ids(qout *o, const otlp_span *sp)
{
    qout_puts(o, "{\"traceId\":");
    jw_hex(o, sp->trace_id.ptr, sp->trace_id.len);
    qout_puts(o, ",\"spanId\":");
    jw_hex(o, sp->span_id.ptr, sp->span_id.len);
    qout_puts(o, ",\"parentSpanId\":");
    jw_hex(o, sp->parent_span_id.ptr, sp->parent_span_id.len);
}

static void times(qout *o, uint64_t start, uint64_t end)
{
    qout_puts(o, ",\"startTimeUnixNano\":");
    jw_u64_string(o, start);
    qout_puts(o, ",\"endTimeUnixNano\":");
    jw_u64_string(o, end);
    qout_puts(o, ",\"durationNano\":");
    jw_u64(o, end > start ? end - start : 0);
}

static void status(qout *o, int32_t code, pb_bytes message)
{
    qout_puts(o, ",\"status\":{\"code\":\"");
    qout_puts(o, statuses[code >= 0 && code <= 2 ? code : 0]);
    qout_puts(o, "\"");
    if (message.len) {
        qout_puts(o, ",\"message\":");
        jw_bytes(o, message);
    }
    qout_puts(o, "}");
}

static void kind_service(qout *o, int32_t kind, pb_bytes service)
{
    qout_puts(o, ",\"kind\":\"");
    qout_puts(o, kinds[kind >= 0 && kind <= 5 ? kind : 0]);
    qout_puts(o, "\",\"service\":");
    if (service.ptr && service.len)
        jw_bytes(o, service);
    else
        jw_cstr(o, TQ_UNKNOWN_SERVICE);
}

void spans_write_one(qout *o, const otlp_resource *r, const otlp_span *sp)
{
    ids(o, sp);
    qout_puts(o, ",\"name\":");
    jw_bytes(o, sp->name);
    kind_service(o, sp->kind, r->service_name);
    times(o, sp->start_time_unix_nano, sp->end_time_unix_nano);
    status(o, sp->status_code, sp->status_message);
    qout_puts(o, ",\"attributes\":");
    jw_attrs_object(o, &sp->attrs);
    qout_puts(o, "}");
}
