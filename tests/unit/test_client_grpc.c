/*
 * test_client_grpc.c: the example client's gRPC framing, gzip, Export
 * response reading and status mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "generator.h"
#include "grpc_frame.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse response_t;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess partial_t;

static uint32_t prefix_len(const uint8_t *p)
{
    return (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
}

static void test_prefix(void **state)
{
    uint8_t p[GRPC_PREFIX_LEN];

    grpc_prefix_put(p, false, 0x01020304);
    assert_memory_equal(p, "\x00\x01\x02\x03\x04", 5);
    grpc_prefix_put(p, true, 300);
    assert_memory_equal(p, "\x01\x00\x00\x01\x2c", 5);
}

/* Plain: the prefix, then exactly the packed message, which decodes back. */
static void test_encode_plain(void **state)
{
    trace_gen *g = trace_gen_new(1, 64);
    const otlp_export_req *req = trace_gen_build(g, 64, 1790000000000000000ull);
    size_t size = protobuf_c_message_get_packed_size(&req->base);
    uint8_t *packed = malloc(size);
    grpc_encoder enc;
    grpc_buf out = {0};

    protobuf_c_message_pack(&req->base, packed);
    grpc_encoder_init(&enc);
    assert_int_equal(grpc_encode(&enc, &req->base, false, &out), 0);
    assert_int_equal(out.len, GRPC_PREFIX_LEN + size);
    assert_int_equal(out.data[0], 0);
    assert_int_equal(prefix_len(out.data), size);
    assert_memory_equal(out.data + GRPC_PREFIX_LEN, packed, size);
    free(packed);
    grpc_buf_free(&out);
    grpc_encoder_free(&enc);
    trace_gen_free(g);
}

/* Inflates a gzip member completely; returns the length or -1. */
static long gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return -1;
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    long len = rc == Z_STREAM_END && z.avail_in == 0 ? (long)z.total_out : -1;
    inflateEnd(&z);
    return len;
}

/*
 * gzip: flag 1, the length of the compressed bytes, and they inflate to
 * the plain message. The same encoder then serves plain and gzip'ed
 * requests of other sizes without mixing them up.
 */
static void test_encode_gzip_and_reuse(void **state)
{
    static const size_t sizes[] = {200, 3, 900, 1};
    trace_gen *g = trace_gen_new(2, 900);
    grpc_encoder enc;
    grpc_buf plain = {0}, zipped = {0};
    uint8_t *back = malloc(1 << 20);

    grpc_encoder_init(&enc);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const otlp_export_req *req = trace_gen_build(g, sizes[i], 1790000000000000000ull);
        assert_int_equal(grpc_encode(&enc, &req->base, false, &plain), 0);
        assert_int_equal(grpc_encode(&enc, &req->base, true, &zipped), 0);
        assert_int_equal(zipped.data[0], 1);
        assert_int_equal(prefix_len(zipped.data), zipped.len - GRPC_PREFIX_LEN);
        long n = gunzip(zipped.data + GRPC_PREFIX_LEN, zipped.len - GRPC_PREFIX_LEN, back,
                        1 << 20);
        assert_int_equal(n, plain.len - GRPC_PREFIX_LEN);
        assert_memory_equal(back, plain.data + GRPC_PREFIX_LEN, (size_t)n);
        if (sizes[i] >= 200)
            assert_true(zipped.len < plain.len / 2);
    }
    free(back);
    grpc_buf_free(&plain);
    grpc_buf_free(&zipped);
    grpc_encoder_free(&enc);
    trace_gen_free(g);
}

/* An Export response body with partial success, framed. */
static size_t response_body(uint8_t *out, int64_t rejected, const char *msg)
{
    response_t r = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    partial_t p = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;

    p.rejected_spans = rejected;
    p.error_message = (char *)msg;
    r.partial_success = &p;
    size_t n = protobuf_c_message_pack(&r.base, out + GRPC_PREFIX_LEN);
    grpc_prefix_put(out, false, (uint32_t)n);
    return GRPC_PREFIX_LEN + n;
}

static void test_parse_reply(void **state)
{
    uint8_t body[256];
    int64_t rejected = -1;
    char msg[64];

    /* no body, or an empty message: all accepted */
    assert_int_equal(grpc_parse_reply(NULL, 0, &rejected, msg, sizeof(msg)), 0);
    assert_int_equal(rejected, 0);
    assert_int_equal(grpc_parse_reply((const uint8_t *)"\0\0\0\0\0", 5, &rejected, msg,
                                      sizeof(msg)), 0);
    assert_int_equal(rejected, 0);

    size_t n = response_body(body, 7, "seven spans were too old");
    assert_int_equal(grpc_parse_reply(body, n, &rejected, msg, sizeof(msg)), 0);
    assert_int_equal(rejected, 7);
    assert_string_equal(msg, "seven spans were too old");

    /* the message is cut to fit */
    assert_int_equal(grpc_parse_reply(body, n, &rejected, msg, 6), 0);
    assert_string_equal(msg, "seven");

    /* length disagreeing with the body, short prefix, bad flag, garbage */
    assert_int_equal(grpc_parse_reply(body, n - 1, &rejected, msg, sizeof(msg)), -1);
    assert_int_equal(grpc_parse_reply(body, 3, &rejected, msg, sizeof(msg)), -1);
    body[0] = 2;
    assert_int_equal(grpc_parse_reply(body, n, &rejected, msg, sizeof(msg)), -1);
    static const uint8_t junk[] = {0, 0, 0, 0, 3, 0x0a, 0x05, 0xff};
    assert_int_equal(grpc_parse_reply(junk, sizeof(junk), &rejected, msg, sizeof(msg)), -1);

    /* compressed answers are not read */
    body[0] = 1;
    assert_int_equal(grpc_parse_reply(body, n, &rejected, msg, sizeof(msg)), 1);
}

static void test_outcome(void **state)
{
    /* grpc-status wins over everything else */
    assert_int_equal(grpc_outcome(200, 0, false, 0), GRPC_OK);
    assert_int_equal(grpc_outcome(200, 8, true, 0x8), 8);
    assert_int_equal(grpc_outcome(503, 14, false, 0), 14);
    /* HTTP status without grpc-status: gRPC's HTTP mapping */
    assert_int_equal(grpc_outcome(400, -1, false, 0), GRPC_INTERNAL);
    assert_int_equal(grpc_outcome(401, -1, false, 0), GRPC_UNAUTHENTICATED);
    assert_int_equal(grpc_outcome(403, -1, false, 0), GRPC_PERMISSION_DENIED);
    assert_int_equal(grpc_outcome(404, -1, false, 0), GRPC_UNIMPLEMENTED);
    assert_int_equal(grpc_outcome(429, -1, true, 0x2), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_outcome(502, -1, false, 0), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_outcome(503, -1, false, 0), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_outcome(504, -1, false, 0), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_outcome(500, -1, false, 0), GRPC_UNKNOWN);
    /* resets */
    assert_int_equal(grpc_outcome(0, -1, true, 0x7), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_outcome(0, -1, true, 0x8), GRPC_CANCELLED);
    assert_int_equal(grpc_outcome(0, -1, true, 0xb), GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(grpc_outcome(0, -1, true, 0xc), GRPC_PERMISSION_DENIED);
    assert_int_equal(grpc_outcome(200, -1, true, 0x2), GRPC_INTERNAL);
    assert_int_equal(grpc_outcome(0, -1, true, 0x1), GRPC_INTERNAL);
    /* a 200 that never said grpc-status; nothing at all */
    assert_int_equal(grpc_outcome(200, -1, false, 0), GRPC_INTERNAL);
    assert_int_equal(grpc_outcome(0, -1, false, 0), GRPC_UNAVAILABLE);
}

static int parse(const char *s)
{
    return grpc_code_parse((const uint8_t *)s, strlen(s));
}

static void test_code_parse_and_label(void **state)
{
    assert_int_equal(parse("0"), 0);
    assert_int_equal(parse("14"), 14);
    assert_int_equal(parse("16"), 16);
    assert_int_equal(parse("17"), GRPC_UNKNOWN);
    assert_int_equal(parse(""), GRPC_UNKNOWN);
    assert_int_equal(parse("1a"), GRPC_UNKNOWN);
    assert_int_equal(parse("-1"), GRPC_UNKNOWN);
    assert_int_equal(parse("014"), GRPC_UNKNOWN);
    assert_string_equal(grpc_code_label(0), "OK");
    assert_string_equal(grpc_code_label(4), "DEADLINE_EXCEEDED");
    assert_string_equal(grpc_code_label(14), "UNAVAILABLE");
    assert_string_equal(grpc_code_label(16), "UNAUTHENTICATED");
    assert_string_equal(grpc_code_label(17), "UNKNOWN");
    assert_string_equal(grpc_code_label(-1), "UNKNOWN");
}

static const char *decode_msg(const char *in, char *out, size_t cap)
{
    grpc_message_decode((const uint8_t *)in, strlen(in), out, cap);
    return out;
}

static void test_message_decode(void **state)
{
    char out[32];

    assert_string_equal(decode_msg("queue%20full%3A%20retry", out, sizeof(out)),
                        "queue full: retry");
    assert_string_equal(decode_msg("caf%C3%A9", out, sizeof(out)), "caf\xc3\xa9");
    /* bad or cut escapes stay as they came */
    assert_string_equal(decode_msg("100%zz", out, sizeof(out)), "100%zz");
    assert_string_equal(decode_msg("end%2", out, sizeof(out)), "end%2");
    assert_string_equal(decode_msg("%", out, sizeof(out)), "%");
    /* cut to fit, always terminated */
    assert_int_equal(grpc_message_decode((const uint8_t *)"abcdef", 6, out, 4), 3);
    assert_string_equal(out, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_encode_plain),
        cmocka_unit_test(test_encode_gzip_and_reuse),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_code_parse_and_label),
        cmocka_unit_test(test_message_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
