/*
 * test_count.c: the count exporter's unit test, a cmocka program run in
 * otelc's test kit (otelc/testkit.h): no daemon, no dlopen; count.c is
 * compiled into this program and the kit plays the host. It checks the
 * metric, the admin route, a route claimed twice, and the key table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <otelc/testkit.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

static const char *const labels[] = {"exporter", "count/a", NULL};

static void counts_spans_and_serves_them(void **unused)
{
    (void)unused;
    const otelc_plugin *d = otelc_plugin_entry_v1();
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    assert_int_equal(otelc_test_plugin_create(h, d, "count/a", "", &state), 0);
    assert_int_equal(d->start(state), 0);
    for (uint32_t spans = 1; spans <= 3; spans++) {
        otelc_batch *b = otelc_test_batch_spans("svc", spans);
        assert_int_equal(otelc_test_plugin_consume(h, b, NULL), OTELC_OK);
        otelc_batch_unref(b);
    }
    assert_true(otelc_test_metric(h, "count_exporter_spans_total", labels) == 6);

    otelc_test_http *r = otelc_test_http_request(h, "GET", "/count/count/a", NULL, 0);
    assert_non_null(r);
    assert_int_equal(otelc_test_http_wait(r, 1000), 200);
    assert_string_equal(otelc_test_http_body(r, NULL), "{\"batches\":3,\"spans\":6}\n");
    assert_string_equal(otelc_test_http_header(r, "content-type"), "application/json");
    assert_null(otelc_test_http_request(h, "GET", "/count/other", NULL, 0));
    assert_null(otelc_test_http_request(h, "POST", "/count/count/a", NULL, 0));

    /* A second start claims the same route: the host refuses it. */
    assert_int_equal(d->start(state), -1);
    assert_non_null(strstr(otelc_test_host_last_error(h), "claimed already"));
    d->destroy(state);
    assert_int_equal(otelc_test_host_check(h), 0);
    otelc_test_host_free(h);
    assert_int_equal(otelc_test_batches_live(), 0);
}

static void takes_its_route_from_config(void **unused)
{
    (void)unused;
    const otelc_plugin *d = otelc_plugin_entry_v1();
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    assert_int_equal(otelc_test_plugin_create(h, d, NULL, "route: /counts\ntimeout: 5s", &state),
                     0);
    assert_int_equal(d->start(state), 0);
    otelc_test_http *r = otelc_test_http_request(h, "GET", "/counts", NULL, 0);
    assert_int_equal(otelc_test_http_wait(r, 1000), 200);
    assert_string_equal(otelc_test_http_body(r, NULL), "{\"batches\":0,\"spans\":0}\n");
    d->destroy(state);
    otelc_test_host_free(h);
}

static void refuses_a_wrong_type(void **unused)
{
    (void)unused;
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    assert_int_equal(
        otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL, "route: [a, b]", &state), -1);
    assert_string_equal(otelc_test_host_last_error(h),
                        "config:1:8: key 'route': expected a string, got a list");
    otelc_test_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_spans_and_serves_them),
        cmocka_unit_test(takes_its_route_from_config),
        cmocka_unit_test(refuses_a_wrong_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
