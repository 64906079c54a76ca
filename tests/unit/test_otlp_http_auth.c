/*
 * The otlp_http exporter's auth side (exporters/otlp_http/auth.c) on the
 * SDK test kit: auth.authenticator finds the client service the test
 * offers (or fails at the key), and an attempt's headers are otelc's own,
 * then the authenticator's (which replace otelc's of the same name), then
 * the config's `headers` (which replace both); the batch's metadata
 * reaches the authenticator.
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

#include "otlp_http.h"

/* A client authenticator of the test's: a bearer token, a Content-Type
 * of its own, X-User from the metadata, and an empty header. */
static int fake_headers(void *state, const char *const *metadata,
                        void (*add)(void *arg, const char *name, const char *value), void *arg)
{
    int *calls = state;
    (*calls)++;
    add(arg, "Authorization", "Bearer t0k");
    add(arg, "Content-Type", "application/x-protobuf; from=auth");
    add(arg, "X-Shared", "from-auth");
    add(arg, "X-Empty", "");
    add(arg, "Bad Name", "dropped");
    for (size_t i = 0; metadata && metadata[i]; i += 2)
        if (strcmp(metadata[i], "x-user") == 0)
            add(arg, "X-User", metadata[i + 1]);
    return *calls > 2 ? -1 : 0; /* the third call: no credentials */
}

static const otelc_auth_client fake = {sizeof(otelc_auth_client), fake_headers};

typedef struct fixture {
    otelc_test_host *h;
    ohttp x;
    oh_cfg cfg;
    int calls;
} fixture;

static int up(fixture *f, const char *yaml, const char *id)
{
    memset(f, 0, sizeof(*f));
    f->h = otelc_test_host_new();
    otelc_test_host_offer(f->h, OTELC_SERVICE_AUTH_CLIENT, "bearertokenauth/out", &fake,
                          &f->calls);
    otelc_test_host_offer(f->h, OTELC_SERVICE_AUTH_SERVER, "basicauth/in", &fake, &f->calls);
    assert_non_null(otelc_test_host_config(f->h, yaml));
    f->cfg.auth_authenticator = id;
    f->x.api = otelc_test_host_api(f->h);
    f->x.ctx = otelc_test_host_ctx(f->h);
    f->x.cfg = &f->cfg;
    pthread_mutex_init(&f->x.mu, NULL);
    return oh_auth_resolve(&f->x);
}

static void down(fixture *f)
{
    curl_slist_free_all(f->x.own[0]);
    oh_headers_free(&f->x.user_headers);
    pthread_mutex_destroy(&f->x.mu);
    otelc_test_host_free(f->h);
}

static char *joined(const struct curl_slist *l)
{
    static char buf[1024];
    size_t len = 0;
    buf[0] = 0;
    for (; l && len < sizeof(buf); l = l->next)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s|", l->data);
    return buf;
}

static void an_attempt_carries_own_auth_then_config_headers(void **unused)
{
    fixture f;
    const char *yaml = "auth: { authenticator: bearertokenauth/out }\n"
                       "headers: { X-Shared: from-config }\n";
    assert_int_equal(up(&f, yaml, "bearertokenauth/out"), 0);
    assert_ptr_equal(f.x.auth, &fake);
    assert_int_equal(oh_headers_parse(f.x.ctx, f.x.api,
                                      f.x.api->node_get(f.x.api->config_node(f.x.ctx), "headers"),
                                      &f.x.user_headers),
                     0);
    f.x.own[0] = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    f.x.own[0] = curl_slist_append(f.x.own[0], "User-Agent: otelc/test");
    otelc_kv pairs[] = {{"x-user", "alice"}};
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .pairs = pairs, .npairs = 1};
    otelc_batch *b = f.x.api->batch_copy((const uint8_t *)"", 0, 0, &meta);
    otelc_request r = {.spans = 1};
    assert_int_equal(oh_auth_metadata(b, &r.metadata), 0);
    otelc_batch_unref(b);
    struct curl_slist *l = NULL;
    assert_int_equal(oh_auth_headers(&f.x, &r, &l), 0);
    assert_string_equal(joined(l), "User-Agent: otelc/test|Authorization: Bearer t0k|"
                                   "Content-Type: application/x-protobuf; from=auth|X-Empty;|"
                                   "X-User: alice|X-Shared: from-config|");
    curl_slist_free_all(l);
    assert_int_equal(oh_auth_headers(&f.x, &r, &l), 0);
    curl_slist_free_all(l);
    assert_int_equal(oh_auth_headers(&f.x, &r, &l), -1); /* no credentials now */
    assert_null(l);
    assert_true(otelc_test_logged(f.h, "has no credentials now"));
    free(r.metadata);
    down(&f);
}

static void an_id_that_leads_nowhere_is_a_config_error(void **unused)
{
    fixture f;
    assert_int_equal(up(&f, "auth: { authenticator: nope }\n", "nope"), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "key 'auth.authenticator': failed to resolve authenticator \"nope\""));
    down(&f);
    assert_int_equal(up(&f, "auth: { authenticator: basicauth/in }\n", "basicauth/in"), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h),
                           "requested authenticator is not a client authenticator"));
    down(&f);
    assert_int_equal(up(&f, "auth: {}\n", NULL), -1);
    assert_non_null(strstr(otelc_test_host_last_error(f.h), "auth.authenticator: missing"));
    down(&f);
    assert_int_equal(up(&f, "compression: none\n", NULL), 0); /* no auth: nothing to find */
    assert_null(f.x.auth);
    down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_attempt_carries_own_auth_then_config_headers),
        cmocka_unit_test(an_id_that_leads_nowhere_is_a_config_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
