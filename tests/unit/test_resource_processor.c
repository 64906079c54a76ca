/*
 * test_resource_processor.c: the resource processor on the SDK's test kit:
 * its actions change every resource of a request and nothing else, in
 * traces, metrics and logs requests.
 */
#include "signal_fixture.h"
#include "test_attraction_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

#define V_STR OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define V_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define SHA_NODE1 "35971be6e9bb024a895582fe0e42e04848a86da550aaef0fccbfba86f99f617d" /* sha256("node-1") */

static void assert_str(const fx_any *v, const char *want)
{
    assert_non_null(v);
    assert_int_equal(v->value_case, V_STR);
    assert_string_equal(v->string_value, want);
}

/* Two resources: checkout (with host.name and a version) and cart. */
static fx_request *two_resources(void)
{
    fx_span *a[1] = {tu_span(1, "a", KIND_SERVER, fx_kv_new("k", fx_str("v")), KV_END)};
    fx_span *b[1] = {tu_span(2, "b", KIND_CLIENT, KV_END)};
    fx_request *r1 = tu_request(
        tu_resource(fx_kv_new("service.name", fx_str("checkout")),
                    fx_kv_new("host.name", fx_str("node-1")),
                    fx_kv_new("service.version", fx_str("2")), KV_END),
        tu_scope("lib", "1"), 1, a);
    fx_request *r2 = tu_request(tu_resource(fx_kv_new("service.name", fx_str("cart")), KV_END),
                                tu_scope("lib", "1"), 1, b);
    fx_request *r = fx_request_new(2);
    r->resource_spans[0] = r1->resource_spans[0];
    r->resource_spans[1] = r2->resource_spans[0];
    return r;
}

static void test_actions_on_every_resource(void **state)
{
    tu_proc p;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(),
             "attributes:\n"
             "  - {key: deployment.environment, action: insert, value: prod}\n"
             "  - {key: host.name, action: hash}\n"
             "  - {key: service.version, action: convert, converted_type: int}\n"
             "  - {key: service.namespace, action: upsert, from_attribute: service.name}\n"
             "  - {key: service.name, action: extract, pattern: '^(?P<svc_prefix>...)'}\n");
    fx_request *r = tu_consume(&p, two_resources(), NULL, NULL);
    for (size_t i = 0; i < 2; i++) {
        assert_str(tu_res_attr(r, i, "deployment.environment"), "prod");
        assert_str(tu_res_attr(r, i, "service.namespace"), i ? "cart" : "checkout");
        assert_str(tu_res_attr(r, i, "svc_prefix"), i ? "car" : "che");
    }
    const fx_any *host = tu_res_attr(r, 0, "host.name");
    assert_non_null(host);
    assert_string_equal(host->string_value, SHA_NODE1);
    assert_null(tu_res_attr(r, 1, "host.name"));
    const fx_any *version = tu_res_attr(r, 0, "service.version");
    assert_int_equal(version->value_case, V_INT);
    assert_int_equal(version->int_value, 2);
    /* Spans are copied as they were. */
    const fx_span *s = r->resource_spans[0]->scope_spans[0]->spans[0];
    assert_int_equal(s->n_attributes, 1);
    assert_string_equal(s->attributes[0]->key, "k");
    assert_int_equal(r->resource_spans[1]->scope_spans[0]->n_spans, 1);
    tu_stop(&p);
}

static void test_delete_by_pattern_and_unchanged(void **state)
{
    tu_proc p;
    bool same = true;
    (void)state;
    tu_start(&p, otelc_plugin_entry_v1(),
             "attributes:\n  - {pattern: '^(host|service\\.version)', action: delete}\n");
    fx_request *r = tu_consume(&p, two_resources(), NULL, &same);
    assert_false(same);
    assert_null(tu_res_attr(r, 0, "host.name"));
    assert_null(tu_res_attr(r, 0, "service.version"));
    assert_str(tu_res_attr(r, 0, "service.name"), "checkout");
    assert_int_equal(r->resource_spans[0]->resource->n_attributes, 1);
    tu_stop(&p);

    tu_start(&p, otelc_plugin_entry_v1(),
             "attributes:\n  - {key: service.name, action: insert, value: other}\n");
    tu_consume(&p, two_resources(), NULL, &same);
    assert_true(same); /* present everywhere: nothing changed, the batch goes on */
    tu_stop(&p);
}

static void test_config_errors(void **state)
{
    const char *err;
    (void)state;
    err = tu_create_error(otelc_plugin_entry_v1(), "");
    assert_non_null(err);
    assert_non_null(strstr(err, "attributes is required"));
    err = tu_create_error(otelc_plugin_entry_v1(), "attributes:\n  - {action: upsert, value: 1}\n");
    assert_non_null(err);
    assert_non_null(strstr(err, "config:2:5: key 'attributes[0]': key is required"));
    err = tu_create_error(otelc_plugin_entry_v1(), "actions:\n  - {key: a, action: delete}\n");
    assert_non_null(err);
    assert_non_null(strstr(err, "actions"));
}

#define SIGNAL_ACTIONS                                                                 \
    "attributes:\n"                                                                    \
    "  - {key: deployment.environment, action: insert, value: prod}\n"                 \
    "  - {key: service.name, action: delete}\n"

/* What SIGNAL_ACTIONS does to a resource of the fixtures. */
static void fx_resource_changed(fx_resource *r)
{
    r->attributes[0] = fx_kv_new("deployment.environment", fx_str("prod"));
}

static void assert_canonical(const uint8_t *got, size_t got_len, const uint8_t *want,
                             size_t want_len)
{
    assert_non_null(got);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
}

static void test_metrics_resources(void **state)
{
    tu_proc p;
    size_t len, out_len, got_len, want_len;
    uint32_t items;
    bool same;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_METRICS, SIGNAL_ACTIONS);
    const uint8_t *in = fxm_pack(fxm_rich_request(), &len);
    const uint8_t *out =
        tu_consume_signal(&p, OTELC_METRICS, in, len, FXM_RICH_POINTS, &out_len, &items, &same);
    assert_false(same);
    assert_int_equal(items, FXM_RICH_POINTS);
    fxm_request *want = fxm_rich_request();
    for (size_t i = 0; i < want->n_resource_metrics; i++)
        fx_resource_changed(want->resource_metrics[i]->resource);
    const uint8_t *w = fxm_pack(want, &want_len);
    const uint8_t *got = fxm_canonical(out, out_len, &got_len);
    assert_canonical(got, got_len, w, want_len);
    tu_stop(&p);
}

static void test_logs_resources(void **state)
{
    tu_proc p;
    size_t len, out_len, got_len, want_len;
    uint32_t items;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS, SIGNAL_ACTIONS);
    const uint8_t *in = fxl_pack(fxl_rich_request(), &len);
    const uint8_t *out =
        tu_consume_signal(&p, OTELC_LOGS, in, len, FXL_RICH_RECORDS, &out_len, &items, NULL);
    assert_int_equal(items, FXL_RICH_RECORDS);
    fxl_request *want = fxl_rich_request();
    for (size_t i = 0; i < want->n_resource_logs; i++)
        fx_resource_changed(want->resource_logs[i]->resource);
    const uint8_t *w = fxl_pack(want, &want_len);
    const uint8_t *got = fxl_canonical(out, out_len, &got_len);
    assert_canonical(got, got_len, w, want_len);
    tu_stop(&p);
}

static void test_logs_unchanged_pass_as_they_came(void **state)
{
    tu_proc p;
    size_t len, out_len;
    uint32_t items;
    bool same = false;
    (void)state;
    tu_start_signal(&p, otelc_plugin_entry_v1(), OTELC_LOGS,
                    "attributes: [{key: absent, action: delete}]\n");
    const uint8_t *in = fxl_pack(fxl_rich_request(), &len);
    (void)tu_consume_signal(&p, OTELC_LOGS, in, len, FXL_RICH_RECORDS, &out_len, &items, &same);
    assert_true(same);
    tu_stop(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions_on_every_resource),
        cmocka_unit_test(test_delete_by_pattern_and_unchanged),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_metrics_resources),
        cmocka_unit_test(test_logs_resources),
        cmocka_unit_test(test_logs_unchanged_pass_as_they_came),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
