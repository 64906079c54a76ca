/*
 * otlp_http answers: the collector's status classes, Retry-After in both
 * of its forms, partial success in protobuf and JSON, and the
 * google.rpc.Status message of a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"

#define S 1000000000LL
#define NOW (1700000000LL * S) /* Tue, 14 Nov 2023 22:13:20 GMT */

static oh_verdict classify(long status, const char *type, const char *body, size_t len,
                           const char *retry_after)
{
    oh_response r = {status, body, len, type, retry_after, NOW, OTELC_TRACES};
    oh_verdict v;
    oh_classify(&r, &v);
    return v;
}

static void test_status_classes(void **state)
{
    static const long ok[] = {200, 202, 204, 299};
    static const long retry[] = {429, 502, 503, 504};
    static const long reject[] = {400, 401, 403, 404, 405, 413, 415, 500, 501, 301, 100};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_int_equal(classify(ok[i], NULL, NULL, 0, NULL).status, OTELC_OK);
    for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
        assert_int_equal(classify(retry[i], NULL, NULL, 0, NULL).status, OTELC_RETRY);
    for (size_t i = 0; i < sizeof(reject) / sizeof(reject[0]); i++)
        assert_int_equal(classify(reject[i], NULL, NULL, 0, NULL).status, OTELC_REJECT);
}

static void test_retry_after_forms(void **state)
{
    assert_int_equal(oh_retry_after_ns("3", NOW), 3 * S);
    assert_int_equal(oh_retry_after_ns(" 0 ", NOW), 0);
    assert_int_equal(oh_retry_after_ns("-5", NOW), 0);
    assert_int_equal(oh_retry_after_ns("99999999", NOW), 24LL * 3600 * S); /* capped */
    assert_int_equal(oh_retry_after_ns("Tue, 14 Nov 2023 22:13:25 GMT", NOW), 5 * S);
    assert_int_equal(oh_retry_after_ns("Tue, 14 Nov 2023 22:13:00 GMT", NOW), 0); /* past */
    assert_int_equal(oh_retry_after_ns("soon", NOW), -1);
    assert_int_equal(oh_retry_after_ns("", NOW), -1);
    assert_int_equal(oh_retry_after_ns("1.5", NOW), -1);
}

static void test_retry_after_only_when_throttled(void **state)
{
    assert_int_equal(classify(503, NULL, NULL, 0, "2").retry_after_ns, 2 * S);
    assert_int_equal(classify(429, NULL, NULL, 0, "Tue, 14 Nov 2023 22:13:21 GMT").retry_after_ns,
                     S);
    /* 502 and 504 are retried but carry no wait the collector honours. */
    assert_int_equal(classify(502, NULL, NULL, 0, "2").retry_after_ns, 0);
    assert_int_equal(classify(504, NULL, NULL, 0, "2").retry_after_ns, 0);
    assert_int_equal(classify(503, NULL, NULL, 0, "later").retry_after_ns, 0);
    assert_int_equal(classify(503, NULL, NULL, 0, NULL).retry_after_ns, 0);
}

static void test_partial_success_proto(void **state)
{
    /* partial_success { rejected_spans: 300, error_message: "quota" } */
    static const char body[] = "\x0a\x0a\x08\xac\x02\x12\x05quota";
    oh_verdict v = classify(200, "application/x-protobuf", body, sizeof(body) - 1, NULL);
    assert_int_equal(v.status, OTELC_OK);
    assert_int_equal(v.rejected, 300);
    assert_string_equal(v.reason, "quota");
    /* The receiver's usual empty partial_success. */
    v = classify(200, "application/x-protobuf", "\x0a\x00", 2, NULL);
    assert_int_equal(v.rejected, 0);
    assert_string_equal(v.reason, "");
    /* Truncated: still OK (the server took the data), nothing counted. */
    v = classify(200, "application/x-protobuf", "\x0a\x0a\x08", 3, NULL);
    assert_int_equal(v.status, OTELC_OK);
    assert_int_equal(v.rejected, 0);
}

static void test_partial_success_json(void **state)
{
    static const char body[] = "{\"partialSuccess\":{\"rejectedSpans\":\"12\","
                               "\"errorMessage\":\"too old\"}}";
    oh_verdict v = classify(200, "application/json; charset=utf-8", body, sizeof(body) - 1, NULL);
    assert_int_equal(v.rejected, 12);
    assert_string_equal(v.reason, "too old");
    v = classify(200, "application/json", "{\"partialSuccess\":{\"rejectedSpans\":3}}", 38, NULL);
    assert_int_equal(v.rejected, 3);
    v = classify(200, "text/plain", body, sizeof(body) - 1, NULL); /* another type: not read */
    assert_int_equal(v.rejected, 0);
    /* metrics and logs responses name their count after their items */
    static const char logs[] = "{\"partialSuccess\":{\"rejectedLogRecords\":\"5\"}}";
    oh_response r = {200, logs, sizeof(logs) - 1, "application/json", NULL, NOW, OTELC_LOGS};
    oh_classify(&r, &v);
    assert_int_equal(v.rejected, 5);
    static const char points[] = "{\"partialSuccess\":{\"rejectedDataPoints\":4}}";
    r = (oh_response){200, points, sizeof(points) - 1, "application/json", NULL, NOW,
                      OTELC_METRICS};
    oh_classify(&r, &v);
    assert_int_equal(v.rejected, 4);
    r.signal = OTELC_TRACES; /* a traces response has no such count */
    oh_classify(&r, &v);
    assert_int_equal(v.rejected, 0);
}

static void test_failure_message(void **state)
{
    static const char st[] = "\x08\x03\x12\x08" "bad span"; /* Status{code 3, message} */
    oh_verdict v = classify(400, "application/x-protobuf", st, sizeof(st) - 1, NULL);
    assert_int_equal(v.status, OTELC_REJECT);
    assert_string_equal(v.reason, "HTTP 400, Message=bad span");
    static const char js[] = "{\"code\":14,\"message\":\"busy\"}";
    v = classify(503, "application/json", js, sizeof(js) - 1, "1");
    assert_string_equal(v.reason, "HTTP 503, Message=busy");
    v = classify(404, "text/plain", "404 page not found", 18, NULL);
    assert_string_equal(v.reason, "HTTP 404");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_retry_after_forms),
        cmocka_unit_test(test_retry_after_only_when_throttled),
        cmocka_unit_test(test_partial_success_proto),
        cmocka_unit_test(test_partial_success_json),
        cmocka_unit_test(test_failure_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
