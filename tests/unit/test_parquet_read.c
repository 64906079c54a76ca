/*
 * libs/parquet, the reading half: files written by pq_traces_write from
 * OTLP requests read back with pq_traces_otlp come back, decoded with
 * protobuf-c, field by field as they went in (less what docs/storage.md
 * says the table does not keep); summaries agree with the spans; row
 * subsets, zero rows, bytes that do not cover the row group, codecs and
 * types this reader does not handle, and every damaged byte of a file are
 * answered without reading outside what was given. The RLE hybrid
 * decoder, the attribute text parser and pages the writer never makes
 * (v2, uncompressed, PLAIN_DICTIONARY, several pages) are tested on
 * their own.
 */
#include <errno.h>
#include <math.h>
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
    size_t len, rows;
    pq_file_meta *meta;
    int64_t off, rlen; /* the row group's range */
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
    if (f->meta->nrow_groups)
        assert_int_equal(pq_row_group_range(f->meta, 0, &f->off, &f->rlen), 0);
}

static void write_one(file *f, const fx_request *r)
{
    write_requests(f, &r, 1);
}

static void file_free(file *f)
{
    pq_file_meta_free(f->meta);
    free(f->p);
    fx_free_all();
}

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req_t;

/* Reads rows back through an exact copy of the row group's range. */
static req_t *read_rows(const file *f, const uint32_t *rows, size_t n)
{
    uint8_t *copy = fx_exact_copy(f->p + f->off, (size_t)f->rlen);
    uint8_t *out = NULL;
    size_t out_len = 0;
    int rc = pq_traces_otlp(f->meta, 0, copy, f->off, (size_t)f->rlen, rows, n, &out, &out_len);
    free(copy);
    assert_int_equal(rc, 0);
    assert_non_null(out);
    req_t *r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, out_len, out);
    free(out);
    assert_non_null(r);
    return r;
}

static void req_free(req_t *r)
{
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r,
                                                                                          NULL);
}

/* ---- comparing what went in with what came out ------------------------ */

/* One span with the resource and scope around it. */
typedef struct flat {
    const fx_resource *res;
    const fx_scope *scope;
    const fx_span *span;
} flat;

static size_t flatten(const req_t *r, flat *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_resource_spans; i++) {
        const fx_rs *rs = r->resource_spans[i];
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            const fx_ss *ss = rs->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++) {
                assert_true(n < cap);
                out[n++] = (flat){rs->resource, ss->scope, ss->spans[k]};
            }
        }
    }
    return n;
}

static bool is_empty_any(const fx_any *a)
{
    return !a || a->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET;
}

static void same_attrs(fx_kv *const *in, size_t nin, fx_kv *const *out, size_t nout);

static void same_any(const fx_any *in, const fx_any *out)
{
    if (is_empty_any(in)) {
        assert_true(is_empty_any(out));
        return;
    }
    assert_non_null(out);
    assert_int_equal(in->value_case, out->value_case);
    switch (in->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        assert_string_equal(in->string_value, out->string_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        assert_int_equal(in->bool_value, out->bool_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        assert_int_equal(in->int_value, out->int_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        if (isnan(in->double_value))
            assert_true(isnan(out->double_value));
        else
            assert_memory_equal(&in->double_value, &out->double_value, sizeof(double));
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        assert_int_equal(in->bytes_value.len, out->bytes_value.len);
        if (in->bytes_value.len)
            assert_memory_equal(in->bytes_value.data, out->bytes_value.data, in->bytes_value.len);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        size_t n = in->array_value->n_values;
        assert_int_equal(n, out->array_value->n_values);
        for (size_t i = 0; i < n; i++)
            same_any(in->array_value->values[i], out->array_value->values[i]);
        break;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        same_attrs(in->kvlist_value->values, in->kvlist_value->n_values,
                     out->kvlist_value->values, out->kvlist_value->n_values);
        break;
    default: fail();
    }
}

static void same_attrs(fx_kv *const *in, size_t nin, fx_kv *const *out, size_t nout)
{
    assert_int_equal(nin, nout);
    for (size_t i = 0; i < nin && i < nout; i++) {
        assert_string_equal(in[i]->key, out[i]->key);
        same_any(in[i]->value, out[i]->value);
    }
}

static void same_bytes(ProtobufCBinaryData a, ProtobufCBinaryData b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.data, b.data, a.len);
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

static void expect_events(const fx_span *in, const fx_span *out)
{
    assert_int_equal(in->n_events, out->n_events);
    for (size_t i = 0; i < in->n_events; i++) {
        const fx_event *a = in->events[i], *b = out->events[i];
        assert_int_equal(a->time_unix_nano, b->time_unix_nano);
        assert_string_equal(a->name, b->name);
        same_attrs(a->attributes, a->n_attributes, b->attributes, b->n_attributes);
        assert_int_equal(b->dropped_attributes_count, 0); /* not kept */
    }
}

static void expect_links(const fx_span *in, const fx_span *out)
{
    assert_int_equal(in->n_links, out->n_links);
    for (size_t i = 0; i < in->n_links; i++) {
        const fx_link *a = in->links[i], *b = out->links[i];
        same_bytes(a->trace_id, b->trace_id);
        same_bytes(a->span_id, b->span_id);
        assert_string_equal(a->trace_state, b->trace_state);
        same_attrs(a->attributes, a->n_attributes, b->attributes, b->n_attributes);
        assert_int_equal(b->flags, 0); /* not kept */
    }
}

static void expect_span(const fx_span *a, const fx_span *b)
{
    assert_non_null(a);
    assert_non_null(b);
    if (!a || !b)
        return; /* cmocka's asserts do not tell the analyzer they end the test */
    same_bytes(a->trace_id, b->trace_id);
    same_bytes(a->span_id, b->span_id);
    same_bytes(a->parent_span_id, b->parent_span_id);
    assert_string_equal(a->trace_state, b->trace_state);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->start_time_unix_nano, b->start_time_unix_nano);
    assert_int_equal(a->end_time_unix_nano, b->end_time_unix_nano);
    same_attrs(a->attributes, a->n_attributes, b->attributes, b->n_attributes);
    expect_events(a, b);
    expect_links(a, b);
    assert_int_equal(a->status ? a->status->code : 0, b->status ? b->status->code : 0);
    assert_string_equal(a->status ? a->status->message : "", b->status ? b->status->message : "");
    assert_int_equal(b->flags, 0);
    assert_int_equal(b->dropped_attributes_count + b->dropped_events_count +
                         b->dropped_links_count, 0);
}

static void expect_flat(const flat *in, const flat *out)
{
    size_t nin = in->res ? in->res->n_attributes : 0;
    size_t nout = out->res ? out->res->n_attributes : 0;
    same_attrs(in->res ? in->res->attributes : NULL, nin,
                 out->res ? out->res->attributes : NULL, nout);
    assert_string_equal(str_or_empty(in->scope ? in->scope->name : NULL),
                        str_or_empty(out->scope ? out->scope->name : NULL));
    assert_string_equal(str_or_empty(in->scope ? in->scope->version : NULL),
                        str_or_empty(out->scope ? out->scope->version : NULL));
    if (out->scope)
        assert_int_equal(out->scope->n_attributes, 0); /* not kept */
    expect_span(in->span, out->span);
}

/* Every span of `in` at positions rows (NULL: all) against `out`. */
static void expect_spans(const req_t *in, const req_t *out, const uint32_t *rows, size_t nrows)
{
    enum { CAP = 20000 };
    flat *a = calloc(CAP, sizeof(*a)), *b = calloc(CAP, sizeof(*b));
    size_t na = flatten(in, a, CAP), nb = flatten(out, b, CAP);
    assert_int_equal(rows ? nrows : na, nb);
    for (size_t i = 0; i < nb; i++)
        expect_flat(&a[rows ? rows[i] : i], &b[i]);
    free(a);
    free(b);
}

/* The request as protobuf-c sees it after its own round trip, so both
 * sides compare in the same form. */
static req_t *repacked(const fx_request *r)
{
    size_t len;
    const uint8_t *p = fx_pack(r, &len);
    return opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, len, p);
}

static void round_trip(const fx_request *r, size_t *nrs)
{
    file f = {0};
    write_one(&f, r);
    req_t *in = repacked(r), *out = read_rows(&f, NULL, 0);
    expect_spans(in, out, NULL, 0);
    if (nrs)
        *nrs = out->n_resource_spans;
    req_free(in);
    req_free(out);
    file_free(&f);
}

/* ---- requests ----------------------------------------------------------- */

static fx_resource *resource_of(size_t n, fx_kv **attrs)
{
    fx_resource *r = fx_alloc(sizeof(*r));
    opentelemetry__proto__resource__v1__resource__init(r);
    r->n_attributes = n;
    r->attributes = memcpy(fx_alloc(n * sizeof(fx_kv *) + 1), attrs, n * sizeof(fx_kv *));
    return r;
}

static fx_scope *scope_of(const char *name, const char *version)
{
    fx_scope *s = fx_alloc(sizeof(*s));
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = (char *)name;
    s->version = (char *)version;
    return s;
}

/* Attributes of every type, edge values included. */
static fx_kv **every_type(size_t *n)
{
    static const uint8_t blob[] = {0, 1, 2, 0xfe, 0xff};
    fx_kv *deep[] = {fx_kv_new("d", fx_double(-0.5)), fx_kv_new("", fx_str("")),
                     fx_kv_new("dup", fx_int(1)), fx_kv_new("dup", fx_int(2))};
    fx_any *inner[] = {fx_str("q\"b\\s/\n\t\x01 \xc3\xa9\xf0\x9f\x98\x80"), fx_int(INT64_MIN),
                       fx_double(1e300), fx_bool(false), fx_kvlist(4, deep),
                       fx_array(0, (fx_any *[]){NULL}), fx_kvlist(0, (fx_kv *[]){NULL}),
                       fx_array(1, (fx_any *[]){fx_array(1, (fx_any *[]){fx_double(0.1)})})};
    fx_kv *kvs[] = {
        fx_kv_new("s", fx_str("plain")),          fx_kv_new("s.empty", fx_str("")),
        fx_kv_new("b.t", fx_bool(true)),          fx_kv_new("b.f", fx_bool(false)),
        fx_kv_new("i.min", fx_int(INT64_MIN)),    fx_kv_new("i.max", fx_int(INT64_MAX)),
        fx_kv_new("i.0", fx_int(0)),              fx_kv_new("d.nan", fx_double(NAN)),
        fx_kv_new("d.inf", fx_double(INFINITY)),  fx_kv_new("d.-inf", fx_double(-INFINITY)),
        fx_kv_new("d.-0", fx_double(-0.0)),       fx_kv_new("d.tiny", fx_double(5e-324)),
        fx_kv_new("d.tenth", fx_double(0.1)),     fx_kv_new("d.int", fx_double(2.0)),
        fx_kv_new("by", fx_bytes(blob, 5)),       fx_kv_new("by.empty", fx_bytes("", 0)),
        fx_kv_new("by.1", fx_bytes("a", 1)),      fx_kv_new("by.2", fx_bytes("ab", 2)),
        fx_kv_new("arr", fx_array(8, inner)),     fx_kv_new("arr.empty", fx_array(0, (fx_any *[]){NULL})),
        fx_kv_new("map", fx_kvlist(4, deep)),     fx_kv_new("map.empty", fx_kvlist(0, (fx_kv *[]){NULL})),
        fx_kv_new("none", fx_str("x")),           fx_kv_new("s.json", fx_str("[1,2]")),
        fx_kv_new("s.num", fx_str("42")),         fx_kv_new("", fx_int(5)),
    };
    kvs[22]->value = NULL; /* a KeyValue without a value */
    *n = sizeof(kvs) / sizeof(kvs[0]);
    return memcpy(fx_alloc(sizeof(kvs)), kvs, sizeof(kvs));
}

static void add_event(fx_span *s, uint64_t t, const char *name, size_t nattrs, fx_kv **attrs)
{
    fx_event **ev = fx_alloc((s->n_events + 1) * sizeof(fx_event *));
    if (s->n_events)
        memcpy(ev, s->events, s->n_events * sizeof(fx_event *));
    fx_event *e = ev[s->n_events] = fx_alloc(sizeof(*e));
    opentelemetry__proto__trace__v1__span__event__init(e);
    e->time_unix_nano = t;
    e->name = (char *)name;
    e->n_attributes = nattrs;
    e->attributes = attrs;
    s->events = ev;
    s->n_events++;
}

static void add_link(fx_span *s, unsigned seed, const char *state, size_t nattrs,
                     fx_kv **attrs)
{
    fx_link **ln = fx_alloc((s->n_links + 1) * sizeof(fx_link *));
    if (s->n_links)
        memcpy(ln, s->links, s->n_links * sizeof(fx_link *));
    fx_link *l = ln[s->n_links] = fx_alloc(sizeof(*l));
    opentelemetry__proto__trace__v1__span__link__init(l);
    l->trace_id = (ProtobufCBinaryData){16, fx_alloc(16)};
    l->span_id = (ProtobufCBinaryData){8, fx_alloc(8)};
    fx_span_ids(seed, l->trace_id.data, l->span_id.data);
    l->trace_state = (char *)state;
    l->n_attributes = nattrs;
    l->attributes = attrs;
    s->links = ln;
    s->n_links++;
}

/* One resource, one scope, one span carrying every type everywhere. */
static fx_request *typed_request(void)
{
    size_t n;
    fx_kv **kvs = every_type(&n);
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(resource_of(n, kvs), 1);
    fx_ss *ss = r->resource_spans[0]->scope_spans[0] = fx_ss_new(scope_of("", "v"), 2);
    fx_span *s = ss->spans[0] = fx_span_new(1);
    s->n_attributes = n;
    s->attributes = kvs;
    add_event(s, 11, "", n, kvs);
    add_event(s, 0, "no attrs", 0, NULL);
    add_event(s, 12, "last", 1, kvs);
    add_link(s, 40, "", 0, NULL);
    add_link(s, 41, "k=v", n, kvs);
    ss->spans[1] = fx_span_new(2);
    add_link(ss->spans[1], 42, "x", 2, kvs + 2);
    /* Keys met twice (OTLP forbids it; the table keeps them). */
    fx_kv *dups[] = {fx_kv_new("k", fx_str("x")), fx_kv_new("k", fx_int(7)),
                     fx_kv_new("k", fx_bool(true)), fx_kv_new("k", fx_str(""))};
    ss->spans[1]->n_attributes = 4;
    ss->spans[1]->attributes = memcpy(fx_alloc(sizeof(dups)), dups, sizeof(dups));
    return r;
}

/* n spans over resources and scopes that change every few rows; values
 * unique per span (PLAIN after all) or repeating (dictionaries). */
static fx_request *many_request(unsigned n, unsigned per_resource)
{
    unsigned nrs = (n + per_resource - 1) / per_resource;
    fx_request *r = fx_request_new(nrs);
    for (unsigned g = 0, seed = 0; g < nrs; g++) {
        fx_kv *res[] = {fx_kv_new("service.name", fx_str(g % 3 ? "svc-a" : "svc-b")),
                        fx_kv_new("res.n", fx_int(g))};
        unsigned count = n - seed < per_resource ? n - seed : per_resource;
        fx_rs *rs = r->resource_spans[g] = fx_rs_new(resource_of(2, res), 2);
        rs->scope_spans[0] = fx_ss_new(scope_of("lib", g % 2 ? "1" : "2"), count / 2);
        rs->scope_spans[1] = fx_ss_new(scope_of("lib2", ""), count - count / 2);
        for (unsigned k = 0; k < count; k++, seed++) {
            fx_ss *ss = rs->scope_spans[k < count / 2 ? 0 : 1];
            fx_span *s = ss->spans[k < count / 2 ? k : k - count / 2] = fx_span_new(seed);
            char *v = fx_alloc(24);
            snprintf(v, 24, "v-%u", seed);
            fx_kv *attrs[] = {fx_kv_new("unique", fx_str(v)), fx_kv_new("same", fx_str("s")),
                              fx_kv_new("n", fx_int(seed % 5))};
            s->n_attributes = seed % 4;
            s->attributes = memcpy(fx_alloc(sizeof(attrs)), attrs, sizeof(attrs));
            s->trace_state = seed % 7 ? "" : v;
            if (seed % 5 == 0)
                add_event(s, seed, v, 1, s->attributes);
        }
    }
    return r;
}

/* ---- tests -------------------------------------------------------------- */

static void test_rich_request_round_trip(void **state)
{
    size_t nrs;
    round_trip(fx_rich_request(), &nrs);
    assert_int_equal(nrs, 3);
}

static void test_every_type_round_trip(void **state)
{
    round_trip(typed_request(), NULL);
}

/* Resources and scopes that come back grouped as they went in. */
static void test_groups_of_many_rows(void **state)
{
    fx_request *r = many_request(3000, 250);
    file f = {0};
    write_one(&f, r);
    const pq_column_chunk *v = pq_find_column(f.meta, 0, "SpanAttributes.key_value.value");
    assert_false(v->encodings & (1u << PQ_ENC_RLE_DICTIONARY)); /* mostly unique: PLAIN */
    req_t *in = repacked(r), *out = read_rows(&f, NULL, 0);
    expect_spans(in, out, NULL, 0);
    assert_int_equal(out->n_resource_spans, 12);
    for (size_t i = 0; i < out->n_resource_spans; i++)
        assert_int_equal(out->resource_spans[i]->n_scope_spans, 2);
    req_free(in);
    req_free(out);
    file_free(&f);
}

/* The same spans written twice in one file: repeated values take a
 * dictionary, and two requests in one file read back as one. */
static void test_dictionaries_and_two_requests(void **state)
{
    fx_request *r = many_request(40, 10);
    const fx_request *two[] = {r, r};
    file f = {0};
    write_requests(&f, two, 2);
    const pq_column_chunk *v = pq_find_column(f.meta, 0, "SpanAttributes.key_value.value");
    assert_true(v->encodings & (1u << PQ_ENC_RLE_DICTIONARY));
    req_t *in = repacked(r), *out = read_rows(&f, NULL, 0);
    uint32_t first[40], second[40];
    for (uint32_t i = 0; i < 40; i++)
        first[i] = i, second[i] = 40 + i;
    req_free(out);
    out = read_rows(&f, second, 40);
    expect_spans(in, out, NULL, 0);
    req_free(out);
    out = read_rows(&f, first, 40);
    expect_spans(in, out, NULL, 0);
    req_free(in);
    req_free(out);
    file_free(&f);
}

static void test_row_subsets(void **state)
{
    file f = {0};
    write_one(&f, fx_rich_request());
    req_t *in = repacked(fx_rich_request());
    static const uint32_t sets[][4] = {{0, 2, 5, 7}, {7}, {1, 3}, {4, 5, 6}};
    static const size_t sizes[] = {4, 1, 2, 3};
    for (size_t s = 0; s < 4; s++) {
        req_t *out = read_rows(&f, sets[s], sizes[s]);
        expect_spans(in, out, sets[s], sizes[s]);
        req_free(out);
    }
    req_t *none = read_rows(&f, sets[0], 0);
    assert_int_equal(none->n_resource_spans, 0);
    req_free(none);
    uint8_t *out;
    size_t len;
    const uint32_t backwards[] = {3, 2}, twice[] = {3, 3}, past[] = {8};
    const uint8_t *p = f.p + f.off;
    size_t n = (size_t)f.rlen;
    assert_int_equal(pq_traces_otlp(f.meta, 0, p, f.off, n, backwards, 2, &out, &len), -EINVAL);
    assert_null(out);
    assert_int_equal(pq_traces_otlp(f.meta, 0, p, f.off, n, twice, 2, &out, &len), -EINVAL);
    assert_int_equal(pq_traces_otlp(f.meta, 0, p, f.off, n, past, 1, &out, &len), -EINVAL);
    assert_int_equal(pq_traces_otlp(f.meta, 1, p, f.off, n, NULL, 0, &out, &len), -EINVAL);
    req_free(in);
    file_free(&f);
}

static void expect_summary(const pq_span_summary *s, const flat *in)
{
    const fx_span *sp = in->span;
    assert_int_equal(s->start_ns, (int64_t)sp->start_time_unix_nano);
    assert_int_equal(s->duration_ns, (int64_t)(sp->end_time_unix_nano - sp->start_time_unix_nano));
    assert_memory_equal(s->trace_id, sp->trace_id.data, 16);
    assert_memory_equal(s->span_id, sp->span_id.data, 8);
    static const uint8_t zero[8];
    assert_memory_equal(s->parent_span_id, sp->parent_span_id.len ? sp->parent_span_id.data : zero,
                        8);
    assert_int_equal(s->kind, sp->kind);
    assert_int_equal(s->status, sp->status ? sp->status->code : 0);
    assert_int_equal(s->name.len, strlen(sp->name));
    assert_memory_equal(s->name.ptr, sp->name, s->name.len);
    const char *svc = "";
    for (size_t i = 0; in->res && i < in->res->n_attributes; i++)
        if (!strcmp(in->res->attributes[i]->key, "service.name") &&
            in->res->attributes[i]->value->value_case ==
                OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
            svc = in->res->attributes[i]->value->string_value;
    assert_int_equal(s->service.len, strlen(svc));
    assert_memory_equal(s->service.ptr, svc, s->service.len);
}

static void summaries_match(const fx_request *r)
{
    file f = {0};
    write_one(&f, r);
    uint8_t *copy = fx_exact_copy(f.p + f.off, (size_t)f.rlen);
    pq_summaries *s = NULL;
    assert_int_equal(pq_traces_summaries(f.meta, 0, copy, f.off, (size_t)f.rlen, &s), 0);
    free(copy); /* the summaries keep what their views point into */
    req_t *in = repacked(r);
    flat *a = calloc(s->n + 1, sizeof(*a));
    assert_int_equal(flatten(in, a, s->n + 1), s->n);
    for (size_t i = 0; i < s->n && a[i].span; i++)
        expect_summary(&s->rows[i], &a[i]);
    free(a);
    req_free(in);
    pq_summaries_free(s);
    file_free(&f);
}

static void test_summaries(void **state)
{
    summaries_match(fx_rich_request());
    summaries_match(many_request(3000, 700));
}

static void test_zero_rows(void **state)
{
    uint8_t *p;
    size_t len, rows;
    pq_file_meta *m;
    assert_int_equal(pq_traces_write(NULL, NULL, 0, &p, &len, &rows), 0);
    assert_int_equal(pq_file_footer(p, len, &m), 0);
    int64_t off, rlen;
    assert_int_equal(pq_row_group_range(m, 0, &off, &rlen), -EINVAL);
    pq_summaries *s = (pq_summaries *)1;
    assert_int_equal(pq_traces_summaries(m, 0, p, 0, len, &s), -EINVAL);
    assert_null(s);
    pq_file_meta_free(m);
    free(p);
}

/* Bytes that stop short of the row group, or start after it (summaries
 * need only their own columns: the first is Timestamp). */
static void test_range_not_covered(void **state)
{
    file f = {0};
    write_one(&f, fx_rich_request());
    pq_summaries *s;
    uint8_t *out;
    size_t len, n = (size_t)f.rlen;
    const uint8_t *p = f.p + f.off;
    assert_int_equal(pq_traces_summaries(f.meta, 0, p + 1, f.off + 1, n - 1, &s), -EBADMSG);
    assert_int_equal(pq_traces_otlp(f.meta, 0, p, f.off, n - 1, NULL, 0, &out, &len), -EBADMSG);
    /* The whole file is fine too. */
    assert_int_equal(pq_traces_summaries(f.meta, 0, f.p, 0, f.len, &s), 0);
    pq_summaries_free(s);
    file_free(&f);
}

/* A footer naming a codec or types this reader does not handle. */
static void test_unsupported(void **state)
{
    file f = {0};
    write_one(&f, fx_rich_request());
    pq_summaries *s;
    pq_column_chunk *c = (pq_column_chunk *)pq_find_column(f.meta, 0, "SpanKind");
    const uint8_t *p = f.p + f.off;
    size_t n = (size_t)f.rlen;
    c->codec = PQ_C_SNAPPY;
    assert_int_equal(pq_traces_summaries(f.meta, 0, p, f.off, n, &s), -ENOTSUP);
    c->codec = PQ_C_ZSTD;
    c->type = PQ_T_INT64;
    assert_int_equal(pq_traces_summaries(f.meta, 0, p, f.off, n, &s), -ENOTSUP);
    c->type = PQ_T_BYTE_ARRAY;
    c->path[0].len = 4; /* "Span": SpanKind is missing */
    assert_int_equal(pq_traces_summaries(f.meta, 0, p, f.off, n, &s), -ENOTSUP);
    c->path[0].len = 8;
    assert_int_equal(pq_traces_summaries(f.meta, 0, p, f.off, n, &s), 0);
    pq_summaries_free(s);
    file_free(&f);
}

static void read_damaged(const file *f, const uint8_t *bytes)
{
    pq_summaries *s = NULL;
    uint8_t *out = NULL;
    size_t len;
    size_t n = (size_t)f->rlen;
    int rc = pq_traces_summaries(f->meta, 0, bytes, f->off, n, &s);
    assert_true(rc == 0 || rc == -EBADMSG || rc == -ENOTSUP);
    pq_summaries_free(s);
    rc = pq_traces_otlp(f->meta, 0, bytes, f->off, n, NULL, 0, &out, &len);
    assert_true(rc == 0 || rc == -EBADMSG || rc == -ENOTSUP);
    free(out);
}

/* Every byte of a row group flipped: read or refused, never read outside
 * (ASan, exact copies). */
static void test_damaged_bytes(void **state)
{
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(NULL, 1);
    r->resource_spans[0]->scope_spans[0] = fx_ss_new(NULL, 1);
    r->resource_spans[0]->scope_spans[0]->spans[0] = typed_request()->resource_spans[0]->scope_spans[0]->spans[0];
    file f = {0};
    write_one(&f, r);
    for (size_t at = 0; at < (size_t)f.rlen; at++) {
        for (int flip = 0; flip < 2; flip++) {
            uint8_t *copy = fx_exact_copy(f.p + f.off, (size_t)f.rlen);
            copy[at] ^= flip ? 0xff : 0x01;
            read_damaged(&f, copy);
            free(copy);
        }
    }
    file_free(&f);
}

/* ---- files other writers made ------------------------------------------- */

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/parquet/%s", OTELC_TEST_DATA, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *p = malloc(*len);
    assert_true(p && fread(p, 1, *len, fp) == *len);
    fclose(fp);
    return p;
}

/* DuckDB's re-export (every column optional, several pages, timestamps
 * in microseconds) reads back as the request written, event times cut
 * to the microsecond; its v2 encodings are refused. */
static void test_duckdb_files(void **state)
{
    file f = {0};
    f.p = load("duckdb_zstd.parquet", &f.len);
    assert_int_equal(pq_file_footer(f.p, f.len, &f.meta), 0);
    assert_int_equal(pq_row_group_range(f.meta, 0, &f.off, &f.rlen), 0);
    req_t *in = repacked(fx_rich_request()), *out = read_rows(&f, NULL, 0);
    fx_span *s0 = in->resource_spans[0]->scope_spans[0]->spans[0];
    for (size_t i = 0; i < s0->n_events; i++)
        s0->events[i]->time_unix_nano -= s0->events[i]->time_unix_nano % 1000;
    expect_spans(in, out, NULL, 0);
    req_free(in);
    req_free(out);
    file_free(&f);
    f.p = load("duckdb_v2.parquet", &f.len);
    assert_int_equal(pq_file_footer(f.p, f.len, &f.meta), 0);
    pq_summaries *s;
    assert_int_equal(pq_traces_summaries(f.meta, 0, f.p, 0, f.len, &s), -ENOTSUP);
    file_free(&f);
}

/* ---- pieces on their own ------------------------------------------------ */

static void test_rle_decode(void **state)
{
    enum { N = 1000 };
    uint32_t in[N], out[N];
    for (int width = 1; width <= 32; width++) {
        uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
        for (size_t i = 0; i < N; i++)
            in[i] = (i / 50) % 2 ? (uint32_t)(i * 2654435761u) & mask : 3 & mask;
        pq_buf b = {0};
        pq_rle_encode(&b, NULL, in, N, width);
        assert_int_equal(pq_rle_decode(b.p, b.len, width, N, mask, NULL, out), 0);
        assert_memory_equal(in, out, sizeof(in));
        /* Padding of the last packed group may be cut; values may not. */
        assert_int_equal(pq_rle_decode(b.p, b.len / 2, width, N, mask, NULL, out), -EBADMSG);
        if (width > 2)
            assert_int_equal(pq_rle_decode(b.p, b.len, width, N, 2, NULL, out), -EBADMSG);
        pq_buf_free(&b);
    }
    /* Width 0: every value is 0; a run of 0 values is refused. */
    const uint8_t zero_run[] = {10 << 1}, empty_run[] = {0, 0};
    uint8_t u8[10];
    assert_int_equal(pq_rle_decode(zero_run, 1, 0, 10, 0, u8, NULL), 0);
    assert_int_equal(pq_rle_decode(empty_run, 2, 1, 1, 1, u8, NULL), -EBADMSG);
    assert_int_equal(pq_rle_decode(zero_run, 1, 33, 1, 0, u8, NULL), -EBADMSG);
}

static int text_any(const char *type, const char *text, pq_buf *out)
{
    pq_view t = {(const uint8_t *)type, type ? strlen(type) : 0};
    out->len = 0;
    return pq_text_any(out, type ? &t : NULL, (pq_view){(const uint8_t *)text, strlen(text)});
}

static fx_any *any_of(const pq_buf *b)
{
    return opentelemetry__proto__common__v1__any_value__unpack(NULL, b->len, b->p);
}

/* Inside arrays and maps the JSON loses what docs/storage.md says. */
static void test_text_any(void **state)
{
    pq_buf b = {0};
    static const char *const bad[][2] = {
        {"bool", "True"}, {"int", "1.5"},   {"int", ""},        {"int", "99999999999999999999"},
        {"double", "x"},  {"bytes", "abc"}, {"bytes", "a=bc"},  {"array", "{}"},
        {"map", "[]"},    {"array", "[1"},  {"array", "[1,]"},  {"map", "{\"a\"}"},
        {"array", "[\"\\ud800\"]"},         {"array", "[1] x"}, {"array", "[tru]"},
        {"array", "[\"\\q\"]"},             {"map", "{1:2}"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(text_any(bad[i][0], bad[i][1], &b), -EBADMSG);
    assert_int_equal(text_any("array", "[\"AAE=\",2,1e+21,\"NaN\",null,3.5,"
                                       "\"\\ud83d\\ude00\\u00e9\"]", &b), 0);
    fx_any *a = any_of(&b);
    Opentelemetry__Proto__Common__V1__ArrayValue *arr = a->array_value;
    assert_int_equal(arr->n_values, 7);
    assert_string_equal(arr->values[0]->string_value, "AAE="); /* bytes: base64 text */
    assert_int_equal(arr->values[1]->int_value, 2);            /* a double 2.0: an int */
    assert_true(arr->values[2]->double_value == 1e21);
    assert_string_equal(arr->values[3]->string_value, "NaN");  /* non-finite: text */
    assert_true(is_empty_any(arr->values[4]));
    assert_true(arr->values[5]->double_value == 3.5);
    assert_string_equal(arr->values[6]->string_value, "\xf0\x9f\x98\x80\xc3\xa9");
    opentelemetry__proto__common__v1__any_value__free_unpacked(a, NULL);
    /* A type name this reader does not know keeps the text. */
    assert_int_equal(text_any("uuid", "abc", &b), 0);
    a = any_of(&b);
    assert_string_equal(a->string_value, "abc");
    opentelemetry__proto__common__v1__any_value__free_unpacked(a, NULL);
    pq_buf_free(&b);
}

/* ---- pages the writer never makes ---------------------------------------- */

static void page_header(pq_buf *b, int type, size_t raw, size_t size, int sub, int32_t nvalues,
                        int32_t enc, int32_t def_len, int32_t rep_len)
{
    tc_writer w;
    tc_init(&w, b);
    tc_field_i32(&w, 1, type);
    tc_field_i32(&w, 2, (int32_t)raw);
    tc_field_i32(&w, 3, (int32_t)size);
    tc_field_struct(&w, (int16_t)sub);
    tc_field_i32(&w, 1, nvalues);
    if (sub == 8) {
        tc_field_i32(&w, 3, nvalues);
        tc_field_i32(&w, 4, enc);
        tc_field_i32(&w, 5, def_len);
        tc_field_i32(&w, 6, rep_len);
        tc_field_bool(&w, 7, false);
    } else {
        tc_field_i32(&w, 2, enc);
    }
    tc_struct_end(&w);
    pq_buf_byte(b, TC_STOP);
}

/* An optional string column, uncompressed: a PLAIN_DICTIONARY dictionary
 * page, an index page, a v1 page and a v2 page, with nulls. */
static void test_pages_v2_uncompressed(void **state)
{
    pq_buf b = {0}, body = {0};
    pq_buf_put(&b, "PAR1", 4);
    pq_buf_u32le(&body, 1), pq_buf_put(&body, "a", 1), pq_buf_u32le(&body, 2);
    pq_buf_put(&body, "bc", 2);
    page_header(&b, 2, body.len, body.len, 7, 2, PQ_ENC_PLAIN_DICTIONARY, 0, 0);
    pq_buf_put(&b, body.p, body.len);
    page_header(&b, 1, 0, 0, 5, 0, 0, 0, 0); /* index page, skipped */
    /* v1: 3 levels (1, 0, 1), dictionary indices 1, 0. */
    const uint8_t v1[] = {2, 0, 0, 0, 0x03, 0x05, 1, 0x03, 0x01};
    page_header(&b, 0, sizeof(v1), sizeof(v1), 5, 3, PQ_ENC_PLAIN_DICTIONARY, 0, 0);
    pq_buf_put(&b, v1, sizeof(v1));
    /* v2: 2 levels (0, 1), levels without length, PLAIN "xyz". */
    const uint8_t v2[] = {0x03, 0x02, 3, 0, 0, 0, 'x', 'y', 'z'};
    page_header(&b, 3, sizeof(v2), sizeof(v2), 8, 2, PQ_ENC_PLAIN, 2, 0);
    pq_buf_put(&b, v2, sizeof(v2));
    pq_column_chunk cc = {.type = PQ_T_BYTE_ARRAY, .codec = PQ_C_UNCOMPRESSED, .num_values = 5,
                          .data_page_offset = 4 + 10, .dictionary_page_offset = 4,
                          .total_compressed_size = (int64_t)b.len - 4};
    pq_leaf_info l = {.cc = &cc, .type = PQ_T_BYTE_ARRAY, .time_scale = 1, .max_def = 1,
                      .depth = 1, .def = {1}};
    size_t budget = pq_read_budget(b.len);
    pq_arena keep = {NULL, &budget}, tmp = {NULL, &budget};
    pq_chunk_src src = {b.p, 0, b.len, &keep, &tmp, NULL};
    pq_col c;
    assert_int_equal(pq_col_read(&src, &l, &c), 0);
    assert_int_equal(c.nlevels, 5);
    assert_int_equal(c.nvalues, 3);
    assert_int_equal(c.nrows, 5);
    static const uint8_t defs[] = {1, 0, 1, 0, 1};
    assert_memory_equal(c.def, defs, 5);
    assert_memory_equal(c.str[0].ptr, "bc", 2);
    assert_memory_equal(c.str[1].ptr, "a", 1);
    assert_memory_equal(c.str[2].ptr, "xyz", 3);
    /* The same chunk claiming more values than its pages hold. */
    cc.num_values = 6;
    assert_int_equal(pq_col_read(&src, &l, &c), -EBADMSG);
    cc.num_values = 5;
    cc.codec = PQ_C_GZIP;
    assert_int_equal(pq_col_read(&src, &l, &c), -ENOTSUP);
    pq_arena_free(&keep);
    pq_arena_free(&tmp);
    pq_chunk_src_fini(&src);
    pq_buf_free(&b);
    pq_buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rich_request_round_trip),
        cmocka_unit_test(test_every_type_round_trip),
        cmocka_unit_test(test_groups_of_many_rows),
        cmocka_unit_test(test_dictionaries_and_two_requests),
        cmocka_unit_test(test_row_subsets),
        cmocka_unit_test(test_summaries),
        cmocka_unit_test(test_zero_rows),
        cmocka_unit_test(test_range_not_covered),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_damaged_bytes),
        cmocka_unit_test(test_duckdb_files),
        cmocka_unit_test(test_rle_decode),
        cmocka_unit_test(test_text_any),
        cmocka_unit_test(test_pages_v2_uncompressed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
