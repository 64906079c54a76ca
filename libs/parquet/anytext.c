/*
 * anytext.c: attribute values as text, and arrays and maps as JSON (the
 * form the collector's exporters give them when a column holds strings).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anytext.h"

static void put_str(pq_buf *o, const char *s)
{
    pq_buf_put(o, s, strlen(s));
}

static void put_int(pq_buf *o, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    pq_buf_put(o, tmp, (size_t)n);
}

/* The shortest of 15, 16 or 17 significant digits that reads back exact. */
static void put_double(pq_buf *o, double d)
{
    if (isnan(d) || isinf(d)) {
        put_str(o, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
        return;
    }
    char tmp[32];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    pq_buf_put(o, tmp, (size_t)n);
}

static void put_base64(pq_buf *o, const uint8_t *p, size_t n)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {abc[v >> 18], abc[(v >> 12) & 63], i + 1 < n ? abc[(v >> 6) & 63] : '=',
                     i + 2 < n ? abc[v & 63] : '='};
        pq_buf_put(o, q, 4);
    }
}

static void put_json_string(pq_buf *o, const uint8_t *p, size_t n)
{
    pq_buf_byte(o, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            pq_buf_byte(o, '\\');
            pq_buf_byte(o, c);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put_str(o, esc);
        } else {
            pq_buf_byte(o, c);
        }
    }
    pq_buf_byte(o, '"');
}

static int put_json(pq_buf *o, const otlp_anyvalue *v, int depth);

static int put_json_array(pq_buf *o, const otlp_anyvalue *v, int depth)
{
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_anyvalue item;
    int rc, first = 1;
    otlp_list_iter_init(&it, &items);
    pq_buf_byte(o, '[');
    while ((rc = otlp_array_next(&it, &item)) > 0) {
        if (!first)
            pq_buf_byte(o, ',');
        first = 0;
        if (put_json(o, &item, depth + 1) != 0)
            return -1;
    }
    pq_buf_byte(o, ']');
    return rc;
}

static int put_json_object(pq_buf *o, const otlp_anyvalue *v, int depth)
{
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_kv kv;
    int rc, first = 1;
    otlp_list_iter_init(&it, &items);
    pq_buf_byte(o, '{');
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        if (!first)
            pq_buf_byte(o, ',');
        first = 0;
        put_json_string(o, kv.key.ptr, kv.key.len);
        pq_buf_byte(o, ':');
        if (put_json(o, &kv.value, depth + 1) != 0)
            return -1;
    }
    pq_buf_byte(o, '}');
    return rc;
}

/* One value as JSON: numbers and booleans bare, bytes as base64 strings,
 * non-finite doubles as strings (JSON has no such numbers). */
static int put_json(pq_buf *o, const otlp_anyvalue *v, int depth)
{
    if (depth > OTLP_MAX_DEPTH)
        return -1;
    switch (v->type) {
    case OTLP_ANY_STRING: put_json_string(o, v->bytes.ptr, v->bytes.len); return 0;
    case OTLP_ANY_BOOL: put_str(o, v->boolean ? "true" : "false"); return 0;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: put_int(o, v->integer); return 0;
    case OTLP_ANY_ARRAY: return put_json_array(o, v, depth);
    case OTLP_ANY_KVLIST: return put_json_object(o, v, depth);
    case OTLP_ANY_EMPTY: put_str(o, "null"); return 0;
    default: break;
    }
    bool quoted = v->type == OTLP_ANY_BYTES || isnan(v->number) || isinf(v->number);
    if (quoted)
        pq_buf_byte(o, '"');
    if (v->type == OTLP_ANY_BYTES)
        put_base64(o, v->bytes.ptr, v->bytes.len);
    else
        put_double(o, v->number);
    if (quoted)
        pq_buf_byte(o, '"');
    return 0;
}

const char *pq_any_text(const otlp_anyvalue *v, pq_buf *out)
{
    switch (v->type) {
    case OTLP_ANY_STRING: pq_buf_put(out, v->bytes.ptr, v->bytes.len); return "string";
    case OTLP_ANY_BOOL: put_str(out, v->boolean ? "true" : "false"); return "bool";
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: put_int(out, v->integer); return "int";
    case OTLP_ANY_DOUBLE: put_double(out, v->number); return "double";
    case OTLP_ANY_BYTES: put_base64(out, v->bytes.ptr, v->bytes.len); return "bytes";
    case OTLP_ANY_ARRAY: return put_json_array(out, v, 1) == 0 ? "array" : NULL;
    case OTLP_ANY_KVLIST: return put_json_object(out, v, 1) == 0 ? "map" : NULL;
    default: return "empty";
    }
}
