/*
 * group.h: an OTLP trace request cut into one request per trace id, as
 * the tail sampler keeps them. One walk finds every span's trace; each
 * trace's request holds its spans in their order, wrapped in copies of
 * their ResourceSpans and ScopeSpans headers (every field but the nested
 * lists, unknown fields included). Span bytes are copied as they are;
 * only length prefixes are written anew. Resources and scopes without a
 * span of the trace do not appear in its request, so a policy looking at
 * resource attributes sees only the resources of that trace's spans.
 * Pure; any thread.
 */
#ifndef OTELC_TS_GROUP_H
#define OTELC_TS_GROUP_H

#include <stddef.h>
#include <stdint.h>

#define TS_TRACE_ID_LEN 16

/* One trace's request. */
typedef struct ts_cut {
    uint8_t trace_id[TS_TRACE_ID_LEN];
    /* malloc'd by ts_group; the request starts at buf + headroom (the
     * headroom the caller asked for is left for its own header). The
     * caller owns it once ts_group returned and frees it with free(). */
    uint8_t *buf;
    size_t len; /* request bytes after the headroom */
    uint32_t spans;
} ts_cut;

typedef struct ts_cuts {
    ts_cut *v; /* malloc'd, one per trace id, in order of first appearance */
    size_t n;
} ts_cuts;

/* Cuts the len bytes at req (an ExportTraceServiceRequest, borrowed).
 * OTLP_OK with *out filled (free with ts_cuts_free, or take each buf and
 * set it NULL first), OTLP_ENOMEM, or a negative OTLP_E* code for
 * malformed input and trace ids not 16 bytes long (OTLP_EINVALID); on
 * error nothing is left to free. */
int ts_group(const uint8_t *req, size_t len, size_t headroom, ts_cuts *out);

/* Frees every buf still set and the array; *c is emptied. */
void ts_cuts_free(ts_cuts *c);

#endif /* OTELC_TS_GROUP_H */
