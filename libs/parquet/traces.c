/*
 * traces.c: the trace table: its schema (the column names of the
 * collector ClickHouse exporter's otel_traces, docs/storage.md) and one
 * row per span, read from OTLP requests with the SDK's wire walker, so
 * nothing is unpacked: strings go from the request bytes straight into
 * the columns.
 */
#include <errno.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

#include "anytext.h"
#include "pq_int.h"

#define STR(name, flags) {name, PQ_BYTE_ARRAY, PQ_REQUIRED, PQ_LOG_STRING, 0, flags}
#define TIME(name, flags) {name, PQ_INT64, PQ_REQUIRED, PQ_LOG_TIMESTAMP_NS, 0, flags}
#define INT(name, flags) {name, PQ_INT64, PQ_REQUIRED, PQ_LOG_NONE, 0, flags}
/* The standard 3-level map and list. */
#define MAP(name, value_flags)                                                                 \
    {name, PQ_GROUP, PQ_REQUIRED, PQ_LOG_MAP, 1, 0},                                         \
    {"key_value", PQ_GROUP, PQ_REPEATED, PQ_LOG_NONE, 2, 0}, STR("key", PQ_DICT),             \
    {"value", PQ_BYTE_ARRAY, PQ_OPTIONAL, PQ_LOG_STRING, 0, value_flags}
#define LIST(name, fields)                                                                     \
    {name, PQ_GROUP, PQ_REQUIRED, PQ_LOG_LIST, 1, 0},                                        \
    {"list", PQ_GROUP, PQ_REPEATED, PQ_LOG_NONE, 1, 0},                                       \
    {"element", PQ_GROUP, PQ_REQUIRED, PQ_LOG_NONE, fields, 0}

static const pq_node trace_table[] = {
    {"schema", PQ_GROUP, PQ_REQUIRED, PQ_LOG_NONE, 19, 0},
    TIME("Timestamp", PQ_STATS),
    STR("TraceId", PQ_STATS | PQ_BLOOM),
    STR("SpanId", 0),
    STR("ParentSpanId", 0),
    STR("TraceState", PQ_DICT_AUTO),
    STR("SpanName", PQ_DICT),
    STR("SpanKind", PQ_DICT),
    STR("ServiceName", PQ_DICT | PQ_STATS),
    MAP("ResourceAttributes", PQ_DICT_AUTO),
    STR("ScopeName", PQ_DICT),
    STR("ScopeVersion", PQ_DICT),
    MAP("SpanAttributes", PQ_DICT_AUTO),
    INT("Duration", PQ_STATS),
    STR("StatusCode", PQ_DICT),
    STR("StatusMessage", PQ_DICT_AUTO),
    LIST("Events", 4),
    TIME("Timestamp", 0),
    STR("Name", PQ_DICT_AUTO),
    MAP("Attributes", PQ_DICT_AUTO),
    MAP("AttributeTypes", PQ_DICT),
    LIST("Links", 5),
    STR("TraceId", 0),
    STR("SpanId", 0),
    STR("TraceState", PQ_DICT_AUTO),
    MAP("Attributes", PQ_DICT_AUTO),
    MAP("AttributeTypes", PQ_DICT),
    MAP("ResourceAttributeTypes", PQ_DICT),
    MAP("SpanAttributeTypes", PQ_DICT),
};

/* The leaves, in schema order. */
enum leaf {
    C_TIMESTAMP, C_TRACE_ID, C_SPAN_ID, C_PARENT_SPAN_ID, C_TRACE_STATE, C_SPAN_NAME,
    C_SPAN_KIND, C_SERVICE_NAME, C_RES_KEY, C_RES_VALUE, C_SCOPE_NAME, C_SCOPE_VERSION,
    C_SPAN_KEY, C_SPAN_VALUE, C_DURATION, C_STATUS_CODE, C_STATUS_MESSAGE,
    C_EV_TIME, C_EV_NAME, C_EV_KEY, C_EV_VALUE, C_EV_TYPE_KEY, C_EV_TYPE_VALUE,
    C_LN_TRACE_ID, C_LN_SPAN_ID, C_LN_TRACE_STATE, C_LN_KEY, C_LN_VALUE, C_LN_TYPE_KEY,
    C_LN_TYPE_VALUE, C_RES_TYPE_KEY, C_RES_TYPE_VALUE, C_SPAN_TYPE_KEY, C_SPAN_TYPE_VALUE,
    C_COUNT
};

/* An attribute map and its companion map of types. */
typedef struct map_cols {
    int key, value, type_key, type_value;
} map_cols;

static const map_cols resource_map = {C_RES_KEY, C_RES_VALUE, C_RES_TYPE_KEY, C_RES_TYPE_VALUE};
static const map_cols span_map = {C_SPAN_KEY, C_SPAN_VALUE, C_SPAN_TYPE_KEY, C_SPAN_TYPE_VALUE};
static const map_cols event_map = {C_EV_KEY, C_EV_VALUE, C_EV_TYPE_KEY, C_EV_TYPE_VALUE};
static const map_cols link_map = {C_LN_KEY, C_LN_VALUE, C_LN_TYPE_KEY, C_LN_TYPE_VALUE};

static const char *const file_kv[] = {"otelc.table", "traces", "otelc.table.version", "1", NULL};

typedef struct table {
    pq_writer w;
    pq_buf text; /* a non-string attribute value as text */
    int err;
} table;

static pq_column *col(table *t, int leaf)
{
    return &t->w.cols[leaf];
}

static void put_str(table *t, int leaf, uint8_t rep, pb_bytes s)
{
    pq_column_bytes(col(t, leaf), rep, s.ptr ? (const void *)s.ptr : "", s.len);
}

static void put_cstr(table *t, int leaf, const char *s)
{
    pq_column_bytes(col(t, leaf), 0, s, strlen(s));
}

/* Ids as lowercase hex, the form people paste and readers hash. */
static void put_hex(table *t, int leaf, uint8_t rep, pb_bytes id)
{
    static const char digits[] = "0123456789abcdef";
    char hex[64];
    size_t n = id.len <= sizeof(hex) / 2 ? id.len : sizeof(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[id.ptr[i] >> 4];
        hex[2 * i + 1] = digits[id.ptr[i] & 15];
    }
    pq_column_bytes(col(t, leaf), rep, hex, 2 * n);
}

static const char *kind_name(int32_t kind)
{
    static const char *const names[] = {"Unspecified", "Internal", "Server",
                                        "Client", "Producer", "Consumer"};
    return kind >= 0 && kind < 6 ? names[kind] : "Unspecified";
}

static const char *status_name(int32_t code)
{
    return code == 1 ? "Ok" : code == 2 ? "Error" : "Unset";
}

/* Writes one entry's key and value; returns the value's type name when
 * it is not a string (it goes into the companion map), else NULL. */
static const char *put_entry(table *t, const map_cols *m, uint8_t rep, const otlp_kv *kv)
{
    put_str(t, m->key, rep, kv->key);
    if (kv->value.type == OTLP_ANY_STRING) {
        put_str(t, m->value, rep, kv->value.bytes);
        return NULL;
    }
    t->text.len = 0;
    const char *type = pq_any_text(&kv->value, &t->text);
    if (!type)
        t->err = -EBADMSG;
    pq_column_bytes(col(t, m->value), rep, t->text.p ? (const void *)t->text.p : "",
                    t->text.len);
    return type;
}

/* An empty map: one level entry saying the map has no key_value. */
static void put_empty_map(table *t, int key, int value, uint8_t rep)
{
    uint8_t def = col(t, key)->leaf->max_def - 1;
    pq_column_null(col(t, key), rep, def);
    pq_column_null(col(t, value), rep, def);
}

/* Writes attrs as map m. rep is the level its first entry starts (0 for
 * a row, the list's level for a later list element); the entries after
 * the first repeat at the map's own level. */
static void put_attrs(table *t, const map_cols *m, const otlp_list *attrs, uint8_t rep)
{
    uint8_t next = col(t, m->key)->leaf->max_rep;
    bool any = false, any_typed = false;
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, attrs);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        const char *type = put_entry(t, m, any ? next : rep, &kv);
        any = true;
        if (!type)
            continue;
        put_str(t, m->type_key, any_typed ? next : rep, kv.key);
        pq_column_bytes(col(t, m->type_value), any_typed ? next : rep, type, strlen(type));
        any_typed = true;
    }
    if (rc < 0)
        t->err = -EBADMSG;
    if (!any)
        put_empty_map(t, m->key, m->value, rep);
    if (!any_typed)
        put_empty_map(t, m->type_key, m->type_value, rep);
}

/* A span without events or links: every leaf of the list says "empty". */
static void put_empty_list(table *t, int first, int last)
{
    for (int leaf = first; leaf <= last; leaf++)
        pq_column_null(col(t, leaf), 0, 0);
}

static void put_events(table *t, const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_event ev;
    uint8_t rep = 0;
    bool any = false;
    int rc;
    otlp_list_iter_init(&it, &sp->events);
    while ((rc = otlp_event_next(&it, &ev)) > 0) {
        pq_column_i64(col(t, C_EV_TIME), rep, (int64_t)ev.time_unix_nano);
        put_str(t, C_EV_NAME, rep, ev.name);
        put_attrs(t, &event_map, &ev.attrs, rep);
        rep = 1;
        any = true;
    }
    if (rc < 0)
        t->err = -EBADMSG;
    if (!any)
        put_empty_list(t, C_EV_TIME, C_EV_TYPE_VALUE);
}

static void put_links(table *t, const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_link ln;
    uint8_t rep = 0;
    bool any = false;
    int rc;
    otlp_list_iter_init(&it, &sp->links);
    while ((rc = otlp_link_next(&it, &ln)) > 0) {
        put_hex(t, C_LN_TRACE_ID, rep, ln.trace_id);
        put_hex(t, C_LN_SPAN_ID, rep, ln.span_id);
        put_str(t, C_LN_TRACE_STATE, rep, ln.trace_state);
        put_attrs(t, &link_map, &ln.attrs, rep);
        rep = 1;
        any = true;
    }
    if (rc < 0)
        t->err = -EBADMSG;
    if (!any)
        put_empty_list(t, C_LN_TRACE_ID, C_LN_TYPE_VALUE);
}

static void put_span(table *t, const otlp_resource *r, const otlp_scope *s,
                     const otlp_span *sp)
{
    pq_column_i64(col(t, C_TIMESTAMP), 0, (int64_t)sp->start_time_unix_nano);
    put_hex(t, C_TRACE_ID, 0, sp->trace_id);
    put_hex(t, C_SPAN_ID, 0, sp->span_id);
    put_hex(t, C_PARENT_SPAN_ID, 0, sp->parent_span_id);
    put_str(t, C_TRACE_STATE, 0, sp->trace_state);
    put_str(t, C_SPAN_NAME, 0, sp->name);
    put_cstr(t, C_SPAN_KIND, kind_name(sp->kind));
    put_str(t, C_SERVICE_NAME, 0, r->service_name);
    put_attrs(t, &resource_map, &r->attrs, 0);
    put_str(t, C_SCOPE_NAME, 0, s->name);
    put_str(t, C_SCOPE_VERSION, 0, s->version);
    put_attrs(t, &span_map, &sp->attrs, 0);
    /* Signed: an end before the start stays visible instead of wrapping. */
    pq_column_i64(col(t, C_DURATION), 0,
                  (int64_t)(sp->end_time_unix_nano - sp->start_time_unix_nano));
    put_cstr(t, C_STATUS_CODE, status_name(sp->status_code));
    put_str(t, C_STATUS_MESSAGE, 0, sp->status_message);
    put_events(t, sp);
    put_links(t, sp);
    pq_writer_end_row(&t->w);
}

static int put_request(table *t, const uint8_t *p, size_t n)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    otlp_walk_init(&w, p, n);
    while (!t->err && otlp_walk_resource(&w, &r) > 0)
        while (!t->err && otlp_walk_scope(&w, &s) > 0)
            while (!t->err && otlp_walk_span(&w, &sp) > 0)
                put_span(t, &r, &s, &sp);
    if (!t->err && otlp_walk_error(&w) < 0)
        t->err = -EBADMSG;
    return t->err;
}

int pq_traces_writer_init(pq_writer *w, const pq_traces_options *o)
{
    int rc = pq_writer_init(w, trace_table, sizeof(trace_table) / sizeof(trace_table[0]),
                            o ? o->zstd_level : 0, o ? o->bloom_fpp : 0);
    if (rc != 0)
        return rc;
    _Static_assert(C_COUNT == 34, "the leaf enum follows the schema");
    _Static_assert((int)C_COUNT == (int)T_COUNT, "the reader's leaves are the writer's");
    w->kv = file_kv;
    if (o && o->created_by)
        w->created_by = o->created_by;
    return 0;
}

int pq_traces_write(const pq_traces_options *o, const struct iovec *segs, size_t n,
                    uint8_t **out, size_t *out_len, size_t *rows)
{
    table t = {0};
    *out = NULL;
    int rc = pq_traces_writer_init(&t.w, o);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = put_request(&t, segs[i].iov_base, segs[i].iov_len);
    if (rc == 0)
        rc = t.text.err;
    int64_t total = t.w.rows;
    if (rc == 0)
        rc = pq_writer_finish(&t.w, out, out_len);
    if (rows)
        *rows = rc == 0 ? (size_t)total : 0;
    pq_writer_free(&t.w);
    pq_buf_free(&t.text);
    return rc;
}
