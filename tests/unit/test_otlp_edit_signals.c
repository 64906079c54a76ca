/*
 * test_otlp_edit_signals.c: the SDK's walker and editor on metrics and
 * logs requests. Pass-through gives the input's bytes back; every edit is
 * checked by decoding the output with protobuf-c and comparing it with
 * the fixture request changed the same way through protobuf-c's own
 * structures.
 */
#include "signal_fixture.h"

#include <otelc/sdk/otlp_edit.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int teardown(void **state)
{
    (void)state;
    fx_free_all();
    return 0;
}

static bool eq(pb_bytes b, const char *s)
{
    return b.len == strlen(s) && memcmp(b.ptr, s, b.len) == 0;
}

static bool attr_is(const otlp_list *attrs, const char *key, const char *value)
{
    otlp_anyvalue v;
    return otlp_attr_find(attrs, key, strlen(key), &v) == 1 && v.type == OTLP_ANY_STRING &&
           eq(v.bytes, value);
}

/* Runs the editor over a request of signal s; returns the output
 * (malloc'ed) after checking its item count. */
static uint8_t *edit(otelc_signal s, const uint8_t *in, size_t len, const otlp_edit_fns *fns,
                     void *arg, size_t want_items, size_t *out_len)
{
    otlp_editor *ed = otlp_editor_new();
    uint8_t *out = NULL;
    size_t items = 99;
    assert_non_null(ed);
    assert_int_equal(otlp_edit_run_signal(ed, s, in, len, fns, arg, &items), OTLP_OK);
    assert_int_equal(items, want_items);
    assert_int_equal(otlp_edit_take(ed, &out, out_len), OTLP_OK);
    otlp_editor_free(ed);
    return out;
}

/* The output is want as protobuf-c encodes it: the same content, and
 * fields the editor wrote (attributes inserted) in field order. */
static void assert_logs(const uint8_t *out, size_t len, const fxl_request *want)
{
    size_t want_len;
    const uint8_t *w = fxl_pack(want, &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(out, w, want_len);
}

static void assert_metrics(const uint8_t *out, size_t len, const fxm_request *want)
{
    size_t want_len, got_len;
    const uint8_t *w = fxm_pack(want, &want_len);
    const uint8_t *g = fxm_canonical(out, len, &got_len);
    assert_non_null(g);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(g, w, want_len);
}

/* ---- the walker ---- */

static void walker_reads_log_records(void **state)
{
    size_t len;
    const uint8_t *buf = fxl_pack(fxl_rich_request(), &len);
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_log l[FXL_RICH_RECORDS] = {0};
    size_t n = 0;
    (void)state;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &s) > 0)
            while (n < FXL_RICH_RECORDS && otlp_walk_log(&w, &l[n]) > 0)
                n++;
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
    assert_int_equal(n, FXL_RICH_RECORDS);
    assert_int_equal(l[0].severity_number, 9);
    assert_true(eq(l[0].severity_text, "INFO"));
    assert_true(l[0].has_body && l[0].body.type == OTLP_ANY_STRING);
    assert_true(eq(l[0].body.bytes, "user logged in"));
    assert_true(attr_is(&l[0].attrs, "user.id", "u1"));
    assert_int_equal(l[0].trace_id.len, 16);
    assert_int_equal(l[0].span_id.len, 8);
    assert_int_equal(l[2].body.type, OTLP_ANY_KVLIST);
    assert_int_equal(l[2].trace_id.len, 0);
    assert_true(attr_is(&l[3].attrs, "user.id", "u2"));
}

/* Every point of m has attribute key = value? Counts them into *n. */
static void points_of(const otlp_metric *m, const char *key, size_t *n, bool *all)
{
    otlp_list_iter it;
    otlp_datapoint dp;
    int rc;
    otlp_list_iter_init(&it, &m->points);
    while ((rc = otlp_datapoint_next(&it, m->kind, &dp)) > 0) {
        otlp_anyvalue v;
        ++*n;
        *all &= otlp_attr_find(&dp.attrs, key, strlen(key), &v) == 1;
    }
    assert_int_equal(rc, 0);
}

static void walker_reads_metrics_and_points(void **state)
{
    static const char *const keys[] = {"http.route", "cpu", "http.route", "k", "q", "i"};
    static const enum otlp_metric_kind kinds[] = {
        OTLP_METRIC_SUM, OTLP_METRIC_GAUGE, OTLP_METRIC_HISTOGRAM, OTLP_METRIC_EXP_HISTOGRAM,
        OTLP_METRIC_SUMMARY, OTLP_METRIC_GAUGE};
    size_t len, i = 0, points = 0;
    const uint8_t *buf = fxm_pack(fxm_rich_request(), &len);
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_metric m;
    (void)state;
    otlp_walk_init(&w, buf, len);
    while (otlp_walk_resource(&w, &r) > 0)
        while (otlp_walk_scope(&w, &s) > 0)
            while (otlp_walk_metric(&w, &m) > 0) {
                size_t n = 0, counted = 0;
                bool all = true;
                assert_int_equal(m.kind, kinds[i]);
                points_of(&m, keys[i], &n, &all);
                assert_true(all || i == 5); /* queue.depth's point has no attributes */
                assert_int_equal(otlp_metric_count_points(&m, &counted), OTLP_OK);
                assert_int_equal(counted, n);
                if (i == 0)
                    assert_true(m.temporality == 2 && m.monotonic && eq(m.name, "http.requests"));
                if (i == 4)
                    assert_true(attr_is(&m.metadata, "m.meta", "x"));
                points += n;
                i++;
            }
    assert_int_equal(otlp_walk_error(&w), OTLP_OK);
    assert_int_equal(i, 6);
    assert_int_equal(points, FXM_RICH_POINTS);
}

/* ---- pass-through ---- */

static int noop_log(void *arg, otlp_editor *ed, const otlp_log *l)
{
    (void)arg, (void)ed, (void)l;
    return 0;
}

static int noop_point(void *arg, otlp_editor *ed, const otlp_metric *m, const otlp_datapoint *dp)
{
    (void)arg, (void)ed, (void)m, (void)dp;
    return 0;
}

static void visiting_without_edits_gives_the_input_back(void **state)
{
    static const otlp_edit_fns log_fns = {.log = noop_log};
    static const otlp_edit_fns point_fns = {.datapoint = noop_point};
    static const otlp_edit_fns none = {0};
    size_t len, out_len;
    (void)state;
    const uint8_t *logs = fxl_pack(fxl_rich_request(), &len);
    uint8_t *out = edit(OTELC_LOGS, logs, len, &log_fns, NULL, FXL_RICH_RECORDS, &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, logs, len);
    free(out);
    const uint8_t *metrics = fxm_pack(fxm_rich_request(), &len);
    out = edit(OTELC_METRICS, metrics, len, &point_fns, NULL, FXM_RICH_POINTS, &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, metrics, len);
    free(out);
    out = edit(OTELC_METRICS, metrics, len, &none, NULL, FXM_RICH_POINTS, &out_len);
    assert_memory_equal(out, metrics, len);
    free(out);
}

/* ---- logs ---- */

static int drop_errors_tag_the_rest(void *arg, otlp_editor *ed, const otlp_log *l)
{
    otlp_anyvalue env = otlp_any_string("prod");
    (void)arg;
    if (l->severity_number >= 17)
        return otlp_edit_drop(ed, OTLP_EDIT_LOG) < 0 ? -1 : 0;
    if (otlp_edit_attr_delete(ed, OTLP_EDIT_LOG, "user.id", 7) < 0)
        return -1;
    return otlp_edit_attr_put(ed, OTLP_EDIT_LOG, "env", 3, &env, OTLP_ATTR_UPSERT) < 0 ? -1 : 0;
}

/* Removes attribute `key` from a record of the fixture. */
static void fx_record_delete(fxl_record *r, const char *key)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_attributes; i++)
        if (strcmp(r->attributes[i]->key, key) != 0)
            r->attributes[k++] = r->attributes[i];
    r->n_attributes = k;
}

/* The rich request with flags on record 2, which has no attributes:
 * an attribute put there goes between its body (5) and flags (8). */
static fxl_request *logs_with_flags(void)
{
    fxl_request *r = fxl_rich_request();
    r->resource_logs[0]->scope_logs[0]->log_records[2]->flags = 1;
    return r;
}

static void log_records_are_dropped_and_their_attributes_edited(void **state)
{
    static const otlp_edit_fns fns = {.log = drop_errors_tag_the_rest};
    size_t len, out_len;
    (void)state;
    const uint8_t *in = fxl_pack(logs_with_flags(), &len);
    uint8_t *out = edit(OTELC_LOGS, in, len, &fns, NULL, 4, &out_len);
    fxl_request *want = logs_with_flags();
    fxl_sl *sa = want->resource_logs[0]->scope_logs[0];
    sa->log_records[1] = sa->log_records[2];
    sa->n_log_records = 2;
    for (size_t i = 0; i < 2; i++) {
        fxl_record *r = i == 0 ? sa->log_records[0] : sa->log_records[1];
        fxl_record *q = want->resource_logs[1]->scope_logs[0]->log_records[i];
        fx_record_delete(r, "user.id");
        fx_record_delete(q, "user.id");
        fxl_attr_add(r, fx_kv_new("env", fx_str("prod")));
        fxl_attr_add(q, fx_kv_new("env", fx_str("prod")));
    }
    assert_logs(out, out_len, want);
    free(out);
}

static int drop_cart(void *arg, otlp_editor *ed, const otlp_log *l)
{
    const otlp_resource *r = arg;
    (void)l;
    if (!eq(r->service_name, "cart"))
        return 0;
    return otlp_edit_drop(ed, OTLP_EDIT_LOG) < 0 ? -1 : 0;
}

static int note_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    (void)ed;
    *(otlp_resource *)arg = *r;
    return 0;
}

static void a_resource_left_without_records_is_removed(void **state)
{
    static const otlp_edit_fns fns = {.resource = note_resource, .log = drop_cart};
    otlp_resource r;
    size_t len, out_len;
    (void)state;
    const uint8_t *in = fxl_pack(fxl_rich_request(), &len);
    uint8_t *out = edit(OTELC_LOGS, in, len, &fns, &r, 3, &out_len);
    fxl_request *want = fxl_rich_request();
    want->n_resource_logs = 1;
    assert_logs(out, out_len, want);
    free(out);
}

/* ---- metrics ---- */

static int tag_points(void *arg, otlp_editor *ed, const otlp_metric *m, const otlp_datapoint *dp)
{
    otlp_anyvalue env = otlp_any_string("prod");
    (void)arg, (void)m, (void)dp;
    if (otlp_edit_attr_delete(ed, OTLP_EDIT_DATAPOINT, "http.route", 10) < 0)
        return -1;
    return otlp_edit_attr_put(ed, OTLP_EDIT_DATAPOINT, "env", 3, &env, OTLP_ATTR_INSERT) < 0 ? -1
                                                                                              : 0;
}

/* Applies tag_points to the fixture's point i of metric m. */
static void fx_tag_point(fxm_metric *m, size_t i)
{
    size_t *n;
    fx_kv ***attrs = fxm_point_attrs(m, i, &n);
    size_t k = 0;
    for (size_t j = 0; j < *n; j++)
        if (strcmp((*attrs)[j]->key, "http.route") != 0)
            (*attrs)[k++] = (*attrs)[j];
    (*attrs)[k++] = fx_kv_new("env", fx_str("prod"));
    *n = k;
}

static void data_point_attributes_are_edited_in_every_kind(void **state)
{
    static const otlp_edit_fns fns = {.datapoint = tag_points};
    static const size_t points[] = {2, 1, 2, 1, 1};
    size_t len, out_len;
    (void)state;
    const uint8_t *in = fxm_pack(fxm_rich_request(), &len);
    uint8_t *out = edit(OTELC_METRICS, in, len, &fns, NULL, FXM_RICH_POINTS, &out_len);
    fxm_request *want = fxm_rich_request();
    fxm_sm *sa = want->resource_metrics[0]->scope_metrics[0];
    for (size_t m = 0; m < 5; m++)
        for (size_t i = 0; i < points[m]; i++)
            fx_tag_point(sa->metrics[m], i);
    fx_tag_point(want->resource_metrics[1]->scope_metrics[0]->metrics[0], 0);
    assert_metrics(out, out_len, want);
    free(out);
}

/* Drops the points of route /b, and every point of cpu.usage. */
static int drop_points(void *arg, otlp_editor *ed, const otlp_metric *m, const otlp_datapoint *dp)
{
    (void)arg;
    if (attr_is(&dp->attrs, "http.route", "/b") || eq(m->name, "cpu.usage"))
        return otlp_edit_drop(ed, OTLP_EDIT_DATAPOINT) < 0 ? -1 : 0;
    return 0;
}

static void dropped_points_go_and_a_metric_without_points_with_them(void **state)
{
    static const otlp_edit_fns fns = {.datapoint = drop_points};
    size_t len, out_len;
    (void)state;
    const uint8_t *in = fxm_pack(fxm_rich_request(), &len);
    uint8_t *out = edit(OTELC_METRICS, in, len, &fns, NULL, 5, &out_len);
    fxm_request *want = fxm_rich_request();
    fxm_sm *sa = want->resource_metrics[0]->scope_metrics[0];
    sa->metrics[0]->sum->n_data_points = 1;
    sa->metrics[2]->histogram->n_data_points = 1;
    sa->metrics[1] = sa->metrics[2];
    sa->metrics[2] = sa->metrics[3];
    sa->metrics[3] = sa->metrics[4];
    sa->n_metrics = 4;
    assert_metrics(out, out_len, want);
    free(out);
}

static int drop_queue_depth(void *arg, otlp_editor *ed, const otlp_metric *m)
{
    (void)arg;
    if (!eq(m->name, "queue.depth"))
        return 0;
    return otlp_edit_drop(ed, OTLP_EDIT_METRIC) < 0 ? -1 : 0;
}

static int tag_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    otlp_anyvalue v = otlp_any_string("eu");
    (void)arg, (void)r;
    return otlp_edit_attr_put(ed, OTLP_EDIT_RESOURCE, "region", 6, &v, OTLP_ATTR_UPSERT) < 0 ? -1
                                                                                              : 0;
}

static void metrics_are_dropped_and_resources_edited(void **state)
{
    static const otlp_edit_fns drop = {.metric = drop_queue_depth};
    static const otlp_edit_fns res = {.resource = tag_resource};
    size_t len, out_len;
    (void)state;
    const uint8_t *in = fxm_pack(fxm_rich_request(), &len);
    uint8_t *out = edit(OTELC_METRICS, in, len, &drop, NULL, FXM_RICH_POINTS - 1, &out_len);
    fxm_request *want = fxm_rich_request();
    want->n_resource_metrics = 1;
    assert_metrics(out, out_len, want);
    free(out);
    /* Resources only: the metrics are copied undecoded, and counted. */
    out = edit(OTELC_METRICS, in, len, &res, NULL, FXM_RICH_POINTS, &out_len);
    want = fxm_rich_request();
    for (size_t i = 0; i < 2; i++) {
        fx_resource *r = want->resource_metrics[i]->resource;
        fx_kv **kv = fx_alloc(3 * sizeof(fx_kv *));
        kv[0] = r->attributes[0];
        kv[1] = fx_kv_new("region", fx_str("eu"));
        r->attributes = kv;
        r->n_attributes = 2;
    }
    assert_metrics(out, out_len, want);
    free(out);
}

/* ---- misuse ---- */

static void item_calls_of_another_signal_are_refused(void **state)
{
    size_t len, items;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    otlp_log l;
    otlp_metric m;
    otlp_editor *ed = otlp_editor_new();
    (void)state;
    const uint8_t *in = fxl_pack(fxl_rich_request(), &len);
    otlp_edit_begin_signal(ed, OTELC_LOGS, in, len);
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_scope(ed, &s), 1);
    assert_int_equal(otlp_edit_span(ed, &sp), OTLP_ESTATE);
    assert_int_equal(otlp_edit_metric(ed, &m), OTLP_ESTATE);
    assert_int_equal(otlp_edit_log(ed, &l), 1);
    assert_int_equal(otlp_edit_span_name(ed, "x", 1), OTLP_ESTATE);
    assert_int_equal(otlp_edit_drop(ed, OTLP_EDIT_SPAN), OTLP_ESTATE);
    assert_int_equal(otlp_edit_finish(ed, &items), OTLP_OK); /* not sticky */
    assert_int_equal(items, FXL_RICH_RECORDS);
    otlp_edit_begin(ed, in, len); /* the same bytes read as traces */
    assert_int_equal(otlp_edit_resource(ed, &r), 1);
    assert_int_equal(otlp_edit_scope(ed, &s), 1);
    assert_int_equal(otlp_edit_log(ed, &l), OTLP_ESTATE);
    otlp_editor_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(walker_reads_log_records, teardown),
        cmocka_unit_test_teardown(walker_reads_metrics_and_points, teardown),
        cmocka_unit_test_teardown(visiting_without_edits_gives_the_input_back, teardown),
        cmocka_unit_test_teardown(log_records_are_dropped_and_their_attributes_edited, teardown),
        cmocka_unit_test_teardown(a_resource_left_without_records_is_removed, teardown),
        cmocka_unit_test_teardown(data_point_attributes_are_edited_in_every_kind, teardown),
        cmocka_unit_test_teardown(dropped_points_go_and_a_metric_without_points_with_them,
                                  teardown),
        cmocka_unit_test_teardown(metrics_are_dropped_and_resources_edited, teardown),
        cmocka_unit_test_teardown(item_calls_of_another_signal_are_refused, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
