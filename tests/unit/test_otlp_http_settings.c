/*
 * otlp_http settings: the collector's URL rule per signal (endpoint +
 * /v1/traces, /v1/metrics, /v1/logs; the signal's own endpoint as is),
 * encodings and compressions, TLS pairing and versions, and the
 * server_name_override rewrite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"

static oh_cfg base(void)
{
    oh_cfg c = {0};
    c.endpoint = "http://collector:4318";
    c.encoding = "proto";
    c.compression = "gzip";
    c.tls_min_version = "1.2";
    return c;
}

#define ALL (OTELC_TRACES | OTELC_METRICS | OTELC_LOGS)

static oh_settings s;

/* The settings of an exporter in pipelines of the signals in mask. */
static const oh_settings *ok_for(const oh_cfg *c, uint32_t mask)
{
    char err[256] = "";
    if (oh_settings_init(&s, c, mask, err, sizeof(err)) != 0)
        fail_msg("unexpected: %s", err);
    return &s;
}

/* A traces exporter's (what the tests below were written for). */
static const oh_target *ok(const oh_cfg *c)
{
    return &ok_for(c, OTELC_TRACES)->target[0];
}

static void refused_for(const oh_cfg *c, uint32_t mask, const char *want)
{
    char err[256] = "";
    assert_int_equal(oh_settings_init(&s, c, mask, err, sizeof(err)), -1);
    if (!strstr(err, want))
        fail_msg("\"%s\" lacks \"%s\"", err, want);
}

static void refused(const oh_cfg *c, const char *want)
{
    refused_for(c, OTELC_TRACES, want);
}

static void test_url_rule(void **state)
{
    oh_cfg c = base();
    const oh_target *t = ok(&c);
    assert_string_equal(t->url, "http://collector:4318/v1/traces");
    assert_false(t->https);
    c.endpoint = "https://collector:4318/prefix/";
    t = ok(&c);
    assert_string_equal(t->url, "https://collector:4318/prefix/v1/traces");
    assert_true(t->https);
    c.traces_endpoint = "https://other/custom/path";
    t = ok(&c);
    assert_string_equal(t->url, "https://other/custom/path");
    c.endpoint = NULL;
    t = ok(&c);
    assert_string_equal(t->url, "https://other/custom/path");
}

static void test_url_refusals(void **state)
{
    oh_cfg c = base();
    c.endpoint = NULL;
    refused(&c, "at least one endpoint must be specified");
    c.metrics_endpoint = "http://m/v1/metrics";
    refused(&c, "either endpoint or traces_endpoint must be specified");
    refused_for(&c, OTELC_LOGS, "either endpoint or logs_endpoint must be specified");
    assert_true(ok_for(&c, OTELC_METRICS)->target[1].on);
    c.metrics_endpoint = NULL;
    c.endpoint = "collector:4318";
    refused(&c, "endpoint: \"collector:4318\" is not an http:// or https:// URL");
    c.endpoint = "http://ok";
    c.traces_endpoint = "ftp://x/y";
    refused(&c, "traces_endpoint: ");
}

static void test_url_per_signal(void **state)
{
    oh_cfg c = base();
    const oh_settings *st = ok_for(&c, ALL);
    assert_string_equal(st->target[0].url, "http://collector:4318/v1/traces");
    assert_string_equal(st->target[1].url, "http://collector:4318/v1/metrics");
    assert_string_equal(st->target[2].url, "http://collector:4318/v1/logs");
    c.logs_endpoint = "https://logs.example/ingest";
    st = ok_for(&c, OTELC_TRACES | OTELC_LOGS);
    assert_true(st->target[0].on && !st->target[1].on && st->target[2].on);
    assert_string_equal(st->target[2].url, "https://logs.example/ingest");
    assert_true(st->target[2].https && !st->target[0].https);
    st = ok_for(&c, 0); /* an older host: traces */
    assert_true(st->target[0].on && !st->target[2].on);
    c.logs_endpoint = "logs.example";
    refused_for(&c, OTELC_LOGS, "logs_endpoint: \"logs.example\" is not an http");
}

static void test_encoding_and_compression(void **state)
{
    oh_cfg c = base();
    const oh_settings *st = ok_for(&c, OTELC_TRACES);
    assert_int_equal(st->encoding, OH_PROTO);
    assert_int_equal(st->compression, OH_GZIP);
    c.encoding = "json";
    c.compression = "zstd";
    st = ok_for(&c, OTELC_TRACES);
    assert_int_equal(st->encoding, OH_JSON);
    assert_int_equal(st->compression, OH_ZSTD);
    c.compression = "none";
    assert_int_equal(ok_for(&c, OTELC_TRACES)->compression, OH_NONE);
    c.compression = "";
    assert_int_equal(ok_for(&c, OTELC_TRACES)->compression, OH_NONE);
    c.compression = "snappy";
    refused(&c, "compression: snappy is not supported yet");
    c.compression = "brotli";
    refused(&c, "compression: unsupported compression type \"brotli\"");
    c.compression = "gzip";
    c.encoding = "xml";
    refused(&c, "encoding: invalid encoding type: xml");
}

static void test_tls(void **state)
{
    oh_cfg c = base();
    const oh_settings *st = ok_for(&c, OTELC_TRACES);
    assert_int_equal(st->tls.min_version, CURL_SSLVERSION_TLSv1_2);
    assert_int_equal(st->tls.max_version, 0);
    c.tls_min_version = "1.3";
    c.tls_max_version = "1.3";
    st = ok_for(&c, OTELC_TRACES);
    assert_int_equal(st->tls.min_version, CURL_SSLVERSION_TLSv1_3);
    assert_int_equal(st->tls.max_version, CURL_SSLVERSION_MAX_TLSv1_3);
    c.tls_max_version = "1.2";
    refused(&c, "min_version cannot be greater than max_version");
    c = base();
    c.tls_min_version = "1.4";
    refused(&c, "tls.min_version: invalid TLS min_version");
    c = base();
    c.tls_cert_file = "c.pem";
    refused(&c, "must include both certificate and key");
    c.tls_key_file = "k.pem";
    assert_string_equal(ok_for(&c, OTELC_TRACES)->tls.key_file, "k.pem");
    c.tls_ca_file = "ca.pem";
    c.tls_ca_pem = "-----BEGIN";
    refused(&c, "either a CA file or the PEM-encoded string");
}

static void test_server_name_override(void **state)
{
    oh_cfg c = base();
    c.endpoint = "https://10.0.0.1:4318/base";
    c.tls_server_name_override = "collector.example";
    const oh_target *t = ok(&c);
    assert_string_equal(t->url, "https://collector.example:4318/base/v1/traces");
    assert_string_equal(t->shown_url, "https://10.0.0.1:4318/base/v1/traces");
    assert_string_equal(t->connect_to, "collector.example:4318:10.0.0.1:4318");
    assert_string_equal(t->host_header, "Host: 10.0.0.1:4318");
    c.endpoint = "https://[::1]/";
    t = ok(&c);
    assert_string_equal(t->url, "https://collector.example:443/v1/traces");
    assert_string_equal(t->connect_to, "collector.example:443:[::1]:443");
    assert_string_equal(t->host_header, "Host: [::1]");
    c.endpoint = "http://10.0.0.1:4318"; /* no TLS, nothing to override */
    t = ok(&c);
    assert_string_equal(t->url, "http://10.0.0.1:4318/v1/traces");
    assert_string_equal(t->connect_to, "");
    c.endpoint = "https://10.0.0.1";
    c.tls_server_name_override = "bad:name";
    refused(&c, "tls.server_name_override: \"bad:name\" is not a host name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rule),
        cmocka_unit_test(test_url_refusals),
        cmocka_unit_test(test_url_per_signal),
        cmocka_unit_test(test_encoding_and_compression),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_server_name_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
