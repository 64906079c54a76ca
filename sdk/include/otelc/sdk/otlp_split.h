/*
 * otlp_split.h: splitting an OTLP trace request at span boundaries.
 *
 * Part of the otelc plugin SDK. A request is cut into consecutive pieces of
 * at most `max_spans` spans and, optionally, at most `max_bytes` encoded
 * bytes. Each piece is a valid ExportTraceServiceRequest holding the next
 * spans in order, wrapped in copies of their enclosing ResourceSpans and
 * ScopeSpans headers (resource, scope, schema_url and any unknown fields of
 * those two messages). Span bytes are copied as they are; only the length
 * prefixes of the enclosing messages are written anew, so nothing is
 * re-encoded. ResourceSpans and ScopeSpans without spans, and unknown
 * request-level fields, do not appear in any piece.
 *
 * Planning and producing are separate, so a caller can size a buffer first:
 *
 *     otlp_splitter sp;
 *     otlp_piece p;
 *     otlp_split_init(&sp, buf, len, 1000, 0);
 *     while ((rc = otlp_split_next(&sp, &p)) > 0) {
 *         uint8_t *out = malloc(p.size);
 *         otlp_piece_write(&p, out, p.size);   // or otlp_piece_gather()
 *         ...
 *     }
 *
 * Nothing here allocates. The input buffer is borrowed: it must stay
 * unchanged while a splitter or any piece planned from it is in use. All
 * functions are pure; a splitter is used by one thread at a time, pieces
 * may be produced from any thread.
 */
#ifndef OTELC_SDK_OTLP_SPLIT_H
#define OTELC_SDK_OTLP_SPLIT_H

#include <otelc/sdk/otlp_walk.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A span boundary in the input; private to the implementation. */
typedef struct otlp_split_pos {
    pb_cursor req;    /* ResourceSpans after the current one */
    pb_cursor rs;     /* ScopeSpans after the current one */
    pb_cursor ss;     /* the current ScopeSpans from the next span on */
    pb_bytes rs_body; /* the current ResourceSpans */
    pb_bytes ss_body; /* the current ScopeSpans */
    size_t rs_hdr;    /* bytes of rs_body outside its ScopeSpans */
    size_t ss_hdr;    /* bytes of ss_body outside its Spans */
} otlp_split_pos;

/* One planned piece. */
typedef struct otlp_piece {
    size_t spans;         /* spans in the piece, at least 1 */
    size_t size;          /* exact encoded size of the piece in bytes */
    otlp_split_pos start; /* private */
} otlp_piece;

/* Splitter state; treat as opaque. */
typedef struct otlp_splitter {
    otlp_split_pos pos;
    size_t max_spans; /* 0: no span limit */
    size_t max_bytes; /* 0: no byte limit */
    int err;          /* sticky */
} otlp_splitter;

/*
 * Prepares to split the `len` bytes at `buf` (borrowed). A limit of 0 means
 * unlimited. A single span larger than max_bytes still makes a piece of its
 * own (its size then exceeds max_bytes; callers decide what to do with it).
 */
void otlp_split_init(otlp_splitter *s, const uint8_t *buf, size_t len, size_t max_spans,
                     size_t max_bytes);

/*
 * Plans the next piece into *out. Returns 1 when a piece was planned, 0
 * when all spans are covered, or a negative OTLP_E* code for malformed
 * input (sticky: later calls return it again).
 */
int otlp_split_next(otlp_splitter *s, otlp_piece *out);

/*
 * Receives one segment of a piece's bytes, in order. With `borrowed` true,
 * `data` points into the input buffer and lives as long as it; otherwise it
 * points to scratch bytes (a length prefix) valid only during the call.
 * Returns 0 to continue; any other value stops the gather.
 */
typedef int (*otlp_segment_fn)(void *ctx, const uint8_t *data, size_t len, bool borrowed);

/*
 * Produces a planned piece as a sequence of segments totalling p->size
 * bytes; adjacent input bytes are passed as one segment. Returns OTLP_OK,
 * the callback's non-zero value if it stopped the gather, or a negative
 * OTLP_E* code if the input no longer matches the plan.
 */
int otlp_piece_gather(const otlp_piece *p, otlp_segment_fn fn, void *ctx);

/*
 * Writes a planned piece into dst (caller-owned, `cap` bytes). Returns
 * OTLP_OK after writing exactly p->size bytes, OTLP_ENOSPACE (nothing
 * written) when cap < p->size, or a negative OTLP_E* code.
 */
int otlp_piece_write(const otlp_piece *p, uint8_t *dst, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_SPLIT_H */
