/*
 * The generated protobuf-c code for OTLP traces, google.rpc.Status and
 * Tempo's trace-by-id response: every field survives a pack/unpack round
 * trip, and the bytes on the wire carry the field numbers and wire types
 * the public specifications define.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tempopb/tempo.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
    ExportRequest;

#define ATTR_COUNT 7

/* The generated enum names are long; these keep the assertions readable. */
#define VALUE_CASE(kind) \
    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##kind
#define SPAN_KIND(kind) \
    OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_##kind
#define STATUS_ERROR \
    OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR

static uint8_t trace_id[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                               0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                               0x0d, 0x0e, 0x0f, 0x10};
static uint8_t span_id[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
static uint8_t parent_id[8] = {0x21, 0x22, 0x23, 0x24,
                               0x25, 0x26, 0x27, 0x28};
static uint8_t link_trace_id[16] = {0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6,
                                    0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc,
                                    0xfd, 0xfe, 0xff, 0x00};
static uint8_t link_span_id[8] = {0xe1, 0xe2, 0xe3, 0xe4,
                                  0xe5, 0xe6, 0xe7, 0xe8};
static uint8_t blob[3] = {0x00, 0xff, 0x7f};

/* Every message of the request, kept in one place so the builders need no
 * heap and the assertions can compare against the originals. */
struct request_parts {
    AnyValue values[ATTR_COUNT];
    KeyValue attrs[ATTR_COUNT];
    KeyValue *attr_ptrs[ATTR_COUNT];
    AnyValue array_items[2];
    AnyValue *array_item_ptrs[2];
    Opentelemetry__Proto__Common__V1__ArrayValue array;
    AnyValue nested_value;
    KeyValue nested_kv;
    KeyValue *nested_kv_ptr;
    Opentelemetry__Proto__Common__V1__KeyValueList kvlist;
    Opentelemetry__Proto__Trace__V1__Span__Event event;
    Opentelemetry__Proto__Trace__V1__Span__Event *event_ptr;
    Opentelemetry__Proto__Trace__V1__Span__Link link;
    Opentelemetry__Proto__Trace__V1__Span__Link *link_ptr;
    Opentelemetry__Proto__Trace__V1__Status status;
    Span span;
    Span *span_ptr;
    Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
    Opentelemetry__Proto__Trace__V1__ScopeSpans scope_spans;
    Opentelemetry__Proto__Trace__V1__ScopeSpans *scope_spans_ptr;
    Opentelemetry__Proto__Resource__V1__Resource resource;
    ResourceSpans resource_spans;
    ResourceSpans *resource_spans_ptr;
    ExportRequest request;
};

static ProtobufCBinaryData bin(uint8_t *data, size_t len)
{
    ProtobufCBinaryData b = {len, data};
    return b;
}

static void set_attr(struct request_parts *p, size_t i, const char *key,
                     Opentelemetry__Proto__Common__V1__AnyValue__ValueCase c)
{
    opentelemetry__proto__common__v1__any_value__init(&p->values[i]);
    p->values[i].value_case = c;
    opentelemetry__proto__common__v1__key_value__init(&p->attrs[i]);
    p->attrs[i].key = (char *)key;
    p->attrs[i].value = &p->values[i];
    p->attr_ptrs[i] = &p->attrs[i];
}

/* One attribute per AnyValue kind; the array and kvlist nest further. */
static void build_attributes(struct request_parts *p)
{
    set_attr(p, 0, "str", VALUE_CASE(STRING_VALUE));
    p->values[0].string_value = "checkout";
    set_attr(p, 1, "bool", VALUE_CASE(BOOL_VALUE));
    p->values[1].bool_value = 1;
    set_attr(p, 2, "int", VALUE_CASE(INT_VALUE));
    p->values[2].int_value = -42;
    set_attr(p, 3, "double", VALUE_CASE(DOUBLE_VALUE));
    p->values[3].double_value = 2.5;
    set_attr(p, 4, "bytes", VALUE_CASE(BYTES_VALUE));
    p->values[4].bytes_value = bin(blob, sizeof blob);

    for (size_t i = 0; i < 2; i++) {
        opentelemetry__proto__common__v1__any_value__init(&p->array_items[i]);
        p->array_items[i].value_case =
            VALUE_CASE(INT_VALUE);
        p->array_items[i].int_value = (int64_t)i + 7;
        p->array_item_ptrs[i] = &p->array_items[i];
    }
    opentelemetry__proto__common__v1__array_value__init(&p->array);
    p->array.n_values = 2;
    p->array.values = p->array_item_ptrs;
    set_attr(p, 5, "array", VALUE_CASE(ARRAY_VALUE));
    p->values[5].array_value = &p->array;

    opentelemetry__proto__common__v1__any_value__init(&p->nested_value);
    p->nested_value.value_case =
        VALUE_CASE(STRING_VALUE);
    p->nested_value.string_value = "inner";
    opentelemetry__proto__common__v1__key_value__init(&p->nested_kv);
    p->nested_kv.key = "nested";
    p->nested_kv.value = &p->nested_value;
    p->nested_kv_ptr = &p->nested_kv;
    opentelemetry__proto__common__v1__key_value_list__init(&p->kvlist);
    p->kvlist.n_values = 1;
    p->kvlist.values = &p->nested_kv_ptr;
    set_attr(p, 6, "kvlist", VALUE_CASE(KVLIST_VALUE));
    p->values[6].kvlist_value = &p->kvlist;
}

static void build_event_link_status(struct request_parts *p)
{
    opentelemetry__proto__trace__v1__span__event__init(&p->event);
    p->event.time_unix_nano = 1700000000500000000ULL;
    p->event.name = "exception";
    p->event.n_attributes = 1;
    p->event.attributes = &p->attr_ptrs[0];
    p->event.dropped_attributes_count = 3;
    p->event_ptr = &p->event;

    opentelemetry__proto__trace__v1__span__link__init(&p->link);
    p->link.trace_id = bin(link_trace_id, sizeof link_trace_id);
    p->link.span_id = bin(link_span_id, sizeof link_span_id);
    p->link.trace_state = "vendor=link";
    p->link.n_attributes = 1;
    p->link.attributes = &p->attr_ptrs[2];
    p->link.dropped_attributes_count = 4;
    p->link.flags = 0x301;
    p->link_ptr = &p->link;

    opentelemetry__proto__trace__v1__status__init(&p->status);
    p->status.message = "boom";
    p->status.code = STATUS_ERROR;
}

static void build_span(struct request_parts *p)
{
    Span *s = &p->span;

    opentelemetry__proto__trace__v1__span__init(s);
    s->trace_id = bin(trace_id, sizeof trace_id);
    s->span_id = bin(span_id, sizeof span_id);
    s->trace_state = "vendor=span";
    s->parent_span_id = bin(parent_id, sizeof parent_id);
    s->flags = 0x101;
    s->name = "GET /cart";
    s->kind = SPAN_KIND(SERVER);
    s->start_time_unix_nano = 1700000000000000000ULL;
    s->end_time_unix_nano = 1700000001000000000ULL;
    s->n_attributes = ATTR_COUNT;
    s->attributes = p->attr_ptrs;
    s->dropped_attributes_count = 1;
    s->n_events = 1;
    s->events = &p->event_ptr;
    s->dropped_events_count = 2;
    s->n_links = 1;
    s->links = &p->link_ptr;
    s->dropped_links_count = 5;
    s->status = &p->status;
    p->span_ptr = s;
}

static void build_envelope(struct request_parts *p)
{
    opentelemetry__proto__common__v1__instrumentation_scope__init(&p->scope);
    p->scope.name = "otelc.test";
    p->scope.version = "1.2.3";
    p->scope.n_attributes = 1;
    p->scope.attributes = &p->attr_ptrs[1];
    p->scope.dropped_attributes_count = 6;
    opentelemetry__proto__trace__v1__scope_spans__init(&p->scope_spans);
    p->scope_spans.scope = &p->scope;
    p->scope_spans.n_spans = 1;
    p->scope_spans.spans = &p->span_ptr;
    p->scope_spans.schema_url = "https://opentelemetry.io/schemas/scope";
    p->scope_spans_ptr = &p->scope_spans;

    opentelemetry__proto__resource__v1__resource__init(&p->resource);
    p->resource.n_attributes = 1;
    p->resource.attributes = &p->attr_ptrs[0];
    p->resource.dropped_attributes_count = 8;
    opentelemetry__proto__trace__v1__resource_spans__init(&p->resource_spans);
    p->resource_spans.resource = &p->resource;
    p->resource_spans.n_scope_spans = 1;
    p->resource_spans.scope_spans = &p->scope_spans_ptr;
    p->resource_spans.schema_url = "https://opentelemetry.io/schemas/1.26.0";
    p->resource_spans_ptr = &p->resource_spans;

    opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&p->request);
    p->request.n_resource_spans = 1;
    p->request.resource_spans = &p->resource_spans_ptr;
}

static void build_request(struct request_parts *p)
{
    memset(p, 0, sizeof *p);
    build_attributes(p);
    build_event_link_status(p);
    build_span(p);
    build_envelope(p);
}

/* Packs msg into a fresh heap buffer the caller frees. */
static uint8_t *pack_message(const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(msg, buf), *len);
    return buf;
}

static void assert_bin(ProtobufCBinaryData got, const uint8_t *want,
                       size_t len)
{
    assert_int_equal(got.len, len);
    assert_memory_equal(got.data, want, len);
}

/* Finds the attribute with the given key, failing the test if absent. */
static const AnyValue *find_attr(KeyValue *const *attrs, size_t n,
                                 const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(attrs[i]->key, key) == 0) {
            assert_non_null(attrs[i]->value);
            return attrs[i]->value;
        }
    }
    fail_msg("attribute %s missing", key);
    return NULL;
}

static void assert_attributes(KeyValue *const *attrs, size_t n)
{
    const AnyValue *v;

    assert_int_equal(n, ATTR_COUNT);
    assert_string_equal(find_attr(attrs, n, "str")->string_value, "checkout");
    assert_true(find_attr(attrs, n, "bool")->bool_value);
    assert_int_equal(find_attr(attrs, n, "int")->int_value, -42);
    assert_true(find_attr(attrs, n, "double")->double_value == 2.5);
    assert_bin(find_attr(attrs, n, "bytes")->bytes_value, blob, sizeof blob);

    v = find_attr(attrs, n, "array");
    assert_int_equal(v->value_case,
                     VALUE_CASE(ARRAY_VALUE));
    assert_int_equal(v->array_value->n_values, 2);
    assert_int_equal(v->array_value->values[0]->int_value, 7);
    assert_int_equal(v->array_value->values[1]->int_value, 8);

    v = find_attr(attrs, n, "kvlist");
    assert_int_equal(v->value_case,
                     VALUE_CASE(KVLIST_VALUE));
    assert_int_equal(v->kvlist_value->n_values, 1);
    v = find_attr(v->kvlist_value->values, 1, "nested");
    assert_string_equal(v->string_value, "inner");
}

static void assert_event_link_status(const Span *s)
{
    assert_int_equal(s->n_events, 1);
    assert_true(s->events[0]->time_unix_nano == 1700000000500000000ULL);
    assert_string_equal(s->events[0]->name, "exception");
    assert_int_equal(s->events[0]->n_attributes, 1);
    assert_string_equal(s->events[0]->attributes[0]->key, "str");
    assert_int_equal(s->events[0]->dropped_attributes_count, 3);
    assert_int_equal(s->dropped_events_count, 2);

    assert_int_equal(s->n_links, 1);
    assert_bin(s->links[0]->trace_id, link_trace_id, sizeof link_trace_id);
    assert_bin(s->links[0]->span_id, link_span_id, sizeof link_span_id);
    assert_string_equal(s->links[0]->trace_state, "vendor=link");
    assert_int_equal(s->links[0]->n_attributes, 1);
    assert_int_equal(s->links[0]->attributes[0]->value->int_value, -42);
    assert_int_equal(s->links[0]->dropped_attributes_count, 4);
    assert_int_equal(s->links[0]->flags, 0x301);
    assert_int_equal(s->dropped_links_count, 5);

    assert_non_null(s->status);
    assert_string_equal(s->status->message, "boom");
    assert_int_equal(s->status->code,
                     STATUS_ERROR);
}

static void assert_span(const Span *s)
{
    assert_bin(s->trace_id, trace_id, sizeof trace_id);
    assert_bin(s->span_id, span_id, sizeof span_id);
    assert_string_equal(s->trace_state, "vendor=span");
    assert_bin(s->parent_span_id, parent_id, sizeof parent_id);
    assert_int_equal(s->flags, 0x101);
    assert_string_equal(s->name, "GET /cart");
    assert_int_equal(s->kind,
                     SPAN_KIND(SERVER));
    assert_true(s->start_time_unix_nano == 1700000000000000000ULL);
    assert_true(s->end_time_unix_nano == 1700000001000000000ULL);
    assert_attributes(s->attributes, s->n_attributes);
    assert_int_equal(s->dropped_attributes_count, 1);
    assert_event_link_status(s);
}

static void assert_resource_spans(const ResourceSpans *rs)
{
    assert_non_null(rs->resource);
    assert_int_equal(rs->resource->n_attributes, 1);
    assert_string_equal(rs->resource->attributes[0]->key, "str");
    assert_int_equal(rs->resource->dropped_attributes_count, 8);
    assert_string_equal(rs->schema_url,
                        "https://opentelemetry.io/schemas/1.26.0");
    assert_int_equal(rs->n_scope_spans, 1);

    const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[0];
    assert_non_null(ss->scope);
    assert_string_equal(ss->scope->name, "otelc.test");
    assert_string_equal(ss->scope->version, "1.2.3");
    assert_int_equal(ss->scope->n_attributes, 1);
    assert_true(ss->scope->attributes[0]->value->bool_value);
    assert_int_equal(ss->scope->dropped_attributes_count, 6);
    assert_string_equal(ss->schema_url,
                        "https://opentelemetry.io/schemas/scope");
    assert_int_equal(ss->n_spans, 1);
    assert_span(ss->spans[0]);
}

static void test_export_request_round_trip(void **state)
{
    struct request_parts parts;
    size_t len;

    (void)state;
    build_request(&parts);
    uint8_t *buf = pack_message(&parts.request.base, &len);
    /* resource_spans is field 1, length-delimited. */
    assert_int_equal(buf[0], 0x0a);

    ExportRequest *got =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, len, buf);
    assert_non_null(got);
    assert_int_equal(got->n_resource_spans, 1);
    assert_resource_spans(got->resource_spans[0]);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        got, NULL);
    free(buf);
}

/* Exact bytes of a span with ids, start time and flags set: field numbers
 * and wire types are the contract other OTLP peers decode by. */
static void test_span_wire_bytes(void **state)
{
    static const uint8_t want[] = {
        0x0a, 0x10, /* trace_id: field 1, length-delimited, 16 bytes */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
        0x12, 0x08, /* span_id: field 2, length-delimited, 8 bytes */
        0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
        0x30, 0x03, /* kind: field 6, varint, CLIENT */
        0x39,       /* start_time_unix_nano: field 7, fixed64 LE */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
        0x85, 0x01, /* flags: field 16, fixed32 LE */
        0x01, 0x03, 0x00, 0x00,
    };
    Span span;
    size_t len;

    (void)state;
    opentelemetry__proto__trace__v1__span__init(&span);
    span.trace_id = bin(trace_id, sizeof trace_id);
    span.span_id = bin(span_id, sizeof span_id);
    span.kind = SPAN_KIND(CLIENT);
    span.start_time_unix_nano = 0x0102030405060708ULL;
    span.flags = 0x301;
    uint8_t *buf = pack_message(&span.base, &len);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    free(buf);
}

/* The tag byte of each AnyValue kind: field number and wire type. */
static void test_any_value_tags(void **state)
{
    struct request_parts parts;
    static const uint8_t want_tags[ATTR_COUNT] = {0x0a, 0x10, 0x18, 0x21,
                                                  0x3a, 0x2a, 0x32};
    size_t len;

    (void)state;
    build_request(&parts);
    for (size_t i = 0; i < ATTR_COUNT; i++) {
        uint8_t *buf = pack_message(&parts.values[i].base, &len);
        assert_true(len > 1);
        assert_int_equal(buf[0], want_tags[i]);
        free(buf);
    }
}

static void test_partial_success_response(void **state)
{
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps;
    size_t len;

    (void)state;
    opentelemetry__proto__collector__trace__v1__export_trace_service_response__init(&resp);
    opentelemetry__proto__collector__trace__v1__export_trace_partial_success__init(&ps);
    ps.rejected_spans = 3;
    ps.error_message = "bad ids";
    resp.partial_success = &ps;
    uint8_t *buf = pack_message(&resp.base, &len);
    static const uint8_t want[] = {0x0a, 0x0b, 0x08, 0x03, 0x12, 0x07,
                                   'b', 'a', 'd', ' ', 'i', 'd', 's'};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    free(buf);
}

static void test_rpc_status_round_trip(void **state)
{
    Google__Rpc__Status st;
    Google__Protobuf__Any detail;
    Google__Protobuf__Any *detail_ptr = &detail;
    size_t len;

    (void)state;
    google__rpc__status__init(&st);
    google__protobuf__any__init(&detail);
    detail.type_url = "type.googleapis.com/google.rpc.RetryInfo";
    detail.value = bin(blob, sizeof blob);
    st.code = 14;
    st.message = "queue full";
    st.n_details = 1;
    st.details = &detail_ptr;
    uint8_t *buf = pack_message(&st.base, &len);
    assert_int_equal(buf[0], 0x08); /* code: field 1, varint */
    assert_int_equal(buf[1], 14);

    Google__Rpc__Status *got = google__rpc__status__unpack(NULL, len, buf);
    assert_non_null(got);
    assert_int_equal(got->code, 14);
    assert_string_equal(got->message, "queue full");
    assert_int_equal(got->n_details, 1);
    assert_string_equal(got->details[0]->type_url, detail.type_url);
    assert_bin(got->details[0]->value, blob, sizeof blob);
    google__rpc__status__free_unpacked(got, NULL);
    free(buf);
}

static void assert_tempo_response(const Tempopb__TraceByIDResponse *got)
{
    assert_non_null(got->trace);
    assert_int_equal(got->trace->n_resourcespans, 1);
    assert_resource_spans(got->trace->resourcespans[0]);
    assert_non_null(got->metrics);
    assert_true(got->metrics->inspectedbytes == 4096);
    assert_true(got->metrics->backendreads == 2);
    assert_true(got->metrics->backendbytes == 1024);
    assert_int_equal(got->metrics->n_additionalmetrics, 1);
    assert_string_equal(got->metrics->additionalmetrics[0]->key, "cache_hits");
    assert_int_equal(got->metrics->additionalmetrics[0]->value, 9);
    assert_int_equal(got->status, TEMPOPB__PARTIAL_STATUS__PARTIAL);
    assert_string_equal(got->message, "one block unreadable");
}

static void test_tempo_trace_by_id_round_trip(void **state)
{
    struct request_parts parts;
    Tempopb__Trace trace;
    Tempopb__TraceByIDMetrics metrics;
    Tempopb__TraceByIDMetrics__AdditionalMetricsEntry entry;
    Tempopb__TraceByIDMetrics__AdditionalMetricsEntry *entry_ptr = &entry;
    Tempopb__TraceByIDResponse resp;
    size_t len;

    (void)state;
    build_request(&parts);
    tempopb__trace__init(&trace);
    trace.n_resourcespans = 1;
    trace.resourcespans = &parts.resource_spans_ptr;
    tempopb__trace_by_idmetrics__additional_metrics_entry__init(&entry);
    entry.key = "cache_hits";
    entry.value = 9;
    tempopb__trace_by_idmetrics__init(&metrics);
    metrics.inspectedbytes = 4096;
    metrics.backendreads = 2;
    metrics.backendbytes = 1024;
    metrics.n_additionalmetrics = 1;
    metrics.additionalmetrics = &entry_ptr;
    tempopb__trace_by_idresponse__init(&resp);
    resp.trace = &trace;
    resp.metrics = &metrics;
    resp.status = TEMPOPB__PARTIAL_STATUS__PARTIAL;
    resp.message = "one block unreadable";

    uint8_t *buf = pack_message(&resp.base, &len);
    Tempopb__TraceByIDResponse *got =
        tempopb__trace_by_idresponse__unpack(NULL, len, buf);
    assert_non_null(got);
    assert_tempo_response(got);
    tempopb__trace_by_idresponse__free_unpacked(got, NULL);
    free(buf);
}

/* Tempo's Trace and OTLP's export request both hold ResourceSpans as
 * field 1, so the same spans encode to the same bytes. */
static void test_tempo_trace_matches_export_request(void **state)
{
    struct request_parts parts;
    Tempopb__Trace trace;
    size_t req_len;
    size_t trace_len;

    (void)state;
    build_request(&parts);
    tempopb__trace__init(&trace);
    trace.n_resourcespans = 1;
    trace.resourcespans = &parts.resource_spans_ptr;
    uint8_t *req = pack_message(&parts.request.base, &req_len);
    uint8_t *tr = pack_message(&trace.base, &trace_len);
    assert_int_equal(req_len, trace_len);
    assert_memory_equal(req, tr, req_len);
    free(tr);
    free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_request_round_trip),
        cmocka_unit_test(test_span_wire_bytes),
        cmocka_unit_test(test_any_value_tags),
        cmocka_unit_test(test_partial_success_response),
        cmocka_unit_test(test_rpc_status_round_trip),
        cmocka_unit_test(test_tempo_trace_by_id_round_trip),
        cmocka_unit_test(test_tempo_trace_matches_export_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
