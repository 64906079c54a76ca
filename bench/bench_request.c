/* bench_request.c: one request from the example client's generator. */
#include "bench_request.h"

#include <stdlib.h>

#include "generator.h"

/* A fixed clock, so a seed always gives the same bytes. */
#define BENCH_NOW_NS 1767225600000000000ull

uint8_t *bench_request(uint32_t nspans, uint64_t seed, size_t *len)
{
    uint8_t *out = NULL;
    if (nspans == 0)
        return NULL;
    trace_gen *g = trace_gen_new(seed, nspans);
    if (!g)
        return NULL;
    const otlp_export_req *req = trace_gen_build(g, nspans, BENCH_NOW_NS);
    if (!req)
        goto out_gen;
    *len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
        req);
    out = malloc(*len ? *len : 1);
    if (out)
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, out);
out_gen:
    trace_gen_free(g);
    return out;
}
