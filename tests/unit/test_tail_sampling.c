/*
 * test_tail_sampling.c: the tail_sampling processor's durable path on the
 * SDK's test kit and its in-memory storage. A client is answered once its
 * spans are committed (never before, whatever the wait); sampled traces
 * are deleted only once the next stage took them, others at their
 * decision; a RETRY keeps them; a new instance over the same storage (a
 * restart) decides every trace at its recorded time and loses none;
 * num_traces decides the oldest early instead of dropping it; late spans
 * follow their trace's decision. Without `storage`, the storage the host
 * says every exporter downstream queues in is used the same way, unless
 * `storage: none`.
 */
#include "ts_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <otelc/sdk/clock.h>

#define OWNER "tail_sampling"
#define TABLE "traces"
#define ERRORS "policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]"
#define ALL "policies: [{name: all, type: always_sample}]"
#define IDS "processor", "tail_sampling", "pipeline", "traces"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits up to ms for the storage table to hold n keys. */
static size_t keys_eventually(otelc_test_storage *s, size_t n, int ms)
{
    int64_t end = otelc_mono_ns() + (int64_t)ms * 1000000;
    size_t have;
    while ((have = otelc_test_storage_count(s, OWNER, TABLE)) != n && otelc_mono_ns() < end)
        sleep_ms(5);
    return have;
}

static fx_request *trace_with_status(unsigned trace, size_t spans, int code)
{
    fx_request *r = tt_trace(trace, spans, NULL);
    tt_status(r->resource_spans[0]->scope_spans[0]->spans[spans - 1], code);
    return r;
}

static void test_no_storage_answers_at_once(void **state)
{
    (void)state;
    tt_proc x;
    assert_int_equal(tt_start(&x, "decision_wait: 10s\n" ALL, NULL), 0);
    assert_int_equal(tt_feed(&x, tt_trace(0, 3, NULL), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(x.h), 0); /* waiting for its decision */
    tt_stop(&x, true);
}

static void test_answered_at_commit(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    otelc_ticket *t;
    assert_int_equal(tt_start(&x, "decision_wait: 10s\nstorage: file_storage\n" ALL, st), 0);
    otelc_test_storage_hold(st, true);
    assert_int_equal(tt_feed(&x, tt_trace(0, 3, NULL), &t), OTELC_PENDING);
    /* Two traces in one request: one commit of two pieces. */
    fx_span *two[] = {tt_span(1, 0), tt_span(2, 0), tt_span(1, 1)};
    otelc_ticket *t2;
    assert_int_equal(tt_feed(&x, tt_request(NULL, 3, two), &t2), OTELC_PENDING);
    sleep_ms(50);
    assert_false(otelc_test_ticket_done(t)); /* not on disk yet: no answer */
    assert_false(otelc_test_ticket_done(t2));
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 3);
    assert_int_equal(otelc_test_storage_commits(st), 2);
    assert_int_equal(otelc_test_storage_release(st), 2);
    assert_true(otelc_test_ticket_wait(t, 1000));
    assert_int_equal(otelc_test_ticket_status(t), OTELC_OK);
    assert_true(otelc_test_ticket_wait(t2, 1000));
    assert_int_equal(otelc_test_emitted_count(x.h), 0);
    otelc_test_storage_hold(st, false);
    tt_stop(&x, true);
    /* Still there for the next start: nothing was decided. */
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 3);
    otelc_test_storage_free(st);
}

static void test_deleted_once_taken(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    bool kept[TT_MAX_TRACES];
    assert_int_equal(tt_start(&x, "decision_wait: 100ms\nstorage: file_storage\n" ERRORS, st), 0);
    otelc_test_host_answer(x.h, OTELC_PENDING); /* downstream holds the sampled ones */
    for (unsigned t = 0; t < 4; t++)
        assert_int_equal(tt_feed(&x, trace_with_status(t, 2, t % 2 ? STATUS_ERROR : STATUS_OK),
                                 NULL), OTELC_OK);
    /* The two not sampled are gone; the two sampled wait for downstream
     * (in one emit or two, as their deadlines fell). */
    assert_int_equal(keys_eventually(st, 2, 2000), 2);
    for (int i = 0; i < 400 && tt_kept(&x, kept, NULL) < 2; i++)
        sleep_ms(5);
    sleep_ms(50);
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 2);
    assert_true(otelc_test_host_complete_all(x.h, OTELC_OK) >= 1);
    assert_int_equal(keys_eventually(st, 0, 2000), 0);
    assert_int_equal(tt_kept(&x, kept, NULL), 2);
    assert_true(kept[1] && kept[3]);
    tt_stop(&x, true);
    otelc_test_storage_free(st);
}

static void test_retry_keeps(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    assert_int_equal(tt_start(&x, "decision_wait: 50ms\nstorage: file_storage\n" ALL, st), 0);
    otelc_test_host_answer_next(x.h, OTELC_RETRY);
    assert_int_equal(tt_feed(&x, tt_trace(0, 2, NULL), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_wait(x.h, 1, 2000), 1);
    assert_int_equal(otelc_test_emitted_answer(x.h, 0), OTELC_RETRY);
    sleep_ms(50);
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 1); /* kept */
    x.d->resume(x.state); /* the host: there is room again */
    assert_int_equal(otelc_test_emitted_wait(x.h, 2, 2000), 2);
    assert_int_equal(otelc_test_emitted_answer(x.h, 1), OTELC_OK);
    assert_int_equal(otelc_test_emitted_spans(x.h, 1), 2);
    assert_int_equal(keys_eventually(st, 0, 2000), 0);
    tt_stop(&x, true);
    otelc_test_storage_free(st);
}

/* Six traces (the odd ones with an error), one of them in two requests. */
static void feed_six(tt_proc *x)
{
    for (unsigned t = 0; t < 6; t++)
        assert_int_equal(tt_feed(x, trace_with_status(t, 3, t % 2 ? STATUS_ERROR : STATUS_OK),
                                 NULL), OTELC_OK);
    fx_span *late = tt_span(3, 7);
    assert_int_equal(tt_feed(x, tt_request(NULL, 1, &late), NULL), OTELC_OK);
}

static void test_restart_resumes(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc a, b;
    bool kept[TT_MAX_TRACES];
    size_t spans[TT_MAX_TRACES];
    const char *yaml = "decision_wait: 400ms\nstorage: file_storage\n" ERRORS;
    assert_int_equal(tt_start(&a, yaml, st), 0);
    int64_t fed = otelc_mono_ns();
    feed_six(&a);
    assert_int_equal(otelc_test_emitted_count(a.h), 0);
    tt_stop(&a, false); /* before any decision: a restart (or a crash: nothing more is written) */
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 7);

    assert_int_equal(tt_start(&b, yaml, st), 0);
    const char *labels[] = {IDS, NULL};
    assert_int_equal(tt_metric(&b, "otelcol_processor_tail_sampling_sampling_traces_restored_total",
                               labels), 6);
    /* Decided when their recorded wait ends, not at the restart. */
    assert_true(otelc_test_emitted_wait(b.h, 1, 3000) >= 1);
    assert_true(otelc_mono_ns() - fed >= 400000000);
    assert_int_equal(keys_eventually(st, 0, 2000), 0);
    assert_int_equal(tt_kept(&b, kept, spans), 3);
    for (unsigned t = 0; t < 6; t++)
        assert_int_equal(kept[t], t % 2 == 1);
    assert_int_equal(spans[3], 4); /* both pieces of trace 3 */
    assert_int_equal(spans[1], 3);
    tt_stop(&b, true);
    otelc_test_storage_free(st);
    assert_int_equal(otelc_test_batches_live(), 0);
}

/* The wait counts from each trace's recorded arrival, not from the
 * restart: down for 1 s with a 1.5 s wait, a trace is decided about 0.5 s
 * after the restart. */
static void test_restart_keeps_arrival(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc a, b;
    bool kept[TT_MAX_TRACES];
    const char *yaml = "decision_wait: 1500ms\nstorage: file_storage\n" ERRORS;
    assert_int_equal(tt_start(&a, yaml, st), 0);
    int64_t fed = otelc_mono_ns();
    feed_six(&a);
    tt_stop(&a, false);
    sleep_ms(1000);
    int64_t restarted = otelc_mono_ns();
    assert_int_equal(tt_start(&b, yaml, st), 0);
    assert_true(otelc_test_emitted_wait(b.h, 1, 3000) >= 1);
    int64_t now = otelc_mono_ns();
    assert_true(now - fed >= 1500000000);
    assert_true(now - restarted < 1400000000);
    assert_int_equal(keys_eventually(st, 0, 2000), 0);
    assert_int_equal(tt_kept(&b, kept, NULL), 3);
    tt_stop(&b, true);
    otelc_test_storage_free(st);
}

static void test_overflow_decides_early(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    bool kept[TT_MAX_TRACES];
    assert_int_equal(
        tt_start(&x, "decision_wait: 10s\nnum_traces: 3\nstorage: file_storage\n" ALL, st), 0);
    for (unsigned t = 0; t < 5; t++)
        assert_int_equal(tt_feed(&x, tt_trace(t, 2, NULL), NULL), OTELC_OK);
    /* The two oldest were decided at once (sampled), not dropped. */
    assert_true(otelc_test_emitted_wait(x.h, 1, 2000) >= 1);
    assert_int_equal(keys_eventually(st, 3, 2000), 3);
    assert_int_equal(tt_kept(&x, kept, NULL), 2);
    assert_true(kept[0] && kept[1]);
    const char *labels[] = {IDS, NULL};
    assert_int_equal(
        tt_metric(&x, "otelcol_processor_tail_sampling_sampling_trace_decided_early_total",
                  labels), 2);
    assert_int_equal(
        tt_metric(&x, "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total",
                  labels), 0);
    tt_stop(&x, true);
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 3); /* for the next start */
    otelc_test_storage_free(st);
}

static void test_late_spans(void **state)
{
    (void)state;
    tt_proc x;
    bool kept[TT_MAX_TRACES];
    size_t spans[TT_MAX_TRACES];
    assert_int_equal(tt_start(&x, "decision_wait: 50ms\ndecision_cache: {sampled_cache_size: 10, "
                                  "non_sampled_cache_size: 10}\n" ERRORS, NULL), 0);
    assert_int_equal(tt_feed(&x, trace_with_status(0, 2, STATUS_ERROR), NULL), OTELC_OK);
    assert_int_equal(tt_feed(&x, trace_with_status(1, 2, STATUS_OK), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_wait(x.h, 1, 2000), 1);
    sleep_ms(20);
    /* A late span of the sampled trace goes on at once; of the other, is
     * dropped; both counted. */
    fx_span *l0 = tt_span(0, 5), *l1 = tt_span(1, 5);
    assert_int_equal(tt_feed(&x, tt_request(NULL, 1, &l0), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(x.h), 2);
    assert_int_equal(tt_feed(&x, tt_request(NULL, 1, &l1), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(x.h), 2);
    tt_kept(&x, kept, spans);
    assert_int_equal(spans[0], 3);
    assert_false(kept[1]);
    const char *yes[] = {IDS, "sampled", "true", NULL}, *no[] = {IDS, "sampled", "false", NULL};
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_sampling_late_spans_total",
                               yes), 1);
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_sampling_late_spans_total",
                               no), 1);
    assert_int_equal(tt_metric(&x, "otelcol_processor_tail_sampling_early_releases_from_cache_"
                                   "decision_total", no), 1);
    tt_stop(&x, true);
}

static void test_block_on_overflow(void **state)
{
    (void)state;
    tt_proc x;
    assert_int_equal(tt_start(&x, "decision_wait: 10s\nnum_traces: 2\nblock_on_overflow: true\n"
                                  ALL, NULL), 0);
    assert_int_equal(tt_feed(&x, tt_trace(0, 1, NULL), NULL), OTELC_OK);
    assert_int_equal(tt_feed(&x, tt_trace(1, 1, NULL), NULL), OTELC_OK);
    assert_int_equal(tt_feed(&x, tt_trace(2, 1, NULL), NULL), OTELC_RETRY);
    /* A span of a trace already held still comes in. */
    fx_span *more = tt_span(1, 1);
    assert_int_equal(tt_feed(&x, tt_request(NULL, 1, &more), NULL), OTELC_OK);
    tt_flush(&x); /* decided and sent: their slots can be taken */
    for (int i = 0; i < 200 && otelc_test_host_ready_calls(x.h) == 0; i++)
        sleep_ms(5);
    assert_int_equal(otelc_test_host_ready_calls(x.h), 1);
    assert_int_equal(tt_feed(&x, tt_trace(2, 1, NULL), NULL), OTELC_OK);
    tt_stop(&x, true);
}

static void test_downstream_full_refuses(void **state)
{
    (void)state;
    tt_proc x;
    assert_int_equal(tt_start(&x, "decision_wait: 10s\nnum_traces: 1\n" ALL, NULL), 0);
    otelc_test_host_answer(x.h, OTELC_RETRY);
    assert_int_equal(tt_feed(&x, tt_trace(0, 1, NULL), NULL), OTELC_OK);
    /* Trace 1 pushes trace 0 out: decided early, refused downstream. */
    assert_int_equal(tt_feed(&x, tt_trace(1, 1, NULL), NULL), OTELC_OK);
    assert_int_equal(otelc_test_emitted_wait(x.h, 1, 2000), 1);
    /* Sampled traces that cannot leave are bounded too: RETRY. */
    assert_int_equal(tt_feed(&x, tt_trace(2, 1, NULL), NULL), OTELC_RETRY);
    otelc_test_host_answer(x.h, OTELC_OK);
    x.d->resume(x.state);
    assert_int_equal(otelc_test_emitted_wait(x.h, 2, 2000), 2);
    for (int i = 0; i < 200 && otelc_test_host_ready_calls(x.h) == 0; i++)
        sleep_ms(5);
    assert_int_equal(otelc_test_host_ready_calls(x.h), 1);
    assert_int_equal(tt_feed(&x, tt_trace(2, 1, NULL), NULL), OTELC_OK);
    tt_stop(&x, true);
}

static void test_drop_pending_on_shutdown(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    const char *yaml = "decision_wait: 10s\ndrop_pending_traces_on_shutdown: true\n"
                       "storage: file_storage\n" ALL;
    assert_int_equal(tt_start(&x, yaml, st), 0);
    assert_int_equal(tt_feed(&x, tt_trace(0, 2, NULL), NULL), OTELC_OK);
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 1);
    tt_stop(&x, true); /* flush drops it, on disk too */
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 0);
    otelc_test_storage_free(st);
    /* Without storage: dropped, not decided and sent. */
    assert_int_equal(tt_start(&x, "decision_wait: 10s\ndrop_pending_traces_on_shutdown: true\n"
                                  ALL, NULL), 0);
    assert_int_equal(tt_feed(&x, tt_trace(0, 2, NULL), NULL), OTELC_OK);
    tt_flush(&x);
    assert_int_equal(otelc_test_emitted_count(x.h), 0);
    tt_stop(&x, true);
}

/* Without `storage`, the storage every exporter downstream queues in
 * keeps the undecided traces: answered at the commit, kept for the next
 * start. */
static void test_exporters_storage(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    tt_proc x;
    otelc_ticket *t;
    assert_int_equal(tt_start_downstream(&x, "decision_wait: 10s\n" ALL, st, "file_storage"), 0);
    assert_int_equal(otelc_test_logged(x.h, "undecided traces are kept on disk in file_storage"),
                     1);
    otelc_test_storage_hold(st, true);
    assert_int_equal(tt_feed(&x, tt_trace(0, 3, NULL), &t), OTELC_PENDING);
    assert_false(otelc_test_ticket_done(t)); /* not on disk yet */
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 1);
    assert_int_equal(otelc_test_storage_release(st), 1);
    assert_true(otelc_test_ticket_wait(t, 1000));
    assert_int_equal(otelc_test_ticket_status(t), OTELC_OK);
    otelc_test_storage_hold(st, false);
    tt_stop(&x, true);
    assert_int_equal(otelc_test_storage_count(st, OWNER, TABLE), 1); /* for the next start */
    otelc_test_storage_free(st);
}

/* The host answers NULL (an exporter queues in memory), or `storage:
 * none` opts out: in memory, answered at once, nothing stored. */
static void test_exporters_in_memory(void **state)
{
    (void)state;
    otelc_test_storage *st = otelc_test_storage_new();
    struct {
        const char *yaml, *answer;
    } cases[] = {{"decision_wait: 10s\n" ALL, NULL},
                 {"decision_wait: 10s\nstorage: none\n" ALL, "file_storage"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tt_proc x;
        assert_int_equal(tt_start_downstream(&x, cases[i].yaml, st, cases[i].answer), 0);
        assert_int_equal(otelc_test_logged(x.h, "kept on disk"), 0);
        assert_int_equal(tt_feed(&x, tt_trace(0, 3, NULL), NULL), OTELC_OK);
        assert_int_equal(otelc_test_emitted_count(x.h), 0); /* waiting, in memory */
        tt_stop(&x, true);
        assert_int_equal(otelc_test_storage_commits(st), 0);
    }
    otelc_test_storage_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_storage_answers_at_once),
        cmocka_unit_test(test_answered_at_commit),
        cmocka_unit_test(test_deleted_once_taken),
        cmocka_unit_test(test_retry_keeps),
        cmocka_unit_test(test_restart_resumes),
        cmocka_unit_test(test_restart_keeps_arrival),
        cmocka_unit_test(test_overflow_decides_early),
        cmocka_unit_test(test_late_spans),
        cmocka_unit_test(test_block_on_overflow),
        cmocka_unit_test(test_downstream_full_refuses),
        cmocka_unit_test(test_drop_pending_on_shutdown),
        cmocka_unit_test(test_exporters_storage),
        cmocka_unit_test(test_exporters_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
