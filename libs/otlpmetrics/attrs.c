/* Attribute blobs and attribute values as text; see attrs.h. */
#include "attrs.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/pbwire.h>

/* AnyValue and KeyValue field numbers (common.proto). */
enum {
    ANY_STRING = 1, ANY_BOOL = 2, ANY_INT = 3, ANY_DOUBLE = 4,
    ANY_ARRAY = 5, ANY_KVLIST = 6, ANY_BYTES = 7,
    KV_KEY = 1, KV_VALUE = 2,
};

/* Deepest array/map nesting written as text; deeper levels are elided. */
#define TEXT_MAX_DEPTH 8

static void any_body(pbw *w, const otlp_anyvalue *v)
{
    switch (v->type) {
    case OTLP_ANY_STRING: pbw_bytes(w, ANY_STRING, v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_BOOL: pbw_varint(w, ANY_BOOL, v->boolean); break;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: pbw_varint(w, ANY_INT, (uint64_t)v->integer); break;
    case OTLP_ANY_DOUBLE: pbw_double(w, ANY_DOUBLE, v->number); break;
    case OTLP_ANY_ARRAY: pbw_bytes(w, ANY_ARRAY, v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_KVLIST: pbw_bytes(w, ANY_KVLIST, v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_BYTES: pbw_bytes(w, ANY_BYTES, v->bytes.ptr, v->bytes.len); break;
    default: break; /* an empty AnyValue */
    }
}

void otlpm_attr_any(pbw *w, const char *key, size_t klen, const otlp_anyvalue *v)
{
    size_t kv = pbw_open(w, 0);
    pbw_bytes(w, KV_KEY, key, klen);
    size_t any = pbw_open(w, KV_VALUE);
    any_body(w, v);
    pbw_close(w, any);
    pbw_close(w, kv);
}

void otlpm_attr_str(pbw *w, const char *key, const char *val, size_t vlen)
{
    otlp_anyvalue v = {.type = OTLP_ANY_STRING, .bytes = {(const uint8_t *)val, vlen}};
    otlpm_attr_any(w, key, strlen(key), &v);
}

void otlpm_attr_bool(pbw *w, const char *key, bool val)
{
    otlp_anyvalue v = {.type = OTLP_ANY_BOOL, .boolean = val};
    otlpm_attr_any(w, key, strlen(key), &v);
}

void otlpm_attrs_write(pbw *w, uint32_t field, const uint8_t *p, size_t len)
{
    pb_cursor c = pb_cursor_of(p, len);
    pb_bytes kv;
    /* The blob is our own encoding: every entry is a well-formed prefix. */
    while (!pb_at_end(&c) && pb_read_len(&c, &kv))
        pbw_bytes(w, field, kv.ptr, kv.len);
}

int otlpm_attrs_from_list(pbw *w, const otlp_list *attrs)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, attrs);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        otlpm_attr_any(w, (const char *)kv.key.ptr, kv.key.len, &kv.value);
    return rc < 0 ? rc : OTLP_OK;
}

/* ---- values as text ---- */

static void text(pbw *w, const char *s)
{
    pbw_raw(w, s, strlen(s));
}

/* Go's strconv.FormatFloat(v, 'f', -1, 64): the fewest digits that read
 * back as v, never in exponent form. */
static void double_text(pbw *w, double v)
{
    char buf[400];
    if (isnan(v) || isinf(v)) {
        text(w, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return;
    }
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    snprintf(buf, sizeof(buf), "%.*g", prec, v);
    const char *e = strchr(buf, 'e');
    if (e) {
        int places = prec - 1 - (int)strtol(e + 1, NULL, 10);
        snprintf(buf, sizeof(buf), "%.*f", places > 0 ? places : 0, v);
    }
    text(w, buf);
}

static void base64_text(pbw *w, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t b = (uint32_t)p[i] << 16;
        b |= i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0;
        b |= i + 2 < n ? p[i + 2] : 0;
        char out[4] = {tab[b >> 18], tab[(b >> 12) & 63], i + 1 < n ? tab[(b >> 6) & 63] : '=',
                       i + 2 < n ? tab[b & 63] : '='};
        pbw_raw(w, out, 4);
    }
}

static void json_string(pbw *w, pb_bytes s)
{
    pbw_raw(w, "\"", 1);
    for (size_t i = 0; i < s.len; i++) {
        char esc[8] = {(char)s.ptr[i], '\0'};
        uint8_t c = s.ptr[i];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (c < 0x20)
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        text(w, esc);
    }
    pbw_raw(w, "\"", 1);
}

static void any_text_at(pbw *w, const otlp_anyvalue *v, int depth, bool quoted);

static void list_text(pbw *w, const otlp_anyvalue *v, int depth)
{
    bool map = v->type == OTLP_ANY_KVLIST;
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_list_iter_init(&it, &items);
    text(w, map ? "{" : "[");
    for (int i = 0; depth < TEXT_MAX_DEPTH; i++) {
        otlp_kv kv;
        int rc = map ? otlp_attr_next(&it, &kv) : otlp_array_next(&it, &kv.value);
        if (rc <= 0)
            break;
        if (i)
            text(w, ",");
        if (map) {
            json_string(w, kv.key);
            text(w, ":");
        }
        any_text_at(w, &kv.value, depth + 1, true);
    }
    text(w, map ? "}" : "]");
}

static void any_text_at(pbw *w, const otlp_anyvalue *v, int depth, bool quoted)
{
    char buf[32];
    switch (v->type) {
    case OTLP_ANY_STRING:
        if (quoted)
            json_string(w, v->bytes);
        else
            pbw_raw(w, v->bytes.ptr, v->bytes.len);
        break;
    case OTLP_ANY_BOOL: text(w, v->boolean ? "true" : "false"); break;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX:
        snprintf(buf, sizeof(buf), "%" PRId64, v->integer);
        text(w, buf);
        break;
    case OTLP_ANY_DOUBLE: double_text(w, v->number); break;
    case OTLP_ANY_BYTES: base64_text(w, v->bytes.ptr, v->bytes.len); break;
    case OTLP_ANY_ARRAY:
    case OTLP_ANY_KVLIST: list_text(w, v, depth); break;
    default: break;
    }
}

void otlpm_any_text(pbw *w, const otlp_anyvalue *v)
{
    any_text_at(w, v, 0, false);
}
