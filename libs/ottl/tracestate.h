/*
 * tracestate.h: the W3C tracestate of a span, as the collector's
 * trace_state["key"] path reads and writes it (Go's otel trace
 * TraceState: members key=value separated by commas, keys and values
 * checked, at most 32 members, a new or updated member goes first).
 */
#ifndef OTTL_TRACESTATE_H
#define OTTL_TRACESTATE_H

#include "internal.h"

/* The value of key in ts. False when absent or when ts does not parse
 * (the collector then reads nil). */
bool ottl_tracestate_get(pb_bytes ts, pb_bytes key, pb_bytes *out);

/* ts with key set to val, in the env's scratch arena. 1 with *out, 0
 * when nothing is set (ts does not parse, or key or val is invalid: the
 * collector then leaves the tracestate alone), -1 with e->err. */
int ottl_tracestate_put(ottl_env *e, pb_bytes ts, pb_bytes key, pb_bytes val, pb_bytes *out);

#endif /* OTTL_TRACESTATE_H */
