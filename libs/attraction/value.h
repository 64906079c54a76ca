/*
 * value.h: attribute values as the collector's attraction package treats
 * them: YAML scalars typed as Go's YAML decoder types them, the text form
 * of a value (pcommon's AsString), SHA-256 hashing and type conversion.
 */
#ifndef ATTRACTION_VALUE_H
#define ATTRACTION_VALUE_H

#include <otelc/sdk/otlp_walk.h>

#include <stdbool.h>
#include <stddef.h>

/* A growable byte buffer for values made while an action runs. Once an
 * allocation fails `failed` stays set and writes are dropped. */
typedef struct attr_buf {
    char *p;
    size_t len, cap;
    bool failed;
} attr_buf;

void attr_buf_put(attr_buf *b, const void *p, size_t n);
void attr_buf_free(attr_buf *b);

/* What `convert` turns a value into (converted_type). */
enum attr_conv { ATTR_TO_STRING, ATTR_TO_INT, ATTR_TO_DOUBLE };

/* Which text a double gets: pcommon's AsString (shortest digits, an
 * exponent below 1e-6 and from 1e21) or strconv's 'f' format (shortest
 * digits, never an exponent), which attribute matching uses. */
enum attr_text_style { ATTR_TEXT_ASSTRING, ATTR_TEXT_FIXED };

/*
 * The value a plain YAML scalar stands for: null ("", "~", "null"), bool,
 * int (decimal, 0x, 0o, 0b, leading-0 octal, underscores), double
 * (decimal with a dot or exponent, .inf, .nan) or else the string, a view
 * of text (which must outlive the value). Returns false for null.
 */
bool attr_value_from_yaml(const char *text, otlp_anyvalue *out);

/* Appends the text form of v to b. Returns false (nothing appended) for
 * what has none here: arrays and kvlists, and with ATTR_TEXT_FIXED bytes
 * and empty values too. */
bool attr_value_text(const otlp_anyvalue *v, enum attr_text_style style, attr_buf *b);

/* The collector's hash action: the lowercase hex SHA-256 of a string's
 * bytes, a bool's byte, an int's or a double's 8 little-endian bytes;
 * "" for every other value (and for the empty string). out holds 65. */
void attr_value_hash(const otlp_anyvalue *v, char out[65]);

/*
 * The collector's convert action: writes the converted value to *out and
 * returns true, or returns false when the value stays as it is (it has
 * the type already, or a string does not parse, or the type has no
 * conversion). A string result views b, valid until b changes.
 */
bool attr_value_convert(const otlp_anyvalue *v, enum attr_conv to, attr_buf *b,
                        otlp_anyvalue *out);

/* Equality of type and value for scalars (strict attribute matching);
 * other types compare their encoded bytes. */
bool attr_value_equal(const otlp_anyvalue *a, const otlp_anyvalue *b);

#endif /* ATTRACTION_VALUE_H */
