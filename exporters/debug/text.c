/* text.c: the debug exporter's text for traces, in the collector's layout,
 * and the appending its other files share. */
#include "text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

int dbg_put(struct otlp_buf *o, const char *p, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 1024) + n;
        char *grown = realloc(o->data, cap);
        if (!grown)
            return -1;
        o->data = grown;
        o->cap = cap;
    }
    if (n) /* an empty view may have no pointer at all */
        memcpy(o->data + o->len, p, n);
    o->len += n;
    o->data[o->len] = 0;
    return 0;
}

int dbg_putf(struct otlp_buf *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    return dbg_put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

int dbg_put_hex(struct otlp_buf *o, pb_bytes b)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < b.len; i++) {
        char two[2] = {hex[b.ptr[i] >> 4], hex[b.ptr[i] & 15]};
        if (dbg_put(o, two, 2))
            return -1;
    }
    return 0;
}

static int put_str(struct otlp_buf *o, pb_bytes b)
{
    return dbg_put(o, (const char *)b.ptr, b.len);
}

static int put_value(struct otlp_buf *o, const otlp_anyvalue *v, int depth);

static int put_items(struct otlp_buf *o, const otlp_anyvalue *v, int depth)
{
    otlp_list l = otlp_any_items(v);
    otlp_list_iter it;
    otlp_list_iter_init(&it, &l);
    int rc, first = 1;
    if (v->type == OTLP_ANY_ARRAY) {
        otlp_anyvalue item;
        dbg_put(o, "[", 1);
        while ((rc = otlp_array_next(&it, &item)) > 0) {
            if (!first)
                dbg_put(o, ", ", 2);
            first = 0;
            if ((rc = put_value(o, &item, depth + 1)) < 0)
                return rc;
        }
        return rc < 0 ? rc : dbg_put(o, "]", 1);
    }
    otlp_kv kv;
    dbg_put(o, "{", 1);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        if (!first)
            dbg_put(o, ", ", 2);
        first = 0;
        put_str(o, kv.key);
        dbg_put(o, ": ", 2);
        if ((rc = put_value(o, &kv.value, depth + 1)) < 0)
            return rc;
    }
    return rc < 0 ? rc : dbg_put(o, "}", 1);
}

static int put_value(struct otlp_buf *o, const otlp_anyvalue *v, int depth)
{
    if (depth > OTLP_MAX_DEPTH)
        return OTLP_EDEPTH;
    switch (v->type) {
    case OTLP_ANY_STRING: return put_str(o, v->bytes);
    case OTLP_ANY_BOOL: return dbg_putf(o, "%s", v->boolean ? "true" : "false");
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: return dbg_putf(o, "%" PRId64, v->integer);
    case OTLP_ANY_DOUBLE: return dbg_putf(o, "%.17g", v->number);
    case OTLP_ANY_BYTES: return dbg_put_hex(o, v->bytes);
    case OTLP_ANY_ARRAY:
    case OTLP_ANY_KVLIST: return put_items(o, v, depth);
    default: return 0;
    }
}

/* "     -> key: Type(value)" lines, as the collector's detailed output. */
static int put_attrs(struct otlp_buf *o, const otlp_list *attrs, const char *indent)
{
    static const char *const type_names[] = {"Empty", "Str",  "Bool",  "Int",  "Double",
                                             "Slice", "Map", "Bytes", "Int"};
    otlp_list_iter it;
    otlp_list_iter_init(&it, attrs);
    otlp_kv kv;
    int rc;
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        dbg_putf(o, "%s-> ", indent);
        put_str(o, kv.key);
        dbg_putf(o, ": %s(", type_names[kv.value.type]);
        if ((rc = put_value(o, &kv.value, 0)) < 0)
            return rc;
        if (dbg_put(o, ")\n", 2))
            return -1;
    }
    return rc;
}

static int put_span_detailed(struct otlp_buf *o, const otlp_span *s, size_t index)
{
    dbg_putf(o, "Span #%zu\n    Trace ID       : ", index);
    dbg_put_hex(o, s->trace_id);
    dbg_put(o, "\n    Parent ID      : ", 21);
    dbg_put_hex(o, s->parent_span_id);
    dbg_put(o, "\n    ID             : ", 21);
    dbg_put_hex(o, s->span_id);
    dbg_put(o, "\n    Name           : ", 21);
    put_str(o, s->name);
    dbg_putf(o, "\n    Kind           : %d\n    Start time     : %" PRIu64
            "\n    End time       : %" PRIu64 "\n    Status code    : %d\n    Status message : ",
         s->kind, s->start_time_unix_nano, s->end_time_unix_nano, s->status_code);
    put_str(o, s->status_message);
    dbg_put(o, "\nAttributes:\n", 13);
    int rc = put_attrs(o, &s->attrs, "     ");
    otlp_list_iter it;
    otlp_event ev;
    otlp_list_iter_init(&it, &s->events);
    for (size_t i = 0; rc >= 0 && (rc = otlp_event_next(&it, &ev)) > 0; i++) {
        dbg_putf(o, "SpanEvent #%zu\n     -> Name: ", i);
        put_str(o, ev.name);
        dbg_putf(o, "\n     -> Timestamp: %" PRIu64 "\n", ev.time_unix_nano);
        rc = put_attrs(o, &ev.attrs, "     ");
    }
    otlp_link ln;
    otlp_list_iter_init(&it, &s->links);
    for (size_t i = 0; rc >= 0 && (rc = otlp_link_next(&it, &ln)) > 0; i++) {
        dbg_putf(o, "SpanLink #%zu\n     -> Trace ID: ", i);
        dbg_put_hex(o, ln.trace_id);
        dbg_put(o, "\n     -> ID: ", 13);
        dbg_put_hex(o, ln.span_id);
        dbg_put(o, "\n", 1);
        rc = put_attrs(o, &ln.attrs, "     ");
    }
    return rc;
}

static int put_span_normal(struct otlp_buf *o, const otlp_span *s)
{
    put_str(o, s->name);
    dbg_put(o, " ", 1);
    dbg_put_hex(o, s->trace_id);
    dbg_put(o, " ", 1);
    dbg_put_hex(o, s->span_id);
    return dbg_put(o, "\n", 1);
}

static int render_spans(otlp_walker *w, enum debug_verbosity v, struct otlp_buf *o)
{
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    int rc = 0;
    for (size_t ri = 0; otlp_walk_resource(w, &r) > 0; ri++) {
        if (v == VERBOSITY_DETAILED) {
            dbg_putf(o, "ResourceSpans #%zu\nResource attributes:\n", ri);
            rc = put_attrs(o, &r.attrs, "     ");
        } else {
            dbg_putf(o, "ResourceSpans #%zu service.name=", ri);
            put_str(o, r.service_name);
            dbg_put(o, "\n", 1);
        }
        for (size_t si = 0; rc >= 0 && otlp_walk_scope(w, &sc) > 0; si++) {
            dbg_putf(o, "ScopeSpans #%zu ", si);
            put_str(o, sc.name);
            dbg_put(o, " ", 1);
            put_str(o, sc.version);
            dbg_put(o, "\n", 1);
            for (size_t k = 0; rc >= 0 && otlp_walk_span(w, &sp) > 0; k++)
                rc = v == VERBOSITY_DETAILED ? put_span_detailed(o, &sp, k)
                                             : put_span_normal(o, &sp);
        }
    }
    return rc < 0 ? rc : otlp_walk_error(w);
}

int debug_render(otelc_signal sig, const uint8_t *buf, size_t len, enum debug_verbosity v,
                 struct otlp_buf *out)
{
    switch (sig) {
    case OTELC_METRICS: return debug_render_metrics(buf, len, v, out);
    case OTELC_LOGS: return debug_render_logs(buf, len, v, out);
    default: return debug_render_traces(buf, len, v, out);
    }
}

int debug_render_traces(const uint8_t *buf, size_t len, enum debug_verbosity v,
                        struct otlp_buf *out)
{
    size_t spans = 0, resources = 0;
    otlp_walker w;
    otlp_resource r;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &r) > 0)
        resources++;
    int rc = otlp_walk_error(&w);
    if (rc < 0 || (rc = otlp_count_spans(buf, len, &spans)) < 0)
        return rc;
    if (dbg_putf(out, "Traces {\"resource spans\": %zu, \"spans\": %zu}\n", resources, spans))
        return -1;
    if (v == VERBOSITY_BASIC)
        return 0;
    otlp_walk_init(&w, buf, len);
    return render_spans(&w, v, out);
}
