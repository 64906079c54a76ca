/* test_converter_util.c: see test_converter_util.h. */
#include "test_converter_util.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conv_detect.h"

static size_t count_va(fx_kv *first, va_list ap)
{
    size_t n = 0;
    for (fx_kv *kv = first; kv; kv = va_arg(ap, fx_kv *))
        n++;
    return n;
}

fx_kv **cu_kvs(fx_kv *first, ...)
{
    va_list ap;
    va_start(ap, first);
    size_t n = count_va(first, ap);
    va_end(ap);
    fx_kv **kvs = fx_alloc((n + 1) * sizeof(fx_kv *));
    va_start(ap, first);
    size_t i = 0;
    for (fx_kv *kv = first; kv; kv = va_arg(ap, fx_kv *))
        kvs[i++] = kv;
    va_end(ap);
    return kvs;
}

fx_span *cu_span(unsigned seed, int kind, fx_kv *first, ...)
{
    fx_span *s = fx_span_new(seed);
    va_list ap;
    va_start(ap, first);
    size_t n = count_va(first, ap);
    va_end(ap);
    s->kind = kind;
    s->n_attributes = n;
    s->attributes = fx_alloc((n + 1) * sizeof(fx_kv *));
    va_start(ap, first);
    size_t i = 0;
    for (fx_kv *kv = first; kv; kv = va_arg(ap, fx_kv *))
        s->attributes[i++] = kv;
    va_end(ap);
    return s;
}

fx_request *cu_request(fx_kv **resource_attrs, fx_span **spans, size_t nspans)
{
    fx_resource *res = NULL;
    if (resource_attrs) {
        res = fx_alloc(sizeof(*res));
        opentelemetry__proto__resource__v1__resource__init(res);
        while (resource_attrs[res->n_attributes])
            res->n_attributes++;
        res->attributes = resource_attrs;
    }
    fx_request *r = fx_request_new(1);
    r->resource_spans[0] = fx_rs_new(res, 1);
    fx_ss *ss = fx_ss_new(NULL, nspans);
    for (size_t i = 0; i < nspans; i++)
        ss->spans[i] = spans[i];
    r->resource_spans[0]->scope_spans[0] = ss;
    return r;
}

int cu_touches(const conv_rules *r, const fx_request *req)
{
    size_t len;
    uint8_t *pb = fx_pack(req, &len);
    return conv_touches(r, pb, len);
}

pb_request *cu_rewrite(const conv_rules *r, const fx_request *req, conv_stats *st)
{
    size_t len, out_len;
    uint8_t *pb = fx_pack(req, &len), *out;
    conv_work w;
    assert_int_equal(conv_work_init(&w), 0);
    *st = (conv_stats){0};
    assert_int_equal(conv_rewrite(r, &w, pb, len, &out, &out_len, st), CONV_OK);
    conv_work_fini(&w);
    pb_request *dec =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            NULL, out_len, out);
    free(out);
    assert_non_null(dec);
    return dec;
}

void cu_free(pb_request *out)
{
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
        out, NULL);
}

const pb_any *cu_attr(pb_kv *const *kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i]->key, key) == 0)
            return kvs[i]->value;
    return NULL;
}

pb_span *cu_out_span(pb_request *out, size_t rs_index, size_t span_index)
{
    assert_true(rs_index < out->n_resource_spans);
    pb_rs *rs = out->resource_spans[rs_index];
    assert_true(rs->n_scope_spans > 0);
    assert_true(span_index < rs->scope_spans[0]->n_spans);
    return rs->scope_spans[0]->spans[span_index];
}
