/*
 * buf.c: the growing buffer every writer here appends to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pq_int.h"

int pq_buf_reserve(pq_buf *b, size_t more)
{
    if (b->err)
        return b->err;
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->err = -ENOMEM;
            return b->err;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->err = -ENOMEM;
        return b->err;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void pq_buf_put(pq_buf *b, const void *p, size_t n)
{
    if (n == 0 || pq_buf_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void pq_buf_byte(pq_buf *b, uint8_t v)
{
    if (pq_buf_reserve(b, 1) == 0)
        b->p[b->len++] = v;
}

void pq_buf_u32le(pq_buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pq_buf_put(b, le, sizeof(le));
}

void pq_buf_u64le(pq_buf *b, uint64_t v)
{
    pq_buf_u32le(b, (uint32_t)v);
    pq_buf_u32le(b, (uint32_t)(v >> 32));
}

void pq_buf_varint(pq_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    pq_buf_put(b, tmp, n);
}

void pq_buf_free(pq_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}
