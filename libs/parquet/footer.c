/*
 * footer.c: FileMetaData read back from a footer that may come from
 * anywhere: only the fields a reader of the trace table needs are kept
 * (schema, row groups, column chunks with offsets, statistics and bloom
 * filter places); everything else is skipped, and what is kept is
 * checked for consistency before anyone uses it to compute an offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pq_int.h"

#define MAX_ITEMS (1u << 20) /* elements of one list: far beyond real footers */

/* A list field of structs as a calloc'd array; *n its length. NULL with
 * *n == 0 for an empty list, NULL with r->err set on failure. */
static void *read_struct_list(tc_reader *r, uint8_t type, size_t size, size_t *n)
{
    uint8_t elem;
    uint32_t count = tc_read_list(r, type, &elem);
    *n = 0;
    if (r->err || count == 0)
        return NULL;
    void *items = count <= MAX_ITEMS && elem == TC_STRUCT ? calloc(count, size) : NULL;
    if (!items) {
        r->err = count <= MAX_ITEMS && elem == TC_STRUCT ? -ENOMEM : -EBADMSG;
        r->p = r->end;
        return NULL;
    }
    *n = count;
    return items;
}

/* The field id chosen in a union (LogicalType, TimeUnit, ...). */
static int32_t read_union(tc_reader *r, uint8_t type)
{
    int16_t last = 0, id, chosen = 0;
    uint8_t t;
    if (!tc_enter(r, type))
        return 0;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        chosen = id;
        tc_skip(r, t);
    }
    tc_leave(r);
    return chosen;
}

static void read_schema_element(tc_reader *r, pq_schema_element *e)
{
    int16_t last = 0, id;
    uint8_t t;
    e->type = e->repetition = e->converted_type = -1;
    if (!tc_enter(r, TC_STRUCT))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        switch (id) {
        case 1: e->type = (int32_t)tc_read_int(r, t); break;
        case 3: e->repetition = (int32_t)tc_read_int(r, t); break;
        case 4: e->name = tc_read_binary(r, t); break;
        case 5: e->num_children = (int32_t)tc_read_int(r, t); break;
        case 6: e->converted_type = (int32_t)tc_read_int(r, t); break;
        case 10: e->logical_type = read_union(r, t); break;
        default: tc_skip(r, t); break;
        }
    }
    tc_leave(r);
}

static void read_stats(tc_reader *r, uint8_t type, pq_statistics *s)
{
    int16_t last = 0, id;
    uint8_t t;
    pq_view legacy_min = {0}, legacy_max = {0};
    if (!tc_enter(r, type))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        switch (id) {
        case 1: legacy_max = tc_read_binary(r, t); break;
        case 2: legacy_min = tc_read_binary(r, t); break;
        case 3: s->null_count = tc_read_int(r, t), s->has_null_count = true; break;
        case 5: s->max = tc_read_binary(r, t), s->has_max = true; break;
        case 6: s->min = tc_read_binary(r, t), s->has_min = true; break;
        default: tc_skip(r, t); break;
        }
    }
    tc_leave(r);
    /* The old fields only where the new ones are missing. */
    if (!s->has_min && legacy_min.ptr)
        s->min = legacy_min, s->has_min = true;
    if (!s->has_max && legacy_max.ptr)
        s->max = legacy_max, s->has_max = true;
}

static void read_encodings(tc_reader *r, uint8_t type, pq_column_chunk *c)
{
    uint8_t elem;
    uint32_t n = tc_read_list(r, type, &elem);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        int64_t e = tc_read_int(r, elem);
        if (e >= 0 && e < 32)
            c->encodings |= 1u << e;
    }
}

static void read_path(tc_reader *r, uint8_t type, pq_column_chunk *c)
{
    uint8_t elem;
    uint32_t n = tc_read_list(r, type, &elem);
    if (n > sizeof(c->path) / sizeof(c->path[0])) {
        r->err = -EBADMSG;
        r->p = r->end;
        return;
    }
    c->npath = n;
    for (uint32_t i = 0; i < n && !r->err; i++)
        c->path[i] = tc_read_binary(r, elem);
}

static void read_column_meta_field(tc_reader *r, uint8_t t, int16_t id, pq_column_chunk *c)
{
    switch (id) {
    case 1: c->type = (int32_t)tc_read_int(r, t); break;
    case 2: read_encodings(r, t, c); break;
    case 3: read_path(r, t, c); break;
    case 4: c->codec = (int32_t)tc_read_int(r, t); break;
    case 5: c->num_values = tc_read_int(r, t); break;
    case 6: c->total_uncompressed_size = tc_read_int(r, t); break;
    case 7: c->total_compressed_size = tc_read_int(r, t); break;
    case 9: c->data_page_offset = tc_read_int(r, t); break;
    case 11: c->dictionary_page_offset = tc_read_int(r, t); break;
    case 12: read_stats(r, t, &c->stats); break;
    case 14: c->bloom_filter_offset = tc_read_int(r, t); break;
    case 15: c->bloom_filter_length = tc_read_int(r, t); break;
    default: tc_skip(r, t); break;
    }
}

static void read_column_meta(tc_reader *r, uint8_t type, pq_column_chunk *c)
{
    int16_t last = 0, id;
    uint8_t t;
    if (!tc_enter(r, type))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP)
        read_column_meta_field(r, t, id, c);
    tc_leave(r);
}

static void read_column_chunk(tc_reader *r, pq_column_chunk *c)
{
    int16_t last = 0, id;
    uint8_t t;
    c->dictionary_page_offset = c->bloom_filter_offset = c->bloom_filter_length = -1;
    c->data_page_offset = -1;
    if (!tc_enter(r, TC_STRUCT))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        if (id == 3)
            read_column_meta(r, t, c);
        else
            tc_skip(r, t);
    }
    tc_leave(r);
}

static void read_row_group(tc_reader *r, pq_row_group *g)
{
    int16_t last = 0, id;
    uint8_t t;
    if (!tc_enter(r, TC_STRUCT))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        if (id == 1 && !g->columns) {
            g->columns = read_struct_list(r, t, sizeof(*g->columns), &g->ncolumns);
            for (size_t i = 0; i < g->ncolumns && !r->err; i++)
                read_column_chunk(r, &g->columns[i]);
        } else if (id == 2) {
            g->total_byte_size = tc_read_int(r, t);
        } else if (id == 3) {
            g->num_rows = tc_read_int(r, t);
        } else {
            tc_skip(r, t); /* a repeated column list too: the first one counts */
        }
    }
    tc_leave(r);
}

static void read_schema(tc_reader *r, uint8_t t, pq_file_meta *m)
{
    m->schema = read_struct_list(r, t, sizeof(*m->schema), &m->nschema);
    for (size_t i = 0; i < m->nschema && !r->err; i++)
        read_schema_element(r, &m->schema[i]);
}

static void read_row_groups(tc_reader *r, uint8_t t, pq_file_meta *m)
{
    m->row_groups = read_struct_list(r, t, sizeof(*m->row_groups), &m->nrow_groups);
    for (size_t i = 0; i < m->nrow_groups && !r->err; i++)
        read_row_group(r, &m->row_groups[i]);
}

static void read_key_value(tc_reader *r, pq_key_value *kv)
{
    int16_t last = 0, id;
    uint8_t t;
    if (!tc_enter(r, TC_STRUCT))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        if (id == 1)
            kv->key = tc_read_binary(r, t);
        else if (id == 2)
            kv->value = tc_read_binary(r, t);
        else
            tc_skip(r, t);
    }
    tc_leave(r);
}

/* The key-value metadata; a value left out reads as "". */
static void read_key_values(tc_reader *r, uint8_t t, pq_file_meta *m)
{
    m->kv = read_struct_list(r, t, sizeof(*m->kv), &m->nkv);
    for (size_t i = 0; i < m->nkv && !r->err; i++)
        read_key_value(r, &m->kv[i]);
}

static void read_file_meta(tc_reader *r, pq_file_meta *m)
{
    int16_t last = 0, id;
    uint8_t t;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP) {
        if (id == 1)
            m->version = (int32_t)tc_read_int(r, t);
        else if (id == 2 && !m->schema)
            read_schema(r, t, m);
        else if (id == 3)
            m->num_rows = tc_read_int(r, t);
        else if (id == 4 && !m->row_groups)
            read_row_groups(r, t, m);
        else if (id == 5 && !m->kv)
            read_key_values(r, t, m);
        else if (id == 6)
            m->created_by = tc_read_binary(r, t);
        else
            tc_skip(r, t);
    }
}

/* ---- consistency ------------------------------------------------------ */

/* Counts the leaves under schema[*i]; -1 when children run past the end. */
static long count_leaves(const pq_file_meta *m, size_t *i, int depth)
{
    if (*i >= m->nschema || depth > 64)
        return -1;
    const pq_schema_element *e = &m->schema[(*i)++];
    if (e->num_children < 0)
        return -1;
    if (e->num_children == 0)
        return depth > 0;
    long leaves = 0;
    for (int32_t c = 0; c < e->num_children; c++) {
        long n = count_leaves(m, i, depth + 1);
        if (n < 0)
            return -1;
        leaves += n;
    }
    return leaves;
}

static bool chunk_ok(const pq_column_chunk *c)
{
    return c->npath > 0 && c->data_page_offset >= 0 && c->total_compressed_size >= 0 &&
           c->num_values >= 0 && c->dictionary_page_offset >= -1 &&
           c->bloom_filter_offset >= -1 && c->bloom_filter_length >= -1 &&
           (c->bloom_filter_length < 0 || c->bloom_filter_offset >= 0);
}

static bool meta_ok(const pq_file_meta *m)
{
    size_t i = 0;
    long leaves = count_leaves(m, &i, 0);
    if (leaves < 0 || i != m->nschema || m->num_rows < 0)
        return false;
    for (size_t g = 0; g < m->nrow_groups; g++) {
        const pq_row_group *rg = &m->row_groups[g];
        if (rg->ncolumns != (size_t)leaves || rg->num_rows < 0)
            return false;
        for (size_t c = 0; c < rg->ncolumns; c++)
            if (!chunk_ok(&rg->columns[c]))
                return false;
    }
    return true;
}

const pq_view *pq_file_meta_value(const pq_file_meta *m, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < m->nkv; i++)
        if (m->kv[i].key.len == n && memcmp(m->kv[i].key.ptr, key, n) == 0)
            return &m->kv[i].value;
    return NULL;
}

void pq_file_meta_free(pq_file_meta *m)
{
    if (!m)
        return;
    for (size_t g = 0; m->row_groups && g < m->nrow_groups; g++)
        free(m->row_groups[g].columns);
    free(m->row_groups);
    free(m->schema);
    free(m->kv);
    free(m);
}

int pq_footer_parse(const uint8_t *footer, size_t len, pq_file_meta **out)
{
    *out = NULL;
    pq_file_meta *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    tc_reader r;
    tc_reader_init(&r, footer, len);
    read_file_meta(&r, m);
    int rc = r.err ? r.err : meta_ok(m) ? 0 : -EBADMSG;
    if (rc != 0) {
        pq_file_meta_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int pq_footer_length(const uint8_t tail[PQ_TAIL_SIZE], uint32_t *len)
{
    if (memcmp(tail + 4, "PAR1", 4) != 0)
        return -EBADMSG;
    *len = pq_load_u32le(tail);
    return 0;
}

int pq_file_footer(const uint8_t *file, size_t len, pq_file_meta **out)
{
    uint32_t flen;
    *out = NULL;
    if (len < 4 + PQ_TAIL_SIZE || memcmp(file, "PAR1", 4) != 0 ||
        pq_footer_length(file + len - PQ_TAIL_SIZE, &flen) != 0 ||
        flen > len - 4 - PQ_TAIL_SIZE)
        return -EBADMSG;
    return pq_footer_parse(file + len - PQ_TAIL_SIZE - flen, flen, out);
}

/* Whether the dotted name is exactly the chunk's path. */
static bool path_is(const pq_column_chunk *c, const char *name)
{
    for (uint32_t i = 0; i < c->npath; i++) {
        size_t n = c->path[i].len;
        if (strncmp(name, (const char *)c->path[i].ptr, n) != 0 || memchr(c->path[i].ptr, 0, n))
            return false;
        name += n;
        if (*name != (i + 1 < c->npath ? '.' : '\0'))
            return false;
        name += i + 1 < c->npath;
    }
    return c->npath > 0;
}

const pq_column_chunk *pq_find_column(const pq_file_meta *m, size_t rg, const char *path)
{
    if (rg >= m->nrow_groups)
        return NULL;
    for (size_t i = 0; i < m->row_groups[rg].ncolumns; i++)
        if (path_is(&m->row_groups[rg].columns[i], path))
            return &m->row_groups[rg].columns[i];
    return NULL;
}
