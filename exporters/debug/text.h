/*
 * text.h: renders a serialized Export{Trace,Metrics,Logs}ServiceRequest
 * as readable text, at the debug exporter's three verbosities, in the
 * collector's layout. Pure: traces through the SDK walker (text.c),
 * metrics and logs decoded with protobuf-c (text_metrics_logs.c).
 */
#ifndef OTELC_DEBUG_TEXT_H
#define OTELC_DEBUG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_json.h>

enum debug_verbosity { VERBOSITY_BASIC = 0, VERBOSITY_NORMAL = 1, VERBOSITY_DETAILED = 2 };

/* Appends the text for the request of signal sig at buf (borrowed) to
 * out (the caller frees out->data with otlp_buf_free). basic: one summary
 * line; normal: one line per span, data point or log record; detailed:
 * every field. Returns 0, -1 when memory ran out, or another negative
 * OTLP_E* code for input that cannot be read. */
int debug_render(otelc_signal sig, const uint8_t *buf, size_t len, enum debug_verbosity v,
                 struct otlp_buf *out);

/* debug_render for one signal each. */
int debug_render_traces(const uint8_t *buf, size_t len, enum debug_verbosity v,
                        struct otlp_buf *out);
int debug_render_metrics(const uint8_t *buf, size_t len, enum debug_verbosity v,
                         struct otlp_buf *out);
int debug_render_logs(const uint8_t *buf, size_t len, enum debug_verbosity v,
                      struct otlp_buf *out);

/* Appending to out (text.c): n bytes of p, printf-style text (pieces of
 * at most 511 bytes), bytes as lowercase hex. 0, or -1 when memory ran
 * out. */
int dbg_put(struct otlp_buf *o, const char *p, size_t n);
int dbg_putf(struct otlp_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dbg_put_hex(struct otlp_buf *o, pb_bytes b);

#endif
