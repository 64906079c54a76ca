/*
 * writer.c: a Parquet file in memory: "PAR1", row groups of column
 * chunks each followed by its bloom filters, then the FileMetaData
 * footer, its length and "PAR1" again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "pq_int.h"

static const uint8_t magic[4] = {'P', 'A', 'R', '1'};

int pq_writer_init(pq_writer *w, const pq_node *nodes, size_t n, int zstd_level,
                   double bloom_fpp)
{
    memset(w, 0, sizeof(*w));
    int rc = pq_schema_init(&w->schema, nodes, n);
    if (rc != 0)
        return rc;
    w->cols = calloc(w->schema.nleaves, sizeof(*w->cols));
    w->zstd = ZSTD_createCCtx();
    if (!w->cols || !w->zstd) {
        pq_writer_free(w);
        return -ENOMEM;
    }
    for (size_t i = 0; i < w->schema.nleaves; i++)
        pq_column_init(&w->cols[i], &w->schema.leaves[i]);
    w->zstd_level = zstd_level;
    w->bloom_fpp = bloom_fpp;
    w->created_by = "otelc";
    return 0;
}

void pq_writer_free(pq_writer *w)
{
    for (size_t i = 0; w->cols && i < w->schema.nleaves; i++)
        pq_column_free(&w->cols[i]);
    for (size_t g = 0; g < w->ngroups; g++)
        free(w->groups[g].chunks);
    free(w->groups);
    free(w->cols);
    ZSTD_freeCCtx(w->zstd);
    pq_buf_free(&w->file);
    pq_buf_free(&w->stats);
    pq_buf_free(&w->page);
    pq_buf_free(&w->zout);
    pq_schema_free(&w->schema);
    memset(w, 0, sizeof(*w));
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* BloomFilterHeader: numBytes, then the unions naming the only choices
 * there are (split blocks, xxHash, uncompressed), each an empty struct. */
static void write_bloom_header(pq_buf *out, uint32_t nbytes)
{
    tc_writer w;
    tc_init(&w, out);
    tc_field_i32(&w, 1, (int32_t)nbytes);
    for (int16_t id = 2; id <= 4; id++) {
        tc_field_struct(&w, id);
        tc_field_empty(&w, 1);
        tc_struct_end(&w);
    }
    pq_buf_byte(out, TC_STOP);
}

/* The filter is sized for the row group's distinct values, which sorting
 * the hashes counts (a trace's spans share one id). */
static void write_bloom(pq_writer *w, pq_column *c, pq_chunk_meta *m)
{
    uint64_t *h = (uint64_t *)(void *)c->hashes.p;
    size_t n = c->hashes.len / sizeof(*h), ndv = 0;
    if (n)
        qsort(h, n, sizeof(*h), compare_u64);
    for (size_t i = 0; i < n; i++)
        ndv += i == 0 || h[i] != h[i - 1];
    uint32_t nbytes = pq_bloom_bytes(ndv, w->bloom_fpp);
    m->bloom_offset = (int64_t)w->file.len;
    write_bloom_header(&w->file, nbytes);
    if (pq_buf_reserve(&w->file, nbytes) != 0)
        return;
    uint8_t *bits = w->file.p + w->file.len;
    memset(bits, 0, nbytes);
    for (size_t i = 0; i < n; i++)
        pq_bloom_insert(bits, nbytes, h[i]);
    w->file.len += nbytes;
    m->bloom_length = (int32_t)((int64_t)w->file.len - m->bloom_offset);
}

static pq_row_group_meta *new_group(pq_writer *w)
{
    if (w->ngroups == w->cap_groups) {
        size_t cap = w->cap_groups ? w->cap_groups * 2 : 4;
        pq_row_group_meta *g = realloc(w->groups, cap * sizeof(*g));
        if (!g)
            return NULL;
        w->groups = g;
        w->cap_groups = cap;
    }
    pq_row_group_meta *g = &w->groups[w->ngroups];
    g->chunks = calloc(w->schema.nleaves, sizeof(*g->chunks));
    if (!g->chunks)
        return NULL;
    w->ngroups++;
    return g;
}

int pq_writer_flush_group(pq_writer *w)
{
    if (w->rows == 0)
        return 0;
    if (w->file.len == 0)
        pq_buf_put(&w->file, magic, sizeof(magic));
    pq_row_group_meta *g = new_group(w);
    if (!g)
        return -ENOMEM;
    g->offset = (int64_t)w->file.len;
    g->num_rows = w->rows;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < w->schema.nleaves; i++)
        rc = pq_chunk_write(w, &w->cols[i], &g->chunks[i]);
    for (size_t i = 0; rc == 0 && i < w->schema.nleaves; i++)
        if (w->schema.leaves[i].node->flags & PQ_BLOOM)
            write_bloom(w, &w->cols[i], &g->chunks[i]);
    for (size_t i = 0; i < w->schema.nleaves; i++)
        pq_column_reset(&w->cols[i]);
    w->total_rows += w->rows;
    w->rows = 0;
    return rc ? rc : w->file.err;
}

static void write_row_group(tc_writer *t, const pq_writer *w, size_t gi)
{
    const pq_row_group_meta *g = &w->groups[gi];
    int64_t raw = 0, packed = 0;
    tc_struct_begin(t);
    tc_field_list(t, 1, TC_STRUCT, (uint32_t)w->schema.nleaves);
    for (size_t i = 0; i < w->schema.nleaves; i++) {
        pq_chunk_meta_write(t, w, &w->schema.leaves[i], &g->chunks[i]);
        raw += g->chunks[i].uncompressed;
        packed += g->chunks[i].compressed;
    }
    tc_field_i64(t, 2, raw);
    tc_field_i64(t, 3, g->num_rows);
    tc_field_i64(t, 5, g->offset);
    tc_field_i64(t, 6, packed);
    tc_field(t, 7, TC_I16);
    tc_i32(t, (int32_t)gi);
    tc_struct_end(t);
}

static void write_key_values(tc_writer *t, const char *const *kv)
{
    size_t n = 0;
    while (kv && kv[2 * n])
        n++;
    if (n == 0)
        return;
    tc_field_list(t, 5, TC_STRUCT, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        tc_struct_begin(t);
        tc_field_str(t, 1, kv[2 * i]);
        tc_field_str(t, 2, kv[2 * i + 1]);
        tc_struct_end(t);
    }
}

/* Every leaf's min/max follow its type's order (TypeDefinedOrder). */
static void write_column_orders(tc_writer *t, const pq_writer *w)
{
    tc_field_list(t, 7, TC_STRUCT, (uint32_t)w->schema.nleaves);
    for (size_t i = 0; i < w->schema.nleaves; i++) {
        tc_struct_begin(t);
        tc_field_empty(t, 1);
        tc_struct_end(t);
    }
}

static void write_footer(pq_writer *w)
{
    tc_writer t;
    tc_init(&t, &w->file);
    tc_field_i32(&t, 1, 1); /* version 1: what every reader accepts */
    pq_schema_write(&t, &w->schema);
    tc_field_i64(&t, 3, w->total_rows);
    tc_field_list(&t, 4, TC_STRUCT, (uint32_t)w->ngroups);
    for (size_t g = 0; g < w->ngroups; g++)
        write_row_group(&t, w, g);
    write_key_values(&t, w->kv);
    tc_field_str(&t, 6, w->created_by);
    write_column_orders(&t, w);
    pq_buf_byte(&w->file, TC_STOP);
}

int pq_writer_finish(pq_writer *w, uint8_t **out, size_t *len)
{
    *out = NULL;
    int rc = pq_writer_flush_group(w);
    if (rc != 0)
        return rc;
    if (w->file.len == 0)
        pq_buf_put(&w->file, magic, sizeof(magic));
    size_t start = w->file.len;
    write_footer(w);
    pq_buf_u32le(&w->file, (uint32_t)(w->file.len - start));
    pq_buf_put(&w->file, magic, sizeof(magic));
    if (w->file.err)
        return w->file.err;
    *out = w->file.p;
    *len = w->file.len;
    memset(&w->file, 0, sizeof(w->file));
    return 0;
}
