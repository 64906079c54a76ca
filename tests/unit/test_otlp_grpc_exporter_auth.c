/*
 * The otlp_grpc exporter's auth side (libs/grpcclient/auth.c) on the SDK
 * test kit: auth.authenticator finds the client service the test offers
 * (or fails at the key with the collector's texts), also where
 * load_balancing has it, under protocol.otlp; an attempt's
 * header fields are otelc's own, then the authenticator's (which replace
 * otelc's of the same name but never the protocol's), then the `headers`
 * key's (which replace both); what the authenticator lends is copied; the
 * batch's metadata reaches it; no credentials is a logged failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <otelc/testkit.h>

#include "client.h"

typedef void (*add_fn)(void *arg, const char *name, const char *value);

/* Adds name: value from a buffer it scribbles over afterwards, as an
 * authenticator may: the exporter must have copied it. */
static void add_lent(add_fn add, void *arg, const char *name, const char *value)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", value);
    add(arg, name, buf);
    memset(buf, 'x', sizeof(buf) - 1);
}

/* A client authenticator of the test's: a token, fields the protocol
 * owns, bad names and values, one the config replaces, X-User from the
 * metadata, a binary one. The third call has no credentials. */
static int fake_headers(void *state, const char *const *metadata, add_fn add, void *arg)
{
    int *calls = state;
    (*calls)++;
    add_lent(add, arg, "Authorization", "Bearer t0k");
    add_lent(add, arg, "User-Agent", "auth-agent");
    add(arg, "Content-Type", "text/plain");
    add(arg, "te", "gzip");
    add(arg, "grpc-timeout", "1S");
    add(arg, ":path", "/elsewhere");
    add(arg, "Bad Name", "dropped");
    add(arg, "x-crlf", "a\r\nb");
    add(arg, "X-Shared", "from-auth");
    add(arg, "X-Empty", "");
    add(arg, "trace-bin", "\x01\x02");
    for (size_t i = 0; metadata && metadata[i]; i += 2)
        if (strcmp(metadata[i], "x-user") == 0)
            add_lent(add, arg, "X-User", metadata[i + 1]);
    return *calls > 2 ? -1 : 0;
}

static const otelc_auth_client fake = {sizeof(otelc_auth_client), fake_headers};

typedef struct fixture {
    otelc_test_host *h;
    ogrpc x;
    og_auth auth;
    og_headers headers;
    nghttp2_nv own[OG_NV_MAX];
    int calls;
} fixture;

/* Resolves id as the owner of the keys does: under base (NULL: the top,
 * as otlp_grpc; else a path such as load_balancing's protocol.otlp). */
static int up_at(fixture *f, const char *yaml, const char *base, const char *id)
{
    memset(f, 0, sizeof(*f));
    f->h = otelc_test_host_new();
    otelc_test_host_offer(f->h, OTELC_SERVICE_AUTH_CLIENT, "bearertokenauth/out", &fake,
                          &f->calls);
    otelc_test_host_offer(f->h, OTELC_SERVICE_AUTH_SERVER, "basicauth/in", &fake, &f->calls);
    assert_non_null(otelc_test_host_config(f->h, yaml));
    f->x.api = otelc_test_host_api(f->h);
    f->x.ctx = otelc_test_host_ctx(f->h);
    f->x.headers = &f->headers;
    const otelc_node *at = NULL;
    if (base) {
        at = f->x.api->node_get(f->x.api->node_get(f->x.api->config_node(f->x.ctx), "protocol"),
                                "otlp");
        assert_non_null(at);
    }
    int rc = og_auth_resolve(f->x.ctx, f->x.api, at, base ? "protocol.otlp." : "", id, &f->auth);
    f->x.auth = f->auth.client ? &f->auth : NULL;
    return rc;
}

static int up(fixture *f, const char *yaml, const char *id)
{
    return up_at(f, yaml, NULL, id);
}

static void down(fixture *f)
{
    og_headers_free(&f->headers);
    otelc_test_host_free(f->h);
}

static void own(fixture *f, const char *name, const char *value)
{
    f->own[f->x.nnva++] = (nghttp2_nv){(uint8_t *)name, (uint8_t *)value, strlen(name),
                                       strlen(value), NGHTTP2_NV_FLAG_NONE};
}

/* otelc's own fields, then the `headers` key's, as build_headers lays
 * them out. */
static void lay_out(fixture *f)
{
    const otelc_node *node = f->x.api->node_get(f->x.api->config_node(f->x.ctx), "headers");
    assert_int_equal(og_headers_parse(f->x.ctx, f->x.api, node, &f->headers), 0);
    f->x.nva = f->own;
    own(f, ":method", "POST");
    f->x.path_at = f->x.nnva;
    own(f, ":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    own(f, "content-type", "application/grpc");
    own(f, "te", "trailers");
    own(f, "user-agent", "otelc/test");
    own(f, "grpc-accept-encoding", "gzip,zstd");
    f->x.nown = f->x.nnva;
    for (size_t i = 0; i < f->headers.n; i++)
        own(f, f->headers.names[i], f->headers.values[i]);
}

static char *joined(const nghttp2_nv *nva, size_t n)
{
    static char buf[1024];
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%.*s=%.*s|", (int)nva[i].namelen,
                                (const char *)nva[i].name, (int)nva[i].valuelen,
                                (const char *)nva[i].value);
    return buf;
}

/* The payload as og_payload_build leaves it: the batch's metadata
 * copied. */
static void prepared(fixture *f, og_payload *r)
{
    otelc_kv pairs[] = {{"x-user", "alice"}, {"x-tenant", "acme"}};
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .pairs = pairs, .npairs = 2};
    otelc_batch *b = f->x.api->batch_copy((const uint8_t *)"", 0, 0, &meta);
    memset(r, 0, sizeof(*r));
    r->spans = 1;
    assert_int_equal(og_auth_metadata(b, &r->metadata), 0);
    otelc_batch_unref(b);
    assert_string_equal(r->metadata[0], "x-user");
    assert_string_equal(r->metadata[3], "acme");
    assert_null(r->metadata[4]);
}

static void an_attempt_carries_own_auth_then_config_fields(void **unused)
{
    fixture f;
    const char *yaml = "auth: { authenticator: bearertokenauth/out }\n"
                       "headers: { X-Shared: from-config }\n";
    assert_int_equal(up(&f, yaml, "bearertokenauth/out"), 0);
    assert_ptr_equal(f.auth.client, &fake);
    assert_ptr_equal(f.x.auth, &f.auth);
    lay_out(&f);
    og_payload r;
    prepared(&f, &r);
    const char *const *md = (const char *const *)r.metadata;
    og_call call = {.req = &r};
    nghttp2_nv nva[OG_NV_MAX];
    assert_int_equal(og_auth_headers(&f.auth, md, &call.auth), 0);
    size_t n = og_call_nva(&f.x, &call, nva);
    assert_string_equal(joined(nva, n),
                        ":method=POST|:path=/opentelemetry.proto.collector.trace.v1.TraceService/"
                        "Export|content-type=application/grpc|te=trailers|"
                        "grpc-accept-encoding=gzip,zstd|authorization=Bearer t0k|"
                        "user-agent=auth-agent|x-empty=|trace-bin=AQI|x-user=alice|"
                        "x-shared=from-config|");
    og_headers_free(&call.auth);
    assert_int_equal(og_auth_headers(&f.auth, md, &call.auth), 0); /* every attempt asks */
    og_headers_free(&call.auth);
    assert_int_equal(f.calls, 2);
    assert_int_equal(og_auth_headers(&f.auth, md, &call.auth), -1); /* no credentials now */
    assert_int_equal(call.auth.n, 0);
    assert_true(otelc_test_logged(f.h, "has no credentials now"));
    free(r.metadata);
    down(&f);
}

static void without_auth_the_fields_are_as_built(void **unused)
{
    fixture f;
    assert_int_equal(up(&f, "headers: { X-Shared: from-config }\n", NULL), 0);
    assert_null(f.x.auth);
    lay_out(&f);
    og_payload traces = {0}, logs = {.signal = OTELC_LOGS};
    og_call call = {.req = &traces};
    nghttp2_nv nva[OG_NV_MAX];
    size_t n = og_call_nva(&f.x, &call, nva);
    assert_int_equal(n, f.x.nnva);
    char built[1024];
    snprintf(built, sizeof(built), "%s", joined(f.x.nva, n));
    assert_string_equal(joined(nva, n), built);
    /* each call goes to its signal's service */
    call.req = &logs;
    og_call_nva(&f.x, &call, nva);
    assert_string_equal(joined(&nva[f.x.path_at], 1),
                        ":path=/opentelemetry.proto.collector.logs.v1.LogsService/Export|");
    down(&f);
}

static void an_id_that_leads_nowhere_is_a_config_error(void **unused)
{
    fixture f;
    assert_int_equal(up(&f, "auth: { authenticator: nope }\n", "nope"), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "key 'auth.authenticator': failed to resolve authenticator \"nope\": "
                           "authenticator not found"));
    down(&f);
    assert_int_equal(up(&f, "auth: { authenticator: basicauth/in }\n", "basicauth/in"), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "\"basicauth/in\": requested authenticator is not a client "
                           "authenticator"));
    down(&f);
    assert_int_equal(up(&f, "auth: {}\n", NULL), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h), "auth.authenticator: missing"));
    down(&f);
}

/* load_balancing resolves its protocol.otlp.auth the same way; errors
 * name the whole key. */
static void under_protocol_otlp_as_load_balancing_has_it(void **unused)
{
    fixture f;
    assert_int_equal(up_at(&f, "protocol: { otlp: { auth: { authenticator: "
                               "bearertokenauth/out } } }\n",
                           "protocol.otlp", "bearertokenauth/out"),
                     0);
    assert_ptr_equal(f.auth.client, &fake);
    assert_ptr_equal(f.auth.state, &f.calls);
    down(&f);
    assert_int_equal(up_at(&f, "protocol: { otlp: { auth: { authenticator: nope } } }\n",
                           "protocol.otlp", "nope"),
                     -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "key 'protocol.otlp.auth.authenticator': failed to resolve "
                           "authenticator \"nope\""));
    down(&f);
    assert_int_equal(up_at(&f, "protocol: { otlp: { auth: {} } }\n", "protocol.otlp", NULL), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "protocol.otlp.auth.authenticator: missing"));
    down(&f);
    assert_int_equal(up_at(&f, "protocol: { otlp: { compression: none } }\n", "protocol.otlp",
                           NULL),
                     0);
    assert_null(f.x.auth);
    down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_attempt_carries_own_auth_then_config_fields),
        cmocka_unit_test(without_auth_the_fields_are_as_built),
        cmocka_unit_test(an_id_that_leads_nowhere_is_a_config_error),
        cmocka_unit_test(under_protocol_otlp_as_load_balancing_has_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
