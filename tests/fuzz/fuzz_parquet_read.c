/*
 * libFuzzer target for libs/parquet's row reader, which a query service
 * feeds with row groups fetched from a bucket. Each input is read twice:
 *  - as a Parquet file: footer, then for each row group (a few) its range,
 *    the summaries and the rows as OTLP, every row and every other row.
 *    Nothing may read outside the input, and any request produced must
 *    walk cleanly to the bottom and hold one span per row asked for.
 *  - as an OTLP request: when the writer takes it, the file it makes must
 *    read back (summaries and OTLP), and writing what was read must give
 *    the very same file: the table keeps text, so text read and written
 *    again is a fixed point.
 */
#include <otelc/sdk/otlp_walk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "otlp_deep_walk.h"
#include "parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)                                                                      \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_parquet_read.c:%d: %s\n", __LINE__, #cond);             \
            __builtin_trap();                                                              \
        }                                                                                  \
    } while (0)

static void check_otlp(const uint8_t *pb, size_t len, size_t rows)
{
    size_t spans = 0;
    require(fx_deep_walk(pb, len, &spans) == OTLP_OK);
    require(spans == rows);
}

static void read_rows(const pq_file_meta *m, size_t rg, const uint8_t *p, int64_t off,
                      size_t len)
{
    pq_summaries *s = NULL;
    uint8_t *out = NULL;
    size_t out_len;
    if (pq_traces_summaries(m, rg, p, off, len, &s) == 0) {
        for (size_t i = 0; i < s->n; i++)
            require(s->rows[i].kind <= 5 && s->rows[i].status <= 2);
        pq_summaries_free(s);
    }
    if (pq_traces_otlp(m, rg, p, off, len, NULL, 0, &out, &out_len) == 0)
        check_otlp(out, out_len, (size_t)m->row_groups[rg].num_rows);
    free(out);
    uint32_t rows[64];
    size_t n = 0;
    for (uint32_t r = 1; r < (uint64_t)m->row_groups[rg].num_rows && n < 64; r += 2)
        rows[n++] = r;
    if (pq_traces_otlp(m, rg, p, off, len, rows, n, &out, &out_len) == 0)
        check_otlp(out, out_len, n);
    free(out);
}

static void as_file(const uint8_t *buf, size_t size)
{
    pq_file_meta *m = NULL;
    if (pq_file_footer(buf, size, &m) != 0)
        return;
    for (size_t rg = 0; rg < m->nrow_groups && rg < 4; rg++) {
        int64_t off, len;
        if (pq_row_group_range(m, rg, &off, &len) != 0 || off < 0 || len < 0 ||
            (uint64_t)off > size || (uint64_t)len > size - (uint64_t)off)
            continue;
        uint8_t *copy = malloc(len ? (size_t)len : 1);
        require(copy);
        memcpy(copy, buf + off, (size_t)len);
        read_rows(m, rg, copy, off, (size_t)len);
        free(copy);
    }
    pq_file_meta_free(m);
}

/* The file written from the request, read back, written again. */
static void as_request(const uint8_t *buf, size_t size)
{
    struct iovec seg = {(void *)buf, size};
    uint8_t *file = NULL, *again = NULL, *pb = NULL;
    size_t len, len2, rows, rows2, pb_len;
    pq_file_meta *m = NULL;
    if (pq_traces_write(NULL, &seg, 1, &file, &len, &rows) != 0)
        return;
    require(pq_file_footer(file, len, &m) == 0);
    if (m->nrow_groups == 1) {
        pq_summaries *s = NULL;
        require(pq_traces_summaries(m, 0, file, 0, len, &s) == 0 && s->n == rows);
        pq_summaries_free(s);
        require(pq_traces_otlp(m, 0, file, 0, len, NULL, 0, &pb, &pb_len) == 0);
        check_otlp(pb, pb_len, rows);
        seg = (struct iovec){pb, pb_len};
        require(pq_traces_write(NULL, &seg, 1, &again, &len2, &rows2) == 0);
        require(len2 == len && rows2 == rows && memcmp(file, again, len) == 0);
    }
    pq_file_meta_free(m);
    free(file);
    free(again);
    free(pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    as_file(buf, size);
    as_request(buf, size);
    free(buf);
    return 0;
}
