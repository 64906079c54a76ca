/* The LMDB store of a file_storage directory: one process at a time,
 * refusal of foreign or damaged files, stale readers of dead processes
 * cleared. Several tests fork real child processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "queue/durable/durable_kv.h"
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

/* ---- components' key-value tables (the storage service) ---- */

typedef struct committed {
    atomic_int n, status;
} committed;

static void on_commit(void *arg, int status)
{
    committed *c = arg;
    atomic_store(&c->status, status);
    atomic_fetch_add(&c->n, 1);
}

static bool one_more(void *arg)
{
    return atomic_load(&((committed *)arg)->n) > 0;
}

/* Appends "key=value;" for every entry. */
static int collect(void *arg, const void *key, size_t klen, const void *value, size_t vlen)
{
    char *out = arg;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%.*s=%.*s;", (int)klen, (const char *)key, (int)vlen,
             (const char *)value);
    return 0;
}

static void commit_ok(durable_kv *kv, const otelc_storage_op *ops, size_t n)
{
    committed c = {0};
    assert_int_equal(durable_kv_commit(kv, ops, n, on_commit, &c), 0);
    assert_true(eventually(one_more, &c, 2000));
    assert_int_equal(atomic_load(&c.status), 0);
}

/* Writes are on disk when done is called: a store opened again finds
 * them; deletes and overwrites apply in one commit; tables of two owners
 * are apart; a closed store refuses with ESHUTDOWN. */
static void test_kv_tables_persist(void **state)
{
    char err[512], text[256] = "";
    durable_store *s = store_on(dir);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    durable_kv *a = durable_kv_open(s, "tail_sampling", "traces", err, sizeof(err));
    durable_kv *b = durable_kv_open(s, "tail_sampling/other", "traces", err, sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    otelc_storage_op put[] = {{"k2", 2, "two", 3}, {"k1", 2, "one", 3}, {"k3", 2, "x", 1}};
    commit_ok(a, put, 3);
    otelc_storage_op change[] = {{"k3", 2, NULL, 0}, {"k1", 2, "uno", 3}, {"k9", 2, NULL, 0}};
    commit_ok(a, change, 3);
    commit_ok(b, put, 1);
    durable_kv_close(a);
    durable_kv_close(b);
    durable_store_close(s);
    assert_int_equal(durable_store_open(s, err, sizeof(err)), 0);
    a = durable_kv_open(s, "tail_sampling", "traces", err, sizeof(err));
    assert_int_equal(durable_kv_scan(a, collect, text), 0);
    assert_string_equal(text, "k1=uno;k2=two;");
    otelc_storage_op empty_key[] = {{"", 0, "v", 1}};
    assert_int_equal(durable_kv_commit(a, empty_key, 1, on_commit, NULL), -1);
    durable_store_close(s);
    committed c = {0};
    assert_int_equal(durable_kv_commit(a, put, 1, on_commit, &c), 0);
    assert_true(eventually(one_more, &c, 2000));
    assert_int_equal(atomic_load(&c.status), ESHUTDOWN);
    durable_kv_close(a);
    assert_null(durable_kv_open(s, "x", "y", err, sizeof(err)));
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
        cmocka_unit_test_setup_teardown(test_kv_tables_persist, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
