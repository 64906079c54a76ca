/*
 * q_spans_json.c: the JSON of GET /spans.
 */
#include <string.h>

#include "q_spans.h"

static const char *const kinds[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                    "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                    "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
static const char *const statuses[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                       "STATUS_CODE_ERROR"};

static void ids(qout *o, const span_pick *p)
{
    static const uint8_t zero[8];
    qout_puts(o, "{\"traceId\":");
    jw_hex(o, p->trace, 16);
    qout_puts(o, ",\"spanId\":");
    jw_hex(o, p->span, 8);
    qout_puts(o, ",\"parentSpanId\":");
    if (memcmp(p->parent, zero, 8) == 0)
        qout_puts(o, "\"\"");
    else
        jw_hex(o, p->parent, 8);
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

static void status(qout *o, uint8_t code, pb_bytes message)
{
    qout_puts(o, ",\"status\":{\"code\":\"");
    qout_puts(o, statuses[code <= 2 ? code : 0]);
    qout_puts(o, "\"");
    if (message.len) {
        qout_puts(o, ",\"message\":");
        jw_bytes(o, message);
    }
    qout_puts(o, "}");
}

static void kind_service(qout *o, uint8_t kind, pb_bytes service)
{
    qout_puts(o, ",\"kind\":\"");
    qout_puts(o, kinds[kind <= 5 ? kind : 0]);
    qout_puts(o, "\",\"service\":");
    if (service.ptr && service.len)
        jw_bytes(o, service);
    else
        jw_cstr(o, TQ_UNKNOWN_SERVICE);
}

/* A span read from its object. */
static void found_span(qout *o, const span_pick *p)
{
    const otlp_span *sp = &p->sp;
    ids(o, p);
    qout_puts(o, ",\"name\":");
    jw_bytes(o, sp->name);
    kind_service(o, p->kind, p->service);
    times(o, sp->start_time_unix_nano, sp->end_time_unix_nano);
    status(o, p->status, sp->status_message);
    qout_puts(o, ",\"attributes\":");
    jw_attrs_object(o, &sp->attrs);
    qout_puts(o, "}");
}

/* A span whose object is gone: what the index knows. */
static void summary_span(qout *o, const pick_set *ps, const span_pick *p)
{
    pb_bytes service = {(const uint8_t *)ps->arena + p->names, p->service_len};
    pb_bytes name = {(const uint8_t *)ps->arena + p->names + p->service_len, p->name_len};
    ids(o, p);
    qout_puts(o, ",\"name\":");
    jw_bytes(o, name);
    kind_service(o, p->kind, service);
    times(o, p->start, p->start + p->dur);
    status(o, p->status, (pb_bytes){NULL, 0});
    qout_puts(o, ",\"attributes\":{}}");
}

void spans_write(qout *o, const pick_set *ps)
{
    qout_puts(o, "{\"spans\":[");
    for (size_t i = 0; i < ps->n; i++) {
        if (i)
            qout_puts(o, ",");
        if (ps->items[i].found)
            found_span(o, &ps->items[i]);
        else if (!ps->failed)
            summary_span(o, ps, &ps->items[i]);
        else
            qout_puts(o, "null");
    }
    qout_puts(o, "]}\n");
}
