/*
 * json_fmt.h: the OTLP/JSON writer's value formatting into memory the
 * caller has already sized (internal). No bounds checks: each function
 * states the room it needs, and callers reserve it once for many values.
 * Each returns the end of what it wrote.
 */
#ifndef OTELC_SDK_JSON_FMT_H
#define OTELC_SDK_JSON_FMT_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes any formatter may store past the end it returns (scratch writes
 * of whole words that the next output overwrites). */
#define JF_OVERRUN 8

/* Room for a quoted, escaped string of n bytes: each byte may become a
 * six-byte \u00XX escape. */
#define JF_STRING_ROOM(n) (6 * (size_t)(n) + 2 + JF_OVERRUN)

/* Room for the longest integer (a sign and 20 digits) or double
 * ("-2.2250738585072014e-308", "\"-Infinity\"", or %.17g's longest). */
#define JF_NUMBER_ROOM 40

/* A JSON string of n bytes of UTF-8, quoted and escaped; NULL (with
 * anything written to d) when the bytes are not valid UTF-8. */
char *jf_string(char *d, const uint8_t *p, size_t n);

/* The escaped bytes of a string known to be valid UTF-8, without quotes;
 * needs JF_STRING_ROOM(n) - 2 bytes. A multi-byte sequence may be split
 * between calls: bytes >= 0x80 are copied as they are. */
char *jf_escape(char *d, const uint8_t *p, size_t n);

/* Lowercase hex of n bytes (trace and span ids), unquoted: 2n bytes. */
char *jf_hex(char *d, const uint8_t *p, size_t n);

/* Standard base64 with padding, unquoted: (n + 2) / 3 * 4 bytes. */
char *jf_base64(char *d, const uint8_t *p, size_t n);

/* Decimal digits, with a '-' for negative values: JF_NUMBER_ROOM. */
char *jf_u64(char *d, uint64_t v);
char *jf_i64(char *d, int64_t v);

/* The shortest decimal that reads back as v; "NaN", "Infinity" and
 * "-Infinity" quoted; -0.0 as "-0.0" so that it stays negative:
 * JF_NUMBER_ROOM. */
char *jf_double(char *d, double v);

/* The C locale for LC_NUMERIC, made once; (locale_t)0 if it could not be
 * made (then the process's locale is used). */
locale_t jf_c_numeric(void);

#endif /* OTELC_SDK_JSON_FMT_H */
