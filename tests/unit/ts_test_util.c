/*
 * ts_test_util.c: see ts_test_util.h.
 */
#include "ts_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

const otelc_plugin *otelc_plugin_entry_v1(void);

void tt_trace_id(unsigned n, uint8_t id[16])
{
    uint64_t z = n + 0x9e3779b97f4a7c15ULL; /* splitmix64: ids that look random */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 7; i >= 0; i--, z >>= 8)
        id[i] = (uint8_t)z;
    for (int i = 15; i >= 8; i--, n >>= 8)
        id[i] = (uint8_t)n;
}

fx_span *tt_span(unsigned trace, unsigned i)
{
    fx_span *s = fx_span_new(trace * 64 + i);
    tt_trace_id(trace, s->trace_id.data);
    s->start_time_unix_nano = TT_START_NS + (uint64_t)i * 1000;
    s->end_time_unix_nano = s->start_time_unix_nano + 1000000;
    return s;
}

void tt_duration(fx_span *s, uint64_t ms)
{
    s->end_time_unix_nano = s->start_time_unix_nano + ms * 1000000;
}

void tt_status(fx_span *s, int code)
{
    Opentelemetry__Proto__Trace__V1__Status *st = fx_alloc(sizeof(*st));
    opentelemetry__proto__trace__v1__status__init(st);
    st->code = code;
    s->status = st;
}

void tt_attr(fx_span *s, fx_kv *kv)
{
    fx_kv **v = fx_alloc((s->n_attributes + 1) * sizeof(fx_kv *));
    if (s->n_attributes)
        memcpy(v, s->attributes, s->n_attributes * sizeof(fx_kv *));
    v[s->n_attributes++] = kv;
    s->attributes = v;
}

fx_resource *tt_resource(const char *service)
{
    fx_resource *r = fx_alloc(sizeof(*r));
    opentelemetry__proto__resource__v1__resource__init(r);
    r->n_attributes = 1;
    r->attributes = fx_alloc(sizeof(fx_kv *));
    r->attributes[0] = fx_kv_new("service.name", fx_str(service));
    return r;
}

fx_request *tt_request(fx_resource *res, size_t n, fx_span **spans)
{
    fx_request *r = fx_request_new(1);
    fx_rs *rs = fx_rs_new(res ? res : tt_resource("svc"), 1);
    fx_scope *scope = fx_alloc(sizeof(*scope));
    opentelemetry__proto__common__v1__instrumentation_scope__init(scope);
    scope->name = "test";
    fx_ss *ss = fx_ss_new(scope, n);
    memcpy(ss->spans, spans, n * sizeof(fx_span *));
    rs->scope_spans[0] = ss;
    r->resource_spans[0] = rs;
    return r;
}

fx_request *tt_trace(unsigned trace, size_t n, fx_resource *res)
{
    fx_span **spans = fx_alloc(n * sizeof(fx_span *));
    for (size_t i = 0; i < n; i++)
        spans[i] = tt_span(trace, (unsigned)i);
    return tt_request(res, n, spans);
}

otelc_batch *tt_batch(const fx_request *r)
{
    size_t len;
    const uint8_t *pb = fx_pack(r, &len);
    return otelc_test_batch_new(pb, len);
}

int tt_start(tt_proc *x, const char *yaml, otelc_test_storage *st)
{
    return tt_start_downstream(x, yaml, st, NULL);
}

int tt_start_downstream(tt_proc *x, const char *yaml, otelc_test_storage *st,
                        const char *pipeline_storage)
{
    memset(x, 0, sizeof(*x));
    x->h = otelc_test_host_new();
    x->st = st;
    x->d = otelc_plugin_entry_v1();
    otelc_test_host_set_ids(x->h, "tail_sampling", "traces");
    otelc_test_host_set_pipeline_storage(x->h, pipeline_storage);
    if (st)
        otelc_test_host_offer(x->h, OTELC_SERVICE_STORAGE, "file_storage",
                              otelc_test_storage_vtable(), st);
    if (otelc_test_plugin_create(x->h, x->d, "tail_sampling", yaml, &x->state) != 0)
        return -1;
    if (x->d->start(x->state) != 0)
        return -1;
    x->started = true;
    return 0;
}

const char *tt_error(const tt_proc *x)
{
    return otelc_test_host_last_error(x->h);
}

otelc_status tt_feed(tt_proc *x, const fx_request *r, otelc_ticket **t)
{
    otelc_batch *b = tt_batch(r);
    if (!b)
        abort();
    otelc_status st = otelc_test_plugin_consume(x->h, b, t);
    otelc_batch_unref(b);
    return st;
}

void tt_flush(tt_proc *x)
{
    x->d->flush(x->state, otelc_mono_ns() + 5000000000LL);
}

static unsigned trace_no(const ProtobufCBinaryData *id)
{
    unsigned n = 0;
    for (size_t i = 8; i < 16 && id->len == 16; i++)
        n = n << 8 | id->data[i];
    return n;
}

static size_t count_request(const fx_request *r, bool *kept, size_t *spans)
{
    size_t traces = 0;
    for (size_t i = 0; i < r->n_resource_spans; i++)
        for (size_t j = 0; j < r->resource_spans[i]->n_scope_spans; j++) {
            const fx_ss *ss = r->resource_spans[i]->scope_spans[j];
            for (size_t k = 0; k < ss->n_spans; k++) {
                unsigned n = trace_no(&ss->spans[k]->trace_id);
                if (n >= TT_MAX_TRACES)
                    abort();
                traces += !kept[n];
                kept[n] = true;
                if (spans)
                    spans[n]++;
            }
        }
    return traces;
}

size_t tt_kept(tt_proc *x, bool kept[TT_MAX_TRACES], size_t spans[TT_MAX_TRACES])
{
    size_t traces = 0;
    memset(kept, 0, TT_MAX_TRACES * sizeof(*kept));
    if (spans)
        memset(spans, 0, TT_MAX_TRACES * sizeof(*spans));
    for (size_t e = 0; e < otelc_test_emitted_count(x->h); e++) {
        otelc_status a = otelc_test_emitted_answer(x->h, e);
        if (a != OTELC_OK && a != OTELC_PENDING)
            continue;
        size_t len;
        const uint8_t *pb = otelc_test_emitted_bytes(x->h, e, &len);
        fx_request *r =
            opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
                NULL, len, pb);
        if (!r)
            abort();
        traces += count_request(r, kept, spans);
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
            r, NULL);
    }
    return traces;
}

void tt_stop(tt_proc *x, bool free_arena)
{
    if (x->state) { /* the host's order: flush, shutdown, destroy */
        if (x->started)
            tt_flush(x);
        x->d->shutdown(x->state, otelc_mono_ns() + 5000000000LL);
        x->d->destroy(x->state);
    }
    if (otelc_test_host_check(x->h) != 0) {
        fprintf(stderr, "contract: %s\n", otelc_test_host_last_error(x->h));
        abort();
    }
    otelc_test_host_free(x->h);
    x->h = NULL;
    x->state = NULL;
    if (free_arena)
        fx_free_all();
}

double tt_metric(tt_proc *x, const char *name, const char *const *labels)
{
    return otelc_test_metric(x->h, name, labels);
}
