/*
 * attrs.h: attribute lists encoded once, written into any OTLP message.
 *
 * Data points of different types carry their attributes in different
 * field numbers (7 in NumberDataPoint, 9 in HistogramDataPoint, 1 in
 * ExponentialHistogramDataPoint and Resource). An attribute blob therefore
 * holds KeyValue messages without tags: each is its length prefix and its
 * body. A series encodes its blob once when it is created and each flush
 * copies it into its points with otlpm_attrs_write.
 *
 * Values come from the SDK walker's views (otlp_anyvalue) and are copied:
 * a blob owns its bytes and outlives the request it was built from.
 */
#ifndef OTLPMETRICS_ATTRS_H
#define OTLPMETRICS_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/sdk/otlp_walk.h>

#include "pbw.h"

/* Appends one KeyValue to blob w. */
void otlpm_attr_any(pbw *w, const char *key, size_t klen, const otlp_anyvalue *v);
void otlpm_attr_str(pbw *w, const char *key, const char *val, size_t vlen);
void otlpm_attr_bool(pbw *w, const char *key, bool val);

/* Writes every KeyValue of blob [p, p+len) as field `field` of the message
 * being written to w. */
void otlpm_attrs_write(pbw *w, uint32_t field, const uint8_t *p, size_t len);

/* The blob of a walker attribute list (resource, scope, span attributes),
 * appended to w; OTLP_OK or the walker's error code. */
int otlpm_attrs_from_list(pbw *w, const otlp_list *attrs);

/* The value as text, the way the collector's AsString writes it: strings
 * as they are, true/false, integers in decimal, doubles in the shortest
 * form that reads back the same, bytes in base64, arrays and maps as
 * JSON. Appended to w as plain bytes (no tag, no NUL). */
void otlpm_any_text(pbw *w, const otlp_anyvalue *v);

#endif /* OTLPMETRICS_ATTRS_H */
