/*
 * libs/parquet: a file written from OTLP requests has the trace table's
 * schema and footer (row group, 34 column chunks with offsets inside the
 * file, statistics, dictionaries where promised), and its TraceId bloom
 * filter finds every written id and few others; footers cut short or
 * corrupted are refused without reading outside them; the Thrift and RLE
 * encoders agree with small decoders written here from the spec.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otlp_fixture.h"
#include "parquet/parquet.h"
#include "pq_int.h"

#define LEAVES 34

typedef struct file {
    uint8_t *p;
    size_t len, rows;
    pq_file_meta *meta;
} file;

static void write_requests(file *f, const fx_request *const *reqs, size_t n)
{
    struct iovec segs[8];
    for (size_t i = 0; i < n; i++) {
        size_t len;
        segs[i].iov_base = fx_pack(reqs[i], &len);
        segs[i].iov_len = len;
    }
    pq_traces_options o = {.zstd_level = 1};
    assert_int_equal(pq_traces_write(&o, segs, n, &f->p, &f->len, &f->rows), 0);
    assert_int_equal(pq_file_footer(f->p, f->len, &f->meta), 0);
}

static void file_free(file *f)
{
    pq_file_meta_free(f->meta);
    free(f->p);
    fx_free_all();
}

static void hex(const uint8_t *id, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int probe(const file *f, const char *value)
{
    const pq_column_chunk *c = pq_find_column(f->meta, 0, "TraceId");
    assert_non_null(c);
    assert_true(c->bloom_filter_offset > 0 && c->bloom_filter_length > 0);
    assert_true((size_t)(c->bloom_filter_offset + c->bloom_filter_length) <= f->len);
    return pq_bloom_check(f->p + c->bloom_filter_offset, (size_t)c->bloom_filter_length, value,
                          strlen(value));
}

static void test_rich_request_footer(void **state)
{
    file f = {0};
    const fx_request *r = fx_rich_request();
    write_requests(&f, &r, 1);
    assert_int_equal(f.rows, FX_RICH_SPANS);
    assert_int_equal(f.meta->num_rows, FX_RICH_SPANS);
    assert_int_equal(f.meta->nrow_groups, 1);
    assert_int_equal(f.meta->row_groups[0].ncolumns, LEAVES);
    assert_int_equal(f.meta->row_groups[0].num_rows, FX_RICH_SPANS);
    assert_memory_equal(f.meta->schema[1].name.ptr, "Timestamp", 9);
    for (size_t i = 0; i < LEAVES; i++) {
        const pq_column_chunk *c = &f.meta->row_groups[0].columns[i];
        assert_int_equal(c->codec, PQ_C_ZSTD);
        assert_true(c->data_page_offset >= 4 &&
                    c->data_page_offset < (int64_t)f.len - c->total_compressed_size + 1);
        assert_true(c->stats.has_null_count);
    }
    const pq_column_chunk *svc = pq_find_column(f.meta, 0, "ServiceName");
    assert_non_null(svc);
    assert_true(svc->encodings & (1u << PQ_ENC_RLE_DICTIONARY));
    assert_true(svc->dictionary_page_offset > 0);
    assert_true(svc->stats.has_min && svc->stats.has_max);
    /* rs[1]'s service.name is not a string and rs[2] has none: "" is min. */
    assert_int_equal(svc->stats.min.len, 0);
    assert_memory_equal(svc->stats.max.ptr, "checkout", 8);
    const pq_column_chunk *ts = pq_find_column(f.meta, 0, "Timestamp");
    assert_int_equal(ts->stats.min.len, 8);
    assert_int_equal(ts->stats.null_count, 0);
    assert_non_null(pq_find_column(f.meta, 0, "Events.list.element.Attributes.key_value.key"));
    assert_null(pq_find_column(f.meta, 0, "Events.list"));
    file_free(&f);
}

static void test_bloom_hits_written_ids(void **state)
{
    enum { SPANS = 3000 };
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(NULL, 1);
    fx_ss *ss = r->resource_spans[0]->scope_spans[0] = fx_ss_new(NULL, SPANS);
    for (unsigned i = 0; i < SPANS; i++)
        ss->spans[i] = fx_span_new(i);
    file f = {0};
    const fx_request *one = r;
    write_requests(&f, &one, 1);
    char id[33];
    for (unsigned i = 0; i < SPANS; i++) {
        hex(ss->spans[i]->trace_id.data, 16, id);
        assert_int_equal(probe(&f, id), 1);
    }
    int false_hits = 0;
    for (unsigned i = 0; i < 10000; i++) {
        snprintf(id, sizeof(id), "%016x%016x", i * 2654435761u, ~i);
        false_hits += probe(&f, id) == 1;
    }
    assert_true(false_hits < 100); /* sized for 0.1%; 1% leaves room */
    const pq_column_chunk *c = pq_find_column(f.meta, 0, "TraceId");
    assert_true(c->stats.has_min && c->stats.min.len == 32);
    file_free(&f);
}

static void test_empty_and_malformed_input(void **state)
{
    uint8_t *out;
    size_t len, rows = 99;
    assert_int_equal(pq_traces_write(NULL, NULL, 0, &out, &len, &rows), 0);
    assert_int_equal(rows, 0);
    pq_file_meta *m;
    assert_int_equal(pq_file_footer(out, len, &m), 0);
    assert_int_equal(m->nrow_groups, 0);
    pq_file_meta_free(m);
    free(out);
    uint8_t bad[] = {0x0a, 0x05, 0x12, 0x07, 0x00};
    struct iovec seg = {bad, sizeof(bad)};
    assert_int_equal(pq_traces_write(NULL, &seg, 1, &out, &len, &rows), -EBADMSG);
    assert_null(out);
}

/* Every cut and every flipped byte of a real footer parses or is refused;
 * ASan and the exact-size copies catch any read outside. */
static void test_footer_damage_is_refused(void **state)
{
    file f = {0};
    const fx_request *r = fx_rich_request();
    write_requests(&f, &r, 1);
    uint32_t flen;
    assert_int_equal(pq_footer_length(f.p + f.len - PQ_TAIL_SIZE, &flen), 0);
    const uint8_t *footer = f.p + f.len - PQ_TAIL_SIZE - flen;
    for (uint32_t cut = 0; cut < flen; cut++) {
        uint8_t *copy = fx_exact_copy(footer, cut);
        pq_file_meta *m = NULL;
        assert_int_not_equal(pq_footer_parse(copy, cut, &m), 0);
        assert_null(m);
        free(copy);
    }
    for (uint32_t at = 0; at < flen; at++) {
        uint8_t *copy = fx_exact_copy(footer, flen);
        copy[at] ^= 0xa5;
        pq_file_meta *m = NULL;
        if (pq_footer_parse(copy, flen, &m) == 0)
            pq_file_meta_free(m);
        free(copy);
    }
    file_free(&f);
}

/* ---- decoders written from the spec, for the encoders ---------------- */

static uint64_t uvarint(const uint8_t **p)
{
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

static void rle_decode(const uint8_t *p, size_t n, int width, uint32_t *out)
{
    size_t i = 0;
    while (i < n) {
        uint64_t h = uvarint(&p);
        if (h & 1) {
            size_t count = (size_t)(h >> 1) * 8;
            for (size_t k = 0; k < count; k++) {
                uint32_t v = 0;
                for (int b = 0; b < width; b++) {
                    size_t bit = k * (size_t)width + (size_t)b;
                    v |= (uint32_t)((p[bit / 8] >> (bit % 8)) & 1) << b;
                }
                if (i < n)
                    out[i++] = v;
            }
            p += (size_t)(h >> 1) * (size_t)width;
        } else {
            uint32_t v = 0;
            for (int b = 0; b < (width + 7) / 8; b++)
                v |= (uint32_t)*p++ << (8 * b);
            for (uint64_t k = 0; k < (h >> 1); k++)
                out[i++] = v;
        }
    }
}

static void test_rle_round_trip(void **state)
{
    enum { N = 5000 };
    static uint32_t in[N], back[N];
    for (int width = 1; width <= 20; width += 3) {
        uint32_t seed = 7;
        for (size_t i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            /* runs of every length, and noise */
            in[i] = (seed >> 16) % 3 == 0 ? (seed >> 8) & ((1u << width) - 1)
                                          : (i ? in[i - 1] : 0);
        }
        pq_buf b = {0};
        pq_rle_encode(&b, NULL, in, N, width);
        assert_int_equal(b.err, 0);
        rle_decode(b.p, N, width, back);
        assert_memory_equal(in, back, sizeof(in));
        pq_buf_free(&b);
    }
}

static void test_thrift_round_trip(void **state)
{
    pq_buf b = {0};
    tc_writer w;
    tc_init(&w, &b);
    tc_field_i32(&w, 1, -5);
    tc_field_i64(&w, 40, INT64_MIN); /* a jump of more than 15: long form */
    tc_field_struct(&w, 41);
    tc_field_str(&w, 1, "x");
    tc_field_list(&w, 2, TC_I32, 20);
    for (int i = 0; i < 20; i++)
        tc_i32(&w, i);
    tc_struct_end(&w);
    tc_field_bool(&w, 42, true);
    pq_buf_byte(&b, TC_STOP);

    tc_reader r;
    int16_t last = 0, id;
    tc_reader_init(&r, b.p, b.len);
    assert_int_equal(tc_next_field(&r, &last, &id), TC_I32);
    assert_int_equal(tc_read_int(&r, TC_I32), -5);
    assert_int_equal(tc_next_field(&r, &last, &id), TC_I64);
    assert_int_equal(id, 40);
    assert_true(tc_read_int(&r, TC_I64) == INT64_MIN);
    uint8_t t = tc_next_field(&r, &last, &id);
    tc_skip(&r, t);
    assert_int_equal(tc_next_field(&r, &last, &id), TC_TRUE);
    assert_int_equal(id, 42);
    assert_int_equal(tc_next_field(&r, &last, &id), TC_STOP);
    assert_int_equal(r.err, 0);
    assert_true(r.p == b.p + b.len);
    pq_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rich_request_footer),
        cmocka_unit_test(test_bloom_hits_written_ids),
        cmocka_unit_test(test_empty_and_malformed_input),
        cmocka_unit_test(test_footer_damage_is_refused),
        cmocka_unit_test(test_rle_round_trip),
        cmocka_unit_test(test_thrift_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
