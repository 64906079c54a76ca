/*
 * otlp_grpc exporter answers: the collector's code classes, RetryInfo in
 * grpc-status-details-bin, Trailers-Only and answers without grpc-status,
 * the response message split across DATA chunks, compressed, and its
 * partial_success.
 */
#include <setjmp.h>
#include <stdarg.h> /* cmocka needs it */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "answer.h"
#include "config.h"

#define S 1000000000LL

static void hdr(og_answer *a, const char *name, const char *value)
{
    og_answer_header(a, (const uint8_t *)name, strlen(name), (const uint8_t *)value,
                     strlen(value));
}

/* An answer of headers kv ("name", "value", ..., NULL), then its verdict. */
static og_verdict answer(uint32_t h2_error, const char *const *kv)
{
    og_answer a;
    og_verdict v;
    og_answer_init(&a);
    for (size_t i = 0; kv[i]; i += 2)
        hdr(&a, kv[i], kv[i + 1]);
    og_answer_verdict(&a, h2_error, &v);
    og_answer_free(&a);
    return v;
}

static const char *const none[] = {NULL};

#define ANSWER(h2_error, ...) answer(h2_error, (const char *const[]){__VA_ARGS__, NULL})

static og_verdict with_status(int code)
{
    char c[8];
    snprintf(c, sizeof(c), "%d", code);
    return ANSWER(0, ":status", "200", "content-type", "application/grpc", "grpc-status", c);
}

static void test_code_classes(void **state)
{
    static const int retry[] = {1, 4, 10, 11, 14, 15};
    static const int reject[] = {2, 3, 5, 6, 7, 8, 9, 12, 13, 16, 17, 99};
    (void)state;
    assert_int_equal(with_status(0).status, OTELC_OK);
    for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
        assert_int_equal(with_status(retry[i]).status, OTELC_RETRY);
    for (size_t i = 0; i < sizeof(reject) / sizeof(reject[0]); i++)
        assert_int_equal(with_status(reject[i]).status, OTELC_REJECT);
    assert_true(og_code_retryable(OG_CODE_RESOURCE_EXHAUSTED, true));
    assert_false(og_code_retryable(OG_CODE_RESOURCE_EXHAUSTED, false));
}

/* google.rpc.Status{code, message, details[Any(RetryInfo{delay})]}, base64. */
static const char *details_14_busy_2s = "CA4SBGJ1c3kaMAoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBj"
                                        "LlJldHJ5SW5mbxIECgIIAg";
/* The same for code 8 with a RetryInfo of no delay. */
static const char *details_8_no_delay = "CAgSBGZ1bGwaLAoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBj"
                                        "LlJldHJ5SW5mbxIA";

static void test_retry_info(void **state)
{
    (void)state;
    og_verdict v = ANSWER(0, ":status", "200", "grpc-status", "14", "grpc-message", "busy",
                          "grpc-status-details-bin", details_14_busy_2s);
    assert_int_equal(v.status, OTELC_RETRY);
    assert_true(v.retry_info);
    assert_int_equal(v.retry_after_ns, 2 * S);
    assert_string_equal(v.reason, "rpc error: code = Unavailable desc = busy");
    /* RESOURCE_EXHAUSTED is retried only with a RetryInfo, even a zero one. */
    v = ANSWER(0, ":status", "200", "grpc-status", "8", "grpc-status-details-bin",
               details_8_no_delay);
    assert_int_equal(v.status, OTELC_RETRY);
    assert_int_equal(v.retry_after_ns, 0);
    assert_string_equal(v.reason, "rpc error: code = ResourceExhausted desc = full");
    v = ANSWER(0, ":status", "200", "grpc-status", "8");
    assert_int_equal(v.status, OTELC_REJECT);
    /* A delay on a code never retried is no reason to wait. */
    v = ANSWER(0, ":status", "200", "grpc-status", "3", "grpc-status-details-bin",
               details_14_busy_2s);
    assert_int_equal(v.status, OTELC_REJECT);
    assert_int_equal(v.retry_after_ns, 0);
    /* Garbage details are ignored. */
    v = ANSWER(0, ":status", "200", "grpc-status", "14", "grpc-status-details-bin", "!!!");
    assert_int_equal(v.status, OTELC_RETRY);
    assert_false(v.retry_info);
}

static void test_message_percent_decoded(void **state)
{
    (void)state;
    og_verdict v = ANSWER(0, ":status", "200", "grpc-status", "3", "grpc-message",
                          "bad%20span%3A%E2%9C%93%zz");
    assert_string_equal(v.reason, "rpc error: code = InvalidArgument desc = bad span:\xe2\x9c\x93%zz");
}

static void test_without_grpc_status(void **state)
{
    (void)state;
    og_verdict v = ANSWER(0, ":status", "503", "content-type", "text/html");
    assert_int_equal(v.code, OG_CODE_UNAVAILABLE);
    assert_int_equal(v.status, OTELC_RETRY);
    assert_int_equal(ANSWER(0, ":status", "401").code, OG_CODE_UNAUTHENTICATED);
    assert_int_equal(ANSWER(0, ":status", "404").code, OG_CODE_UNIMPLEMENTED);
    assert_int_equal(ANSWER(0, ":status", "400").status, OTELC_REJECT);
    v = ANSWER(0, ":status", "200", "content-type", "application/grpc");
    assert_int_equal(v.code, OG_CODE_INTERNAL);
    assert_string_equal(v.reason, "rpc error: code = Internal desc = server closed the stream "
                                  "without sending trailers");
    /* RST_STREAM: REFUSED_STREAM was never processed, retried. */
    assert_int_equal(answer(7, none).code, OG_CODE_UNAVAILABLE);
    assert_int_equal(answer(8, none).code, OG_CODE_CANCELLED);
    assert_int_equal(answer(11, none).status, OTELC_REJECT); /* ENHANCE_YOUR_CALM */
    assert_int_equal(answer(2, none).code, OG_CODE_INTERNAL);
    /* A grpc-status wins over the reset that may follow it. */
    assert_int_equal(ANSWER(8, ":status", "200", "grpc-status", "0").status, OTELC_OK);
}

static void data(og_answer *a, const uint8_t *p, size_t n, size_t chunk)
{
    for (size_t i = 0; i < n; i += chunk)
        og_answer_data(a, p + i, n - i < chunk ? n - i : chunk);
}

/* ExportTraceServiceResponse{partial_success{rejected_spans 7, "seven"}}. */
static const uint8_t partial[] = {0x0a, 0x09, 0x08, 0x07, 0x12, 0x05, 's', 'e', 'v', 'e', 'n'};

static og_verdict ok_with_message(const uint8_t *msg, size_t len, bool compressed,
                                  const char *enc, size_t chunk)
{
    og_answer a;
    og_verdict v;
    uint8_t framed[256] = {compressed, 0, 0, (uint8_t)(len >> 8), (uint8_t)len};
    memcpy(framed + 5, msg, len);
    og_answer_init(&a);
    hdr(&a, ":status", "200");
    if (enc)
        hdr(&a, "grpc-encoding", enc);
    data(&a, framed, len + 5, chunk);
    hdr(&a, "grpc-status", "0");
    og_answer_verdict(&a, 0, &v);
    og_answer_free(&a);
    return v;
}

static void test_partial_success(void **state)
{
    (void)state;
    for (size_t chunk = 1; chunk <= sizeof(partial) + 5; chunk++) {
        og_verdict v = ok_with_message(partial, sizeof(partial), false, NULL, chunk);
        assert_int_equal(v.status, OTELC_OK);
        assert_int_equal(v.rejected, 7);
        assert_string_equal(v.reason, "seven");
    }
    og_verdict empty = ok_with_message((const uint8_t *)"", 0, false, NULL, 4);
    assert_int_equal(empty.rejected, 0);
    assert_string_equal(empty.reason, "");
}

static void test_compressed_response(void **state)
{
    uint8_t gz[128] = {0};
    z_stream z;
    (void)state;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    z.next_in = (Bytef *)partial;
    z.avail_in = sizeof(partial);
    z.next_out = gz;
    z.avail_out = sizeof(gz);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = sizeof(gz) - z.avail_out;
    deflateEnd(&z);
    og_verdict v = ok_with_message(gz, len, true, "gzip", 3);
    assert_int_equal(v.rejected, 7);
    /* Unreadable: an OK call stays OK, the partial success is unknown. */
    v = ok_with_message(gz, len, true, "snappy", 3);
    assert_int_equal(v.status, OTELC_OK);
    assert_int_equal(v.rejected, 0);
    v = ok_with_message(partial, sizeof(partial), true, "gzip", 3);
    assert_int_equal(v.status, OTELC_OK);
}

static void test_local(void **state)
{
    og_verdict v;
    (void)state;
    og_verdict_local(&v, OG_CODE_DEADLINE_EXCEEDED, "context deadline exceeded");
    assert_int_equal(v.status, OTELC_RETRY);
    assert_string_equal(v.reason, "rpc error: code = DeadlineExceeded desc = context deadline "
                                  "exceeded");
    og_verdict_local(&v, OG_CODE_UNAVAILABLE, "connection refused");
    assert_int_equal(v.status, OTELC_RETRY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_classes),
        cmocka_unit_test(test_retry_info),
        cmocka_unit_test(test_message_percent_decoded),
        cmocka_unit_test(test_without_grpc_status),
        cmocka_unit_test(test_partial_success),
        cmocka_unit_test(test_compressed_response),
        cmocka_unit_test(test_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
