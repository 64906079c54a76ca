/*
 * The batch processor in the SDK's test kit: it asks the exporter queues to
 * batch with its keys, passes every request on at once with downstream's
 * outcome, splits requests above send_batch_max_size into pieces whose
 * outcomes join (metrics by data points, inside a metric where needed;
 * logs by log records), refuses past metadata_cardinality_limit and counts
 * the collector's metrics from the queues' reports.
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

#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/otlp_walk.h>
#include <otelc/sdk/otlp_walk_signals.h>

#include "batch_config.h"
#include "kit_host.h"
#include "otlp_fixture.h"
#include "signal_fixture.h"

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
    assert_int_equal(p->d->create(otelc_test_host_ctx(h), otelc_test_host_api(h), &p->cfg, &p->state), 0);
}

static void proc_close(proc *p)
{
    p->d->shutdown(p->state, ks_deadline(1000));
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
    return otelc_test_host_api(h)->batch_copy(pb, len, (uint32_t)n, meta);
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
    otelc_batch *b = otelc_test_emitted(h, i);
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
    return ks_done();
}

static void test_asks_the_exporters_to_batch(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_max_size = 10000;
    proc_open(&p);
    otelc_batching b;
    assert_int_equal(otelc_test_host_batching(h, &b), 1);
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
    otelc_ticket *t = otelc_test_ticket_new(h);
    otelc_batch *b = req(0, 3);
    otelc_batch_ref(b);
    assert_int_equal(feed(&p, b, t), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(h), 1);
    assert_ptr_equal(otelc_test_emitted(h, 0), b); /* the very request, unchanged */
    otelc_batch_unref(b);
    assert_false(otelc_test_ticket_done(t)); /* a sync outcome is the return value */
    assert_int_equal(otelc_test_metric_observations(h, SEND_SIZE, NULL), 0); /* the queues report sends */
    proc_close(&p);
}

static void test_answers_as_downstream_does(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    proc_open(&p);
    otelc_test_host_answer(h, OTELC_PENDING);
    otelc_ticket *t = otelc_test_ticket_new(h);
    assert_int_equal(feed(&p, req(0, 3), t), OTELC_PENDING);
    assert_false(otelc_test_ticket_done(t));
    assert_int_equal(otelc_test_host_complete_all(h, OTELC_OK), 1); /* the durable commit */
    assert_true(otelc_test_ticket_done(t));
    assert_int_equal(otelc_test_ticket_status(t), OTELC_OK);
    otelc_test_host_answer(h, OTELC_RETRY);
    assert_int_equal(feed(&p, req(3, 3), otelc_test_ticket_new(h)), OTELC_RETRY);
    otelc_test_host_answer(h, OTELC_REJECT);
    assert_int_equal(feed(&p, req(6, 3), otelc_test_ticket_new(h)), OTELC_REJECT);
    /* Each offered once, refused ones included: the kit keeps every emit. */
    assert_int_equal(otelc_test_emitted_count(h), 3);
    assert_int_equal(otelc_test_emitted_answer(h, 1), OTELC_RETRY);
    proc_close(&p);
}

static void test_zero_timeout_sends_each_request(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.timeout_ns = 0;
    proc_open(&p);
    assert_int_equal(otelc_test_host_batching(h, NULL), 0); /* nothing batches: the collector's timeout 0 */
    assert_int_equal(feed(&p, req(0, 7), otelc_test_ticket_new(h)), OTELC_OK);
    assert_int_equal(feed(&p, req(7, 5), otelc_test_ticket_new(h)), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(h), 2);
    assert_int_equal(otelc_test_metric_observations(h, SEND_SIZE, NULL), 2);
    assert_int_equal(otelc_test_metric_sum(h, SEND_SIZE, NULL), 12);
    assert_int_equal(otelc_test_metric(h, SIZE_SENDS, NULL), 2);
    proc_close(&p);
}

static void test_splits_above_max_size(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 10;
    p.cfg.send_batch_max_size = 10;
    proc_open(&p);
    assert_int_equal(feed(&p, req(0, 25), otelc_test_ticket_new(h)), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(h), 3);
    assert_spans(0, 0, 10);
    assert_spans(1, 10, 10);
    assert_spans(2, 20, 5);
    assert_int_equal(feed(&p, req(25, 10), otelc_test_ticket_new(h)), OTELC_OK); /* at the max: whole */
    assert_int_equal(otelc_test_emitted_count(h), 4);
    assert_spans(3, 25, 10);
    proc_close(&p);
}

/* Every data point of the metrics request at pb, in order, as
 * "<metric>:<its attribute values>", appended to out (one string). */
static void points_text(const uint8_t *pb, size_t len, char *out, size_t cap)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_metric m;
    otlp_walk_init(&w, pb, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &s) > 0)
            while (otlp_walk_metric(&w, &m) > 0) {
                otlp_list_iter it;
                otlp_datapoint dp;
                otlp_list_iter_init(&it, &m.points);
                while (otlp_datapoint_next(&it, m.kind, &dp) > 0) {
                    size_t at = strlen(out);
                    snprintf(out + at, cap - at, "%.*s:%zu;", (int)m.name.len,
                             (const char *)m.name.ptr, dp.attrs.range.len);
                }
            }
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
}

static void test_splits_metrics_by_data_points(void **state)
{
    static const uint32_t sizes[] = {2, 2, 2, 2};
    proc p = {0};
    size_t len;
    char want[1024] = "", got[1024] = "";
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.send_batch_max_size = 2;
    proc_open(&p);
    const uint8_t *pb = fxm_pack(fxm_rich_request(), &len);
    points_text(pb, len, want, sizeof(want));
    otelc_batch *b = otelc_test_batch_signal_new(OTELC_METRICS, pb, len);
    assert_int_equal(otelc_batch_spans(b), FXM_RICH_POINTS);
    assert_int_equal(feed(&p, b, otelc_test_ticket_new(h)), OTELC_OK);
    /* sum | cpu, latency's first | latency's second, sizes | rpc, queue.depth */
    assert_int_equal(otelc_test_emitted_count(h), 4);
    for (size_t i = 0; i < 4; i++) {
        size_t n, items;
        const uint8_t *piece = otelc_test_emitted_bytes(h, i, &n);
        assert_int_equal(otelc_test_emitted_spans(h, i), sizes[i]);
        assert_int_equal(otlp_validate_signal(OTELC_METRICS, piece, n, &items, NULL), OTLP_OK);
        assert_int_equal(items, sizes[i]);
        assert_int_equal(otelc_batch_signal(otelc_test_emitted(h, i)), OTELC_METRICS);
        points_text(piece, n, got, sizeof(got));
    }
    assert_string_equal(got, want); /* every point, in order, once */
    proc_close(&p);
}

static void test_splits_logs_by_records(void **state)
{
    proc p = {0};
    size_t len;
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 2;
    p.cfg.send_batch_max_size = 2;
    proc_open(&p);
    const uint8_t *pb = fxl_pack(fxl_rich_request(), &len);
    otelc_batch *b = otelc_test_batch_signal_new(OTELC_LOGS, pb, len);
    assert_int_equal(feed(&p, b, otelc_test_ticket_new(h)), OTELC_OK);
    assert_int_equal(otelc_test_emitted_count(h), 3);
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        size_t n, items;
        const uint8_t *piece = otelc_test_emitted_bytes(h, i, &n);
        assert_int_equal(otlp_validate_signal(OTELC_LOGS, piece, n, &items, NULL), OTLP_OK);
        assert_int_equal(items, i < 2 ? 2 : 1);
        assert_int_equal(otelc_test_emitted_spans(h, i), items);
        total += items;
    }
    assert_int_equal(total, FXL_RICH_RECORDS);
    proc_close(&p);
}

static void test_split_outcomes_join(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.send_batch_max_size = 4;
    proc_open(&p);
    otelc_test_host_answer(h, OTELC_PENDING);
    otelc_ticket *t = otelc_test_ticket_new(h);
    assert_int_equal(feed(&p, req(0, 10), t), OTELC_PENDING);
    assert_int_equal(otelc_test_emitted_count(h), 3);
    assert_false(otelc_test_ticket_done(t));
    assert_int_equal(otelc_test_host_complete_all(h, OTELC_RETRY), 3);
    assert_true(otelc_test_ticket_done(t)); /* once, when the last piece answered */
    assert_int_equal(otelc_test_ticket_status(t), OTELC_RETRY);
    proc_close(&p);
}

static void test_split_stops_at_a_refusal(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    p.cfg.send_batch_size = 4;
    p.cfg.send_batch_max_size = 4;
    proc_open(&p);
    otelc_test_host_answer(h, OTELC_RETRY);
    otelc_test_host_answer_next(h, OTELC_OK); /* the first piece only */
    otelc_ticket *t = otelc_test_ticket_new(h);
    assert_int_equal(feed(&p, req(0, 12), t), OTELC_RETRY);
    assert_int_equal(otelc_test_emitted_count(h), 2); /* the third piece was never offered */
    assert_int_equal(otelc_test_emitted_answer(h, 1), OTELC_RETRY);
    assert_false(otelc_test_ticket_done(t));
    proc_close(&p);
}

static void test_counts_what_the_queues_send(void **state)
{
    proc p = {0};
    cfg_defaults(&p.cfg);
    proc_open(&p);
    otelc_batching b;
    assert_int_equal(otelc_test_host_batching(h, &b), 1);
    b.on_send(b.arg, 8192, OTELC_SEND_SIZE);
    b.on_send(b.arg, 100, OTELC_SEND_TIMEOUT);
    b.on_send(b.arg, 7, OTELC_SEND_FLUSH);
    assert_int_equal(otelc_test_metric(h, SIZE_SENDS, NULL), 1);
    assert_int_equal(otelc_test_metric(h, TIMEOUT_SENDS, NULL), 1);
    assert_int_equal(otelc_test_metric_observations(h, SEND_SIZE, NULL), 3);
    assert_int_equal(otelc_test_metric_sum(h, SEND_SIZE, NULL), 8299);
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
    assert_int_equal(otelc_test_host_batching(h, &b), 1);
    assert_int_equal(b.metadata_keys.n, 1);
    assert_string_equal(b.metadata_keys.items[0], "X-Tenant");
    otelc_kv kv[1];
    const char *tenants[] = {"a", "b", "a", "b"};
    for (unsigned i = 0; i < 4; i++) {
        otelc_batch_meta m = tenant(tenants[i], kv);
        assert_int_equal(feed(&p, req_meta(i * 2, 2, &m), otelc_test_ticket_new(h)), OTELC_OK);
    }
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_batch_metadata_cardinality", NULL), 2);
    otelc_batch_meta c = tenant("c", kv);
    assert_int_equal(feed(&p, req_meta(100, 1, &c), otelc_test_ticket_new(h)), OTELC_REJECT);
    assert_int_equal(otelc_test_logged(h, "metadata_cardinality_limit"), 1);
    assert_int_equal(feed(&p, req(200, 1), otelc_test_ticket_new(h)), OTELC_REJECT); /* unset is a value too */
    assert_int_equal(otelc_test_emitted_count(h), 4);
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
    assert_int_equal(d->create(otelc_test_host_ctx(h), otelc_test_host_api(h), &c, &st), -1);
    assert_int_equal(otelc_test_logged(h, "send_batch_max_size must be greater"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_asks_the_exporters_to_batch, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_passes_requests_on_at_once, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_as_downstream_does, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_timeout_sends_each_request, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_splits_above_max_size, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_splits_metrics_by_data_points, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_splits_logs_by_records, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_outcomes_join, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_stops_at_a_refusal, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts_what_the_queues_send, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_partitions_and_limit, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_checks, ks_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
