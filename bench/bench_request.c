/* bench_request.c: builds the benchmark request with protobuf-c. */
#include "bench_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Trace__V1__Span Span;

#define NSERVICES 5
#define NATTRS 10

static const char *const services[NSERVICES] = {"frontend", "checkout", "payment", "inventory",
                                                "db-proxy"};

/* All strings and ids live in one arena freed after packing. */
typedef struct arena {
    KeyValue kv[NATTRS];
    KeyValue *kvp[NATTRS];
    AnyValue av[NATTRS];
    char text[NATTRS][48];
    uint8_t trace_id[16], span_id[8], parent_id[8];
} arena;

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void fill_attrs(arena *a, uint32_t i, int svc)
{
    static const char *const keys[NATTRS] = {
        "http.request.method", "url.path",       "http.response.status_code", "server.address",
        "server.port",         "network.protocol.version", "user_agent.original", "db.system",
        "rpc.service",         "app.request.id"};
    for (int k = 0; k < NATTRS; k++) {
        opentelemetry__proto__common__v1__key_value__init(&a->kv[k]);
        opentelemetry__proto__common__v1__any_value__init(&a->av[k]);
        a->kv[k].key = (char *)keys[k];
        a->kv[k].value = &a->av[k];
        a->kvp[k] = &a->kv[k];
        if (k == 2 || k == 4) {
            a->av[k].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
            a->av[k].int_value = k == 2 ? 200 + (i % 7 == 0) * 300 : 8080;
        } else {
            snprintf(a->text[k], sizeof(a->text[k]), "%s-%s-%u", services[svc], keys[k] + 4,
                     i % 97);
            a->av[k].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
            a->av[k].string_value = a->text[k];
        }
    }
}

static void fill_span(Span *sp, arena *a, uint32_t i, uint64_t *seed)
{
    opentelemetry__proto__trace__v1__span__init(sp);
    uint64_t t = next(seed), s = next(seed);
    memcpy(a->trace_id, &t, 8);
    memcpy(a->trace_id + 8, &i, 4);
    memcpy(a->span_id, &s, 8);
    memcpy(a->parent_id, &t, 8);
    sp->trace_id = (ProtobufCBinaryData){16, a->trace_id};
    sp->span_id = (ProtobufCBinaryData){8, a->span_id};
    if (i % 10)
        sp->parent_span_id = (ProtobufCBinaryData){8, a->parent_id};
    sp->name = (char *)(i % 3 ? "GET /api/cart" : "SELECT orders");
    sp->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
    sp->start_time_unix_nano = 1700000000000000000ull + i * 1000ull;
    sp->end_time_unix_nano = sp->start_time_unix_nano + 250000;
    sp->n_attributes = NATTRS;
    sp->attributes = a->kvp;
}

uint8_t *bench_request(uint32_t nspans, uint64_t seed, size_t *len)
{
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    Opentelemetry__Proto__Trace__V1__ResourceSpans rs[NSERVICES], *rsp[NSERVICES];
    Opentelemetry__Proto__Resource__V1__Resource res[NSERVICES];
    Opentelemetry__Proto__Trace__V1__ScopeSpans ss[NSERVICES], *ssp[NSERVICES];
    KeyValue svc_kv[NSERVICES], *svc_kvp[NSERVICES];
    AnyValue svc_av[NSERVICES];
    Span *spans = calloc(nspans, sizeof(Span));
    Span **spanp = calloc(nspans, sizeof(Span *));
    arena *arenas = calloc(nspans, sizeof(arena));
    uint8_t *out = NULL;
    if (!spans || !spanp || !arenas)
        goto out_free;
    for (int r = 0; r < NSERVICES; r++) {
        opentelemetry__proto__trace__v1__resource_spans__init(&rs[r]);
        opentelemetry__proto__resource__v1__resource__init(&res[r]);
        opentelemetry__proto__trace__v1__scope_spans__init(&ss[r]);
        opentelemetry__proto__common__v1__key_value__init(&svc_kv[r]);
        opentelemetry__proto__common__v1__any_value__init(&svc_av[r]);
        svc_av[r].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        svc_av[r].string_value = (char *)services[r];
        svc_kv[r].key = (char *)"service.name";
        svc_kv[r].value = &svc_av[r];
        svc_kvp[r] = &svc_kv[r];
        res[r].n_attributes = 1;
        res[r].attributes = &svc_kvp[r];
        rs[r].resource = &res[r];
        rs[r].n_scope_spans = 1;
        ssp[r] = &ss[r];
        rs[r].scope_spans = &ssp[r];
        rsp[r] = &rs[r];
    }
    /* Spans are spread over the services in contiguous runs. */
    uint32_t per = (nspans + NSERVICES - 1) / NSERVICES;
    for (uint32_t i = 0; i < nspans; i++) {
        int svc = (int)(i / per);
        fill_attrs(&arenas[i], i, svc);
        fill_span(&spans[i], &arenas[i], i, &seed);
        spanp[i] = &spans[i];
        if (ss[svc].n_spans == 0)
            ss[svc].spans = &spanp[i];
        ss[svc].n_spans++;
    }
    req.n_resource_spans = NSERVICES;
    req.resource_spans = rsp;
    *len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
        &req);
    out = malloc(*len);
    if (out)
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, out);
out_free:
    free(arenas);
    free(spanp);
    free(spans);
    return out;
}
