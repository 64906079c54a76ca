/*
 * trace_query: trace re-framing: a trace's spans out of several stored requests,
 * each under its own resource and scope (schema URLs kept, scopes without
 * the trace's spans left out), a span stored twice kept once, other
 * traces left out, malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <otelc/sdk/otlp_walk.h>

#include "otlp_fixture.h"
#include "tracebuild.h"

static const uint8_t TRACE_A[16] = {0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t TRACE_B[16] = {0xbb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static fx_span *span_of(const uint8_t *trace, unsigned seed)
{
    fx_span *s = fx_span_new(seed);
    memcpy(s->trace_id.data, trace, 16);
    return s;
}

static fx_resource *service(const char *name)
{
    fx_resource *r = fx_alloc(sizeof *r);
    opentelemetry__proto__resource__v1__resource__init(r);
    r->n_attributes = 1;
    r->attributes = fx_alloc(sizeof(fx_kv *));
    r->attributes[0] = fx_kv_new("service.name", fx_str(name));
    return r;
}

static fx_scope *scope(const char *name)
{
    fx_scope *s = fx_alloc(sizeof *s);
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = (char *)name;
    return s;
}

/* rs0 {a; r0}: s0 {A1, B2, A3; ss0}, s1 {B4}; rs1 {b}: s0 {A5} */
static uint8_t *first_object(size_t *len)
{
    fx_request *r = fx_request_new(2);
    r->resource_spans[0] = fx_rs_new(service("a"), 2);
    r->resource_spans[0]->schema_url = "https://r0";
    fx_ss *ss = r->resource_spans[0]->scope_spans[0] = fx_ss_new(scope("s0"), 3);
    ss->schema_url = "https://ss0";
    ss->spans[0] = span_of(TRACE_A, 1);
    ss->spans[1] = span_of(TRACE_B, 2);
    ss->spans[2] = span_of(TRACE_A, 3);
    r->resource_spans[0]->scope_spans[1] = fx_ss_new(scope("s1"), 1);
    r->resource_spans[0]->scope_spans[1]->spans[0] = span_of(TRACE_B, 4);
    r->resource_spans[1] = fx_rs_new(service("b"), 1);
    r->resource_spans[1]->scope_spans[0] = fx_ss_new(scope("s0"), 1);
    r->resource_spans[1]->scope_spans[0]->spans[0] = span_of(TRACE_A, 5);
    return fx_pack(r, len);
}

/* rs {a}: s0 {A1 again, A6} */
static uint8_t *second_object(size_t *len)
{
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(service("a"), 1);
    fx_ss *ss = r->resource_spans[0]->scope_spans[0] = fx_ss_new(scope("s0"), 2);
    ss->spans[0] = span_of(TRACE_A, 1);
    ss->spans[1] = span_of(TRACE_A, 6);
    return fx_pack(r, len);
}

/* "svc/scope/span-N" for every span of the request, ';'-separated. */
static void layout(const uint8_t *pb, size_t len, char *out, size_t size)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_span sp;
    size_t used = 0;
    out[0] = 0;
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &sc) > 0)
            while (otlp_walk_span(&w, &sp) > 0)
                used += (size_t)snprintf(out + used, size - used, "%.*s/%.*s/%.*s%s;",
                                         (int)r.service_name.len, r.service_name.ptr,
                                         (int)sc.name.len, sc.name.ptr, (int)sp.name.len,
                                         sp.name.ptr, r.schema_url.len ? "@r" : "");
    assert_int_equal(otlp_walk_error(&w), 0);
}

static void test_trace_across_objects(void **state)
{
    size_t l1, l2;
    uint8_t *o1 = first_object(&l1), *o2 = second_object(&l2);
    trace_build t;
    char got[512];
    trace_build_init(&t, TRACE_A);
    assert_int_equal(trace_build_add(&t, o1, l1), 0);
    assert_int_equal(trace_build_add(&t, o2, l2), 0);
    assert_int_equal(t.spans, 4);
    layout(t.buf, t.len, got, sizeof(got));
    assert_string_equal(got, "a/s0/span-1@r;a/s0/span-3@r;b/s0/span-5;a/s0/span-6;");
    /* Scope schema URLs and resource attributes came along. */
    otlp_walker w;
    otlp_resource r;
    otlp_scope sc;
    otlp_walk_init(&w, t.buf, t.len);
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    assert_int_equal(otlp_walk_scope(&w, &sc), 1);
    assert_int_equal(sc.schema_url.len, 11);
    assert_memory_equal(sc.schema_url.ptr, "https://ss0", 11);
    assert_int_equal(otlp_walk_scope(&w, &sc), 0); /* s1 had only trace B */
    trace_build_fini(&t);

    trace_build_init(&t, TRACE_B);
    assert_int_equal(trace_build_add(&t, o1, l1), 0);
    assert_int_equal(trace_build_add(&t, o2, l2), 0);
    layout(t.buf, t.len, got, sizeof(got));
    assert_string_equal(got, "a/s0/span-2@r;a/s1/span-4@r;");
    trace_build_fini(&t);
    fx_free_all();
}

static void test_absent_trace_and_malformed(void **state)
{
    size_t l1;
    uint8_t *o1 = first_object(&l1);
    uint8_t other[16] = {0xcc};
    trace_build t;
    trace_build_init(&t, other);
    assert_int_equal(trace_build_add(&t, o1, l1), 0);
    assert_int_equal(t.spans, 0);
    assert_int_equal(t.len, 0);
    trace_build_fini(&t);
    uint8_t *cut = fx_exact_copy(o1, l1 - 2);
    trace_build_init(&t, TRACE_A);
    assert_true(trace_build_add(&t, cut, l1 - 2) < 0);
    trace_build_fini(&t);
    free(cut);
    fx_free_all();
}

static void test_many_spans_kept_once(void **state)
{
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(service("a"), 1);
    fx_ss *ss = r->resource_spans[0]->scope_spans[0] = fx_ss_new(scope("s"), 600);
    for (unsigned i = 0; i < 600; i++) {
        ss->spans[i] = span_of(TRACE_A, i % 300);
        ss->spans[i]->span_id.data[0] = (uint8_t)(i % 300);
        ss->spans[i]->span_id.data[1] = (uint8_t)((i % 300) >> 8);
    }
    size_t len;
    uint8_t *pb = fx_pack(r, &len);
    trace_build t;
    trace_build_init(&t, TRACE_A);
    assert_int_equal(trace_build_add(&t, pb, len), 0);
    assert_int_equal(trace_build_add(&t, pb, len), 0);
    assert_int_equal(t.spans, 300);
    trace_build_fini(&t);
    fx_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_across_objects),
        cmocka_unit_test(test_absent_trace_and_malformed),
        cmocka_unit_test(test_many_spans_kept_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
