/*
 * awss3 index writer: operations from other threads land in group commits
 * and each reports its own outcome (a malformed request fails alone), an
 * object seen again is reported as such, clearing empties the index, and
 * stopping applies what was queued.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ixwriter.h"
#include "otlp_fixture.h"

static char dir[256];

static void fake_log(otelc_ctx *ctx, otelc_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}

static const otelc_host_api *api(void)
{
    static otelc_host_api a;
    a.struct_size = sizeof(a);
    a.log = fake_log;
    return &a;
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/otelc-ixwtest-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    fx_free_all();
    return system(cmd) == 0 ? 0 : -1;
}

static ix_env *open_env(void)
{
    ix_options o = {dir, 64ull << 20, 0};
    ix_env *e;
    char err[256];
    assert_int_equal(ix_open(&o, &e, err, sizeof(err)), 0);
    return e;
}

static uint64_t spans_in(ix_env *e)
{
    MDB_txn *txn;
    ix_stats st;
    assert_int_equal(ix_read_begin(e, &txn), 0);
    assert_int_equal(ix_stats_get(e, txn, &st), 0);
    ix_read_end(txn);
    return st.spans;
}

typedef struct counted {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, rcs[8];
    ix_op *base;
} counted;

static void count(ix_op *op, int rc)
{
    counted *c = op->arg;
    pthread_mutex_lock(&c->mu);
    c->rcs[op - c->base] = rc;
    c->done++;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void test_group_with_a_bad_object(void **state)
{
    ix_env *e = open_env();
    ix_writer *w = ix_writer_start(e, NULL, api());
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    struct iovec good = {pb, len}, bad = {pb, len - 3};
    ix_op ops[3];
    counted c = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}, ops};
    const char *keys[3] = {"p/traces_1.json", "p/traces_2.json", "p/traces_3.json"};
    for (int i = 0; i < 3; i++) {
        ops[i] = (ix_op){.kind = IX_OP_ADD, .segs = i == 1 ? &bad : &good, .nsegs = 1,
                         .object = {keys[i], 1000, len}, .done = count, .arg = &c};
        assert_true(ix_writer_submit(w, &ops[i]));
    }
    pthread_mutex_lock(&c.mu);
    while (c.done < 3)
        pthread_cond_wait(&c.cv, &c.mu);
    pthread_mutex_unlock(&c.mu);
    assert_int_equal(c.rcs[0], 0);
    assert_true(c.rcs[1] < 0); /* malformed: this one alone */
    assert_int_equal(c.rcs[2], 0);
    assert_int_equal(ops[0].spans, FX_RICH_SPANS);
    assert_false(ops[0].dup);
    /* The same spans under two keys: both objects are in, the spans once. */
    assert_int_equal(spans_in(e), FX_RICH_SPANS);

    ix_op again = {.kind = IX_OP_ADD, .segs = &good, .nsegs = 1,
                   .object = {keys[0], 2000, len}};
    assert_int_equal(ix_writer_run(w, &again), 0);
    assert_true(again.dup);
    ix_op clear = {.kind = IX_OP_CLEAR};
    assert_int_equal(ix_writer_run(w, &clear), 0);
    assert_int_equal(spans_in(e), 0);
    ix_writer_stop(w);
    ix_close(e);
}

static void test_stop_applies_the_queue(void **state)
{
    ix_env *e = open_env();
    ix_writer *w = ix_writer_start(e, NULL, api());
    size_t len;
    uint8_t *pb = fx_pack(fx_rich_request(), &len);
    struct iovec good = {pb, len};
    ix_op op;
    counted c = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}, &op};
    op = (ix_op){.kind = IX_OP_ADD, .segs = &good, .nsegs = 1,
                 .object = {"p/traces_9.binpb", 1000, len}, .done = count, .arg = &c};
    assert_true(ix_writer_submit(w, &op));
    ix_writer_stop(w);
    assert_int_equal(c.done, 1);
    assert_int_equal(c.rcs[0], 0);
    assert_int_equal(spans_in(e), FX_RICH_SPANS);
    ix_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_with_a_bad_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_applies_the_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
