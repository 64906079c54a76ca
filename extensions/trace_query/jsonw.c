/*
 * jsonw.c: JSON values written into a qout.
 */
#include "qout.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/utf8.h>

#define MAX_DEPTH 32 /* deeper AnyValues are written as null */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len = p[0] < 0xc0 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf8 ? 4 : 0;
    return len && len <= n && otlp_utf8_valid(p, len) ? len : 0;
}

void jw_string(qout *o, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = data, *end = p + n, *run = p;
    qout_write(o, "\"", 1);
    while (p < end) {
        if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
            p++;
            continue;
        }
        size_t seq = *p >= 0x80 ? utf8_seq(p, (size_t)(end - p)) : 0;
        if (seq) {
            p += seq;
            continue;
        }
        qout_write(o, run, (size_t)(p - run));
        char esc[8] = {'\\', (char)*p, 0};
        if (*p >= 0x80)
            memcpy(esc, "\\ufffd", 7);
        else if (*p < 0x20)
            snprintf(esc, sizeof(esc), "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
        qout_puts(o, esc);
        run = ++p;
    }
    qout_write(o, run, (size_t)(p - run));
    qout_write(o, "\"", 1);
}

void jw_cstr(qout *o, const char *s)
{
    jw_string(o, s, strlen(s));
}

void jw_bytes(qout *o, pb_bytes b)
{
    jw_string(o, b.ptr, b.len);
}

void jw_hex(qout *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[2 * 64];
    qout_write(o, "\"", 1);
    while (n) {
        size_t take = n < 64 ? n : 64;
        for (size_t i = 0; i < take; i++) {
            buf[2 * i] = hex[p[i] >> 4];
            buf[2 * i + 1] = hex[p[i] & 15];
        }
        qout_write(o, buf, 2 * take);
        p += take;
        n -= take;
    }
    qout_write(o, "\"", 1);
}

void jw_u64(qout *o, uint64_t v)
{
    char buf[24];
    qout_write(o, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

void jw_i64(qout *o, int64_t v)
{
    char buf[24];
    qout_write(o, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v));
}

void jw_u64_string(qout *o, uint64_t v)
{
    qout_write(o, "\"", 1);
    jw_u64(o, v);
    qout_write(o, "\"", 1);
}

/* The shortest %g form that reads back as v. */
static int double_text(double v, char *buf, size_t size)
{
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v || prec == 17)
            return n;
    }
    return 0;
}

void jw_double(qout *o, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        qout_puts(o, isnan(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    qout_write(o, buf, (size_t)double_text(v, buf, sizeof(buf)));
}

void jw_base64(qout *o, const uint8_t *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    qout_write(o, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {t[v >> 18], t[v >> 12 & 63], i + 1 < n ? t[v >> 6 & 63] : '=',
                     i + 2 < n ? t[v & 63] : '='};
        qout_write(o, q, 4);
    }
    qout_write(o, "\"", 1);
}

static void any_at(qout *o, const otlp_anyvalue *v, int depth);

static void array_at(qout *o, const otlp_anyvalue *v, int depth)
{
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_anyvalue item;
    otlp_list_iter_init(&it, &items);
    qout_write(o, "[", 1);
    for (int i = 0; otlp_array_next(&it, &item) > 0; i++) {
        if (i)
            qout_write(o, ",", 1);
        any_at(o, &item, depth + 1);
    }
    qout_write(o, "]", 1);
}

static void kvlist_at(qout *o, const otlp_list *attrs, int depth)
{
    otlp_list_iter it;
    otlp_kv kv;
    otlp_list_iter_init(&it, attrs);
    qout_write(o, "{", 1);
    for (int i = 0; otlp_attr_next(&it, &kv) > 0; i++) {
        if (i)
            qout_write(o, ",", 1);
        jw_bytes(o, kv.key);
        qout_write(o, ":", 1);
        any_at(o, &kv.value, depth + 1);
    }
    qout_write(o, "}", 1);
}

static void any_at(qout *o, const otlp_anyvalue *v, int depth)
{
    if (depth > MAX_DEPTH) {
        qout_puts(o, "null");
        return;
    }
    switch (v->type) {
    case OTLP_ANY_STRING: jw_bytes(o, v->bytes); break;
    case OTLP_ANY_BOOL: qout_puts(o, v->boolean ? "true" : "false"); break;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: jw_i64(o, v->integer); break;
    case OTLP_ANY_DOUBLE: jw_double(o, v->number); break;
    case OTLP_ANY_BYTES: jw_base64(o, v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_ARRAY: array_at(o, v, depth); break;
    case OTLP_ANY_KVLIST: {
        otlp_list items = otlp_any_items(v);
        kvlist_at(o, &items, depth);
        break;
    }
    default: qout_puts(o, "null"); break;
    }
}

void jw_any(qout *o, const otlp_anyvalue *v)
{
    any_at(o, v, 0);
}

void jw_any_text(qout *o, const otlp_anyvalue *v)
{
    if (v->type == OTLP_ANY_STRING)
        qout_write(o, v->bytes.ptr, v->bytes.len);
    else if (v->type == OTLP_ANY_EMPTY)
        return;
    else if (v->type == OTLP_ANY_DOUBLE && isfinite(v->number)) {
        char buf[40];
        qout_write(o, buf, (size_t)double_text(v->number, buf, sizeof(buf)));
    } else
        any_at(o, v, 0);
}

void jw_attrs_object(qout *o, const otlp_list *attrs)
{
    kvlist_at(o, attrs, 0);
}
