/*
 * text.h: renders a serialized ExportTraceServiceRequest as readable text,
 * at the debug exporter's three verbosities. Pure; uses the SDK walker.
 */
#ifndef OTELC_DEBUG_TEXT_H
#define OTELC_DEBUG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/sdk/otlp_json.h>

enum debug_verbosity { VERBOSITY_BASIC = 0, VERBOSITY_NORMAL = 1, VERBOSITY_DETAILED = 2 };

/* Appends the text for the request at buf (borrowed) to out (the caller
 * frees out->data with otlp_buf_free). basic: one summary line; normal:
 * one line per span; detailed: every field. Returns 0, or a negative
 * OTLP_E* code for malformed input, or -1 when memory ran out. */
int debug_render(const uint8_t *buf, size_t len, enum debug_verbosity v, struct otlp_buf *out);

#endif
