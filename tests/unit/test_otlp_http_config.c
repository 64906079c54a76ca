/*
 * test_otlp_http_config.c: the HTTP port's settings (protocols.http),
 * response header checks, and the metadata kept from HTTP requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "grpc_inflate.h"
#include "metadata.h"
#include "otlp_config.h"

#define SEC INT64_C(1000000000)
#define MIB ((size_t)1 << 20)

/* The config as the host fills it from the table's defaults. */
static otlp_cfg defaults(void)
{
    otlp_cfg c;
    memset(&c, 0, sizeof(c));
    c.http_endpoint = "localhost:4318";
    c.http_traces_url_path = "/v1/traces";
    c.http_metrics_url_path = "/v1/metrics";
    c.http_logs_url_path = "/v1/logs";
    c.http_max_request_body_size = 20 * MIB;
    c.http_read_header_timeout = 60 * SEC;
    c.http_write_timeout = 30 * SEC;
    c.http_idle_timeout = 60 * SEC;
    c.http_keepalives_enabled = true;
    c.http_min_body_rate = 1024;
    c.http_tls_min_version = "1.2";
    c.http_loop_threads = 1;
    c.http_max_inflight_bytes_per_connection = 16 * MIB;
    c.http_max_inflight_bytes = 128 * MIB;
    return c;
}

static const otelc_cfg_key *row(const char *name)
{
    for (const otelc_cfg_key *k = otlp_cfg_keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static otlp_settings load(otlp_cfg c)
{
    otlp_settings s;
    char err[200] = "";
    if (otlp_http_settings_load(&c, &s, err, sizeof(err)) != 0)
        fail_msg("unexpected error: %s", err);
    return s;
}

static void expect_error(otlp_cfg c, const char *text)
{
    otlp_settings s;
    char err[200] = "";
    assert_int_equal(otlp_http_settings_load(&c, &s, err, sizeof(err)), -1);
    if (!strstr(err, text))
        fail_msg("\"%s\" does not mention \"%s\"", err, text);
}

static void test_key_rows(void **state)
{
    assert_string_equal(row("protocols.http.endpoint")->dflt, "localhost:4318");
    assert_string_equal(row("protocols.http.traces_url_path")->dflt, "/v1/traces");
    assert_string_equal(row("protocols.http.max_request_body_size")->dflt, "20MiB");
    assert_string_equal(row("protocols.http.read_header_timeout")->dflt, "1m");
    assert_string_equal(row("protocols.http.idle_timeout")->dflt, "1m");
    assert_string_equal(row("protocols.http.write_timeout")->dflt, "30s");
    assert_int_equal(row("protocols.http.response_headers")->type, OTELC_CFG_NODE);
    assert_int_equal(row("protocols.http.cors")->type, OTELC_CFG_SECTION);
    assert_true(row("protocols.http.cors.allowed_origins")->flags & OTELC_KEY_UNSUPPORTED);
    assert_string_equal(row("protocols.http.metrics_url_path")->dflt, "/v1/metrics");
    assert_int_equal(row("protocols.http.metrics_url_path")->flags, 0);
    assert_string_equal(row("protocols.http.logs_url_path")->dflt, "/v1/logs");
    assert_int_equal(row("protocols.http.auth")->type, OTELC_CFG_SECTION);
    assert_true(row("protocols.http.auth.request_params")->flags & OTELC_KEY_UNSUPPORTED);
    assert_true(row("protocols.http.tls.cert_pem")->flags & OTELC_KEY_UNSUPPORTED);
    assert_int_equal(row("protocols.http.tls.cert_file")->flags, 0);
}

static void test_defaults(void **state)
{
    otlp_settings s = load(defaults());
    assert_string_equal(s.ep.host, "localhost");
    assert_int_equal(s.ep.port, 4318);
    assert_int_equal(s.max_msg, 20 * MIB);
    assert_string_equal(s.http.traces_path, "/v1/traces");
    assert_string_equal(s.http.metrics_path, "/v1/metrics");
    assert_string_equal(s.http.logs_path, "/v1/logs");
    assert_true(s.http.read_header_ns == 60 * SEC);
    assert_true(s.http.idle_ns == 60 * SEC);
    assert_true(s.idle_ns == 60 * SEC); /* h2c connections too */
    assert_true(s.http.write_ns == 30 * SEC);
    assert_true(s.http.read_ns == OTLP_NEVER);
    assert_int_equal(s.http.min_body_rate, 1024);
    assert_true(s.handshake_ns == 60 * SEC); /* h2c: read_header_timeout */
    assert_true(s.http.keepalives);
    assert_int_equal(s.http.encodings, 1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_GZIP |
                                           1u << GRPC_ENC_ZSTD | 1u << GRPC_ENC_DEFLATE);
    assert_false(s.tls);
    assert_int_equal(s.nloops, 1);
    assert_int_equal(s.max_streams, 100);
    assert_true(s.permit_idle_pings);
    assert_string_equal(s.http.h1_headers, "");
    /* 0 means the collector's 20 MiB. */
    otlp_cfg c = defaults();
    c.http_max_request_body_size = 0;
    assert_int_equal(load(c).max_msg, 20 * MIB);
}

/* Go's http.Server: zero header and idle timeouts take read_timeout. */
static void test_timeouts(void **state)
{
    otlp_cfg c = defaults();
    c.http_read_timeout = 5 * SEC;
    c.http_read_header_timeout = 0;
    c.http_idle_timeout = 0;
    c.http_write_timeout = 0;
    otlp_settings s = load(c);
    assert_true(s.http.read_ns == 5 * SEC);
    assert_true(s.http.read_header_ns == 5 * SEC);
    assert_true(s.http.idle_ns == 5 * SEC);
    assert_true(s.http.write_ns == OTLP_NEVER);
    c.http_read_timeout = 0;
    s = load(c);
    assert_true(s.http.read_header_ns == OTLP_NEVER);
    assert_true(s.http.idle_ns == OTLP_NEVER);
    c.http_keepalives_enabled = false;
    assert_false(load(c).http.keepalives);
}

static void test_paths(void **state)
{
    otlp_cfg c = defaults();
    c.http_traces_url_path = "custom/traces";
    assert_string_equal(load(c).http.traces_path, "/custom/traces");
    c.http_traces_url_path = "/a?b=c";
    assert_string_equal(load(c).http.traces_path, "/a");
    c.http_traces_url_path = NULL;
    assert_string_equal(load(c).http.traces_path, "/v1/traces");
    c.http_traces_url_path = "/a b";
    expect_error(c, "protocols.http.traces_url_path");
    c.http_traces_url_path = "?x";
    expect_error(c, "protocols.http.traces_url_path");
    char longp[300];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    c.http_traces_url_path = longp;
    expect_error(c, "protocols.http.traces_url_path");
}

/* metrics_url_path and logs_url_path follow the same rules; no path may
 * take two signals. */
static void test_signal_paths(void **state)
{
    otlp_cfg c = defaults();
    c.http_metrics_url_path = "m";
    c.http_logs_url_path = "/otlp/logs?x=1";
    otlp_settings s = load(c);
    assert_string_equal(s.http.metrics_path, "/m");
    assert_string_equal(s.http.logs_path, "/otlp/logs");
    c.http_metrics_url_path = NULL;
    assert_string_equal(load(c).http.metrics_path, "/v1/metrics");
    c.http_logs_url_path = "/bad\tpath";
    expect_error(c, "protocols.http.logs_url_path: must not hold spaces");
    c.http_logs_url_path = "/v1/logs";
    c.http_metrics_url_path = "/v1/traces";
    expect_error(c, "protocols.http.metrics_url_path: must differ from traces_url_path");
    c.http_metrics_url_path = "/v1/metrics";
    c.http_logs_url_path = "v1/metrics";
    expect_error(c, "protocols.http.logs_url_path: must differ");
}

static void test_compression_list(void **state)
{
    otlp_cfg c = defaults();
    const char *gz[] = {"", "gzip"};
    c.http_compression_algorithms = (otelc_strlist){2, gz};
    assert_int_equal(load(c).http.encodings, 1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_GZIP);
    const char *z[] = {"zlib", "zstd"};
    c.http_compression_algorithms = (otelc_strlist){2, z};
    assert_int_equal(load(c).http.encodings,
                     1u << GRPC_ENC_IDENTITY | 1u << GRPC_ENC_DEFLATE | 1u << GRPC_ENC_ZSTD);
    const char *snappy[] = {"gzip", "snappy"};
    c.http_compression_algorithms = (otelc_strlist){2, snappy};
    expect_error(c, "snappy is not supported yet");
    const char *bogus[] = {"brotli"};
    c.http_compression_algorithms = (otelc_strlist){1, bogus};
    expect_error(c, "protocols.http.compression_algorithms");
}

static void test_errors(void **state)
{
    otlp_cfg c = defaults();
    c.http_endpoint = "nohost";
    expect_error(c, "protocols.http.endpoint");
    c = defaults();
    c.http_loop_threads = 0;
    expect_error(c, "protocols.http.loop_threads");
    c = defaults();
    c.http_max_request_body_size = (uint64_t)3 << 30;
    expect_error(c, "protocols.http.max_request_body_size");
    c = defaults();
    c.http_tls_cert_file = "cert.pem";
    expect_error(c, "protocols.http.tls.key_file");
    c.http_tls_key_file = "key.pem";
    c.http_tls_min_version = "1.3";
    c.http_tls_max_version = "1.1";
    expect_error(c, "protocols.http.tls.max_version");
    c.http_tls_max_version = NULL;
    otlp_settings s = load(c);
    assert_true(s.tls);
    assert_int_equal(s.tls_min, 3);
}

static void test_response_header_check(void **state)
{
    char err[200];
    assert_int_equal(otlp_http_header_check("X-Served-By", "otelc 1", err, sizeof(err)), 0);
    assert_int_equal(otlp_http_header_check("a b", "v", err, sizeof(err)), -1);
    assert_int_equal(otlp_http_header_check("", "v", err, sizeof(err)), -1);
    assert_int_equal(otlp_http_header_check("Content-Type", "v", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "set by otelc"));
    assert_int_equal(otlp_http_header_check("connection", "v", err, sizeof(err)), -1);
    assert_int_equal(otlp_http_header_check("X-A", "v\r\nX-B: injected", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "control character"));
    assert_int_equal(otlp_http_header_check("X-A", "tab\tok", err, sizeof(err)), 0);
}

static void add(otlp_meta *m, const char *k, const char *v)
{
    if (otlp_meta_wanted_http((const uint8_t *)k, strlen(k)))
        assert_int_equal(otlp_meta_add(m, (const uint8_t *)k, strlen(k), (const uint8_t *)v,
                                       strlen(v)),
                         0);
}

static void test_http_metadata(void **state)
{
    otlp_meta m = {0};
    const otelc_kv *kv;
    size_t n;
    add(&m, "Host", "h");
    add(&m, "Content-Length", "3");
    add(&m, "Content-Type", "application/json");
    add(&m, "X-Tenant", "acme");
    add(&m, "Transfer-Encoding", "chunked");
    add(&m, "CONNECTION", "keep-alive");
    add(&m, "Authorization", "Bearer t");
    add(&m, ":path", "/v1/traces");
    assert_int_equal(otlp_meta_pairs(&m, &kv, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(kv[0].key, "authorization"); /* names lower-cased */
    assert_string_equal(kv[1].key, "x-tenant");
    assert_string_equal(kv[1].value, "acme");
    otlp_meta_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_rows),       cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_timeouts),       cmocka_unit_test(test_paths),
        cmocka_unit_test(test_signal_paths),
        cmocka_unit_test(test_compression_list), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_response_header_check), cmocka_unit_test(test_http_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
