/*
 * column.c: one leaf column of the open row group: its levels, and its
 * values either PLAIN or as dictionary indices, plus the hashes its bloom
 * filter will be built from once the row group's distinct values are
 * known.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pq_int.h"

void pq_column_init(pq_column *c, const pq_leaf *leaf)
{
    memset(c, 0, sizeof(*c));
    c->leaf = leaf;
}

void pq_column_reset(pq_column *c)
{
    c->rep.len = c->def.len = c->plain.len = c->idx.len = c->hashes.len = 0;
    c->dict.plain.len = 0;
    c->dict.n = 0;
    if (c->dict.slots)
        memset(c->dict.slots, 0, c->dict.nslots * sizeof(*c->dict.slots));
    c->nlevels = c->nvalues = 0;
}

void pq_column_free(pq_column *c)
{
    pq_buf_free(&c->rep);
    pq_buf_free(&c->def);
    pq_buf_free(&c->plain);
    pq_buf_free(&c->idx);
    pq_buf_free(&c->hashes);
    pq_buf_free(&c->dict.plain);
    free(c->dict.off);
    free(c->dict.slots);
    memset(c, 0, sizeof(*c));
}

static void put_levels(pq_column *c, uint8_t rep, uint8_t def)
{
    if (c->leaf->max_rep)
        pq_buf_byte(&c->rep, rep);
    if (c->leaf->max_def)
        pq_buf_byte(&c->def, def);
    c->nlevels++;
}

void pq_column_null(pq_column *c, uint8_t rep, uint8_t def)
{
    put_levels(c, rep, def);
}

void pq_column_i64(pq_column *c, uint8_t rep, int64_t v)
{
    put_levels(c, rep, c->leaf->max_def);
    pq_buf_u64le(&c->plain, (uint64_t)v);
    c->nvalues++;
}

static bool dict_equal(const pq_dict *d, uint32_t e, const void *p, size_t n)
{
    const uint8_t *at = d->plain.p + d->off[e];
    return pq_load_u32le(at) == n && memcmp(at + 4, p, n) == 0;
}

/* Doubles the table (kept at most half full) and places every entry again. */
static int dict_grow(pq_dict *d)
{
    uint32_t nslots = d->nslots ? d->nslots * 2 : 64;
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    for (uint32_t e = 0; e < d->n; e++) {
        const uint8_t *at = d->plain.p + d->off[e];
        uint32_t i = (uint32_t)XXH3_64bits(at + 4, pq_load_u32le(at)) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = e + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

static int dict_append(pq_dict *d, const void *p, size_t n, uint32_t slot)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;
        uint32_t *off = realloc(d->off, cap * sizeof(*off));
        if (!off)
            return -ENOMEM;
        d->off = off;
        d->cap = cap;
    }
    if (d->plain.len > UINT32_MAX - n - 4)
        return -E2BIG;
    d->off[d->n] = (uint32_t)d->plain.len;
    pq_buf_u32le(&d->plain, (uint32_t)n);
    pq_buf_put(&d->plain, p, n);
    d->slots[slot] = ++d->n;
    return d->plain.err;
}

/* The entry holding the n bytes at p, added if new; -errno on failure. */
static int64_t dict_index(pq_dict *d, const void *p, size_t n)
{
    if ((d->n + 1) * 2 > d->nslots && dict_grow(d) != 0)
        return -ENOMEM;
    uint32_t mask = d->nslots - 1;
    for (uint32_t i = (uint32_t)XXH3_64bits(p, n) & mask;; i = (i + 1) & mask) {
        uint32_t e = d->slots[i];
        if (e == 0) {
            int rc = dict_append(d, p, n, i);
            return rc ? rc : (int64_t)d->n - 1;
        }
        if (dict_equal(d, e - 1, p, n))
            return e - 1;
    }
}

void pq_column_bytes(pq_column *c, uint8_t rep, const void *p, size_t n)
{
    put_levels(c, rep, c->leaf->max_def);
    c->nvalues++;
    if (n > INT32_MAX) {
        c->err = -E2BIG;
        return;
    }
    if (c->leaf->node->flags & PQ_BLOOM) {
        uint64_t h = XXH64(p, n, 0); /* kept native: only this process reads it */
        pq_buf_put(&c->hashes, &h, sizeof(h));
    }
    if (!(c->leaf->node->flags & (PQ_DICT | PQ_DICT_AUTO))) {
        pq_buf_u32le(&c->plain, (uint32_t)n);
        pq_buf_put(&c->plain, p, n);
        return;
    }
    int64_t e = dict_index(&c->dict, p, n);
    if (e < 0)
        c->err = (int)e;
    else
        pq_buf_put(&c->idx, &(uint32_t){(uint32_t)e}, sizeof(uint32_t));
}
