/*
 * conv_rewrite.h: change one request by the rules, on the wire.
 */
#ifndef OTELC_PROC_CONV_REWRITE_H
#define OTELC_PROC_CONV_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "conv_edit.h"
#include "conv_rules.h"

enum {
    CONV_OK = 0,
    CONV_ENOMEM = -1,   /* out of memory: try again later */
    CONV_EDECODE = -2,  /* the bytes are not a request the editor can read */
};

/*
 * Edits the len bytes at in (borrowed, only read) by rules r with the
 * workspace w into a new malloc'd buffer: *out (the caller frees it, or
 * hands it to a batch) of *out_len bytes. Adds what changed to *st.
 * Returns CONV_OK or a negative CONV_E* code (then *out is NULL). One
 * thread at a time per workspace; r is read-only.
 *
 * Two passes over the wire, each skipped when no rule of it is set: the
 * renames and deletes, then the moves, coerce and limits over the first
 * pass's output, so that a resource takes the first span's value as
 * renamed. What no rule touches keeps its bytes (see otlp_edit.h).
 */
int conv_rewrite(const conv_rules *r, conv_work *w, const uint8_t *in, size_t len,
                 uint8_t **out, size_t *out_len, conv_stats *st);

#endif
