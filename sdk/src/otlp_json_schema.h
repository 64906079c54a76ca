/*
 * otlp_json_schema.h: what the OTLP/JSON writer knows of each message of
 * the three signals (internal): per field number, its JSON key, how its
 * value is written and, for messages, their own schema.
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
    K_UINT64,   /* uint64 varint, a quoted decimal */
    K_SFIXED64, /* sfixed64, a quoted decimal */
    K_SINT32,   /* zigzag varint */
};

#define F_REPEATED 1u
#define F_ONEOF 2u /* member of the message's oneof: written even when zero */
/* A repeated scalar, packed (a length-delimited run) or one per tag, as
 * protobuf lets senders choose; implies F_REPEATED. */
#define F_PACKED 4u
/* A proto3 `optional` scalar: written whenever present, even at zero.
 * Unlike F_ONEOF, each such field stands alone. */
#define F_PRESENT 8u

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

#define MAX_FIELD_NUM 16 /* Span.flags; nothing in metrics or logs goes higher */

/* ResourceSpans, ResourceMetrics, ResourceLogs: where every request's
 * content starts. */
extern const struct wschema otlp_resource_spans_schema, otlp_resource_metrics_schema,
    otlp_resource_logs_schema;

/* A sint32's value from its zigzag varint. */
static inline int32_t zigzag32(uint64_t v)
{
    uint32_t n = (uint32_t)v;
    return (int32_t)(n >> 1) ^ -(int32_t)(n & 1);
}

static inline enum pb_wire_type wire_type_of(enum wkind k)
{
    switch (k) {
    case K_FIXED64:
    case K_SFIXED64:
    case K_DOUBLE: return PB_I64;
    case K_FIXED32: return PB_I32;
    case K_INT64:
    case K_UINT64:
    case K_UINT32:
    case K_INT32:
    case K_SINT32:
    case K_BOOL: return PB_VARINT;
    default: return PB_LEN;
    }
}

#endif /* OTELC_SDK_OTLP_JSON_SCHEMA_H */
