/*
 * test_client_generator.c: the example client's trace generator. Requests
 * are packed and decoded again, so what is checked is what goes on the
 * wire: exact span counts, parent links inside each trace, unique ids,
 * and the realism the converter and query tests rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "generator.h"

#ifdef HAVE_OTLP_VALIDATE
#include <otelc/sdk/otlp_validate.h>
#endif

typedef Opentelemetry__Proto__Trace__V1__Span span_t;
typedef Opentelemetry__Proto__Common__V1__KeyValue kv_t;

#define NOW 1790000000000000000ull

/* A request as it would be sent: packed, then decoded by protobuf-c. */
typedef struct decoded {
    uint8_t *wire;
    size_t wire_len;
    otlp_export_req *req;
    span_t **spans;     /* flattened, in request order */
    size_t n;
} decoded;

static void decode(const otlp_export_req *req, decoded *d)
{
    memset(d, 0, sizeof(*d));
    d->wire_len = protobuf_c_message_get_packed_size(&req->base);
    d->wire = malloc(d->wire_len);
    assert_non_null(d->wire);
    protobuf_c_message_pack(&req->base, d->wire);
    d->req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, d->wire_len, d->wire);
    assert_non_null(d->req);
    for (size_t i = 0; i < d->req->n_resource_spans; i++)
        for (size_t j = 0; j < d->req->resource_spans[i]->n_scope_spans; j++)
            d->n += d->req->resource_spans[i]->scope_spans[j]->n_spans;
    d->spans = calloc(d->n ? d->n : 1, sizeof(span_t *));
    size_t k = 0;
    for (size_t i = 0; i < d->req->n_resource_spans; i++)
        for (size_t j = 0; j < d->req->resource_spans[i]->n_scope_spans; j++) {
            Opentelemetry__Proto__Trace__V1__ScopeSpans *ss =
                d->req->resource_spans[i]->scope_spans[j];
            for (size_t s = 0; s < ss->n_spans; s++)
                d->spans[k++] = ss->spans[s];
        }
}

static void release(decoded *d)
{
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        d->req, NULL);
    free(d->spans);
    free(d->wire);
}

static const kv_t *find_attr(kv_t **attrs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(attrs[i]->key, key) == 0)
            return attrs[i];
    return NULL;
}

static const span_t *find_span(const decoded *d, const uint8_t *span_id)
{
    for (size_t i = 0; i < d->n; i++)
        if (memcmp(d->spans[i]->span_id.data, span_id, 8) == 0)
            return d->spans[i];
    return NULL;
}

static void test_exact_span_counts(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 7, 13, 100, 999, 2000};
    trace_gen *g = trace_gen_new(42, 2000);
    assert_non_null(g);

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        decoded d;
        decode(trace_gen_build(g, sizes[i], NOW), &d);
        assert_int_equal(d.n, sizes[i]);
        assert_int_equal(trace_gen_count(g), sizes[i]);
        release(&d);
    }
    assert_null(trace_gen_build(g, 0, NOW));
    assert_null(trace_gen_build(g, 2001, NOW));
    trace_gen_free(g);
}

/*
 * Every span with a parent finds it in the same request and trace, and
 * lies within the parent's time; every trace has exactly one root.
 */
static void test_parent_links(void **state)
{
    trace_gen *g = trace_gen_new(7, 1000);
    size_t roots = 0, children = 0;

    for (int round = 0; round < 5; round++) {
        decoded d;
        decode(trace_gen_build(g, 997, NOW), &d);
        for (size_t i = 0; i < d.n; i++) {
            const span_t *s = d.spans[i];
            assert_true(s->start_time_unix_nano < s->end_time_unix_nano);
            assert_true(s->end_time_unix_nano <= NOW);
            if (s->parent_span_id.len == 0) {
                roots++;
                /* no other root in the same trace */
                for (size_t j = 0; j < d.n; j++)
                    if (j != i && d.spans[j]->parent_span_id.len == 0)
                        assert_memory_not_equal(d.spans[j]->trace_id.data, s->trace_id.data, 16);
                continue;
            }
            children++;
            assert_int_equal(s->parent_span_id.len, 8);
            const span_t *p = find_span(&d, s->parent_span_id.data);
            assert_non_null(p);
            assert_memory_equal(p->trace_id.data, s->trace_id.data, 16);
            assert_true(s->start_time_unix_nano >= p->start_time_unix_nano);
            assert_true(s->end_time_unix_nano <= p->end_time_unix_nano);
        }
        release(&d);
    }
    /* traces have several spans on average */
    assert_true(children > 3 * roots);
    trace_gen_free(g);
}

static int cmp_bytes8(const void *a, const void *b)
{
    return memcmp(a, b, 8);
}

static int cmp_bytes16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* 40 000 span ids and every trace id over 400 requests: none repeats, none is zero. */
static void test_ids_unique(void **state)
{
    enum { ROUNDS = 400, PER = 100 };
    static const uint8_t zero[16];
    uint8_t *span_ids = malloc((size_t)ROUNDS * PER * 8);
    uint8_t *trace_ids = malloc((size_t)ROUNDS * PER * 16);
    size_t ns = 0, nt = 0;
    trace_gen *g = trace_gen_new(1, PER);

    for (int r = 0; r < ROUNDS; r++) {
        decoded d;
        decode(trace_gen_build(g, PER, NOW), &d);
        for (size_t i = 0; i < d.n; i++) {
            assert_int_equal(d.spans[i]->trace_id.len, 16);
            assert_int_equal(d.spans[i]->span_id.len, 8);
            assert_memory_not_equal(d.spans[i]->span_id.data, zero, 8);
            assert_memory_not_equal(d.spans[i]->trace_id.data, zero, 16);
            memcpy(span_ids + 8 * ns++, d.spans[i]->span_id.data, 8);
            if (d.spans[i]->parent_span_id.len == 0)
                memcpy(trace_ids + 16 * nt++, d.spans[i]->trace_id.data, 16);
        }
        release(&d);
    }
    qsort(span_ids, ns, 8, cmp_bytes8);
    for (size_t i = 1; i < ns; i++)
        assert_memory_not_equal(span_ids + 8 * (i - 1), span_ids + 8 * i, 8);
    qsort(trace_ids, nt, 16, cmp_bytes16);
    for (size_t i = 1; i < nt; i++)
        assert_memory_not_equal(trace_ids + 16 * (i - 1), trace_ids + 16 * i, 16);
    assert_int_equal(ns, (size_t)ROUNDS * PER);
    free(span_ids);
    free(trace_ids);
    trace_gen_free(g);
}

/* The same seed gives the same bytes; another seed, other ids. */
static void test_seeded(void **state)
{
    trace_gen *a = trace_gen_new(99, 50), *b = trace_gen_new(99, 50), *c = trace_gen_new(100, 50);
    decoded da, db, dc;

    decode(trace_gen_build(a, 50, NOW), &da);
    decode(trace_gen_build(b, 50, NOW), &db);
    decode(trace_gen_build(c, 50, NOW), &dc);
    assert_int_equal(da.wire_len, db.wire_len);
    assert_memory_equal(da.wire, db.wire, da.wire_len);
    assert_memory_not_equal(da.spans[0]->span_id.data, dc.spans[0]->span_id.data, 8);
    release(&da);
    release(&db);
    release(&dc);
    trace_gen_free(a);
    trace_gen_free(b);
    trace_gen_free(c);
}

static void hex(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

/* The --print-ids lines name exactly the spans of the request, in order. */
static void test_format_ids(void **state)
{
    trace_gen *g = trace_gen_new(5, 30);
    char *text = malloc((size_t)30 * TRACE_GEN_ID_LINE);
    char want[TRACE_GEN_ID_LINE + 1];

    trace_gen_build(g, 30, NOW);
    assert_int_equal(trace_gen_format_ids(g, text), 30 * TRACE_GEN_ID_LINE);
    for (size_t i = 0; i < 30; i++) {
        const uint8_t *tid, *sid;
        trace_gen_span_ids(g, i, &tid, &sid);
        hex(want, tid, 16);
        want[32] = ' ';
        hex(want + 33, sid, 8);
        want[49] = '\n';
        assert_memory_equal(text + i * TRACE_GEN_ID_LINE, want, TRACE_GEN_ID_LINE);
    }
    free(text);
    trace_gen_free(g);
}

static bool any_span_has(const decoded *d, const char *key)
{
    for (size_t i = 0; i < d->n; i++)
        if (find_attr(d->spans[i]->attributes, d->spans[i]->n_attributes, key))
            return true;
    return false;
}

static const char *service_of(const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs)
{
    const kv_t *kv = find_attr(rs->resource->attributes, rs->resource->n_attributes,
                               "service.name");
    return kv ? kv->value->string_value : "";
}

/* Five services, current and legacy attribute names, about ten per span. */
static void test_services_and_attributes(void **state)
{
    static const char *const keys[] = {
        "http.request.method", "url.path", "http.response.status_code", "server.address",
        "db.system.name", "rpc.service", "http.method", "http.status_code", "net.peer.name",
        "app.product.ids",
    };
    trace_gen *g = trace_gen_new(3, 2000);
    decoded d;
    size_t attrs = 0;

    decode(trace_gen_build(g, 2000, NOW), &d);
    assert_int_equal(d.req->n_resource_spans, TRACE_GEN_SERVICES);
    for (size_t i = 0; i < d.req->n_resource_spans; i++) {
        const char *name = service_of(d.req->resource_spans[i]);
        assert_true(strlen(name) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(name, service_of(d.req->resource_spans[j]));
        /* the legacy service never uses the stable HTTP names */
        if (strcmp(name, "inventory") != 0)
            continue;
        Opentelemetry__Proto__Trace__V1__ScopeSpans *ss =
            d.req->resource_spans[i]->scope_spans[0];
        for (size_t s = 0; s < ss->n_spans; s++)
            assert_null(find_attr(ss->spans[s]->attributes, ss->spans[s]->n_attributes,
                                  "http.request.method"));
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_true(any_span_has(&d, keys[i]));
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.spans[i]->n_attributes >= 4);
        attrs += d.spans[i]->n_attributes;
    }
    assert_true(attrs >= 8 * d.n);
    release(&d);
    trace_gen_free(g);
}

/* Some spans fail with a message and an exception event; some roots link back. */
static void test_errors_events_links(void **state)
{
    trace_gen *g = trace_gen_new(11, 5000);
    decoded d;
    size_t errors = 0, exceptions = 0, links = 0;

    decode(trace_gen_build(g, 5000, NOW), &d);
    for (size_t i = 0; i < d.n; i++) {
        const span_t *s = d.spans[i];
        if (s->status && s->status->code ==
                             OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR) {
            errors++;
            assert_true(strlen(s->status->message) > 0);
        }
        for (size_t e = 0; e < s->n_events; e++) {
            assert_string_equal(s->events[e]->name, "exception");
            assert_non_null(find_attr(s->events[e]->attributes, s->events[e]->n_attributes,
                                      "exception.type"));
            assert_true(s->events[e]->time_unix_nano >= s->start_time_unix_nano);
            assert_true(s->events[e]->time_unix_nano <= s->end_time_unix_nano);
            exceptions++;
        }
        for (size_t l = 0; l < s->n_links; l++) {
            assert_int_equal(s->parent_span_id.len, 0);
            /* the linked root is an earlier span of this request */
            const span_t *target = find_span(&d, s->links[l]->span_id.data);
            assert_non_null(target);
            assert_memory_equal(target->trace_id.data, s->links[l]->trace_id.data, 16);
            links++;
        }
    }
    assert_true(errors > 0 && errors < d.n / 5);
    assert_true(exceptions > 0 && exceptions <= errors);
    assert_true(links > 0);
    release(&d);
    trace_gen_free(g);
}

#ifdef HAVE_OTLP_VALIDATE
/* The receivers' own validator accepts what the client sends. */
static void test_receiver_validates(void **state)
{
    trace_gen *g = trace_gen_new(8, 500);
    decoded d;
    size_t count = 0;
    otlp_verror err;

    decode(trace_gen_build(g, 500, NOW), &d);
    assert_int_equal(otlp_validate_request(d.wire, d.wire_len, &count, &err), OTLP_OK);
    assert_int_equal(count, 500);
    release(&d);
    trace_gen_free(g);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_span_counts),
        cmocka_unit_test(test_parent_links),
        cmocka_unit_test(test_ids_unique),
        cmocka_unit_test(test_seeded),
        cmocka_unit_test(test_format_ids),
        cmocka_unit_test(test_services_and_attributes),
        cmocka_unit_test(test_errors_events_links),
#ifdef HAVE_OTLP_VALIDATE
        cmocka_unit_test(test_receiver_validates),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
