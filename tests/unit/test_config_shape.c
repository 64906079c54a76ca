/* The config's shape: every error class at its exact FILE:LINE:COL, and
 * the model built from valid configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "telemetry/log.h"

#define DATA OTELC_TEST_DATA "/config/"

typedef struct captured {
    char lines[8][1024];
    size_t count;
} captured;

static void capture(void *arg, otelc_log_level level, const char *line)
{
    captured *c = arg;

    if (c->count < 8)
        snprintf(c->lines[c->count++], sizeof(c->lines[0]), "%s", line);
}

/* Loads one data file that must fail with exactly `expected` (NULL
 * terminated), in order. */
static void load_fails(const char *file, const char *const *expected)
{
    char path[512];
    const char *files[] = {path};
    otelc_errors errs;
    size_t n = 0;

    snprintf(path, sizeof(path), DATA "%s", file);
    otelc_errors_init(&errs);
    assert_null(otelc_config_load(files, 1, &errs));
    for (; expected[n] != NULL; n++) {
        char line[1024];

        snprintf(line, sizeof(line), "%s:%s", path, expected[n]);
        assert_true(n < otelc_errors_count(&errs));
        assert_string_equal(otelc_errors_line(&errs, n), line);
    }
    assert_int_equal(otelc_errors_count(&errs), n);
    otelc_errors_fini(&errs);
}

static otelc_config *load_ok(const char *path)
{
    const char *files[] = {path};
    otelc_errors errs;
    otelc_config *cfg;

    otelc_errors_init(&errs);
    cfg = otelc_config_load(files, 1, &errs);
    if (cfg == NULL)
        fail_msg("%s: %s", path, otelc_errors_line(&errs, 0));
    otelc_errors_fini(&errs);
    return cfg;
}

static void test_unknown_keys(void **state)
{
    static const char *const expected[] = {
        "5:1: key 'colectors': unknown key; the top level holds receivers, processors, "
        "exporters, connectors, extensions and service",
        "12:3: key 'service.pipeline': unknown key",
        "15:5: key 'service.admin.port': unknown key",
        NULL,
    };
    load_fails("unknown_keys.yaml", expected);
}

static void test_used_but_not_defined(void **state)
{
    static const char *const expected[] = {
        "10:30: key 'service.extensions[1]': extension 'file_storage' is not defined in "
        "extensions",
        "13:25: key 'service.pipelines.traces.receivers[1]': receiver 'otlp/other' is not "
        "defined in receivers",
        "14:27: key 'service.pipelines.traces.processors[1]': processor 'batch/fast' is not "
        "defined in processors",
        "17:11: key 'service.pipelines.traces.exporters[1]': exporter 'awss3' is not defined "
        "in exporters",
        NULL,
    };
    load_fails("undefined.yaml", expected);
}

static void test_component_defined_twice(void **state)
{
    static const char *const expected[] = {
        "7:3: key 'exporters.awss3': defined twice (first at line 4, column 3)",
        NULL,
    };
    load_fails("defined_twice.yaml", expected);
}

static void test_pipelines_without_receivers_or_exporters(void **state)
{
    static const char *const expected[] = {
        "7:5: key 'service.pipelines.traces': a pipeline needs at least one receiver",
        "9:5: key 'service.pipelines.traces/noexport': a pipeline needs at least one exporter",
        "12:5: key 'service.pipelines.traces/empty': a pipeline needs at least one receiver",
        "12:5: key 'service.pipelines.traces/empty': a pipeline needs at least one exporter",
        NULL,
    };
    load_fails("incomplete_pipelines.yaml", expected);
}

/* metrics and logs pipelines load; a profiles pipeline is refused. */
static void test_metrics_and_logs_pipelines(void **state)
{
    static const char *const expected[] = {
        "13:5: key 'service.pipelines.profiles': unknown signal 'profiles'; pipelines are "
        "traces, metrics or logs, each optionally /name",
        NULL,
    };
    load_fails("signals.yaml", expected);
}

static void test_malformed_ids(void **state)
{
    static const char *const expected[] = {
        "2:3: key 'receivers.otlp/': invalid component id 'otlp/': the name after '/' is empty",
        "3:3: key 'receivers.9lives': invalid component id '9lives': a type starts with a "
        "letter",
        "4:3: key 'receivers.my-receiver': invalid component id 'my-receiver': a type holds "
        "only letters, digits and '_'",
        "5:3: key 'receivers.otlp/has space': invalid component id 'otlp/has space': a name "
        "holds no whitespace, control character or '/'",
        "6:3: key 'receivers.otlp/a/b': invalid component id 'otlp/a/b': a name holds no "
        "whitespace, control character or '/'",
        "11:5: key 'service.pipelines.traces/': invalid pipeline id 'traces/': the name "
        "after '/' is empty",
        "15:19: key 'service.pipelines.traces.receivers[0]': invalid component id 'bad id': "
        "a type holds only letters, digits and '_'",
        "16:26: key 'service.pipelines.traces.exporters[1]': exporter 'debug' is listed twice",
        NULL,
    };
    load_fails("malformed_ids.yaml", expected);
}

static void test_bad_values_and_telemetry(void **state)
{
    static const char *const expected[] = {
        "6:21: key 'service.shutdown_timeout': invalid duration '5': missing unit "
        "(ns, us, ms, s, m, h)",
        "8:14: key 'service.admin.enabled': expected true or false, got 'yes'",
        "9:15: key 'service.admin.endpoint': expected a string, got a list",
        "12:14: key 'service.telemetry.logs.level': expected debug, info, warn or error, "
        "got 'verbose'",
        "14:7: key 'service.telemetry.logs.output_paths': collector key is not supported yet",
        "18:16: key 'service.telemetry.metrics.readers': expected a list, got 'pull'",
        "21:18: key 'service.pipelines.traces.receivers': expected a list, got 'otlp'",
        NULL,
    };
    captured warnings = {.count = 0};

    otelc_log_set_sink(capture, &warnings);
    load_fails("bad_values.yaml", expected);
    otelc_log_set_sink(NULL, NULL);
    assert_int_equal(warnings.count, 1);
    assert_string_equal(warnings.lines[0],
                        "WARN config: " DATA "bad_values.yaml:13:7: key "
                        "'service.telemetry.logs.encoding': collector key is not supported "
                        "yet; ignored");
}

static void test_wrong_types(void **state)
{
    static const char *const expected[] = {
        "1:12: key 'receivers': expected a map, got a list",
        "3:10: key 'processors.batch': expected a map, got '5'",
        "7:15: key 'service.extensions': expected a list, got 'health_check'",
        "9:13: key 'service.pipelines.traces': expected a map, got a list",
        /* The list is checked although the section is wrong. */
        "11:19: key 'service.pipelines.traces/2.receivers[0]': "
        "receiver 'otlp' is not defined in receivers",
        "13:7: key 'service.pipelines.traces/2.procesors': "
        "unknown key",
        NULL,
    };
    load_fails("wrong_types.yaml", expected);
}

static void test_syntax_error(void **state)
{
    static const char *const expected[] = {
        "5:7: did not find expected ',' or '}' (while parsing a flow mapping that starts at "
        "line 4, column 13)",
        NULL,
    };
    load_fails("syntax_error.yaml", expected);
}

/* A pipeline's receivers and exporters may name connectors; a name in
 * neither section is undefined. */
static void test_connectors_resolve(void **state)
{
    static const char *const expected[] = {
        "13:28: key 'service.pipelines.traces/b.receivers[1]': receiver 'forward/x' is not "
        "defined in receivers",
        NULL,
    };
    load_fails("connectors.yaml", expected);
}

static void test_missing_or_empty_service(void **state)
{
    static const char *const no_service[] = {
        "1:1: no service section; otelc needs service.pipelines", NULL};
    static const char *const empty[] = {
        "3:1: key 'service': no pipeline defined; otelc needs at least one pipeline "
        "(or service.extensions to run alone)",
        NULL};
    static const char *const root_list[] = {"1:1: expected a map, got a list", NULL};

    load_fails("no_service.yaml", no_service);
    load_fails("service_empty.yaml", empty);
    /* Extensions alone run: a query node. */
    otelc_config *node = load_ok(DATA "query_node.yaml");
    assert_int_equal(node->n_pipelines, 0);
    otelc_config_free(node);
    load_fails("root_list.yaml", root_list);
}

static void test_no_files_and_missing_file(void **state)
{
    const char *files[] = {DATA "valid_full.yaml", DATA "absent.yaml"};
    otelc_errors errs;

    otelc_errors_init(&errs);
    assert_null(otelc_config_load(files, 0, &errs));
    assert_string_equal(otelc_errors_line(&errs, 0), "no config file given");
    otelc_errors_fini(&errs);
    assert_null(otelc_config_load(files, 2, &errs));
    assert_int_equal(otelc_errors_count(&errs), 1);
    assert_string_equal(otelc_errors_line(&errs, 0),
                        DATA "absent.yaml: cannot open: No such file or directory");
    otelc_errors_fini(&errs);
}

static void assert_ref(const otelc_component_ref *ref, const char *id, const char *type,
                       const char *name)
{
    assert_string_equal(ref->id, id);
    assert_string_equal(ref->type, type);
    if (name == NULL)
        assert_null(ref->name);
    else
        assert_string_equal(ref->name, name);
    assert_non_null(ref->config);
    assert_string_equal(otelc_node_key(ref->config), id);
    assert_string_equal(otelc_node_text(ref->ref), id);
}

static void test_shipped_config_model(void **state)
{
    otelc_config *cfg = load_ok(OTELC_SHIPPED_CONFIG);
    const otelc_pipeline *p;

    assert_int_equal(cfg->n_pipelines, 1);
    p = &cfg->pipelines[0];
    assert_string_equal(p->id, "traces");
    assert_null(p->name);
    assert_int_equal(p->receivers.count, 1);
    assert_ref(&p->receivers.items[0], "otlp", "otlp", NULL);
    /* the queue batches on its read side; the only processor learns, passing */
    assert_int_equal(p->processors.count, 1);
    assert_ref(&p->processors.items[0], "metadata_extractor", "metadata_extractor", NULL);
    assert_int_equal(p->exporters.count, 1);
    assert_ref(&p->exporters.items[0], "awss3", "awss3", NULL);
    assert_ptr_equal(otelc_node_parent(p->exporters.items[0].config),
                     otelc_config_section(cfg, "exporters"));
    assert_int_equal(cfg->extensions.count, 3);
    assert_ref(&cfg->extensions.items[0], "file_storage", "file_storage", NULL);
    assert_ref(&cfg->extensions.items[1], "health_check", "health_check", NULL);
    assert_ref(&cfg->extensions.items[2], "trace_query", "trace_query", NULL);
    assert_true(cfg->admin_enabled);
    assert_string_equal(cfg->admin_endpoint, "localhost:13133");
    assert_int_equal(cfg->shutdown_timeout_ns, 30000000000LL);
    assert_null(cfg->telemetry.log_level);
    assert_int_equal(cfg->n_files, 1);
    assert_string_equal(cfg->files[0], OTELC_SHIPPED_CONFIG);
    otelc_config_free(cfg);
}

static void test_full_config_model(void **state)
{
    otelc_config *cfg = load_ok(DATA "valid_full.yaml");
    const otelc_pipeline *a, *b;

    assert_int_equal(cfg->n_pipelines, 2);
    a = &cfg->pipelines[0];
    b = &cfg->pipelines[1];
    assert_string_equal(b->id, "traces/s3");
    assert_string_equal(b->name, "s3");
    assert_int_equal(a->receivers.count, 2);
    assert_ref(&a->receivers.items[1], "otlp/internal", "otlp", "internal");
    /* One receiver config, shared by both pipelines that name it. */
    assert_ptr_equal(a->receivers.items[0].config, b->receivers.items[0].config);
    assert_int_equal(b->processors.count, 2);
    assert_ref(&b->processors.items[0], "batch/fast", "batch", "fast");
    assert_string_equal(otelc_node_text(otelc_node_child(b->processors.items[0].config,
                                                         "timeout")),
                        "10ms");
    assert_ref(&b->exporters.items[0], "awss3/primary", "awss3", "primary");
    assert_int_equal(otelc_node_kind_of(b->exporters.items[0].config), OTELC_NODE_NULL);
    assert_int_equal(cfg->extensions.count, 1);
    assert_false(cfg->admin_enabled);
    assert_string_equal(cfg->admin_endpoint, "127.0.0.1:9999");
    assert_int_equal(cfg->shutdown_timeout_ns, 60000000000LL);
    assert_string_equal(cfg->telemetry.log_level, "debug");
    assert_string_equal(cfg->telemetry.metrics_level, "none");
    assert_string_equal(cfg->telemetry.metrics_address, "localhost:8888");
    assert_int_equal(otelc_node_count(cfg->telemetry.metrics_readers), 1);
    otelc_config_free(cfg);
}

/* service.admin's tls and auth: confighttp's keys, each mistake at its
 * place. */
static void test_admin_tls_and_auth_errors(void **state)
{
    static const char *const expected[] = {
        "9:10: key 'service.admin.tls': cert_file and key_file go together",
        "9:43: key 'service.admin.tls.min_version': expected 1.0, 1.1, 1.2 or 1.3, got '1.4'",
        "9:50: key 'service.admin.tls.cipher_suites': collector key is not supported yet",
        "9:70: key 'service.admin.tls.nope': unknown key",
        "10:11: key 'service.admin.auth': authenticator: missing (an extension id such as basicauth)",
        "10:13: key 'service.admin.auth.request_params': collector key is not supported yet",
        NULL,
    };
    load_fails("admin_server_bad.yaml", expected);
}

static void test_admin_tls_and_auth_model(void **state)
{
    otelc_config *cfg = load_ok(DATA "admin_server_ok.yaml");
    const otelc_http_server *s = &cfg->admin_server;

    assert_true(s->tls_on);
    assert_string_equal(s->tls.cert_file, "c.pem");
    assert_string_equal(s->tls.key_file, "k.pem");
    assert_string_equal(s->tls.client_ca_file, "ca.pem");
    assert_int_equal(s->tls.min_minor, 3);
    assert_int_equal(s->tls.max_minor, -1);
    assert_string_equal(s->authenticator, "basicauth/admin");
    assert_non_null(s->auth_at);
    otelc_config_free(cfg);
    /* Without the section: plain HTTP, no authenticator, TLS 1.2 at least. */
    cfg = load_ok(DATA "valid_full.yaml");
    assert_false(cfg->admin_server.tls_on);
    assert_null(cfg->admin_server.authenticator);
    assert_int_equal(cfg->admin_server.tls.min_minor, 2);
    otelc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_used_but_not_defined),
        cmocka_unit_test(test_component_defined_twice),
        cmocka_unit_test(test_pipelines_without_receivers_or_exporters),
        cmocka_unit_test(test_metrics_and_logs_pipelines),
        cmocka_unit_test(test_malformed_ids),
        cmocka_unit_test(test_bad_values_and_telemetry),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_connectors_resolve),
        cmocka_unit_test(test_missing_or_empty_service),
        cmocka_unit_test(test_no_files_and_missing_file),
        cmocka_unit_test(test_shipped_config_model),
        cmocka_unit_test(test_full_config_model),
        cmocka_unit_test(test_admin_tls_and_auth_errors),
        cmocka_unit_test(test_admin_tls_and_auth_model),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
