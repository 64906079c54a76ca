/*
 * otlp_validate_schema.h: the OTLP messages as the validator sees them
 * (internal). One table per message, indexed by field number; the
 * checking loop in otlp_validate.c walks them, so a new field is one row.
 */
#ifndef OTELC_SDK_OTLP_VALIDATE_SCHEMA_H
#define OTELC_SDK_OTLP_VALIDATE_SCHEMA_H

#include <otelc/sdk/pbwire.h>

#include <stdbool.h>
#include <stdint.h>

enum vkind {
    VK_VARINT,
    VK_FIXED64,
    VK_FIXED32,
    VK_STRING, /* must be UTF-8 */
    VK_BYTES,
    VK_ID16,        /* span and link trace ids: 16 bytes, not all zero */
    VK_ID8,         /* span and link span ids: 8 bytes, not all zero */
    VK_ID16_OPT,    /* log record and exemplar trace ids: empty or 16 bytes */
    VK_ID8_OPT,     /* parent span id, log record and exemplar span ids */
    VK_PACKED_I64,  /* repeated fixed64 or double: packed, or one per tag */
    VK_PACKED_VARINT, /* repeated uint64: packed, or one per tag */
    VK_MSG,
};

/* What entering a message means besides checking it. */
enum vrole {
    ROLE_PLAIN,
    ROLE_ITEM, /* an item the request counts: span, data point, log record */
    ROLE_ANY,  /* an AnyValue: one level of nesting */
};

struct vmsg;

struct vfield {
    const char *name; /* NULL: not in the schema, skipped */
    enum vkind kind;
    bool repeated;
    const struct vmsg *msg; /* VK_MSG only */
    enum pb_wire_type wt;   /* what kind takes on the wire (packed: one element) */
};

struct vmsg {
    const struct vfield *fields; /* indexed by field number */
    uint32_t max_field;          /* < 32, so `seen` masks fit a uint32_t */
    uint32_t required;           /* fields that must be present, as bits */
    enum vrole role;
    const char *item; /* ROLE_ITEM: its name in messages ("span 3: ...") */
};

#define VBIT(n) (1u << (n))

/* Where each signal's Export*ServiceRequest starts. */
extern const struct vmsg otlp_vtraces_request, otlp_vmetrics_request, otlp_vlogs_request;

/* What the fast paths of otlp_validate.c recognise. */
extern const struct vmsg otlp_vkey_value, otlp_vspan;
extern const struct vfield otlp_vspan_fields[];

#endif /* OTELC_SDK_OTLP_VALIDATE_SCHEMA_H */
