/*
 * libs/parquet, merging files of the trace table (compaction): every row
 * of the inputs comes out once (a span given twice, once), every column
 * level for level and value for value, sorted by TraceId then SpanId,
 * in row groups of the size asked for, each with its TraceId bloom filter
 * and statistics; the same inputs give the same bytes; misuse is refused.
 * Rows are compared as the records the merge itself encodes, read by the
 * reader from each file: an independent path from the writer's.
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

typedef struct file {
    uint8_t *p;
    size_t len;
    pq_file_meta *meta;
} file;

static void file_write(file *f, const fx_request *const *reqs, size_t n)
{
    struct iovec segs[8];
    size_t rows;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        segs[i].iov_base = fx_pack(reqs[i], &len);
        segs[i].iov_len = len;
    }
    pq_traces_options o = {.zstd_level = 1, .created_by = "otelc test"};
    assert_int_equal(pq_traces_write(&o, segs, n, &f->p, &f->len, &rows), 0);
    assert_int_equal(pq_file_footer(f->p, f->len, &f->meta), 0);
}

static void file_free(file *f)
{
    pq_file_meta_free(f->meta);
    free(f->p);
    memset(f, 0, sizeof(*f));
}

/* One row as the merge's record without its header: every leaf's levels
 * and values. */
typedef struct dump {
    uint8_t *p;
    size_t len;
} dump;

static int dump_order(const void *a, const void *b)
{
    const dump *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Appends the rows of every row group of f to d. */
static size_t dump_rows(const file *f, dump *d, size_t at)
{
    uint8_t used[T_COUNT];
    memset(used, PQ_USE, sizeof(used));
    for (size_t rg = 0; rg < f->meta->nrow_groups; rg++) {
        int64_t off, len;
        pq_table t;
        pq_buf b = {0};
        size_t lv[T_COUNT] = {0}, val[T_COUNT] = {0};
        assert_int_equal(pq_row_group_range(f->meta, rg, &off, &len), 0);
        assert_int_equal(pq_table_open(&t, f->meta, rg, f->p + off, off, (size_t)len, used), 0);
        for (size_t r = 0; r < t.nrows; r++, at++) {
            assert_int_equal(pq_rec_encode(&b, &t, 0, lv, val), 0);
            d[at].len = b.len - 8;
            d[at].p = malloc(d[at].len);
            memcpy(d[at].p, b.p + 8, d[at].len);
        }
        pq_table_close(&t);
        pq_buf_free(&b);
    }
    return at;
}

static void dumps_free(dump *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(d[i].p);
    free(d);
}

/* Merges files fs[0..n) through both passes. */
static int merge(const file *fs, size_t n, size_t group_rows, file *out, size_t *rows)
{
    static const char *const kv[] = {"otelc.test", "yes", NULL};
    pq_merge_options o = {.write = {.zstd_level = 1, .created_by = "otelc merge"},
                          .group_rows = group_rows, .kv = kv};
    pq_merge *mg;
    assert_int_equal(pq_merge_new(&o, &mg), 0);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            for (size_t rg = 0; rg < fs[i].meta->nrow_groups; rg++) {
                int64_t off, len;
                assert_int_equal(pq_row_group_range(fs[i].meta, rg, &off, &len), 0);
                uint8_t *copy = fx_exact_copy(fs[i].p + off, (size_t)len);
                int rc = pass ? pq_merge_rows(mg, fs[i].meta, rg, copy, off, (size_t)len)
                              : pq_merge_index(mg, fs[i].meta, rg, copy, off, (size_t)len);
                free(copy);
                assert_int_equal(rc, 0);
            }
    int rc = pq_merge_finish(mg, &out->p, &out->len, rows);
    pq_merge_free(mg);
    if (rc == 0)
        assert_int_equal(pq_file_footer(out->p, out->len, &out->meta), 0);
    return rc;
}

/* Ids of span seed: three spans to a trace, trace ids scattered. */
static void set_ids(fx_span *s, unsigned seed)
{
    uint64_t t = (seed / 3 + 1) * 0x9e3779b97f4a7c15ull, sp = seed + 1;
    for (int i = 0; i < 8; i++) {
        s->trace_id.data[i] = (uint8_t)(t >> (56 - 8 * i));
        s->trace_id.data[8 + i] = (uint8_t)i;
        s->span_id.data[i] = (uint8_t)(sp >> (56 - 8 * i));
    }
}

/* n spans, per_resource to a resource, seeds from seed0. */
static fx_request *spans_request(unsigned seed0, unsigned n, unsigned per_resource)
{
    unsigned nrs = (n + per_resource - 1) / per_resource;
    fx_request *r = fx_request_new(nrs);
    for (unsigned g = 0, k = 0; g < nrs; g++) {
        unsigned count = n - k < per_resource ? n - k : per_resource;
        fx_kv *res[] = {fx_kv_new("service.name", fx_str(g % 2 ? "svc-a" : "svc-b")),
                        fx_kv_new("res.n", fx_int(g))};
        fx_resource *rsc = fx_alloc(sizeof(*rsc));
        opentelemetry__proto__resource__v1__resource__init(rsc);
        rsc->n_attributes = 2;
        rsc->attributes = memcpy(fx_alloc(sizeof(res)), res, sizeof(res));
        fx_rs *rs = r->resource_spans[g] = fx_rs_new(rsc, 1);
        fx_ss *ss = rs->scope_spans[0] = fx_ss_new(NULL, count);
        for (unsigned i = 0; i < count; i++, k++) {
            fx_span *s = ss->spans[i] = fx_span_new(seed0 + k);
            set_ids(s, seed0 + k);
            fx_kv *attrs[] = {fx_kv_new("n", fx_int(k)), fx_kv_new("s", fx_str("x"))};
            s->n_attributes = k % 3;
            s->attributes = memcpy(fx_alloc(sizeof(attrs)), attrs, sizeof(attrs));
        }
    }
    return r;
}

/* Rows sorted by (TraceId, SpanId), row groups of group_rows, each with
 * TraceId statistics and a bloom filter that knows its ids. */
static void check_sorted_groups(const file *out, size_t group_rows, size_t rows)
{
    uint8_t last[24] = {0};
    size_t total = 0;
    for (size_t rg = 0; rg < out->meta->nrow_groups; rg++) {
        int64_t off, len;
        pq_summaries *s;
        assert_int_equal(pq_row_group_range(out->meta, rg, &off, &len), 0);
        assert_int_equal(pq_traces_summaries(out->meta, rg, out->p + off, off, (size_t)len, &s), 0);
        assert_true(s->n <= group_rows);
        assert_true(s->n == group_rows || rg + 1 == out->meta->nrow_groups);
        const pq_column_chunk *c = pq_find_column(out->meta, rg, "TraceId");
        assert_true(c->stats.has_min && c->stats.has_max && c->bloom_filter_offset > 0);
        for (size_t r = 0; r < s->n; r++, total++) {
            uint8_t id[24];
            char hex[33];
            memcpy(id, s->rows[r].trace_id, 16);
            memcpy(id + 16, s->rows[r].span_id, 8);
            assert_true(total == 0 || memcmp(last, id, 24) < 0);
            memcpy(last, id, 24);
            for (int i = 0; i < 16; i++)
                snprintf(hex + (size_t)2 * (size_t)i, 3, "%02x", id[i]);
            assert_int_equal(pq_bloom_check(out->p + c->bloom_filter_offset,
                                            (size_t)c->bloom_filter_length, hex, 32), 1);
            assert_true(memcmp(c->stats.min.ptr, hex, 32) <= 0);
            assert_true(memcmp(c->stats.max.ptr, hex, 32) >= 0);
        }
        pq_summaries_free(s);
    }
    assert_int_equal(total, rows);
}

/* The output's rows are the inputs' rows, each distinct one once. */
static void check_same_rows(const file *in, size_t nin, const file *out, size_t rows)
{
    size_t n = 0;
    for (size_t i = 0; i < nin; i++)
        n += (size_t)in[i].meta->num_rows;
    dump *a = calloc(n, sizeof(*a)), *b = calloc(rows + 1, sizeof(*b));
    assert_int_equal(dump_rows(out, b, 0), rows);
    size_t got = 0;
    for (size_t i = 0; i < nin; i++)
        got = dump_rows(&in[i], a, got);
    qsort(a, n, sizeof(*a), dump_order);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || dump_order(&a[i], &a[k - 1]) != 0) {
            dump t = a[k];
            a[k++] = a[i];
            a[i] = t;
        }
    assert_int_equal(k, rows);
    qsort(b, rows, sizeof(*b), dump_order);
    for (size_t i = 0; i < rows; i++)
        assert_int_equal(dump_order(&a[i], &b[i]), 0);
    dumps_free(a, n);
    dumps_free(b, rows);
}

static void test_rows_kept_sorted_once(void **state)
{
    (void)state;
    file in[4] = {0}, out = {0};
    const fx_request *rich = fx_rich_request(), *many = spans_request(100, 1500, 200);
    const fx_request *more = spans_request(5000, 700, 50);
    const fx_request *both[] = {rich, more};
    file_write(&in[0], &rich, 1);
    file_write(&in[1], &many, 1);
    file_write(&in[2], both, 2);
    file_write(&in[3], &many, 1); /* every span of in[1] again */
    size_t rows;
    assert_int_equal(merge(in, 4, 500, &out, &rows), 0);
    assert_int_equal(rows, 8 + 1500 + 700);
    assert_int_equal(out.meta->nrow_groups, 5);
    check_sorted_groups(&out, 500, rows);
    check_same_rows(in, 4, &out, rows);
    const pq_view *v = pq_file_meta_value(out.meta, "otelc.test");
    assert_true(v && v->len == 3 && memcmp(v->ptr, "yes", 3) == 0);
    assert_non_null(pq_file_meta_value(out.meta, "otelc.table"));
    assert_true(out.meta->created_by.len == 11);
    for (int i = 0; i < 4; i++)
        file_free(&in[i]);
    file_free(&out);
    fx_free_all();
}

/* Past one bucket of positions, with the default row groups. */
static void test_many_buckets(void **state)
{
    (void)state;
    file in[3] = {0}, out = {0};
    const fx_request *a = spans_request(0, 30000, 1000), *b = spans_request(30000, 30000, 7);
    const fx_request *c = spans_request(60000, 20000, 20000);
    file_write(&in[0], &a, 1);
    file_write(&in[1], &b, 1);
    file_write(&in[2], &c, 1);
    size_t rows;
    assert_int_equal(merge(in, 3, 0, &out, &rows), 0);
    assert_int_equal(rows, 80000);
    assert_int_equal(out.meta->nrow_groups, 1);
    check_sorted_groups(&out, 131072, rows);
    check_same_rows(in, 3, &out, rows);
    for (int i = 0; i < 3; i++)
        file_free(&in[i]);
    file_free(&out);
    fx_free_all();
}

/* The same inputs, the same bytes. */
static void test_identical_bytes(void **state)
{
    (void)state;
    file in[2] = {0}, x = {0}, y = {0};
    const fx_request *rich = fx_rich_request(), *many = spans_request(7, 900, 30);
    file_write(&in[0], &many, 1);
    file_write(&in[1], &rich, 1);
    size_t rx, ry;
    assert_int_equal(merge(in, 2, 256, &x, &rx), 0);
    assert_int_equal(merge(in, 2, 256, &y, &ry), 0);
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.p, y.p, x.len);
    for (int i = 0; i < 2; i++)
        file_free(&in[i]);
    file_free(&x);
    file_free(&y);
    fx_free_all();
}

static void test_empty_and_misuse(void **state)
{
    (void)state;
    pq_merge_options o = {0};
    pq_merge *mg;
    uint8_t *out;
    size_t len, rows;
    assert_int_equal(pq_merge_new(&o, &mg), 0);
    assert_int_equal(pq_merge_finish(mg, &out, &len, &rows), 0);
    assert_int_equal(rows, 0);
    pq_file_meta *m;
    assert_int_equal(pq_file_footer(out, len, &m), 0);
    assert_int_equal(m->nrow_groups, 0);
    pq_file_meta_free(m);
    free(out);
    pq_merge_free(mg);

    file f = {0};
    const fx_request *r = spans_request(0, 10, 10);
    file_write(&f, &r, 1);
    int64_t off, rlen;
    assert_int_equal(pq_row_group_range(f.meta, 0, &off, &rlen), 0);
    assert_int_equal(pq_merge_new(&o, &mg), 0);
    assert_int_equal(pq_merge_index(mg, f.meta, 0, f.p + off, off, (size_t)rlen), 0);
    assert_int_equal(pq_merge_finish(mg, &out, &len, &rows), -EINVAL); /* no pass two */
    assert_null(out);
    pq_merge_free(mg);
    assert_int_equal(pq_merge_new(&o, &mg), 0);
    assert_int_equal(pq_merge_rows(mg, f.meta, 0, f.p + off, off, (size_t)rlen), -EINVAL);
    assert_int_equal(pq_merge_index(mg, f.meta, 0, f.p + off, off, (size_t)rlen), -EINVAL);
    pq_merge_free(mg);
    assert_int_equal(pq_merge_new(&o, &mg), 0);
    assert_int_equal(pq_merge_index(mg, f.meta, 0, f.p + off, off, 10), -EBADMSG);
    pq_merge_free(mg);
    file_free(&f);
    fx_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_kept_sorted_once),
        cmocka_unit_test(test_many_buckets),
        cmocka_unit_test(test_identical_bytes),
        cmocka_unit_test(test_empty_and_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
