/*
 * The bearertokenauth extension on the SDK test kit: its auth.server
 * service accepts exactly "<scheme> <token>" in its header for any of its
 * tokens, its auth.client service sends the first token, and a token file
 * is re-read when it is written, replaced or comes back.
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
    const otelc_auth_server *srv;
    void *srv_state;
    const otelc_auth_client *cli;
    void *cli_state;
} fixture;

static void up(fixture *f, const char *yaml)
{
    memset(f, 0, sizeof(*f));
    f->h = otelc_test_host_new();
    assert_int_equal(otelc_test_plugin_create(f->h, otelc_plugin_entry_v1(), "bearertokenauth",
                                              yaml, &f->state),
                     0);
    assert_int_equal(otelc_plugin_entry_v1()->start(f->state), 0);
    f->srv = otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_SERVER, &f->srv_state);
    f->cli = otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_CLIENT, &f->cli_state);
    assert_non_null(f->srv);
    assert_non_null(f->cli);
    assert_ptr_equal(f->srv_state, f->state);
}

static void down(fixture *f)
{
    assert_int_equal(otelc_plugin_entry_v1()->shutdown(f->state, 0), 0);
    otelc_plugin_entry_v1()->destroy(f->state);
    assert_int_equal(otelc_test_host_check(f->h), 0);
    otelc_test_host_free(f->h);
}

/* authenticate with one header; the reason must never hold a token. */
static otelc_status check(fixture *f, const char *name, const char *value)
{
    const char *headers[] = {"content-type", "application/x-protobuf", name, value, NULL};
    char why[256] = "";
    otelc_status st = f->srv->authenticate(f->srv_state, headers, why,
                                           sizeof(why));
    assert_true(st == OTELC_OK || why[0]);
    assert_null(strstr(why, "s3cret"));
    return st;
}

static void a_token_is_checked_whole(void **unused)
{
    fixture f;
    up(&f, "token: s3cret\n");
    assert_int_equal(check(&f, "authorization", "Bearer s3cret"), OTELC_OK);
    assert_int_equal(check(&f, "Authorization", "Bearer s3cret"), OTELC_OK);
    assert_int_equal(check(&f, "authorization", "Bearer s3cre"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", "Bearer s3cretx"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", "bearer s3cret"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", "s3cret"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", ""), OTELC_REJECT);
    assert_int_equal(check(&f, "x-token", "Bearer s3cret"), OTELC_REJECT);
    assert_int_equal(check(&f, NULL, NULL), OTELC_REJECT);
    added a = {.n = 0};
    assert_int_equal(f.cli->headers(f.cli_state, NULL, added_add, &a), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.name[0], "Authorization");
    assert_string_equal(a.value[0], "Bearer s3cret");
    down(&f);
}

static void tokens_scheme_and_header(void **unused)
{
    fixture f;
    up(&f, "tokens: [one, two]\nscheme: Token\nheader: X-Api-Key\n");
    assert_int_equal(check(&f, "x-api-key", "Token one"), OTELC_OK);
    assert_int_equal(check(&f, "x-api-key", "Token two"), OTELC_OK);
    assert_int_equal(check(&f, "x-api-key", "Bearer one"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", "Token one"), OTELC_REJECT);
    added a = {.n = 0};
    assert_int_equal(f.cli->headers(f.cli_state, NULL, added_add, &a), 0);
    assert_string_equal(added_get(&a, "X-Api-Key"), "Token one");
    down(&f);
    up(&f, "token: raw\nscheme: \"\"\n");
    assert_int_equal(check(&f, "authorization", "raw"), OTELC_OK);
    assert_int_equal(check(&f, "authorization", "Bearer raw"), OTELC_REJECT);
    down(&f);
}

static void refuses(const char *yaml, const char *why)
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
    refuses("scheme: Bearer\n", "no bearer token provided");
    refuses("token: a\ntokens: [b]\n", "either tokens or token should be provided, not both");
    refuses("token: a\nheader: \"\"\n", "header: must not be empty");
    refuses("token: a\ntokne: b\n", "tokne");
}

/* Waits up to 3 s for the server to accept value. */
static bool comes_to_accept(fixture *f, const char *value)
{
    for (int i = 0; i < 300; i++) {
        if (check(f, "authorization", value) == OTELC_OK)
            return true;
        nap_ms(10);
    }
    return false;
}

static void a_token_file_is_read_again_when_it_changes(void **unused)
{
    char dir[256], path[300], yaml[400];
    fixture f;
    snprintf(path, sizeof(path), "%s/token", temp_dir(dir, sizeof(dir)));
    write_file(path, "first\n  second  \n\n");
    snprintf(yaml, sizeof(yaml), "filename: %s\ntoken: ignored\n", path);
    up(&f, yaml);
    assert_true(otelc_test_logged(f.h, "Configured token(s) is ignored"));
    assert_int_equal(check(&f, "authorization", "Bearer first"), OTELC_OK);
    assert_int_equal(check(&f, "authorization", "Bearer second"), OTELC_OK);
    assert_int_equal(check(&f, "authorization", "Bearer ignored"), OTELC_REJECT);
    assert_int_equal(check(&f, "authorization", "Bearer "), OTELC_REJECT); /* the blank line */
    write_file(path, "third\n");   /* written in place */
    assert_true(comes_to_accept(&f, "Bearer third"));
    assert_int_equal(check(&f, "authorization", "Bearer first"), OTELC_REJECT);
    replace_file(path, "fourth\n"); /* renamed over it */
    assert_true(comes_to_accept(&f, "Bearer fourth"));
    added a = {.n = 0};
    assert_int_equal(f.cli->headers(f.cli_state, NULL, added_add, &a), 0);
    assert_string_equal(a.value[0], "Bearer fourth");
    assert_int_equal(remove(path), 0); /* gone: the last tokens stay */
    nap_ms(100);
    assert_int_equal(check(&f, "authorization", "Bearer fourth"), OTELC_OK);
    write_file(path, "fifth\n");  /* and back */
    assert_true(comes_to_accept(&f, "Bearer fifth"));
    down(&f);
    remove(path);
    rmdir(dir);
}

static void no_readable_file_no_credentials(void **unused)
{
    fixture f;
    up(&f, "filename: /nonexistent/otelc/token\n");
    assert_true(otelc_test_logged(f.h, "cannot read the token file"));
    added a = {.n = 0};
    assert_int_equal(f.cli->headers(f.cli_state, NULL, added_add, &a), -1);
    assert_int_equal(a.n, 0);
    assert_int_equal(check(&f, "authorization", "Bearer "), OTELC_REJECT);
    down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_token_is_checked_whole),
        cmocka_unit_test(tokens_scheme_and_header),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(a_token_file_is_read_again_when_it_changes),
        cmocka_unit_test(no_readable_file_no_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
