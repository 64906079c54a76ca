/*
 * fn_types.c: converters between types and about types: Int, Double,
 * String, Bool, IsString, IsInt, IsDouble, IsBool, IsMap, IsList,
 * IsEmpty, Len, Hex, TraceID, SpanID, Coalesce, ContainsValue.
 * Conversions that fail give nil, as the collector's do.
 */
#include "fn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Go's strconv.ParseInt(s, 10, 64). */
static bool parse_int(pb_bytes s, int64_t *out)
{
    char buf[32];
    char *end;
    if (!s.len || s.len >= sizeof buf || !(s.ptr[0] == '-' || s.ptr[0] == '+' ||
                                            (s.ptr[0] >= '0' && s.ptr[0] <= '9')))
        return false;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    errno = 0;
    *out = strtoll(buf, &end, 10);
    return errno == 0 && *end == 0 && end != buf;
}

/* Go's strconv.ParseFloat(s, 64), as far as C reads the same forms. */
static bool parse_double(pb_bytes s, double *out)
{
    char buf[64];
    char *end;
    if (!s.len || s.len >= sizeof buf || s.ptr[0] == ' ' || s.ptr[0] == '\t' ||
        s.ptr[0] == '\n')
        return false;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = 0;
    errno = 0;
    *out = strtod(buf, &end);
    return *end == 0 && end != buf && !(errno == ERANGE && isinf(*out));
}

/* Go's int64(f): truncation; out of range gives the minimum, as on amd64. */
static int64_t double_to_int(double d)
{
    if (isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

RUN(ottl_fn_int)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    switch (v.t) {
    case V_INT: *out = v; break;
    case V_DOUBLE: *out = v_int(double_to_int(v.d)); break;
    case V_BOOL: *out = v_int(v.b); break;
    case V_STRING: *out = parse_int(v.s, &out->i) ? v_int(out->i) : v_nil(); break;
    default: *out = v_nil(); break;
    }
    return 0;
}

RUN(ottl_fn_double)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    switch (v.t) {
    case V_DOUBLE: *out = v; break;
    case V_INT: *out = v_double((double)v.i); break;
    case V_BOOL: *out = v_double(v.b ? 1 : 0); break;
    case V_STRING: *out = parse_double(v.s, &out->d) ? v_double(out->d) : v_nil(); break;
    default: *out = v_nil(); break;
    }
    return 0;
}

RUN(ottl_fn_string)
{
    value v;
    pb_bytes s;
    bool nil;
    if (arg(e, c, 0, &v) != 0 || ottl_value_string_like(e, &v, &s, &nil) != 0)
        return -1;
    *out = nil ? v_nil() : v_str(s);
    return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(pb_bytes s)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t k = 0; k < 6; k++) {
        if (bytes_eq(s, yes[k], strlen(yes[k])))
            return 1;
        if (bytes_eq(s, no[k], strlen(no[k])))
            return 0;
    }
    return -1;
}

RUN(ottl_fn_bool)
{
    value v;
    int b;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    switch (v.t) {
    case V_BOOL: *out = v; break;
    case V_INT: *out = v_bool(v.i != 0); break;
    case V_DOUBLE: *out = v_bool(v.d != 0); break;
    case V_STRING: *out = (b = parse_bool(v.s)) < 0 ? v_nil() : v_bool(b); break;
    default: *out = v_nil(); break;
    }
    return 0;
}

static int is_type(ottl_env *e, const call_node *c, vtype t, value *out)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    *out = v_bool(v.t == t);
    return 0;
}

RUN(ottl_fn_is_string) { return is_type(e, c, V_STRING, out); }
RUN(ottl_fn_is_int) { return is_type(e, c, V_INT, out); }
RUN(ottl_fn_is_double) { return is_type(e, c, V_DOUBLE, out); }
RUN(ottl_fn_is_bool) { return is_type(e, c, V_BOOL, out); }
RUN(ottl_fn_is_map) { return is_type(e, c, V_MAP, out); }
RUN(ottl_fn_is_list) { return is_type(e, c, V_SLICE, out); }

static bool all_zero(pb_bytes s)
{
    for (size_t k = 0; k < s.len; k++)
        if (s.ptr[k])
            return false;
    return true;
}

RUN(ottl_fn_is_empty)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    switch (v.t) {
    case V_NIL: *out = v_bool(true); break;
    case V_BOOL: *out = v_bool(!v.b); break;
    case V_INT: case V_DURATION: *out = v_bool(v.i == 0); break;
    case V_DOUBLE: *out = v_bool(v.d == 0); break;
    case V_STRING: case V_BYTES: *out = v_bool(v.s.len == 0); break;
    case V_TRACE_ID: case V_SPAN_ID: *out = v_bool(all_zero(v.s)); break;
    case V_MAP: case V_SLICE: *out = v_bool(ottl_list_count(&v.l, v.t == V_MAP) == 0); break;
    case V_EVENTS: case V_LINKS: *out = v_bool(v.i == 0); break;
    default: *out = v_bool(false); break;
    }
    return 0;
}

RUN(ottl_fn_len)
{
    value v;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    switch (v.t) {
    case V_STRING: *out = v_int((int64_t)v.s.len); return 0;
    case V_MAP: case V_SLICE: *out = v_int(ottl_list_count(&v.l, v.t == V_MAP)); return 0;
    case V_EVENTS: case V_LINKS: *out = v_int(v.i); return 0;
    default: return ottl_errorf(e, "unsupported type for Len: %s", ottl_type_name(v.t));
    }
}

/* A big-endian 8-byte form of an int or a double's bits. */
static pb_bytes be64(ottl_env *e, uint64_t u)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (uint8_t)(u >> (56 - 8 * k));
    return ottl_scratch_dup(e, b, 8);
}

RUN(ottl_fn_hex)
{
    value v;
    uint64_t bits;
    if (arg(e, c, 0, &v) != 0)
        return -1;
    *out = v_nil();
    out->t = V_BYTES;
    switch (v.t) {
    case V_NIL: *out = v_nil(); return 0;
    case V_STRING: case V_BYTES: out->s = v.s; return 0;
    case V_INT: out->s = be64(e, (uint64_t)v.i); return 0;
    case V_DOUBLE: memcpy(&bits, &v.d, 8); out->s = be64(e, bits); return 0;
    case V_BOOL: out->s = ottl_scratch_dup(e, v.b ? "\1" : "\0", 1); return 0;
    default: return ottl_errorf(e, "unsupported type: %s", ottl_type_name(v.t));
    }
}

static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* TraceID / SpanID: n bytes, or 2n hex digits. */
static int make_id(ottl_env *e, const call_node *c, vtype t, size_t n, value *out)
{
    value v;
    uint8_t id[16];
    if (arg(e, c, 0, &v) != 0)
        return -1;
    if (v.t == V_BYTES && v.s.len == n) {
        memcpy(id, v.s.ptr, n);
    } else if (v.t == V_STRING && v.s.len == 2 * n) {
        for (size_t k = 0; k < n; k++) {
            int hi = hex_digit(v.s.ptr[2 * k]), lo = hex_digit(v.s.ptr[2 * k + 1]);
            if (hi < 0 || lo < 0)
                return ottl_errorf(e, "invalid hex in id");
            id[k] = (uint8_t)(hi << 4 | lo);
        }
    } else {
        return ottl_errorf(e, "%s must be %zu bytes or %zu hex digits",
                           t == V_TRACE_ID ? "traceid" : "spanid", n, 2 * n);
    }
    *out = v_nil();
    out->t = t;
    out->s = ottl_scratch_dup(e, id, n);
    return 0;
}

RUN(ottl_fn_trace_id) { return make_id(e, c, V_TRACE_ID, 16, out); }
RUN(ottl_fn_span_id) { return make_id(e, c, V_SPAN_ID, 8, out); }

static int first_non_nil(ottl_env *e, void *arg, const value *item)
{
    (void)e;
    if (item->t == V_NIL)
        return 0;
    *(value *)arg = *item;
    return 1;
}

RUN(ottl_fn_coalesce)
{
    *out = v_nil();
    return ottl_arg_each_item(e, c, 0, first_non_nil, out) < 0 ? -1 : 0;
}

typedef struct contains {
    value item;
    bool found;
} contains;

static int same_item(ottl_env *e, void *arg, const value *item)
{
    contains *k = arg;
    k->found = ottl_value_compare(e, item, &k->item, CMP_EQ);
    return k->found;
}

RUN(ottl_fn_contains_value)
{
    contains k = {.found = false};
    if (arg(e, c, 1, &k.item) != 0)
        return -1;
    if (ottl_arg_each_item(e, c, 0, same_item, &k) < 0)
        return -1;
    *out = v_bool(k.found);
    return 0;
}
