/*
 * otlp_validate.h: whole-request validation of OTLP trace requests.
 *
 * Part of the otelc plugin SDK. Receivers call this once, before they
 * acknowledge, on the bytes of an ExportTraceServiceRequest. A request is
 * accepted or rejected as a whole (no partial success). One pass checks:
 *  - protobuf structure, recursively: every nested message parses, every
 *    known field has its declared wire type, unknown fields are sound;
 *  - UTF-8 (strict: no overlongs, surrogates or code points past U+10FFFF)
 *    in every string field: attribute keys and string values, names,
 *    versions, trace_state, schema_url, status message, entity refs;
 *  - span and link ids: trace_id exactly 16 bytes, span_id exactly 8 bytes,
 *    parent_span_id empty or 8 bytes;
 *  - AnyValue nesting (arrays and kvlists) at most OTLP_MAX_DEPTH deep.
 * It allocates nothing and is safe to call from any thread.
 */
#ifndef OTELC_SDK_OTLP_VALIDATE_H
#define OTELC_SDK_OTLP_VALIDATE_H

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
 * as an ExportTraceServiceRequest. Returns OTLP_OK and stores the number of
 * spans in *span_count, or a negative OTLP_E* code (OTLP_EMALFORMED,
 * OTLP_EWIRETYPE, OTLP_EDEPTH, OTLP_EINVALID) with *err describing the first
 * problem met; *span_count is then left untouched. `err` may be NULL.
 */
int otlp_validate_request(const uint8_t *buf, size_t len, size_t *span_count,
                          otlp_verror *err);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_VALIDATE_H */
