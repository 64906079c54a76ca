/*
 * libs/otlpmetrics: the protobuf writer against protobuf-c's decoder, the
 * exponential bucket index against its definition, explicit buckets at
 * their bounds, attribute values as the collector's AsString writes them,
 * and the hash table under inserts and removals while iterating.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "metrics_decode.h"
#include "otlpmetrics/attrs.h"
#include "otlpmetrics/hist.h"
#include "otlpmetrics/table.h"
#include "otlpmetrics/write.h"

/* A request with a long attribute (lengths past one varint byte) and one
 * point of each kind reads back through protobuf-c as written. */
static void test_writer(void **state)
{
    (void)state;
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pbw attrs;
    pbw_init(&attrs);
    otlpm_attr_str(&attrs, "k", big, strlen(big));
    otlpm_attr_bool(&attrs, "b", false);
    double bounds[] = {1, 2};
    otlpm_hist *hi = otlpm_hist_new(2);
    otlpm_hist_add(hi, bounds, 2, 3); /* on a bound: that bound's bucket */
    otlpm_hist_add(hi, bounds, 2.5, 1);
    otlpm_exemplar ex = {.trace_id = {1}, .span_id = {2}, .value = 4.5};
    otlpm_point p = {.attrs = attrs.p, .alen = attrs.len, .start_ns = 5, .time_ns = 9,
                     .ex = &ex, .nex = 1};
    pbw w;
    pbw_init(&w);
    otlpm_frame r = otlpm_resource_begin(&w, attrs.p, attrs.len, "scope");
    otlpm_frame m = otlpm_metric_begin(&w, "s", "", "", OTLPM_SUM);
    otlpm_sum_point(&w, &p, -3);
    otlpm_metric_end(&w, m, OTLPM_DELTA);
    m = otlpm_metric_begin(&w, "h", "help", "ms", OTLPM_HISTOGRAM);
    otlpm_hist_point(&w, &p, bounds, 2, hi);
    otlpm_metric_end(&w, m, OTLPM_CUMULATIVE);
    otlpm_resource_end(&w, r);
    size_t len;
    uint8_t *buf = pbw_take(&w, &len);
    md_req *q = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
        NULL, len, buf);
    assert_non_null(q);
    md_resource *rm = q->resource_metrics[0];
    assert_string_equal(md_attr(rm->resource->attributes, 2, "k"), big);
    assert_string_equal(rm->scope_metrics[0]->scope->name, "scope");
    md_number *n = md_metric_named(q, "s")->sum->data_points[0];
    assert_int_equal(n->as_int, -3);
    assert_string_equal(md_attr(n->attributes, n->n_attributes, "b"), "false");
    assert_int_equal(n->exemplars[0]->trace_id.data[0], 1);
    assert_true(n->exemplars[0]->as_double == 4.5 && n->exemplars[0]->time_unix_nano == 9);
    md_metric *hm = md_metric_named(q, "h");
    assert_string_equal(hm->unit, "ms");
    assert_string_equal(hm->description, "help");
    md_hist *hp = hm->histogram->data_points[0];
    assert_int_equal(hp->count, 4);
    assert_int_equal(hp->bucket_counts[0], 0);
    assert_int_equal(hp->bucket_counts[1], 3);
    assert_int_equal(hp->bucket_counts[2], 1);
    assert_int_equal(hp->start_time_unix_nano, 5);
    md_free(q);
    free(buf);
    free(hi);
    pbw_free(&attrs);
}

/* Bucket idx at scale s holds (base^idx, base^(idx+1)], base 2^(2^-s). */
static void test_expo_index(void **state)
{
    (void)state;
    static const int32_t scales[] = {-4, -1, 0, 1, 3, 8, 20};
    static const double values[] = {1e-9, 0.001, 0.3, 1, 2, 3, 4, 1000, 12345.678, 1e12};
    for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
        for (size_t j = 0; j < sizeof(values) / sizeof(values[0]); j++) {
            int32_t idx = otlpm_expo_index(values[j], scales[i]);
            double lo = ldexp((double)idx, -scales[i]), hi = ldexp((double)idx + 1, -scales[i]);
            double l2 = log2(values[j]);
            if (!(l2 > lo - 1e-9 && l2 <= hi + 1e-9))
                fail_msg("v=%g scale=%d idx=%d", values[j], scales[i], idx);
        }
    }
    /* powers of two sit at the top of their bucket, exactly */
    assert_int_equal(otlpm_expo_index(1, 0), -1);
    assert_int_equal(otlpm_expo_index(8, 0), 2);
    assert_int_equal(otlpm_expo_index(8, 2), 11);
    assert_int_equal(otlpm_expo_index(8, -1), 1);
}

static void test_expo_zero_and_limits(void **state)
{
    (void)state;
    otlpm_expo *e = otlpm_expo_new(160);
    otlpm_expo_add(e, 0, 2);
    otlpm_expo_add(e, 1, 1);
    assert_int_equal(e->zero_count, 2);
    assert_int_equal(e->count, 3);
    assert_int_equal(e->scale, 20); /* one bucket needs no downscaling */
    for (int i = 0; i < 1000; i++)
        otlpm_expo_add(e, exp((double)i / 20), 1);
    assert_true(e->len <= 160);
    uint64_t n = e->zero_count;
    for (uint32_t i = 0; i < e->len; i++)
        n += e->counts[i];
    assert_int_equal(n, e->count);
    free(e);
}

static char *text_of(const otlp_anyvalue *v)
{
    static char out[256];
    pbw w;
    pbw_init(&w);
    otlpm_any_text(&w, v);
    memcpy(out, w.p, w.len);
    out[w.len] = '\0';
    pbw_free(&w);
    return out;
}

static void test_any_text(void **state)
{
    (void)state;
    otlp_anyvalue d = {.type = OTLP_ANY_DOUBLE};
    static const struct { double v; const char *s; } doubles[] = {
        {0.5, "0.5"}, {10, "10"}, {1e21, "1000000000000000000000"}, {1.5e-7, "0.00000015"},
        {-2.25, "-2.25"}, {0.1, "0.1"}};
    for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
        d.number = doubles[i].v;
        assert_string_equal(text_of(&d), doubles[i].s);
    }
    otlp_anyvalue iv = {.type = OTLP_ANY_INT, .integer = -42};
    assert_string_equal(text_of(&iv), "-42");
    otlp_anyvalue b = {.type = OTLP_ANY_BOOL, .boolean = true};
    assert_string_equal(text_of(&b), "true");
    otlp_anyvalue by = {.type = OTLP_ANY_BYTES, .bytes = {(const uint8_t *)"hi!?", 4}};
    assert_string_equal(text_of(&by), "aGkhPw==");
    /* an array ["a", 1]: ArrayValue { values: [{string "a"}, {int 1}] } */
    static const uint8_t arr[] = {0x0a, 0x03, 0x0a, 0x01, 'a', 0x0a, 0x02, 0x18, 0x01};
    otlp_anyvalue a = {.type = OTLP_ANY_ARRAY, .bytes = {arr, sizeof(arr)}};
    assert_string_equal(text_of(&a), "[\"a\",1]");
}

typedef struct item {
    otlpm_entry e;
    int v;
} item;

static void test_table(void **state)
{
    (void)state;
    otlpm_table t;
    otlpm_table_init(&t);
    static item items[500];
    for (int i = 0; i < 500; i++) {
        items[i].v = i;
        items[i].e.key = (const uint8_t *)&items[i].v;
        items[i].e.klen = sizeof(int);
        items[i].e.hash = otlpm_table_hash(&t, &i, sizeof(i));
        assert_int_equal(otlpm_table_insert(&t, &items[i].e), 0);
    }
    int k = 321;
    item *f = (item *)otlpm_table_find(&t, otlpm_table_hash(&t, &k, sizeof(k)), &k, sizeof(k));
    assert_non_null(f);
    assert_int_equal(f->v, 321);
    otlpm_iter it;
    otlpm_iter_init(&it, &t);
    size_t seen = 0;
    for (otlpm_entry *e; (e = otlpm_iter_next(&it));) {
        seen++;
        if (((item *)e)->v % 2)
            otlpm_table_remove(&t, e);
    }
    assert_int_equal(seen, 500);
    assert_int_equal(t.count, 250);
    assert_null(otlpm_table_find(&t, otlpm_table_hash(&t, &k, sizeof(k)), &k, sizeof(k)));
    otlpm_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer),       cmocka_unit_test(test_expo_index),
        cmocka_unit_test(test_expo_zero_and_limits), cmocka_unit_test(test_any_text),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
