/*
 * The built-in upgrade table on spans a real OpenTelemetry SDK produced
 * with deprecated attribute names: test_converter_sdk_spans.mjs writes the
 * request bytes at test time, named by CONV_SDK_REQUEST.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <otelc/sdk/otlp_validate.h>

#include "conv_detect.h"
#include "test_converter_util.h"

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

/* The span of the output with this name. */
static pb_span *by_name(pb_request *out, const char *name)
{
    for (size_t i = 0; i < out->n_resource_spans; i++)
        for (size_t j = 0; j < out->resource_spans[i]->n_scope_spans; j++) {
            pb_ss *ss = out->resource_spans[i]->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++)
                if (strcmp(ss->spans[k]->name, name) == 0)
                    return ss->spans[k];
        }
    fail_msg("no span named %s", name);
    return NULL;
}

static const pb_any *attr(pb_span *sp, const char *key)
{
    return cu_attr(sp->attributes, sp->n_attributes, key);
}

static void expect_str(pb_span *sp, const char *key, const char *want)
{
    const pb_any *v = attr(sp, key);
    if (!v || v->value_case != PB_STRING) {
        fail_msg("%s: %s is not a string attribute", sp->name, key);
        return;
    }
    assert_string_equal(v->string_value, want);
}

static void expect_int(pb_span *sp, const char *key, int64_t want)
{
    const pb_any *v = attr(sp, key);
    if (!v || v->value_case != PB_INT) {
        fail_msg("%s: %s is not an int attribute", sp->name, key);
        return;
    }
    assert_int_equal(v->int_value, want);
}

/* No key of the built-in table is left anywhere. */
static void expect_no_deprecated(pb_request *out)
{
    for (size_t i = 0; i < out->n_resource_spans; i++) {
        pb_rs *rs = out->resource_spans[i];
        for (const conv_semconv *s = conv_semconv_table; s->from; s++)
            if (rs->resource && cu_attr(rs->resource->attributes, rs->resource->n_attributes,
                                        s->from))
                fail_msg("resource still has %s", s->from);
        for (size_t j = 0; j < rs->n_scope_spans; j++)
            for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++)
                for (const conv_semconv *s = conv_semconv_table; s->from; s++)
                    if (attr(rs->scope_spans[j]->spans[k], s->from))
                        fail_msg("span still has %s", s->from);
    }
}

static void check_http(pb_request *out)
{
    pb_span *sp = by_name(out, "GET /orders");
    expect_str(sp, "http.request.method", "GET");
    expect_str(sp, "url.path", "/orders");
    expect_str(sp, "url.query", "page=2");
    expect_str(sp, "url.scheme", "https");
    expect_int(sp, "http.response.status_code", 200);
    expect_str(sp, "user_agent.original", "curl/8.5.0");
    expect_str(sp, "network.protocol.version", "1.1");
    expect_str(sp, "server.address", "shop.local");
    expect_int(sp, "server.port", 8080);
    expect_str(sp, "client.address", "10.1.2.3"); /* net.peer.name on a server span */
    const pb_any *len = attr(sp, "http.request.header.content-length");
    assert_non_null(len);
    assert_int_equal(len->value_case, PB_ARRAY);
    assert_string_equal(len->array_value->values[0]->string_value, "120");
}

static void check_db(pb_request *out)
{
    pb_span *sp = by_name(out, "SELECT orders");
    expect_str(sp, "db.system.name", "postgresql");
    expect_str(sp, "db.namespace", "shop");
    expect_str(sp, "db.query.text", "SELECT * FROM orders WHERE id = $1");
    expect_str(sp, "db.operation.name", "SELECT");
    expect_str(sp, "db.collection.name", "orders");
    expect_str(sp, "server.address", "db.local"); /* net.peer.name on a client span */
    expect_int(sp, "server.port", 5432);
    expect_str(sp, "network.transport", "tcp");
}

static void check_messaging_and_rpc(pb_request *out)
{
    pb_span *sp = by_name(out, "orders publish");
    expect_str(sp, "messaging.system", "kafka");
    expect_str(sp, "messaging.destination.name", "orders"); /* current: stays */
    expect_str(sp, "messaging.operation.type", "send");
    expect_str(sp, "messaging.destination.partition.id", "3");
    sp = by_name(out, "shop.Orders/Get");
    expect_str(sp, "rpc.system.name", "grpc");
    expect_str(sp, "rpc.method", "shop.Orders/Get");
    expect_str(sp, "rpc.status_code", "NOT_FOUND");
    expect_str(sp, "network.peer.address", "10.0.0.9");
}

static void test_sdk_spans_upgrade(void **state)
{
    const char *path = getenv("CONV_SDK_REQUEST");
    if (!path)
        skip();
    size_t len = 0, spans = 0;
    uint8_t *pb = read_all(path, &len);
    assert_non_null(pb);
    assert_true(len > 0);
    assert_int_equal(otlp_validate_request(pb, len, &spans, NULL), OTLP_OK);
    assert_int_equal(spans, 4);

    conv_rules rules;
    char why[200];
    assert_int_equal(conv_rules_build(&rules, &(conv_spec){.semconv_upgrade = true}, why,
                                      sizeof(why)),
                     0);
    assert_int_equal(conv_touches(&rules, pb, len), 1);
    conv_work w;
    assert_int_equal(conv_work_init(&w), 0);
    conv_stats st = {0};
    uint8_t *outb;
    size_t out_len;
    assert_int_equal(conv_rewrite(&rules, &w, pb, len, &outb, &out_len, &st), CONV_OK);
    /* The result is a valid request again, and nothing is left to do. */
    assert_int_equal(otlp_validate_request(outb, out_len, &spans, NULL), OTLP_OK);
    assert_int_equal(spans, 4);
    assert_int_equal(conv_touches(&rules, outb, out_len), 0);
    pb_request *out =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, out_len, outb);
    assert_non_null(out);
    check_http(out);
    check_db(out);
    check_messaging_and_rpc(out);
    expect_no_deprecated(out);
    assert_int_equal(st.renamed, 1 + 10 + 8 + 2 + 4); /* resource + spans */
    cu_free(out);
    free(outb);
    free(pb);
    conv_work_fini(&w);
    conv_rules_free(&rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdk_spans_upgrade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
