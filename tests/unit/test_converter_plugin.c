/*
 * The converter plugin in the SDK's test kit: untouched batches pass on
 * as they are without a single allocation (malloc, calloc and realloc are
 * wrapped at link time and counted; the kit's own recording of an emit is
 * not the converter's and is left out), touched ones become a new batch
 * that keeps the metadata and span count, and the metrics follow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conv_config.h"
#include "kit_host.h"
#include "test_converter_util.h"

const otelc_plugin *otelc_plugin_entry_v1(void);

/* ---- counting allocator (-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc) ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static atomic_long allocations;
/* Set while the kit records an emit: its allocations are not counted. */
static _Thread_local bool in_kit;

void *__wrap_malloc(size_t n)
{
    if (!in_kit)
        atomic_fetch_add(&allocations, 1);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (!in_kit)
        atomic_fetch_add(&allocations, 1);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (!in_kit)
        atomic_fetch_add(&allocations, 1);
    return __real_realloc(p, n);
}

/* ---- a converter instance ---- */

static const otelc_plugin *d;
static void *state;
static otelc_host_api api; /* the kit's, but for emit_ticket */

static otelc_status emit_uncounted(otelc_ctx *ctx, otelc_batch *b, otelc_ticket *t)
{
    in_kit = true;
    otelc_status st = otelc_test_host_api(h)->emit_ticket(ctx, b, t);
    in_kit = false;
    return st;
}

static void open_converter(const cv_cfg *cfg)
{
    d = otelc_plugin_entry_v1();
    api = *otelc_test_host_api(h);
    api.emit_ticket = emit_uncounted;
    assert_int_equal(d->create(otelc_test_host_ctx(h), &api, cfg, &state), 0);
}

static int teardown(void **unused)
{
    if (state) {
        d->shutdown(state, ks_deadline(100));
        d->destroy(state);
        state = NULL;
    }
    fx_free_all();
    return ks_done();
}

static otelc_batch *batch_of(const fx_request *req, uint32_t spans, const otelc_batch_meta *meta)
{
    size_t len;
    uint8_t *pb = fx_pack(req, &len);
    return otelc_test_host_api(h)->batch_copy(pb, len, spans, meta);
}

static fx_request *clean_request(unsigned seed)
{
    fx_span *spans[3];
    for (unsigned i = 0; i < 3; i++)
        spans[i] = cu_span(seed + i, 3, fx_kv_new("http.request.method", fx_str("GET")),
                           fx_kv_new("url.full", fx_str("https://shop.example/cart")),
                           fx_kv_new("http.response.status_code", fx_int(200)), CU_END);
    return cu_request(cu_kvs(fx_kv_new("service.name", fx_str("shop")), CU_END), spans, 3);
}

static fx_request *old_request(void)
{
    fx_span *sp = cu_span(7, 3, fx_kv_new("http.method", fx_str("GET")),
                          fx_kv_new("http.url", fx_str("https://shop.example/cart")),
                          fx_kv_new("note", fx_str("0123456789abcdef")), CU_END);
    return cu_request(cu_kvs(fx_kv_new("service.name", fx_str("shop")), CU_END), &sp, 1);
}

static cv_cfg defaults(void)
{
    return (cv_cfg){.semconv_upgrade = true, .max_attribute_value_length = 256};
}

static void test_untouched_batch_passes_without_allocating(void **unused)
{
    cv_cfg cfg = defaults();
    open_converter(&cfg);
    otelc_batch *b = batch_of(clean_request(1), 3, NULL);
    otelc_batch *c = batch_of(clean_request(10), 3, NULL);
    otelc_batch *parts[] = {b, c};
    otelc_batch *merged = otelc_test_host_api(h)->batch_merge(parts, 2); /* two segments, walked one by one */
    otelc_ticket *t1 = otelc_test_ticket_new(h), *t2 = otelc_test_ticket_new(h);

    long before = atomic_load(&allocations);
    assert_int_equal(d->consume(state, b, t1), OTELC_OK);
    assert_int_equal(d->consume(state, merged, t2), OTELC_OK);
    long during = atomic_load(&allocations) - before;
    assert_int_equal(during, 0);

    /* What went on is the very batch that came in. */
    assert_int_equal(otelc_test_emitted_count(h), 2);
    assert_ptr_equal(otelc_test_emitted(h, 0), b);
    assert_ptr_equal(otelc_test_emitted(h, 1), merged);
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_converter_passed_spans_total", NULL), 9);
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_converter_converted_spans_total", NULL), 0);
    otelc_batch_unref(b);
    otelc_batch_unref(c);
    otelc_batch_unref(merged);
}

static void test_touched_batch_is_rewritten(void **unused)
{
    cv_cfg cfg = defaults();
    cfg.max_attribute_value_length = 8;
    open_converter(&cfg);
    otelc_kv kv[] = {{"tenant", "acme"}};
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = 42, .pairs = kv,
                             .npairs = 1};
    otelc_batch *b = batch_of(old_request(), 1, &meta);
    otelc_ticket *t = otelc_test_ticket_new(h);

    long before = atomic_load(&allocations);
    assert_int_equal(d->consume(state, b, t), OTELC_OK);
    assert_true(atomic_load(&allocations) > before); /* the counter does see allocations */

    assert_int_equal(otelc_test_emitted_count(h), 1);
    otelc_batch *nb = otelc_test_emitted(h, 0);
    assert_ptr_not_equal(nb, b);
    assert_int_equal(otelc_batch_spans(nb), 1);
    const otelc_batch_meta *m = otelc_batch_meta_of(nb);
    assert_int_equal(m->received_ns, 42);
    assert_string_equal(m->pairs[0].value, "acme");
    pb_request *out =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, otelc_batch_len(nb), otelc_batch_flat(nb));
    assert_non_null(out);
    pb_span *sp = cu_out_span(out, 0, 0);
    assert_non_null(cu_attr(sp->attributes, sp->n_attributes, "http.request.method"));
    assert_non_null(cu_attr(sp->attributes, sp->n_attributes, "url.full"));
    assert_string_equal(cu_attr(sp->attributes, sp->n_attributes, "note")->string_value,
                        "01234567");
    cu_free(out);
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_converter_converted_spans_total", NULL), 1);
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_converter_renamed_attributes_total", NULL), 2);
    /* url.full is 25 bytes too: both values were cut to 8 */
    assert_int_equal(otelc_test_metric(h, "otelcol_processor_converter_truncated_values_total", NULL), 2);
    otelc_batch_unref(b);
}

static void test_outcomes_pass_through(void **unused)
{
    cv_cfg cfg = defaults();
    open_converter(&cfg);
    otelc_batch *b = batch_of(old_request(), 1, NULL);
    otelc_test_host_answer(h, OTELC_RETRY);
    assert_int_equal(d->consume(state, b, otelc_test_ticket_new(h)), OTELC_RETRY);
    otelc_test_host_answer(h, OTELC_PENDING);
    otelc_ticket *t = otelc_test_ticket_new(h);
    assert_int_equal(d->consume(state, b, t), OTELC_PENDING);
    assert_int_equal(otelc_test_host_complete_all(h, OTELC_OK), 1);
    assert_true(otelc_test_ticket_done(t));
    otelc_batch_unref(b);
}

static void test_malformed_batch_is_rejected(void **unused)
{
    cv_cfg cfg = defaults();
    open_converter(&cfg);
    const uint8_t junk[] = {0x0a, 0x05, 0x01};
    otelc_batch *b = otelc_test_host_api(h)->batch_copy(junk, sizeof(junk), 1, NULL);
    assert_int_equal(d->consume(state, b, otelc_test_ticket_new(h)), OTELC_REJECT);
    assert_int_equal(otelc_test_emitted_count(h), 0);
    otelc_batch_unref(b);
}

static void test_no_rules_pass_everything(void **unused)
{
    cv_cfg cfg = {.semconv_upgrade = false};
    open_converter(&cfg);
    otelc_batch *b = batch_of(old_request(), 1, NULL);
    otelc_ticket *t = otelc_test_ticket_new(h);
    long before = atomic_load(&allocations);
    assert_int_equal(d->consume(state, b, t), OTELC_OK);
    assert_int_equal(atomic_load(&allocations) - before, 0);
    assert_ptr_equal(otelc_test_emitted(h, 0), b);
    otelc_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_untouched_batch_passes_without_allocating, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_touched_batch_is_rewritten, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_outcomes_pass_through, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_batch_is_rejected, ks_setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_rules_pass_everything, ks_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
