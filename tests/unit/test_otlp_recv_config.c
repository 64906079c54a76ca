/*
 * test_otlp_recv_config.c: the otlp receiver's key table, settings checks,
 * endpoints and request metadata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "endpoint.h"
#include "metadata.h"
#include "otlp_config.h"

#define SEC INT64_C(1000000000)

/* The config as the host fills it from the table's defaults. */
static otlp_cfg defaults(void)
{
    otlp_cfg c;
    memset(&c, 0, sizeof(c));
    c.endpoint = "localhost:4317";
    c.transport = "tcp";
    c.max_recv_msg_size_mib = 4;
    c.read_buffer_size = (uint64_t)512 * 1024;
    c.ka_time = 7200 * SEC;
    c.ka_timeout = 20 * SEC;
    c.ka_min_time = 300 * SEC;
    c.tls_min_version = "1.2";
    c.loop_threads = 1;
    c.max_inflight_bytes_per_connection = 16u << 20;
    c.max_inflight_bytes = 128u << 20;
    return c;
}

static const otelc_cfg_key *row(const char *name)
{
    for (const otelc_cfg_key *k = otlp_cfg_keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

/* Every dotted key sits in a declared section, offsets fit the struct,
 * and the collector's defaults are the declared ones. */
static void test_key_table(void **state)
{
    size_t n = 0;
    for (const otelc_cfg_key *k = otlp_cfg_keys; k->name; k++, n++) {
        const char *dot = strrchr(k->name, '.');
        if (dot) {
            char parent[128];
            memcpy(parent, k->name, (size_t)(dot - k->name));
            parent[dot - k->name] = '\0';
            const otelc_cfg_key *p = row(parent);
            assert_non_null(p);
            assert_int_equal(p->type, OTELC_CFG_SECTION);
        }
        if (k->type != OTELC_CFG_SECTION && !(k->flags & (OTELC_KEY_UNSUPPORTED | OTELC_KEY_IGNORED)))
            assert_true(k->offset < sizeof(otlp_cfg));
    }
    assert_true(n > 40);
    assert_string_equal(row("protocols.grpc.endpoint")->dflt, "localhost:4317");
    assert_string_equal(row("protocols.grpc.max_recv_msg_size_mib")->dflt, "4");
    assert_int_equal(row("protocols.grpc.auth")->type, OTELC_CFG_SECTION);
    assert_int_equal(row("protocols.grpc.auth.authenticator")->type, OTELC_CFG_STRING);
    assert_int_equal(row("protocols.http")->type, OTELC_CFG_SECTION);
    assert_int_equal(row("protocols.http")->flags, 0);
    assert_string_equal(row("protocols.http.endpoint")->dflt, "localhost:4318");
    assert_int_equal(row("protocols.http.auth.authenticator")->flags, 0);
    assert_true(row("protocols.http.auth.request_params")->flags & OTELC_KEY_UNSUPPORTED);
    assert_int_equal(row("protocols.grpc.keepalive.enforcement_policy.min_time")->type,
                     OTELC_CFG_DURATION);
}

static void test_defaults(void **state)
{
    otlp_cfg c = defaults();
    otlp_settings s;
    char err[200];
    assert_int_equal(otlp_settings_load(&c, &s, err, sizeof(err)), 0);
    assert_string_equal(s.ep.host, "localhost");
    assert_int_equal(s.ep.port, 4317);
    assert_int_equal(s.max_msg, 4u << 20);
    assert_int_equal(s.max_streams, 100);
    assert_int_equal(s.nloops, 1);
    assert_false(s.tls);
    assert_int_equal(s.ping_ns, 7200 * SEC);
    assert_int_equal(s.idle_ns, OTLP_NEVER);
    assert_int_equal(s.handshake_ns, 20 * SEC); /* 0 means 20s */
    assert_int_equal(s.age_ns, OTLP_NEVER);
    assert_int_equal(s.write_limit, 32 * 1024);
    /* Zero means the gRPC default, as in the collector. */
    c.max_recv_msg_size_mib = 0;
    c.ka_time = 0;
    assert_int_equal(otlp_settings_load(&c, &s, err, sizeof(err)), 0);
    assert_int_equal(s.max_msg, 4u << 20);
    assert_int_equal(s.ping_ns, 7200 * SEC);
}

static void expect_error(otlp_cfg c, const char *key)
{
    otlp_settings s;
    char err[200] = "";
    assert_int_equal(otlp_settings_load(&c, &s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, key));
}

static void test_errors(void **state)
{
    otlp_cfg c = defaults();
    c.endpoint = "localhost";
    expect_error(c, "protocols.grpc.endpoint");
    c = defaults();
    c.endpoint = "localhost:70000";
    expect_error(c, "protocols.grpc.endpoint");
    c = defaults();
    c.transport = "unix";
    expect_error(c, "protocols.grpc.transport");
    c = defaults();
    c.tls_cert_file = "cert.pem";
    expect_error(c, "tls.key_file");
    c = defaults();
    c.tls_client_ca_file = "ca.pem";
    expect_error(c, "tls.client_ca_file");
    c = defaults();
    c.tls_cert_file = "cert.pem";
    c.tls_key_file = "key.pem";
    c.tls_min_version = "1.4";
    expect_error(c, "tls.min_version");
    c.tls_min_version = "1.3";
    c.tls_max_version = "1.2";
    expect_error(c, "tls.max_version");
    c = defaults();
    c.loop_threads = 0;
    expect_error(c, "loop_threads");
    c = defaults();
    c.max_recv_msg_size_mib = 5000;
    expect_error(c, "max_recv_msg_size_mib");
    c = defaults();
    c.max_concurrent_streams = -1;
    expect_error(c, "max_concurrent_streams");
}

static void test_tls_settings(void **state)
{
    otlp_cfg c = defaults();
    otlp_settings s;
    char err[200];
    c.tls_cert_file = "cert.pem";
    c.tls_key_file = "key.pem";
    c.tls_max_version = "1.3";
    c.transport = "tcp6";
    c.endpoint = "[::1]:0";
    assert_int_equal(otlp_settings_load(&c, &s, err, sizeof(err)), 0);
    assert_true(s.tls);
    assert_int_equal(s.tls_min, 2);
    assert_int_equal(s.tls_max, 3);
    assert_int_equal(s.ep.family, AF_INET6);
    assert_string_equal(s.ep.host, "::1");
    assert_int_equal(s.ep.port, 0);
}

static void test_endpoint_parse(void **state)
{
    endpoint ep;
    char err[200];
    assert_int_equal(endpoint_parse(":4317", &ep, err, sizeof(err)), 0);
    assert_string_equal(ep.host, "");
    assert_int_equal(ep.port, 4317);
    assert_int_equal(endpoint_parse("0.0.0.0:0", &ep, err, sizeof(err)), 0);
    assert_string_equal(ep.host, "0.0.0.0");
    assert_int_equal(endpoint_parse("[::]:65535", &ep, err, sizeof(err)), 0);
    assert_string_equal(ep.host, "::");
    assert_int_equal(ep.port, 65535);
    const char *bad[] = {"", "host", "::1:4317", "[::1]4317", "[::1", "h:", "h:-1", "h:65536",
                         "h:12x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(endpoint_parse(bad[i], &ep, err, sizeof(err)), -1);
}

static void test_endpoint_resolve(void **state)
{
    endpoint ep = {.host = "localhost", .port = 4317, .family = AF_UNSPEC};
    endpoint_addrs a;
    char err[200], text[80];
    assert_int_equal(endpoint_resolve(&ep, &a, err, sizeof(err)), 0);
    assert_int_equal(a.n, 2);
    endpoint_format((struct sockaddr *)&a.addr[0], text, sizeof(text));
    assert_string_equal(text, "127.0.0.1:4317");
    endpoint_format((struct sockaddr *)&a.addr[1], text, sizeof(text));
    assert_string_equal(text, "[::1]:4317");
    ep.family = AF_INET;
    assert_int_equal(endpoint_resolve(&ep, &a, err, sizeof(err)), 0);
    assert_int_equal(a.n, 1);
    /* An empty host is localhost too, never "all interfaces". */
    ep.host[0] = '\0';
    ep.family = AF_INET6;
    assert_int_equal(endpoint_resolve(&ep, &a, err, sizeof(err)), 0);
    assert_int_equal(a.n, 1);
    endpoint_format((struct sockaddr *)&a.addr[0], text, sizeof(text));
    assert_string_equal(text, "[::1]:4317");
    endpoint e4 = {.host = "0.0.0.0", .port = 9, .family = AF_UNSPEC};
    assert_int_equal(endpoint_resolve(&e4, &a, err, sizeof(err)), 0);
    assert_int_equal(a.n, 1);
    endpoint_format((struct sockaddr *)&a.addr[0], text, sizeof(text));
    assert_string_equal(text, "0.0.0.0:9");
    /* An IPv4 literal with transport tcp6 has nothing to bind. */
    e4.family = AF_INET6;
    assert_int_equal(endpoint_resolve(&e4, &a, err, sizeof(err)), -1);
}

static void add(otlp_meta *m, const char *k, const char *v)
{
    if (otlp_meta_wanted((const uint8_t *)k, strlen(k)))
        assert_int_equal(otlp_meta_add(m, (const uint8_t *)k, strlen(k), (const uint8_t *)v,
                                       strlen(v)),
                         0);
}

static void test_metadata(void **state)
{
    otlp_meta m = {0};
    const otelc_kv *kv;
    size_t n;
    add(&m, ":path", "/x");
    add(&m, "x-tenant", "b");
    add(&m, "content-type", "application/grpc");
    add(&m, "authorization", "Bearer t");
    add(&m, "grpc-encoding", "gzip");
    add(&m, "x-tenant", "a");
    add(&m, "user-agent", "otel");
    assert_int_equal(otlp_meta_pairs(&m, &kv, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(kv[0].key, "authorization");
    assert_string_equal(kv[1].key, "user-agent");
    assert_string_equal(kv[2].key, "x-tenant");
    assert_string_equal(kv[2].value, "b"); /* equal keys keep arrival order */
    assert_string_equal(kv[3].value, "a");
    otlp_meta_free(&m);
    assert_int_equal(otlp_meta_pairs(&m, &kv, &n), 0);
    assert_int_equal(n, 0);
    otlp_meta_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table),       cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_tls_settings),
        cmocka_unit_test(test_endpoint_parse),  cmocka_unit_test(test_endpoint_resolve),
        cmocka_unit_test(test_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
