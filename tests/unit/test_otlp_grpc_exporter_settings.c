/*
 * otlp_grpc exporter settings: endpoint forms as configgrpc reads them,
 * configtls's rule for when TLS is on and the name it checks, keepalive's
 * defaults, balancer and compression names, and metadata names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "config.h"

static og_cfg base(const char *endpoint)
{
    og_cfg c = {.endpoint = endpoint, .compression = "gzip", .balancer_name = "round_robin",
                .keepalive_enabled = true, .keepalive_time = 10000000000LL,
                .keepalive_timeout = 20000000000LL, .tls_min_version = "1.2"};
    return c;
}

static int init(og_settings *s, const og_cfg *c, char *err)
{
    og_cfg_extra extra = {false};
    err[0] = 0;
    return og_settings_init(s, c, &extra, err, 256);
}

static void test_endpoints(void **state)
{
    static const struct {
        const char *in, *host, *authority;
        int port;
        bool https;
    } ok[] = {
        {"collector:4317", "collector", "collector:4317", 4317, false},
        {"http://collector:4317", "collector", "collector:4317", 4317, false},
        {"https://collector:443", "collector", "collector:443", 443, true},
        {"dns:///collector:4317", "collector", "collector:4317", 4317, false},
        {"passthrough:///10.0.0.1:4317", "10.0.0.1", "10.0.0.1:4317", 4317, false},
        {"[::1]:4317", "::1", "[::1]:4317", 4317, false},
    };
    og_settings s;
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        og_cfg c = base(ok[i].in);
        c.tls_insecure = true;
        assert_int_equal(init(&s, &c, err), 0);
        assert_string_equal(s.host, ok[i].host);
        assert_int_equal(s.port, ok[i].port);
        assert_string_equal(s.authority, ok[i].authority);
        assert_int_equal(s.tls.on, ok[i].https);
    }
}

static void check_bad(og_cfg c, const char *want)
{
    og_settings s;
    char err[256];
    assert_int_equal(init(&s, &c, err), -1);
    if (!strstr(err, want))
        fail_msg("\"%s\" not in \"%s\"", want, err);
}

static void test_bad_endpoints(void **state)
{
    (void)state;
    check_bad(base(NULL), "endpoint: requires a non-empty \"endpoint\"");
    check_bad(base("collector"), "endpoint: address collector: missing port in address");
    check_bad(base("a:b:4317"), "too many colons");
    check_bad(base("collector:http"), "invalid port \"http\"");
    check_bad(base("collector:70000"), "invalid port");
    check_bad(base(":4317"), "is not host:port");
    check_bad(base("unix:///tmp/s"), "unix sockets are not supported yet");
    check_bad(base("xds:///svc:4317"), "is not supported yet");
    check_bad(base("c:4317/v1"), "is not host:port");
}

static void test_tls_rule(void **state)
{
    og_settings s;
    char err[256];
    (void)state;
    og_cfg c = base("collector:4317");
    assert_int_equal(init(&s, &c, err), 0);
    assert_true(s.tls.on); /* configtls: TLS unless insecure */
    assert_int_equal(s.tls.min_version, TLS1_2_VERSION);
    assert_string_equal(s.tls.verify_name, "collector");
    c.tls_insecure = true;
    assert_int_equal(init(&s, &c, err), 0);
    assert_false(s.tls.on);
    c.tls_ca_file = "/ca.pem"; /* insecure with a CA is still TLS */
    assert_int_equal(init(&s, &c, err), 0);
    assert_true(s.tls.on);
    c = base("https://collector:4317");
    c.tls_insecure = true;
    assert_int_equal(init(&s, &c, err), 0);
    assert_true(s.tls.on);
    c.authority = "front.example:443";
    assert_int_equal(init(&s, &c, err), 0);
    assert_string_equal(s.authority, "front.example:443");
    assert_string_equal(s.tls.verify_name, "front.example");
    c.tls_server_name_override = "name.test";
    c.tls_max_version = "1.3";
    assert_int_equal(init(&s, &c, err), 0);
    assert_string_equal(s.tls.verify_name, "name.test");
    assert_int_equal(s.tls.max_version, TLS1_3_VERSION);
}

static void test_tls_bad(void **state)
{
    (void)state;
    og_cfg c = base("collector:4317");
    c.tls_min_version = "1.4";
    check_bad(c, "tls.min_version: invalid TLS min_version");
    c = base("collector:4317");
    c.tls_min_version = "1.3";
    c.tls_max_version = "1.2";
    check_bad(c, "min_version cannot be greater than max_version");
    c = base("collector:4317");
    c.tls_cert_file = "/c.pem";
    check_bad(c, "must include both certificate and key");
    c.tls_key_file = "/k.pem";
    c.tls_key_pem = "x";
    check_bad(c, "either key file or PEM");
    c = base("collector:4317");
    c.tls_server_name_override = "a:b";
    check_bad(c, "tls.server_name_override");
}

static void test_keepalive(void **state)
{
    og_settings s;
    char err[256];
    og_cfg_extra present = {true};
    (void)state;
    og_cfg c = base("collector:4317");
    assert_int_equal(init(&s, &c, err), 0);
    assert_false(s.keepalive); /* the exporter's default: none */
    c.keepalive_time = 1000000000LL;
    c.keepalive_timeout = 0;
    assert_int_equal(og_settings_init(&s, &c, &present, err, sizeof(err)), 0);
    assert_true(s.keepalive);
    assert_int_equal(s.keepalive_time_ns, OG_KEEPALIVE_MIN_NS);
    assert_int_equal(s.keepalive_timeout_ns, OG_KEEPALIVE_TIMEOUT_NS);
    c.keepalive_enabled = false;
    assert_int_equal(og_settings_init(&s, &c, &present, err, sizeof(err)), 0);
    assert_false(s.keepalive);
}

static void test_names(void **state)
{
    og_settings s;
    char err[256];
    (void)state;
    og_cfg c = base("collector:4317");
    c.balancer_name = "pick_first";
    c.compression = "zstd";
    assert_int_equal(init(&s, &c, err), 0);
    assert_int_equal(s.compression, OG_ZSTD);
    c.compression = "none";
    assert_int_equal(init(&s, &c, err), 0);
    assert_int_equal(s.compression, OG_NONE);
    c.compression = "";
    assert_int_equal(init(&s, &c, err), 0);
    assert_int_equal(s.compression, OG_NONE);
    c.compression = "snappy";
    check_bad(c, "snappy is not supported yet");
    c.compression = "br";
    check_bad(c, "unsupported compression type \"br\"");
    c = base("collector:4317");
    c.balancer_name = "grpclb";
    check_bad(c, "balancer_name: invalid balancer_name: grpclb");
    assert_true(og_header_name_ok("X-Scope-OrgID"));
    assert_true(og_header_name_ok("trace-bin"));
    assert_true(og_header_name_ok("authorization"));
    assert_false(og_header_name_ok("bad name"));
    assert_false(og_header_name_ok(":path"));
    assert_false(og_header_name_ok("grpc-timeout"));
    assert_false(og_header_name_ok("Content-Type"));
    assert_false(og_header_name_ok(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_bad_endpoints),
        cmocka_unit_test(test_tls_rule),
        cmocka_unit_test(test_tls_bad),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
