/* The queue writer: group commit, one failing operation failing alone,
 * growing a full map, and refusing work once stopped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "queue/durable/durable_writer.h"
#include "test_durable_fixture.h"

static char dir[64];
static MDB_env *env;
static MDB_dbi dbi;

static int setup(void **state)
{
    MDB_txn *txn;
    scratch_dir(dir, sizeof(dir));
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_mapsize(env, 1 << 20);
    assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS | MDB_NOSYNC, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    return 0;
}

static int teardown(void **state)
{
    mdb_env_close(env);
    scratch_remove(dir);
    return 0;
}

typedef struct put_op {
    dw_op op;
    uint64_t key;
    size_t len;
    bool fail; /* apply answers an error */
    atomic_int *done_ok, *done_err;
} put_op;

static int put_apply(dw_op *op, MDB_txn *txn)
{
    put_op *p = (put_op *)op;
    if (p->fail)
        return EIO;
    uint8_t kb[8];
    for (int i = 0; i < 8; i++)
        kb[i] = (uint8_t)(p->key >> (56 - 8 * i));
    MDB_val k = {8, kb}, v = {p->len, NULL};
    int rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
    if (rc == 0)
        memset(v.mv_data, 'v', p->len);
    return rc;
}

static void put_done(dw_op *op, int rc)
{
    put_op *p = (put_op *)op;
    atomic_fetch_add(rc == 0 ? p->done_ok : p->done_err, 1);
}

static atomic_int ok, err;

static bool finished(void *arg)
{
    return atomic_load(&ok) + atomic_load(&err) == *(int *)arg;
}

static void submit_many(durable_writer *w, put_op *ops, int n, size_t len, int bad)
{
    atomic_store(&ok, 0);
    atomic_store(&err, 0);
    for (int i = 0; i < n; i++) {
        ops[i] = (put_op){.op = {.apply = put_apply, .done = put_done}, .key = (uint64_t)i + 1,
                          .len = len, .fail = i == bad, .done_ok = &ok, .done_err = &err};
        dw_submit(w, &ops[i].op);
    }
    assert_true(eventually(finished, &n, 10000));
}

static void test_one_bad_operation_fails_alone(void **state)
{
    durable_writer *w = dw_new(env, "writer");
    assert_int_equal(dw_start(w), 0);
    static put_op ops[200];
    submit_many(w, ops, 200, 16, 7);
    assert_int_equal(atomic_load(&ok), 199);
    assert_int_equal(atomic_load(&err), 1);
    dw_stats s;
    dw_stats_get(w, &s);
    assert_int_equal(s.ops, 199);
    assert_int_equal(s.failures, 1);
    dw_free(w);
}

static int grows;
static int grow(void *arg)
{
    MDB_envinfo info;
    mdb_env_info(env, &info);
    grows++;
    return mdb_env_set_mapsize(env, info.me_mapsize * 2) == 0 ? 0 : -1;
}

static void test_full_map_grows(void **state)
{
    durable_writer *w = dw_new(env, "writer");
    dw_set_grow(w, grow, NULL);
    assert_int_equal(dw_start(w), 0);
    static put_op ops[40];
    grows = 0;
    /* 40 x 100 KB do not fit a 1 MiB map. */
    submit_many(w, ops, 40, 100000, -1);
    assert_int_equal(atomic_load(&ok), 40);
    assert_true(grows >= 1);
    dw_free(w);
}

static void test_stopped_writer_refuses(void **state)
{
    durable_writer *w = dw_new(env, "writer");
    assert_int_equal(dw_start(w), 0);
    dw_stop(w);
    put_op op = {.op = {.apply = put_apply}, .key = 1, .len = 1};
    assert_int_equal(dw_run(w, &op.op), ESHUTDOWN);
    dw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_bad_operation_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_map_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopped_writer_refuses, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
