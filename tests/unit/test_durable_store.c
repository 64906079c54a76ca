/* The LMDB store of a file_storage directory: one process at a time,
 * refusal of foreign or damaged files, stale readers of dead processes
 * cleared. Several tests fork real child processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "queue/durable/durable_store.h"
#include "test_durable_fixture.h"

static char dir[64];

static int setup(void **state)
{
    scratch_dir(dir, sizeof(dir));
    return 0;
}

static int teardown(void **state)
{
    scratch_remove(dir);
    return 0;
}

static durable_store *store_on(const char *d)
{
    durable_store_cfg sc = {.directory = d, .lock_timeout_ns = 0, .fsync = true,
                            .create_directory = false, .dir_mode = 0700};
    return durable_store_new("file_storage", &sc);
}

static void test_second_process_refused(void **state)
{
    char err[512];
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    pid_t pid = fork();
    if (pid == 0) {
        durable_store *t = store_on(dir);
        int rc = durable_store_open(t, err, sizeof(err));
        /* Refused, naming the directory and who holds it. */
        _exit(rc == -1 && strstr(err, dir) && strstr(err, "in use by another process") &&
                      strstr(err, "pid ")
                  ? 0
                  : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The same directory twice in one process is refused as well. */
    durable_store *t = store_on(dir);
    assert_int_equal(durable_store_open(t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in use"));
    durable_store_unref(t);
    durable_store_close(s);
    /* Released: a new store opens it. */
    t = store_on(dir);
    assert_int_equal(durable_store_open(t, err, sizeof(err)), 0);
    durable_store_unref(t);
    durable_store_unref(s);
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 100; i++)
        fputs(text, f);
    fclose(f);
}

static void test_garbage_file_refused(void **state)
{
    char err[512];
    write_file("data.mdb", "this is not a database at all. ");
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, "not a usable queue file"));
    durable_store_unref(s);
}

/* recreate: the damaged file is renamed aside, kept, and the store opens
 * empty in its place. */
static void test_garbage_file_recreated(void **state)
{
    char err[512], cmd[160];
    write_file("data.mdb", "this is not a database at all. ");
    durable_store_cfg sc = {.directory = dir, .fsync = true, .dir_mode = 0700, .recreate = true};
    durable_store *s = durable_store_new("file_storage", &sc);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    durable_store_close(s);
    durable_store_unref(s);
    snprintf(cmd, sizeof(cmd), "grep -q 'not a database' %s/data.mdb.*.backup", dir);
    assert_int_equal(system(cmd), 0);
    s = store_on(dir); /* the new file is a queue: it opens without recreate */
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    durable_store_unref(s);
}

static void raw_put(const char *db, const char *key, const char *val)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, MDB_CREATE, &dbi), 0);
    char kbuf[64], vbuf[64];
    snprintf(kbuf, sizeof(kbuf), "%s", key);
    snprintf(vbuf, sizeof(vbuf), "%s", val);
    MDB_val k = {strlen(kbuf), kbuf}, v = {strlen(vbuf), vbuf};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void test_foreign_lmdb_refused(void **state)
{
    char err[512];
    raw_put("sessions", "k", "v");
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "belongs to another program"));
    durable_store_unref(s);
}

static void test_newer_format_refused(void **state)
{
    char err[512];
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    durable_store_unref(s);
    raw_put("otelc", "format", "otelc-queue 2");
    s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "another otelc version"));
    durable_store_unref(s);
}

static void test_missing_directory(void **state)
{
    char err[512], sub[128];
    snprintf(sub, sizeof(sub), "%s/a/b", dir);
    durable_store *s = store_on(sub);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "create_directory"));
    durable_store_unref(s);
    durable_store_cfg sc = {.directory = sub, .fsync = true, .create_directory = true,
                            .dir_mode = 0700};
    s = durable_store_new("file_storage", &sc);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    durable_store_unref(s);
}

/* A reader in another process dies inside its read transaction: its
 * slot stays taken until mdb_reader_check clears it. */
static void test_stale_reader_cleared(void **state)
{
    char err[512];
    int fds[2];
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        MDB_env *env;
        MDB_txn *txn;
        char ok = 'y';
        if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 8) != 0 ||
            mdb_env_open(env, dir, MDB_RDONLY, 0600) != 0 ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
            ok = 'n';
        if (write(fds[1], &ok, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char ok = 0;
    assert_int_equal(read(fds[0], &ok, 1), 1);
    assert_int_equal(ok, 'y');
    int dead = -1;
    assert_int_equal(durable_store_reader_check(s, &dead), 0);
    assert_int_equal(dead, 0); /* alive: its slot stays */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    assert_int_equal(durable_store_reader_check(s, &dead), 0);
    assert_int_equal(dead, 1);
    assert_int_equal(durable_store_reader_check(s, &dead), 0);
    assert_int_equal(dead, 0);
    close(fds[0]);
    close(fds[1]);
    durable_store_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_process_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_file_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_lmdb_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_format_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_reader_cleared, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
