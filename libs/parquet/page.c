/*
 * page.c: a column chunk read back: its pages (a dictionary page, data
 * pages v1 and v2, plain or zstd), their repetition and definition levels
 * and their values (PLAIN, or dictionary indices) decoded into arrays.
 * Every size, count and offset comes from a file that may be hostile:
 * each is checked against the bytes it claims before it is used, and all
 * memory is charged to the read's budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "pq_int.h"

/* ---- memory ------------------------------------------------------------ */

struct pq_block {
    pq_block *next;
    max_align_t data[];
};

size_t pq_read_budget(size_t len)
{
    size_t extra = len > (SIZE_MAX - PQ_READ_BASE_BUDGET) / PQ_READ_BUDGET_PER_BYTE
                       ? SIZE_MAX - PQ_READ_BASE_BUDGET
                       : len * PQ_READ_BUDGET_PER_BYTE;
    return PQ_READ_BASE_BUDGET + extra;
}

bool pq_budget_take(size_t *budget, size_t n)
{
    if (n > *budget)
        return false;
    *budget -= n;
    return true;
}

void *pq_arena_alloc(pq_arena *a, size_t n)
{
    if (n > SIZE_MAX - sizeof(pq_block) || !pq_budget_take(a->budget, n + sizeof(pq_block)))
        return NULL;
    pq_block *b = malloc(sizeof(*b) + n);
    if (!b)
        return NULL;
    b->next = a->head;
    a->head = b;
    return b->data;
}

void *pq_arena_calloc(pq_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = pq_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void pq_arena_free(pq_arena *a)
{
    while (a->head) {
        pq_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

void pq_chunk_src_fini(pq_chunk_src *s)
{
    ZSTD_freeDCtx(s->zstd);
    s->zstd = NULL;
}

/* ---- page headers ------------------------------------------------------ */

enum { PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICTIONARY = 2, PAGE_DATA_V2 = 3 };

typedef struct page_hdr {
    int64_t type, raw_size, size;
    int64_t num_values, encoding, def_enc, rep_enc; /* data v1, dictionary, v2 */
    int64_t def_len, rep_len;                      /* v2 */
    bool compressed;                                /* v2 */
} page_hdr;

/* DataPageHeader (v1), DictionaryPageHeader and DataPageHeaderV2 share
 * field 1; the others are told apart by which header field held them. */
static void read_sub_field(tc_reader *r, uint8_t t, int16_t id, int16_t which, page_hdr *h)
{
    int16_t key = (int16_t)(which * 16 + id);
    switch (key) {
    case 5 * 16 + 1: case 7 * 16 + 1: case 8 * 16 + 1: h->num_values = tc_read_int(r, t); break;
    case 5 * 16 + 2: case 7 * 16 + 2: case 8 * 16 + 4: h->encoding = tc_read_int(r, t); break;
    case 5 * 16 + 3: h->def_enc = tc_read_int(r, t); break;
    case 5 * 16 + 4: h->rep_enc = tc_read_int(r, t); break;
    case 8 * 16 + 5: h->def_len = tc_read_int(r, t); break;
    case 8 * 16 + 6: h->rep_len = tc_read_int(r, t); break;
    case 8 * 16 + 7: h->compressed = tc_read_bool(r, t); break;
    default: tc_skip(r, t); break;
    }
}

static void read_sub(tc_reader *r, uint8_t type, int16_t which, page_hdr *h)
{
    int16_t last = 0, id;
    uint8_t t;
    if (!tc_enter(r, type))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP)
        read_sub_field(r, t, id, which, h);
    tc_leave(r);
}

/* Parses a PageHeader at p; *hlen is its size. */
static int read_page_header(const uint8_t *p, size_t n, page_hdr *h, size_t *hlen)
{
    tc_reader r;
    int16_t last = 0, id;
    uint8_t t;
    memset(h, 0, sizeof(*h));
    h->type = h->num_values = h->raw_size = h->size = -1;
    h->def_enc = h->rep_enc = PQ_ENC_RLE;
    h->compressed = true;
    tc_reader_init(&r, p, n);
    while ((t = tc_next_field(&r, &last, &id)) != TC_STOP) {
        if (id == 1 || id == 2 || id == 3) {
            int64_t v = tc_read_int(&r, t);
            *(id == 1 ? &h->type : id == 2 ? &h->raw_size : &h->size) = v;
        } else if (id == 5 || id == 7 || id == 8) {
            read_sub(&r, t, id, h);
        } else {
            tc_skip(&r, t);
        }
    }
    *hlen = (size_t)(r.p - p);
    bool ok = !r.err && h->raw_size >= 0 && h->size >= 0 && (size_t)h->size <= n - *hlen;
    return ok ? 0 : -EBADMSG;
}

/* ---- decompression ----------------------------------------------------- */

/* The n bytes at src as raw bytes of the page, in the keep arena (values
 * point into them after the caller's bytes are gone). */
static int inflate(pq_chunk_src *s, int32_t codec, const uint8_t *src, size_t n, size_t raw,
                   const uint8_t **out)
{
    if (codec != PQ_C_UNCOMPRESSED && codec != PQ_C_ZSTD)
        return -ENOTSUP;
    if (raw > PQ_READ_MAX_PAGE || (codec == PQ_C_UNCOMPRESSED && raw != n))
        return -EBADMSG;
    if (codec == PQ_C_ZSTD) {
        unsigned long long size = ZSTD_getFrameContentSize(src, n);
        if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != raw)
            return -EBADMSG;
    }
    uint8_t *dst = pq_arena_alloc(s->keep, raw ? raw : 1);
    if (!dst)
        return -ENOMEM;
    *out = dst;
    if (codec == PQ_C_UNCOMPRESSED) {
        memcpy(dst, src, n);
        return 0;
    }
    if (!s->zstd && !(s->zstd = ZSTD_createDCtx()))
        return -ENOMEM;
    size_t got = ZSTD_decompressDCtx(s->zstd, dst, raw, src, n);
    return ZSTD_isError(got) || got != raw ? -EBADMSG : 0;
}

/* ---- a chunk being decoded --------------------------------------------- */

typedef struct col_state {
    pq_chunk_src *s;
    const pq_leaf_info *l;
    uint8_t *rep, *def;
    pq_view *str;
    int64_t *i64;
    size_t nlevels, nvalues, total;
    const pq_view *dict_str;
    const int64_t *dict_i64;
    size_t ndict;
    bool has_dict;
} col_state;

static size_t value_size(const pq_leaf_info *l)
{
    return l->type == PQ_T_INT64 ? sizeof(int64_t) : sizeof(pq_view);
}

/* Arrays for every level the chunk says it holds, charged up front. */
static int alloc_arrays(col_state *st)
{
    const pq_leaf_info *l = st->l;
    int64_t total = l->cc->num_values;
    if (total < 0 || (uint64_t)total > SIZE_MAX / 16)
        return -EBADMSG;
    st->total = (size_t)total;
    pq_arena *a = st->s->tmp;
    st->rep = l->max_rep ? pq_arena_alloc(a, st->total) : NULL;
    st->def = l->max_def ? pq_arena_alloc(a, st->total) : NULL;
    void *values = pq_arena_alloc(a, st->total * value_size(l));
    if ((l->max_rep && !st->rep) || (l->max_def && !st->def) || !values)
        return -ENOMEM;
    if (l->type == PQ_T_INT64)
        st->i64 = values;
    else
        st->str = values;
    return 0;
}

/* PLAIN values: BYTE_ARRAY (4-byte length, bytes) or INT64. */
static int plain_values(const pq_leaf_info *l, const uint8_t *p, const uint8_t *end, size_t n,
                        pq_view *str, int64_t *i64)
{
    if (l->type == PQ_T_INT64) {
        if ((size_t)(end - p) / 8 < n)
            return -EBADMSG;
        for (size_t i = 0; i < n; i++, p += 8)
            i64[i] = (int64_t)((uint64_t)pq_load_u32le(p) | (uint64_t)pq_load_u32le(p + 4) << 32);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (end - p < 4 || pq_load_u32le(p) > (size_t)(end - p) - 4)
            return -EBADMSG;
        str[i].len = pq_load_u32le(p);
        str[i].ptr = p + 4;
        p += 4 + str[i].len;
    }
    return 0;
}

static int dict_values(col_state *st, const uint8_t *p, const uint8_t *end, size_t n)
{
    if (!st->has_dict || p >= end || *p > 32)
        return -EBADMSG;
    uint32_t *idx = pq_arena_alloc(st->s->tmp, n * sizeof(*idx));
    if (!idx)
        return -ENOMEM;
    if (st->ndict == 0 ||
        pq_rle_decode(p + 1, (size_t)(end - p - 1), *p, n, (uint32_t)(st->ndict - 1), NULL, idx))
        return -EBADMSG;
    for (size_t i = 0; i < n; i++) {
        if (st->str)
            st->str[st->nvalues + i] = st->dict_str[idx[i]];
        else
            st->i64[st->nvalues + i] = st->dict_i64[idx[i]];
    }
    return 0;
}

static int read_values(col_state *st, int64_t enc, const uint8_t *p, const uint8_t *end, size_t n)
{
    if (n == 0)
        return 0;
    if (enc == PQ_ENC_PLAIN)
        return plain_values(st->l, p, end, n, st->str ? st->str + st->nvalues : NULL,
                            st->i64 ? st->i64 + st->nvalues : NULL);
    if (enc == PQ_ENC_PLAIN_DICTIONARY || enc == PQ_ENC_RLE_DICTIONARY)
        return dict_values(st, p, end, n);
    return -ENOTSUP;
}

static int read_dict_page(col_state *st, const page_hdr *h, const uint8_t *raw)
{
    const pq_leaf_info *l = st->l;
    if (st->has_dict || st->nlevels > 0 || h->num_values < 0)
        return -EBADMSG;
    if (h->encoding != PQ_ENC_PLAIN && h->encoding != PQ_ENC_PLAIN_DICTIONARY)
        return -ENOTSUP;
    size_t n = (size_t)h->num_values, size = (size_t)h->raw_size;
    if (n > size / (l->type == PQ_T_INT64 ? 8 : 4))
        return -EBADMSG;
    void *values = pq_arena_alloc(st->s->tmp, n * value_size(l));
    if (!values)
        return -ENOMEM;
    st->has_dict = true;
    st->ndict = n;
    st->dict_str = l->type == PQ_T_INT64 ? NULL : values;
    st->dict_i64 = l->type == PQ_T_INT64 ? values : NULL;
    return plain_values(l, raw, raw + size, n, values, values);
}

/* Levels of one page: count how many carry a value. */
static size_t count_values(const col_state *st, size_t n)
{
    if (!st->def)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += st->def[st->nlevels + i] == st->l->max_def;
    return k;
}

/* A v1 level run: a 4-byte length, then the hybrid encoding. */
static int levels_v1(const uint8_t **p, const uint8_t *end, uint8_t max, size_t n, uint8_t *out)
{
    if (max == 0)
        return 0;
    if (end - *p < 4 || pq_load_u32le(*p) > (size_t)(end - *p) - 4)
        return -EBADMSG;
    size_t len = pq_load_u32le(*p);
    int rc = pq_rle_decode(*p + 4, len, pq_bit_width(max), n, max, out, NULL);
    *p += 4 + len;
    return rc;
}

static int level_encodings_ok(const col_state *st, const page_hdr *h)
{
    if ((st->l->max_rep && h->rep_enc != PQ_ENC_RLE) || (st->l->max_def && h->def_enc != PQ_ENC_RLE))
        return -ENOTSUP; /* BIT_PACKED levels: deprecated, never written here */
    return 0;
}

/* Checks a data page's level count and returns it in *n. */
static int page_levels(const col_state *st, const page_hdr *h, size_t *n)
{
    if (h->num_values < 0 || (uint64_t)h->num_values > st->total - st->nlevels)
        return -EBADMSG;
    *n = (size_t)h->num_values;
    return 0;
}

static int finish_page(col_state *st, size_t n, size_t nvals)
{
    st->nlevels += n;
    st->nvalues += nvals;
    return 0;
}

static int read_data_v1(col_state *st, const page_hdr *h, const uint8_t *body)
{
    size_t n, nvals;
    int rc = page_levels(st, h, &n);
    if (rc == 0)
        rc = level_encodings_ok(st, h);
    const uint8_t *raw = NULL;
    if (rc == 0)
        rc = inflate(st->s, st->l->cc->codec, body, (size_t)h->size, (size_t)h->raw_size, &raw);
    if (rc != 0)
        return rc;
    const uint8_t *p = raw, *end = raw + h->raw_size;
    rc = levels_v1(&p, end, st->l->max_rep, n, st->rep ? st->rep + st->nlevels : NULL);
    if (rc == 0)
        rc = levels_v1(&p, end, st->l->max_def, n, st->def ? st->def + st->nlevels : NULL);
    nvals = rc == 0 ? count_values(st, n) : 0;
    if (rc == 0)
        rc = read_values(st, h->encoding, p, end, nvals);
    return rc ? rc : finish_page(st, n, nvals);
}

/* v2: levels uncompressed and without length prefixes, then the values,
 * compressed or not. */
static int levels_v2(col_state *st, const page_hdr *h, const uint8_t *body, size_t n)
{
    const pq_leaf_info *l = st->l;
    if (h->rep_len < 0 || h->def_len < 0 || h->rep_len > h->size - h->def_len ||
        h->rep_len > h->raw_size - h->def_len)
        return -EBADMSG;
    if ((!l->max_rep && h->rep_len) || (!l->max_def && h->def_len))
        return -EBADMSG;
    int rc = 0;
    if (l->max_rep)
        rc = pq_rle_decode(body, (size_t)h->rep_len, pq_bit_width(l->max_rep), n, l->max_rep,
                           st->rep + st->nlevels, NULL);
    if (rc == 0 && l->max_def)
        rc = pq_rle_decode(body + h->rep_len, (size_t)h->def_len, pq_bit_width(l->max_def), n,
                           l->max_def, st->def + st->nlevels, NULL);
    return rc;
}

static int read_data_v2(col_state *st, const page_hdr *h, const uint8_t *body)
{
    size_t n, nvals;
    int rc = page_levels(st, h, &n);
    if (rc == 0)
        rc = levels_v2(st, h, body, n);
    if (rc != 0)
        return rc;
    size_t skip = (size_t)(h->rep_len + h->def_len);
    int32_t codec = h->compressed ? st->l->cc->codec : PQ_C_UNCOMPRESSED;
    const uint8_t *raw = NULL;
    size_t raw_len = (size_t)h->raw_size - skip;
    rc = inflate(st->s, codec, body + skip, (size_t)h->size - skip, raw_len, &raw);
    nvals = rc == 0 ? count_values(st, n) : 0;
    if (rc == 0)
        rc = read_values(st, h->encoding, raw, raw + raw_len, nvals);
    return rc ? rc : finish_page(st, n, nvals);
}

static int read_page(col_state *st, const uint8_t **p, const uint8_t *end)
{
    page_hdr h;
    size_t hlen;
    int rc = read_page_header(*p, (size_t)(end - *p), &h, &hlen);
    if (rc != 0)
        return rc;
    const uint8_t *body = *p + hlen;
    *p = body + h.size;
    switch (h.type) {
    case PAGE_DICTIONARY: {
        const uint8_t *raw = NULL;
        rc = inflate(st->s, st->l->cc->codec, body, (size_t)h.size, (size_t)h.raw_size, &raw);
        return rc ? rc : read_dict_page(st, &h, raw);
    }
    case PAGE_DATA: return read_data_v1(st, &h, body);
    case PAGE_DATA_V2: return read_data_v2(st, &h, body);
    case PAGE_INDEX: return 0;
    default: return h.type < 0 ? -EBADMSG : -ENOTSUP;
    }
}

int pq_chunk_bounds(const pq_column_chunk *cc, int64_t *start, int64_t *end)
{
    int64_t s = cc->data_page_offset;
    /* Offset 0 is the magic: some writers put 0 there for "none". */
    if (cc->dictionary_page_offset > 0 && cc->dictionary_page_offset < s)
        s = cc->dictionary_page_offset;
    if (s < 0 || cc->total_compressed_size < 0 || cc->total_compressed_size > INT64_MAX - s)
        return -EBADMSG;
    *start = s;
    *end = s + cc->total_compressed_size;
    return 0;
}

/* Levels and values in place: rows counted, levels checked to start a row. */
static int finish_col(col_state *st, pq_col *c)
{
    const pq_leaf_info *l = st->l;
    if (st->nlevels != st->total)
        return -EBADMSG;
    size_t rows = st->nlevels;
    if (st->rep) {
        rows = 0;
        for (size_t i = 0; i < st->nlevels; i++)
            rows += st->rep[i] == 0;
        if (st->nlevels && st->rep[0] != 0)
            return -EBADMSG;
    }
    for (size_t i = 0; l->time_scale != 1 && i < st->nvalues; i++)
        st->i64[i] = (int64_t)((uint64_t)st->i64[i] * (uint64_t)l->time_scale);
    *c = (pq_col){st->rep, st->def, st->nlevels, st->str, st->i64, st->nvalues, rows,
                  l->max_def, l->max_rep};
    return 0;
}

int pq_col_read(pq_chunk_src *s, const pq_leaf_info *l, pq_col *c)
{
    col_state st = {.s = s, .l = l};
    int64_t start, end;
    memset(c, 0, sizeof(*c));
    int rc = pq_chunk_bounds(l->cc, &start, &end);
    if (rc != 0 || start < s->offset || end - s->offset > (int64_t)s->len)
        return -EBADMSG;
    if (l->type != PQ_T_INT64 && l->type != PQ_T_BYTE_ARRAY)
        return -ENOTSUP;
    rc = alloc_arrays(&st);
    const uint8_t *p = s->bytes + (start - s->offset), *stop = s->bytes + (end - s->offset);
    while (rc == 0 && st.nlevels < st.total) {
        if (p >= stop)
            return -EBADMSG;
        rc = read_page(&st, &p, stop);
    }
    return rc ? rc : finish_col(&st, c);
}
