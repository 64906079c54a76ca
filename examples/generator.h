/*
 * generator.h: realistic OTLP traces for the example client.
 *
 * A small web shop of five services (frontend, checkout, payment,
 * inventory, db-proxy) answers requests; each request becomes a trace
 * whose spans cross services with parent links, carry about ten
 * attributes of the current semantic conventions (the inventory service
 * speaks the old ones, http.method and friends, as an outdated SDK
 * would), and now and then fail with an exception event or link to an
 * earlier trace.
 *
 * The generator builds each request into protobuf-c structs it allocated
 * up front for max_spans spans, so building allocates nothing. Ids come
 * from counters run through a bijective mix: every span id (and every
 * first half of a trace id) one generator hands out is distinct and
 * non-zero, and they still look random. One generator belongs to one
 * thread at a time.
 */
#ifndef OTELC_CLIENT_GENERATOR_H
#define OTELC_CLIENT_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest otlp_export_req;

#define TRACE_GEN_SERVICES 5
/* "<32 hex> <16 hex>\n": one line of trace_gen_format_ids per span. */
#define TRACE_GEN_ID_LINE 50

typedef struct trace_gen trace_gen;

/*
 * A generator for requests of up to max_spans spans; the same seed gives
 * the same requests (given the same now_ns). Returns NULL when memory
 * runs out. Free with trace_gen_free.
 */
trace_gen *trace_gen_new(uint64_t seed, size_t max_spans);

void trace_gen_free(trace_gen *g);

/*
 * Builds a request of exactly n_spans spans (1..max_spans) whose traces
 * end around now_ns (Unix nanoseconds). Whole traces come first; the last
 * one is cut short when the budget ends, keeping every parent before its
 * children. The request and everything it points to belong to g and stay
 * valid until the next build or trace_gen_free.
 */
const otlp_export_req *trace_gen_build(trace_gen *g, size_t n_spans, uint64_t now_ns);

/* Spans in the last request built. */
size_t trace_gen_count(const trace_gen *g);

/*
 * The ids of span i (0 <= i < trace_gen_count, in build order), pointing
 * into g (16 and 8 bytes), valid until the next build.
 */
void trace_gen_span_ids(const trace_gen *g, size_t i, const uint8_t **trace_id,
                        const uint8_t **span_id);

/*
 * Writes one TRACE_GEN_ID_LINE line per span of the last request into
 * out, which must hold trace_gen_count(g) * TRACE_GEN_ID_LINE bytes.
 * Returns the bytes written (no NUL).
 */
size_t trace_gen_format_ids(const trace_gen *g, char *out);

#endif /* OTELC_CLIENT_GENERATOR_H */
