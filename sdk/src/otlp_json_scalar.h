/*
 * otlp_json_scalar.h: OTLP/JSON scalar values to C values (internal to the
 * OTLP/JSON reader). Each returns false when the value is of the wrong
 * JSON type, malformed or out of range; none allocates.
 */
#ifndef OTELC_SDK_OTLP_JSON_SCALAR_H
#define OTELC_SDK_OTLP_JSON_SCALAR_H

#include "otlp_json_lex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n hex digits (even, either case) into n / 2 bytes at out. */
bool ojs_hex_decode(const char *s, size_t n, uint8_t *out);

/* Standard or URL-safe base64, padded or not, into at most n / 4 * 3 + 2
 * bytes at out; *out_len receives the decoded length. */
bool ojs_base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_len);

/* An integer given as a JSON number (integral) or a decimal string. */
bool ojs_int64(const ojv *v, int64_t *out);
bool ojs_uint64(const ojv *v, uint64_t *out);

/* A JSON number, "NaN", "Infinity", "-Infinity", or a number in a string. */
bool ojs_double(const ojv *v, double *out);

#endif /* OTELC_SDK_OTLP_JSON_SCALAR_H */
