/*
 * test_otlp_http_xchg.c: one OTLP/HTTP export from request head to
 * validated protobuf (http_xchg.c), and the answers it makes
 * (http_answer.c): every refusal, every encoding, every AnyValue kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>

#include "google/rpc/status.pb-c.h"
#include "grpc_inflate.h"
#include "http_xchg.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#define MIB ((size_t)1 << 20)

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Request;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;

static const char one_span[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
    "\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":"
    "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"1112131415161718\",\"name\":\"op\"}]}]}]}";

/* Every AnyValue kind, nested ones too. */
static const char all_kinds[] =
    "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
    "\"0102030405060708090A0B0C0D0E0F10\",\"spanId\":\"1112131415161718\",\"name\":\"kinds\","
    "\"attributes\":["
    "{\"key\":\"s\",\"value\":{\"stringValue\":\"h\\u00e9\\\"llo\"}},"
    "{\"key\":\"b\",\"value\":{\"boolValue\":true}},"
    "{\"key\":\"i\",\"value\":{\"intValue\":\"-9007199254740993\"}},"
    "{\"key\":\"d\",\"value\":{\"doubleValue\":2.5}},"
    "{\"key\":\"nan\",\"value\":{\"doubleValue\":\"NaN\"}},"
    "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1},"
    "{\"stringValue\":\"x\"}]}}},"
    "{\"key\":\"k\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"in\","
    "\"value\":{\"boolValue\":false}}]}}},"
    "{\"key\":\"y\",\"value\":{\"bytesValue\":\"AAEC/w==\"}},"
    "{\"key\":\"e\",\"value\":{}}"
    "]}]}]}]}";

static otlp_http_opts opts = {
    .traces_path = "/v1/traces",
    .metrics_path = "/v1/metrics",
    .logs_path = "/v1/logs",
    .signals = OTELC_TRACES | OTELC_METRICS | OTELC_LOGS,
    .encodings = 1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_GZIP | 1u << GRPC_ENC_ZSTD |
                 1u << GRPC_ENC_DEFLATE,
};

typedef struct req {
    const char *method, *target, *type, *encoding;
    const uint8_t *body;
    size_t len;
    bool declare_len; /* send Content-Length */
    bool draining, full;
    size_t limit;
} req;

typedef struct out {
    hx_result res;
    bool early;    /* answered before the body was read */
    http_answer a;
    uint8_t *pb;   /* HX_EMIT: owned */
    size_t len, spans;
    otelc_signal signal;
} out;

/* Runs one request through an exchange, the body in 7-byte pieces. */
static out drive(const req *r)
{
    out o = {0};
    http_xchg x;
    char num[24];
    hx_init(&x, &opts, r->limit ? r->limit : 4 * MIB);
    hx_method(&x, r->method ? r->method : "POST", strlen(r->method ? r->method : "POST"));
    const char *t = r->target ? r->target : "/v1/traces";
    hx_target(&x, t, strlen(t));
    if (r->type)
        hx_header(&x, "Content-Type", 12, r->type, strlen(r->type));
    if (r->encoding)
        hx_header(&x, "content-encoding", 16, r->encoding, strlen(r->encoding));
    if (r->declare_len) {
        snprintf(num, sizeof(num), "%zu", r->len);
        hx_header(&x, "CONTENT-LENGTH", 14, num, strlen(num));
    }
    o.early = true;
    o.res = HX_ANSWERED;
    if (hx_head_check(&x, r->draining, r->full, &o.a))
        goto out_free;
    for (size_t i = 0; i < r->len; i += 7)
        if (hx_body(&x, r->body + i, r->len - i < 7 ? r->len - i : 7, &o.a))
            goto out_free;
    o.early = false;
    o.res = hx_finish(&x, &o.pb, &o.len, &o.spans, &o.a);
    o.signal = x.signal;
out_free:
    hx_free(&x);
    return o;
}

static uint8_t *to_pb(const char *json, size_t *len)
{
    uint8_t *pb = NULL;
    char err[160];
    assert_int_equal(otlp_json_read(json, strlen(json), &pb, len, err, sizeof(err)), 0);
    return pb;
}

static Google__Rpc__Status *status_of(const http_answer *a)
{
    assert_string_equal(a->content_type, "application/x-protobuf");
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, a->len, a->body);
    assert_non_null(st);
    return st;
}

/* A JSON answer body: the parsed google.rpc.Status. */
static json_t *json_of(const http_answer *a)
{
    assert_string_equal(a->content_type, "application/json");
    json_t *j = json_loadb((const char *)a->body, a->len, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_routes(void **state)
{
    http_xchg x;
    struct {
        const char *target;
        bool on;
    } cases[] = {
        {"/v1/traces", true},          {"/v1/traces?x=1", true},
        {"/v1/traces#f", true},        {"http://h:4318/v1/traces", true},
        {"https://h/v1/traces?a", true}, {"/v1/traces/", false},
        {"/v1/trace", false},          {"/v1/tracesx", false},
        {"//v1/traces", false},        {"*", false},
        {"", false},                   {"http://h", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hx_init(&x, &opts, MIB);
        hx_target(&x, cases[i].target, strlen(cases[i].target));
        assert_int_equal(x.on_path, cases[i].on);
    }
    otlp_http_opts custom = opts;
    snprintf(custom.traces_path, sizeof(custom.traces_path), "/otlp/t");
    hx_init(&x, &custom, MIB);
    hx_target(&x, "/otlp/t?q", 9);
    assert_true(x.on_path);
}

/* Each signal's path, while a pipeline of that signal is fed; a path of
 * a signal not served is no path (404), as in the collector. */
static void test_signal_routes(void **state)
{
    http_xchg x;
    otlp_http_opts o = opts;
    hx_init(&x, &o, MIB);
    hx_target(&x, "/v1/metrics", 11);
    assert_true(x.on_path);
    assert_int_equal(x.signal, OTELC_METRICS);
    hx_target(&x, "http://h/v1/logs?x", 18);
    assert_int_equal(x.signal, OTELC_LOGS);
    hx_target(&x, "/v1/log", 7);
    assert_false(x.on_path);
    o.signals = OTELC_METRICS;
    hx_target(&x, "/v1/logs", 8);
    assert_false(x.on_path);
    hx_target(&x, "/v1/traces", 10);
    assert_false(x.on_path);
    http_answer a;
    assert_true(hx_head_check(&x, false, false, &a));
    assert_int_equal(a.status, 404);
    snprintf(o.metrics_path, sizeof(o.metrics_path), "/m");
    hx_target(&x, "/m", 2);
    assert_int_equal(x.signal, OTELC_METRICS);
}

static const char metrics_json[] =
    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"c\",\"sum\":{"
    "\"dataPoints\":[{\"asInt\":\"3\"},{\"asDouble\":1.5}],\"isMonotonic\":true}},{\"name\":"
    "\"h\",\"histogram\":{\"dataPoints\":[{\"count\":\"2\",\"bucketCounts\":[\"1\",\"1\"],"
    "\"explicitBounds\":[5]}]}}]}]}]}";

static const char logs_json[] =
    "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"hi\"},"
    "\"traceId\":\"0102030405060708090a0b0c0d0e0f10\"},{\"severityNumber\":\"SEVERITY_NUMBER_WARN\"}"
    "]}]}]}";

/* Metrics and logs bodies: read and validated as their signal's requests,
 * their items counted (data points, log records). */
static void test_metrics_and_logs(void **state)
{
    out o = drive(&(req){.target = "/v1/metrics", .type = "application/json",
                         .body = (const uint8_t *)metrics_json, .len = strlen(metrics_json)});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.signal, OTELC_METRICS);
    assert_int_equal(o.spans, 3);
    size_t pb_len = o.len;
    uint8_t *pb = o.pb;
    o = drive(&(req){.target = "/v1/metrics", .type = "application/x-protobuf", .body = pb,
                     .len = pb_len});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.spans, 3);
    free(o.pb);
    /* The same bytes are no logs request. */
    o = drive(&(req){.target = "/v1/logs", .type = "application/x-protobuf", .body = pb,
                     .len = pb_len});
    assert_int_equal(o.a.status, 400);
    free(pb);
    o = drive(&(req){.target = "/v1/logs", .type = "application/json",
                     .body = (const uint8_t *)logs_json, .len = strlen(logs_json)});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.signal, OTELC_LOGS);
    assert_int_equal(o.spans, 2);
    free(o.pb);
    /* A trace JSON at the logs path: its keys are unknown there, so it is
     * an empty logs request, answered 200 with nothing emitted. */
    o = drive(&(req){.target = "/v1/logs", .type = "application/json",
                     .body = (const uint8_t *)one_span, .len = strlen(one_span)});
    assert_int_equal(o.res, HX_ANSWERED);
    assert_int_equal(o.a.status, 200);
    const char *bad = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":\"01\"}]}]}]}";
    o = drive(&(req){.target = "/v1/logs", .type = "application/json",
                     .body = (const uint8_t *)bad, .len = strlen(bad)});
    assert_int_equal(o.a.status, 400);
    json_t *j = json_of(&o.a);
    assert_string_equal(json_string_value(json_object_get(j, "message")),
                        "resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex digits");
    json_decref(j);
}

static void test_content_kind(void **state)
{
    const char *proto[] = {"application/x-protobuf", "APPLICATION/X-PROTOBUF",
                           " application/x-protobuf ; charset=binary"};
    const char *json[] = {"application/json", "application/json; charset=utf-8",
                          "Application/JSON;"};
    const char *other[] = {"", "text/plain", "application/protobuf", "application/grpc",
                           "application/jsonx", "application/x-protobuf2"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(hx_content_kind(proto[i], strlen(proto[i])), HTTP_BODY_PROTO);
        assert_int_equal(hx_content_kind(json[i], strlen(json[i])), HTTP_BODY_JSON);
    }
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_int_equal(hx_content_kind(other[i], strlen(other[i])), HTTP_BODY_TEXT);
}

static void test_head_refusals(void **state)
{
    const uint8_t b[] = "x";
    /* A wrong path is 404 whatever the method or type. */
    out o = drive(&(req){.method = "GET", .target = "/nope", .type = "application/json"});
    assert_int_equal(o.a.status, 404);
    assert_true(o.early);
    o = drive(&(req){.method = "GET", .type = "application/json"});
    assert_int_equal(o.a.status, 405);
    assert_true(o.a.allow_post);
    assert_non_null(strstr((const char *)o.a.body, "POST"));
    o = drive(&(req){.method = "PUT", .type = "application/x-protobuf"});
    assert_int_equal(o.a.status, 405);
    o = drive(&(req){.type = "text/plain", .body = b, .len = 1});
    assert_int_equal(o.a.status, 415);
    assert_true(o.early);
    assert_string_equal(o.a.content_type, "text/plain; charset=utf-8");
    assert_non_null(strstr((const char *)o.a.body, "application/x-protobuf"));
    assert_non_null(strstr((const char *)o.a.body, "application/json"));
    o = drive(&(req){.body = b, .len = 1});
    assert_int_equal(o.a.status, 415);
    o = drive(&(req){.type = "application/json", .encoding = "br"});
    assert_int_equal(o.a.status, 400);
    json_t *j = json_of(&o.a);
    assert_int_equal(json_integer_value(json_object_get(j, "code")), 3);
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "Encoding"));
    json_decref(j);
    uint8_t *big = calloc(1, 100);
    o = drive(&(req){.type = "application/x-protobuf", .body = big, .len = 100,
                     .declare_len = true, .limit = 99});
    assert_int_equal(o.a.status, 413);
    assert_true(o.early);
    Google__Rpc__Status *st = status_of(&o.a);
    assert_int_equal(st->code, 8);
    google__rpc__status__free_unpacked(st, NULL);
    free(big);
    o = drive(&(req){.type = "application/json", .draining = true});
    assert_int_equal(o.a.status, 503);
    assert_true(o.a.retry_after);
    /* A full pipeline: refused before the body, with Retry-After. */
    o = drive(&(req){.type = "application/x-protobuf", .full = true});
    assert_int_equal(o.a.status, 503);
    assert_true(o.early);
    assert_true(o.a.retry_after);
    st = status_of(&o.a);
    assert_int_equal(st->code, 14);
    assert_non_null(strstr(st->message, "full"));
    google__rpc__status__free_unpacked(st, NULL);
    /* A wrong media type is still told as such. */
    o = drive(&(req){.type = "text/plain", .full = true});
    assert_int_equal(o.a.status, 415);
}

static void test_encoding_not_accepted(void **state)
{
    unsigned saved = opts.encodings;
    opts.encodings = 1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_GZIP;
    out o = drive(&(req){.type = "application/json", .encoding = "zstd"});
    assert_int_equal(o.a.status, 400);
    o = drive(&(req){.type = "application/json", .encoding = "identity", .body =
                         (const uint8_t *)"{}", .len = 2});
    assert_int_equal(o.a.status, 200);
    opts.encodings = saved;
}

static void test_protobuf_adopted(void **state)
{
    size_t len;
    uint8_t *pb = to_pb(one_span, &len);
    out o = drive(&(req){.type = "application/x-protobuf", .body = pb, .len = len,
                         .declare_len = true});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.spans, 1);
    assert_int_equal(o.len, len);
    assert_memory_equal(o.pb, pb, len);
    free(o.pb);
    /* Without Content-Length (chunked) the buffer grows instead. */
    o = drive(&(req){.type = "application/x-protobuf", .body = pb, .len = len});
    assert_int_equal(o.res, HX_EMIT);
    assert_memory_equal(o.pb, pb, len);
    free(o.pb);
    free(pb);
    /* Past the 1 MiB allocated at the headers, the rest comes at once. */
    size_t pad = 3 * MIB;
    char *json = malloc(pad + 512);
    int n = snprintf(json, 512, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
                                "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":"
                                "\"1112131415161718\",\"name\":\"");
    memset(json + n, 'p', pad);
    snprintf(json + n + pad, 16, "\"}]}]}]}");
    pb = to_pb(json, &len);
    assert_true(len > pad);
    o = drive(&(req){.type = "application/x-protobuf", .body = pb, .len = len,
                     .declare_len = true});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.len, len);
    assert_memory_equal(o.pb, pb, len);
    free(o.pb);
    free(pb);
    free(json);
}

static const AnyValue *attr(const Request *r, const char *key)
{
    Opentelemetry__Proto__Trace__V1__Span *s = r->resource_spans[0]->scope_spans[0]->spans[0];
    for (size_t i = 0; i < s->n_attributes; i++)
        if (strcmp(s->attributes[i]->key, key) == 0)
            return s->attributes[i]->value;
    fail_msg("no attribute %s", key);
    return NULL;
}

static void test_json_every_value_kind(void **state)
{
    out o = drive(&(req){.type = "application/json; charset=utf-8", .body =
                             (const uint8_t *)all_kinds, .len = strlen(all_kinds)});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.spans, 1);
    Request *r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        NULL, o.len, o.pb);
    assert_non_null(r);
    Opentelemetry__Proto__Trace__V1__Span *s = r->resource_spans[0]->scope_spans[0]->spans[0];
    assert_string_equal(s->name, "kinds");
    assert_int_equal(s->trace_id.len, 16);
    assert_int_equal(s->trace_id.data[15], 0x10);
    assert_int_equal(s->span_id.data[0], 0x11);
    assert_string_equal(attr(r, "s")->string_value, "h\xc3\xa9\"llo");
    assert_true(attr(r, "b")->bool_value);
    assert_true(attr(r, "i")->int_value == INT64_C(-9007199254740993));
    assert_true(attr(r, "d")->double_value == 2.5);
    assert_true(attr(r, "nan")->double_value != attr(r, "nan")->double_value);
    const AnyValue *a = attr(r, "a");
    assert_int_equal(a->array_value->n_values, 2);
    assert_int_equal(a->array_value->values[0]->int_value, 1);
    assert_string_equal(a->array_value->values[1]->string_value, "x");
    const AnyValue *k = attr(r, "k");
    assert_string_equal(k->kvlist_value->values[0]->key, "in");
    assert_int_equal(k->kvlist_value->values[0]->value->value_case,
                     OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
    const AnyValue *y = attr(r, "y");
    assert_int_equal(y->bytes_value.len, 4);
    assert_memory_equal(y->bytes_value.data, "\x00\x01\x02\xff", 4);
    assert_int_equal(attr(r, "e")->value_case,
                     OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r,
                                                                                           NULL);
    free(o.pb);
}

static uint8_t *gzip_of(const void *in, size_t n, int wbits, size_t *zlen)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, n);
    uint8_t *buf = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *zlen = z.total_out;
    deflateEnd(&z);
    return buf;
}

static void expect_same(const char *encoding, const uint8_t *body, size_t n, const uint8_t *pb,
                        size_t len)
{
    out o = drive(&(req){.type = "application/x-protobuf", .encoding = encoding, .body = body,
                         .len = n, .declare_len = true});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.len, len);
    assert_memory_equal(o.pb, pb, len);
    free(o.pb);
}

static void test_compressed(void **state)
{
    size_t len, zlen;
    uint8_t *pb = to_pb(all_kinds, &len);
    uint8_t *gz = gzip_of(pb, len, 16 + MAX_WBITS, &zlen);
    expect_same("gzip", gz, zlen, pb, len);
    expect_same(" GZIP ", gz, zlen, pb, len);
    free(gz);
    gz = gzip_of(pb, len, MAX_WBITS, &zlen);
    expect_same("deflate", gz, zlen, pb, len);
    free(gz);
    uint8_t zs[4096];
    zlen = ZSTD_compress(zs, sizeof(zs), pb, len, 3);
    assert_false(ZSTD_isError(zlen));
    expect_same("zstd", zs, zlen, pb, len);
    /* JSON compressed too. */
    gz = gzip_of(one_span, strlen(one_span), 16 + MAX_WBITS, &zlen);
    out o = drive(&(req){.type = "application/json", .encoding = "gzip", .body = gz, .len = zlen});
    assert_int_equal(o.res, HX_EMIT);
    assert_int_equal(o.spans, 1);
    free(o.pb);
    /* Corrupt data is the client's fault. */
    gz[zlen / 2] ^= 0xff;
    gz[zlen - 5] ^= 0xff;
    o = drive(&(req){.type = "application/json", .encoding = "gzip", .body = gz, .len = zlen});
    assert_int_equal(o.a.status, 400);
    assert_false(o.early);
    free(gz);
    free(pb);
}

static void test_limit_after_inflation(void **state)
{
    size_t zlen;
    uint8_t *zeros = calloc(1, MIB);
    uint8_t *gz = gzip_of(zeros, MIB, 16 + MAX_WBITS, &zlen);
    assert_true(zlen < (size_t)64 * 1024);
    out o = drive(&(req){.type = "application/x-protobuf", .encoding = "gzip", .body = gz,
                         .len = zlen, .declare_len = true, .limit = (size_t)64 * 1024});
    assert_int_equal(o.a.status, 413);
    assert_false(o.early);
    Google__Rpc__Status *st = status_of(&o.a);
    assert_int_equal(st->code, 8);
    assert_non_null(strstr(st->message, "decompressed"));
    google__rpc__status__free_unpacked(st, NULL);
    /* A body growing past the limit without Content-Length stops early. */
    o = drive(&(req){.type = "application/x-protobuf", .body = zeros, .len = 1000, .limit = 999});
    assert_int_equal(o.a.status, 413);
    assert_true(o.early);
    /* Exactly at the limit is read whole (and then refused as protobuf:
     * field number 0 is invalid). */
    o = drive(&(req){.type = "application/x-protobuf", .body = zeros, .len = 1000, .limit = 1000});
    assert_int_equal(o.a.status, 400);
    assert_false(o.early);
    free(gz);
    free(zeros);
}

static void test_invalid_bodies(void **state)
{
    out o = drive(&(req){.type = "application/json", .body = (const uint8_t *)"{\"resourceSpans\":",
                         .len = 17});
    assert_int_equal(o.a.status, 400);
    json_t *j = json_of(&o.a);
    assert_int_equal(json_integer_value(json_object_get(j, "code")), 3);
    json_decref(j);
    const char *bad_id = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"01\","
                         "\"spanId\":\"1112131415161718\"}]}]}]}";
    o = drive(&(req){.type = "application/json", .body = (const uint8_t *)bad_id,
                     .len = strlen(bad_id)});
    assert_int_equal(o.a.status, 400);
    j = json_of(&o.a);
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "traceId"));
    json_decref(j);
    const uint8_t garbage[] = {0x0a, 0x05, 0x01};
    o = drive(&(req){.type = "application/x-protobuf", .body = garbage, .len = 3});
    assert_int_equal(o.a.status, 400);
    Google__Rpc__Status *st = status_of(&o.a);
    assert_int_equal(st->code, 3);
    assert_true(strlen(st->message) > 0);
    google__rpc__status__free_unpacked(st, NULL);
    /* A 3-byte trace id in protobuf: validation names it. */
    const uint8_t short_id[] = {0x0a, 0x0b, 0x12, 0x09, 0x12, 0x07, 0x0a,
                                0x03, 1,    2,    3,    0x2a, 0x00};
    o = drive(&(req){.type = "application/x-protobuf", .body = short_id, .len = sizeof(short_id)});
    assert_int_equal(o.a.status, 400);
    st = status_of(&o.a);
    assert_non_null(strstr(st->message, "trace_id"));
    google__rpc__status__free_unpacked(st, NULL);
}

static void test_empty_requests(void **state)
{
    out o = drive(&(req){.type = "application/x-protobuf"});
    assert_int_equal(o.res, HX_ANSWERED);
    assert_int_equal(o.a.status, 200);
    assert_int_equal(o.a.len, 2);
    assert_memory_equal(o.a.body, "\x0a\x00", 2);
    o = drive(&(req){.type = "application/json", .body = (const uint8_t *)"{}", .len = 2});
    assert_int_equal(o.a.status, 200);
    assert_int_equal(o.a.len, strlen("{\"partialSuccess\":{}}"));
    assert_memory_equal(o.a.body, "{\"partialSuccess\":{}}", o.a.len);
    o = drive(&(req){.type = "application/json"});
    assert_int_equal(o.a.status, 400); /* an empty body is not JSON */
}

static void test_outcomes(void **state)
{
    http_xchg x;
    http_answer a;
    hx_init(&x, &opts, MIB);
    x.kind = HTTP_BODY_JSON;
    hx_answer_outcome(&x, OTELC_OK, false, &a);
    assert_int_equal(a.status, 200);
    assert_false(a.retry_after);
    hx_answer_outcome(&x, OTELC_RETRY, false, &a);
    assert_int_equal(a.status, 503);
    assert_true(a.retry_after);
    json_t *j = json_of(&a);
    assert_int_equal(json_integer_value(json_object_get(j, "code")), 14);
    json_decref(j);
    x.kind = HTTP_BODY_PROTO;
    hx_answer_outcome(&x, OTELC_REJECT, false, &a);
    assert_int_equal(a.status, 400);
    assert_false(a.retry_after);
    Google__Rpc__Status *st = status_of(&a);
    assert_int_equal(st->code, 3);
    google__rpc__status__free_unpacked(st, NULL);
    hx_answer_outcome(&x, OTELC_RETRY, true, &a);
    st = status_of(&a);
    assert_non_null(strstr(st->message, "shutting down"));
    google__rpc__status__free_unpacked(st, NULL);
}

static void test_answer_text_is_safe(void **state)
{
    http_answer a;
    http_answer_error(&a, HTTP_BODY_JSON, 400, 3, "a \"quoted\" back\\slash\n\x01\xc3\xa9");
    json_t *j = json_of(&a);
    assert_string_equal(json_string_value(json_object_get(j, "message")),
                        "a \"quoted\" back\\slash????");
    json_decref(j);
    char long_msg[2000];
    memset(long_msg, '"', sizeof(long_msg) - 1);
    long_msg[sizeof(long_msg) - 1] = '\0';
    http_answer_error(&a, HTTP_BODY_JSON, 400, 3, long_msg);
    assert_true(a.len <= HTTP_ANSWER_BODY_MAX);
    j = json_of(&a);
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 100);
    json_decref(j);
    http_answer_error(&a, HTTP_BODY_PROTO, 413, 8, long_msg);
    Google__Rpc__Status *st = status_of(&a);
    assert_true(strlen(st->message) > 100);
    google__rpc__status__free_unpacked(st, NULL);
    http_answer_error(&a, HTTP_BODY_JSON, 500, 13, NULL);
    assert_int_equal(a.len, strlen("{\"code\":13}"));
    assert_memory_equal(a.body, "{\"code\":13}", a.len);
    assert_string_equal(http_reason(413), "Payload Too Large");
    assert_string_equal(http_reason(415), "Unsupported Media Type");
    assert_string_equal(http_reason(299), "Unknown");
}

/* read_timeout bounds the whole request; min_body_rate a body that
 * trickles, each byte earning 1/rate seconds after the grace. */
static void test_read_deadline(void **state)
{
    (void)state;
    const int64_t s = 1000000000, t0 = 5 * s;
    otlp_http_opts o = opts;
    o.read_ns = OTLP_NEVER;
    o.min_body_rate = 0;
    assert_true(hx_read_deadline(&o, t0, t0 + s, 0) == OTLP_NEVER);
    o.min_body_rate = 1024;
    assert_true(hx_read_deadline(&o, t0, 0, 0) == OTLP_NEVER); /* headers still coming */
    assert_true(hx_read_deadline(&o, t0, t0 + s, 0) == t0 + s + HX_BODY_GRACE_NS);
    assert_true(hx_read_deadline(&o, t0, t0 + s, 512) == t0 + s + HX_BODY_GRACE_NS + s / 2);
    assert_true(hx_read_deadline(&o, t0, t0 + s, 20u << 20) ==
                t0 + s + HX_BODY_GRACE_NS + 20480 * s);
    assert_true(hx_read_deadline(&o, t0, t0 + s, UINT64_MAX) == OTLP_NEVER);
    o.read_ns = 3 * s;
    assert_true(hx_read_deadline(&o, t0, t0 + s, 0) == t0 + 3 * s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_signal_routes),
        cmocka_unit_test(test_metrics_and_logs),
        cmocka_unit_test(test_content_kind),
        cmocka_unit_test(test_head_refusals),
        cmocka_unit_test(test_encoding_not_accepted),
        cmocka_unit_test(test_protobuf_adopted),
        cmocka_unit_test(test_json_every_value_kind),
        cmocka_unit_test(test_compressed),
        cmocka_unit_test(test_limit_after_inflation),
        cmocka_unit_test(test_invalid_bodies),
        cmocka_unit_test(test_empty_requests),
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_answer_text_is_safe),
        cmocka_unit_test(test_read_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
