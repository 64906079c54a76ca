/* The durable queue: commit before acknowledgement, delivery across
 * restarts, group commit, read-side batching and its records, the disk
 * budget, dead letters. Each test runs a real LMDB store in a scratch
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "host_batch.h"
#include "queue/durable/durable_queue.h"
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

static void open_ok(dq_fixture *x, const queue_cfg *cfg, fake_exporter *f)
{
    char err[512] = "";
    int rc = dq_open(x, dir, cfg, f, err, sizeof(err));
    if (rc != 0)
        fail_msg("open: %s", err);
}

static void offer_ok(exporter_queue *q, uint32_t spans, const char *text, const char *tenant)
{
    otelc_batch *b = fake_batch(spans, text, tenant);
    assert_int_equal(queue_offer_all(&q, 1, b, NULL, NULL), OTELC_OK);
    otelc_batch_unref(b);
}

typedef struct want {
    exporter_queue *q;
    fake_exporter *f;
    uint64_t spans;
} want;

static bool delivered_and_empty(void *arg)
{
    want *w = arg;
    queue_stats s;
    queue_stats_get(w->q, &s);
    return atomic_load(&w->f->ok_spans) >= w->spans && s.requests == 0;
}

static bool called(void *arg)
{
    return atomic_load(&((fake_exporter *)arg)->calls) > 0;
}

/* Offered while the exporter refuses, kept across a restart, delivered
 * after it, deleted after delivery: a third start finds nothing. */
static void test_survives_restart(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_RETRY);
    queue_cfg cfg = fast_queue_cfg(2);
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    for (int i = 0; i < 20; i++)
        offer_ok(x.q, 3, "abcdef", NULL);
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_int_equal(s.requests, 20);
    assert_int_equal(s.spans, 60);
    assert_true(eventually(called, &f, 2000));
    queue_stats_get(x.q, &s);
    assert_int_equal(s.disk_reads, 0); /* in memory too: nothing read back */
    assert_int_equal(s.memory_bytes, 20 * 6);
    dq_close(&x, 50);
    fake_fini(&f);

    fake_init(&f, OTELC_OK);
    open_ok(&x, &cfg, &f);
    want w = {x.q, &f, 60};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    assert_int_equal(atomic_load(&f.ok_spans), 60);
    queue_stats_get(x.q, &s);
    assert_int_equal(s.sent_spans, 60);
    assert_int_equal(s.disk_used, 0);
    assert_int_equal(s.disk_reads, 20); /* after a restart, every entry from disk */
    assert_int_equal(s.memory_bytes, 0);
    dq_close(&x, 1000);
    fake_fini(&f);

    fake_init(&f, OTELC_OK);
    open_ok(&x, &cfg, &f);
    queue_stats_get(x.q, &s);
    assert_int_equal(s.requests, 0);
    sleep_ms(20);
    assert_int_equal(atomic_load(&f.calls), 0);
    dq_close(&x, 1000);
    fake_fini(&f);
    assert_int_equal(otelc_hbatch_live(), 0);
}

/* ---- group commit ---- */

typedef struct producer {
    exporter_queue *q;
    atomic_int *acked;
    int n;
} producer;

static void on_committed(void *arg, otelc_status st)
{
    if (st == OTELC_OK)
        atomic_fetch_add((atomic_int *)arg, 1);
}

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < p->n; i++) {
        otelc_batch *b = fake_batch(1, "span", NULL);
        otelc_status st = queue_offer(&p->q, 1, b, NULL, NULL, on_committed, p->acked);
        assert_int_equal(st, OTELC_PENDING);
        otelc_batch_unref(b);
    }
    return NULL;
}

static bool all_acked(void *arg)
{
    return atomic_load((atomic_int *)arg) == 8 * 300;
}

/* Committed requests stay in memory for the consumers up to
 * max_memory_size: delivered without reading the disk; past the budget
 * (or with none) they are read back, and the bytes are the same. */
static void test_hot_entries_skip_the_disk(void **state)
{
    for (int budget = 0; budget < 3; budget++) {
        fake_exporter f;
        fake_init(&f, OTELC_OK);
        queue_cfg cfg = fast_queue_cfg(1);
        cfg.max_memory_size = budget == 0 ? 0 : budget == 1 ? 15 : 1 << 20; /* none, 2 of 4, all */
        dq_fixture x;
        char err[512];
        durable_store_cfg sc = {.directory = dir, .create_directory = true, .dir_mode = 0700};
        x.st = durable_store_new("file_storage", &sc);
        x.q = queue_new_durable(&cfg, "exp", fake_export, &f, x.st, NULL);
        assert_int_equal(durable_store_open(x.st, err, sizeof(err)), 0);
        for (int i = 0; i < 4; i++)
            offer_ok(x.q, 1, "[seven]", NULL);
        queue_stats s;
        queue_stats_get(x.q, &s);
        assert_int_equal(s.memory_bytes, budget == 0 ? 0 : budget == 1 ? 14 : 28);
        assert_int_equal(queue_start(x.q), 0);
        want w = {x.q, &f, 4};
        assert_true(eventually(delivered_and_empty, &w, 5000));
        queue_stats_get(x.q, &s);
        assert_int_equal(s.disk_reads, budget == 0 ? 4 : budget == 1 ? 2 : 0);
        assert_int_equal(s.memory_bytes, 0);
        for (size_t i = 0; i < f.nseen; i++)
            assert_string_equal((char *)f.seen[i].bytes, "[seven]");
        dq_close(&x, 1000);
        fake_fini(&f);
        scratch_remove(dir);
        scratch_dir(dir, sizeof(dir));
    }
}

/* memory_release: the copies of entries not yet taken are dropped; the
 * consumers then read them from disk, and nothing is lost or changed. */
static void test_release_memory_reads_from_disk(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_OK);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.max_memory_size = 1 << 20;
    dq_fixture x;
    char err[512];
    durable_store_cfg sc = {.directory = dir, .create_directory = true, .dir_mode = 0700};
    x.st = durable_store_new("file_storage", &sc);
    x.q = queue_new_durable(&cfg, "exp", fake_export, &f, x.st, NULL);
    assert_int_equal(durable_store_open(x.st, err, sizeof(err)), 0);
    for (int i = 0; i < 4; i++)
        offer_ok(x.q, 1, "[seven]", NULL);
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_int_equal(s.memory_bytes, 28);
    assert_int_equal(queue_release_memory(x.q), 28);
    assert_int_equal(queue_release_memory(x.q), 0);
    queue_stats_get(x.q, &s);
    assert_int_equal(s.memory_bytes, 0);
    assert_int_equal(queue_start(x.q), 0);
    want w = {x.q, &f, 4};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    queue_stats_get(x.q, &s);
    assert_int_equal(s.disk_reads, 4);
    for (size_t i = 0; i < f.nseen; i++)
        assert_string_equal((char *)f.seen[i].bytes, "[seven]");
    dq_close(&x, 1000);
    fake_fini(&f);
}

static void test_group_commit(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_RETRY); /* nothing leaves: only offers commit */
    queue_cfg cfg = fast_queue_cfg(1);
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    atomic_int acked;
    atomic_init(&acked, 0);
    pthread_t th[8];
    producer p = {x.q, &acked, 300};
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, produce, &p);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    assert_true(eventually(all_acked, &acked, 10000));
    dw_stats ws;
    dw_stats_get(durable_store_writer(x.st), &ws);
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_int_equal(s.requests, 2400);
    /* Every offer is one operation; groups make far fewer commits. */
    assert_true(ws.ops >= 2400);
    assert_true(ws.commits < ws.ops);
    print_message("group commit: %llu operations in %llu commits\n",
                  (unsigned long long)ws.ops, (unsigned long long)ws.commits);
    dq_close(&x, 50);
    fake_fini(&f);
}

/* ---- read-side batching and the recorded composition ---- */

static void test_restart_rebuilds_recorded_batch(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_RETRY);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.batch.enabled = true;
    cfg.batch.min_size = 1000; /* never reached: the flush timeout sends */
    cfg.batch.flush_timeout_ns = 50000000;
    dq_fixture x;
    char err[512];
    /* Open without starting, so the entries are all there when the
     * consumer looks. */
    durable_store_cfg sc = {.directory = dir, .fsync = true, .create_directory = true,
                            .dir_mode = 0700};
    x.st = durable_store_new("file_storage", &sc);
    x.q = queue_new_durable(&cfg, "exp", fake_export, &f, x.st, NULL);
    assert_int_equal(durable_store_open(x.st, err, sizeof(err)), 0);
    offer_ok(x.q, 2, "[one]", NULL);
    offer_ok(x.q, 3, "[two]", NULL);
    offer_ok(x.q, 4, "[three]", NULL);
    assert_int_equal(queue_start(x.q), 0);
    assert_true(eventually(called, &f, 2000));
    dq_close(&x, 50);
    /* However often it was tried, the batch had one request, given back
     * when the queue let go of it. */
    assert_int_equal(atomic_load(&f.prepared), 1);
    assert_int_equal(atomic_load(&f.released), 1);
    pthread_mutex_lock(&f.mu);
    seen_batch first = f.seen[0];
    f.seen[0].bytes = NULL;
    pthread_mutex_unlock(&f.mu);
    assert_int_equal(first.spans, 9);
    assert_string_equal((char *)first.bytes, "[one][two][three]");
    assert_true(first.batch_id != 0);
    assert_true(first.enqueued_ns > 0);
    fake_fini(&f);

    /* After the restart the very same batch goes out again. */
    fake_init(&f, OTELC_OK);
    open_ok(&x, &cfg, &f);
    want w = {x.q, &f, 9};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    assert_int_equal(f.seen[0].len, first.len);
    assert_memory_equal(f.seen[0].bytes, first.bytes, first.len);
    assert_true(f.seen[0].batch_id == first.batch_id);
    assert_true(f.seen[0].enqueued_ns == first.enqueued_ns);
    assert_int_equal(f.nseen, 1);
    free(first.bytes);
    dq_close(&x, 1000);
    fake_fini(&f);
}

static atomic_int size_sends, timeout_sends;

static void count_send(void *arg, uint32_t spans, uint64_t bytes, otelc_send_trigger why)
{
    atomic_fetch_add(why == OTELC_SEND_SIZE ? &size_sends : &timeout_sends, 1);
}

/* Six entries of 4 spans, tenants a,b alternating, batched to at most 10
 * spans: returns the batches seen by the exporter (f); on_send counts
 * them by trigger. */
static void batch_six(fake_exporter *f, const char *partition_key)
{
    atomic_store(&size_sends, 0);
    atomic_store(&timeout_sends, 0);
    fake_init(f, OTELC_OK);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.batch.enabled = true;
    cfg.batch.min_size = 10;
    cfg.batch.max_size = 10;
    cfg.batch.flush_timeout_ns = 20000000;
    if (partition_key) {
        cfg.batch.partition_keys[0] = partition_key;
        cfg.batch.npartition_keys = 1;
    }
    cfg.on_send = count_send;
    dq_fixture x;
    char err[512];
    durable_store_cfg sc = {.directory = dir, .create_directory = true, .dir_mode = 0700};
    x.st = durable_store_new("file_storage", &sc);
    x.q = queue_new_durable(&cfg, "exp", fake_export, f, x.st, NULL);
    assert_int_equal(durable_store_open(x.st, err, sizeof(err)), 0);
    for (int i = 0; i < 6; i++)
        offer_ok(x.q, 4, i % 2 ? "b" : "a", i % 2 ? "tb" : "ta");
    assert_int_equal(queue_start(x.q), 0);
    want w = {x.q, f, 24};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    dq_close(&x, 1000);
}

static void test_batching_limits_and_metadata(void **state)
{
    fake_exporter f;
    /* Partitioned by tenant (matched case-insensitively): each tenant's
     * entries merge, never across; a batch holds at most two of them. */
    batch_six(&f, "Tenant");
    assert_int_equal(f.nseen, 4);
    for (size_t i = 0; i < f.nseen; i++) {
        const seen_batch *s = &f.seen[i];
        assert_true(s->spans <= 10);
        char want_ch = strcmp(s->tenant, "ta") == 0 ? 'a' : 'b';
        for (size_t k = 0; k < s->len; k++)
            assert_int_equal(s->bytes[k], want_ch);
    }
    /* Each tenant: 12 spans (size), then the 4 left wait (timeout). */
    assert_int_equal(atomic_load(&size_sends), 2);
    assert_int_equal(atomic_load(&timeout_sends), 2);
    fake_fini(&f);
    /* Without partition keys, one partition: neighbours merge. */
    batch_six(&f, NULL);
    assert_int_equal(f.nseen, 3);
    for (size_t i = 0; i < f.nseen; i++)
        assert_int_equal(f.seen[i].spans, 8);
    fake_fini(&f);
}

/* Traces ('t') and metrics ('m') entries alternate in one queue batching
 * to 10 items with no partition key: batches never mix the two, whether
 * they are formed from memory or, after a restart, from disk (what the
 * first start sent before closing is among f.seen too); the sent items
 * are counted per signal. */
static void signals_apart(bool restart)
{
    fake_exporter f;
    fake_init(&f, OTELC_OK);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.batch = (queue_batch_cfg){.enabled = true, .sizer = SIZER_ITEMS, .min_size = 10,
                                  .max_size = 10, .flush_timeout_ns = 20000000};
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    for (int i = 0; i < 6; i++) {
        otelc_batch *b = fake_batch_of(i % 2 ? OTELC_METRICS : OTELC_TRACES, 4, i % 2 ? "m" : "t",
                                       NULL);
        assert_int_equal(queue_offer_all(&x.q, 1, b, NULL, NULL), OTELC_OK);
        otelc_batch_unref(b);
    }
    if (restart) {
        dq_close(&x, 0);
        open_ok(&x, &cfg, &f);
    }
    want w = {x.q, &f, 24};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    uint32_t items[2] = {0, 0};
    for (size_t i = 0; i < f.nseen; i++) {
        bool metrics = f.seen[i].signal == OTELC_METRICS;
        items[metrics] += f.seen[i].spans;
        for (size_t k = 0; k < f.seen[i].len; k++)
            assert_int_equal(f.seen[i].bytes[k], metrics ? 'm' : 't');
    }
    assert_int_equal(items[0], 12);
    assert_int_equal(items[1], 12);
    queue_stats s;
    queue_stats_get(x.q, &s); /* counts since this start */
    assert_int_equal(s.sent[0] + s.sent[1], s.sent_spans);
    if (!restart)
        assert_true(s.sent[0] == 12 && s.sent[1] == 12);
    dq_close(&x, 1000);
    fake_fini(&f);
}

static void test_signals_never_share_a_batch(void **state)
{
    signals_apart(false);
    signals_apart(true);
}

/* ---- the budget ---- */

static int woken;
static void on_space(void *arg)
{
    woken++;
}

static void test_budget(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_RETRY);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.max_disk_size = 65536;
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    int accepted = 0;
    otelc_status st = OTELC_OK;
    woken = 0;
    while (st == OTELC_OK && accepted < 1000) {
        otelc_batch *b = fake_batch(1, big, NULL);
        st = queue_offer_all(&x.q, 1, b, on_space, NULL);
        otelc_batch_unref(b);
        accepted += st == OTELC_OK;
    }
    assert_int_equal(st, OTELC_RETRY);
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_true(s.at_budget);
    assert_true(s.disk_used <= cfg.max_disk_size);
    assert_true(s.disk_used + 4096 > cfg.max_disk_size - 4096);
    assert_int_equal(s.requests, (uint64_t)accepted);
    assert_int_equal(s.enqueue_failed_spans, 1);
    assert_true(accepted >= 10);
    /* Bigger than the whole budget: never. */
    static char huge[70 * 1024];
    memset(huge, 'y', sizeof(huge) - 1);
    otelc_batch *b = fake_batch(1, huge, NULL);
    assert_int_equal(queue_offer_all(&x.q, 1, b, NULL, NULL), OTELC_REJECT);
    otelc_batch_unref(b);
    /* The exporter recovers: everything accepted arrives, room returns. */
    atomic_store(&f.answer, OTELC_OK);
    want w = {x.q, &f, (uint64_t)accepted};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    assert_int_equal(atomic_load(&f.ok_spans), accepted);
    assert_true(woken >= 1);
    queue_stats_get(x.q, &s);
    assert_false(s.at_budget);
    assert_int_equal(s.disk_used, 0);
    offer_ok(x.q, 1, big, NULL);
    dq_close(&x, 1000);
    fake_fini(&f);
}

/* ---- dead letters ---- */

static bool one_dead(void *arg)
{
    queue_stats s;
    queue_stats_get(arg, &s);
    return s.dead_letters == 1 && s.requests == 0;
}

/* What a replay or purge answered; set once, from the writer thread. */
typedef struct revived {
    atomic_int rc, batches, spans, done;
} revived;

static void replayed(void *arg, int rc, uint64_t batches, uint64_t spans)
{
    revived *r = arg;
    atomic_store(&r->rc, rc);
    atomic_store(&r->batches, (int)batches);
    atomic_store(&r->spans, (int)spans);
    atomic_store(&r->done, 1);
}

static bool flag_set(void *arg)
{
    return atomic_load(&((revived *)arg)->done) == 1;
}

static void test_dead_letters(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_REJECT);
    queue_cfg cfg = fast_queue_cfg(1);
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    offer_ok(x.q, 5, "refused", "t1");
    assert_true(eventually(one_dead, x.q, 5000));
    durable_queue *dq = queue_durable(x.q);
    json_t *list = durable_dead_list(dq, 10);
    assert_non_null(list);
    assert_int_equal(json_integer_value(json_object_get(list, "count")), 1);
    json_t *d0 = json_array_get(json_object_get(list, "deadletters"), 0);
    assert_int_equal(json_integer_value(json_object_get(d0, "spans")), 5);
    assert_non_null(strstr(json_string_value(json_object_get(d0, "reason")), "REJECT"));
    json_decref(list);
    uint64_t first_id = f.seen[0].batch_id;
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_int_equal(s.failed_spans, 5);
    assert_int_equal(s.dead_lettered_spans, 5);
    dq_close(&x, 1000);
    fake_fini(&f);

    /* Dead letters survive a restart and replay as the same batch. */
    fake_init(&f, OTELC_OK);
    open_ok(&x, &cfg, &f);
    queue_stats_get(x.q, &s);
    assert_int_equal(s.dead_letters, 1);
    revived res = {0};
    durable_dead_replay(queue_durable(x.q), 0, replayed, &res);
    assert_true(eventually(flag_set, &res, 5000));
    assert_int_equal(atomic_load(&res.rc), 0);
    assert_int_equal(atomic_load(&res.batches), 1);
    assert_int_equal(atomic_load(&res.spans), 5);
    want w = {x.q, &f, 5};
    assert_true(eventually(delivered_and_empty, &w, 5000));
    assert_true(f.seen[0].batch_id == first_id);
    assert_string_equal((char *)f.seen[0].bytes, "refused");
    assert_string_equal(f.seen[0].tenant, "t1");
    queue_stats_get(x.q, &s);
    assert_int_equal(s.dead_letters, 0);
    assert_int_equal(s.disk_used, 0);
    dq_close(&x, 1000);
    fake_fini(&f);
}

static void test_exhausted_retries_purge(void **state)
{
    fake_exporter f;
    fake_init(&f, OTELC_RETRY);
    queue_cfg cfg = fast_queue_cfg(1);
    cfg.retry.max_elapsed_time = 30000000; /* 30 ms */
    dq_fixture x;
    open_ok(&x, &cfg, &f);
    offer_ok(x.q, 2, "late", NULL);
    assert_true(eventually(one_dead, x.q, 5000));
    json_t *list = durable_dead_list(queue_durable(x.q), 10);
    json_t *d0 = json_array_get(json_object_get(list, "deadletters"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(d0, "reason")), "max_elapsed_time"));
    json_decref(list);
    revived res = {0};
    durable_dead_purge(queue_durable(x.q), 0, replayed, &res);
    assert_true(eventually(flag_set, &res, 5000));
    assert_int_equal(atomic_load(&res.batches), 1);
    queue_stats s;
    queue_stats_get(x.q, &s);
    assert_int_equal(s.dead_letters, 0);
    assert_int_equal(s.disk_used, 0);
    dq_close(&x, 1000);
    fake_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot_entries_skip_the_disk, setup, teardown),

        cmocka_unit_test_setup_teardown(test_release_memory_reads_from_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals_never_share_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_rebuilds_recorded_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batching_limits_and_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_letters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhausted_retries_purge, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
