/*
 * otlp_json_fast.c: the OTLP/JSON writer's single pass, for messages as
 * encoders write them.
 *
 * Senders write fields in field-number order, each singular field once
 * and the occurrences of a repeated field together. For such a message
 * the canonical JSON is its fields in wire order, so it can be written
 * while it is read: no index pass, no rescans. The room for the whole
 * message is reserved first, from a bound on the JSON a wire byte can
 * give, so nothing is checked per write. Anything else (fields out of
 * order or repeated, unknown fields, wrong wire types, packed lists, invalid UTF-8,
 * nesting past the limit, a message too large to reserve for) makes the
 * pass give up before o->cur moves, and the two-pass writer starts that
 * message over: it gives the same bytes and reports the same errors.
 */
#include "otlp_json_fast.h"

#include "json_fmt.h"

#include <assert.h>
#include <string.h>

/*
 * Most JSON bytes one wire byte can give. The worst field is a one-byte
 * varint under a long key: `50 01` is ",\"droppedAttributesCount\":1",
 * 27 bytes for 2 (and up to 3 digits: 29). A string byte gives at most 6
 * (a \u00XX escape), an empty message or string with its key and
 * brackets at most 23 for its 2 bytes.
 */
#define JSON_PER_WIRE_BYTE 16

/* The message's own braces, and what a formatter may write past its end
 * (a whole key copied, snprintf's NUL, a stored word). */
#define RESERVE_SLACK (2 + KEY_COPY + JF_NUMBER_ROOM)

/* Largest message the pass takes: its bound must fit one reservation. */
#define MAX_WIRE_LEN ((JO_MAX_RESERVE - RESERVE_SLACK) / JSON_PER_WIRE_BYTE)

/* Where a message's fields are while it is written. */
struct fields_seen {
    uint32_t prev;  /* field number of the previous field, 0 before any */
    bool written;   /* a key is out: the next one has its comma */
    bool list_open; /* prev is a repeated field whose '[' is out */
    bool oneof;     /* a oneof member has been seen */
};

static char *message(char *d, const struct wschema *s, const uint8_t *p, const uint8_t *end,
                     unsigned depth);

/* A decoded wire value, as the two-pass writer has it. */
struct fvalue {
    uint64_t num;
    pb_bytes bytes;
};

static char *quoted_u64(char *d, uint64_t v)
{
    *d++ = '"';
    d = jf_u64(d, v);
    *d++ = '"';
    return d;
}

static char *quoted_i64(char *d, int64_t v)
{
    *d++ = '"';
    d = jf_i64(d, v);
    *d++ = '"';
    return d;
}

/* Quoted hex (ids) or base64 (bytes). */
static char *quoted_binary(char *d, const pb_bytes *b, bool hex)
{
    *d++ = '"';
    d = hex ? jf_hex(d, b->ptr, b->len) : jf_base64(d, b->ptr, b->len);
    *d++ = '"';
    return d;
}

static char *boolean(char *d, uint64_t v)
{
    memcpy(d, v ? "true" : "false", 5);
    return d + (v ? 4 : 5);
}

static char *double_bits(char *d, uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return jf_double(d, v);
}

/* Writes one value; NULL to give up. */
static char *value(char *d, const struct wfield *f, const struct fvalue *v, unsigned depth)
{
    const pb_bytes *b = &v->bytes;
    switch ((enum wkind)f->kind) {
    case K_STRING: return jf_string(d, b->ptr, b->len);
    case K_HEXID: return quoted_binary(d, b, true);
    case K_BYTES: return quoted_binary(d, b, false);
    case K_FIXED64:
    case K_UINT64: return quoted_u64(d, v->num);
    case K_INT64:
    case K_SFIXED64: return quoted_i64(d, (int64_t)v->num);
    case K_UINT32:
    case K_FIXED32: return jf_u64(d, (uint32_t)v->num);
    case K_INT32: return jf_i64(d, (int32_t)(uint32_t)v->num);
    case K_SINT32: return jf_i64(d, zigzag32(v->num));
    case K_BOOL: return boolean(d, v->num);
    case K_DOUBLE: return double_bits(d, v->num);
    case K_MESSAGE: return message(d, f->sub, b->ptr, b->ptr + b->len, depth);
    default: return NULL;
    }
}

/* Reads the value of a field of kind k; false on malformed input. */
static bool read_value(pb_cursor *c, enum wkind k, struct fvalue *v)
{
    uint32_t u32;
    switch (wire_type_of(k)) {
    case PB_VARINT: return pb_read_varint(c, &v->num);
    case PB_I64: return pb_read_fixed64(c, &v->num);
    case PB_I32:
        if (!pb_read_fixed32(c, &u32))
            return false;
        v->num = u32;
        return true;
    default: return pb_read_len_fast(c, &v->bytes);
    }
}

/* proto3 leaves zero scalars, empty strings and bytes off the wire. */
static bool is_default(enum wkind k, const struct fvalue *v)
{
    double d;
    switch (k) {
    case K_STRING:
    case K_HEXID:
    case K_BYTES: return v->bytes.len == 0;
    case K_UINT32:
    case K_INT32:
    case K_FIXED32: return (uint32_t)v->num == 0;
    case K_DOUBLE:
        memcpy(&d, &v->num, sizeof d);
        return d == 0;
    case K_MESSAGE: return false;
    default: return v->num == 0;
    }
}

/*
 * What comes before field num's value: nothing more for a further
 * occurrence of a repeated field, else the end of the previous list, the
 * key, and '[' for a list. Returns NULL to give up (out of order, a
 * singular field again, a second oneof member).
 */
static char *field_start(char *d, const struct wfield *f, uint32_t num, struct fields_seen *seen)
{
    if (num == seen->prev) {
        if (!(f->flags & F_REPEATED))
            return NULL;
        *d++ = ',';
        return d;
    }
    if (num < seen->prev || ((f->flags & F_ONEOF) && seen->oneof))
        return NULL;
    if (seen->list_open)
        *d++ = ']';
    seen->prev = num;
    seen->oneof |= (f->flags & F_ONEOF) != 0;
    memcpy(d, f->key + !seen->written, KEY_COPY);
    d += f->key_len - !seen->written;
    seen->written = true;
    seen->list_open = (f->flags & F_REPEATED) != 0;
    if (seen->list_open)
        *d++ = '[';
    return d;
}

/* A singular scalar at its default is left out, as by the two-pass writer
 * (a oneof member is written whatever its value). */
static bool left_out(const struct wfield *f, const struct fvalue *v)
{
    return !(f->flags & (F_ONEOF | F_REPEATED | F_PRESENT)) &&
           is_default((enum wkind)f->kind, v);
}

/* Reads and writes one field; NULL to give up. */
static char *field(char *d, const struct wschema *s, pb_cursor *c, struct fields_seen *seen,
                   unsigned depth)
{
    uint32_t num;
    enum pb_wire_type wt;
    struct fvalue v = {0, {NULL, 0}};
    if (!pb_read_tag_fast(c, &num, &wt) || num > s->max_num)
        return NULL;
    const struct wfield *f = &s->fields[num];
    /* Packed runs (histogram buckets) are the two-pass writer's. */
    if (f->kind == K_NONE || (f->flags & F_PACKED) || wt != wire_type_of((enum wkind)f->kind) ||
        !read_value(c, (enum wkind)f->kind, &v))
        return NULL;
    if (num != seen->prev && left_out(f, &v)) {
        if (num < seen->prev)
            return NULL;
        seen->prev = num; /* noted all the same: a later occurrence is a repeat */
        return d;
    }
    d = field_start(d, f, num, seen);
    return d ? value(d, f, &v, depth) : NULL;
}

static char *message(char *d, const struct wschema *s, const uint8_t *p, const uint8_t *end,
                     unsigned depth)
{
    struct fields_seen seen = {0, false, false, false};
    pb_cursor c = {p, end};
    if (s->is_anyvalue && ++depth > OTLP_JSON_MAX_DEPTH)
        return NULL;
    *d++ = '{';
    while (d && !pb_at_end(&c))
        d = field(d, s, &c, &seen, depth);
    if (!d)
        return NULL;
    if (seen.list_open)
        *d++ = ']';
    *d++ = '}';
    return d;
}

bool otlp_json_fast_message(struct json_out *o, const struct wschema *s, const pb_bytes *m,
                            unsigned depth)
{
    if (m->len > MAX_WIRE_LEN || o->err)
        return false;
    size_t bound = m->len * JSON_PER_WIRE_BYTE + 2;
    char *d = jo_reserve(o, bound + RESERVE_SLACK);
    if (!d)
        return false;
    char *end = message(d, s, m->ptr, m->ptr + m->len, depth);
    if (!end)
        return false;
    assert((size_t)(end - d) <= bound);
    o->cur = end;
    return true;
}
