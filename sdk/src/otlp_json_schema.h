/*
 * otlp_json_schema.h: what the OTLP/JSON writer knows of each trace
 * message (internal): per field number, its JSON key, how its value is
 * written and, for messages, their own schema.
 */
#ifndef OTELC_SDK_OTLP_JSON_SCHEMA_H
#define OTELC_SDK_OTLP_JSON_SCHEMA_H

#include <otelc/sdk/pbwire.h>

#include <stdbool.h>
#include <stdint.h>

/* How a field's value is written; it also fixes the wire type. */
enum wkind {
    K_NONE = 0, /* no such field number */
    K_STRING,
    K_HEXID,   /* bytes written as hex: trace and span ids */
    K_BYTES,   /* bytes written as base64 */
    K_FIXED64, /* fixed64, a quoted decimal */
    K_INT64,   /* int64 varint, a quoted decimal */
    K_UINT32,
    K_INT32, /* int32 and enums */
    K_FIXED32,
    K_DOUBLE,
    K_BOOL,
    K_MESSAGE,
};

#define F_REPEATED 1u
#define F_ONEOF 2u /* member of a oneof: written even when zero */

struct wschema;

/* Keys are copied KEY_COPY bytes at a time (two vector moves, instead of
 * a variable-length copy) and then the cursor moves by key_len. */
#define KEY_COPY 32

struct wfield {
    char key[KEY_COPY + 1]; /* ",\"name\":" : the comma is skipped for the first key */
    uint8_t key_len;
    uint8_t kind;
    uint8_t flags;
    const struct wschema *sub;
};

struct wschema {
    const struct wfield *fields; /* indexed by field number; [0] unused */
    uint8_t max_num;
    bool is_anyvalue; /* entering it counts toward OTLP_JSON_MAX_DEPTH */
};

#define MAX_FIELD_NUM 16 /* Span.flags */

/* ResourceSpans: where every request's content starts. */
extern const struct wschema otlp_resource_spans_schema;

static inline enum pb_wire_type wire_type_of(enum wkind k)
{
    switch (k) {
    case K_FIXED64:
    case K_DOUBLE: return PB_I64;
    case K_FIXED32: return PB_I32;
    case K_INT64:
    case K_UINT32:
    case K_INT32:
    case K_BOOL: return PB_VARINT;
    default: return PB_LEN;
    }
}

#endif /* OTELC_SDK_OTLP_JSON_SCHEMA_H */
