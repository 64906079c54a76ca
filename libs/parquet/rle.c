/*
 * rle.c: the RLE / bit-packed hybrid that carries definition and
 * repetition levels and dictionary indices. Long runs (levels of flat
 * rows, a service's spans) become one RLE run each; the rest is packed
 * in groups of 8 values, which is all the format allows for packing.
 */
#include <errno.h>
#include <string.h>

#include "pq_int.h"

#define MIN_RUN 8 /* a shorter run costs more as RLE than packed */

typedef struct values {
    const uint8_t *u8;
    const uint32_t *u32;
    size_t n;
} values;

static uint32_t at(const values *v, size_t i)
{
    return v->u8 ? v->u8[i] : v->u32[i];
}

static size_t run_length(const values *v, size_t i)
{
    size_t j = i + 1;
    while (j < v->n && at(v, j) == at(v, i))
        j++;
    return j - i;
}

int pq_bit_width(uint32_t max)
{
    int w = 1;
    while (w < 32 && (max >> w) != 0)
        w++;
    return w;
}

static void put_rle_run(pq_buf *out, uint32_t value, size_t count, int width)
{
    pq_buf_varint(out, (uint64_t)count << 1);
    for (int b = 0; b < (width + 7) / 8; b++)
        pq_buf_byte(out, (uint8_t)(value >> (8 * b)));
}

/* Packs values [i, i + 8 * groups), LSB first; past n they are zeros. */
static void put_packed(pq_buf *out, const values *v, size_t i, size_t groups, int width)
{
    size_t nbytes = groups * (size_t)width;
    pq_buf_varint(out, (uint64_t)groups << 1 | 1);
    if (pq_buf_reserve(out, nbytes) != 0)
        return;
    uint8_t *p = out->p + out->len;
    for (size_t k = 0; k < nbytes; k++)
        p[k] = 0;
    for (size_t k = 0; k < groups * 8 && i + k < v->n; k++) {
        uint64_t x = at(v, i + k);
        size_t bit = k * (size_t)width;
        for (int b = 0; b < width; b++, bit++)
            p[bit / 8] |= (uint8_t)(((x >> b) & 1) << (bit % 8));
    }
    out->len += nbytes;
}

/* Where the values from i stop being worth packing: the start of the next
 * run long enough for RLE, or the end. */
static size_t packed_end(const values *v, size_t i)
{
    while (i < v->n) {
        size_t r = run_length(v, i);
        if (r >= MIN_RUN)
            return i;
        i += r;
    }
    return i;
}

void pq_rle_encode(pq_buf *out, const uint8_t *u8, const uint32_t *u32, size_t n, int width)
{
    values v = {u8, u32, n};
    size_t i = 0;
    while (i < n) {
        size_t r = run_length(&v, i);
        if (r >= MIN_RUN) {
            put_rle_run(out, at(&v, i), r, width);
            i += r;
            continue;
        }
        /* Whole groups of 8: the last one borrows from the run after it,
         * which stays long enough or gets packed next time round. */
        size_t groups = (packed_end(&v, i) - i + 7) / 8;
        put_packed(out, &v, i, groups, width);
        i += groups * 8;
    }
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct sink {
    uint8_t *u8;
    uint32_t *u32;
    size_t at, count;
    uint32_t max;
} sink;

static bool put_one(sink *s, uint32_t v)
{
    if (v > s->max)
        return false;
    if (s->u8)
        s->u8[s->at++] = (uint8_t)v;
    else
        s->u32[s->at++] = v;
    return true;
}

static bool read_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

static bool rle_run(const uint8_t **p, const uint8_t *end, int width, uint64_t n, sink *s)
{
    size_t nbytes = (size_t)(width + 7) / 8;
    if ((size_t)(end - *p) < nbytes)
        return false;
    uint32_t v = 0;
    for (size_t b = 0; b < nbytes; b++)
        v |= (uint32_t)(*p)[b] << (8 * b);
    *p += nbytes;
    if (n > s->count - s->at)
        n = s->count - s->at; /* padding past the last value */
    if (v > s->max && n > 0)
        return false;
    if (s->u8)
        memset(s->u8 + s->at, (int)v, (size_t)n);
    else
        for (uint64_t i = 0; i < n; i++)
            s->u32[s->at + i] = v;
    s->at += (size_t)n;
    return true;
}

static uint32_t unpack(const uint8_t *p, size_t bit, int width)
{
    uint64_t v = 0;
    size_t first = bit / 8, last = (bit + (size_t)width - 1) / 8;
    for (size_t b = first; b <= last; b++)
        v |= (uint64_t)p[b] << (8 * (b - first));
    return (uint32_t)((v >> (bit % 8)) & (((uint64_t)1 << width) - 1));
}

/* groups of 8 values; a last group cut short by the end of the data is
 * fine as long as the values still wanted are there. */
static bool packed_run(const uint8_t **p, const uint8_t *end, int width, uint64_t groups,
                       sink *s)
{
    size_t left = (size_t)(end - *p);
    if (groups > left)
        return false;
    size_t bytes = (size_t)groups * (size_t)width;
    size_t n = (size_t)groups * 8;
    if (n > s->count - s->at)
        n = s->count - s->at;
    if (((size_t)width * n + 7) / 8 > left)
        return false;
    for (size_t k = 0; k < n; k++)
        if (!put_one(s, width ? unpack(*p, k * (size_t)width, width) : 0))
            return false;
    *p += bytes < left ? bytes : left;
    return true;
}

int pq_rle_decode(const uint8_t *p, size_t n, int width, size_t count, uint32_t max,
                  uint8_t *u8, uint32_t *u32)
{
    sink s = {u8, u32, 0, count, max};
    const uint8_t *end = p + n;
    if (width < 0 || width > 32)
        return -EBADMSG;
    while (s.at < count) {
        uint64_t h;
        if (!read_uvarint(&p, end, &h))
            return -EBADMSG;
        bool ok = h & 1 ? packed_run(&p, end, width, h >> 1, &s)
                        : rle_run(&p, end, width, h >> 1, &s);
        if (!ok || h >> 1 == 0)
            return -EBADMSG;
    }
    return 0;
}
