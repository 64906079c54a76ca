/*
 * otlp_validate.h: whole-request validation of OTLP requests of every
 * signal.
 *
 * Part of the otelc plugin SDK. Receivers call this once, before they
 * acknowledge, on the bytes of an ExportTraceServiceRequest,
 * ExportMetricsServiceRequest or ExportLogsServiceRequest. A request is
 * accepted or rejected as a whole (no partial success). One pass checks:
 *  - protobuf structure, recursively: every nested message parses, every
 *    known field has its declared wire type (repeated scalars packed or
 *    not, as protobuf allows), unknown fields are sound;
 *  - UTF-8 (strict: no overlongs, surrogates or code points past U+10FFFF)
 *    in every string field: attribute keys and string values, names,
 *    versions, trace_state, schema_url, status message, entity refs,
 *    metric names, descriptions and units, severity texts, event names;
 *  - ids: a span's or link's trace_id exactly 16 bytes and span_id exactly
 *    8, neither all zeros, parent_span_id empty or 8 bytes; a log
 *    record's or exemplar's trace_id empty or 16 bytes, span_id empty or
 *    8 (an all-zero id there reads as "none", as the collector reads it);
 *  - AnyValue nesting (arrays and kvlists, attribute values and log
 *    bodies) at most OTLP_MAX_DEPTH deep.
 * It counts the request's items as the collector does: spans; data points
 * of every kind (number, histogram, exponential histogram, summary; the
 * collector's DataPointCount); log records.
 * It allocates nothing and is safe to call from any thread.
 */
#ifndef OTELC_SDK_OTLP_VALIDATE_H
#define OTELC_SDK_OTLP_VALIDATE_H

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a request was refused; filled by otlp_validate_request(). */
typedef struct otlp_verror {
    int status;         /* OTLP_OK or the negative code returned */
    const char *reason; /* static text of the broken rule, NULL on success */
    /*
     * Where and what, NUL-terminated and printable, fit for a gRPC status
     * message or an HTTP 400 body: "span 3: trace_id must be 16 bytes",
     * "resource_spans[0].resource.attributes[2].key is not valid UTF-8".
     * Spans are numbered from 0 in request order; empty on success. Input
     * bytes never appear in it.
     */
    char msg[160];
} otlp_verror;

/*
 * Validates the `len` bytes at `buf` (borrowed, only read during the call)
 * as the Export*ServiceRequest of `signal`. Returns OTLP_OK and stores the
 * number of items (spans, data points, log records) in *items, or a
 * negative OTLP_E* code (OTLP_EMALFORMED, OTLP_EWIRETYPE, OTLP_EDEPTH,
 * OTLP_EINVALID, the last also for a signal that is none of the three)
 * with *err describing the first problem met; *items is then left
 * untouched. `err` may be NULL.
 */
int otlp_validate_signal(otelc_signal signal, const uint8_t *buf, size_t len, size_t *items,
                         otlp_verror *err);

/* otlp_validate_signal() of an ExportTraceServiceRequest (OTELC_TRACES). */
int otlp_validate_request(const uint8_t *buf, size_t len, size_t *span_count,
                          otlp_verror *err);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_VALIDATE_H */
