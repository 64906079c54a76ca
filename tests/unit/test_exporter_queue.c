/* The in-memory sending queue: all-or-nothing fan-out, back-pressure with
 * a wake-up, retries, rejects, draining, pause, and read-side batching
 * (partitions, and why each batch left). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <time.h>
#include <cmocka.h>
#include <otelc/sdk/clock.h>

#include "host_batch.h"
#include "queue/exporter_queue.h"

typedef struct fake {
    atomic_int calls;
    atomic_int fail_first; /* answer RETRY this many times */
    otelc_status answer;
    atomic_int prepared, released; /* requests made (the first attempt) and given back */
} fake;

/* A request-based fake: the first attempt at a batch makes its request
 * (the fake itself stands for it). */
static otelc_status fake_export(void *arg, otelc_batch *b, void **req, queue_done_fn done, void *done_arg)
{
    fake *f = arg;
    atomic_fetch_add(&f->calls, 1);
    if (!*req) {
        *req = f;
        atomic_fetch_add(&f->prepared, 1);
    }
    if (atomic_fetch_sub(&f->fail_first, 1) > 0)
        return OTELC_RETRY;
    return f->answer;
}

static void fake_release(void *arg, void *req)
{
    fake *f = arg;
    assert_ptr_equal(req, f);
    atomic_fetch_add(&f->released, 1);
}

static queue_cfg fast_cfg(int64_t size, uint32_t consumers)
{
    queue_cfg c;
    queue_cfg_defaults(&c);
    c.release_fn = fake_release;
    c.queue_size = size;
    c.num_consumers = consumers;
    c.retry.initial_interval = 1000000; /* 1 ms */
    c.retry.max_interval = 2000000;
    c.paused_probe_ns = 5000000;
    return c;
}

static otelc_batch *batch_of(uint32_t spans)
{
    return otelc_hbatch_copy((const uint8_t *)"x", 1, spans, NULL);
}

static void wait_sent(exporter_queue *q, uint64_t spans)
{
    queue_stats s;
    for (int i = 0; i < 2000; i++) {
        queue_stats_get(q, &s);
        if (s.sent_spans + s.failed_spans >= spans)
            return;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int woken;
static void on_space(void *arg)
{
    woken++;
}

static void test_fan_out_is_all_or_nothing(void **state)
{
    fake f = {.answer = OTELC_OK};
    queue_cfg c = fast_cfg(1, 1);
    exporter_queue *a = queue_new(&c, "a", fake_export, &f);
    exporter_queue *b = queue_new(&c, "b", fake_export, &f);
    exporter_queue *both[] = {a, b};
    otelc_batch *x = batch_of(3);
    /* Not started: nothing is consumed, so b fills up. */
    assert_int_equal(queue_offer_all(&b, 1, x, on_space, NULL), OTELC_OK);
    woken = 0;
    assert_int_equal(queue_offer_all(both, 2, x, on_space, NULL), OTELC_RETRY);
    queue_stats sa, sb;
    queue_stats_get(a, &sa);
    queue_stats_get(b, &sb);
    assert_int_equal(sa.requests, 0); /* a did not take it either */
    assert_int_equal(sb.requests, 1);
    assert_int_equal(sb.enqueue_failed_spans, 3);
    /* Starting b drains it and wakes whoever was refused. */
    assert_int_equal(queue_start(b), 0);
    wait_sent(b, 3);
    assert_int_equal(woken, 1);
    assert_int_equal(queue_offer_all(both, 2, x, on_space, NULL), OTELC_OK);
    assert_int_equal(queue_start(a), 0);
    wait_sent(a, 3);
    wait_sent(b, 6);
    queue_stats_get(b, &sb);
    assert_int_equal(sb.sent_spans, 6);
    otelc_batch_unref(x);
    queue_free(a);
    queue_free(b);
    assert_int_equal(otelc_hbatch_live(), 0);
}

static void test_retry_then_success(void **state)
{
    fake f = {.answer = OTELC_OK};
    atomic_init(&f.fail_first, 3);
    queue_cfg c = fast_cfg(10, 1);
    exporter_queue *q = queue_new(&c, "q", fake_export, &f);
    assert_int_equal(queue_start(q), 0);
    otelc_batch *x = batch_of(5);
    assert_int_equal(queue_offer_all(&q, 1, x, NULL, NULL), OTELC_OK);
    otelc_batch_unref(x);
    wait_sent(q, 5);
    queue_stats s;
    queue_stats_get(q, &s);
    assert_int_equal(s.sent_spans, 5);
    assert_int_equal(s.retries, 3);
    assert_int_equal(atomic_load(&f.calls), 4);
    assert_int_equal(atomic_load(&f.prepared), 1); /* one request for all four attempts */
    assert_true(s.last_success_ns > 0);
    queue_free(q);
    assert_int_equal(atomic_load(&f.released), 1);
}

static void test_reject_and_exhausted_retries_fail(void **state)
{
    fake f = {.answer = OTELC_REJECT};
    queue_cfg c = fast_cfg(10, 2);
    exporter_queue *q = queue_new(&c, "q", fake_export, &f);
    assert_int_equal(queue_start(q), 0);
    otelc_batch *x = batch_of(2);
    queue_offer_all(&q, 1, x, NULL, NULL);
    wait_sent(q, 2);
    f.answer = OTELC_RETRY;
    queue_free(q);

    c.retry.max_elapsed_time = 5000000; /* 5 ms */
    q = queue_new(&c, "q", fake_export, &f);
    assert_int_equal(queue_start(q), 0);
    queue_offer_all(&q, 1, x, NULL, NULL);
    wait_sent(q, 2);
    queue_stats s;
    queue_stats_get(q, &s);
    assert_int_equal(s.failed_spans, 2);
    assert_int_equal(s.sent_spans, 0);
    otelc_batch_unref(x);
    queue_free(q);
}

static void test_drain_delivers_what_is_queued(void **state)
{
    fake f = {.answer = OTELC_OK};
    queue_cfg c = fast_cfg(100, 1);
    exporter_queue *q = queue_new(&c, "q", fake_export, &f);
    otelc_batch *x = batch_of(1);
    for (int i = 0; i < 20; i++)
        queue_offer_all(&q, 1, x, NULL, NULL);
    assert_int_equal(queue_start(q), 0);
    assert_int_equal(queue_drain(q, otelc_mono_ns() + 5000000000LL), 0);
    queue_stats s;
    queue_stats_get(q, &s);
    assert_int_equal(s.sent_spans, 20);
    /* After draining, offers are refused. */
    assert_int_equal(queue_offer_all(&q, 1, x, NULL, NULL), OTELC_RETRY);
    otelc_batch_unref(x);
    queue_free(q);
}

/* What on_send reported, in order. */
typedef struct sends {
    atomic_int n;
    uint32_t spans[16];
    otelc_send_trigger why[16];
} sends;

static void note_send(void *arg, uint32_t spans, uint64_t bytes, otelc_send_trigger why)
{
    sends *s = arg;
    int i = atomic_load(&s->n);
    if (i < 16) {
        s->spans[i] = spans;
        s->why[i] = why;
        atomic_store(&s->n, i + 1);
    }
}

static otelc_batch *tenant_batch(uint32_t spans, const char *tenant)
{
    otelc_kv kv = {"tenant", tenant};
    otelc_batch_meta m = {.struct_size = sizeof(m), .pairs = &kv, .npairs = 1};
    return otelc_hbatch_copy((const uint8_t *)"x", 1, spans, &m);
}

static void offer_tenant(exporter_queue *q, uint32_t spans, const char *tenant)
{
    otelc_batch *b = tenant_batch(spans, tenant);
    assert_int_equal(queue_offer_all(&q, 1, b, NULL, NULL), OTELC_OK);
    otelc_batch_unref(b);
}

static void wait_sends(sends *s, int n)
{
    for (int i = 0; i < 2000 && atomic_load(&s->n) < n; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&s->n), n);
}

static exporter_queue *batching_queue(fake *f, sends *s, const char *partition_key)
{
    queue_cfg c = fast_cfg(100, 1);
    c.batch.enabled = true;
    c.batch.min_size = 10;
    c.batch.flush_timeout_ns = 30000000;
    c.batch.partition_keys[0] = partition_key;
    c.batch.npartition_keys = partition_key ? 1 : 0;
    c.on_send = note_send;
    c.on_send_arg = s;
    return queue_new(&c, "q", fake_export, f);
}

static void test_batches_report_size_and_partition(void **state)
{
    fake f = {.answer = OTELC_OK};
    sends s = {0};
    exporter_queue *q = batching_queue(&f, &s, "TENANT");
    for (int i = 0; i < 3; i++)
        offer_tenant(q, 4, "a");
    assert_int_equal(queue_start(q), 0);
    wait_sends(&s, 1);
    assert_int_equal(s.spans[0], 12); /* min_size reached: one merged batch */
    assert_int_equal(s.why[0], OTELC_SEND_SIZE);
    offer_tenant(q, 4, "b");
    wait_sends(&s, 2);
    assert_int_equal(s.spans[1], 4);
    assert_int_equal(s.why[1], OTELC_SEND_TIMEOUT);
    queue_drain(q, otelc_mono_ns() + 1000000000);
    queue_free(q);

    /* Partitioned by tenant, a and b never merge; without keys they do. */
    sends p = {0}, one = {0};
    q = batching_queue(&f, &p, "tenant");
    offer_tenant(q, 4, "a");
    offer_tenant(q, 4, "b");
    offer_tenant(q, 4, "a");
    assert_int_equal(queue_start(q), 0);
    assert_int_equal(queue_drain(q, otelc_mono_ns() + 1000000000), 0);
    assert_int_equal(atomic_load(&p.n), 3);
    assert_int_equal(p.why[0], OTELC_SEND_FLUSH);
    queue_free(q);
    q = batching_queue(&f, &one, NULL);
    offer_tenant(q, 4, "a");
    offer_tenant(q, 4, "b");
    offer_tenant(q, 4, "a");
    assert_int_equal(queue_start(q), 0);
    wait_sends(&one, 1);
    assert_int_equal(one.spans[0], 12);
    queue_drain(q, otelc_mono_ns() + 1000000000);
    queue_free(q);
}

/* A metrics batch between two traces batches: with no partition key the
 * traces merge around it, the metrics leave alone, and the sent items
 * are counted per signal. */
static void test_signals_never_merge(void **state)
{
    fake f = {.answer = OTELC_OK};
    sends p = {0};
    exporter_queue *q = batching_queue(&f, &p, NULL);
    otelc_batch_meta metrics = {.struct_size = sizeof(metrics), .signal = OTELC_METRICS};
    otelc_batch *b[3] = {batch_of(4), otelc_hbatch_copy((const uint8_t *)"m", 1, 5, &metrics),
                         batch_of(4)};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(queue_offer_all(&q, 1, b[i], NULL, NULL), OTELC_OK);
        otelc_batch_unref(b[i]);
    }
    assert_int_equal(queue_start(q), 0);
    assert_int_equal(queue_drain(q, otelc_mono_ns() + 1000000000), 0);
    assert_int_equal(atomic_load(&p.n), 3); /* traces, metrics, traces: none merged */
    queue_stats s;
    queue_stats_get(q, &s);
    assert_int_equal(s.sent[0], 8);
    assert_int_equal(s.sent[1], 5);
    assert_int_equal(s.sent_spans, 13);
    queue_free(q);
}

static void test_pause_probes_and_resumes(void **state)
{
    fake f = {.answer = OTELC_OK};
    atomic_init(&f.fail_first, 2);
    queue_cfg c = fast_cfg(10, 1);
    exporter_queue *q = queue_new(&c, "q", fake_export, &f);
    queue_pause(q, "SignatureDoesNotMatch: test");
    char reason[64];
    queue_pause_reason(q, reason, sizeof(reason));
    assert_string_equal(reason, "SignatureDoesNotMatch: test");
    assert_int_equal(queue_start(q), 0);
    otelc_batch *x = batch_of(4);
    queue_offer_all(&q, 1, x, NULL, NULL);
    otelc_batch_unref(x);
    wait_sent(q, 4);
    queue_stats s;
    queue_stats_get(q, &s);
    assert_int_equal(s.sent_spans, 4);
    assert_false(s.paused); /* the first success resumed it */
    queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fan_out_is_all_or_nothing),
        cmocka_unit_test(test_retry_then_success),
        cmocka_unit_test(test_reject_and_exhausted_retries_fail),
        cmocka_unit_test(test_drain_delivers_what_is_queued),
        cmocka_unit_test(test_pause_probes_and_resumes),
        cmocka_unit_test(test_batches_report_size_and_partition),
        cmocka_unit_test(test_signals_never_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
