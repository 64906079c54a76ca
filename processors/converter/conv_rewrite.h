/*
 * conv_rewrite.h: decode, change and re-encode one request.
 */
#ifndef OTELC_PROC_CONV_REWRITE_H
#define OTELC_PROC_CONV_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "conv_arena.h"
#include "conv_pb.h"
#include "conv_rules.h"

enum {
    CONV_OK = 0,
    CONV_ENOMEM = -1,   /* out of memory: try again later */
    CONV_EDECODE = -2,  /* the bytes are not a request protobuf-c can decode */
};

/*
 * Decodes the len bytes at in (borrowed, only read) with protobuf-c into
 * the arena a, applies rules r and encodes the result once into a new
 * malloc'd buffer: *out (the caller frees it, or hands it to a batch) of
 * *out_len bytes. Adds what changed to *st. Returns CONV_OK or a negative
 * CONV_E* code (then *out is NULL). The arena is reset before returning.
 * One thread at a time per arena; r is read-only.
 *
 * protobuf-c keeps strings NUL-terminated: a string value holding U+0000
 * is cut there on re-encoding.
 */
int conv_rewrite(const conv_rules *r, conv_arena *a, const uint8_t *in, size_t len,
                 uint8_t **out, size_t *out_len, conv_stats *st);

#endif
