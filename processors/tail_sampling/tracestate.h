/*
 * tracestate.h: reading one member of a W3C tracestate, as the
 * collector's trace_state policy does (OpenTelemetry Go's
 * ParseTraceState): a tracestate that does not parse as a whole (a bad
 * key or value, a duplicate key, more than 32 members) has no members.
 * Pure; any thread.
 */
#ifndef OTELC_TS_TRACESTATE_H
#define OTELC_TS_TRACESTATE_H

#include <stddef.h>

/* The value of key in the len bytes at ts: 0 with *val (pointing into ts)
 * and *val_len set; -1 when key is absent or ts does not parse. */
int ts_tracestate_get(const char *ts, size_t len, const char *key, const char **val,
                      size_t *val_len);

#endif /* OTELC_TS_TRACESTATE_H */
