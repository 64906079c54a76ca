/* Both sending queue backends through one set of tests: an exporter that
 * answers PENDING and completes when the test says so shows that
 * consumers never wait for an export (num_consumers batches are out at
 * once with at most one consumer thread per core), that a completion's RETRY is retried with the
 * same request, and that a shutdown leaves what the exporter still holds
 * (the memory queue counts it lost; the durable queue keeps it on disk and
 * sends it after a restart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <otelc/sdk/clock.h>

#include "host_batch.h"
#include "queue/durable/durable_store.h"
#include "queue/exporter_queue.h"
#include "test_durable_fixture.h"

#define HELD_MAX 64

/* Keeps every completion until the test releases it. */
typedef struct async_exporter {
    pthread_mutex_t mu;
    queue_done_fn done[HELD_MAX];
    void *done_arg[HELD_MAX];
    size_t held;
    atomic_int calls, prepared, released;
    atomic_ullong ok_spans;
    otelc_status next_answer; /* what release_all completes with */
} async_exporter;

static otelc_status async_export(void *arg, otelc_batch *b, void **req, queue_done_fn done,
                                 void *done_arg)
{
    async_exporter *e = arg;
    atomic_fetch_add(&e->calls, 1);
    if (!*req) {
        *req = e;
        atomic_fetch_add(&e->prepared, 1);
    }
    pthread_mutex_lock(&e->mu);
    assert_true(e->held < HELD_MAX);
    e->done[e->held] = done;
    e->done_arg[e->held++] = done_arg;
    pthread_mutex_unlock(&e->mu);
    (void)b;
    return OTELC_PENDING;
}

static void async_release(void *arg, void *req)
{
    async_exporter *e = arg;
    assert_ptr_equal(req, e);
    atomic_fetch_add(&e->released, 1);
}

/* Completes every held export with st; returns how many. */
static size_t complete_all(async_exporter *e, otelc_status st)
{
    queue_done_fn done[HELD_MAX];
    void *args[HELD_MAX];
    pthread_mutex_lock(&e->mu);
    size_t n = e->held;
    memcpy(done, e->done, n * sizeof(done[0]));
    memcpy(args, e->done_arg, n * sizeof(args[0]));
    e->held = 0;
    pthread_mutex_unlock(&e->mu);
    for (size_t i = 0; i < n; i++)
        done[i](args[i], st);
    return n;
}

static size_t held(async_exporter *e)
{
    pthread_mutex_lock(&e->mu);
    size_t n = e->held;
    pthread_mutex_unlock(&e->mu);
    return n;
}

/* One queue under test, of either backend. */
typedef struct harness {
    bool durable;
    char dir[256];
    durable_store *st;
    exporter_queue *q;
    async_exporter e;
} harness;

static queue_cfg sender_cfg(bool durable, uint32_t consumers)
{
    queue_cfg c = fast_queue_cfg(consumers);
    c.release_fn = async_release;
    if (!durable)
        c.storage = NULL;
    return c;
}

static void open_queue(harness *h, const queue_cfg *c)
{
    if (!h->durable) {
        h->q = queue_new(c, "mem", async_export, &h->e);
    } else {
        durable_store_cfg sc = {.directory = h->dir, .fsync = false, .create_directory = true,
                                .dir_mode = 0700};
        char err[256];
        h->st = durable_store_new("file_storage", &sc);
        h->q = queue_new_durable(c, "dur", async_export, &h->e, h->st, NULL);
        assert_non_null(h->q);
        assert_int_equal(durable_store_open(h->st, err, sizeof(err)), 0);
    }
    assert_non_null(h->q);
    assert_int_equal(queue_start(h->q), 0);
}

static void close_queue(harness *h, int ms)
{
    queue_drain(h->q, otelc_mono_ns() + (int64_t)ms * 1000000);
    if (h->st)
        durable_store_close(h->st);
    queue_free(h->q);
    durable_store_unref(h->st);
    h->q = NULL;
    h->st = NULL;
}

static void harness_init(harness *h, bool durable)
{
    memset(h, 0, sizeof(*h));
    h->durable = durable;
    pthread_mutex_init(&h->e.mu, NULL);
    if (durable)
        scratch_dir(h->dir, sizeof(h->dir));
}

static void harness_fini(harness *h)
{
    if (h->durable)
        scratch_remove(h->dir);
    pthread_mutex_destroy(&h->e.mu);
}

static void offer_n(harness *h, int n, uint32_t spans)
{
    for (int i = 0; i < n; i++) {
        otelc_batch *b = fake_batch(spans, "payload", NULL);
        assert_int_equal(queue_offer_all(&h->q, 1, b, NULL, NULL), OTELC_OK);
        otelc_batch_unref(b);
    }
}

static harness *cur;
static bool eight_held(void *arg)
{
    return held(&cur->e) >= 8;
}

/* Threads of this process, from /proc. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Threads:", 8) == 0) {
            n = (int)strtol(line + 8, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return n;
}

static bool all_sent(void *arg)
{
    queue_stats s;
    queue_stats_get(cur->q, &s);
    return s.sent_spans >= *(uint64_t *)arg;
}

/* ---- the tests, run once per backend ---- */

static void in_flight_limit(bool durable)
{
    harness h;
    harness_init(&h, durable);
    cur = &h;
    queue_cfg c = sender_cfg(durable, 8);
    int before = thread_count();
    open_queue(&h, &c);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* Consumers: one per core at most (a durable store adds its writer). */
    assert_true(thread_count() - before <= (cores < 8 ? cores : 8) + (durable ? 1 : 0));
    offer_n(&h, 12, 3);
    assert_true(eventually(eight_held, NULL, 2000));
    sleep_ms(30); /* time for a ninth, which must not come */
    assert_int_equal(held(&h.e), 8);
    uint64_t want = 36;
    while (!all_sent(&want)) {
        complete_all(&h.e, OTELC_OK);
        sleep_ms(1);
    }
    queue_stats s;
    queue_stats_get(h.q, &s);
    assert_int_equal(s.sent_spans, 36);
    assert_int_equal(atomic_load(&h.e.calls), 12);
    close_queue(&h, 100);
    assert_int_equal(atomic_load(&h.e.released), 12);
    harness_fini(&h);
}

static bool one_held(void *arg)
{
    return held(&cur->e) >= 1;
}

static void retry_from_completion(bool durable)
{
    harness h;
    harness_init(&h, durable);
    cur = &h;
    queue_cfg c = sender_cfg(durable, 2);
    open_queue(&h, &c);
    offer_n(&h, 1, 7);
    assert_true(eventually(one_held, NULL, 2000));
    assert_int_equal(complete_all(&h.e, OTELC_RETRY), 1);
    assert_true(eventually(one_held, NULL, 2000)); /* attempted again after the back-off */
    assert_int_equal(complete_all(&h.e, OTELC_OK), 1);
    uint64_t want = 7;
    assert_true(eventually(all_sent, &want, 2000));
    queue_stats s;
    queue_stats_get(h.q, &s);
    assert_int_equal(s.retries, 1);
    assert_int_equal(atomic_load(&h.e.calls), 2);
    assert_int_equal(atomic_load(&h.e.prepared), 1); /* one request for both attempts */
    close_queue(&h, 100);
    assert_int_equal(atomic_load(&h.e.released), 1);
    harness_fini(&h);
}

static size_t kilobyte_requests(void *arg, const void *req)
{
    (void)arg, (void)req;
    return 1000;
}

static bool two_held(void *arg)
{
    return held(&cur->e) >= 2;
}

static bool one_released(void *arg)
{
    return atomic_load(&cur->e.released) >= 1;
}

/* Requests parked for a retry stay within max_memory_size: past it, one
 * is given back at once and prepared again at its next attempt. */
static void retry_requests_bounded(bool durable)
{
    harness h;
    harness_init(&h, durable);
    cur = &h;
    queue_cfg c = sender_cfg(durable, 2);
    c.request_bytes_fn = kilobyte_requests;
    c.max_memory_size = 1500;
    c.retry.initial_interval = c.retry.max_interval = 300000000; /* both parked at once */
    open_queue(&h, &c);
    offer_n(&h, 2, 3);
    assert_true(eventually(two_held, NULL, 2000));
    assert_int_equal(complete_all(&h.e, OTELC_RETRY), 2);
    assert_true(eventually(one_released, NULL, 2000));
    queue_stats s;
    queue_stats_get(h.q, &s);
    assert_int_equal(s.retry_request_bytes, 1000);
    assert_true(eventually(two_held, NULL, 3000)); /* both attempted again */
    assert_int_equal(atomic_load(&h.e.prepared), 3);
    queue_stats_get(h.q, &s);
    assert_int_equal(s.retry_request_bytes, 0);
    assert_int_equal(complete_all(&h.e, OTELC_OK), 2);
    uint64_t want = 6;
    assert_true(eventually(all_sent, &want, 2000));
    close_queue(&h, 100);
    assert_int_equal(atomic_load(&h.e.released), 3);
    harness_fini(&h);
}

/* A shutdown whose deadline passes with the export still out: the late
 * completion gives the request back and touches nothing else. */
static void shutdown_leaves_held_exports(bool durable)
{
    harness h;
    harness_init(&h, durable);
    cur = &h;
    queue_cfg c = sender_cfg(durable, 2);
    open_queue(&h, &c);
    offer_n(&h, 1, 5);
    assert_true(eventually(one_held, NULL, 2000));
    close_queue(&h, 20);
    assert_int_equal(atomic_load(&h.e.released), 0);
    assert_int_equal(complete_all(&h.e, OTELC_OK), 1);
    assert_int_equal(atomic_load(&h.e.released), 1);
    if (durable) { /* still on disk: the next start sends it */
        open_queue(&h, &c);
        assert_true(eventually(one_held, NULL, 2000));
        complete_all(&h.e, OTELC_OK);
        uint64_t want = 5;
        assert_true(eventually(all_sent, &want, 2000));
        close_queue(&h, 100);
    }
    harness_fini(&h);
}

static void test_memory_in_flight_limit(void **state) { in_flight_limit(false); }
static void test_durable_in_flight_limit(void **state) { in_flight_limit(true); }
static void test_memory_retry(void **state) { retry_from_completion(false); }
static void test_durable_retry(void **state) { retry_from_completion(true); }
static void test_memory_shutdown(void **state) { shutdown_leaves_held_exports(false); }
static void test_durable_shutdown(void **state) { shutdown_leaves_held_exports(true); }
static void test_memory_retry_budget(void **state) { retry_requests_bounded(false); }
static void test_durable_retry_budget(void **state) { retry_requests_bounded(true); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_in_flight_limit),
        cmocka_unit_test(test_durable_in_flight_limit),
        cmocka_unit_test(test_memory_retry),
        cmocka_unit_test(test_durable_retry),
        cmocka_unit_test(test_memory_shutdown),
        cmocka_unit_test(test_durable_shutdown),
        cmocka_unit_test(test_memory_retry_budget),
        cmocka_unit_test(test_durable_retry_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
