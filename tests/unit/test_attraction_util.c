/*
 * test_attraction_util.c: see test_attraction_util.h.
 */
#include "test_attraction_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DECODED 64

static fx_request *decoded[MAX_DECODED];
static size_t n_decoded;

static fx_kv **kvs_va(size_t *n, fx_kv *first, va_list ap)
{
    fx_kv **kvs = fx_alloc(32 * sizeof(fx_kv *));
    *n = 0;
    for (fx_kv *kv = first; kv && *n < 32; kv = va_arg(ap, fx_kv *))
        kvs[(*n)++] = kv;
    return kvs;
}

fx_kv **tu_kvs(size_t *n, fx_kv *first, ...)
{
    va_list ap;
    va_start(ap, first);
    fx_kv **kvs = kvs_va(n, first, ap);
    va_end(ap);
    return kvs;
}

fx_resource *tu_resource(fx_kv *first, ...)
{
    fx_resource *r = fx_alloc(sizeof *r);
    va_list ap;
    opentelemetry__proto__resource__v1__resource__init(r);
    va_start(ap, first);
    r->attributes = kvs_va(&r->n_attributes, first, ap);
    va_end(ap);
    return r;
}

fx_scope *tu_scope(const char *name, const char *version)
{
    fx_scope *s = fx_alloc(sizeof *s);
    opentelemetry__proto__common__v1__instrumentation_scope__init(s);
    s->name = (char *)name;
    s->version = (char *)version;
    return s;
}

fx_span *tu_span(unsigned seed, const char *name, int kind, fx_kv *first, ...)
{
    fx_span *s = fx_span_new(seed);
    va_list ap;
    s->name = (char *)name;
    s->kind = kind;
    va_start(ap, first);
    s->attributes = kvs_va(&s->n_attributes, first, ap);
    va_end(ap);
    return s;
}

fx_request *tu_request(fx_resource *res, fx_scope *scope, size_t n, fx_span **spans)
{
    fx_request *r = fx_request_new(1);
    fx_rs *rs = fx_rs_new(res, 1);
    fx_ss *ss = fx_ss_new(scope, n);
    memcpy(ss->spans, spans, n * sizeof(fx_span *));
    rs->scope_spans[0] = ss;
    r->resource_spans[0] = rs;
    return r;
}

void tu_start(tu_proc *p, const otelc_plugin *desc, const char *yaml)
{
    p->h = otelc_test_host_new();
    p->desc = desc;
    if (otelc_test_plugin_create(p->h, desc, NULL, yaml, &p->state) != 0) {
        fprintf(stderr, "create failed: %s\n", otelc_test_host_last_error(p->h));
        abort();
    }
}

const char *tu_create_error(const otelc_plugin *desc, const char *yaml)
{
    static char last[1024];
    otelc_test_host *h = otelc_test_host_new();
    void *state;
    const char *err = NULL;
    if (otelc_test_plugin_create(h, desc, NULL, yaml, &state) == 0)
        desc->destroy(state);
    else
        err = otelc_test_host_last_error(h);
    snprintf(last, sizeof last, "%s", err ? err : "");
    otelc_test_host_free(h);
    return err ? last : NULL;
}

/* A batch of the request, with meta when given (through the host's own
 * batch_copy, as a receiver with include_metadata would make it). */
static otelc_batch *batch_of(tu_proc *p, const fx_request *req, const otelc_batch_meta *meta)
{
    size_t len;
    const uint8_t *pb = fx_pack(req, &len);
    size_t spans = 0;
    for (size_t i = 0; i < req->n_resource_spans; i++)
        for (size_t j = 0; j < req->resource_spans[i]->n_scope_spans; j++)
            spans += req->resource_spans[i]->scope_spans[j]->n_spans;
    if (!meta)
        return otelc_test_batch_new(pb, len);
    return otelc_test_host_api(p->h)->batch_copy(pb, len, (uint32_t)spans, meta);
}

fx_request *tu_consume(tu_proc *p, const fx_request *req, const otelc_batch_meta *meta,
                       bool *same)
{
    otelc_batch *b = batch_of(p, req, meta);
    size_t before = otelc_test_emitted_count(p->h), len;
    if (!b || otelc_test_plugin_consume(p->h, b, NULL) != OTELC_OK ||
        otelc_test_emitted_count(p->h) != before + 1 || n_decoded == MAX_DECODED)
        abort();
    if (same)
        *same = otelc_test_emitted(p->h, before) == b;
    const uint8_t *out = otelc_test_emitted_bytes(p->h, before, &len);
    fx_request *r =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len,
                                                                                         out);
    otelc_batch_unref(b);
    if (!r)
        abort();
    decoded[n_decoded++] = r;
    return r;
}

void tu_start_signal(tu_proc *p, const otelc_plugin *desc, otelc_signal s, const char *yaml)
{
    p->h = otelc_test_host_new();
    p->desc = desc;
    otelc_test_host_set_signals_fed(p->h, s);
    if (otelc_test_plugin_create(p->h, desc, NULL, yaml, &p->state) != 0) {
        fprintf(stderr, "create failed: %s\n", otelc_test_host_last_error(p->h));
        abort();
    }
}

const uint8_t *tu_consume_signal(tu_proc *p, otelc_signal s, const uint8_t *pb, size_t len,
                                 uint32_t items, size_t *out_len, uint32_t *out_items,
                                 bool *same)
{
    otelc_batch *b = otelc_test_batch_of(s, pb, len, items);
    size_t before = otelc_test_emitted_count(p->h);
    if (!b || otelc_test_plugin_consume(p->h, b, NULL) != OTELC_OK ||
        otelc_test_emitted_count(p->h) != before + 1)
        abort();
    if (same)
        *same = otelc_test_emitted(p->h, before) == b;
    otelc_batch_unref(b);
    *out_items = otelc_test_emitted_spans(p->h, before);
    return otelc_test_emitted_bytes(p->h, before, out_len);
}

void tu_stop(tu_proc *p)
{
    p->desc->destroy(p->state);
    if (otelc_test_host_check(p->h) != 0) {
        fprintf(stderr, "host check failed: %s\n", otelc_test_host_last_error(p->h));
        abort();
    }
    otelc_test_host_free(p->h);
    if (otelc_test_batches_live() != 0)
        abort();
    while (n_decoded)
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
            decoded[--n_decoded], NULL);
    fx_free_all();
}

const fx_any *tu_attr(fx_kv *const *kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kvs[i]->key, key) == 0)
            return kvs[i]->value;
    return NULL;
}

const fx_any *tu_span_attr(const fx_request *r, size_t span, const char *key)
{
    const fx_span *s = r->resource_spans[0]->scope_spans[0]->spans[span];
    return tu_attr(s->attributes, s->n_attributes, key);
}

const fx_any *tu_res_attr(const fx_request *r, size_t rs, const char *key)
{
    const fx_resource *res = r->resource_spans[rs]->resource;
    return res ? tu_attr(res->attributes, res->n_attributes, key) : NULL;
}
