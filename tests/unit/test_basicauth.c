/*
 * The basicauth extension on the SDK test kit: htpasswd entries of every
 * scheme the collector accepts, fixed lines computed once (bcrypt cost 4,
 * $apr1$, $1$, $5$, $6$, {SHA}, {SSHA}, plain), checked through the
 * auth.server service; the file and inline entries together; malformed
 * Authorization headers; the client side's header, from the config and
 * from files that change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <crypt.h>

#include <otelc/testkit.h>

#include "auth_test_util.h"
#include "authkit/authkit.h"
#include "htpasswd.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

/* Each user's password is "<first letter of the scheme>-secret". */
#define BCRYPT_LINE "bob:$2b$04$CZam1BtzAQp0TBEx/Mjbce0lLaYNdnCOC5mSq6ETT08NQpKNAv8rq"
static const char htpasswd[] =
    BCRYPT_LINE "\n"
    "bobby:$2y$04$CZam1BtzAQp0TBEx/Mjbce0lLaYNdnCOC5mSq6ETT08NQpKNAv8rq\n"
    "ann:$apr1$Zq3XoWL1$P08nk.N/0JXg6HTnUuiDO.\n"
    "max:$1$4bVqP0x$DeKAd8gK4pkoCrCyq1oqT0\n"
    "fay:$5$s5aLtyS$NCVhgpgOJrkEylYSp9m5afQKzs3W1AOZbXCQQ6UYn4.\n"
    "sam:$6$s6aLtyS$/C4C5PDke13AvItjhiPFRx/aNPb9QgvoFerPBipoiWW9TEWDc8nP6T3NEwTpbQFoqhNPp742Viy7"
    "pvxiwTDCE0\n"
    "hal:{SHA}i0mt0DSDJc2nJaoMieY5rdIoKag=\n"
    "sue:{SSHA}Xn0foumCdi6OAqZHkPbkI/SHwfIBAnNhbHR5\n"
    "  pat:p-secret  \n"
    "\n"
    "nia:{PLAIN}n-secret\n"
    "broken line without a colon\n"
    "bad:{SHA}not-base64\n";

typedef struct fixture {
    otelc_test_host *h;
    void *state;
    const otelc_auth_server *srv;
    void *srv_state;
} fixture;

static void *created(otelc_test_host *h, const char *yaml)
{
    void *state = NULL;
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "basicauth/x", yaml,
                                              &state),
                     0);
    assert_int_equal(otelc_plugin_entry_v1()->start(state), 0);
    return state;
}

static void server_up(fixture *f, const char *yaml)
{
    f->h = otelc_test_host_new();
    f->state = created(f->h, yaml);
    f->srv = otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_SERVER, &f->srv_state);
    assert_non_null(f->srv);
    assert_null(otelc_test_host_provided(f->h, OTELC_SERVICE_AUTH_CLIENT, NULL));
}

static void down(otelc_test_host *h, void *state)
{
    otelc_plugin_entry_v1()->shutdown(state, 0);
    otelc_plugin_entry_v1()->destroy(state);
    assert_int_equal(otelc_test_host_check(h), 0);
    otelc_test_host_free(h);
}

static otelc_status with_header(fixture *f, const char *value)
{
    const char *headers[] = {"authorization", value, NULL};
    char why[256] = "";
    otelc_status st = f->srv->authenticate(f->srv_state, value ? headers : NULL, why, sizeof(why));
    assert_true(st == OTELC_OK || why[0]);
    return st;
}

static otelc_status login(fixture *f, const char *user, const char *password)
{
    char plain[256], value[400] = "Basic ";
    snprintf(plain, sizeof(plain), "%s:%s", user, password);
    ak_b64_encode(plain, strlen(plain), value + 6, sizeof(value) - 6);
    return with_header(f, value);
}

static void the_fixed_bcrypt_line_verifies_with_crypt_r(void **unused)
{
    struct crypt_data cd;
    const char *hash = strchr(BCRYPT_LINE, ':') + 1;
    memset(&cd, 0, sizeof(cd));
    assert_string_equal(crypt_r("b-secret", hash, &cd), hash);
    assert_string_not_equal(crypt_r("b-secreT", hash, &cd), hash);
}

static void every_scheme_the_collector_reads(void **unused)
{
    static const char *const users[] = {"bob", "bobby", "ann", "max", "fay", "sam", "hal",
                                        "sue", "pat", "nia"};
    static const char *const good[] = {"b-secret", "b-secret", "a-secret", "m-secret",
                                       "f-secret", "s-secret", "h-secret", "ss-secret",
                                       "p-secret", "n-secret"};
    char yaml[2048];
    fixture f;
    snprintf(yaml, sizeof(yaml), "htpasswd:\n  inline: |\n");
    for (const char *l = htpasswd; *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = strlen(yaml);
        snprintf(yaml + len, sizeof(yaml) - len, "    %.*s\n", (int)(nl - l), l);
        l = nl + 1;
    }
    server_up(&f, yaml);
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        assert_int_equal(login(&f, users[i], good[i]), OTELC_OK);
        assert_int_equal(login(&f, users[i], good[i]), OTELC_OK); /* again: from the cache */
        assert_int_equal(login(&f, users[i], "wrong"), OTELC_REJECT);
        assert_int_equal(login(&f, users[i], ""), OTELC_REJECT);
    }
    assert_int_equal(login(&f, "nia", "{PLAIN}n-secret"), OTELC_OK); /* as go-htpasswd */
    assert_int_equal(login(&f, "nobody", "b-secret"), OTELC_REJECT);
    assert_int_equal(login(&f, "bad", "x"), OTELC_REJECT);
    assert_true(otelc_test_logged(f.h, "malformed line, no colon"));
    assert_true(otelc_test_logged(f.h, "malformed {SHA} password"));
    assert_false(otelc_test_logged(f.h, "not-base64")); /* hashes are never logged */
    down(f.h, f.state);
}

static void malformed_headers(void **unused)
{
    fixture f;
    server_up(&f, "htpasswd: { inline: \"u:p\" }\n");
    assert_int_equal(with_header(&f, NULL), OTELC_REJECT);
    assert_int_equal(with_header(&f, ""), OTELC_REJECT);
    assert_int_equal(with_header(&f, "Bearer dTpw"), OTELC_REJECT);
    assert_int_equal(with_header(&f, "Basic !!!!"), OTELC_REJECT);
    assert_int_equal(with_header(&f, "Basic dXA="), OTELC_REJECT); /* "up": no colon */
    assert_int_equal(with_header(&f, "basic dTpw"), OTELC_OK);     /* "u:p"; any case */
    assert_int_equal(with_header(&f, "Basic dTpw"), OTELC_OK);
    down(f.h, f.state);
}

static void inline_entries_win_over_the_file(void **unused)
{
    char dir[256], path[300], yaml[512];
    fixture f;
    snprintf(path, sizeof(path), "%s/htpasswd", temp_dir(dir, sizeof(dir)));
    write_file(path, "u:from-file\nv:file-only\n");
    snprintf(yaml, sizeof(yaml), "htpasswd:\n  file: %s\n  inline: \"u:from-inline\"\n", path);
    server_up(&f, yaml);
    assert_int_equal(login(&f, "u", "from-inline"), OTELC_OK);
    assert_int_equal(login(&f, "u", "from-file"), OTELC_REJECT);
    assert_int_equal(login(&f, "v", "file-only"), OTELC_OK);
    down(f.h, f.state);
    remove(path);
    rmdir(dir);
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
    refused("htpasswd: { inline: \"a:b\" }\nclient_auth: { username: a }\n", "only one of");
    refused("{}\n", "no credential source provided");
    refused("htpasswd: {}\n", "no credential source provided");
    refused("client_auth: { username: \"a:b\", password: c }\n", "must not hold ':'");
    otelc_test_host *h = otelc_test_host_new();
    void *state = NULL;
    assert_int_equal(otelc_test_plugin_create(h, otelc_plugin_entry_v1(), NULL,
                                              "htpasswd: { file: /nonexistent/htpasswd }\n",
                                              &state),
                     0);
    assert_int_equal(otelc_plugin_entry_v1()->start(state), -1);
    assert_true(otelc_test_logged(h, "open htpasswd file"));
    otelc_plugin_entry_v1()->destroy(state);
    otelc_test_host_free(h);
}

static const char *client_value(otelc_test_host *h, added *a)
{
    void *st = NULL;
    const otelc_auth_client *cli = otelc_test_host_provided(h, OTELC_SERVICE_AUTH_CLIENT, &st);
    assert_non_null(cli);
    assert_null(otelc_test_host_provided(h, OTELC_SERVICE_AUTH_SERVER, NULL));
    memset(a, 0, sizeof(*a));
    if (cli->headers(st, NULL, added_add, a) != 0)
        return NULL;
    return added_get(a, "Authorization");
}

static void the_client_sends_basic_credentials(void **unused)
{
    added a;
    otelc_test_host *h = otelc_test_host_new();
    void *state = created(h, "client_auth: { username: alice, password: secret }\n");
    assert_string_equal(client_value(h, &a), "Basic YWxpY2U6c2VjcmV0");
    down(h, state);
}

static bool client_comes_to(otelc_test_host *h, const char *want)
{
    added a;
    for (int i = 0; i < 300; i++) {
        const char *v = client_value(h, &a);
        if (v && strcmp(v, want) == 0)
            return true;
        nap_ms(10);
    }
    return false;
}

static void client_files_are_read_again(void **unused)
{
    char dir[256], user[300], pass[300], yaml[800];
    temp_dir(dir, sizeof(dir));
    snprintf(user, sizeof(user), "%s/user", dir);
    snprintf(pass, sizeof(pass), "%s/pass", dir);
    write_file(user, "alice\n");
    write_file(pass, "  secret\n");
    snprintf(yaml, sizeof(yaml),
             "client_auth: { username: ignored, username_file: %s, password_file: %s }\n", user,
             pass);
    otelc_test_host *h = otelc_test_host_new();
    void *state = created(h, yaml);
    assert_true(client_comes_to(h, "Basic YWxpY2U6c2VjcmV0"));
    replace_file(pass, "other\n");
    assert_true(client_comes_to(h, "Basic YWxpY2U6b3RoZXI=")); /* alice:other */
    write_file(pass, "");                                     /* empty: the last value stays */
    nap_ms(100);
    assert_true(client_comes_to(h, "Basic YWxpY2U6b3RoZXI="));
    down(h, state);
    remove(user);
    remove(pass);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_fixed_bcrypt_line_verifies_with_crypt_r),
        cmocka_unit_test(every_scheme_the_collector_reads),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(inline_entries_win_over_the_file),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(the_client_sends_basic_credentials),
        cmocka_unit_test(client_files_are_read_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
