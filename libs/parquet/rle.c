/*
 * rle.c: the RLE / bit-packed hybrid that carries definition and
 * repetition levels and dictionary indices. Long runs (levels of flat
 * rows, a service's spans) become one RLE run each; the rest is packed
 * in groups of 8 values, which is all the format allows for packing.
 */
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
