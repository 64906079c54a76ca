/*
 * anytext.h: attribute values as the trace table stores them: as text in
 * the attribute maps (the ClickHouse exporter's rule), with the original
 * type named in the companion *AttributeTypes maps for every value that
 * is not a string (docs/storage.md).
 */
#ifndef OTELC_PARQUET_ANYTEXT_H
#define OTELC_PARQUET_ANYTEXT_H

#include <otelc/sdk/otlp_walk.h>

#include "pq_int.h"

/*
 * Appends the text of v to out: booleans "true"/"false", integers in
 * decimal, doubles in the shortest %g form that reads back to the same
 * double ("NaN", "+Inf", "-Inf" for the others), bytes in base64, arrays
 * and key-value lists as JSON, an empty value as "". Returns the type name
 * ("string", "bool", "int", "double", "bytes", "array", "map", "empty"),
 * or NULL when a nested value is malformed.
 */
const char *pq_any_text(const otlp_anyvalue *v, pq_buf *out);

#endif /* OTELC_PARQUET_ANYTEXT_H */
