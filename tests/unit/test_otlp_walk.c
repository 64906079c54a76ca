/*
 * test_otlp_walk.c: the allocation-free OTLP walker against requests built
 * by protobuf-c, hand-made wire bytes, truncations and garbage.
 */
#include "otlp_fixture.h"

#include <otelc/sdk/otlp_walk.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void assert_view(pb_bytes b, const void *want, size_t len)
{
    assert_int_equal(b.len, len);
    if (len)
        assert_memory_equal(b.ptr, want, len);
}

static void assert_str(pb_bytes b, const char *want)
{
    if (!want) {
        fail_msg("no expected string");
        return;
    }
    assert_view(b, want, strlen(want));
}

static void assert_ids(const otlp_span *sp, unsigned seed)
{
    uint8_t tid[16], sid[8];
    fx_span_ids(seed, tid, sid);
    assert_view(sp->trace_id, tid, 16);
    assert_view(sp->span_id, sid, 8);
}

static int teardown(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

/* Attribute n of a list, found by iteration. */
static otlp_kv nth_attr(const otlp_list *l, size_t n)
{
    otlp_list_iter it;
    otlp_kv kv;
    otlp_list_iter_init(&it, l);
    for (size_t i = 0; i <= n; i++)
        assert_int_equal(otlp_attr_next(&it, &kv), 1);
    return kv;
}

static void check_nested_values(const otlp_span *sp)
{
    otlp_anyvalue v, item;
    otlp_list_iter it;
    assert_int_equal(otlp_span_attr(sp, "list", 4, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_ARRAY);
    otlp_list items = otlp_any_items(&v);
    otlp_list_iter_init(&it, &items);
    assert_int_equal(otlp_array_next(&it, &item), 1);
    assert_int_equal(item.type, OTLP_ANY_INT);
    assert_int_equal(item.integer, 1);
    assert_int_equal(otlp_array_next(&it, &item), 1);
    assert_int_equal(item.type, OTLP_ANY_STRING);
    assert_str(item.bytes, "two");
    assert_int_equal(otlp_array_next(&it, &item), 1);
    assert_int_equal(item.type, OTLP_ANY_ARRAY);
    assert_int_equal(otlp_array_next(&it, &v), 0);

    otlp_list inner = otlp_any_items(&item);
    otlp_list_iter_init(&it, &inner);
    assert_int_equal(otlp_array_next(&it, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_BOOL);
    assert_true(v.boolean);
    assert_int_equal(otlp_array_next(&it, &v), 0);

    assert_int_equal(otlp_span_attr(sp, "map", 3, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_KVLIST);
    otlp_list map = otlp_any_items(&v);
    assert_int_equal(otlp_attr_find(&map, "n", 1, &item), 1);
    assert_int_equal(item.integer, -9);
    assert_int_equal(otlp_attr_find(&map, "inner", 5, &item), 1);
    otlp_list deep = otlp_any_items(&item);
    assert_int_equal(otlp_attr_find(&deep, "deep", 4, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_DOUBLE);
    assert_true(v.number == 3.5);
}

static void check_span0_attrs(const otlp_span *sp)
{
    static const uint8_t blob[3] = {0x00, 0xff, 0x7f};
    otlp_anyvalue v;
    otlp_kv kv = nth_attr(&sp->attrs, 0);
    assert_str(kv.key, "http.method");
    assert_int_equal(kv.value.type, OTLP_ANY_STRING);
    assert_str(kv.value.bytes, "GET");
    assert_int_equal(otlp_span_attr(sp, "ok", 2, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_BOOL);
    assert_true(v.boolean);
    assert_int_equal(otlp_span_attr(sp, "retries", 7, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_INT);
    assert_int_equal(v.integer, -42);
    assert_int_equal(otlp_span_attr(sp, "ratio", 5, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_DOUBLE);
    assert_true(v.number == 0.25);
    assert_int_equal(otlp_span_attr(sp, "blob", 4, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_BYTES);
    assert_view(v.bytes, blob, 3);
    assert_int_equal(otlp_span_attr(sp, "empty", 5, &v), 1);
    assert_int_equal(v.type, OTLP_ANY_EMPTY);
    assert_int_equal(otlp_span_attr(sp, "missing", 7, &v), 0);
    assert_int_equal(otlp_span_attr(sp, "retrie", 6, &v), 0); /* prefixes don't match */
    kv = nth_attr(&sp->attrs, 7);
    assert_str(kv.key, "empty");
    check_nested_values(sp);
}

static void check_span0_events_links(const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_event e;
    otlp_link l;
    otlp_anyvalue v;
    uint8_t tid[16], sid[8];

    otlp_list_iter_init(&it, &sp->events);
    assert_int_equal(otlp_event_next(&it, &e), 1);
    assert_str(e.name, "exception");
    assert_true(e.time_unix_nano == 1700000000000000100ull);
    assert_int_equal(otlp_attr_find(&e.attrs, "exception.type", 14, &v), 1);
    assert_str(v.bytes, "E");
    assert_int_equal(otlp_event_next(&it, &e), 1);
    assert_str(e.name, "retry");
    assert_int_equal(e.dropped_attributes_count, 1);
    assert_int_equal(e.attrs.range.len, 0);
    assert_int_equal(otlp_event_next(&it, &e), 0);

    otlp_list_iter_init(&it, &sp->links);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(otlp_link_next(&it, &l), 1);
        fx_span_ids(100 + i, tid, sid);
        assert_view(l.trace_id, tid, 16);
        assert_view(l.span_id, sid, 8);
        assert_str(l.trace_state, i ? "" : "l=1");
        assert_int_equal(l.flags, 0x100 + i);
        assert_int_equal(l.dropped_attributes_count, 7);
        assert_int_equal(otlp_attr_find(&l.attrs, "link.kind", 9, &v), 1);
        assert_int_equal(v.integer, i);
    }
    assert_int_equal(otlp_link_next(&it, &l), 0);
}

static void check_span0(const otlp_span *sp)
{
    assert_ids(sp, 0);
    assert_str(sp->name, "span-0");
    assert_str(sp->trace_state, "vendor=1");
    assert_int_equal(sp->parent_span_id.len, 0);
    assert_int_equal(sp->kind, 2);
    assert_int_equal(sp->flags, 0x301);
    assert_true(sp->start_time_unix_nano == 1700000000000000000ull);
    assert_true(sp->end_time_unix_nano == 1700000000000000500ull);
    assert_int_equal(sp->dropped_attributes_count, 3);
    assert_int_equal(sp->dropped_events_count, 4);
    assert_int_equal(sp->dropped_links_count, 5);
    assert_int_equal(sp->status_code, 2);
    assert_str(sp->status_message, "boom");
    /* Views point into the span's raw bytes. */
    assert_true(sp->attrs.range.ptr > sp->raw.ptr);
    assert_true(sp->attrs.range.ptr + sp->attrs.range.len <= sp->raw.ptr + sp->raw.len);
    check_span0_attrs(sp);
    check_span0_events_links(sp);
}

static void check_resource0(const otlp_resource *r)
{
    otlp_anyvalue v;
    assert_str(r->service_name, "checkout");
    assert_str(r->schema_url, "https://schemas/r0");
    assert_int_equal(r->dropped_attributes_count, 2);
    assert_int_equal(otlp_attr_find(&r->attrs, "host.name", 9, &v), 1);
    assert_str(v.bytes, "h1");
}

static void check_scope0(const otlp_scope *s)
{
    otlp_anyvalue v;
    assert_str(s->name, "io.otelc.a");
    assert_str(s->version, "1.0.0");
    assert_str(s->schema_url, "https://schemas/s0");
    assert_int_equal(s->dropped_attributes_count, 1);
    assert_int_equal(otlp_attr_find(&s->attrs, "scope.flag", 10, &v), 1);
    assert_true(v.boolean);
}

/* Expected layout of fx_rich_request(): scopes per resource, spans per scope. */
static const char *const scope_names[3][2] = {
    {"io.otelc.a", ""}, {"io.otelc.b", "empty"}, {"io.otelc.c", NULL}};
static const unsigned spans_per_scope[3][2] = {{3, 2}, {1, 0}, {2, 0}};

static void walk_rich(const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    unsigned ri = 0, seed = 0;
    otlp_walk_init(&w, buf, len);
    for (; otlp_walk_resource(&w, &r) > 0; ri++) {
        unsigned si = 0;
        if (ri == 0)
            check_resource0(&r);
        for (; otlp_walk_scope(&w, &s) > 0; si++) {
            unsigned n = 0;
            if (ri >= 3 || si >= 2) {
                fail_msg("more resources or scopes than built");
                return;
            }
            assert_str(s.name, scope_names[ri][si]);
            if (ri == 0 && si == 0)
                check_scope0(&s);
            for (; otlp_walk_span(&w, &sp) > 0; n++, seed++) {
                assert_ids(&sp, seed);
                if (seed == 0)
                    check_span0(&sp);
            }
            assert_int_equal(n, spans_per_scope[ri][si]);
        }
        assert_int_equal(si, ri == 2 ? 1 : 2);
    }
    assert_int_equal(ri, 3);
    assert_int_equal(seed, FX_RICH_SPANS);
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
}

static void test_rich_request(void **state)
{
    size_t len, n = 0;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    uint8_t *exact = fx_exact_copy(buf, len);
    walk_rich(exact, len);
    assert_int_equal(otlp_count_spans(exact, len, &n), OTLP_OK);
    assert_int_equal(n, FX_RICH_SPANS);
    free(exact);
}

static void test_second_resource_details(void **state)
{
    size_t len;
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    otlp_walk_init(&w, buf, len);
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    /* Leaving a resource early moves on to the next one. */
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    assert_null(r.service_name.ptr); /* service.name is an int here */
    assert_int_equal(otlp_walk_scope(&w, &s), 1);
    assert_int_equal(otlp_walk_span(&w, &sp), 1);
    assert_ids(&sp, 5);
    assert_int_equal(otlp_walk_span(&w, &sp), 0);
    assert_int_equal(otlp_walk_span(&w, &sp), 0);
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    assert_int_equal(r.resource.len, 0); /* no Resource at all */
    assert_null(r.service_name.ptr);
    assert_int_equal(otlp_walk_scope(&w, &s), 1);
    assert_str(s.version, "2");
    assert_int_equal(otlp_walk_resource(&w, &r), 0);
    assert_int_equal(otlp_walk_scope(&w, &s), 0);
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
}

static void test_empty_and_scope_before_resource(void **state)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t n = 99;
    (void)state;
    otlp_walk_init(&w, NULL, 0);
    assert_int_equal(otlp_walk_scope(&w, &s), 0);
    assert_int_equal(otlp_walk_span(&w, &sp), 0);
    assert_int_equal(otlp_walk_resource(&w, &r), 0);
    assert_int_equal(otlp_count_spans(NULL, 0, &n), OTLP_OK);
    assert_int_equal(n, 0);
}

/* Unknown fields of every wire type, at every level, are skipped. */
static void test_unknown_fields_skipped(void **state)
{
    static fx_wire span, status, scope, ss, res, rs, req;
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t n;
    (void)state;
    fxw_uint(&span, 99, 5);
    fxw_span(&span, 3, "x");
    fxw_fixed32(&span, 100, 7);
    fxw_uint(&status, 1, 9); /* reserved Status field 1 */
    fxw_uint(&status, 3, 1);
    fxw_msg(&span, 15, &status);
    fxw_fixed64(&span, 4000, 1);
    fxw_str(&scope, 1, "sc");
    fxw_str(&scope, 77, "?");
    fxw_fixed64(&ss, 9, 1);
    fxw_msg(&ss, 1, &scope);
    fxw_msg(&ss, 2, &span);
    fxw_uint(&ss, 1000, 1);
    fxw_str(&res, 50, "future");
    fxw_msg(&rs, 1, &res);
    fxw_fixed32(&rs, 8, 8);
    fxw_msg(&rs, 2, &ss);
    fxw_uint(&req, 2, 1);
    fxw_msg(&req, 1, &rs);
    fxw_str(&req, 3, "trailer");
    uint8_t *buf = fx_exact_copy(req.buf, req.len);
    otlp_walk_init(&w, buf, req.len);
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    assert_int_equal(otlp_walk_scope(&w, &s), 1);
    assert_str(s.name, "sc");
    assert_int_equal(otlp_walk_span(&w, &sp), 1);
    assert_ids(&sp, 3);
    assert_str(sp.name, "x");
    assert_int_equal(sp.status_code, 1);
    assert_int_equal(otlp_walk_span(&w, &sp), 0);
    assert_int_equal(otlp_walk_resource(&w, &r), 0);
    assert_int_equal(otlp_count_spans(buf, req.len, &n), OTLP_OK);
    assert_int_equal(n, 1);
    free(buf);
}

/* Singular fields: last one wins; a second Status merges into the first. */
static void test_last_value_wins(void **state)
{
    static fx_wire span, st1, st2, req;
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    (void)state;
    fxw_span(&span, 2, "first");
    fxw_str(&span, 5, "second");
    fxw_str(&st1, 2, "a");
    fxw_uint(&st1, 3, 1);
    fxw_uint(&st2, 3, 2);
    fxw_msg(&span, 15, &st1);
    fxw_msg(&span, 15, &st2);
    fxw_wrap_span(&req, &span);
    otlp_walk_init(&w, req.buf, req.len);
    assert_int_equal(otlp_walk_resource(&w, &r), 1);
    assert_int_equal(otlp_walk_scope(&w, &s), 1);
    assert_int_equal(otlp_walk_span(&w, &sp), 1);
    assert_str(sp.name, "second");
    assert_str(sp.status_message, "a");
    assert_int_equal(sp.status_code, 2);
}

static int walk_wrapped(const fx_wire *span_body)
{
    static fx_wire req;
    size_t n;
    fxw_wrap_span(&req, span_body);
    uint8_t *buf = fx_exact_copy(req.buf, req.len);
    int rc = fx_deep_walk(buf, req.len, &n);
    free(buf);
    return rc;
}

static void test_wrong_wire_types(void **state)
{
    static fx_wire span, kv, attr;
    (void)state;
    span.len = 0;
    fxw_span(&span, 1, "ok");
    assert_int_equal(walk_wrapped(&span), OTLP_OK);
    fxw_uint(&span, 5, 1); /* name as a varint */
    assert_int_equal(walk_wrapped(&span), OTLP_EWIRETYPE);
    span.len = 0;
    fxw_span(&span, 1, "ok");
    fxw_uint(&span, 7, 1); /* start time as a varint instead of fixed64 */
    assert_int_equal(walk_wrapped(&span), OTLP_EWIRETYPE);
    span.len = 0;
    fxw_span(&span, 1, "ok");
    fxw_str(&kv, 1, "k");
    fxw_fixed32(&attr, 3, 1); /* int_value as fixed32 */
    fxw_msg(&kv, 2, &attr);
    fxw_msg(&span, 9, &kv);
    assert_int_equal(walk_wrapped(&span), OTLP_EWIRETYPE);

    static const uint8_t rs_as_varint[] = {0x08, 0x01};
    static const uint8_t ss_as_fixed[] = {0x0a, 0x05, 0x15, 1, 2, 3, 4};
    size_t n;
    assert_int_equal(otlp_count_spans(rs_as_varint, 2, &n), OTLP_EWIRETYPE);
    assert_int_equal(otlp_count_spans(ss_as_fixed, sizeof ss_as_fixed, &n), OTLP_EWIRETYPE);
    assert_int_equal(fx_deep_walk(ss_as_fixed, sizeof ss_as_fixed, &n), OTLP_EWIRETYPE);
}

static void test_errors_are_sticky(void **state)
{
    static const uint8_t bad[] = {0x0a, 0x7f}; /* length past the end */
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    (void)state;
    otlp_walk_init(&w, bad, sizeof bad);
    assert_int_equal(otlp_walk_resource(&w, &r), OTLP_EMALFORMED);
    assert_int_equal(otlp_walk_scope(&w, &s), OTLP_EMALFORMED);
    assert_int_equal(otlp_walk_resource(&w, &r), OTLP_EMALFORMED);
    assert_int_equal(otlp_walk_error(&w), OTLP_EMALFORMED);
    assert_string_equal(otlp_strerror(OTLP_EMALFORMED), "truncated or malformed protobuf");
}

/* Ends of the top-level fields: the only prefixes that are whole requests. */
static bool is_top_boundary(const uint8_t *buf, size_t len, size_t cut)
{
    pb_cursor c = pb_cursor_of(buf, len);
    uint32_t f;
    enum pb_wire_type wt;
    if (cut == 0)
        return true;
    while (pb_read_tag(&c, &f, &wt) && pb_skip(&c, wt))
        if ((size_t)(c.p - buf) == cut)
            return true;
    return false;
}

static void test_every_truncation(void **state)
{
    size_t len, full = 0;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *p = fx_exact_copy(buf, cut);
        size_t walked = 0, counted = 0;
        int rc = fx_deep_walk(p, cut, &walked);
        int crc = otlp_count_spans(p, cut, &counted);
        bool whole = is_top_boundary(buf, len, cut);
        assert_int_equal(rc == OTLP_OK, whole);
        assert_int_equal(crc == OTLP_OK, whole);
        if (whole)
            assert_int_equal(walked, counted);
        if (cut == len)
            full = walked;
        free(p);
    }
    assert_int_equal(full, FX_RICH_SPANS);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Random bytes and randomly damaged valid requests: results, never crashes. */
static void test_garbage(void **state)
{
    size_t len;
    (void)state;
    uint8_t *valid = fx_pack(fx_rich_request(), &len);
    if (len == 0) {
        fail_msg("empty reference request");
        return;
    }
    for (int round = 0; round < 4000; round++) {
        size_t n = round % 2 ? rng() % 600 : len;
        uint8_t *p = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)rng();
        if (round % 2 == 0) {
            memcpy(p, valid, len);
            for (int k = 0; k < 1 + round % 4; k++)
                p[rng() % len] = (uint8_t)rng();
        }
        size_t walked = 0, counted = 0;
        int rc = fx_deep_walk(p, n, &walked);
        int crc = otlp_count_spans(p, n, &counted);
        assert_true(rc <= OTLP_OK && rc >= OTLP_EDEPTH);
        if (rc == OTLP_OK) {
            assert_int_equal(crc, OTLP_OK); /* the walker reads a superset */
            assert_int_equal(walked, counted);
        }
        free(p);
    }
}

static void test_any_decode_direct(void **state)
{
    static const uint8_t dbl[] = {0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}; /* 1.0 */
    static const uint8_t last_wins[] = {0x0a, 0x01, 'a', 0x18, 0x05};
    static const uint8_t strindex[] = {0x40, 0x03};
    otlp_anyvalue v;
    (void)state;
    assert_int_equal(otlp_any_decode(dbl, sizeof dbl, &v), OTLP_OK);
    assert_int_equal(v.type, OTLP_ANY_DOUBLE);
    assert_true(v.number == 1.0);
    assert_int_equal(otlp_any_decode(last_wins, sizeof last_wins, &v), OTLP_OK);
    assert_int_equal(v.type, OTLP_ANY_INT);
    assert_int_equal(v.integer, 5);
    assert_int_equal(otlp_any_decode(strindex, sizeof strindex, &v), OTLP_OK);
    assert_int_equal(v.type, OTLP_ANY_STRINDEX);
    assert_int_equal(v.integer, 3);
    assert_int_equal(otlp_any_decode(dbl, sizeof dbl - 1, &v), OTLP_EMALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rich_request, teardown),
        cmocka_unit_test_teardown(test_second_resource_details, teardown),
        cmocka_unit_test_teardown(test_empty_and_scope_before_resource, teardown),
        cmocka_unit_test_teardown(test_unknown_fields_skipped, teardown),
        cmocka_unit_test_teardown(test_last_value_wins, teardown),
        cmocka_unit_test_teardown(test_wrong_wire_types, teardown),
        cmocka_unit_test_teardown(test_errors_are_sticky, teardown),
        cmocka_unit_test_teardown(test_every_truncation, teardown),
        cmocka_unit_test_teardown(test_garbage, teardown),
        cmocka_unit_test_teardown(test_any_decode_direct, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
