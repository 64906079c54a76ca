/*
 * path_log.c: the log context's fields (the collector's ottllog): read
 * from the env's record of the log record, which holds the input's
 * views until a statement sets a field; set through the editor's
 * otlp_edit_field, with the collector's types (times as int64 or
 * time.Time, the severity number an int64, ids as TraceID and SpanID or
 * their hex text, the body any value).
 */
#include "paths.h"
#include "value.h"

int ottl_apply_keys(ottl_env *e, node *const *keys, size_t n, value *v);

/* LogRecord's field numbers (logs/v1). */
enum {
    LOG_TIME = 1,
    LOG_SEVERITY_NUMBER = 2,
    LOG_SEVERITY_TEXT = 3,
    LOG_BODY = 5,
    LOG_FLAGS = 8,
    LOG_TRACE_ID = 9,
    LOG_SPAN_ID = 10,
    LOG_OBSERVED = 11,
    LOG_EVENT_NAME = 12,
};

static int body_get(ottl_env *e, const node *n, value *out)
{
    if (!e->lg.has_body)
        return 0; /* nil */
    ottl_value_from_any(&e->lg.body, out);
    return ottl_apply_keys(e, n->path.keys, n->path.nkeys, out);
}

/* body.string: the body's text as pcommon's AsString writes it. */
static int body_string(ottl_env *e, value *out)
{
    value body = v_nil();
    pb_bytes text;
    bool nil;
    if (e->lg.has_body)
        ottl_value_from_any(&e->lg.body, &body);
    if (ottl_value_text(e, &body, TEXT_AS_STRING, &text, &nil) != 0)
        return -1;
    *out = v_str(text);
    return 0;
}

static int id_get(ottl_env *e, path_id id, value *out)
{
    switch (id) {
    case PATH_LOG_TRACE_ID: *out = ottl_id_value(e->lg.trace_id, V_TRACE_ID); return 0;
    case PATH_LOG_SPAN_ID: *out = ottl_id_value(e->lg.span_id, V_SPAN_ID); return 0;
    case PATH_LOG_TRACE_ID_STRING: return ottl_id_string(e, e->lg.trace_id, V_TRACE_ID, out);
    default: return ottl_id_string(e, e->lg.span_id, V_SPAN_ID, out);
    }
}

int ottl_log_get(ottl_env *e, const node *n, value *out)
{
    const otlp_log *l = &e->lg;
    path_id id = ottl_path_def(n)->id;
    switch (id) {
    case PATH_LOG_TIME_NANO: *out = v_int((int64_t)l->time_unix_nano); return 0;
    case PATH_LOG_OBSERVED_NANO: *out = v_int((int64_t)l->observed_time_unix_nano); return 0;
    case PATH_LOG_TIME: *out = ottl_time_value(V_TIME, l->time_unix_nano); return 0;
    case PATH_LOG_OBSERVED: *out = ottl_time_value(V_TIME, l->observed_time_unix_nano); return 0;
    case PATH_LOG_SEVERITY_NUMBER: *out = v_int(l->severity_number); return 0;
    case PATH_LOG_SEVERITY_TEXT: *out = v_str(l->severity_text); return 0;
    case PATH_LOG_BODY: return body_get(e, n, out);
    case PATH_LOG_BODY_STRING: return body_string(e, out);
    case PATH_LOG_FLAGS: *out = v_int(l->flags); return 0;
    case PATH_LOG_EVENT_NAME: *out = v_str(l->event_name); return 0;
    case PATH_DROPPED_ATTRS: *out = v_int(l->dropped_attributes_count); return 0;
    default: return id_get(e, id, out);
    }
}

/* ---- setting ---- */

static int put_field(ottl_env *e, const otlp_field *f)
{
    return ottl_edited(e, otlp_edit_field(e->ed, OTLP_EDIT_LOG, f));
}

/* A varint or fixed field; proto3's default (0) is no field, as pdata
 * writes it. */
static int put_number(ottl_env *e, uint32_t number, enum pb_wire_type wire, uint64_t v)
{
    otlp_field f = {.number = number, .wire = wire, .u = v, .absent = v == 0};
    return put_field(e, &f);
}

/* A string field: kept in the record, and written (empty: no field). */
static int put_string(ottl_env *e, uint32_t number, const value *v, pb_bytes *rec)
{
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    *rec = ottl_keep(e, v->s);
    otlp_field f = {.number = number, .wire = PB_LEN, .bytes = v->s, .absent = v->s.len == 0};
    return put_field(e, &f);
}

static int set_time(ottl_env *e, const value *v, vtype t, bool observed)
{
    if (ottl_need(e, v, t) != 0)
        return -1;
    uint64_t ns = (uint64_t)v->i;
    *(observed ? &e->lg.observed_time_unix_nano : &e->lg.time_unix_nano) = ns;
    return put_number(e, observed ? LOG_OBSERVED : LOG_TIME, PB_I64, ns);
}

/* The body as v: its bytes kept in the record so later reads see it. */
static int set_body(ottl_env *e, const node *n, const value *v)
{
    otlp_anyvalue a;
    if (n->path.nkeys)
        return ottl_errorf(e, "setting an element of the body is not supported by otelc yet");
    if (ottl_value_to_any(e, v, &a) != 0)
        return -1;
    if (a.type == OTLP_ANY_STRING || a.type == OTLP_ANY_BYTES || a.type == OTLP_ANY_ARRAY ||
        a.type == OTLP_ANY_KVLIST)
        a.bytes = ottl_keep(e, a.bytes);
    e->lg.body = a;
    e->lg.has_body = true;
    otlp_field f = {.number = LOG_BODY, .wire = PB_LEN, .any = &a};
    return put_field(e, &f);
}

static int set_id(ottl_env *e, const value *v, bool trace, bool text)
{
    uint8_t id[16];
    size_t n = trace ? 16 : 8;
    if (ottl_id_bytes(e, v, trace ? V_TRACE_ID : V_SPAN_ID, text, id, n) != 0)
        return -1;
    pb_bytes kept = ottl_keep(e, bytes_of(id, n));
    *(trace ? &e->lg.trace_id : &e->lg.span_id) = kept;
    static const uint8_t zero[16];
    otlp_field f = {.number = trace ? LOG_TRACE_ID : LOG_SPAN_ID, .wire = PB_LEN,
                    .bytes = bytes_of(id, n), .absent = memcmp(id, zero, n) == 0};
    return put_field(e, &f);
}

static int set_int_field(ottl_env *e, path_id id, const value *v)
{
    if (ottl_need(e, v, V_INT) != 0)
        return -1;
    if (id == PATH_LOG_FLAGS) {
        e->lg.flags = (uint32_t)v->i;
        return put_number(e, LOG_FLAGS, PB_I32, (uint32_t)v->i);
    }
    e->lg.severity_number = (int32_t)v->i;
    return put_number(e, LOG_SEVERITY_NUMBER, PB_VARINT, (uint64_t)(int64_t)(int32_t)v->i);
}

int ottl_log_set(ottl_env *e, const node *n, const value *v)
{
    path_id id = ottl_path_def(n)->id;
    switch (id) {
    case PATH_LOG_TIME_NANO: return set_time(e, v, V_INT, false);
    case PATH_LOG_OBSERVED_NANO: return set_time(e, v, V_INT, true);
    case PATH_LOG_TIME: return set_time(e, v, V_TIME, false);
    case PATH_LOG_OBSERVED: return set_time(e, v, V_TIME, true);
    case PATH_LOG_SEVERITY_NUMBER:
    case PATH_LOG_FLAGS: return set_int_field(e, id, v);
    case PATH_LOG_SEVERITY_TEXT: return put_string(e, LOG_SEVERITY_TEXT, v, &e->lg.severity_text);
    case PATH_LOG_EVENT_NAME: return put_string(e, LOG_EVENT_NAME, v, &e->lg.event_name);
    case PATH_LOG_BODY: return set_body(e, n, v);
    case PATH_LOG_BODY_STRING: return ottl_need(e, v, V_STRING) != 0 ? -1 : set_body(e, n, v);
    case PATH_LOG_TRACE_ID: return set_id(e, v, true, false);
    case PATH_LOG_TRACE_ID_STRING: return set_id(e, v, true, true);
    case PATH_LOG_SPAN_ID: return set_id(e, v, false, false);
    case PATH_LOG_SPAN_ID_STRING: return set_id(e, v, false, true);
    default: return ottl_errorf(e, "the path cannot be set");
    }
}
