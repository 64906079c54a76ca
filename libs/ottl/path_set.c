/*
 * path_set.c: writing paths through the editor, with the collector's
 * type rules (a span name takes a string, a kind an int64, start_time a
 * time.Time, trace_id a TraceID...). What a statement set is kept in the
 * env's record of the span, so later statements read it back.
 */
#include "fn.h"
#include "tracestate.h"

const char *ottl_kind_name(int32_t kind, bool deprecated);

int ottl_edited(ottl_env *e, int rc)
{
    if (rc < 0)
        return ottl_edit_failed(e, rc);
    e->changes += rc > 0;
    return 0;
}

int ottl_need(ottl_env *e, const value *v, vtype t)
{
    return v->t == t ? 0 : ottl_type_error(e, ottl_type_name(t), v);
}

pb_bytes ottl_keep(ottl_env *e, pb_bytes s)
{
    char *d = ottl_arena_dup(&e->keep, s.ptr, s.len);
    return bytes_of(d, d ? s.len : 0);
}

static int set_attr(ottl_env *e, const node *n, const value *v)
{
    value key;
    otlp_anyvalue a;
    if (n->path.nkeys == 0) {
        otlp_kv *kv;
        size_t count;
        if (v->t != V_MAP)
            return ottl_type_error(e, "pcommon.Map", v);
        if (ottl_map_entries(e, &v->l, &kv, &count) != 0)
            return -1;
        return ottl_set_map_entries(e, n, kv, count);
    }
    if (ottl_eval(e, n->path.keys[0], &key) != 0)
        return -1;
    if (key.t != V_STRING)
        return ottl_errorf(e, "attributes are indexed by a string, not %s",
                           ottl_type_name(key.t));
    if (ottl_value_to_any(e, v, &a) != 0)
        return -1;
    return ottl_edited(e, otlp_edit_attr_put(e->ed, ottl_level_target(n->path.level),
                                        (const char *)key.s.ptr, key.s.len, &a,
                                        OTLP_ATTR_UPSERT));
}

int ottl_set_span_name(ottl_env *e, const value *v)
{
    if (!e->ed)
        return ottl_errorf(e, "read-only evaluation cannot edit");
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    e->now.name = ottl_keep(e, v->s);
    return ottl_edited(e, otlp_edit_span_name(e->ed, (const char *)v->s.ptr, v->s.len));
}

static int set_kind(ottl_env *e, int64_t kind)
{
    e->now.kind = (int32_t)kind;
    return ottl_edited(e, otlp_edit_span_kind(e->ed, (int32_t)kind));
}

static int set_kind_name(ottl_env *e, const value *v, bool deprecated)
{
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    for (int32_t k = 0; k <= 5; k++) {
        const char *name = ottl_kind_name(k, deprecated);
        if (bytes_eq(v->s, name, strlen(name)))
            return set_kind(e, k);
    }
    return ottl_errorf(e, "unknown span kind %sstring, %.*s", deprecated ? "deprecated " : "",
                       (int)v->s.len, (const char *)v->s.ptr);
}

static int set_status(ottl_env *e, const value *v, bool message)
{
    if (ottl_need(e, v, message ? V_STRING : V_INT) != 0)
        return -1;
    if (!message) {
        e->now.status_code = (int32_t)v->i;
        return ottl_edited(e, otlp_edit_span_status(e->ed, e->now.status_code, NULL, 0));
    }
    e->now.status_message = ottl_keep(e, v->s);
    return ottl_edited(e, otlp_edit_span_status(e->ed, e->now.status_code, (const char *)v->s.ptr,
                                           v->s.len));
}

static int set_trace_state(ottl_env *e, const node *n, const value *v)
{
    pb_bytes ts = v->s;
    value key;
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    if (n->path.nkeys) {
        if (ottl_eval(e, n->path.keys[0], &key) != 0)
            return -1;
        if (key.t != V_STRING)
            return ottl_errorf(e, "trace_state indexing type must be a string");
        int rc = ottl_tracestate_put(e, e->now.trace_state, key.s, v->s, &ts);
        if (rc <= 0)
            return rc; /* an invalid key or value is left out, as in the collector */
    }
    e->now.trace_state = ottl_keep(e, ts);
    return ottl_edited(e, otlp_edit_span_trace_state(e->ed, (const char *)ts.ptr, ts.len));
}

static int set_time(ottl_env *e, const value *v, vtype t, bool end)
{
    if (ottl_need(e, v, t) != 0)
        return -1;
    uint64_t ns = (uint64_t)v->i;
    *(end ? &e->now.end : &e->now.start) = ns;
    return ottl_edited(e, end ? otlp_edit_span_end(e->ed, ns) : otlp_edit_span_start(e->ed, ns));
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An id from a value: the id type itself, or its hex text. */
int ottl_id_bytes(ottl_env *e, const value *v, vtype t, bool text, uint8_t *out, size_t n)
{
    if (!text) {
        if (ottl_need(e, v, t) != 0)
            return -1;
        memcpy(out, v->s.ptr, n);
        return 0;
    }
    if (ottl_need(e, v, V_STRING) != 0)
        return -1;
    if (v->s.len != 2 * n)
        return ottl_errorf(e, "invalid %s id: %zu hex digits, need %zu",
                           t == V_TRACE_ID ? "trace" : "span", v->s.len, 2 * n);
    for (size_t k = 0; k < n; k++) {
        int hi = hex_value(v->s.ptr[2 * k]), lo = hex_value(v->s.ptr[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return ottl_errorf(e, "invalid id: not hex");
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int set_id(ottl_env *e, const value *v, enum otlp_span_id_field which, bool text)
{
    uint8_t id[16];
    size_t n = which == OTLP_TRACE_ID ? 16 : 8;
    pb_bytes *now[] = {&e->now.trace_id, &e->now.span_id, &e->now.parent_span_id};
    if (ottl_id_bytes(e, v, which == OTLP_TRACE_ID ? V_TRACE_ID : V_SPAN_ID, text, id, n) != 0)
        return -1;
    *now[which] = ottl_keep(e, bytes_of(id, n));
    /* an all-zero parent is no parent: the field is left out, as pdata does */
    if (which == OTLP_PARENT_SPAN_ID && memcmp(id, "\0\0\0\0\0\0\0\0", 8) == 0)
        n = 0;
    return ottl_edited(e, otlp_edit_span_id(e->ed, which, id, n));
}

static int set_span_field(ottl_env *e, const node *n, const value *v)
{
    switch (ottl_path_def(n)->id) {
    case PATH_SPAN_NAME: return ottl_set_span_name(e, v);
    case PATH_KIND: return ottl_need(e, v, V_INT) != 0 ? -1 : set_kind(e, v->i);
    case PATH_KIND_STRING: return set_kind_name(e, v, false);
    case PATH_KIND_DEPRECATED: return set_kind_name(e, v, true);
    case PATH_STATUS_CODE: return set_status(e, v, false);
    case PATH_STATUS_MESSAGE: return set_status(e, v, true);
    case PATH_TRACE_STATE: return set_trace_state(e, n, v);
    case PATH_START_NANO: return set_time(e, v, V_INT, false);
    case PATH_END_NANO: return set_time(e, v, V_INT, true);
    case PATH_START_TIME: return set_time(e, v, V_TIME, false);
    case PATH_END_TIME: return set_time(e, v, V_TIME, true);
    case PATH_TRACE_ID: return set_id(e, v, OTLP_TRACE_ID, false);
    case PATH_TRACE_ID_STRING: return set_id(e, v, OTLP_TRACE_ID, true);
    case PATH_SPAN_ID: return set_id(e, v, OTLP_SPAN_ID, false);
    case PATH_SPAN_ID_STRING: return set_id(e, v, OTLP_SPAN_ID, true);
    case PATH_PARENT_ID: return set_id(e, v, OTLP_PARENT_SPAN_ID, false);
    case PATH_PARENT_ID_STRING: return set_id(e, v, OTLP_PARENT_SPAN_ID, true);
    default: return ottl_errorf(e, "the path cannot be set");
    }
}

int ottl_path_set(ottl_env *e, const node *n, const value *v)
{
    if (!e->ed)
        return ottl_errorf(e, "read-only evaluation cannot edit");
    if (!e->has[n->path.level])
        return ottl_errorf(e, "no %s here", ottl_context_name((ottl_context)n->path.level));
    if (ottl_path_def(n)->id == PATH_ATTRS)
        return set_attr(e, n, v);
    if (n->path.level == OTTL_CTX_LOG)
        return ottl_log_set(e, n, v);
    if (n->path.level == OTTL_CTX_METRIC || n->path.level == OTTL_CTX_DATAPOINT)
        return ottl_metric_set(e, n, v);
    return set_span_field(e, n, v);
}
