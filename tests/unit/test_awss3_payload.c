/*
 * awss3 payloads: a batch as stored. Uncompressed otlp_proto sends the
 * batch's own segments (no copy); gzip and zstd round-trip to the same
 * bytes; otlp_json reads back to every span of every segment; the SHA-256
 * of each part is that of its bytes; the key follows the batch identity;
 * the batch reference is held and released; a batch JSON cannot express is
 * refused for good. Metrics and logs batches are named and written as
 * their signal's objects; under parquet they are OTLP/JSON.
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
#include <zlib.h>
#include <zstd.h>

#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "parquet/parquet.h"
#include "payload.h"

/* ---- a batch of the host, faked: segments plus a reference count ---- */

typedef struct fake_batch {
    otelc_batch hdr;
    int refs;
    struct iovec segs[2];
    size_t nsegs;
    uint32_t spans;
    otelc_batch_meta meta;
} fake_batch;

static fake_batch batch; /* the one batch of these tests */

static fake_batch *F(const otelc_batch *b)
{
    assert_ptr_equal(b, &batch.hdr);
    return &batch;
}
static otelc_batch *f_ref(otelc_batch *b)
{
    F(b)->refs++;
    return b;
}
static void f_unref(otelc_batch *b)
{
    F(b)->refs--;
}
static size_t f_len(const otelc_batch *b)
{
    size_t n = 0;
    for (size_t i = 0; i < F(b)->nsegs; i++)
        n += F(b)->segs[i].iov_len;
    return n;
}
static uint32_t f_spans(const otelc_batch *b)
{
    return F(b)->spans;
}
static const otelc_batch_meta *f_meta(const otelc_batch *b)
{
    return &F(b)->meta;
}
static size_t f_segments(const otelc_batch *b, struct iovec *iov, size_t max)
{
    for (size_t i = 0; i < max && i < F(b)->nsegs; i++)
        iov[i] = F(b)->segs[i];
    return F(b)->nsegs;
}

static const otelc_batch_ops fake_ops = {sizeof(otelc_batch_ops), f_ref, f_unref, f_len, f_spans,
                                         f_meta, f_segments, NULL};

/* ---- requests ---- */

/* A serialized request of n spans whose span ids start at first. */
static uint8_t *make_request(uint32_t n, uint8_t first, size_t *len)
{
    Opentelemetry__Proto__Trace__V1__Span spans[8], *sp[8];
    uint8_t ids[8][24];
    for (uint32_t i = 0; i < n; i++) {
        opentelemetry__proto__trace__v1__span__init(&spans[i]);
        memset(ids[i], first + i, 24);
        spans[i].trace_id = (ProtobufCBinaryData){16, ids[i]};
        spans[i].span_id = (ProtobufCBinaryData){8, ids[i] + 16};
        spans[i].name = "op";
        sp[i] = &spans[i];
    }
    Opentelemetry__Proto__Trace__V1__ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
    ss.n_spans = n;
    ss.spans = sp;
    Opentelemetry__Proto__Trace__V1__ScopeSpans *ssp = &ss;
    Opentelemetry__Proto__Trace__V1__ResourceSpans rs =
        OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
    rs.n_scope_spans = 1;
    rs.scope_spans = &ssp;
    Opentelemetry__Proto__Trace__V1__ResourceSpans *rsp = &rs;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.n_resource_spans = 1;
    req.resource_spans = &rsp;
    *len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
        &req);
    uint8_t *out = malloc(*len);
    assert_non_null(out);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
    return out;
}

static uint8_t *seg_a, *seg_b;
static uint8_t joined[1024];
static size_t joined_len;

static int setup(void **state)
{
    size_t la, lb;
    seg_a = make_request(3, 0x10, &la);
    seg_b = make_request(4, 0x20, &lb);
    memset(&batch, 0, sizeof(batch));
    batch.hdr = (otelc_batch){OTELC_BATCH_MAGIC, &fake_ops};
    batch.refs = 1;
    batch.segs[0] = (struct iovec){seg_a, la};
    batch.segs[1] = (struct iovec){seg_b, lb};
    batch.nsegs = 2;
    batch.spans = 7;
    batch.meta = (otelc_batch_meta){.struct_size = sizeof(otelc_batch_meta), .batch_id = 5};
    memcpy(joined, seg_a, la);
    memcpy(joined + la, seg_b, lb);
    joined_len = la + lb;
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(batch.refs, 1); /* every reference taken was given back */
    free(seg_a);
    free(seg_b);
    return 0;
}

static awss3_settings settings(awss3_marshaler m, awss3_compression c)
{
    awss3_settings s;
    memset(&s, 0, sizeof(s));
    s.marshaler = m;
    s.compression = c;
    snprintf(s.key_prefix, sizeof(s.key_prefix), "traces");
    snprintf(s.partition_format, sizeof(s.partition_format), "%%Y");
    snprintf(s.extension, sizeof(s.extension), "%s", awss3_extension(m, c));
    s.part_size = 16u << 20;
    return s;
}

static const awss3_identity ident = {5, 1767323045LL * 1000000000LL};

static s3_payload *build(const awss3_settings *s)
{
    s3_payload *p = NULL;
    assert_int_equal(s3_payload_build(s, &batch.hdr, ident, &p), 0);
    assert_int_equal(batch.refs, 2);
    return p;
}

/* The payload's bytes, gathered. */
static uint8_t *flatten(const s3_payload *p)
{
    uint8_t *out = calloc(1, p->len + 1);
    assert_non_null(out);
    size_t w = 0;
    for (size_t i = 0; i < p->niov; i++) {
        memcpy(out + w, p->iov[i].iov_base, p->iov[i].iov_len);
        w += p->iov[i].iov_len;
    }
    assert_int_equal(w, p->len);
    return out;
}

static void assert_whole_hash(const s3_payload *p)
{
    char hex[SIGV4_HASH_HEX_SIZE];
    assert_int_equal(p->plan.nparts, 1);
    assert_int_equal(sigv4_payload_hash(p->iov, p->niov, hex), 0);
    assert_string_equal(p->sha256[0], hex);
}

static void test_proto_plain_is_zero_copy(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE);
    s3_payload *p = build(&s);
    assert_null(p->owned);
    assert_int_equal(p->niov, 2);
    assert_ptr_equal(p->iov[0].iov_base, seg_a); /* the batch's own bytes */
    assert_int_equal(p->len, joined_len);
    assert_int_equal(p->spans, 7);
    assert_string_equal(p->key, "traces/2026/traces_1886caf21c963200-0000000000000005.binpb");
    assert_whole_hash(p);
    s3_payload_free(p);
}

static void test_proto_gzip_round_trip(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_GZIP);
    s3_payload *p = build(&s);
    uint8_t *gz = flatten(p);
    assert_int_equal(gz[0], 0x1f); /* gzip magic */
    assert_int_equal(gz[1], 0x8b);
    uint8_t out[1024];
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)p->len;
    z.next_out = out;
    z.avail_out = sizeof(out);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, joined_len);
    assert_memory_equal(out, joined, joined_len);
    inflateEnd(&z);
    assert_whole_hash(p);
    assert_non_null(strstr(p->key, ".binpb.gz"));
    free(gz);
    s3_payload_free(p);
}

static void test_proto_zstd_round_trip(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_ZSTD);
    s3_payload *p = build(&s);
    uint8_t *zs = flatten(p);
    uint8_t out[1024];
    size_t n = ZSTD_decompress(out, sizeof(out), zs, p->len);
    assert_false(ZSTD_isError(n));
    assert_int_equal(n, joined_len);
    assert_memory_equal(out, joined, joined_len);
    free(zs);
    s3_payload_free(p);
}

/* Counts spans of a JSON payload by reading it back to protobuf. */
static size_t json_span_count(const uint8_t *json, size_t len)
{
    uint8_t *pb = NULL;
    size_t pb_len = 0;
    char err[256];
    assert_int_equal(otlp_json_read((const char *)json, len, &pb, &pb_len, err, sizeof(err)), 0);
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, pb_len, pb);
    assert_non_null(req);
    size_t spans = 0;
    for (size_t i = 0; i < req->n_resource_spans; i++)
        for (size_t j = 0; j < req->resource_spans[i]->n_scope_spans; j++)
            spans += req->resource_spans[i]->scope_spans[j]->n_spans;
    assert_int_equal(req->resource_spans[1]->scope_spans[0]->spans[3]->span_id.data[0], 0x23);
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req,
                                                                                          NULL);
    free(pb);
    return spans;
}

static void test_json_holds_every_span(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_JSON, AWSS3_COMPRESS_NONE);
    s3_payload *p = build(&s);
    uint8_t *json = flatten(p);
    assert_int_equal(json[0], '{');
    assert_int_equal(json_span_count(json, p->len), 7);
    assert_non_null(strstr(p->key, ".json"));
    free(json);
    s3_payload_free(p);

    s = settings(AWSS3_OTLP_JSON, AWSS3_COMPRESS_ZSTD);
    p = build(&s);
    uint8_t *zs = flatten(p);
    uint8_t out[4096];
    size_t n = ZSTD_decompress(out, sizeof(out), zs, p->len);
    assert_false(ZSTD_isError(n));
    assert_int_equal(json_span_count(out, n), 7);
    free(zs);
    s3_payload_free(p);
}

/* Parquet: one file holding both segments' spans, not compressed again. */
static void test_parquet_holds_every_span(void **state)
{
    awss3_settings s = settings(AWSS3_PARQUET, AWSS3_COMPRESS_NONE);
    s3_payload *p = build(&s);
    uint8_t *file = flatten(p);
    assert_memory_equal(file, "PAR1", 4);
    assert_memory_equal(file + p->len - 4, "PAR1", 4);
    pq_file_meta *m = NULL;
    assert_int_equal(pq_file_footer(file, p->len, &m), 0);
    assert_int_equal(m->num_rows, 7);
    assert_non_null(strstr(p->key, ".parquet"));
    pq_file_meta_free(m);
    free(file);
    s3_payload_free(p);
    static uint8_t garbage[] = {0x0a, 0x05, 0x01};
    batch.segs[1] = (struct iovec){garbage, sizeof(garbage)};
    int rc = s3_payload_build(&s, &batch.hdr, ident, &p);
    assert_int_equal(rc, -EBADMSG);
    assert_true(s3_payload_error_is_permanent(rc));
}

/* A serialized logs request of n records with body "line". */
static uint8_t *make_logs(uint32_t n, size_t *len)
{
    Opentelemetry__Proto__Logs__V1__LogRecord recs[8], *rp[8];
    Opentelemetry__Proto__Common__V1__AnyValue body =
        OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
    body.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
    body.string_value = "line";
    for (uint32_t i = 0; i < n; i++) {
        opentelemetry__proto__logs__v1__log_record__init(&recs[i]);
        recs[i].body = &body;
        recs[i].time_unix_nano = 1000 + i;
        rp[i] = &recs[i];
    }
    Opentelemetry__Proto__Logs__V1__ScopeLogs sl = OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
    sl.n_log_records = n;
    sl.log_records = rp;
    Opentelemetry__Proto__Logs__V1__ScopeLogs *slp = &sl;
    Opentelemetry__Proto__Logs__V1__ResourceLogs rl =
        OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
    rl.n_scope_logs = 1;
    rl.scope_logs = &slp;
    Opentelemetry__Proto__Logs__V1__ResourceLogs *rlp = &rl;
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
    req.n_resource_logs = 1;
    req.resource_logs = &rlp;
    *len = protobuf_c_message_get_packed_size(&req.base);
    uint8_t *out = malloc(*len);
    assert_non_null(out);
    protobuf_c_message_pack(&req.base, out);
    return out;
}

/* The fake batch becomes a logs batch of 2 + 3 records. */
static void as_logs(uint8_t **a, uint8_t **b)
{
    size_t la, lb;
    *a = make_logs(2, &la);
    *b = make_logs(3, &lb);
    batch.segs[0] = (struct iovec){*a, la};
    batch.segs[1] = (struct iovec){*b, lb};
    batch.spans = 5;
    batch.meta.signal = OTELC_LOGS;
}

/* The JSON of a logs object read back: its record count. */
static size_t json_log_records(const uint8_t *json, size_t len)
{
    uint8_t *pb = NULL;
    size_t pb_len = 0, items = 0;
    char err[128];
    assert_int_equal(otlp_json_read_signal(OTELC_LOGS, (const char *)json, len, &pb, &pb_len, err,
                                           sizeof err),
                     0);
    assert_int_equal(otlp_validate_signal(OTELC_LOGS, pb, pb_len, &items, NULL), OTLP_OK);
    free(pb);
    return items;
}

static void test_logs_objects_are_named_and_written_for_logs(void **state)
{
    uint8_t *a, *b;
    as_logs(&a, &b);
    awss3_settings s = settings(AWSS3_OTLP_JSON, AWSS3_COMPRESS_NONE);
    s3_payload *p = build(&s);
    assert_string_equal(p->key, "traces/2026/logs_1886caf21c963200-0000000000000005.json");
    assert_null(p->content_type); /* the configured marshaler's */
    uint8_t *json = flatten(p);
    assert_non_null(strstr((const char *)json, "\"resourceLogs\""));
    assert_int_equal(json_log_records(json, p->len), 5);
    free(json);
    s3_payload_free(p);
    /* parquet is the trace table: logs are written as OTLP/JSON */
    s = settings(AWSS3_PARQUET, AWSS3_COMPRESS_NONE);
    p = build(&s);
    assert_int_equal(p->marshaler, AWSS3_OTLP_JSON);
    assert_string_equal(p->content_type, "application/json");
    assert_non_null(strstr(p->key, "/logs_") && strstr(p->key, ".json"));
    json = flatten(p);
    assert_int_equal(json_log_records(json, p->len), 5);
    free(json);
    s3_payload_free(p);
    free(a);
    free(b);
}

static void test_metrics_objects_as_proto(void **state)
{
    batch.meta.signal = OTELC_METRICS; /* the bytes are not read: proto goes as it is */
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE);
    s3_payload *p = build(&s);
    assert_string_equal(p->key, "traces/2026/metrics_1886caf21c963200-0000000000000005.binpb");
    assert_null(p->owned);
    s3_payload_free(p);
}

static void test_part_hashes(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE);
    s.part_size = 7; /* below S3's minimum, to cut this small batch in parts */
    s3_payload *p = build(&s);
    assert_int_equal(p->plan.nparts, (joined_len + 6) / 7);
    for (uint32_t i = 0; i < p->plan.nparts; i++) {
        uint64_t off, len;
        s3_plan_range(&p->plan, p->len, i, &off, &len);
        struct iovec one = {joined + off, (size_t)len};
        char hex[SIGV4_HASH_HEX_SIZE];
        assert_int_equal(sigv4_payload_hash(&one, 1, hex), 0);
        assert_string_equal(p->sha256[i], hex);
    }
    s3_payload_free(p);
}

static void test_unwritable_json_is_permanent(void **state)
{
    static uint8_t garbage[] = {0x0a, 0x05, 0x01}; /* field 1, length 5, 1 byte */
    batch.segs[1] = (struct iovec){garbage, sizeof(garbage)};
    awss3_settings s = settings(AWSS3_OTLP_JSON, AWSS3_COMPRESS_GZIP);
    s3_payload *p = NULL;
    int rc = s3_payload_build(&s, &batch.hdr, ident, &p);
    assert_int_equal(rc, -EBADMSG);
    assert_true(s3_payload_error_is_permanent(rc));
    assert_null(p);
    assert_false(s3_payload_error_is_permanent(-ENOMEM));
    /* Protobuf is sent as it is, malformed or not: the receiver checked. */
    s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE);
    assert_int_equal(s3_payload_build(&s, &batch.hdr, ident, &p), 0);
    s3_payload_free(p);
}

static void test_key_too_long(void **state)
{
    awss3_settings s = settings(AWSS3_OTLP_PROTO, AWSS3_COMPRESS_NONE);
    memset(s.key_prefix, 'k', sizeof(s.key_prefix) - 1);
    memset(s.file_prefix, 'f', sizeof(s.file_prefix) - 1);
    memset(s.partition_format, 'p', sizeof(s.partition_format) - 1);
    s3_payload *p = NULL;
    assert_int_equal(s3_payload_build(&s, &batch.hdr, ident, &p), -ENAMETOOLONG);
    s3_payload_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_proto_plain_is_zero_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proto_gzip_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proto_zstd_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_holds_every_span, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parquet_holds_every_span, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_objects_are_named_and_written_for_logs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_objects_as_proto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_part_hashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_json_is_permanent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_too_long, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
