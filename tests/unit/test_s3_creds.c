/*
 * libs/s3 credentials: config before environment before the shared file,
 * profiles in the file, what is refused, reloading the file, and that no
 * error message ever carries a secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "s3/creds.h"

/* A fake environment: name=value pairs, consulted by fake_getenv. */
static const char *env[16][2];

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < 16 && env[i][0]; i++)
        if (strcmp(env[i][0], name) == 0)
            return env[i][1];
    return NULL;
}

static void setenv_fake(const char *name, const char *value)
{
    size_t i = 0;
    while (env[i][0] && strcmp(env[i][0], name) != 0)
        i++;
    env[i][0] = name;
    env[i][1] = value;
}

static char dir[64];
static char file[128];

static int setup(void **state)
{
    memset(env, 0, sizeof(env));
    snprintf(dir, sizeof(dir), "/tmp/otelc-creds-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/credentials", dir);
    setenv_fake("HOME", "/nonexistent-home");
    return 0;
}

static int teardown(void **state)
{
    unlink(file);
    rmdir(dir);
    return 0;
}

static void write_file(const char *text)
{
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    setenv_fake("AWS_SHARED_CREDENTIALS_FILE", file);
}

static s3_creds *resolve_ok(const s3_creds_in *in)
{
    char err[512] = "";
    s3_creds *c = NULL;
    int rc = s3_creds_resolve(in, &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("unexpected failure: %s", err);
    assert_non_null(c);
    return c;
}

static void resolve_fails(const s3_creds_in *in, const char *want, const char *secret)
{
    char err[512] = "";
    s3_creds *c = (s3_creds *)1;
    assert_int_equal(s3_creds_resolve(in, &c, err, sizeof(err)), -1);
    assert_null(c);
    if (!strstr(err, want))
        fail_msg("\"%s\" lacks \"%s\"", err, want);
    if (secret)
        assert_null(strstr(err, secret));
}

static const char two_profiles[] = "# credentials\n"
                                   "[default]\n"
                                   "aws_access_key_id = AKIDEFAULT\n"
                                   "aws_secret_access_key = secret/default+1\n"
                                   "\n"
                                   "; another\n"
                                   "[ profile dev ]\n"
                                   "  AWS_Access_Key_Id=AKIDEV  \n"
                                   "aws_secret_access_key=secret-dev\r\n"
                                   "aws_session_token = tok=en==\n"
                                   "[role]\n"
                                   "role_arn = arn:aws:iam::1:role/x\n"
                                   "source_profile = default\n";

static void test_config_first(void **state)
{
    setenv_fake("AWS_ACCESS_KEY_ID", "AKIENV");
    setenv_fake("AWS_SECRET_ACCESS_KEY", "env-secret");
    write_file(two_profiles);
    s3_creds_in in = {"AKICONF", "conf-secret", "conf-token", fake_getenv};
    s3_creds *c = resolve_ok(&in);
    assert_int_equal(c->source, S3_CREDS_CONFIG);
    assert_string_equal(c->access_key_id, "AKICONF");
    assert_string_equal(c->secret_access_key, "conf-secret");
    assert_string_equal(c->session_token, "conf-token");
    s3_creds_unref(c);
}

static void test_env_second(void **state)
{
    setenv_fake("AWS_ACCESS_KEY_ID", "AKIENV");
    setenv_fake("AWS_SECRET_ACCESS_KEY", "env-secret");
    write_file(two_profiles);
    s3_creds_in in = {NULL, "", NULL, fake_getenv};
    s3_creds *c = resolve_ok(&in);
    assert_int_equal(c->source, S3_CREDS_ENV);
    assert_string_equal(c->access_key_id, "AKIENV");
    assert_null(c->session_token);
    s3_creds_unref(c);
    setenv_fake("AWS_SESSION_TOKEN", "env-token");
    c = resolve_ok(&in);
    assert_string_equal(c->session_token, "env-token");
    s3_creds_unref(c);
}

static void test_file_profiles(void **state)
{
    write_file(two_profiles);
    s3_creds_in in = {NULL, NULL, NULL, fake_getenv};
    s3_creds *c = resolve_ok(&in);
    assert_int_equal(c->source, S3_CREDS_FILE);
    assert_string_equal(c->access_key_id, "AKIDEFAULT");
    assert_string_equal(c->secret_access_key, "secret/default+1");
    assert_null(c->session_token);
    assert_string_equal(c->profile, "default");
    assert_string_equal(c->path, file);
    s3_creds_unref(c);

    setenv_fake("AWS_PROFILE", "dev");
    c = resolve_ok(&in);
    assert_string_equal(c->access_key_id, "AKIDEV");
    assert_string_equal(c->secret_access_key, "secret-dev");
    assert_string_equal(c->session_token, "tok=en==");
    assert_string_equal(c->profile, "dev");
    s3_creds_unref(c);
}

static void test_home_default_path(void **state)
{
    char aws[128], path[160];
    snprintf(aws, sizeof(aws), "%s/.aws", dir);
    snprintf(path, sizeof(path), "%s/credentials", aws);
    assert_int_equal(mkdir(aws, 0700), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[default]\naws_access_key_id=AKIHOME\naws_secret_access_key=home\n", f);
    fclose(f);
    setenv_fake("HOME", dir);
    s3_creds_in in = {NULL, NULL, NULL, fake_getenv};
    s3_creds *c = resolve_ok(&in);
    assert_string_equal(c->access_key_id, "AKIHOME");
    assert_string_equal(c->path, path);
    s3_creds_unref(c);
    unlink(path);
    rmdir(aws);
}

static void test_refusals(void **state)
{
    s3_creds_in in = {"AKIONLY", NULL, NULL, fake_getenv};
    resolve_fails(&in, "go together", NULL);
    in = (s3_creds_in){NULL, "lonely-secret", NULL, fake_getenv};
    resolve_fails(&in, "go together", "lonely-secret");
    in = (s3_creds_in){NULL, NULL, NULL, fake_getenv};
    setenv_fake("AWS_SECRET_ACCESS_KEY", "env-only-secret");
    resolve_fails(&in, "environment: an access key id", "env-only-secret");
    setenv_fake("AWS_SECRET_ACCESS_KEY", NULL);

    write_file(two_profiles);
    setenv_fake("AWS_PROFILE", "role");
    resolve_fails(&in, "assumes a role or runs a process: not supported yet", NULL);
    setenv_fake("AWS_PROFILE", "missing");
    resolve_fails(&in, "no profile \"missing\"", NULL);
    write_file("[default]\naws_access_key_id = AKI\n");
    setenv_fake("AWS_PROFILE", NULL);
    resolve_fails(&in, "needs aws_access_key_id and aws_secret_access_key", NULL);
}

static void test_nothing_found(void **state)
{
    s3_creds_in in = {NULL, NULL, NULL, fake_getenv};
    setenv_fake("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    resolve_fails(&in, "no AWS credentials", NULL);
    resolve_fails(&in, "instance metadata credentials are not supported yet", NULL);
    /* The default profile missing from an existing file is "not found". */
    write_file("[other]\naws_access_key_id=a\naws_secret_access_key=b\n");
    resolve_fails(&in, "profile \"default\"", NULL);
    setenv_fake("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
    resolve_fails(&in, "web identity credentials (AWS_WEB_IDENTITY_TOKEN_FILE) are not supported",
                  NULL);
    setenv_fake("AWS_WEB_IDENTITY_TOKEN_FILE", NULL);
    setenv_fake("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds");
    resolve_fails(&in, "container credentials are not supported yet", NULL);
}

static void test_reload_reads_the_file_again(void **state)
{
    write_file("[default]\naws_access_key_id=AKI1\naws_secret_access_key=wrong\n");
    s3_creds_in in = {NULL, NULL, NULL, fake_getenv};
    s3_creds *old = resolve_ok(&in);
    write_file("[default]\naws_access_key_id=AKI1\naws_secret_access_key=right\n");
    char err[256];
    s3_creds *fresh = NULL;
    assert_int_equal(s3_creds_reload(old, &fresh, err, sizeof(err)), 0);
    assert_string_equal(fresh->secret_access_key, "right");
    assert_string_equal(old->secret_access_key, "wrong"); /* still valid for its users */
    s3_creds_unref(old);
    /* Credentials from the config or environment cannot be reloaded. */
    s3_creds_in conf = {"A", "B", NULL, fake_getenv};
    s3_creds *c = resolve_ok(&conf);
    assert_int_equal(s3_creds_reload(c, &old, err, sizeof(err)), -1);
    s3_creds_unref(c);
    /* A file gone bad keeps nothing. */
    write_file("[default]\n");
    assert_int_equal(s3_creds_reload(fresh, &old, err, sizeof(err)), -1);
    assert_null(old);
    s3_creds_unref(fresh);
}

static void test_refcount(void **state)
{
    s3_creds_in in = {"A", "B", NULL, fake_getenv};
    s3_creds *c = resolve_ok(&in);
    assert_ptr_equal(s3_creds_ref(c), c);
    s3_creds_unref(c);
    assert_string_equal(c->secret_access_key, "B"); /* one reference left */
    s3_creds_unref(c);
    s3_creds_unref(NULL);
    assert_string_equal(s3_creds_source_name(S3_CREDS_FILE), "shared credentials file");
}

static void test_profile_parser(void **state)
{
    s3_profile p;
    const char text[] = "[a]\nx=1\n[b]\naws_access_key_id=k1\naws_access_key_id = k2\n"
                        "[a]\naws_secret_access_key=s\n";
    s3_profile_parse(text, sizeof(text) - 1, "b", &p);
    assert_true(p.found);
    assert_int_equal(p.key_id.len, 2);
    assert_memory_equal(p.key_id.ptr, "k2", 2); /* the last one wins */
    assert_null(p.secret.ptr);
    s3_profile_parse(text, sizeof(text) - 1, "a", &p);
    assert_true(p.found);
    assert_memory_equal(p.secret.ptr, "s", 1);
    s3_profile_parse(text, sizeof(text) - 1, "c", &p);
    assert_false(p.found);
    /* Only len bytes are read: the profile header is cut off here. */
    s3_profile_parse(text, 2, "a", &p);
    assert_false(p.found);
    s3_profile_parse("[p]\nsso_start_url = x", 20, "p", &p);
    assert_true(p.indirect);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_reads_the_file_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcount, setup, teardown),
        cmocka_unit_test(test_profile_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
