/*
 * test_otlp_grpc_status.c: routes, content types, outcome mapping and the
 * grpc-message encoding of the gRPC side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "grpc_status.h"

static otelc_signal sig;

static grpc_route route(const char *p)
{
    sig = 0;
    return grpc_route_of(p, strlen(p), &sig);
}

static void test_routes(void **state)
{
    assert_int_equal(route("/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
                     GRPC_ROUTE_EXPORT);
    assert_int_equal(sig, OTELC_TRACES);
    assert_int_equal(route("/opentelemetry.proto.collector.trace.v1.TraceService/Exports"),
                     GRPC_ROUTE_NO_METHOD);
    assert_int_equal(sig, OTELC_TRACES);
    assert_int_equal(route("/opentelemetry.proto.collector.trace.v1.TraceService/export"),
                     GRPC_ROUTE_NO_METHOD);
    assert_int_equal(route("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"),
                     GRPC_ROUTE_EXPORT);
    assert_int_equal(sig, OTELC_METRICS);
    assert_int_equal(route("/opentelemetry.proto.collector.logs.v1.LogsService/Export"),
                     GRPC_ROUTE_EXPORT);
    assert_int_equal(sig, OTELC_LOGS);
    assert_int_equal(route("/opentelemetry.proto.collector.logs.v1.LogsService/Push"),
                     GRPC_ROUTE_NO_METHOD);
    assert_int_equal(sig, OTELC_LOGS);
    assert_int_equal(route("/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"),
                     GRPC_ROUTE_NO_SERVICE);
    assert_int_equal(sig, 0);
    assert_int_equal(route("/opentelemetry.proto.collector.logs.v1.LogsServiceX/Export"),
                     GRPC_ROUTE_NO_SERVICE);
    assert_int_equal(route("/opentelemetry.proto.collector.trace.v1.TraceService/Export/x"),
                     GRPC_ROUTE_NO_SERVICE);
    assert_int_equal(route("/opentelemetry.proto.collector.trace.v1.TraceService/"),
                     GRPC_ROUTE_NO_SERVICE);
    assert_int_equal(route("/"), GRPC_ROUTE_NO_SERVICE);
    assert_int_equal(route(""), GRPC_ROUTE_NO_SERVICE);
    /* Length decides, not NUL: a path cut short is not the export path. */
    const char *p = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    assert_int_not_equal(grpc_route_of(p, strlen(p) - 1, &sig), GRPC_ROUTE_EXPORT);
    assert_string_equal(grpc_service_of(OTELC_METRICS), GRPC_METRICS_SERVICE);
    assert_string_equal(grpc_service_of((otelc_signal)8), "");
}

static bool ct(const char *v)
{
    return grpc_content_type_ok(v, strlen(v));
}

static void test_content_types(void **state)
{
    assert_true(ct("application/grpc"));
    assert_true(ct("application/grpc+proto"));
    assert_true(ct("application/grpc;charset=utf-8"));
    assert_false(ct("application/grpcx"));
    assert_false(ct("application/grpc-web"));
    assert_false(ct("application/json"));
    assert_false(ct("application/x-protobuf"));
    assert_false(ct("application/grp"));
    assert_false(ct(""));
}

static void test_outcomes(void **state)
{
    assert_int_equal(grpc_code_for_outcome(OTELC_OK), GRPC_OK);
    assert_int_equal(grpc_code_for_outcome(OTELC_RETRY), GRPC_UNAVAILABLE);
    assert_int_equal(grpc_code_for_outcome(OTELC_REJECT), GRPC_INVALID_ARGUMENT);
    assert_int_equal(grpc_code_for_outcome(OTELC_PENDING), GRPC_INTERNAL);
    /* The wire values are the gRPC spec's. */
    assert_int_equal(GRPC_INVALID_ARGUMENT, 3);
    assert_int_equal(GRPC_RESOURCE_EXHAUSTED, 8);
    assert_int_equal(GRPC_UNIMPLEMENTED, 12);
    assert_int_equal(GRPC_INTERNAL, 13);
    assert_int_equal(GRPC_UNAVAILABLE, 14);
    assert_string_equal(grpc_code_name(GRPC_UNAVAILABLE), "UNAVAILABLE");
    assert_string_equal(grpc_code_name(GRPC_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
}

static void test_message_encoding(void **state)
{
    char out[64];
    assert_int_equal(grpc_message_encode("span 3: trace_id must be 16 bytes", out, sizeof(out)),
                     33);
    assert_string_equal(out, "span 3: trace_id must be 16 bytes");
    grpc_message_encode("100% bad\nline", out, sizeof(out));
    assert_string_equal(out, "100%25 bad%0Aline");
    grpc_message_encode("caf\xc3\xa9", out, sizeof(out));
    assert_string_equal(out, "caf%C3%A9");
}

/* A small buffer cuts before an escape, never through one. */
static void test_message_truncation(void **state)
{
    char out[6];
    size_t n = grpc_message_encode("ab\ncd", out, sizeof(out));
    assert_int_equal(n, 5);
    assert_string_equal(out, "ab%0A");
    n = grpc_message_encode("abc\n", out, sizeof(out));
    assert_int_equal(n, 3);
    assert_string_equal(out, "abc");
    char one[1] = {'x'};
    assert_int_equal(grpc_message_encode("abc", one, 1), 0);
    assert_int_equal(one[0], '\0');
    assert_int_equal(grpc_message_encode("abc", one, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),           cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_outcomes),         cmocka_unit_test(test_message_encoding),
        cmocka_unit_test(test_message_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
