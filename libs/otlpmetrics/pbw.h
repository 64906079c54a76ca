/*
 * pbw.h: a small protobuf writer for building OTLP requests by hand.
 *
 * A pbw is a growable byte buffer with the wire primitives the OTLP
 * metrics messages need. Nested messages are written in place: pbw_open
 * writes the field's tag and reserves room for the longest length prefix,
 * pbw_close writes the real length and moves the body up to it, so a whole
 * request is built in one buffer without a tree of structs.
 *
 * Memory: a failed allocation makes the writer sticky-failed; every later
 * call is a no-op and pbw_take returns NULL, so callers check once at the
 * end. The buffer is the writer's until pbw_take hands it over (malloc'ed:
 * the caller frees it) or pbw_free releases it.
 *
 * Threads: a writer is used by one thread at a time.
 */
#ifndef OTLPMETRICS_PBW_H
#define OTLPMETRICS_PBW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pbw {
    uint8_t *p;
    size_t len, cap;
    bool failed; /* an allocation failed: nothing more is written */
} pbw;

/* An empty writer (no allocation until the first write). */
void pbw_init(pbw *w);
/* Releases the buffer; the writer is empty again. */
void pbw_free(pbw *w);
/* Forgets the content but keeps the buffer for reuse. */
void pbw_reset(pbw *w);
/* Drops what was written after len (a position taken from w->len). */
void pbw_truncate(pbw *w, size_t len);
/* The buffer (malloc'ed, the caller's to free) and its length, or NULL if
 * an allocation failed; the writer is empty afterwards either way. */
uint8_t *pbw_take(pbw *w, size_t *len);

/* Fields. field is the protobuf field number. */
void pbw_varint(pbw *w, uint32_t field, uint64_t v);
void pbw_sint32(pbw *w, uint32_t field, int32_t v);
void pbw_fixed64(pbw *w, uint32_t field, uint64_t v);
void pbw_double(pbw *w, uint32_t field, double v);
/* A length-delimited field; written even when empty (oneof members). */
void pbw_bytes(pbw *w, uint32_t field, const void *data, size_t len);
void pbw_str(pbw *w, uint32_t field, const char *s);
/* Packed repeated fields; nothing is written for n == 0. */
void pbw_packed_fixed64(pbw *w, uint32_t field, const uint64_t *v, size_t n);
void pbw_packed_double(pbw *w, uint32_t field, const double *v, size_t n);
void pbw_packed_varint(pbw *w, uint32_t field, const uint64_t *v, size_t n);
/* Bytes already in wire format (whole fields). */
void pbw_raw(pbw *w, const void *data, size_t len);

/* Starts a nested message in field (0: no tag, only the length prefix).
 * Returns the mark to pass to pbw_close once its fields are written. */
size_t pbw_open(pbw *w, uint32_t field);
void pbw_close(pbw *w, size_t mark);

#endif /* OTLPMETRICS_PBW_H */
