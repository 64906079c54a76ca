/*
 * chunk.c: a leaf column's chunk: an optional dictionary page and one v1
 * data page (levels and values compressed together with zstd, the layout
 * every reader takes), and the ColumnMetaData the footer keeps of it.
 */
#include <errno.h>
#include <string.h>

#include <zstd.h>

#include "pq_int.h"

enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };

typedef struct page_info {
    int32_t type;
    int32_t num_values;
    int32_t encoding;
} page_info;

static void write_page_header(pq_buf *out, const page_info *pi, size_t raw, size_t packed)
{
    tc_writer w;
    tc_init(&w, out);
    tc_field_i32(&w, 1, pi->type);
    tc_field_i32(&w, 2, (int32_t)raw);
    tc_field_i32(&w, 3, (int32_t)packed);
    tc_field_struct(&w, pi->type == PAGE_DATA ? 5 : 7);
    tc_field_i32(&w, 1, pi->num_values);
    tc_field_i32(&w, 2, pi->encoding);
    if (pi->type == PAGE_DATA) {
        tc_field_i32(&w, 3, PQ_ENC_RLE); /* definition levels */
        tc_field_i32(&w, 4, PQ_ENC_RLE); /* repetition levels */
    }
    tc_struct_end(&w);
    pq_buf_byte(out, TC_STOP);
}

/* Compresses body and appends header and page to the file. */
static int put_page(pq_writer *w, const pq_buf *body, const page_info *pi, pq_chunk_meta *m)
{
    if (body->err || body->len > INT32_MAX)
        return body->err ? body->err : -E2BIG;
    size_t bound = ZSTD_compressBound(body->len);
    w->zout.len = 0;
    if (pq_buf_reserve(&w->zout, bound) != 0)
        return -ENOMEM;
    size_t n = ZSTD_compressCCtx(w->zstd, w->zout.p, bound, body->p, body->len, w->zstd_level);
    if (ZSTD_isError(n) || n > INT32_MAX)
        return -EIO;
    size_t before = w->file.len;
    write_page_header(&w->file, pi, body->len, n);
    m->uncompressed += (int64_t)(w->file.len - before + body->len);
    pq_buf_put(&w->file, w->zout.p, n);
    return w->file.err;
}

/* Levels of a v1 page: a 4-byte length, then the hybrid encoding. */
static void put_levels(pq_buf *page, const pq_buf *levels, size_t n, uint8_t max)
{
    if (max == 0)
        return;
    size_t at = page->len;
    pq_buf_u32le(page, 0);
    pq_rle_encode(page, levels->p, NULL, n, pq_bit_width(max));
    if (!page->err) {
        uint32_t len = (uint32_t)(page->len - at - 4);
        for (int k = 0; k < 4; k++)
            page->p[at + k] = (uint8_t)(len >> (8 * k));
    }
}

static bool has_dict(const pq_column *c)
{
    return c->leaf->node->flags & (PQ_DICT | PQ_DICT_AUTO);
}

/* A dictionary pays when values repeat; PQ_DICT columns always use it. */
static bool use_dict(const pq_column *c)
{
    if (c->leaf->node->flags & PQ_DICT)
        return true;
    return (c->leaf->node->flags & PQ_DICT_AUTO) && (size_t)c->dict.n * 2 <= c->nvalues;
}

/* Values of a dictionary column written out PLAIN after all. */
static void put_expanded(pq_buf *page, const pq_column *c)
{
    const uint32_t *idx = (const uint32_t *)(const void *)c->idx.p;
    for (size_t i = 0; i < c->idx.len / sizeof(*idx); i++) {
        const uint8_t *at = c->dict.plain.p + c->dict.off[idx[i]];
        pq_buf_put(page, at, 4 + (size_t)pq_load_u32le(at));
    }
}

static void put_values(pq_buf *page, const pq_column *c, bool dict)
{
    if (dict) {
        int width = pq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
        pq_buf_byte(page, (uint8_t)width);
        pq_rle_encode(page, NULL, (const uint32_t *)(const void *)c->idx.p,
                      c->idx.len / sizeof(uint32_t), width);
    } else if (has_dict(c)) {
        put_expanded(page, c);
    } else {
        pq_buf_put(page, c->plain.p, c->plain.len);
    }
}

static int write_dict_page(pq_writer *w, pq_column *c, pq_chunk_meta *m)
{
    page_info pi = {PAGE_DICTIONARY, (int32_t)c->dict.n, PQ_ENC_PLAIN};
    m->dict_page_offset = (int64_t)w->file.len;
    m->encodings |= 1u << PQ_ENC_PLAIN | 1u << PQ_ENC_RLE_DICTIONARY;
    return put_page(w, &c->dict.plain, &pi, m);
}

static int write_data_page(pq_writer *w, pq_column *c, bool dict, pq_chunk_meta *m)
{
    const pq_leaf *l = c->leaf;
    w->page.len = 0;
    put_levels(&w->page, &c->rep, c->nlevels, l->max_rep);
    put_levels(&w->page, &c->def, c->nlevels, l->max_def);
    put_values(&w->page, c, dict);
    page_info pi = {PAGE_DATA, (int32_t)c->nlevels,
                    dict ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN};
    m->data_page_offset = (int64_t)w->file.len;
    m->encodings |= 1u << PQ_ENC_RLE | (dict ? 0 : 1u << PQ_ENC_PLAIN);
    return put_page(w, &w->page, &pi, m);
}

/* ---- statistics ------------------------------------------------------ */

static int compare_bytes(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    int r = memcmp(a, b, alen < blen ? alen : blen);
    return r ? r : (alen > blen) - (alen < blen);
}

/* Keeps v (n bytes) in the stats arena as the new min or max. */
static void keep(pq_writer *w, uint32_t *off, uint32_t *len, const void *v, size_t n)
{
    *off = (uint32_t)w->stats.len;
    *len = (uint32_t)n;
    pq_buf_put(&w->stats, v, n);
}

/* Min and max over PLAIN byte arrays (each a 4-byte length and bytes). */
static void byte_stats(pq_writer *w, const uint8_t *p, size_t len, pq_chunk_meta *m)
{
    const uint8_t *lo = NULL, *hi = NULL;
    uint32_t lo_n = 0, hi_n = 0;
    for (size_t at = 0; at + 4 <= len;) {
        uint32_t n = pq_load_u32le(p + at);
        const uint8_t *v = p + at + 4;
        if (!lo || compare_bytes(v, n, lo, lo_n) < 0)
            lo = v, lo_n = n;
        if (!hi || compare_bytes(v, n, hi, hi_n) > 0)
            hi = v, hi_n = n;
        at += 4 + (size_t)n;
    }
    if (!lo)
        return;
    keep(w, &m->min_off, &m->min_len, lo, lo_n);
    keep(w, &m->max_off, &m->max_len, hi, hi_n);
    m->has_minmax = true;
}

static void int_stats(pq_writer *w, const pq_buf *plain, pq_chunk_meta *m)
{
    size_t n = plain->len / 8;
    if (n == 0)
        return;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t v = (int64_t)((uint64_t)pq_load_u32le(plain->p + 8 * i) |
                              (uint64_t)pq_load_u32le(plain->p + 8 * i + 4) << 32);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    uint8_t le[8];
    for (int k = 0; k < 8; k++)
        le[k] = (uint8_t)((uint64_t)lo >> (8 * k));
    keep(w, &m->min_off, &m->min_len, le, 8);
    for (int k = 0; k < 8; k++)
        le[k] = (uint8_t)((uint64_t)hi >> (8 * k));
    keep(w, &m->max_off, &m->max_len, le, 8);
    m->has_minmax = true;
}

static void take_stats(pq_writer *w, const pq_column *c, pq_chunk_meta *m)
{
    m->null_count = (int64_t)(c->nlevels - c->nvalues);
    if (!(c->leaf->node->flags & PQ_STATS))
        return;
    if (c->leaf->node->physical == PQ_INT64)
        int_stats(w, &c->plain, m);
    else if (has_dict(c))
        byte_stats(w, c->dict.plain.p, c->dict.plain.len, m);
    else
        byte_stats(w, c->plain.p, c->plain.len, m);
}

int pq_chunk_write(pq_writer *w, pq_column *c, pq_chunk_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->dict_page_offset = m->bloom_offset = -1;
    m->num_values = (int64_t)c->nlevels;
    if (c->err || c->rep.err || c->def.err || c->plain.err || c->idx.err || c->dict.plain.err)
        return c->err ? c->err : -ENOMEM;
    take_stats(w, c, m);
    bool dict = use_dict(c);
    int64_t start = (int64_t)w->file.len;
    int rc = dict ? write_dict_page(w, c, m) : 0;
    if (rc == 0)
        rc = write_data_page(w, c, dict, m);
    m->compressed = (int64_t)w->file.len - start;
    return rc ? rc : w->stats.err;
}

/* ---- the footer's view of a chunk ------------------------------------- */

static void write_encodings(tc_writer *t, uint32_t mask)
{
    uint32_t n = (uint32_t)__builtin_popcount(mask);
    tc_field_list(t, 2, TC_I32, n);
    for (int32_t e = 0; e < 32; e++)
        if (mask & (1u << e))
            tc_i32(t, e);
}

static void write_path(tc_writer *t, const pq_leaf *l)
{
    tc_field_list(t, 3, TC_BINARY, l->depth);
    for (int i = 0; i < l->depth; i++)
        tc_binary(t, l->path[i], strlen(l->path[i]));
}

/* Statistics: null_count always; min_value/max_value where kept, and the
 * old signed min/max too for integers, where both orders agree. */
static void write_stats(tc_writer *t, const pq_writer *w, const pq_leaf *l,
                        const pq_chunk_meta *m)
{
    const uint8_t *a = w->stats.p;
    bool legacy = m->has_minmax && l->node->physical == PQ_INT64;
    tc_field_struct(t, 12);
    if (legacy) {
        tc_field_binary(t, 1, a + m->max_off, m->max_len);
        tc_field_binary(t, 2, a + m->min_off, m->min_len);
    }
    tc_field_i64(t, 3, m->null_count);
    if (m->has_minmax) {
        tc_field_binary(t, 5, a + m->max_off, m->max_len);
        tc_field_binary(t, 6, a + m->min_off, m->min_len);
    }
    tc_struct_end(t);
}

void pq_chunk_meta_write(tc_writer *t, const pq_writer *w, const pq_leaf *l,
                         const pq_chunk_meta *m)
{
    tc_struct_begin(t);
    tc_field_i64(t, 2, 0); /* file_offset: no metadata outside the footer */
    tc_field_struct(t, 3);
    tc_field_i32(t, 1, l->node->physical);
    write_encodings(t, m->encodings);
    write_path(t, l);
    tc_field_i32(t, 4, PQ_C_ZSTD);
    tc_field_i64(t, 5, m->num_values);
    tc_field_i64(t, 6, m->uncompressed);
    tc_field_i64(t, 7, m->compressed);
    tc_field_i64(t, 9, m->data_page_offset);
    if (m->dict_page_offset >= 0)
        tc_field_i64(t, 11, m->dict_page_offset);
    write_stats(t, w, l, m);
    if (m->bloom_offset >= 0) {
        tc_field_i64(t, 14, m->bloom_offset);
        tc_field_i32(t, 15, m->bloom_length);
    }
    tc_struct_end(t);
    tc_struct_end(t);
}
