/*
 * The batch processor against a fake host: merge and split boundaries with
 * exact span counts, tickets completed only when the merged batch is
 * taken, timeout and shutdown sends, RETRY kept and re-sent, the unsent
 * bound, metadata batchers and the collector's metrics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <otelc/sdk/otlp_walk.h>

#include "batch_config.h"
#include "otlp_fixture.h"
#include "test_batch_fake_host.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

static const char *const SIZE_SENDS = "otelcol_processor_batch_batch_size_trigger_send_total";
static const char *const TIMEOUT_SENDS = "otelcol_processor_batch_timeout_trigger_send_total";
static const char *const SEND_SIZE = "otelcol_processor_batch_batch_send_size";

/* A processor under test and its config. */
typedef struct proc {
    const otelc_plugin *d;
    bp_cfg cfg;
    void *state;
    bool started;
} proc;

static void cfg_defaults(bp_cfg *c)
{
    *c = (bp_cfg){.send_batch_size = 8192,
                  .timeout_ns = 200000000,
                  .metadata_cardinality_limit = 1000};
}

static void proc_open(proc *p, bool start)
{
    p->d = otelc_plugin_entry_v1();
    assert_int_equal(p->d->create(fh_ctx, &fh_api, &p->cfg, &p->state), 0);
    if (start)
        assert_int_equal(p->d->start(p->state), 0);
    p->started = start;
}

static void proc_close(proc *p)
{
    p->d->shutdown(p->state, fh_deadline(1000));
    p->d->destroy(p->state);
}

/* A request of n spans whose names are "span-<base+i>", with metadata. */
static otelc_batch *req_meta(unsigned base, size_t n, const otelc_batch_meta *meta)
{
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(NULL, 1);
    fx_ss *ss = fx_ss_new(NULL, n);
    r->resource_spans[0]->scope_spans[0] = ss;
    for (size_t i = 0; i < n; i++)
        ss->spans[i] = fx_span_new(base + (unsigned)i);
    size_t len;
    uint8_t *pb = fx_pack(r, &len);
    return fh_api.batch_copy(pb, len, (uint32_t)n, meta);
}

static otelc_batch *req(unsigned base, size_t n)
{
    return req_meta(base, n, NULL);
}

/* Consumes b (then drops the test's reference); returns the outcome. */
static otelc_status feed(proc *p, otelc_batch *b, otelc_ticket *t)
{
    otelc_status st = p->d->consume(p->state, b, t);
    otelc_batch_unref(b);
    return st;
}

/* The span names of emitted batch i must be span-<first> .. in order. */
static void assert_spans(size_t i, unsigned first, size_t n)
{
    otelc_batch *b = fh_emitted_at(i);
    assert_non_null(b);
    assert_int_equal(otelc_batch_spans(b), n);
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t seen = 0;
    otlp_walk_init(&w, otelc_batch_flat(b), otelc_batch_len(b));
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &s) > 0)
            while (otlp_walk_span(&w, &sp) > 0) {
                char want[32];
                int k = snprintf(want, sizeof(want), "span-%u", first + (unsigned)seen++);
                assert_int_equal(sp.name.len, k);
                assert_memory_equal(sp.name.ptr, want, (size_t)k);
            }
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
    assert_int_equal(seen, n);
}

static int teardown(void **state)
{
    fx_free_all();
    return fh_teardown();
}

static void test_merges_until_size(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 10;
    p.cfg.timeout_ns = 10000000000; /* out of the way */
    proc_open(&p, true);
    otelc_ticket *t[4];
    for (int i = 0; i < 3; i++) {
        t[i] = fh_ticket(i);
        assert_int_equal(feed(&p, req(100 + 3 * (unsigned)i, 3), t[i]), OTELC_PENDING);
    }
    assert_int_equal(fh_emitted(), 0); /* 9 spans: below the trigger */
    assert_false(fh_done(t[0]));
    t[3] = fh_ticket(3);
    assert_int_equal(feed(&p, req(109, 3), t[3]), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 1);
    assert_spans(0, 100, 12); /* one merged request: every span, in order */
    for (int i = 0; i < 4; i++) {
        assert_true(fh_done(t[i]));
        assert_int_equal(t[i]->status, OTELC_OK);
    }
    assert_int_equal(fh_metric(SIZE_SENDS), 1);
    assert_int_equal(fh_observations(SEND_SIZE), 1);
    assert_int_equal(fh_observed_sum(SEND_SIZE), 12);
    proc_close(&p);
}

static void test_splits_at_max_size(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 10;
    p.cfg.send_batch_max_size = 10;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 25), t), OTELC_PENDING);
    /* 25 spans: two full batches go, 5 stay below the trigger. */
    assert_int_equal(fh_emitted(), 2);
    assert_spans(0, 0, 10);
    assert_spans(1, 10, 10);
    assert_false(fh_done(t)); /* 5 of its spans are still held */
    assert_int_equal(p.d->flush(p.state, fh_deadline(1000)), 0);
    assert_int_equal(fh_emitted(), 3);
    assert_spans(2, 20, 5);
    assert_true(fh_done(t));
    assert_int_equal(t->status, OTELC_OK);
    assert_int_equal(fh_metric(SIZE_SENDS), 2);
    assert_int_equal(fh_metric(TIMEOUT_SENDS), 0);
    proc_close(&p);
}

static void test_split_across_requests(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.send_batch_max_size = 5;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    otelc_ticket *t[3] = {fh_ticket(0), fh_ticket(1), fh_ticket(2)};
    assert_int_equal(feed(&p, req(0, 3), t[0]), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 0);
    /* 6 spans: 5 go (3 of the first request, 2 of the second), 1 stays. */
    assert_int_equal(feed(&p, req(3, 3), t[1]), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 1);
    assert_spans(0, 0, 5);
    assert_true(fh_done(t[0]));
    assert_false(fh_done(t[1]));
    /* 1 + 3 = 4 spans reach the trigger: they go as one batch. */
    assert_int_equal(feed(&p, req(6, 3), t[2]), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 2);
    assert_spans(1, 5, 4);
    assert_true(fh_done(t[1]));
    assert_true(fh_done(t[2]));
    assert_int_equal(fh_emitted_spans(), 9);
    proc_close(&p);
}

static void test_timeout_sends(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 100;
    p.cfg.timeout_ns = 30000000; /* 30ms */
    proc_open(&p, true);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 5), t), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 0);
    assert_int_equal(fh_wait_emitted(1, 2000), 1);
    assert_spans(0, 0, 5);
    /* The timer thread completes the ticket just after its emit returns. */
    assert_true(fh_wait_done(t, 2000));
    assert_int_equal(fh_metric(TIMEOUT_SENDS), 1);
    assert_int_equal(fh_metric(SIZE_SENDS), 0);
    proc_close(&p);
}

static void test_zero_timeout_sends_at_once(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 100;
    p.cfg.send_batch_max_size = 100;
    p.cfg.timeout_ns = 0;
    proc_open(&p, true);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 150), t), OTELC_PENDING);
    /* send_batch_size is ignored; only the max splits. */
    assert_int_equal(fh_emitted(), 2);
    assert_spans(0, 0, 100);
    assert_spans(1, 100, 50);
    assert_true(fh_done(t));
    proc_close(&p);
}

static void test_shutdown_sends_what_is_held(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 7), t), OTELC_PENDING);
    assert_int_equal(p.d->shutdown(p.state, fh_deadline(1000)), 0);
    assert_int_equal(fh_emitted(), 1);
    assert_spans(0, 0, 7);
    assert_true(fh_done(t));
    /* Stopped: new data is refused, and shutdown is idempotent. */
    otelc_ticket *late = fh_ticket(2);
    assert_int_equal(feed(&p, req(7, 1), late), OTELC_RETRY);
    assert_int_equal(p.d->shutdown(p.state, fh_deadline(10)), 0);
    p.d->destroy(p.state);
}

static void test_retry_keeps_and_resends(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    fh_set_mode(OTELC_RETRY);
    otelc_ticket *t[2] = {fh_ticket(0), fh_ticket(1)};
    assert_int_equal(feed(&p, req(0, 4), t[0]), OTELC_PENDING);
    assert_int_equal(feed(&p, req(4, 4), t[1]), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 0); /* both refused, both kept */
    assert_false(fh_done(t[0]));
    fh_set_mode(OTELC_OK);
    p.d->resume(p.state);
    assert_int_equal(fh_emitted(), 2);
    assert_spans(0, 0, 4); /* in order, nothing lost */
    assert_spans(1, 4, 4);
    assert_true(fh_done(t[0]) && fh_done(t[1]));
    assert_int_equal(t[0]->status, OTELC_OK);
    proc_close(&p);
}

static void test_retry_is_offered_again_by_the_timer(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.timeout_ns = 20000000; /* retry interval 20ms */
    proc_open(&p, true);
    fh_set_mode(OTELC_RETRY);
    otelc_ticket *t = fh_ticket(0);
    assert_int_equal(feed(&p, req(0, 2), t), OTELC_PENDING);
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    fh_set_mode(OTELC_OK); /* no resume(): the timer must find it */
    assert_int_equal(fh_wait_emitted(1, 2000), 1);
    assert_spans(0, 0, 2);
    proc_close(&p);
}

static void test_unsent_bound_answers_retry(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.timeout_ns = 10000000000;
    p.cfg.max_unsent_spans = 4;
    proc_open(&p, true);
    fh_set_mode(OTELC_RETRY);
    assert_int_equal(feed(&p, req(0, 2), fh_ticket(0)), OTELC_PENDING);
    assert_int_equal(feed(&p, req(2, 2), fh_ticket(1)), OTELC_PENDING);
    /* 4 refused spans wait: the next consume is told to come back. */
    assert_int_equal(feed(&p, req(4, 2), fh_ticket(2)), OTELC_RETRY);
    int ready = fh_consume_ready_calls();
    fh_set_mode(OTELC_OK);
    p.d->resume(p.state);
    assert_int_equal(fh_emitted_spans(), 4);
    /* Drained below the bound: whoever was refused is told to come back. */
    assert_int_equal(fh_consume_ready_calls(), ready + 1);
    assert_int_equal(feed(&p, req(4, 2), fh_ticket(3)), OTELC_PENDING);
    assert_int_equal(fh_emitted_spans(), 6);
    proc_close(&p);
}

static void test_tickets_wait_for_downstream(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 3;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    fh_set_mode(OTELC_PENDING);
    otelc_ticket *t = fh_ticket(0);
    assert_int_equal(feed(&p, req(0, 3), t), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 1);
    assert_false(fh_done(t)); /* the next stage has not taken it yet */
    /* A late RETRY keeps the batch; resume sends it again. */
    assert_int_equal(fh_finish_pending(OTELC_RETRY), 1);
    assert_false(fh_done(t));
    fh_set_mode(OTELC_OK);
    p.d->resume(p.state);
    assert_int_equal(fh_emitted(), 2);
    assert_spans(1, 0, 3);
    assert_true(fh_done(t));
    assert_int_equal(t->status, OTELC_OK);
    proc_close(&p);
}

static void test_reject_reaches_the_ticket(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    fh_set_mode(OTELC_REJECT);
    otelc_ticket *t = fh_ticket(0);
    assert_int_equal(feed(&p, req(0, 2), t), OTELC_PENDING);
    assert_true(fh_done(t));
    assert_int_equal(t->status, OTELC_REJECT);
    assert_int_equal(fh_logged("refused"), 1);
    proc_close(&p);
}

static void test_shutdown_refuses_what_it_cannot_deliver(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.timeout_ns = 10000000000;
    proc_open(&p, true);
    fh_set_mode(OTELC_RETRY);
    otelc_ticket *t[2] = {fh_ticket(0), fh_ticket(1)};
    assert_int_equal(feed(&p, req(0, 2), t[0]), OTELC_PENDING); /* cut, refused */
    assert_int_equal(feed(&p, req(2, 1), t[1]), OTELC_PENDING); /* held */
    assert_int_equal(p.d->shutdown(p.state, fh_deadline(50)), -1);
    assert_true(fh_done(t[0]) && fh_done(t[1]));
    assert_int_equal(t[0]->status, OTELC_RETRY); /* the client sends it again */
    assert_int_equal(t[1]->status, OTELC_RETRY);
    p.d->destroy(p.state);
}

static otelc_batch_meta tenant(const char *v, otelc_kv *kv)
{
    kv[0] = (otelc_kv){"x-tenant", v};
    return (otelc_batch_meta){.struct_size = sizeof(otelc_batch_meta), .pairs = kv, .npairs = 1};
}

static void test_metadata_batchers(void **state)
{
    proc p = {0};
    const char *keys[] = {"X-Tenant"};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.timeout_ns = 10000000000;
    p.cfg.metadata_keys = (otelc_strlist){1, keys};
    p.cfg.metadata_cardinality_limit = 2;
    proc_open(&p, true);
    otelc_kv kv[1];
    otelc_batch_meta a = tenant("a", kv);
    assert_int_equal(feed(&p, req_meta(0, 2, &a), fh_ticket(0)), OTELC_PENDING);
    otelc_batch_meta b = tenant("b", kv);
    assert_int_equal(feed(&p, req_meta(100, 3, &b), fh_ticket(1)), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 0); /* 2 + 3 spans, but in different batchers */
    a = tenant("a", kv);
    assert_int_equal(feed(&p, req_meta(2, 2, &a), fh_ticket(2)), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 1);
    assert_spans(0, 0, 4);
    assert_string_equal(otelc_batch_meta_of(fh_emitted_at(0))->pairs[0].value, "a");
    assert_int_equal(fh_metric("otelcol_processor_batch_metadata_cardinality"), 2);
    otelc_batch_meta c = tenant("c", kv);
    assert_int_equal(feed(&p, req_meta(200, 1, &c), fh_ticket(3)), OTELC_REJECT);
    assert_int_equal(p.d->flush(p.state, fh_deadline(1000)), 0);
    assert_int_equal(fh_emitted(), 2);
    assert_spans(1, 100, 3);
    proc_close(&p);
}

static void test_config_checks(void **state)
{
    bp_cfg c;
    char why[160];
    cfg_defaults(&c);
    assert_int_equal(bp_config_check(&c, why, sizeof(why)), 0);
    assert_int_equal(bp_config_unsent_bound(&c), 4 * 8192);
    c.send_batch_max_size = 100;
    assert_int_equal(bp_config_check(&c, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "send_batch_max_size"));
    c.send_batch_max_size = 0;
    c.timeout_ns = -1;
    assert_int_equal(bp_config_check(&c, why, sizeof(why)), -1);
    /* create refuses it too, through config_error */
    const otelc_plugin *d = otelc_plugin_entry_v1();
    void *st;
    c.timeout_ns = 0;
    c.send_batch_size = 10;
    c.send_batch_max_size = 5;
    assert_int_equal(d->create(fh_ctx, &fh_api, &c, &st), -1);
    assert_int_equal(fh_logged("send_batch_max_size must be greater"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_merges_until_size, teardown),
        cmocka_unit_test_teardown(test_splits_at_max_size, teardown),
        cmocka_unit_test_teardown(test_split_across_requests, teardown),
        cmocka_unit_test_teardown(test_timeout_sends, teardown),
        cmocka_unit_test_teardown(test_zero_timeout_sends_at_once, teardown),
        cmocka_unit_test_teardown(test_shutdown_sends_what_is_held, teardown),
        cmocka_unit_test_teardown(test_retry_keeps_and_resends, teardown),
        cmocka_unit_test_teardown(test_retry_is_offered_again_by_the_timer, teardown),
        cmocka_unit_test_teardown(test_unsent_bound_answers_retry, teardown),
        cmocka_unit_test_teardown(test_tickets_wait_for_downstream, teardown),
        cmocka_unit_test_teardown(test_reject_reaches_the_ticket, teardown),
        cmocka_unit_test_teardown(test_shutdown_refuses_what_it_cannot_deliver, teardown),
        cmocka_unit_test_teardown(test_metadata_batchers, teardown),
        cmocka_unit_test_teardown(test_config_checks, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
