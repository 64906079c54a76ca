/*
 * The headers_setter extension on the SDK test kit: static values,
 * values from the batch's client metadata (any case) or a default, the
 * four actions applied in order, and the collector's config checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <otelc/testkit.h>

#include "auth_test_util.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

typedef struct fixture {
    otelc_test_host *h;
    void *state;
    const otelc_auth_client *cli;
    void *cli_state;
    added got;
} fixture;

static void up(fixture *f, const char *yaml)
{
    memset(f, 0, sizeof(*f));
    f->h = otelc_test_host_new();
    assert_int_equal(otelc_test_plugin_create(f->h, otelc_plugin_entry_v1(), "headers_setter",
                                              yaml, &f->state),
                     0);
    f->cli = otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_CLIENT, &f->cli_state);
    assert_non_null(f->cli);
    assert_null(otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_SERVER, NULL));
}

static void down(fixture *f)
{
    otelc_plugin_entry_v1()->destroy(f->state);
    assert_int_equal(otelc_test_host_check(f->h), 0);
    otelc_test_host_free(f->h);
}

static const added *headers_for(fixture *f, const char *const *metadata)
{
    memset(&f->got, 0, sizeof(f->got));
    assert_int_equal(f->cli->headers(f->cli_state, metadata, added_add, &f->got), 0);
    return &f->got;
}

static void values_from_config_and_metadata(void **unused)
{
    fixture f;
    up(&f, "headers:\n"
           "  - { key: X-Scope-OrgID, from_context: tenant, action: upsert }\n"
           "  - { key: X-Static, value: fixed, action: insert }\n"
           "  - { key: X-Region, from_context: region, default_value: eu, action: upsert }\n"
           "  - { key: X-Empty, from_context: absent, action: upsert }\n");
    const char *meta[] = {"Tenant", "acme", "other", "x", NULL};
    const added *a = headers_for(&f, meta);
    assert_int_equal(a->n, 4);
    assert_string_equal(added_get(a, "X-Scope-OrgID"), "acme");
    assert_string_equal(added_get(a, "X-Static"), "fixed");
    assert_string_equal(added_get(a, "X-Region"), "eu");
    assert_string_equal(added_get(a, "X-Empty"), "");
    a = headers_for(&f, NULL); /* a batch without metadata */
    assert_string_equal(added_get(a, "X-Scope-OrgID"), "");
    assert_string_equal(added_get(a, "X-Region"), "eu");
    down(&f);
}

static void actions_apply_in_order(void **unused)
{
    fixture f;
    up(&f, "headers:\n"
           "  - { key: A, value: 1, action: insert }\n"
           "  - { key: a, value: 2, action: insert }\n"   /* set already: kept 1 */
           "  - { key: B, value: 3, action: update }\n"   /* not set: nothing */
           "  - { key: A, value: 4, action: update }\n"   /* set: now 4 */
           "  - { key: C, value: 5 }\n"                   /* no action: upsert */
           "  - { key: C, action: delete }\n"
           "  - { key: D, value: 6, action: upsert }\n");
    assert_true(otelc_test_logged(f.h, "The action was not provided, using 'upsert'"));
    const added *a = headers_for(&f, NULL);
    assert_int_equal(a->n, 2);
    assert_string_equal(added_get(a, "A"), "4");
    assert_null(added_get(a, "B"));
    assert_null(added_get(a, "C"));
    assert_string_equal(added_get(a, "D"), "6");
    down(&f);
}

static void refused(const char *yaml, const char *why)
{
    otelc_test_host *h = otelc_test_host_new();
    void *state = NULL;
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL, yaml, &state),
                     -1);
    assert_non_null(strstr(otelc_test_host_last_error(h), why));
    otelc_test_host_free(h);
}

static void config_errors(void **unused)
{
    refused("{}\n", "missing headers configuration");
    refused("headers: []\n", "missing headers configuration");
    refused("headers: [{ value: v }]\n", "missing header name");
    refused("headers: [{ key: k, action: upsert }]\n", "missing header source");
    refused("headers: [{ key: k, value: v, from_context: c }]\n", "invalid header source");
    refused("headers: [{ key: k, value: v, action: replace }]\n", "action: must be");
    refused("headers: [{ key: k, from_attribute: username }]\n", "not supported yet");
    refused("headers: [{ key: k, value_file: /x }]\n", "not supported yet");
    refused("headers: [{ key: k, valeu: v }]\n", "unknown key");
    refused("headers: [{ key: k, value: v }]\nadditional_auth: basicauth\n", "additional_auth");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_from_config_and_metadata),
        cmocka_unit_test(actions_apply_in_order),
        cmocka_unit_test(config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
