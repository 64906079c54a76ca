/*
 * test_client_options.c: otelc-client's command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

/* Parses the NULL-terminated args as if given after the program name. */
static int parse_list(client_opts *o, char *err, const char *const *args)
{
    char *argv[32] = {"otelc-client"};
    int argc = 1;

    for (; *args && argc < 31; args++)
        argv[argc++] = (char *)*args;
    return client_opts_parse(o, argc, argv, err, 256);
}

#define parse_args(o, err, ...) parse_list((o), (err), (const char *const[]){__VA_ARGS__})

static void test_defaults(void **state)
{
    client_opts o;
    char err[256];

    assert_int_equal(parse_args(&o, err, NULL), OPTS_OK);
    assert_string_equal(o.host, "localhost");
    assert_string_equal(o.port, "4317");
    assert_int_equal(o.spans, CLIENT_DEFAULT_SPANS);
    assert_int_equal(o.spans_per_request, 100);
    assert_int_equal(o.connections, 1);
    assert_true(o.streams >= 1);
    assert_true(o.rate == 0);
    assert_false(o.tls || o.gzip || o.replay || o.print_ids || o.allow_failures);
}

static void test_all_flags(void **state)
{
    client_opts o;
    char err[256];

    assert_int_equal(parse_args(&o, err, "--endpoint", "collector:4319", "--spans", "10k",
                                "--spans-per-request", "250", "--connections", "3",
                                "--streams", "16", "--rate", "5000", "--gzip", "--tls",
                                "--ca", "ca.pem", "--replay", "--print-ids", "--quiet",
                                "--allow-failures", "--seed", "77", "--timeout", "2.5s", NULL),
                     OPTS_OK);
    assert_string_equal(o.host, "collector");
    assert_string_equal(o.port, "4319");
    assert_int_equal(o.spans, 10000);
    assert_int_equal(o.spans_per_request, 250);
    assert_int_equal(o.connections, 3);
    assert_int_equal(o.streams, 16);
    assert_true(o.rate == 5000);
    assert_true(o.timeout == 2.5);
    assert_int_equal(o.seed, 77);
    assert_true(o.gzip && o.tls && o.replay && o.print_ids && o.quiet && o.allow_failures);
    assert_string_equal(o.ca_file, "ca.pem");

    assert_int_equal(parse_args(&o, err, "--duration", "30", "--dump", "out.bin", NULL),
                     OPTS_OK);
    assert_int_equal(o.spans, 0);
    assert_true(o.duration == 30);
    assert_string_equal(o.dump_file, "out.bin");
    assert_int_equal(parse_args(&o, err, "--help", NULL), OPTS_HELP);
}

static void test_endpoints(void **state)
{
    client_opts o;
    char err[256];

    assert_int_equal(client_endpoint_parse("[::1]:4318", &o, err, sizeof(err)), 0);
    assert_string_equal(o.host, "::1");
    assert_string_equal(o.port, "4318");
    memset(&o, 0, sizeof(o));
    assert_int_equal(client_endpoint_parse("https://otel.example.com:443", &o, err,
                                           sizeof(err)), 0);
    assert_true(o.tls);
    assert_string_equal(o.host, "otel.example.com");
    assert_string_equal(o.port, "443");
    memset(&o, 0, sizeof(o));
    assert_int_equal(client_endpoint_parse("http://127.0.0.1", &o, err, sizeof(err)), 0);
    assert_false(o.tls);
    assert_string_equal(o.host, "127.0.0.1");
    assert_string_equal(o.port, "4317");

    static const char *const bad[] = {
        "host:", ":4317", "host:0", "host:65536", "host:12a", "[::1", "[::1]4317", "",
        "host:-1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (client_endpoint_parse(bad[i], &o, err, sizeof(err)) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_non_null(strstr(err, "--endpoint"));
    }
}

static void test_refused(void **state)
{
    client_opts o;
    char err[256];

    assert_int_equal(parse_args(&o, err, "--spans", "0", NULL), OPTS_ERROR);
    assert_non_null(strstr(err, "--spans"));
    assert_int_equal(parse_args(&o, err, "--spans-per-request", "20001", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--spans-per-request", "0", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--connections", "x", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--rate", "-5", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--duration", "nan", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--spans", "5", "--duration", "3", NULL), OPTS_ERROR);
    assert_non_null(strstr(err, "exclude"));
    assert_int_equal(parse_args(&o, err, "--ca", "ca.pem", NULL), OPTS_ERROR);
    assert_non_null(strstr(err, "--tls"));
    assert_int_equal(parse_args(&o, err, "--tls", "--ca", "x", "--insecure", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "--bogus", NULL), OPTS_ERROR);
    assert_int_equal(parse_args(&o, err, "stray", NULL), OPTS_ERROR);
    assert_non_null(strstr(err, "stray"));
    assert_int_equal(parse_args(&o, err, "--spans", NULL), OPTS_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_flags),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
