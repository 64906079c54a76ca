/*
 * pbwire.h: bounds-checked reading of the protobuf wire format.
 *
 * Part of the otelc plugin SDK: header-only, pure, allocation-free. Every
 * reader takes a cursor over caller-owned bytes and never reads past
 * `end`; on malformed or truncated input it returns false and leaves the
 * cursor where it was. Nothing here keeps a pointer after returning except
 * the views (`pb_bytes`) it hands out, which point into the caller's buffer
 * and live as long as that buffer.
 */
#ifndef OTELC_SDK_PBWIRE_H
#define OTELC_SDK_PBWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pb_wire_type {
    PB_VARINT = 0,
    PB_I64 = 1,
    PB_LEN = 2,
    PB_SGROUP = 3, /* groups are deprecated; OTLP has none, so they are refused */
    PB_EGROUP = 4,
    PB_I32 = 5,
};

/* A view of bytes inside a caller's buffer; not NUL-terminated. */
typedef struct pb_bytes {
    const uint8_t *ptr;
    size_t len;
} pb_bytes;

/* A read position: [p, end). */
typedef struct pb_cursor {
    const uint8_t *p;
    const uint8_t *end;
} pb_cursor;

static inline pb_cursor pb_cursor_of(const uint8_t *buf, size_t len)
{
    pb_cursor c = {buf, buf + len};
    return c;
}

static inline bool pb_at_end(const pb_cursor *c)
{
    return c->p >= c->end;
}

/* Reads a base-128 varint of at most 10 bytes. */
static inline bool pb_read_varint(pb_cursor *c, uint64_t *out)
{
    const uint8_t *p = c->p;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (p >= c->end)
            return false;
        uint8_t b = *p++;
        if (shift == 63 && b > 1)
            return false; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            c->p = p;
            *out = v;
            return true;
        }
    }
    return false;
}

/* Longest key encoding: a 29-bit field number and 3-bit type take 5 bytes. */
#define PB_MAX_TAG_LEN 5

/* Reads a field key; field number 0, group wire types and keys padded
 * past PB_MAX_TAG_LEN bytes (which protobuf-c, and so every stage that
 * decodes with it, refuses) are refused. */
static inline bool pb_read_tag(pb_cursor *c, uint32_t *field, enum pb_wire_type *type)
{
    pb_cursor save = *c;
    uint64_t key;
    if (!pb_read_varint(c, &key) || c->p - save.p > PB_MAX_TAG_LEN) {
        *c = save;
        return false;
    }
    uint64_t num = key >> 3;
    unsigned wt = (unsigned)(key & 7);
    if (num == 0 || num > 0x1fffffff || wt == PB_SGROUP || wt == PB_EGROUP || wt > PB_I32) {
        *c = save;
        return false;
    }
    *field = (uint32_t)num;
    *type = (enum pb_wire_type)wt;
    return true;
}

static inline bool pb_read_fixed64(pb_cursor *c, uint64_t *out)
{
    if (c->end - c->p < 8)
        return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | c->p[i];
    c->p += 8;
    *out = v;
    return true;
}

static inline bool pb_read_fixed32(pb_cursor *c, uint32_t *out)
{
    if (c->end - c->p < 4)
        return false;
    *out = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 |
           (uint32_t)c->p[3] << 24;
    c->p += 4;
    return true;
}

/* Reads a length-delimited field's payload as a view. */
static inline bool pb_read_len(pb_cursor *c, pb_bytes *out)
{
    pb_cursor save = *c;
    uint64_t n;
    if (!pb_read_varint(c, &n) || n > (uint64_t)(c->end - c->p)) {
        *c = save;
        return false;
    }
    out->ptr = c->p;
    out->len = (size_t)n;
    c->p += n;
    return true;
}

/*
 * pb_read_tag and pb_read_len with the contract unchanged, for hot loops:
 * OTLP tags and most lengths fit one byte, which is decoded inline here
 * before falling back to the general readers.
 */
static inline bool pb_read_tag_fast(pb_cursor *c, uint32_t *field, enum pb_wire_type *type)
{
    if (c->p < c->end && *c->p < 0x80) {
        uint8_t b = *c->p;
        unsigned wt = b & 7u;
        if (b < 8 || wt == PB_SGROUP || wt == PB_EGROUP || wt > PB_I32)
            return false;
        c->p++;
        *field = b >> 3;
        *type = (enum pb_wire_type)wt;
        return true;
    }
    return pb_read_tag(c, field, type);
}

static inline bool pb_read_len_fast(pb_cursor *c, pb_bytes *out)
{
    if (c->p < c->end && *c->p < 0x80) {
        size_t n = *c->p;
        if (n > (size_t)(c->end - c->p) - 1)
            return false;
        out->ptr = c->p + 1;
        out->len = n;
        c->p += 1 + n;
        return true;
    }
    return pb_read_len(c, out);
}

/* Skips one field's value of the given wire type. */
static inline bool pb_skip(pb_cursor *c, enum pb_wire_type type)
{
    uint64_t u64;
    uint32_t u32;
    pb_bytes b;
    switch (type) {
    case PB_VARINT: return pb_read_varint(c, &u64);
    case PB_I64: return pb_read_fixed64(c, &u64);
    case PB_LEN: return pb_read_len(c, &b);
    case PB_I32: return pb_read_fixed32(c, &u32);
    default: return false;
    }
}

/* Bytes a varint of value v takes on the wire. */
static inline size_t pb_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v as a varint into buf (at least 10 bytes); returns bytes written. */
static inline size_t pb_write_varint(uint8_t *buf, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    return n;
}

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_PBWIRE_H */
