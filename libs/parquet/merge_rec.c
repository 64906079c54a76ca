/*
 * merge_rec.c: a row of the trace table as a record while a merge sorts
 * it: every leaf's levels and values as stored, so the row is written
 * again exactly as it was read. A record is its length (u32), its output
 * position (u32), then per leaf in the schema's order: for a leaf with
 * levels, their count (varint) and each level as one byte (repetition in
 * the high nibble, definition in the low) followed by the value when the
 * level reaches the leaf; for a required top-level leaf, only the value.
 * Values: INT64 as 8 bytes little-endian, strings as length (varint) and
 * bytes.
 */
#include <errno.h>
#include <string.h>

#include "pq_int.h"

/* ---- encoding --------------------------------------------------------- */

static void put_value(pq_buf *b, const pq_col *c, bool i64, size_t v)
{
    if (i64) {
        pq_buf_u64le(b, (uint64_t)c->i64[v]);
        return;
    }
    pq_buf_varint(b, c->str[v].len);
    pq_buf_put(b, c->str[v].ptr, c->str[v].len);
}

/* One leaf of the row whose first level is at *lv (its first value at
 * *val); both move past the row. */
static int encode_leaf(pq_buf *b, const pq_col *c, bool i64, size_t *lv, size_t *val)
{
    size_t start = *lv, end = start + 1;
    if (start >= c->nlevels)
        return -EBADMSG;
    while (c->rep && end < c->nlevels && c->rep[end] != 0)
        end++;
    bool flat = !c->rep && !c->def;
    if (!flat)
        pq_buf_varint(b, end - start);
    for (size_t i = start; i < end; i++) {
        uint8_t def = c->def ? c->def[i] : 0;
        if (!flat)
            pq_buf_byte(b, (uint8_t)((c->rep ? c->rep[i] : 0) << 4 | def));
        if (def != c->max_def)
            continue;
        if (*val >= c->nvalues)
            return -EBADMSG;
        put_value(b, c, i64, (*val)++);
    }
    *lv = end;
    return 0;
}

int pq_rec_encode(pq_buf *b, const pq_table *t, uint32_t pos, size_t lv[T_COUNT],
                  size_t val[T_COUNT])
{
    b->len = 0;
    pq_buf_u32le(b, 0);
    pq_buf_u32le(b, pos);
    for (int c = 0; c < T_COUNT; c++) {
        int rc = encode_leaf(b, &t->col[c], t->leaf[c].type == PQ_T_INT64, &lv[c], &val[c]);
        if (rc != 0)
            return rc;
    }
    if (b->err)
        return b->err;
    if (b->len > UINT32_MAX)
        return -EBADMSG;
    uint32_t n = (uint32_t)b->len;
    for (int i = 0; i < 4; i++)
        b->p[i] = (uint8_t)(n >> (8 * i));
    return 0;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct rec_reader {
    const uint8_t *p, *end;
    int err;
} rec_reader;

static const uint8_t *take(rec_reader *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = -EBADMSG;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

static uint64_t take_varint(rec_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const uint8_t *b = take(r, 1);
        if (!b)
            return 0;
        v |= (uint64_t)(*b & 0x7f) << shift;
        if (!(*b & 0x80))
            return v;
    }
    r->err = -EBADMSG;
    return 0;
}

static void decode_value(rec_reader *r, pq_column *col, uint8_t rep)
{
    if (col->leaf->node->physical == PQ_INT64) {
        const uint8_t *b = take(r, 8);
        uint64_t v = 0;
        for (int i = 7; b && i >= 0; i--)
            v = v << 8 | b[i];
        if (b)
            pq_column_i64(col, rep, (int64_t)v);
        return;
    }
    size_t n = (size_t)take_varint(r);
    const uint8_t *s = take(r, n);
    if (s)
        pq_column_bytes(col, rep, s, n);
}

static void decode_leaf(rec_reader *r, pq_column *col)
{
    const pq_leaf *l = col->leaf;
    bool flat = !l->max_rep && !l->max_def;
    uint64_t n = flat ? 1 : take_varint(r);
    if (n == 0 || n > (uint64_t)(r->end - r->p) + 1)
        r->err = -EBADMSG;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        const uint8_t *lv = flat ? (const uint8_t *)"" : take(r, 1);
        if (!lv)
            return;
        uint8_t rep = (uint8_t)(*lv >> 4), def = (uint8_t)(*lv & 15);
        if (rep > l->max_rep || def > l->max_def || (i == 0) != (rep == 0))
            r->err = -EBADMSG;
        else if (def == l->max_def)
            decode_value(r, col, rep);
        else
            pq_column_null(col, rep, def);
    }
}

int pq_rec_decode(pq_writer *w, const uint8_t *p, size_t n)
{
    rec_reader r = {p, p + n, 0};
    take(&r, 8); /* length and position */
    for (size_t c = 0; c < w->schema.nleaves && !r.err; c++)
        decode_leaf(&r, &w->cols[c]);
    if (r.err || r.p != r.end)
        return -EBADMSG;
    pq_writer_end_row(w);
    return 0;
}
