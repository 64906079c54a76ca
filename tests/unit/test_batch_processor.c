/*
 * The batch processor against a fake host: it asks the exporter queues to
 * batch with its keys, passes every request on at once with downstream's
 * outcome, splits requests above send_batch_max_size into pieces whose
 * outcomes join, refuses past metadata_cardinality_limit and counts the
 * collector's metrics from the queues' reports.
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
} proc;

static void cfg_defaults(bp_cfg *c)
{
    *c = (bp_cfg){.send_batch_size = 8192,
                  .timeout_ns = 200000000,
                  .metadata_cardinality_limit = 1000};
}

static void proc_open(proc *p)
{
    p->d = otelc_plugin_entry_v1();
    assert_int_equal(p->d->create(fh_ctx, &fh_api, &p->cfg, &p->state), 0);
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

static void test_asks_the_exporters_to_batch(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_max_size = 10000;
    proc_open(&p);
    otelc_batching b;
    assert_int_equal(fh_batching(&b), 1);
    assert_int_equal(b.struct_size, sizeof(otelc_batching));
    assert_int_equal(b.min_items, 8192);
    assert_int_equal(b.max_items, 10000);
    assert_int_equal(b.flush_timeout_ns, 200000000);
    assert_int_equal(b.metadata_keys.n, 0);
    assert_non_null(b.on_send);
    proc_close(&p);
}

static void test_passes_requests_on_at_once(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    proc_open(&p);
    otelc_ticket *t = fh_ticket(1);
    otelc_batch *b = req(0, 3);
    otelc_batch_ref(b);
    assert_int_equal(feed(&p, b, t), OTELC_OK);
    assert_int_equal(fh_emitted(), 1);
    assert_ptr_equal(fh_emitted_at(0), b); /* the very request, unchanged */
    otelc_batch_unref(b);
    assert_false(fh_done(t)); /* a sync outcome is the return value */
    assert_int_equal(fh_observations(SEND_SIZE), 0); /* the queues report sends */
    proc_close(&p);
}

static void test_answers_as_downstream_does(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    proc_open(&p);
    fh_set_mode(OTELC_PENDING);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 3), t), OTELC_PENDING);
    assert_false(fh_done(t));
    assert_int_equal(fh_finish_pending(OTELC_OK), 1); /* the durable commit */
    assert_true(fh_done(t));
    assert_int_equal(t->status, OTELC_OK);
    fh_set_mode(OTELC_RETRY);
    assert_int_equal(feed(&p, req(3, 3), fh_ticket(2)), OTELC_RETRY);
    fh_set_mode(OTELC_REJECT);
    assert_int_equal(feed(&p, req(6, 3), fh_ticket(3)), OTELC_REJECT);
    assert_int_equal(fh_emitted(), 1);
    proc_close(&p);
}

static void test_zero_timeout_sends_each_request(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.timeout_ns = 0;
    proc_open(&p);
    assert_int_equal(fh_batching(NULL), 0); /* nothing batches: the collector's timeout 0 */
    assert_int_equal(feed(&p, req(0, 7), fh_ticket(1)), OTELC_OK);
    assert_int_equal(feed(&p, req(7, 5), fh_ticket(2)), OTELC_OK);
    assert_int_equal(fh_emitted(), 2);
    assert_int_equal(fh_observations(SEND_SIZE), 2);
    assert_int_equal(fh_observed_sum(SEND_SIZE), 12);
    assert_int_equal(fh_metric(SIZE_SENDS), 2);
    proc_close(&p);
}

static void test_splits_above_max_size(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 10;
    p.cfg.send_batch_max_size = 10;
    proc_open(&p);
    assert_int_equal(feed(&p, req(0, 25), fh_ticket(1)), OTELC_OK);
    assert_int_equal(fh_emitted(), 3);
    assert_spans(0, 0, 10);
    assert_spans(1, 10, 10);
    assert_spans(2, 20, 5);
    assert_int_equal(feed(&p, req(25, 10), fh_ticket(2)), OTELC_OK); /* at the max: whole */
    assert_int_equal(fh_emitted(), 4);
    assert_spans(3, 25, 10);
    proc_close(&p);
}

static void test_split_outcomes_join(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.send_batch_max_size = 4;
    proc_open(&p);
    fh_set_mode(OTELC_PENDING);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 10), t), OTELC_PENDING);
    assert_int_equal(fh_emitted(), 3);
    assert_false(fh_done(t));
    assert_int_equal(fh_finish_pending(OTELC_RETRY), 3);
    assert_true(fh_done(t)); /* once, when the last piece answered */
    assert_int_equal(t->status, OTELC_RETRY);
    proc_close(&p);
}

static void test_split_stops_at_a_refusal(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.send_batch_max_size = 4;
    proc_open(&p);
    fh_set_mode_from(1, OTELC_RETRY);
    otelc_ticket *t = fh_ticket(1);
    assert_int_equal(feed(&p, req(0, 12), t), OTELC_RETRY);
    assert_int_equal(fh_emitted(), 1); /* the third piece was never offered */
    assert_false(fh_done(t));
    proc_close(&p);
}

static void test_counts_what_the_queues_send(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    proc_open(&p);
    otelc_batching b;
    assert_int_equal(fh_batching(&b), 1);
    b.on_send(b.arg, 8192, OTELC_SEND_SIZE);
    b.on_send(b.arg, 100, OTELC_SEND_TIMEOUT);
    b.on_send(b.arg, 7, OTELC_SEND_FLUSH);
    assert_int_equal(fh_metric(SIZE_SENDS), 1);
    assert_int_equal(fh_metric(TIMEOUT_SENDS), 1);
    assert_int_equal(fh_observations(SEND_SIZE), 3);
    assert_int_equal(fh_observed_sum(SEND_SIZE), 8299);
    proc_close(&p);
}

static otelc_batch_meta tenant(const char *v, otelc_kv *kv)
{
    kv[0] = (otelc_kv){"x-tenant", v};
    return (otelc_batch_meta){.struct_size = sizeof(otelc_batch_meta), .pairs = kv, .npairs = 1};
}

static void test_metadata_partitions_and_limit(void **state)
{
    proc p = {0};
    const char *keys[] = {"X-Tenant"};
    cfg_defaults(&p.cfg);
    p.cfg.metadata_keys = (otelc_strlist){1, keys};
    p.cfg.metadata_cardinality_limit = 2;
    proc_open(&p);
    otelc_batching b;
    assert_int_equal(fh_batching(&b), 1);
    assert_int_equal(b.metadata_keys.n, 1);
    assert_string_equal(b.metadata_keys.items[0], "X-Tenant");
    otelc_kv kv[1];
    const char *tenants[] = {"a", "b", "a", "b"};
    for (unsigned i = 0; i < 4; i++) {
        otelc_batch_meta m = tenant(tenants[i], kv);
        assert_int_equal(feed(&p, req_meta(i * 2, 2, &m), fh_ticket((int)i)), OTELC_OK);
    }
    assert_int_equal(fh_metric("otelcol_processor_batch_metadata_cardinality"), 2);
    otelc_batch_meta c = tenant("c", kv);
    assert_int_equal(feed(&p, req_meta(100, 1, &c), fh_ticket(9)), OTELC_REJECT);
    assert_int_equal(fh_logged("metadata_cardinality_limit"), 1);
    assert_int_equal(feed(&p, req(200, 1), fh_ticket(10)), OTELC_REJECT); /* unset is a value too */
    assert_int_equal(fh_emitted(), 4);
    proc_close(&p);
}

static void test_config_checks(void **state)
{
    bp_cfg c;
    char why[160];
    cfg_defaults(&c);
    assert_int_equal(bp_config_check(&c, why, sizeof(why)), 0);
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
        cmocka_unit_test_teardown(test_asks_the_exporters_to_batch, teardown),
        cmocka_unit_test_teardown(test_passes_requests_on_at_once, teardown),
        cmocka_unit_test_teardown(test_answers_as_downstream_does, teardown),
        cmocka_unit_test_teardown(test_zero_timeout_sends_each_request, teardown),
        cmocka_unit_test_teardown(test_splits_above_max_size, teardown),
        cmocka_unit_test_teardown(test_split_outcomes_join, teardown),
        cmocka_unit_test_teardown(test_split_stops_at_a_refusal, teardown),
        cmocka_unit_test_teardown(test_counts_what_the_queues_send, teardown),
        cmocka_unit_test_teardown(test_metadata_partitions_and_limit, teardown),
        cmocka_unit_test_teardown(test_config_checks, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
