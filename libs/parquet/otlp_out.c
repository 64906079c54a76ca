/*
 * otlp_out.c: rows of the trace table as one OTLP
 * ExportTraceServiceRequest, written straight to protobuf: consecutive
 * rows with the same resource share a ResourceSpans, with the same scope
 * too a ScopeSpans; attribute values are typed again from the companion
 * type maps (textany.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/pbwire.h>

#include "pq_int.h"

/* ---- protobuf output ---------------------------------------------------- */

void pq_pb_tag(pq_buf *b, uint32_t field, uint32_t wire_type)
{
    pq_buf_varint(b, (uint64_t)field << 3 | wire_type);
}

void pq_pb_bytes(pq_buf *b, uint32_t field, const void *p, size_t n)
{
    if (n == 0)
        return;
    pq_pb_tag(b, field, PB_LEN);
    pq_buf_varint(b, n);
    pq_buf_put(b, p, n);
}

/* One byte is kept for the length; pq_pb_close moves the body when the
 * length needs more. */
size_t pq_pb_open(pq_buf *b, uint32_t field)
{
    pq_pb_tag(b, field, PB_LEN);
    pq_buf_byte(b, 0);
    return b->len;
}

void pq_pb_close(pq_buf *b, size_t body)
{
    if (b->err)
        return;
    size_t n = b->len - body, k = pb_varint_size(n);
    if (k > 1) {
        if (pq_buf_reserve(b, k - 1) != 0)
            return;
        memmove(b->p + body + k - 1, b->p + body, n);
        b->len += k - 1;
    }
    pb_write_varint(b->p + body - 1, n);
}

static void pb_fixed64(pq_buf *b, uint32_t field, uint64_t v)
{
    if (v == 0)
        return;
    pq_pb_tag(b, field, PB_I64);
    pq_buf_u64le(b, v);
}

static void pb_varint_field(pq_buf *b, uint32_t field, uint64_t v)
{
    if (v == 0)
        return;
    pq_pb_tag(b, field, PB_VARINT);
    pq_buf_varint(b, v);
}

/* ---- the request being written ------------------------------------------ */

typedef struct out_state {
    pq_table t;
    pq_buf out;            /* the request */
    pq_buf res, prev_res;  /* this row's Resource body; the open ResourceSpans' */
    pq_kvs kv, types;
    bool *taken;           /* companion entries given to a key already */
    size_t ntaken, hint;
    pq_view service, scope_name, scope_version;
    size_t rs_at, ss_at;   /* bodies of the open ResourceSpans / ScopeSpans */
    bool rs_open, ss_open;
} out_state;

static bool same(pq_view a, pq_view b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The companion entry giving key i of o->kv its type, marked taken; -1
 * for a string. The companion lists the non-string keys in the map's
 * order, so the entry after the last one taken is nearly always it; a
 * key met twice takes the next entry not yet taken. */
static ptrdiff_t take_type(out_state *o, size_t i)
{
    const pq_kvs *ty = &o->types;
    size_t j = o->hint;
    if (j >= ty->n || o->taken[j] || !same(ty->key[j], o->kv.key[i]))
        for (j = 0; j < ty->n && (o->taken[j] || !same(ty->key[j], o->kv.key[i])); j++)
            ;
    if (j == ty->n)
        return -1;
    o->taken[j] = true;
    o->hint = j + 1;
    return (ptrdiff_t)j;
}

/* One value: typed when its companion says so and the text reads as that
 * type; else the text as a string (and the companion entry is left for a
 * later key: duplicate keys are the only way to get here from otelc's
 * own files). */
static int put_value(out_state *o, pq_buf *b, size_t i)
{
    size_t mark = b->len;
    ptrdiff_t j = take_type(o, i);
    const pq_view *type = j >= 0 && o->types.has_val[j] ? &o->types.val[j] : NULL;
    if (pq_text_any(b, type, o->kv.val[i]) == 0 || b->err)
        return b->err;
    b->len = mark;
    if (j >= 0) {
        o->taken[j] = false;
        o->hint = (size_t)j;
    }
    return pq_text_any(b, NULL, o->kv.val[i]);
}

/* Output past the read's budget: what a small file's dictionary entries,
 * each referenced many times over, could make. */
static bool over_budget(const out_state *o)
{
    return o->out.len + o->res.len > o->t.budget;
}

/* Reads the attribute map at columns kc, vc and its companion tkc, tvc. */
static int read_attrs(out_state *o, int kc, int tkc)
{
    int rc = pq_table_map(&o->t, kc, kc + 1, &o->kv);
    return rc ? rc : pq_table_map(&o->t, tkc, tkc + 1, &o->types);
}

/* Writes what read_attrs read as KeyValues in field `field`. */
static int write_attrs(out_state *o, pq_buf *b, uint32_t field)
{
    if (o->types.n > o->ntaken) {
        bool *taken = realloc(o->taken, o->types.n * sizeof(*taken));
        if (!taken)
            return -ENOMEM;
        o->taken = taken;
        o->ntaken = o->types.n;
    }
    if (o->types.n)
        memset(o->taken, 0, o->types.n * sizeof(*o->taken));
    o->hint = 0;
    for (size_t i = 0; i < o->kv.n; i++) {
        size_t kv = pq_pb_open(b, field);
        pq_pb_bytes(b, 1, o->kv.key[i].ptr, o->kv.key[i].len);
        size_t v = pq_pb_open(b, 2);
        int rc = o->kv.has_val[i] ? put_value(o, b, i) : 0;
        if (rc != 0)
            return rc;
        pq_pb_close(b, v);
        pq_pb_close(b, kv);
        if (over_budget(o))
            return -ENOMEM;
    }
    return b->err;
}

static int put_attrs(out_state *o, pq_buf *b, uint32_t field, int kc, int tkc)
{
    int rc = read_attrs(o, kc, tkc);
    return rc ? rc : write_attrs(o, b, field);
}

static int put_hex(pq_buf *b, uint32_t field, pq_view hex)
{
    uint8_t id[64];
    int n = pq_unhex(hex, id, sizeof(id));
    if (n < 0)
        return -EBADMSG;
    pq_pb_bytes(b, field, id, (size_t)n);
    return 0;
}

/* A hex id column as a bytes field. */
static int put_id(out_state *o, pq_buf *b, uint32_t field, int c)
{
    pq_view hex;
    int rc = pq_table_str(&o->t, c, &hex);
    return rc ? rc : put_hex(b, field, hex);
}

static int put_str(out_state *o, pq_buf *b, uint32_t field, int c)
{
    pq_view v;
    int rc = pq_table_str(&o->t, c, &v);
    pq_pb_bytes(b, field, v.ptr, v.len);
    return rc;
}

/* ---- events and links --------------------------------------------------- */

static int put_event(out_state *o, pq_buf *b)
{
    bool present = pq_table_elem_present(&o->t, T_EV_TIME);
    int64_t time;
    pq_view name;
    int rc = pq_table_i64(&o->t, T_EV_TIME, &time);
    rc = rc ? rc : pq_table_str(&o->t, T_EV_NAME, &name);
    rc = rc ? rc : read_attrs(o, T_EV_KEY, T_EV_TYPE_KEY);
    if (rc != 0 || !present)
        return rc;
    size_t at = pq_pb_open(b, 11);
    pb_fixed64(b, 1, (uint64_t)time);
    pq_pb_bytes(b, 2, name.ptr, name.len);
    rc = write_attrs(o, b, 3);
    pq_pb_close(b, at);
    return rc;
}

static int put_link(out_state *o, pq_buf *b)
{
    bool present = pq_table_elem_present(&o->t, T_LN_TRACE_ID);
    pq_view trace_id, span_id, state;
    int rc = pq_table_str(&o->t, T_LN_TRACE_ID, &trace_id);
    rc = rc ? rc : pq_table_str(&o->t, T_LN_SPAN_ID, &span_id);
    rc = rc ? rc : pq_table_str(&o->t, T_LN_TRACE_STATE, &state);
    rc = rc ? rc : read_attrs(o, T_LN_KEY, T_LN_TYPE_KEY);
    if (rc != 0 || !present)
        return rc;
    size_t at = pq_pb_open(b, 13);
    rc = put_hex(b, 1, trace_id);
    rc = rc ? rc : put_hex(b, 2, span_id);
    pq_pb_bytes(b, 3, state.ptr, state.len);
    rc = rc ? rc : write_attrs(o, b, 4);
    pq_pb_close(b, at);
    return rc;
}

/* Every element of a list column group: the first level of each starts at
 * the row or at the list's repetition level. */
static int put_list(out_state *o, pq_buf *b, int first_col, int (*put)(out_state *, pq_buf *))
{
    uint8_t list_rep = o->t.col[first_col].max_rep;
    do {
        int rc = put(o, b);
        if (rc != 0 || over_budget(o))
            return rc ? rc : -ENOMEM;
    } while (pq_table_rep(&o->t, first_col) == list_rep);
    return 0;
}

/* ---- spans -------------------------------------------------------------- */

static int put_status(out_state *o, pq_buf *b)
{
    pq_view code, msg;
    int rc = pq_table_str(&o->t, T_STATUS_CODE, &code);
    rc = rc ? rc : pq_table_str(&o->t, T_STATUS_MESSAGE, &msg);
    uint8_t n = rc ? 0 : pq_status_number(code);
    if (rc == 0 && (n || msg.len)) {
        size_t at = pq_pb_open(b, 15);
        pq_pb_bytes(b, 2, msg.ptr, msg.len);
        pb_varint_field(b, 3, n);
        pq_pb_close(b, at);
    }
    return rc;
}

static int put_span(out_state *o, pq_buf *b)
{
    int64_t start, duration;
    pq_view kind;
    size_t at = pq_pb_open(b, 2);
    int rc = pq_table_i64(&o->t, T_TIMESTAMP, &start);
    rc = rc ? rc : pq_table_i64(&o->t, T_DURATION, &duration);
    rc = rc ? rc : put_id(o, b, 1, T_TRACE_ID);
    rc = rc ? rc : put_id(o, b, 2, T_SPAN_ID);
    rc = rc ? rc : put_str(o, b, 3, T_TRACE_STATE);
    rc = rc ? rc : put_id(o, b, 4, T_PARENT_SPAN_ID);
    rc = rc ? rc : put_str(o, b, 5, T_SPAN_NAME);
    rc = rc ? rc : pq_table_str(&o->t, T_SPAN_KIND, &kind);
    if (rc != 0)
        return rc;
    pb_varint_field(b, 6, pq_kind_number(kind));
    pb_fixed64(b, 7, (uint64_t)start);
    pb_fixed64(b, 8, (uint64_t)start + (uint64_t)duration);
    rc = put_attrs(o, b, 9, T_SPAN_KEY, T_SPAN_TYPE_KEY);
    rc = rc ? rc : put_list(o, b, T_EV_TIME, put_event);
    rc = rc ? rc : put_list(o, b, T_LN_TRACE_ID, put_link);
    rc = rc ? rc : put_status(o, b);
    pq_pb_close(b, at);
    return rc;
}

/* ---- resources and scopes ------------------------------------------------ */

static void close_scope(out_state *o)
{
    if (o->ss_open)
        pq_pb_close(&o->out, o->ss_at);
    o->ss_open = false;
}

static void close_resource(out_state *o)
{
    close_scope(o);
    if (o->rs_open)
        pq_pb_close(&o->out, o->rs_at);
    o->rs_open = false;
}

/* This row's Resource into o->res, and a new ResourceSpans when it
 * differs from the open one's. */
static int resource(out_state *o)
{
    pq_view service;
    o->res.len = 0;
    int rc = pq_table_str(&o->t, T_SERVICE_NAME, &service);
    rc = rc ? rc : put_attrs(o, &o->res, 1, T_RES_KEY, T_RES_TYPE_KEY);
    if (rc != 0 || o->res.err)
        return rc ? rc : o->res.err;
    bool same_res = o->rs_open && same(service, o->service) && o->res.len == o->prev_res.len &&
                    (o->res.len == 0 || memcmp(o->res.p, o->prev_res.p, o->res.len) == 0);
    if (same_res)
        return 0;
    close_resource(o);
    o->rs_at = pq_pb_open(&o->out, 1);
    o->rs_open = true;
    o->service = service;
    pq_pb_bytes(&o->out, 1, o->res.p, o->res.len);
    pq_buf tmp = o->prev_res;
    o->prev_res = o->res;
    o->res = tmp;
    return 0;
}

static int scope(out_state *o)
{
    pq_view name, version;
    int rc = pq_table_str(&o->t, T_SCOPE_NAME, &name);
    rc = rc ? rc : pq_table_str(&o->t, T_SCOPE_VERSION, &version);
    if (rc != 0 || (o->ss_open && same(name, o->scope_name) && same(version, o->scope_version)))
        return rc;
    close_scope(o);
    o->ss_at = pq_pb_open(&o->out, 2);
    o->ss_open = true;
    o->scope_name = name;
    o->scope_version = version;
    if (name.len || version.len) {
        size_t at = pq_pb_open(&o->out, 1);
        pq_pb_bytes(&o->out, 1, name.ptr, name.len);
        pq_pb_bytes(&o->out, 2, version.ptr, version.len);
        pq_pb_close(&o->out, at);
    }
    return 0;
}

static int put_row(out_state *o, size_t row)
{
    for (int c = 0; c < T_COUNT; c++) {
        int rc = pq_table_seek(&o->t, c, row);
        if (rc != 0)
            return rc;
    }
    int rc = resource(o);
    rc = rc ? rc : scope(o);
    rc = rc ? rc : put_span(o, &o->out);
    if (rc == 0 && !pq_table_row_done(&o->t))
        rc = -EBADMSG;
    if (rc == 0 && over_budget(o))
        rc = -ENOMEM;
    return rc ? rc : o->out.err;
}

static int put_rows(out_state *o, const uint32_t *rows, size_t nrows)
{
    size_t n = rows ? nrows : o->t.nrows;
    for (size_t i = 0; i < n; i++) {
        size_t row = rows ? rows[i] : i;
        if (row >= o->t.nrows || (i > 0 && rows && rows[i] <= rows[i - 1]))
            return -EINVAL;
        int rc = put_row(o, row);
        if (rc != 0)
            return rc;
    }
    close_resource(o);
    return o->out.err;
}

static void out_free(out_state *o)
{
    pq_table_close(&o->t);
    pq_buf_free(&o->res);
    pq_buf_free(&o->prev_res);
    pq_kvs_free(&o->kv);
    pq_kvs_free(&o->types);
    free(o->taken);
}

int pq_traces_otlp(const pq_file_meta *m, size_t rg, const uint8_t *bytes, int64_t offset,
                   size_t len, const uint32_t *rows, size_t nrows, uint8_t **out,
                   size_t *out_len)
{
    out_state o;
    uint8_t used[T_COUNT];
    memset(&o, 0, sizeof(o));
    memset(used, PQ_USE, sizeof(used));
    *out = NULL;
    *out_len = 0;
    int rc = pq_table_open(&o.t, m, rg, bytes, offset, len, used);
    if (rc == 0)
        rc = put_rows(&o, rows, nrows);
    if (rc == 0 && !o.out.p)
        pq_buf_reserve(&o.out, 1); /* an empty request is still a buffer */
    rc = rc ? rc : o.out.err;
    out_free(&o);
    if (rc != 0) {
        pq_buf_free(&o.out);
        return rc;
    }
    *out = o.out.p;
    *out_len = o.out.len;
    return 0;
}
