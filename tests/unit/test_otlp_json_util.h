/*
 * test_otlp_json_util.h: helpers shared by the OTLP/JSON tests (cmocka).
 * Every helper fails the running test on error instead of returning one.
 */
#ifndef TEST_OTLP_JSON_UTIL_H
#define TEST_OTLP_JSON_UTIL_H

#include <otelc/sdk/otlp_json.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUEST_DESCRIPTOR                                                                         \
    (&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor)

/* The Export*ServiceRequest descriptor of a signal. */
static inline const ProtobufCMessageDescriptor *request_descriptor_of(otelc_signal s)
{
    if (s == OTELC_METRICS)
        return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
    if (s == OTELC_LOGS)
        return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
    return REQUEST_DESCRIPTOR;
}

/* A corpus file's signal, from its name: metrics_* and logs_* hold those
 * signals' requests, every other name traces. */
static inline otelc_signal signal_of_name(const char *name)
{
    if (strncmp(name, "metrics_", 8) == 0)
        return OTELC_METRICS;
    if (strncmp(name, "logs_", 5) == 0)
        return OTELC_LOGS;
    return OTELC_TRACES;
}

/* A file's whole content, NUL-terminated (not counted in *len); free() it. */
static inline char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

/* protobuf-c's own re-encoding of a request: what a round trip must give. */
static inline uint8_t *repack_signal(otelc_signal sig, const uint8_t *pb, size_t len,
                                     size_t *out_len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(request_descriptor_of(sig), NULL, len, pb);
    if (!m)
        fail_msg("protobuf-c cannot unpack the %zu-byte request", len);
    *out_len = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(*out_len ? *out_len : 1);
    assert_non_null(out);
    protobuf_c_message_pack(m, out);
    protobuf_c_message_free_unpacked(m, NULL);
    return out;
}

static inline uint8_t *repack(const uint8_t *pb, size_t len, size_t *out_len)
{
    return repack_signal(OTELC_TRACES, pb, len, out_len);
}

/* The writer's JSON of a request, which must succeed. */
static inline struct otlp_buf to_json_signal(otelc_signal sig, const uint8_t *pb, size_t len)
{
    struct otlp_buf out = {0};
    pb_bytes part = {pb, len};
    int rc = otlp_json_writev_signal_buf(sig, &part, 1, &out);
    if (rc)
        fail_msg("otlp_json_writev_signal_buf: %d", rc);
    return out;
}

static inline struct otlp_buf to_json(const uint8_t *pb, size_t len)
{
    struct otlp_buf out = {0};
    int rc = otlp_json_write_buf(pb, len, &out);
    if (rc)
        fail_msg("otlp_json_write_buf: %d", rc);
    return out;
}

/* The reader's protobuf of a JSON document, which must succeed. */
static inline uint8_t *from_json_signal(otelc_signal sig, const char *json, size_t len,
                                        size_t *pb_len)
{
    uint8_t *pb = NULL;
    char err[256];
    int rc = otlp_json_read_signal(sig, json, len, &pb, pb_len, err, sizeof err);
    if (rc)
        fail_msg("otlp_json_read_signal: %d: %s", rc, err);
    assert_non_null(pb);
    return pb;
}

static inline uint8_t *from_json(const char *json, size_t len, size_t *pb_len)
{
    return from_json_signal(OTELC_TRACES, json, len, pb_len);
}

static inline void assert_same_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
    assert_int_equal(a_len, b_len);
    if (a_len)
        assert_memory_equal(a, b, a_len);
}

/* Same JSON text; prints both on a mismatch, which memory diffs hide. */
static inline void assert_same_json(const char *got, size_t got_len, const char *want,
                                    size_t want_len)
{
    if (got_len != want_len || memcmp(got, want, got_len) != 0)
        fail_msg("JSON differs:\n got: %.*s\nwant: %.*s", (int)got_len, got, (int)want_len,
                 want);
}

#endif /* TEST_OTLP_JSON_UTIL_H */
