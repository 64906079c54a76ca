/*
 * read.c: a row group of the trace table read back: its leaves found
 * through the file's own schema (so the levels are the file's, whoever
 * wrote it), their chunks decoded, cursors that walk them row by row and
 * map instances put together from their key and value columns; and the
 * summaries listing and search filter on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pq_int.h"

static const char *const paths[T_COUNT] = {
    "Timestamp", "TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "SpanKind",
    "ServiceName", "ResourceAttributes.key_value.key", "ResourceAttributes.key_value.value",
    "ScopeName", "ScopeVersion", "SpanAttributes.key_value.key",
    "SpanAttributes.key_value.value", "Duration", "StatusCode", "StatusMessage",
    "Events.list.element.Timestamp", "Events.list.element.Name",
    "Events.list.element.Attributes.key_value.key",
    "Events.list.element.Attributes.key_value.value",
    "Events.list.element.AttributeTypes.key_value.key",
    "Events.list.element.AttributeTypes.key_value.value", "Links.list.element.TraceId",
    "Links.list.element.SpanId", "Links.list.element.TraceState",
    "Links.list.element.Attributes.key_value.key",
    "Links.list.element.Attributes.key_value.value",
    "Links.list.element.AttributeTypes.key_value.key",
    "Links.list.element.AttributeTypes.key_value.value",
    "ResourceAttributeTypes.key_value.key", "ResourceAttributeTypes.key_value.value",
    "SpanAttributeTypes.key_value.key", "SpanAttributeTypes.key_value.value",
};

/* The shape each leaf must have: path length, repetition, physical type. */
static void expected(int c, uint8_t *depth, uint8_t *rep, int32_t *type)
{
    size_t dots = 0;
    for (const char *p = paths[c]; *p; p++)
        dots += *p == '.';
    *depth = (uint8_t)(dots + 1);
    *rep = *depth == 1 ? 0 : *depth == 6 ? 2 : 1;
    *type = c == T_TIMESTAMP || c == T_DURATION || c == T_EV_TIME ? PQ_T_INT64 : PQ_T_BYTE_ARRAY;
}

/* ---- the file's schema ------------------------------------------------- */

typedef struct frame {
    int32_t left;
    uint8_t def, rep;
} frame;

#define MAX_SCHEMA_DEPTH 72 /* the footer reader refuses deeper trees */

static int64_t time_scale(const pq_schema_element *e)
{
    return e->converted_type == 9 ? 1000000 : e->converted_type == 10 ? 1000 : 1;
}

/* Fills the leaf info of every used column whose chunk is leaf number
 * `leaf`, the element e at path depth `depth`. */
static void match_leaf(pq_table *t, const size_t want[T_COUNT], size_t leaf,
                       const pq_schema_element *e, const uint8_t *defs, int depth)
{
    for (int c = 0; c < T_COUNT; c++) {
        if (!t->used[c] || want[c] != leaf)
            continue;
        pq_leaf_info *l = &t->leaf[c];
        l->type = e->type;
        l->time_scale = time_scale(e);
        l->depth = (uint8_t)(depth > PQ_MAX_PATH ? 0 : depth);
        l->max_def = defs[depth - 1];
        memcpy(l->def, defs, l->depth);
    }
}

/* Walks the depth-first schema with a stack of open groups, giving each
 * node the definition and repetition levels it reaches. */
static int walk_schema(pq_table *t, const pq_file_meta *m, const size_t want[T_COUNT],
                       uint8_t reps[T_COUNT])
{
    frame st[MAX_SCHEMA_DEPTH];
    uint8_t defs[MAX_SCHEMA_DEPTH];
    int top = 0;
    size_t leaf = 0;
    st[0] = (frame){m->nschema ? m->schema[0].num_children : 0, 0, 0};
    for (size_t i = 1; i < m->nschema; i++) {
        while (top >= 0 && st[top].left == 0)
            top--;
        const pq_schema_element *e = &m->schema[i];
        if (top < 0 || top + 1 >= MAX_SCHEMA_DEPTH || e->repetition > PQ_REPEATED)
            return -EBADMSG;
        st[top].left--;
        uint8_t def = st[top].def + (e->repetition > PQ_REQUIRED);
        uint8_t rep = st[top].rep + (e->repetition == PQ_REPEATED);
        defs[top] = def;
        if (e->num_children > 0) {
            st[++top] = (frame){e->num_children, def, rep};
            continue;
        }
        for (int c = 0; c < T_COUNT; c++)
            if (want[c] == leaf)
                reps[c] = rep;
        match_leaf(t, want, leaf++, e, defs, top + 1);
    }
    return 0;
}

static int find_leaves(pq_table *t, const pq_file_meta *m, size_t rg)
{
    size_t want[T_COUNT];
    uint8_t reps[T_COUNT] = {0};
    const pq_column_chunk *first = m->row_groups[rg].columns;
    for (int c = 0; c < T_COUNT; c++) {
        const pq_column_chunk *cc = t->used[c] ? pq_find_column(m, rg, paths[c]) : NULL;
        if (t->used[c] && !cc)
            return -ENOTSUP;
        want[c] = cc ? (size_t)(cc - first) : SIZE_MAX;
        t->leaf[c].cc = cc;
        t->leaf[c].type = -1;
    }
    int rc = walk_schema(t, m, want, reps);
    for (int c = 0; rc == 0 && c < T_COUNT; c++) {
        uint8_t depth, rep;
        int32_t type;
        expected(c, &depth, &rep, &type);
        t->leaf[c].max_rep = reps[c];
        if (t->used[c] && (t->leaf[c].depth != depth || reps[c] != rep ||
                           t->leaf[c].type != type || t->leaf[c].cc->type != type))
            rc = -ENOTSUP;
    }
    return rc;
}

/* ---- opening a row group ----------------------------------------------- */

void pq_table_close(pq_table *t)
{
    pq_arena_free(&t->keep);
    pq_arena_free(&t->tmp);
    pq_chunk_src_fini(&t->src);
}

static int read_columns(pq_table *t)
{
    for (int c = 0; c < T_COUNT; c++) {
        if (!t->used[c])
            continue;
        t->src.keep = t->used[c] == PQ_USE_KEEP ? &t->keep : &t->tmp;
        int rc = pq_col_read(&t->src, &t->leaf[c], &t->col[c]);
        if (rc != 0)
            return rc;
        if (t->col[c].nrows != t->nrows)
            return -EBADMSG;
        t->cur[c] = (pq_cur){&t->col[c], 0, 0, 0};
    }
    return 0;
}

int pq_table_open(pq_table *t, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                  int64_t offset, size_t len, const uint8_t used[T_COUNT])
{
    memset(t, 0, sizeof(*t));
    memcpy(t->used, used, sizeof(t->used));
    t->budget = pq_read_budget(len);
    t->keep.budget = t->tmp.budget = &t->budget;
    t->src = (pq_chunk_src){bytes, offset, len, &t->keep, &t->tmp, NULL};
    if (rg >= m->nrow_groups)
        return -EINVAL;
    if (m->row_groups[rg].num_rows < 0 || (uint64_t)m->row_groups[rg].num_rows > UINT32_MAX)
        return -EBADMSG;
    t->nrows = (size_t)m->row_groups[rg].num_rows;
    int rc = offset < 0 ? -EBADMSG : find_leaves(t, m, rg);
    if (rc == 0)
        rc = read_columns(t);
    if (rc != 0)
        pq_table_close(t);
    return rc;
}

/* ---- cursors ------------------------------------------------------------ */

static uint8_t rep_at(const pq_cur *k)
{
    return k->c->rep && k->lv < k->c->nlevels ? k->c->rep[k->lv] : 0;
}

uint8_t pq_table_rep(const pq_table *t, int c)
{
    return rep_at(&t->cur[c]);
}

/* Takes one level: its definition level, and the value's index (SIZE_MAX
 * for a null). */
static int take(pq_cur *k, uint8_t *def, size_t *vi)
{
    const pq_col *c = k->c;
    if (k->lv >= c->nlevels)
        return -EBADMSG;
    *def = c->def ? c->def[k->lv] : 0;
    *vi = SIZE_MAX;
    if (*def == c->max_def) {
        if (k->val >= c->nvalues)
            return -EBADMSG;
        *vi = k->val++;
    }
    k->row += rep_at(k) == 0;
    k->lv++;
    return 0;
}

int pq_table_seek(pq_table *t, int c, size_t row)
{
    pq_cur *k = &t->cur[c];
    if (!k->c->rep && !k->c->def) {
        if (row > k->c->nlevels)
            return -EINVAL;
        k->lv = k->val = k->row = row; /* a level, a value and a row each */
        return 0;
    }
    while (k->row < row || rep_at(k) != 0) {
        uint8_t def;
        size_t vi;
        int rc = take(k, &def, &vi);
        if (rc != 0)
            return rc;
    }
    return k->row == row ? 0 : -EINVAL;
}

int pq_table_str(pq_table *t, int c, pq_view *out)
{
    uint8_t def;
    size_t vi;
    int rc = take(&t->cur[c], &def, &vi);
    *out = rc == 0 && vi != SIZE_MAX ? t->col[c].str[vi] : (pq_view){(const uint8_t *)"", 0};
    return rc;
}

int pq_table_i64(pq_table *t, int c, int64_t *out)
{
    uint8_t def;
    size_t vi;
    int rc = take(&t->cur[c], &def, &vi);
    *out = rc == 0 && vi != SIZE_MAX ? t->col[c].i64[vi] : 0;
    return rc;
}

bool pq_table_elem_present(const pq_table *t, int c)
{
    const pq_cur *k = &t->cur[c];
    if (k->lv >= k->c->nlevels)
        return false;
    return (k->c->def ? k->c->def[k->lv] : 0) >= t->leaf[c].def[1];
}

bool pq_table_row_done(const pq_table *t)
{
    for (int c = 0; c < T_COUNT; c++)
        if (t->used[c] && rep_at(&t->cur[c]) != 0)
            return false;
    return true;
}

/* ---- maps --------------------------------------------------------------- */

void pq_kvs_free(pq_kvs *k)
{
    free(k->key);
    free(k->val);
    free(k->has_val);
    memset(k, 0, sizeof(*k));
}

/* Each array is kept as soon as it has grown: a later failure leaks
 * nothing and leaves cap, the size all three have, as it was. */
static int kvs_grow(pq_kvs *k)
{
    size_t cap = k->cap ? k->cap * 2 : 16;
    pq_view *key = realloc(k->key, cap * sizeof(*key));
    if (!key)
        return -ENOMEM;
    k->key = key;
    pq_view *val = realloc(k->val, cap * sizeof(*val));
    if (!val)
        return -ENOMEM;
    k->val = val;
    bool *has = realloc(k->has_val, cap * sizeof(*has));
    if (!has)
        return -ENOMEM;
    k->has_val = has;
    k->cap = cap;
    return 0;
}

static int kvs_push(pq_kvs *k, pq_view key, const pq_view *val)
{
    if (k->n == k->cap && kvs_grow(k) != 0)
        return -ENOMEM;
    k->key[k->n] = key;
    k->has_val[k->n] = val != NULL;
    k->val[k->n++] = val ? *val : (pq_view){(const uint8_t *)"", 0};
    return 0;
}

/* One entry (or the single level of an empty map): 1 with an entry
 * pushed, 0 for an empty map, or an error. */
static int map_entry(pq_table *t, int kc, int vc, bool first, pq_kvs *out)
{
    const pq_leaf_info *kl = &t->leaf[kc];
    uint8_t entry_def = kl->def[kl->depth - 2]; /* key_value exists */
    uint8_t kd, vd;
    size_t ki, vi;
    if (rep_at(&t->cur[kc]) != rep_at(&t->cur[vc]))
        return -EBADMSG;
    int rc = take(&t->cur[kc], &kd, &ki);
    if (rc == 0)
        rc = take(&t->cur[vc], &vd, &vi);
    if (rc != 0)
        return rc;
    bool present = kd >= entry_def;
    if (present != (vd >= entry_def) || (!present && !first) || (present && ki == SIZE_MAX))
        return -EBADMSG;
    if (!present)
        return 0;
    rc = kvs_push(out, t->col[kc].str[ki], vi == SIZE_MAX ? NULL : &t->col[vc].str[vi]);
    return rc ? rc : 1;
}

int pq_table_map(pq_table *t, int kc, int vc, pq_kvs *out)
{
    uint8_t entry_rep = t->leaf[kc].max_rep;
    out->n = 0;
    for (bool first = true; first || rep_at(&t->cur[kc]) == entry_rep; first = false) {
        int rc = map_entry(t, kc, vc, first, out);
        if (rc <= 0)
            return rc;
    }
    return 0;
}

/* ---- names and ids ------------------------------------------------------ */

static bool view_is(pq_view v, const char *s)
{
    return v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pq_unhex(pq_view hex, uint8_t *out, size_t cap)
{
    if (hex.len % 2 || hex.len / 2 > cap)
        return -1;
    for (size_t i = 0; i < hex.len / 2; i++) {
        int hi = hex_digit(hex.ptr[2 * i]), lo = hex_digit(hex.ptr[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(hex.len / 2);
}

/* The writer's names, and the collector's SPAN_KIND_* / STATUS_CODE_* too. */
uint8_t pq_kind_number(pq_view name)
{
    static const char *const names[][2] = {
        {"Unspecified", "SPAN_KIND_UNSPECIFIED"}, {"Internal", "SPAN_KIND_INTERNAL"},
        {"Server", "SPAN_KIND_SERVER"},           {"Client", "SPAN_KIND_CLIENT"},
        {"Producer", "SPAN_KIND_PRODUCER"},       {"Consumer", "SPAN_KIND_CONSUMER"}};
    for (uint8_t k = 0; k < 6; k++)
        if (view_is(name, names[k][0]) || view_is(name, names[k][1]))
            return k;
    return 0;
}

uint8_t pq_status_number(pq_view name)
{
    if (view_is(name, "Ok") || view_is(name, "STATUS_CODE_OK"))
        return 1;
    return view_is(name, "Error") || view_is(name, "STATUS_CODE_ERROR") ? 2 : 0;
}

/* ---- row group range and summaries --------------------------------------- */

int pq_row_group_range(const pq_file_meta *m, size_t rg, int64_t *offset, int64_t *len)
{
    if (rg >= m->nrow_groups)
        return -EINVAL;
    const pq_row_group *g = &m->row_groups[rg];
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t i = 0; i < g->ncolumns; i++) {
        int64_t start, end;
        if (pq_chunk_bounds(&g->columns[i], &start, &end) != 0)
            return -EBADMSG;
        lo = start < lo ? start : lo;
        hi = end > hi ? end : hi;
    }
    if (g->ncolumns == 0)
        return -EBADMSG;
    *offset = lo;
    *len = hi - lo;
    return 0;
}

typedef struct summaries_impl {
    pq_summaries pub;
    pq_arena keep;
    size_t budget;
} summaries_impl;

void pq_summaries_free(pq_summaries *s)
{
    summaries_impl *impl = (summaries_impl *)s;
    if (!impl)
        return;
    pq_arena_free(&impl->keep);
    free(impl);
}

/* An id column into a fixed-size id: one of another length (the writer
 * takes what OTLP gives; receivers refuse such ids) is cut or padded
 * with zeros. */
static int fixed_id(pq_table *t, int c, uint8_t *out, size_t n)
{
    pq_view v;
    uint8_t id[64];
    int rc = pq_table_str(t, c, &v);
    int got = rc ? 0 : pq_unhex(v, id, sizeof(id));
    if (rc || got < 0)
        return rc ? rc : -EBADMSG;
    memset(out, 0, n);
    memcpy(out, id, (size_t)got < n ? (size_t)got : n);
    return 0;
}

static int summarize(pq_table *t, pq_span_summary *s)
{
    pq_view kind, status;
    int rc = pq_table_i64(t, T_TIMESTAMP, &s->start_ns);
    rc = rc ? rc : pq_table_i64(t, T_DURATION, &s->duration_ns);
    rc = rc ? rc : fixed_id(t, T_TRACE_ID, s->trace_id, 16);
    rc = rc ? rc : fixed_id(t, T_SPAN_ID, s->span_id, 8);
    rc = rc ? rc : fixed_id(t, T_PARENT_SPAN_ID, s->parent_span_id, 8);
    rc = rc ? rc : pq_table_str(t, T_SPAN_KIND, &kind);
    rc = rc ? rc : pq_table_str(t, T_STATUS_CODE, &status);
    rc = rc ? rc : pq_table_str(t, T_SERVICE_NAME, &s->service);
    rc = rc ? rc : pq_table_str(t, T_SPAN_NAME, &s->name);
    s->kind = rc ? 0 : pq_kind_number(kind);
    s->status = rc ? 0 : pq_status_number(status);
    return rc;
}

static const int summary_cols[] = {T_TIMESTAMP,   T_TRACE_ID, T_SPAN_ID,
                                   T_PARENT_SPAN_ID, T_SPAN_KIND, T_SERVICE_NAME,
                                   T_SPAN_NAME,   T_DURATION, T_STATUS_CODE};

static int summarize_all(pq_table *t, summaries_impl *impl)
{
    impl->pub.n = t->nrows;
    impl->pub.rows = pq_arena_calloc(&t->keep, t->nrows ? t->nrows : 1, sizeof(pq_span_summary));
    if (!impl->pub.rows)
        return -ENOMEM;
    for (size_t i = 0; i < t->nrows; i++) {
        int rc = summarize(t, &impl->pub.rows[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int pq_traces_summaries(const pq_file_meta *m, size_t rg, const uint8_t *bytes, int64_t offset,
                        size_t len, pq_summaries **out)
{
    uint8_t used[T_COUNT] = {0};
    pq_table t;
    *out = NULL;
    for (size_t i = 0; i < sizeof(summary_cols) / sizeof(summary_cols[0]); i++)
        used[summary_cols[i]] = PQ_USE;
    used[T_SERVICE_NAME] = used[T_SPAN_NAME] = PQ_USE_KEEP; /* the views point there */
    summaries_impl *impl = calloc(1, sizeof(*impl));
    if (!impl)
        return -ENOMEM;
    int rc = pq_table_open(&t, m, rg, bytes, offset, len, used);
    if (rc == 0)
        rc = summarize_all(&t, impl);
    if (rc == 0) {
        impl->keep = t.keep; /* the rows, and the pages their names point into */
        t.keep.head = NULL;
        impl->keep.budget = &impl->budget;
    }
    pq_table_close(&t);
    if (rc != 0) {
        free(impl);
        return rc;
    }
    *out = &impl->pub;
    return 0;
}
