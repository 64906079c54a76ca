/*
 * thrift_r.c: the Thrift compact protocol, reading side, for footers that
 * come from outside: every read is bounds-checked, sizes are checked
 * against the bytes left before anything trusts them, nesting is bounded,
 * and the first failure sticks.
 */
#include <errno.h>
#include <string.h>

#include "pq_int.h"

void tc_reader_init(tc_reader *r, const uint8_t *p, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->p = p;
    r->end = p + n;
}

static void fail(tc_reader *r)
{
    r->err = -EBADMSG;
    r->p = r->end;
}

static uint64_t read_varint(tc_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    fail(r);
    return 0;
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint8_t read_byte(tc_reader *r)
{
    if (r->p >= r->end) {
        fail(r);
        return 0;
    }
    return *r->p++;
}

static size_t left(const tc_reader *r)
{
    return (size_t)(r->end - r->p);
}

uint8_t tc_next_field(tc_reader *r, int16_t *last, int16_t *id)
{
    uint8_t b = read_byte(r);
    if (r->err || b == TC_STOP)
        return TC_STOP;
    uint8_t type = b & 0x0f;
    int64_t v = (b >> 4) ? *last + (b >> 4) : unzigzag(read_varint(r));
    if (r->err || type > TC_STRUCT || v < INT16_MIN || v > INT16_MAX) {
        fail(r);
        return TC_STOP;
    }
    *id = *last = (int16_t)v;
    return type;
}

int64_t tc_read_int(tc_reader *r, uint8_t type)
{
    if (type == TC_BYTE)
        return (int8_t)read_byte(r);
    if (type != TC_I16 && type != TC_I32 && type != TC_I64) {
        fail(r);
        return 0;
    }
    int64_t v = unzigzag(read_varint(r));
    bool fits = type == TC_I64 || (type == TC_I32 ? v >= INT32_MIN && v <= INT32_MAX
                                                  : v >= INT16_MIN && v <= INT16_MAX);
    if (!fits)
        fail(r);
    return r->err ? 0 : v;
}

bool tc_read_bool(tc_reader *r, uint8_t type)
{
    if (type != TC_TRUE && type != TC_FALSE)
        fail(r);
    return type == TC_TRUE;
}

pq_view tc_read_binary(tc_reader *r, uint8_t type)
{
    pq_view v = {NULL, 0};
    uint64_t n = type == TC_BINARY ? read_varint(r) : 0;
    if (type != TC_BINARY || r->err || n > left(r)) {
        fail(r);
        return v;
    }
    v.ptr = r->p;
    v.len = (size_t)n;
    r->p += n;
    return v;
}

uint32_t tc_read_list(tc_reader *r, uint8_t type, uint8_t *elem_type)
{
    uint8_t b = type == TC_LIST || type == TC_SET ? read_byte(r) : 0;
    uint64_t n = b >> 4;
    if (n == 15)
        n = read_varint(r);
    *elem_type = b & 0x0f;
    /* Every element takes a byte at least: a larger count is a lie. */
    if ((type != TC_LIST && type != TC_SET) || r->err || n > left(r) || *elem_type == TC_STOP ||
        *elem_type > TC_STRUCT) {
        fail(r);
        return 0;
    }
    return (uint32_t)n;
}

bool tc_enter(tc_reader *r, uint8_t type)
{
    if (type != TC_STRUCT || r->err || r->depth >= TC_MAX_DEPTH) {
        fail(r);
        return false;
    }
    r->depth++;
    return true;
}

void tc_leave(tc_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

static void skip_struct(tc_reader *r)
{
    int16_t last = 0, id;
    uint8_t t;
    if (!tc_enter(r, TC_STRUCT))
        return;
    while ((t = tc_next_field(r, &last, &id)) != TC_STOP)
        tc_skip(r, t);
    tc_leave(r);
}

/* A bool inside a list or map is a whole byte; as a field it was the type. */
static void skip_element(tc_reader *r, uint8_t type)
{
    if (type == TC_TRUE || type == TC_FALSE)
        read_byte(r);
    else
        tc_skip(r, type);
}

static void skip_list(tc_reader *r, uint8_t type)
{
    uint8_t elem;
    uint32_t n = tc_read_list(r, type, &elem);
    if (r->depth >= TC_MAX_DEPTH) {
        fail(r);
        return;
    }
    r->depth++;
    for (uint32_t i = 0; i < n && !r->err; i++)
        skip_element(r, elem);
    r->depth--;
}

static void skip_map(tc_reader *r)
{
    uint64_t n = read_varint(r);
    uint8_t kv = n ? read_byte(r) : 0;
    if (r->err || n > left(r) || r->depth >= TC_MAX_DEPTH) {
        fail(r);
        return;
    }
    r->depth++;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        skip_element(r, kv >> 4);
        skip_element(r, kv & 0x0f);
    }
    r->depth--;
}

void tc_skip(tc_reader *r, uint8_t type)
{
    switch (type) {
    case TC_TRUE:
    case TC_FALSE: return; /* the value was in the field header */
    case TC_BYTE: read_byte(r); return;
    case TC_I16:
    case TC_I32:
    case TC_I64: read_varint(r); return;
    case TC_DOUBLE:
        if (left(r) < 8)
            fail(r);
        else
            r->p += 8;
        return;
    case TC_BINARY: tc_read_binary(r, type); return;
    case TC_LIST:
    case TC_SET: skip_list(r, type); return;
    case TC_MAP: skip_map(r); return;
    case TC_STRUCT: skip_struct(r); return;
    default: fail(r); return;
    }
}
