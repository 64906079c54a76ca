/*
 * value.h: values at run time: conversions between OTLP AnyValues and
 * OTTL values, maps and lists over wire bytes, text forms, comparison,
 * and building the encoded bodies that lists, maps and new strings need.
 *
 * A value's bytes are views: of the input, of the editor's current
 * attribute list, of a compiled literal, or of the env's scratch arena.
 * Those made here go to the scratch arena and live until the next
 * statement or condition runs in the env.
 */
#ifndef OTTL_VALUE_H
#define OTTL_VALUE_H

#include "internal.h"

#include <string.h>

/* An attribute's value as an OTTL value (arrays and kvlists stay views). */
void ottl_value_from_any(const otlp_anyvalue *a, value *out);

/* v as an AnyValue for the editor (maps and lists as encoded bodies). 0,
 * or -1 with e->err for what an attribute cannot hold. */
int ottl_value_to_any(ottl_env *e, const value *v, otlp_anyvalue *out);

/* map[key]: 1 with *out, 0 when absent, -1 with e->err. */
int ottl_map_get(ottl_env *e, const otlp_list *map, pb_bytes key, value *out);
/* slice[i]: 1, 0 when out of range, -1. */
int ottl_slice_get(ottl_env *e, const otlp_list *slice, int64_t i, value *out);
/* Entries of a map or items of a slice. -1 when malformed. */
int64_t ottl_list_count(const otlp_list *l, bool map);

/* Occurrences of a list's field (events, links), not decoded. -1 when
 * malformed. */
int64_t ottl_list_occurrences(const otlp_list *l);

/* Reads a whole map into an array in the scratch arena. 0 or -1. */
int ottl_map_entries(ottl_env *e, const otlp_list *map, otlp_kv **out, size_t *n);

/* A map or a slice re-encoded as a KeyValueList / ArrayValue body whose
 * fields are all field 1 (what a kvlist or array value holds). */
int ottl_map_body(ottl_env *e, const otlp_list *l, pb_bytes *out);

/* Builds a V_MAP from n entries (keys and values), in the scratch arena. */
int ottl_build_map(ottl_env *e, const otlp_kv *kv, size_t n, value *out);
/* Builds a V_SLICE from n values. */
int ottl_build_slice(ottl_env *e, const value *items, size_t n, value *out);

/* The collector's string-like conversion (StringLikeGetter): strings as
 * they are, bytes and ids as hex, numbers and bools as Go's JSON writes
 * them, maps and lists as JSON. *nil when v is nil. 0, or -1. */
int ottl_value_string_like(ottl_env *e, const value *v, pb_bytes *out, bool *nil);

/* The text forms the collector uses in different places. */
typedef enum text_mode {
    TEXT_STRING_LIKE, /* StringLikeGetter: bytes and ids as hex */
    TEXT_AS_STRING,   /* pcommon's AsString: bytes as base64 */
    TEXT_IS_MATCH,    /* IsMatch: bytes as base64, doubles never with an exponent */
} text_mode;

/* v's text in a mode; nil gives "" with *nil set. 0, or -1. */
int ottl_value_text(ottl_env *e, const value *v, text_mode mode, pb_bytes *out, bool *nil);

/* Go's shortest text of a double, in JSON's form (1e+21, 1e-7, 0.5).
 * Returns its length; buf holds at least 32 bytes. */
size_t ottl_format_double(double d, char *buf);

/* The collector's comparison of two values. */
bool ottl_value_compare(ottl_env *e, const value *a, const value *b, cmp_op op);
/* Deep equality (maps regardless of order). */
bool ottl_value_equal(ottl_env *e, const value *a, const value *b);

/* Scratch copies. */
pb_bytes ottl_scratch_dup(ottl_env *e, const void *p, size_t n);
/* A string made of the concatenation of parts. */
pb_bytes ottl_scratch_concat(ottl_env *e, const pb_bytes *parts, size_t n);

static inline pb_bytes bytes_of(const void *p, size_t n)
{
    pb_bytes b = {(const uint8_t *)p, n};
    return b;
}

static inline bool bytes_eq(pb_bytes a, const void *p, size_t n)
{
    return a.len == n && (n == 0 || memcmp(a.ptr, p, n) == 0);
}

static inline value v_nil(void)
{
    value v;
    memset(&v, 0, sizeof v);
    return v;
}

static inline value v_bool(bool b)
{
    value v = v_nil();
    v.t = V_BOOL;
    v.b = b;
    return v;
}

static inline value v_int(int64_t i)
{
    value v = v_nil();
    v.t = V_INT;
    v.i = i;
    return v;
}

static inline value v_double(double d)
{
    value v = v_nil();
    v.t = V_DOUBLE;
    v.d = d;
    return v;
}

static inline value v_str(pb_bytes s)
{
    value v = v_nil();
    v.t = V_STRING;
    v.s = s;
    return v;
}

/* A typed error: "expected <want> but got <type>". Returns -1. */
int ottl_type_error(ottl_env *e, const char *want, const value *got);

#endif /* OTTL_VALUE_H */
