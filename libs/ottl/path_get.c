/*
 * path_get.c: reading paths where the env stands. Span fields come from
 * the env's record of the span (the input's values until a statement set
 * them); attributes from the editor's current lists, edits included.
 */
#include "paths.h"
#include "tracestate.h"
#include "value.h"

int ottl_apply_keys(ottl_env *e, node *const *keys, size_t n, value *v);

static const uint8_t zero_id[16];

enum otlp_edit_target ottl_level_target(int level)
{
    static const enum otlp_edit_target t[OTTL_CTX_COUNT] = {
        OTLP_EDIT_RESOURCE, OTLP_EDIT_SCOPE,  OTLP_EDIT_SPAN,     OTLP_EDIT_EVENT,
        OTLP_EDIT_LOG,      OTLP_EDIT_METRIC, OTLP_EDIT_DATAPOINT};
    return t[level];
}

static const otlp_list *view_attrs(const ottl_env *e, int level)
{
    switch (level) {
    case OTTL_CTX_RESOURCE: return &e->r.attrs;
    case OTTL_CTX_SCOPE: return &e->s.attrs;
    case OTTL_CTX_SPAN: return &e->sp.attrs;
    case OTTL_CTX_LOG: return &e->lg.attrs;
    case OTTL_CTX_METRIC: return &e->mt.metadata;
    case OTTL_CTX_DATAPOINT: return &e->dp.attrs;
    default: return &e->ev.attrs;
    }
}

int ottl_level_attrs(ottl_env *e, int level, otlp_list *out)
{
    if (!e->has[level])
        return ottl_errorf(e, "no %s here", ottl_context_name((ottl_context)level));
    if (!e->ed) {
        *out = *view_attrs(e, level);
        return 0;
    }
    int rc = otlp_edit_attrs(e->ed, ottl_level_target(level), out);
    return rc == OTLP_OK ? 0 : ottl_edit_failed(e, rc);
}

static uint32_t dropped_attrs(const ottl_env *e, int level)
{
    switch (level) {
    case OTTL_CTX_RESOURCE: return e->r.dropped_attributes_count;
    case OTTL_CTX_SCOPE: return e->s.dropped_attributes_count;
    case OTTL_CTX_SPAN: return e->sp.dropped_attributes_count;
    case OTTL_CTX_LOG: return e->lg.dropped_attributes_count;
    default: return e->ev.dropped_attributes_count;
    }
}

/* An id as the collector reads it: all zero when absent. */
value ottl_id_value(pb_bytes id, vtype t)
{
    value v = v_nil();
    size_t want = t == V_TRACE_ID ? 16 : 8;
    v.t = t;
    v.s = id.len == want ? id : bytes_of(zero_id, want);
    return v;
}

int ottl_id_string(ottl_env *e, pb_bytes id, vtype t, value *out)
{
    static const char hex[] = "0123456789abcdef";
    value v = ottl_id_value(id, t);
    char *s = ottl_arena_alloc(&e->scratch, 2 * v.s.len + 1);
    if (!s)
        return ottl_errorf(e, "out of memory");
    for (size_t k = 0; k < v.s.len; k++) {
        s[2 * k] = hex[v.s.ptr[k] >> 4];
        s[2 * k + 1] = hex[v.s.ptr[k] & 15];
    }
    *out = v_str(bytes_of(s, 2 * v.s.len));
    return 0;
}

const char *ottl_kind_name(int32_t kind, bool deprecated);
const char *ottl_kind_name(int32_t kind, bool deprecated)
{
    static const char *const names[] = {"Unspecified", "Internal", "Server",
                                        "Client",      "Producer", "Consumer"};
    static const char *const old[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                      "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                      "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
    if (kind < 0 || kind > 5)
        return "";
    return deprecated ? old[kind] : names[kind];
}

value ottl_time_value(vtype t, uint64_t ns)
{
    value v = v_nil();
    v.t = t;
    v.i = (int64_t)ns;
    return v;
}

static value list_value(vtype t, const otlp_list *l)
{
    value v = v_nil();
    v.t = t;
    v.l = *l;
    v.i = ottl_list_occurrences(l);
    return v;
}

static int trace_state_key(ottl_env *e, const node *n, value *out)
{
    value key;
    pb_bytes found;
    if (ottl_eval(e, n->path.keys[0], &key) != 0)
        return -1;
    if (key.t != V_STRING)
        return ottl_errorf(e, "trace_state indexing type must be a string");
    *out = v_nil();
    if (ottl_tracestate_get(e->now.trace_state, key.s, &found))
        *out = v_str(found);
    return 0;
}

/* Span fields by path id. 1 when handled. */
static int span_field(ottl_env *e, const node *n, value *out)
{
    const span_now *s = &e->now;
    switch (ottl_path_def(n)->id) {
    case PATH_TRACE_ID: *out = ottl_id_value(s->trace_id, V_TRACE_ID); return 1;
    case PATH_SPAN_ID: *out = ottl_id_value(s->span_id, V_SPAN_ID); return 1;
    case PATH_PARENT_ID: *out = ottl_id_value(s->parent_span_id, V_SPAN_ID); return 1;
    case PATH_TRACE_ID_STRING: return ottl_id_string(e, s->trace_id, V_TRACE_ID, out) ? -1 : 1;
    case PATH_SPAN_ID_STRING: return ottl_id_string(e, s->span_id, V_SPAN_ID, out) ? -1 : 1;
    case PATH_PARENT_ID_STRING:
        return ottl_id_string(e, s->parent_span_id, V_SPAN_ID, out) ? -1 : 1;
    case PATH_TRACE_STATE:
        if (n->path.nkeys)
            return trace_state_key(e, n, out) ? -1 : 1;
        *out = v_str(s->trace_state);
        return 1;
    case PATH_SPAN_NAME: *out = v_str(s->name); return 1;
    case PATH_KIND: *out = v_int(s->kind); return 1;
    case PATH_KIND_STRING: case PATH_KIND_DEPRECATED: {
        const char *k = ottl_kind_name(s->kind, ottl_path_def(n)->id == PATH_KIND_DEPRECATED);
        *out = v_str(bytes_of(k, strlen(k)));
        return 1;
    }
    default: return 0;
    }
}

static int span_field2(ottl_env *e, const node *n, value *out)
{
    const span_now *s = &e->now;
    switch (ottl_path_def(n)->id) {
    case PATH_START_NANO: *out = v_int((int64_t)s->start); return 1;
    case PATH_END_NANO: *out = v_int((int64_t)s->end); return 1;
    case PATH_START_TIME: *out = ottl_time_value(V_TIME, s->start); return 1;
    case PATH_END_TIME: *out = ottl_time_value(V_TIME, s->end); return 1;
    case PATH_EVENTS: *out = list_value(V_EVENTS, &e->sp.events); return 1;
    case PATH_LINKS: *out = list_value(V_LINKS, &e->sp.links); return 1;
    case PATH_DROPPED_EVENTS: *out = v_int(e->sp.dropped_events_count); return 1;
    case PATH_DROPPED_LINKS: *out = v_int(e->sp.dropped_links_count); return 1;
    case PATH_STATUS_CODE: *out = v_int(s->status_code); return 1;
    case PATH_STATUS_MESSAGE: *out = v_str(s->status_message); return 1;
    default: return 0;
    }
}

static int other_field(ottl_env *e, const node *n, value *out)
{
    int level = n->path.level;
    switch (ottl_path_def(n)->id) {
    case PATH_DROPPED_ATTRS: *out = v_int(dropped_attrs(e, level)); return 0;
    case PATH_SCHEMA_URL:
        *out = v_str(level == OTTL_CTX_RESOURCE ? e->r.schema_url : e->s.schema_url);
        return 0;
    case PATH_SCOPE_NAME: *out = v_str(e->s.name); return 0;
    case PATH_SCOPE_VERSION: *out = v_str(e->s.version); return 0;
    case PATH_EVENT_NAME: *out = v_str(e->ev.name); return 0;
    case PATH_EVENT_NANO: *out = v_int((int64_t)e->ev.time_unix_nano); return 0;
    case PATH_EVENT_TIME: *out = ottl_time_value(V_TIME, e->ev.time_unix_nano); return 0;
    default: return ottl_errorf(e, "unreadable path");
    }
}

int ottl_path_get(ottl_env *e, const node *n, value *out)
{
    int rc;
    *out = v_nil();
    if (!e->has[n->path.level])
        return ottl_errorf(e, "no %s here", ottl_context_name((ottl_context)n->path.level));
    if (ottl_path_def(n)->id == PATH_ATTRS) {
        out->t = V_MAP;
        if (ottl_level_attrs(e, n->path.level, &out->l) != 0)
            return -1;
        return ottl_apply_keys(e, n->path.keys, n->path.nkeys, out);
    }
    if (n->path.level == OTTL_CTX_LOG)
        return ottl_log_get(e, n, out);
    if (n->path.level == OTTL_CTX_METRIC || n->path.level == OTTL_CTX_DATAPOINT)
        return ottl_metric_get(e, n, out);
    if (n->path.level == OTTL_CTX_SPAN) {
        if ((rc = span_field(e, n, out)) != 0 || (rc = span_field2(e, n, out)) != 0)
            return rc < 0 ? -1 : 0;
    }
    return other_field(e, n, out);
}
