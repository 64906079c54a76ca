/*
 * test_otlp_edit.c: the SDK's OTLP editor. Pass-through must give the
 * input's bytes back; every edit is checked by decoding the output with
 * protobuf-c and comparing it with the fixture request changed the same
 * way through protobuf-c's own structures (both packed by protobuf-c).
 */
#include "otlp_fixture.h"

#include <otelc/sdk/otlp_edit.h>
#include <otelc/sdk/otlp_validate.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define STATUS_OK OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK
#define STATUS_ERROR OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR

typedef Opentelemetry__Proto__Trace__V1__Status fx_status;

static int teardown(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

/* ---- helpers ---- */

static uint8_t *packed_copy(const fx_request *r, size_t *len)
{
    const uint8_t *p = fx_pack(r, len);
    return fx_exact_copy(p, *len);
}

static bool span_named(const otlp_span *sp, const char *name)
{
    return sp->name.len == strlen(name) && memcmp(sp->name.ptr, name, sp->name.len) == 0;
}

/* Runs the editor and returns the output (malloc'ed), checking that it
 * validates and holds `spans` spans. */
static uint8_t *edit(const uint8_t *buf, size_t len, const otlp_edit_fns *fns, void *arg,
                     size_t *out_len, size_t want_spans)
{
    otlp_editor *ed = otlp_editor_new();
    uint8_t *out = NULL;
    size_t spans = 99, checked = 98;
    assert_non_null(ed);
    assert_int_equal(otlp_edit_run(ed, buf, len, fns, arg, &spans), OTLP_OK);
    assert_int_equal(spans, want_spans);
    assert_int_equal(otlp_edit_take(ed, &out, out_len), OTLP_OK);
    assert_non_null(out);
    otlp_editor_free(ed);
    assert_int_equal(otlp_validate_request(out, *out_len, &checked, NULL), OTLP_OK);
    assert_int_equal(checked, want_spans);
    return out;
}

/* The output, decoded by protobuf-c and packed again, equals `want`. */
static void assert_output(const uint8_t *out, size_t len, const fx_request *want)
{
    size_t want_len, got_len;
    const uint8_t *want_bytes = fx_pack(want, &want_len);
    fx_request *got =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, len, out);
    assert_non_null(got);
    const uint8_t *got_bytes = fx_pack(got, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got_bytes, want_bytes, want_len);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        got, NULL);
}

/* Edits the rich request with fns and compares with `want`. */
static void check_rich_edit(const otlp_edit_fns *fns, const fx_request *want, size_t spans)
{
    size_t len, out_len;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    uint8_t *out = edit(in, len, fns, NULL, &out_len, spans);
    assert_output(out, out_len, want);
    free(out);
    free(in);
}

static void kv_append(size_t *n, fx_kv ***list, fx_kv *kv)
{
    fx_kv **grown = fx_alloc((*n + 1) * sizeof(fx_kv *));
    if (*n)
        memcpy(grown, *list, *n * sizeof(fx_kv *));
    grown[(*n)++] = kv;
    *list = grown;
}

static void kv_remove(size_t *n, fx_kv **list, size_t i)
{
    memmove(list + i, list + i + 1, (*n - i - 1) * sizeof(fx_kv *));
    --*n;
}

/* ---- pass-through ---- */

static int visit_nothing(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg, (void)ed, (void)sp;
    return 0;
}

static void assert_identity(const uint8_t *in, size_t len, const otlp_edit_fns *fns,
                            size_t spans)
{
    size_t out_len;
    uint8_t *out = edit(in, len, fns, NULL, &out_len, spans);
    assert_int_equal(out_len, len);
    if (len)
        assert_memory_equal(out, in, len);
    free(out);
}

static void test_pass_through_is_identical(void **state)
{
    static const otlp_edit_fns none = {0}, spans = {.span = visit_nothing};
    size_t len;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    assert_identity(in, len, &none, FX_RICH_SPANS);
    assert_identity(in, len, &spans, FX_RICH_SPANS);
    free(in);
    in = packed_copy(fx_request_new(0), &len);
    assert_int_equal(len, 0);
    assert_identity(in, len, &spans, 0);
    free(in);
}

/* Leaving a level early copies the rest of it as it was. */
static void test_partial_visit_is_identical(void **state)
{
    otlp_editor *ed = otlp_editor_new();
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t len, out_len, spans;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    otlp_edit_begin(ed, in, len);
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_scope(ed, &s), 1);
    assert_int_equal(otlp_edit_span(ed, &sp), 1);
    assert_true(span_named(&sp, "span-0"));
    assert_int_equal(otlp_edit_resource(ed, &r), 1); /* leaves spans 1..4 unvisited */
    assert_int_equal(otlp_edit_finish(ed, &spans), OTLP_OK);
    assert_int_equal(spans, FX_RICH_SPANS);
    const uint8_t *out = otlp_edit_output(ed, &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, in, len);
    otlp_editor_free(ed);
    free(in);
}

/* Unknown fields at every level, interleaved, stay where they were. */
static void unknown_request(fx_wire *req)
{
    static fx_wire span, kv, val, res, scope, ss, rs;
    span.len = kv.len = val.len = res.len = scope.len = ss.len = rs.len = 0;
    fxw_str(&val, 1, "v");
    fxw_uint(&val, 90, 1);
    fxw_str(&kv, 1, "k");
    fxw_msg(&kv, 2, &val);
    fxw_uint(&kv, 91, 2);
    fxw_span(&span, 1, "s");
    fxw_uint(&span, 92, 3);
    fxw_msg(&span, 9, &kv);
    fxw_fixed32(&span, 93, 4);
    fxw_msg(&res, 1, &kv);
    fxw_uint(&res, 94, 5);
    fxw_str(&scope, 1, "sc");
    fxw_uint(&scope, 95, 6);
    fxw_uint(&ss, 96, 7);
    fxw_msg(&ss, 1, &scope);
    fxw_msg(&ss, 2, &span);
    fxw_str(&ss, 3, "url");
    fxw_msg(&rs, 1, &res);
    fxw_uint(&rs, 97, 8);
    fxw_msg(&rs, 2, &ss);
    req->len = 0;
    fxw_fixed64(req, 98, 9);
    fxw_msg(req, 1, &rs);
    fxw_uint(req, 99, 10);
}

static size_t count_bytes(const uint8_t *p, size_t len, const uint8_t *needle, size_t n)
{
    size_t found = 0;
    for (size_t i = 0; i + n <= len; i++)
        found += memcmp(p + i, needle, n) == 0;
    return found;
}

static int touch_everything(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_anyvalue v = otlp_any_string("x");
    (void)arg, (void)sp;
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "k", 1, &v, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "n", 1, &v, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "r", 1, &v, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SCOPE, "s", 1, &v, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_span_name(ed, "renamed", 7), 1);
    return 0;
}

static void test_unknown_fields_kept(void **state)
{
    static fx_wire req;
    static const otlp_edit_fns none = {0}, fns = {.span = touch_everything};
    /* Tag (2 bytes) and first value byte of the unknown fields 90..99. */
    static const uint8_t kept[][3] = {
        {0xd0, 0x05, 1}, {0xd8, 0x05, 2}, {0xe0, 0x05, 3}, {0xed, 0x05, 4}, {0xf0, 0x05, 5},
        {0xf8, 0x05, 6}, {0x80, 0x06, 7}, {0x88, 0x06, 8}, {0x91, 0x06, 9}, {0x98, 0x06, 10}};
    size_t out_len;
    (void)state;
    unknown_request(&req);
    assert_identity(req.buf, req.len, &none, 1);
    assert_identity(req.buf, req.len, &(otlp_edit_fns){.span = visit_nothing}, 1);
    uint8_t *out = edit(req.buf, req.len, &fns, NULL, &out_len, 1);
    /* Each once: the span's KeyValue "k" got a new value and was written
     * anew (without its unknown fields 90 and 91); the resource's copy of
     * it was not changed and keeps them. */
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_int_equal(count_bytes(out, out_len, kept[i], 3), 1);
    free(out);
}

/* ---- span attributes ---- */

static int span0_attr_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_anyvalue post = otlp_any_string("POST"), five = otlp_any_int(5);
    otlp_anyvalue yes = otlp_any_bool(true), half = otlp_any_double(1.5);
    (void)arg;
    if (!span_named(sp, "span-0"))
        return 0;
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "http.method", 11, &post,
                                        OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "new", 3, &five, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "ok", 2, &five, OTLP_ATTR_INSERT), 0);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "fresh", 5, &yes, OTLP_ATTR_INSERT), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "nope", 4, &yes, OTLP_ATTR_UPDATE), 0);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "retries", 7, &half,
                                        OTLP_ATTR_UPDATE), 1);
    assert_int_equal(otlp_edit_attr_delete(ed, OTLP_EDIT_SPAN, "blob", 4), 1);
    assert_int_equal(otlp_edit_attr_delete(ed, OTLP_EDIT_SPAN, "blob", 4), 0);
    assert_int_equal(otlp_edit_attr_rename(ed, OTLP_EDIT_SPAN, "ratio", 5, "ratio2", 6), 1);
    assert_int_equal(otlp_edit_attr_rename(ed, OTLP_EDIT_SPAN, "list", 4, "map", 3), 1);
    assert_int_equal(otlp_edit_attr_rename(ed, OTLP_EDIT_SPAN, "gone", 4, "x", 1), 0);
    /* Edits see each other: the key added above can be renamed. */
    assert_int_equal(otlp_edit_attr_rename(ed, OTLP_EDIT_SPAN, "new", 3, "newer", 5), 1);
    return 0;
}

static void test_span_attribute_ops(void **state)
{
    static const otlp_edit_fns fns = {.span = span0_attr_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s = want->resource_spans[0]->scope_spans[0]->spans[0];
    /* http.method ok retries ratio blob list map empty */
    s->attributes[0]->value = fx_str("POST");
    s->attributes[2]->value = fx_double(1.5);
    s->attributes[3]->key = "ratio2";
    kv_remove(&s->n_attributes, s->attributes, 5); /* list: map is taken */
    kv_remove(&s->n_attributes, s->attributes, 4); /* blob */
    kv_append(&s->n_attributes, &s->attributes, fx_kv_new("newer", fx_int(5)));
    kv_append(&s->n_attributes, &s->attributes, fx_kv_new("fresh", fx_bool(true)));
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* The current list shows earlier edits, and a value read from it can be
 * put back into the same list (appended: the list's buffer may move). */
static int span0_read_back(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_anyvalue five = otlp_any_int(5), v;
    otlp_list cur;
    (void)arg;
    if (!span_named(sp, "span-0"))
        return 0;
    assert_int_equal(otlp_edit_attrs(ed, OTLP_EDIT_SPAN, &cur), OTLP_OK);
    assert_memory_equal(&cur, &sp->attrs, sizeof cur); /* nothing changed yet */
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "new", 3, &five, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attrs(ed, OTLP_EDIT_SPAN, &cur), OTLP_OK);
    assert_int_equal(otlp_attr_find(&cur, "new", 3, &v), 1);
    assert_int_equal(v.integer, 5);
    assert_int_equal(otlp_attr_find(&cur, "http.method", 11, &v), 1);
    assert_int_equal(
        otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "method.copy", 11, &v, OTLP_ATTR_INSERT), 1);
    assert_int_equal(otlp_edit_attrs(ed, OTLP_EDIT_SPAN, &cur), OTLP_OK);
    assert_int_equal(otlp_attr_find(&cur, "list", 4, &v), 1);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "ok", 2, &v, OTLP_ATTR_UPDATE), 1);
    return 0;
}

static void test_read_back_current(void **state)
{
    static const otlp_edit_fns fns = {.span = span0_read_back};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s = want->resource_spans[0]->scope_spans[0]->spans[0];
    s->attributes[1]->value = s->attributes[5]->value;
    kv_append(&s->n_attributes, &s->attributes, fx_kv_new("new", fx_int(5)));
    kv_append(&s->n_attributes, &s->attributes, fx_kv_new("method.copy", fx_str("GET")));
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* A value the walker hands out (here a kvlist) can be put elsewhere as it is. */
static int copy_map_to_span1(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    static otlp_anyvalue map;
    (void)arg;
    if (span_named(sp, "span-0"))
        assert_int_equal(otlp_span_attr(sp, "map", 3, &map), 1);
    if (span_named(sp, "span-1"))
        assert_int_equal(
            otlp_edit_attr_put(ed, OTLP_EDIT_SPAN, "copy", 4, &map, OTLP_ATTR_UPSERT), 1);
    return 0;
}

static void test_walker_value_copied(void **state)
{
    static const otlp_edit_fns fns = {.span = copy_map_to_span1};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s0 = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_span *s1 = want->resource_spans[0]->scope_spans[0]->spans[1];
    kv_append(&s1->n_attributes, &s1->attributes, fx_kv_new("copy", s0->attributes[6]->value));
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* ---- resource and scope attributes ---- */

static int resource_ops(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    otlp_anyvalue prod = otlp_any_string("prod");
    (void)arg, (void)r;
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "env", 3, &prod,
                                        OTLP_ATTR_INSERT), 1);
    assert_int_equal(otlp_edit_attr_delete(ed, OTLP_EDIT_RESOURCE, "host.name", 9),
                     r->attrs.range.len ? 1 : 0);
    return 0;
}

static int scope_ops(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    otlp_anyvalue one = otlp_any_int(1);
    (void)arg, (void)s;
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SCOPE, "scope.n", 7, &one,
                                        OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_attr_rename(ed, OTLP_EDIT_SCOPE, "scope.flag", 10, "flag", 4),
                     s->attrs.range.len ? 1 : 0);
    return 0;
}

static fx_resource *want_resource(fx_resource *r)
{
    if (!r) {
        r = fx_alloc(sizeof *r);
        opentelemetry__proto__resource__v1__resource__init(r);
    }
    for (size_t i = 0; i < r->n_attributes; i++)
        if (strcmp(r->attributes[i]->key, "host.name") == 0)
            kv_remove(&r->n_attributes, r->attributes, i);
    kv_append(&r->n_attributes, &r->attributes, fx_kv_new("env", fx_str("prod")));
    return r;
}

static fx_scope *want_scope(fx_scope *s)
{
    if (!s) {
        s = fx_alloc(sizeof *s);
        opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    }
    if (s->n_attributes)
        s->attributes[0]->key = "flag";
    kv_append(&s->n_attributes, &s->attributes, fx_kv_new("scope.n", fx_int(1)));
    return s;
}

/* Resources and scopes absent from the input are created for their edits. */
static void test_resource_and_scope_attributes(void **state)
{
    static const otlp_edit_fns fns = {.resource = resource_ops, .scope = scope_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    for (size_t i = 0; i < want->n_resource_spans; i++) {
        fx_rs *rs = want->resource_spans[i];
        rs->resource = want_resource(rs->resource);
        for (size_t j = 0; j < rs->n_scope_spans; j++)
            rs->scope_spans[j]->scope = want_scope(rs->scope_spans[j]->scope);
    }
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* Resource edits after its spans were written: the header is redone. */
static int late_resource_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_anyvalue v = otlp_any_string("late");
    (void)arg;
    if (span_named(sp, "span-4") || span_named(sp, "span-7")) {
        assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "late", 4, &v,
                                            OTLP_ATTR_UPSERT), 1);
        assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SCOPE, "late", 4, &v,
                                            OTLP_ATTR_UPSERT), 1);
    }
    return 0;
}

static void test_late_header_edits(void **state)
{
    static const otlp_edit_fns fns = {.span = late_resource_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_resource *r0 = want->resource_spans[0]->resource;
    fx_rs *rs2 = want->resource_spans[2];
    kv_append(&r0->n_attributes, &r0->attributes, fx_kv_new("late", fx_str("late")));
    rs2->resource = fx_alloc(sizeof *rs2->resource);
    opentelemetry__proto__resource__v1__resource__init(rs2->resource);
    kv_append(&rs2->resource->n_attributes, &rs2->resource->attributes,
              fx_kv_new("late", fx_str("late")));
    fx_scope *s01 = fx_alloc(sizeof *s01), *s20 = rs2->scope_spans[0]->scope;
    opentelemetry__proto__common__v1__instrumentation_scope__init(s01);
    kv_append(&s01->n_attributes, &s01->attributes, fx_kv_new("late", fx_str("late")));
    want->resource_spans[0]->scope_spans[1]->scope = s01;
    kv_append(&s20->n_attributes, &s20->attributes, fx_kv_new("late", fx_str("late")));
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* ---- name and status ---- */

static int name_status_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg;
    if (span_named(sp, "span-0")) /* has ERROR "boom": the message stays */
        assert_int_equal(otlp_edit_span_status(ed, STATUS_OK, NULL, 0), 1);
    if (span_named(sp, "span-3")) {
        assert_int_equal(otlp_edit_span_name(ed, "GET /a", 6), 1);
        assert_int_equal(otlp_edit_span_status(ed, STATUS_ERROR, "bad", 3), 1);
    }
    if (span_named(sp, "span-5")) { /* set, then taken back: no status */
        assert_int_equal(otlp_edit_span_status(ed, STATUS_ERROR, "x", 1), 1);
        assert_int_equal(otlp_edit_span_status(ed, 0, "", 0), 1);
    }
    if (span_named(sp, "span-6"))
        assert_int_equal(otlp_edit_span_name(ed, "", 0), 1);
    return 0;
}

static fx_status *status_new(int code, const char *message)
{
    fx_status *st = fx_alloc(sizeof *st);
    opentelemetry__proto__trace__v1__status__init(st);
    st->code = code;
    st->message = (char *)message;
    return st;
}

static void test_name_and_status(void **state)
{
    static const otlp_edit_fns fns = {.span = name_status_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s0 = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_span *s3 = want->resource_spans[0]->scope_spans[1]->spans[0];
    s0->status->code = STATUS_OK;
    s3->name = "GET /a";
    s3->status = status_new(STATUS_ERROR, "bad");
    want->resource_spans[2]->scope_spans[0]->spans[0]->name = "";
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

static int trace_state_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg;
    if (span_named(sp, "span-0")) /* "vendor=1" before */
        assert_int_equal(otlp_edit_span_trace_state(ed, "ot=th:8,vendor=1", 16), 1);
    if (span_named(sp, "span-3")) /* none before: inserted in field order */
        assert_int_equal(otlp_edit_span_trace_state(ed, "ot=th:c", 7), 1);
    if (span_named(sp, "span-5")) { /* set, then cleared: no field */
        assert_int_equal(otlp_edit_span_trace_state(ed, "x=1", 3), 1);
        assert_int_equal(otlp_edit_span_trace_state(ed, "", 0), 1);
    }
    return 0;
}

static void test_trace_state(void **state)
{
    static const otlp_edit_fns fns = {.span = trace_state_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    want->resource_spans[0]->scope_spans[0]->spans[0]->trace_state = "ot=th:8,vendor=1";
    want->resource_spans[0]->scope_spans[1]->spans[0]->trace_state = "ot=th:c";
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

static const uint8_t new_trace[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t new_span[8] = {7, 7, 7, 7, 7, 7, 7, 7};

static int span_field_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg;
    if (span_named(sp, "span-0")) {
        assert_int_equal(otlp_edit_span_kind(ed, 4), 1);
        assert_int_equal(otlp_edit_span_start(ed, 5), 1);
        assert_int_equal(otlp_edit_span_end(ed, 6), 1);
        assert_int_equal(otlp_edit_span_id(ed, OTLP_TRACE_ID, new_trace, 16), 1);
        assert_int_equal(otlp_edit_span_id(ed, OTLP_SPAN_ID, new_span, 8), 1);
        assert_int_equal(otlp_edit_span_id(ed, OTLP_SPAN_ID, new_span, 7), OTLP_EINVALID);
    }
    if (span_named(sp, "span-1")) { /* defaults leave the fields out */
        assert_int_equal(otlp_edit_span_kind(ed, 0), 1);
        assert_int_equal(otlp_edit_span_end(ed, 0), 1);
        assert_int_equal(otlp_edit_span_id(ed, OTLP_PARENT_SPAN_ID, NULL, 0), 1);
    }
    if (span_named(sp, "span-3")) /* a root span gets a parent */
        assert_int_equal(otlp_edit_span_id(ed, OTLP_PARENT_SPAN_ID, new_span, 8), 1);
    return 0;
}

/* Kind, times and ids: replaced in place, removed at their defaults,
 * inserted in field order where the input had none. */
static void test_span_fields(void **state)
{
    static const otlp_edit_fns fns = {.span = span_field_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s0 = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_span *s1 = want->resource_spans[0]->scope_spans[0]->spans[1];
    fx_span *s3 = want->resource_spans[0]->scope_spans[1]->spans[0];
    s0->kind = 4;
    s0->start_time_unix_nano = 5;
    s0->end_time_unix_nano = 6;
    s0->trace_id.data = (uint8_t *)new_trace;
    s0->span_id.data = (uint8_t *)new_span;
    s1->kind = 0;
    s1->end_time_unix_nano = 0;
    s1->parent_span_id.len = 0;
    s3->parent_span_id.data = (uint8_t *)new_span;
    s3->parent_span_id.len = 8;
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* ---- drops ---- */

static int drop_some(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg;
    if (span_named(sp, "span-1") || span_named(sp, "span-3") || span_named(sp, "span-4") ||
        span_named(sp, "span-5"))
        assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_SPAN), 1);
    if (span_named(sp, "span-6")) {
        assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_SCOPE), 1);
        assert_int_equal(otlp_edit_span_name(ed, "x", 1), OTLP_ESTATE);
    }
    return 0;
}

/* rs[0].ss[1] loses its spans and goes; rs[1] keeps only a scope that had
 * none, so it goes too; rs[2] loses its only scope. */
static void test_drops_remove_emptied(void **state)
{
    static const otlp_edit_fns fns = {.span = drop_some};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_ss *ss0 = want->resource_spans[0]->scope_spans[0];
    ss0->spans[1] = ss0->spans[2];
    ss0->n_spans = 2;
    want->resource_spans[0]->n_scope_spans = 1;
    want->n_resource_spans = 1;
    check_rich_edit(&fns, want, 2);
}

static int drop_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)arg;
    if (r->service_name.len == 8) /* checkout */
        assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_RESOURCE), 1);
    return 0;
}

static int scope_after_drop(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    (void)arg, (void)ed;
    if (s->name.len == 10 && memcmp(s->name.ptr, "io.otelc.a", 10) == 0)
        fail_msg("a scope of a dropped resource was visited");
    return 0;
}

static void test_drop_resource(void **state)
{
    static const otlp_edit_fns fns = {.resource = drop_resource};
    size_t len, out_len;
    (void)state;
    fx_request *want = fx_rich_request();
    want->resource_spans[0] = want->resource_spans[1];
    want->resource_spans[1] = want->resource_spans[2];
    want->n_resource_spans = 2;
    check_rich_edit(&fns, want, 3);

    /* Scopes of a dropped resource are not visited. */
    otlp_edit_fns with_scope = fns;
    with_scope.scope = scope_after_drop;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    otlp_editor *ed = otlp_editor_new();
    otlp_resource r;
    otlp_scope s;
    otlp_edit_begin(ed, in, len);
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_RESOURCE), 1);
    assert_int_equal(otlp_edit_scope(ed, &s), 0);
    assert_int_equal(otlp_edit_attr_delete(ed, OTLP_EDIT_RESOURCE, "a", 1), OTLP_ESTATE);
    otlp_editor_free(ed);
    free(edit(in, len, &with_scope, NULL, &out_len, 3));
    free(in);
}

static int drop_every_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg, (void)sp;
    return otlp_edit_drop(ed, OTLP_EDIT_SPAN) == 1 ? 0 : -1;
}

static void test_drop_all_is_empty(void **state)
{
    static const otlp_edit_fns fns = {.span = drop_every_span};
    size_t len, out_len;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    uint8_t *out = edit(in, len, &fns, NULL, &out_len, 0);
    assert_int_equal(out_len, 0);
    free(out);
    free(in);
}

/* ---- errors and ownership ---- */

static void test_out_of_order_calls(void **state)
{
    otlp_editor *ed = otlp_editor_new();
    otlp_anyvalue v = otlp_any_int(1);
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    uint8_t *out;
    size_t len, out_len;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    otlp_edit_begin(ed, in, len);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "k", 1, &v, OTLP_ATTR_UPSERT), OTLP_ESTATE);
    assert_int_equal(otlp_edit_span(ed, &sp), 0);
    assert_int_equal(otlp_edit_scope(ed, &s), 0);
    assert_int_equal(otlp_edit_take(ed, &out, &out_len), OTLP_ESTATE);
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_SPAN), OTLP_ESTATE);
    assert_int_equal(otlp_edit_scope(ed, &s), 1);
    while (otlp_edit_span(ed, &sp) > 0)
        ;
    assert_int_equal(otlp_edit_span_name(ed, "x", 1), OTLP_ESTATE);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_SCOPE, "k", 1, &v, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_finish(ed, NULL), OTLP_OK);
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "k", 1, &v, OTLP_ATTR_UPSERT), OTLP_ESTATE);
    assert_int_equal(otlp_edit_resource(ed, &r), 0);
    otlp_editor_free(ed);
    free(in);
}

static void test_malformed_input(void **state)
{
    static const uint8_t cut[] = {0x0a, 0x05, 0x12, 0x03, 0x12, 0x01};
    static const uint8_t wrong_type[] = {0x08, 0x01, 0x0d, 1, 2, 3, 4, 0x08};
    otlp_editor *ed = otlp_editor_new();
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    uint8_t *out;
    size_t out_len;
    (void)state;
    otlp_edit_begin(ed, cut, sizeof cut);
    assert_int_equal(otlp_edit_resource(ed, &r), OTLP_EMALFORMED);
    assert_int_equal(otlp_edit_finish(ed, NULL), OTLP_EMALFORMED);
    assert_null(otlp_edit_output(ed, &out_len));
    assert_int_equal(otlp_edit_take(ed, &out, &out_len), OTLP_EMALFORMED);
    otlp_edit_begin(ed, wrong_type, sizeof wrong_type);
    assert_true(otlp_edit_finish(ed, NULL) < 0);
    /* A span cut short inside a valid-looking scope. */
    static fx_wire span, req;
    span.len = 0;
    fxw_span(&span, 1, "s");
    span.buf[span.len++] = 0x2a; /* name tag, no length */
    fxw_wrap_span(&req, &span);
    otlp_edit_begin(ed, req.buf, req.len);
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_scope(ed, &s), 1);
    assert_int_equal(otlp_edit_span(ed, &sp), OTLP_EMALFORMED);
    assert_int_equal(otlp_edit_span(ed, &sp), OTLP_EMALFORMED);
    assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_SCOPE), OTLP_EMALFORMED);
    otlp_editor_free(ed);
}

static int stop_at_span2(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg, (void)ed;
    return span_named(sp, "span-2") ? -100 : 0;
}

static void test_callback_stops(void **state)
{
    static const otlp_edit_fns fns = {.span = stop_at_span2};
    otlp_editor *ed = otlp_editor_new();
    size_t len;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    assert_int_equal(otlp_edit_run(ed, in, len, &fns, NULL, NULL), -100);
    otlp_editor_free(ed);
    free(in);
}

/* One editor, several requests; a taken buffer is the caller's. */
static void test_reuse_and_take(void **state)
{
    static const otlp_edit_fns fns = {.span = drop_some};
    otlp_editor *ed = otlp_editor_new();
    uint8_t *first, *second;
    size_t len, first_len, second_len, spans;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    assert_int_equal(otlp_edit_run(ed, in, len, &fns, NULL, &spans), OTLP_OK);
    assert_int_equal(otlp_edit_take(ed, &first, &first_len), OTLP_OK);
    assert_int_equal(otlp_edit_take(ed, &second, &second_len), OTLP_ESTATE);
    assert_null(otlp_edit_output(ed, &second_len));
    assert_int_equal(otlp_edit_finish(ed, NULL), OTLP_OK); /* still finished */
    assert_int_equal(otlp_edit_run(ed, in, len, &fns, NULL, &spans), OTLP_OK);
    assert_int_equal(spans, 2);
    const uint8_t *view = otlp_edit_output(ed, &second_len);
    assert_int_equal(second_len, first_len);
    assert_memory_equal(view, first, first_len);
    free(first);
    otlp_editor_free(ed);
    otlp_editor_free(NULL);
    free(in);
}

/* ---- events, links and limits ---- */

static int span0_events_links(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_anyvalue one = otlp_any_int(1);
    otlp_event ev;
    otlp_link ln;
    (void)arg;
    if (!span_named(sp, "span-0")) {
        assert_int_equal(otlp_edit_event(ed, &ev), 0); /* none there */
        return 0;
    }
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_EVENT, "k", 1, &one, OTLP_ATTR_UPSERT),
                     OTLP_ESTATE);
    assert_int_equal(otlp_edit_span_limit(ed, OTLP_EDIT_EVENT, 1), 1);
    assert_int_equal(otlp_edit_event(ed, &ev), 1);
    assert_int_equal(ev.name.len, 9); /* "exception" */
    assert_int_equal(otlp_edit_attr_put(ed, OTLP_EDIT_EVENT, "k", 1, &one, OTLP_ATTR_UPSERT), 1);
    assert_int_equal(otlp_edit_event(ed, &ev), 0); /* the second is past the limit */
    assert_int_equal(otlp_edit_span_limit(ed, OTLP_EDIT_EVENT, 0), OTLP_ESTATE);
    assert_int_equal(otlp_edit_link(ed, &ln), 1);
    assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_LINK), 1); /* asked for: not counted */
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_LINK, 0), OTLP_ESTATE);
    assert_int_equal(otlp_edit_link(ed, &ln), 1);
    assert_int_equal(ln.flags, 0x101);
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_LINK, 0), 1);
    assert_int_equal(otlp_edit_link(ed, &ln), 0);
    return 0;
}

static void test_events_and_links(void **state)
{
    static const otlp_edit_fns fns = {.span = span0_events_links};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_event *e = s->events[0];
    kv_append(&e->n_attributes, &e->attributes, fx_kv_new("k", fx_int(1)));
    s->n_events = 1;
    s->dropped_events_count += 1;
    s->links[0] = s->links[1];
    s->n_links = 1;
    s->links[0]->n_attributes = 0;
    s->links[0]->dropped_attributes_count += 1;
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

/* Events and links visited without changes come out as they were. */
static int visit_events_links(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_event ev;
    otlp_link ln;
    (void)arg, (void)sp;
    while (otlp_edit_event(ed, &ev) > 0)
        ;
    assert_int_equal(otlp_edit_link(ed, &ln), sp->links.range.len ? 1 : 0);
    return 0;
}

static void test_events_links_identity(void **state)
{
    static const otlp_edit_fns fns = {.span = visit_events_links};
    size_t len;
    (void)state;
    uint8_t *in = packed_copy(fx_rich_request(), &len);
    assert_identity(in, len, &fns, FX_RICH_SPANS);
    free(in);
}

static int limits_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    (void)arg;
    if (!span_named(sp, "span-0"))
        return 0;
    /* "GET", the 3 blob bytes and the array item "two"; not the string
     * inside the nested array, nor the kvlist's. */
    assert_int_equal(otlp_edit_attr_truncate(ed, OTLP_EDIT_SPAN, 2), 3);
    assert_int_equal(otlp_edit_attr_truncate(ed, OTLP_EDIT_SPAN, 2), 0);
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_SPAN, 6), 2);
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_SPAN, 6), 0);
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_RESOURCE, 1), 1);
    assert_int_equal(otlp_edit_attr_limit(ed, OTLP_EDIT_SCOPE, 0), 1);
    return 0;
}

static void test_attribute_limits(void **state)
{
    static const otlp_edit_fns fns = {.span = limits_ops};
    static const uint8_t blob[2] = {0x00, 0xff};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_resource *res = want->resource_spans[0]->resource;
    fx_scope *scope = want->resource_spans[0]->scope_spans[0]->scope;
    s->attributes[0]->value = fx_str("GE");
    s->attributes[4]->value = fx_bytes(blob, 2);
    fx_any *items[3] = {fx_int(1), fx_str("tw"), s->attributes[5]->value->array_value->values[2]};
    s->attributes[5]->value = fx_array(3, items);
    s->n_attributes = 6;
    s->dropped_attributes_count += 2;
    res->n_attributes = 1;
    res->dropped_attributes_count += 1;
    scope->n_attributes = 0;
    scope->dropped_attributes_count += 1;
    check_rich_edit(&fns, want, FX_RICH_SPANS);
    assert_int_equal(otlp_utf8_cut("h\xc3\xa9", 3, 2), 1);
    assert_int_equal(otlp_utf8_cut("h\xc3\xa9", 3, 3), 3);
    assert_int_equal(otlp_utf8_cut("\xf0\x9f\x98\x80x", 5, 3), 0);
}

static int splice_ops(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    otlp_kv kv[2];
    (void)arg;
    if (!span_named(sp, "span-0"))
        return 0;
    /* http.method becomes http.request.method where it stands. */
    assert_int_equal(otlp_attr_find(&sp->attrs, "http.method", 11, &kv[0].value), 1);
    kv[0].key = (pb_bytes){(const uint8_t *)"http.request.method", 19};
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 0, 1, kv, 1), 1);
    /* Two inserted after "ok" (one of them read back from the list). */
    otlp_list cur;
    assert_int_equal(otlp_edit_attrs(ed, OTLP_EDIT_SPAN, &cur), OTLP_OK);
    assert_int_equal(otlp_attr_find(&cur, "http.request.method", 19, &kv[1].value), 1);
    kv[0].key = (pb_bytes){(const uint8_t *)"x", 1};
    kv[0].value = otlp_any_int(1);
    kv[1].key = (pb_bytes){(const uint8_t *)"y", 1};
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 2, 0, kv, 2), 1);
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 9, 1, NULL, 0), 1); /* "empty" */
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 9, 1, NULL, 0), OTLP_EINVALID);
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 10, 0, kv, 1), OTLP_EINVALID);
    assert_int_equal(otlp_edit_attr_splice(ed, OTLP_EDIT_SPAN, 3, 0, NULL, 0), 0);
    return 0;
}

static void test_attribute_splice(void **state)
{
    static const otlp_edit_fns fns = {.span = splice_ops};
    (void)state;
    fx_request *want = fx_rich_request();
    fx_span *s = want->resource_spans[0]->scope_spans[0]->spans[0];
    fx_kv **attrs = fx_alloc(10 * sizeof(fx_kv *));
    attrs[0] = fx_kv_new("http.request.method", fx_str("GET"));
    attrs[1] = s->attributes[1];
    attrs[2] = fx_kv_new("x", fx_int(1));
    attrs[3] = fx_kv_new("y", fx_str("GET"));
    memcpy(attrs + 4, s->attributes + 2, 5 * sizeof(fx_kv *)); /* retries .. map */
    s->attributes = attrs;
    s->n_attributes = 9;
    check_rich_edit(&fns, want, FX_RICH_SPANS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pass_through_is_identical, teardown),
        cmocka_unit_test_teardown(test_partial_visit_is_identical, teardown),
        cmocka_unit_test_teardown(test_unknown_fields_kept, teardown),
        cmocka_unit_test_teardown(test_span_attribute_ops, teardown),
        cmocka_unit_test_teardown(test_walker_value_copied, teardown),
        cmocka_unit_test_teardown(test_read_back_current, teardown),
        cmocka_unit_test_teardown(test_resource_and_scope_attributes, teardown),
        cmocka_unit_test_teardown(test_late_header_edits, teardown),
        cmocka_unit_test_teardown(test_name_and_status, teardown),
        cmocka_unit_test_teardown(test_trace_state, teardown),
        cmocka_unit_test_teardown(test_span_fields, teardown),
        cmocka_unit_test_teardown(test_drops_remove_emptied, teardown),
        cmocka_unit_test_teardown(test_drop_resource, teardown),
        cmocka_unit_test_teardown(test_drop_all_is_empty, teardown),
        cmocka_unit_test_teardown(test_out_of_order_calls, teardown),
        cmocka_unit_test_teardown(test_malformed_input, teardown),
        cmocka_unit_test_teardown(test_callback_stops, teardown),
        cmocka_unit_test_teardown(test_reuse_and_take, teardown),
        cmocka_unit_test_teardown(test_events_and_links, teardown),
        cmocka_unit_test_teardown(test_events_links_identity, teardown),
        cmocka_unit_test_teardown(test_attribute_limits, teardown),
        cmocka_unit_test_teardown(test_attribute_splice, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
