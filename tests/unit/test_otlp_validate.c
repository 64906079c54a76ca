/*
 * test_otlp_validate.c: whole-request validation (every failure class and
 * its message) and the strict UTF-8 validator behind it.
 */
#include "otlp_fixture.h"

#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/utf8.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int teardown(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

static int validate_bytes(const uint8_t *bytes, size_t len, otlp_verror *err, size_t *n)
{
    uint8_t *p = fx_exact_copy(bytes, len);
    int rc = otlp_validate_request(p, len, n, err);
    free(p);
    return rc;
}

static int validate(const fx_request *r, otlp_verror *err, size_t *n)
{
    size_t len;
    uint8_t *buf = fx_pack(r, &len);
    return validate_bytes(buf, len, err, n);
}

/* Validation fails with `status` and exactly the message `msg`. */
static void expect_failure(const fx_request *r, int status, const char *msg)
{
    otlp_verror err;
    size_t n = 12345;
    assert_int_equal(validate(r, &err, &n), status);
    assert_int_equal(err.status, status);
    assert_non_null(err.reason);
    assert_string_equal(err.msg, msg);
    assert_int_equal(n, 12345); /* untouched on failure */
}

static void expect_wire_failure(const fx_wire *w, int status, const char *msg)
{
    otlp_verror err;
    size_t n;
    assert_int_equal(validate_bytes(w->buf, w->len, &err, &n), status);
    assert_string_equal(err.msg, msg);
}

static fx_span *rich_span(fx_request *r, unsigned rs, unsigned ss, unsigned i)
{
    return r->resource_spans[rs]->scope_spans[ss]->spans[i];
}

static void test_valid_request(void **state)
{
    otlp_verror err;
    size_t n = 0;
    (void)state;
    memset(&err, 'x', sizeof err);
    assert_int_equal(validate(fx_rich_request(), &err, &n), OTLP_OK);
    assert_int_equal(n, FX_RICH_SPANS);
    assert_int_equal(err.status, OTLP_OK);
    assert_null(err.reason);
    assert_string_equal(err.msg, "");
    assert_int_equal(validate(fx_rich_request(), NULL, &n), OTLP_OK);
    assert_int_equal(otlp_validate_request(NULL, 0, &n, NULL), OTLP_OK);
    assert_int_equal(n, 0);
}

static void test_id_lengths(void **state)
{
    (void)state;
    fx_request *r = fx_rich_request();
    rich_span(r, 0, 1, 0)->trace_id.len = 15;
    expect_failure(r, OTLP_EINVALID, "span 3: trace_id must be 16 bytes");

    r = fx_rich_request();
    rich_span(r, 1, 0, 0)->span_id.len = 0; /* absent on the wire */
    expect_failure(r, OTLP_EINVALID, "span 5: span_id must be 8 bytes");

    r = fx_rich_request();
    rich_span(r, 2, 0, 1)->trace_id.len = 0;
    expect_failure(r, OTLP_EINVALID, "span 7: trace_id must be 16 bytes");

    r = fx_rich_request();
    rich_span(r, 0, 0, 1)->parent_span_id.len = 4;
    expect_failure(r, OTLP_EINVALID, "span 1: parent_span_id must be empty or 8 bytes");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->links[1]->trace_id.len = 8;
    expect_failure(r, OTLP_EINVALID, "span 0: links[1].trace_id must be 16 bytes");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->links[0]->span_id.len = 0;
    expect_failure(r, OTLP_EINVALID, "span 0: links[0].span_id must be 8 bytes");
}

/* The OTLP spec: an all-zero trace or span id is invalid (an all-zero
 * parent is left alone: empty is how a root says it has none). */
static void test_all_zero_ids(void **state)
{
    (void)state;
    fx_request *r = fx_rich_request();
    fx_span *s = rich_span(r, 0, 1, 0);
    memset(s->trace_id.data, 0, s->trace_id.len);
    expect_failure(r, OTLP_EINVALID, "span 3: trace_id must not be all zeros");

    r = fx_rich_request();
    s = rich_span(r, 1, 0, 0);
    memset(s->span_id.data, 0, s->span_id.len);
    expect_failure(r, OTLP_EINVALID, "span 5: span_id must not be all zeros");

    r = fx_rich_request();
    s = rich_span(r, 0, 0, 0);
    memset(s->links[1]->trace_id.data, 0, s->links[1]->trace_id.len);
    expect_failure(r, OTLP_EINVALID, "span 0: links[1].trace_id must not be all zeros");
}

static char bad_utf8[] = "ok\xed\xa0\x80"; /* a UTF-16 surrogate */

static void test_utf8_in_span_fields(void **state)
{
    (void)state;
    fx_request *r = fx_rich_request();
    rich_span(r, 0, 0, 2)->name = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "span 2: name is not valid UTF-8");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->trace_state = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "span 0: trace_state is not valid UTF-8");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->status->message = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "span 0: status.message is not valid UTF-8");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->events[1]->name = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "span 0: events[1].name is not valid UTF-8");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->links[1]->attributes[0]->key = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "span 0: links[1].attributes[0].key is not valid UTF-8");

    r = fx_rich_request();
    rich_span(r, 0, 0, 0)->attributes[0]->value->string_value = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "span 0: attributes[0].value.string_value is not valid UTF-8");
}

static void test_utf8_in_nested_values(void **state)
{
    (void)state;
    fx_request *r = fx_rich_request();
    fx_any *list = rich_span(r, 0, 0, 0)->attributes[5]->value;
    list->array_value->values[1]->string_value = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "span 0: attributes[5].value.array_value.values[1].string_value is not "
                   "valid UTF-8");

    r = fx_rich_request();
    fx_any *map = rich_span(r, 0, 0, 0)->attributes[6]->value;
    map->kvlist_value->values[0]->value->kvlist_value->values[0]->key = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "span 0: attributes[6].value.kvlist_value.values[0].value.kvlist_value."
                   "values[0].key is not valid UTF-8");
}

static void test_utf8_outside_spans(void **state)
{
    (void)state;
    fx_request *r = fx_rich_request();
    r->resource_spans[1]->resource->attributes[1]->key = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "resource_spans[1].resource.attributes[1].key is not valid UTF-8");

    r = fx_rich_request();
    r->resource_spans[0]->schema_url = bad_utf8;
    expect_failure(r, OTLP_EINVALID, "resource_spans[0].schema_url is not valid UTF-8");

    r = fx_rich_request();
    r->resource_spans[2]->scope_spans[0]->scope->name = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "resource_spans[2].scope_spans[0].scope.name is not valid UTF-8");

    r = fx_rich_request();
    r->resource_spans[0]->scope_spans[0]->scope->version = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "resource_spans[0].scope_spans[0].scope.version is not valid UTF-8");

    r = fx_rich_request();
    r->resource_spans[0]->scope_spans[0]->schema_url = bad_utf8;
    expect_failure(r, OTLP_EINVALID,
                   "resource_spans[0].scope_spans[0].schema_url is not valid UTF-8");

    r = fx_rich_request();
    Opentelemetry__Proto__Common__V1__EntityRef ref;
    char *ids[2] = {"service.name", bad_utf8};
    opentelemetry__proto__common__v1__entity_ref__init(&ref);
    ref.type = "service";
    ref.n_id_keys = 2;
    ref.id_keys = ids;
    Opentelemetry__Proto__Common__V1__EntityRef *refs[1] = {&ref};
    r->resource_spans[0]->resource->n_entity_refs = 1;
    r->resource_spans[0]->resource->entity_refs = refs;
    expect_failure(r, OTLP_EINVALID,
                   "resource_spans[0].resource.entity_refs[0].id_keys[1] is not valid UTF-8");
}

/* An attribute value made of `levels` nested AnyValues (arrays of one). */
static fx_request *nested_request(unsigned levels)
{
    fx_request *r = fx_rich_request();
    fx_any *v = fx_int(1);
    for (unsigned i = 1; i < levels; i++)
        v = fx_array(1, &v);
    rich_span(r, 0, 1, 1)->n_attributes = 1;
    rich_span(r, 0, 1, 1)->attributes = fx_alloc(sizeof(fx_kv *));
    rich_span(r, 0, 1, 1)->attributes[0] = fx_kv_new("deep", v);
    return r;
}

static void test_nesting_depth(void **state)
{
    otlp_verror err;
    size_t n;
    (void)state;
    assert_int_equal(validate(nested_request(OTLP_MAX_DEPTH), &err, &n), OTLP_OK);
    assert_int_equal(n, FX_RICH_SPANS);
    assert_int_equal(validate(nested_request(OTLP_MAX_DEPTH + 1), &err, &n), OTLP_EDEPTH);
    size_t len = strlen(err.msg);
    const char *tail = "values[0] is nested deeper than 64 levels";
    assert_true(len < sizeof err.msg);
    assert_memory_equal(err.msg, "...", 3); /* the path is too long to show whole */
    assert_string_equal(err.msg + len - strlen(tail), tail);
    /* Well past the limit, the first offending level is still the one reported. */
    assert_int_equal(validate(nested_request(500), &err, &n), OTLP_EDEPTH);
}

static void test_structure_errors(void **state)
{
    static fx_wire span, kv, req, scope, ss, rs;
    static const uint8_t zero_tag[] = {0x00};
    (void)state;
    fxw_span(&span, 1, "n");
    fxw_uint(&span, 5, 7);
    fxw_wrap_span(&req, &span);
    expect_wire_failure(&req, OTLP_EWIRETYPE, "span 0: name has the wrong wire type");

    span.len = 0;
    fxw_span(&span, 1, "n");
    fxw_raw(&kv, "\x0a\x05" "a", 3); /* key claims 5 bytes, has 1 */
    fxw_msg(&span, 9, &kv);
    fxw_wrap_span(&req, &span);
    expect_wire_failure(&req, OTLP_EMALFORMED,
                        "span 0: attributes[0].key is truncated or malformed");

    span.len = 0;
    fxw_span(&span, 1, "n");
    fxw_raw(&span, "\x00", 1);
    fxw_wrap_span(&req, &span);
    expect_wire_failure(&req, OTLP_EMALFORMED, "span 0 has a malformed field tag");

    req.len = 0;
    fxw_raw(&req, zero_tag, 1);
    expect_wire_failure(&req, OTLP_EMALFORMED, "request has a malformed field tag");

    fxw_str(&scope, 1, "s");
    fxw_raw(&scope, "\x3a\x09xy", 4); /* unknown field 7 claims 9 bytes */
    fxw_msg(&ss, 1, &scope);
    fxw_msg(&rs, 2, &ss);
    req.len = 0;
    fxw_msg(&req, 1, &rs);
    expect_wire_failure(&req, OTLP_EMALFORMED,
                        "resource_spans[0].scope_spans[0].scope has a truncated unknown field");

    rs.len = 0;
    fxw_uint(&rs, 2, 1);
    req.len = 0;
    fxw_msg(&req, 1, &rs);
    expect_wire_failure(&req, OTLP_EWIRETYPE,
                        "resource_spans[0].scope_spans[0] has the wrong wire type");
}

static void test_truncated_request(void **state)
{
    otlp_verror err;
    size_t len, n;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    assert_int_equal(validate_bytes(buf, len - 1, &err, &n), OTLP_EMALFORMED);
    assert_string_equal(err.msg, "resource_spans[2] is truncated or malformed");
}

static void test_unknown_fields_accepted(void **state)
{
    static fx_wire span, req;
    size_t n = 0;
    (void)state;
    fxw_span(&span, 1, "n");
    fxw_uint(&span, 17, 1);
    fxw_fixed32(&span, 99, 1);
    fxw_str(&span, 1000, "\xff"); /* unknown: its bytes are not checked */
    fxw_wrap_span(&req, &span);
    fxw_fixed64(&req, 2, 9);
    assert_int_equal(validate_bytes(req.buf, req.len, NULL, &n), OTLP_OK);
    assert_int_equal(n, 1);
}

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
    size_t len;
    otlp_verror err;
    (void)state;
    uint8_t *buf = fx_pack(fx_rich_request(), &len);
    for (size_t cut = 0; cut <= len; cut++) {
        size_t n = 0, counted = 0;
        int rc = validate_bytes(buf, cut, &err, &n);
        assert_int_equal(rc == OTLP_OK, is_top_boundary(buf, len, cut));
        if (rc == OTLP_OK) {
            assert_int_equal(otlp_count_spans(buf, cut, &counted), OTLP_OK);
            assert_int_equal(n, counted);
        } else {
            assert_true(strlen(err.msg) > 0);
        }
    }
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_garbage(void **state)
{
    size_t len, accepted = 0;
    (void)state;
    uint8_t *valid = fx_pack(fx_rich_request(), &len);
    if (len == 0) {
        fail_msg("empty reference request");
        return;
    }
    for (int round = 0; round < 4000; round++) {
        size_t n = round % 2 ? rng() % 600 : len;
        uint8_t *p = malloc(n ? n : 1);
        otlp_verror err;
        size_t spans = 0, walked = 0;
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)rng();
        if (round % 2 == 0) {
            memcpy(p, valid, len);
            for (int k = 0; k < 1 + round % 3; k++)
                p[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
        }
        int rc = otlp_validate_request(p, n, &spans, &err);
        if (rc == OTLP_OK) {
            accepted++;
            /* What validation accepts, the walker reads to the end. */
            assert_int_equal(fx_deep_walk(p, n, &walked), OTLP_OK);
            assert_int_equal(walked, spans);
        } else {
            assert_true(err.msg[0] != '\0' && strlen(err.msg) < sizeof err.msg);
        }
        free(p);
    }
    assert_true(accepted > 0); /* some bit flips land in harmless places */
}

/* A span with one attribute, key "k", whose KeyValue body is kv. */
static void attr_request(fx_wire *req, const fx_wire *kv)
{
    static fx_wire span;
    span.len = 0;
    fxw_span(&span, 1, "n");
    fxw_msg(&span, 9, kv);
    req->len = 0;
    fxw_wrap_span(req, &span);
}

/* KeyValue{key: "k", value: AnyValue{kvlist{KeyValue{...}}}} nested so
 * that the innermost AnyValue (a string) is `levels` deep. */
static void nested_kv(fx_wire *kv, int levels, const char *leaf)
{
    static fx_wire any, list, inner;
    inner.len = 0;
    fxw_str(&inner, 1, "k");
    any.len = 0;
    fxw_str(&any, 1, leaf);
    fxw_msg(&inner, 2, &any);
    for (int i = 1; i < levels; i++) {
        list.len = 0;
        fxw_msg(&list, 1, &inner); /* KeyValueList.values */
        any.len = 0;
        fxw_msg(&any, 6, &list); /* AnyValue.kvlist_value */
        inner.len = 0;
        fxw_str(&inner, 1, "k");
        fxw_msg(&inner, 2, &any);
    }
    *kv = inner;
}

/* Attributes take a fast path; every shape it does not know, and every
 * flaw, goes through the tables with the same verdict and message. */
static void test_attribute_shapes(void **state)
{
    static fx_wire kv, any, req;
    otlp_verror err;
    size_t n;
    (void)state;
    /* Scalars of every kind, the oneof repeated, key_strindex: accepted. */
    any.len = 0;
    fxw_str(&any, 1, "s");
    fxw_uint(&any, 2, 1);
    fxw_uint(&any, 3, 42);
    fxw_fixed64(&any, 4, 0x4045000000000000ull);
    fxw_bytes(&any, 7, "\xff\x00", 2); /* bytes need not be UTF-8 */
    fxw_uint(&any, 8, 3);
    kv.len = 0;
    fxw_str(&kv, 1, "k");
    fxw_msg(&kv, 2, &any);
    fxw_uint(&kv, 3, 5);
    fxw_bytes(&kv, 15, "?", 1); /* unknown field: skipped */
    attr_request(&req, &kv);
    assert_int_equal(validate_bytes(req.buf, req.len, &err, &n), OTLP_OK);
    assert_int_equal(n, 1);

    /* Bad UTF-8 in a key and in a value: named precisely. */
    kv.len = 0;
    fxw_str(&kv, 1, "\xc3(");
    attr_request(&req, &kv);
    expect_wire_failure(&req, OTLP_EINVALID, "span 0: attributes[0].key is not valid UTF-8");
    any.len = 0;
    fxw_str(&any, 1, "ok");
    fxw_str(&any, 1, "\xed\xa0\x80");
    kv.len = 0;
    fxw_str(&kv, 1, "k");
    fxw_msg(&kv, 2, &any);
    attr_request(&req, &kv);
    expect_wire_failure(&req, OTLP_EINVALID,
                        "span 0: attributes[0].value.string_value is not valid UTF-8");
    /* A scalar of the wrong wire type. */
    any.len = 0;
    fxw_fixed32(&any, 3, 1);
    kv.len = 0;
    fxw_msg(&kv, 2, &any);
    attr_request(&req, &kv);
    expect_wire_failure(&req, OTLP_EWIRETYPE,
                        "span 0: attributes[0].value.int_value has the wrong wire type");

    /* Nesting: a scalar at the deepest level allowed passes, one deeper
     * does not, whichever path reaches it. */
    nested_kv(&kv, OTLP_MAX_DEPTH, "leaf");
    attr_request(&req, &kv);
    assert_int_equal(validate_bytes(req.buf, req.len, &err, &n), OTLP_OK);
    nested_kv(&kv, OTLP_MAX_DEPTH + 1, "leaf");
    attr_request(&req, &kv);
    assert_int_equal(validate_bytes(req.buf, req.len, &err, &n), OTLP_EDEPTH);
    nested_kv(&kv, 3, "\xff");
    attr_request(&req, &kv);
    expect_wire_failure(&req, OTLP_EINVALID,
                        "span 0: attributes[0].value.kvlist_value.values[0].value."
                        "kvlist_value.values[0].value.string_value is not valid UTF-8");
}

/* request{resource_spans{scope_spans{spans[0..n)}}} */
static void wrap_spans(fx_wire *req, fx_wire *const *spans, size_t n)
{
    static fx_wire ss, rs;
    ss.len = rs.len = req->len = 0;
    for (size_t i = 0; i < n; i++)
        fxw_msg(&ss, 2, spans[i]);
    fxw_msg(&rs, 2, &ss);
    fxw_msg(req, 1, &rs);
}

/* Plain spans take a fast path; spans with events, links or anything
 * unusual take the tables; verdicts, messages and span numbers agree. */
static void test_span_shapes(void **state)
{
    static fx_wire plain, with_event, odd_status, ev, st, kv, any, bad, req;
    otlp_verror err;
    size_t n = 0;
    (void)state;
    plain.len = 0;
    fxw_span(&plain, 1, "plain");
    fxw_uint(&plain, 6, 2);                /* kind */
    fxw_fixed64(&plain, 7, 1000);           /* start */
    fxw_fixed64(&plain, 8, 2000);           /* end */
    fxw_str(&plain, 3, "rojo=00f067aa0ba902b7");
    any.len = kv.len = 0;
    fxw_str(&any, 1, "GET");
    fxw_str(&kv, 1, "http.method");
    fxw_msg(&kv, 2, &any);
    fxw_msg(&plain, 9, &kv);
    st.len = 0;
    fxw_str(&st, 2, "fine");
    fxw_uint(&st, 3, 1);
    fxw_msg(&plain, 15, &st);
    fxw_fixed32(&plain, 16, 1);
    with_event.len = ev.len = 0;
    fxw_span(&with_event, 2, "with event");
    fxw_str(&ev, 2, "exception");
    fxw_msg(&with_event, 11, &ev);
    odd_status.len = st.len = 0;
    fxw_span(&odd_status, 3, "odd status");
    fxw_uint(&st, 9, 1); /* unknown in Status: skipped */
    fxw_msg(&odd_status, 15, &st);
    fx_wire *three[] = {&plain, &with_event, &odd_status};
    wrap_spans(&req, three, 3);
    assert_int_equal(validate_bytes(req.buf, req.len, &err, &n), OTLP_OK);
    assert_int_equal(n, 3);

    /* A flaw after fast spans is numbered as before. */
    bad.len = 0;
    fxw_span(&bad, 4, "\xc0\xaf");
    fx_wire *then_bad[] = {&plain, &plain, &bad};
    wrap_spans(&req, then_bad, 3);
    expect_wire_failure(&req, OTLP_EINVALID, "span 2: name is not valid UTF-8");
    bad.len = 0;
    fxw_span(&bad, 4, "n");
    fxw_str(&bad, 6, "x"); /* kind as a string */
    wrap_spans(&req, then_bad, 3);
    expect_wire_failure(&req, OTLP_EWIRETYPE, "span 2: kind has the wrong wire type");
    bad.len = st.len = 0;
    fxw_span(&bad, 4, "n");
    fxw_str(&st, 2, "\xed\xa0\x80");
    fxw_msg(&bad, 15, &st);
    wrap_spans(&req, then_bad, 3);
    expect_wire_failure(&req, OTLP_EINVALID, "span 2: status.message is not valid UTF-8");
    bad.len = 0;
    fxw_str(&bad, 5, "no ids");
    wrap_spans(&req, then_bad, 3);
    assert_int_equal(validate_bytes(req.buf, req.len, &err, &n), OTLP_EINVALID);
    assert_non_null(strstr(err.msg, "span 2"));
    assert_non_null(strstr(err.msg, "trace_id"));
}

static void test_utf8_valid(void **state)
{
    static const char *const good[] = {
        "", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xef\xbf\xbf",
        "\xee\x80\x80",                       /* U+E000, just past the surrogates */
        "\xed\x9f\xbf",                       /* U+D7FF, just before them */
        "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", /* U+10000, U+10FFFF */
        "0123456789abcdef\xc2\x80tail of text",
    };
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(otlp_utf8_valid(good[i], strlen(good[i])));
    assert_true(otlp_utf8_valid(NULL, 0));
    assert_true(otlp_utf8_valid("a\0b", 3)); /* NUL is a valid code point */
}

static void test_utf8_invalid(void **state)
{
    static const char *const bad[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf",           /* stray, 2-byte overlong */
        "\xe0\x80\xaf", "\xe0\x9f\xbf",                   /* 3-byte overlong */
        "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",           /* 4-byte overlong */
        "\xed\xa0\x80", "\xed\xbf\xbf",                   /* surrogates */
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",   /* past U+10FFFF */
        "\xc3", "\xe2\x82", "\xf0\x90\x80",               /* cut short */
        "\xe2\x28\xa1", "\xc3\x28",                       /* bad continuation */
    };
    char text[40];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(otlp_utf8_valid(bad[i], strlen(bad[i])));
    /* A bad byte at every position of every length: the ASCII pass reads
     * words, pairs of words and an overlapping tail. */
    for (size_t len = 1; len <= sizeof text; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(text, 'a', sizeof text);
            text[at] = (char)0xfe;
            assert_false(otlp_utf8_valid(text, len));
            text[at] = (char)0xc3; /* a lead byte needs its continuation */
            assert_int_equal(otlp_utf8_valid(text, len), false);
            if (at + 1 < len) {
                text[at + 1] = (char)0xa9;
                assert_true(otlp_utf8_valid(text, len));
            }
            text[at] = 'b';
            text[at + 1 < len ? at + 1 : at] = 'c';
            assert_true(otlp_utf8_valid(text, len));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_valid_request, teardown),
        cmocka_unit_test_teardown(test_id_lengths, teardown),
        cmocka_unit_test_teardown(test_all_zero_ids, teardown),
        cmocka_unit_test_teardown(test_utf8_in_span_fields, teardown),
        cmocka_unit_test_teardown(test_utf8_in_nested_values, teardown),
        cmocka_unit_test_teardown(test_utf8_outside_spans, teardown),
        cmocka_unit_test_teardown(test_nesting_depth, teardown),
        cmocka_unit_test_teardown(test_structure_errors, teardown),
        cmocka_unit_test_teardown(test_truncated_request, teardown),
        cmocka_unit_test_teardown(test_unknown_fields_accepted, teardown),
        cmocka_unit_test_teardown(test_every_truncation, teardown),
        cmocka_unit_test_teardown(test_garbage, teardown),
        cmocka_unit_test_teardown(test_attribute_shapes, teardown),
        cmocka_unit_test_teardown(test_span_shapes, teardown),
        cmocka_unit_test_teardown(test_utf8_valid, teardown),
        cmocka_unit_test_teardown(test_utf8_invalid, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
