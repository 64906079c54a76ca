/*
 * libFuzzer target for libs/parquet's reading side, which a query service
 * feeds with bytes fetched from a bucket: the input is taken as a whole
 * file (pq_file_footer), as a bare FileMetaData (pq_footer_parse) and as
 * a bloom filter (pq_bloom_check). Checks that nothing reads outside the
 * input, that a parsed footer's views all lie inside it, and that its
 * row groups hold as many chunks as the schema has leaves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_view(pq_view v, const uint8_t *buf, size_t size)
{
    if (v.len && (v.ptr < buf || v.ptr + v.len > buf + size))
        abort();
}

static void check_meta(const pq_file_meta *m, const uint8_t *buf, size_t size)
{
    size_t leaves = 0;
    for (size_t i = 0; i < m->nschema; i++) {
        check_view(m->schema[i].name, buf, size);
        leaves += i > 0 && m->schema[i].num_children == 0;
    }
    for (size_t g = 0; g < m->nrow_groups; g++) {
        const pq_row_group *rg = &m->row_groups[g];
        if (rg->ncolumns != leaves)
            abort();
        for (size_t c = 0; c < rg->ncolumns; c++) {
            const pq_column_chunk *cc = &rg->columns[c];
            for (uint32_t p = 0; p < cc->npath; p++)
                check_view(cc->path[p], buf, size);
            check_view(cc->stats.min, buf, size);
            check_view(cc->stats.max, buf, size);
        }
        (void)pq_find_column(m, g, "TraceId");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    pq_file_meta *m = NULL;
    if (pq_file_footer(buf, size, &m) == 0)
        check_meta(m, buf, size);
    pq_file_meta_free(m);
    m = NULL;
    if (pq_footer_parse(buf, size, &m) == 0)
        check_meta(m, buf, size);
    pq_file_meta_free(m);
    int hit = pq_bloom_check(buf, size, "0af7651916cd43dd8448eb211c80319c", 32);
    if (hit != 0 && hit != 1 && hit >= 0)
        abort();
    free(buf);
    return 0;
}
