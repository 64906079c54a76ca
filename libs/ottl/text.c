/*
 * text.c: the text of a value as the collector makes it for string-like
 * arguments (Concat, IsMatch, String): strings as they are, bytes as hex,
 * numbers and bools as Go's encoding/json writes them, maps (keys sorted)
 * and lists as JSON with Go's escaping. Trace and span ids come out as hex
 * (the collector would write them as JSON arrays of numbers).
 */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A growing text in the scratch arena: a chunk is taken per append when
 * the last one is full, and the result gathered at the end. */
typedef struct tbuf {
    ottl_env *e;
    char *p;
    size_t len, cap;
    bool failed;
} tbuf;

static void t_put(tbuf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        char *q = ottl_arena_alloc(&b->e->scratch, cap);
        if (!q) {
            b->failed = true;
            return;
        }
        if (b->len)
            memcpy(q, b->p, b->len);
        b->p = q;
        b->cap = cap;
    }
    if (b->p)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void t_str(tbuf *b, const char *s)
{
    t_put(b, s, strlen(s));
}

/* ---- numbers ---- */

/* Shortest decimal digits of d that read back to d: digits and the
 * decimal exponent of the first digit. */
static void shortest(double d, char *digits, int *exp10)
{
    char buf[40] = "0e0";
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    char *e = strchr(buf, 'e');
    if (!e)
        e = buf + strlen(buf);
    *exp10 = *e ? (int)strtol(e + 1, NULL, 10) : 0;
    size_t n = 0;
    for (char *p = buf; p < e; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = 0;
}

static size_t fixed_form(const char *digits, int exp10, char *out)
{
    size_t n = strlen(digits), o = 0;
    if (exp10 < 0) {
        o += (size_t)sprintf(out, "0.");
        for (int k = -1; k > exp10; k--)
            out[o++] = '0';
        for (size_t k = 0; k < n; k++)
            out[o++] = digits[k];
        return o;
    }
    for (int k = 0; k <= exp10 || (size_t)k < n; k++) {
        if (k == exp10 + 1)
            out[o++] = '.';
        out[o++] = (size_t)k < n ? digits[k] : '0';
    }
    return o;
}

size_t ottl_format_double(double d, char *buf)
{
    char digits[24] = {0};
    int exp10;
    size_t o = 0;
    if (d == 0)
        return (size_t)sprintf(buf, signbit(d) ? "-0" : "0");
    if (!isfinite(d))
        return (size_t)sprintf(buf, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
    if (d < 0)
        buf[o++] = '-';
    shortest(fabs(d), digits, &exp10);
    double a = fabs(d);
    if (a >= 1e-6 && a < 1e21)
        return o + fixed_form(digits, exp10, buf + o);
    buf[o++] = digits[0];
    if (digits[1]) {
        buf[o++] = '.';
        o += (size_t)sprintf(buf + o, "%s", digits + 1);
    }
    return o + (size_t)sprintf(buf + o, "e%c%d", exp10 < 0 ? '-' : '+', abs(exp10));
}

/* ---- JSON ---- */

/* The letter of a two-character JSON escape, or 0. */
static char short_escape(uint8_t c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\b': return 'b';
    case '\f': return 'f';
    default: return 0;
    }
}

static void json_string(tbuf *b, pb_bytes s)
{
    static const char hex[] = "0123456789abcdef";
    t_put(b, "\"", 1);
    for (size_t k = 0; k < s.len; k++) {
        uint8_t c = s.ptr[k];
        char esc[2] = {'\\', short_escape(c)};
        if (esc[1]) {
            t_put(b, esc, 2);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            /* Go escapes the HTML-special characters too */
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            t_put(b, u, 6);
        } else if (c == 0xe2 && k + 2 < s.len && s.ptr[k + 1] == 0x80 &&
                   (s.ptr[k + 2] == 0xa8 || s.ptr[k + 2] == 0xa9)) {
            t_str(b, s.ptr[k + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            k += 2;
        } else {
            t_put(b, &c, 1);
        }
    }
    t_put(b, "\"", 1);
}

static void base64(tbuf *b, pb_bytes s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t k = 0; k < s.len; k += 3) {
        uint32_t v = (uint32_t)s.ptr[k] << 16;
        size_t rest = s.len - k;
        if (rest > 1)
            v |= (uint32_t)s.ptr[k + 1] << 8;
        if (rest > 2)
            v |= s.ptr[k + 2];
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], rest > 1 ? tab[(v >> 6) & 63] : '=',
                     rest > 2 ? tab[v & 63] : '='};
        t_put(b, q, 4);
    }
}

static int json_value(tbuf *b, const value *v, int depth);

static int cmp_keys(const void *a, const void *b)
{
    const otlp_kv *x = a, *y = b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = n ? memcmp(x->key.ptr, y->key.ptr, n) : 0;
    return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

static int json_map(tbuf *b, const otlp_list *l, int depth)
{
    otlp_kv *kv;
    size_t n;
    if (ottl_map_entries(b->e, l, &kv, &n) != 0)
        return -1;
    qsort(kv, n, sizeof *kv, cmp_keys); /* Go writes map keys sorted */
    t_put(b, "{", 1);
    for (size_t k = 0; k < n; k++) {
        value v;
        if (k)
            t_put(b, ",", 1);
        json_string(b, kv[k].key);
        t_put(b, ":", 1);
        ottl_value_from_any(&kv[k].value, &v);
        if (json_value(b, &v, depth + 1) != 0)
            return -1;
    }
    t_put(b, "}", 1);
    return 0;
}

static int json_slice(tbuf *b, const otlp_list *l, int depth)
{
    otlp_list_iter it;
    otlp_anyvalue a;
    int rc;
    bool first = true;
    otlp_list_iter_init(&it, l);
    t_put(b, "[", 1);
    while ((rc = otlp_array_next(&it, &a)) > 0) {
        value v;
        if (!first)
            t_put(b, ",", 1);
        first = false;
        ottl_value_from_any(&a, &v);
        if (json_value(b, &v, depth + 1) != 0)
            return -1;
    }
    t_put(b, "]", 1);
    return rc < 0 ? ottl_errorf(b->e, "malformed list") : 0;
}

static void hex_bytes(tbuf *b, pb_bytes s)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t k = 0; k < s.len; k++) {
        char h[2] = {hex[s.ptr[k] >> 4], hex[s.ptr[k] & 15]};
        t_put(b, h, 2);
    }
}

static int json_number(tbuf *b, const value *v)
{
    char num[40];
    if (v->t == V_DOUBLE && !isfinite(v->d))
        return ottl_errorf(b->e, "json: unsupported value: %s",
                           isnan(v->d) ? "NaN" : v->d > 0 ? "+Inf" : "-Inf");
    size_t n = v->t == V_DOUBLE ? ottl_format_double(v->d, num)
                                : (size_t)snprintf(num, sizeof num, "%lld", (long long)v->i);
    t_put(b, num, n);
    return 0;
}

static int json_value(tbuf *b, const value *v, int depth)
{
    if (depth > OTLP_MAX_DEPTH)
        return ottl_errorf(b->e, "value nested too deep");
    switch (v->t) {
    case V_NIL: t_str(b, "null"); return 0;
    case V_BOOL: t_str(b, v->b ? "true" : "false"); return 0;
    case V_INT: case V_DOUBLE: case V_DURATION: return json_number(b, v);
    case V_STRING: json_string(b, v->s); return 0;
    case V_BYTES:
        t_put(b, "\"", 1);
        base64(b, v->s);
        t_put(b, "\"", 1);
        return 0;
    case V_MAP: return json_map(b, &v->l, depth);
    case V_SLICE: return json_slice(b, &v->l, depth);
    default: return ottl_errorf(b->e, "unsupported type: %s", ottl_type_name(v->t));
    }
}

static void fixed_double(tbuf *b, double d)
{
    char digits[24] = {0}, buf[400];
    int exp10;
    size_t o = 0;
    if (d == 0 || !isfinite(d)) {
        o = ottl_format_double(d, buf);
    } else {
        if (d < 0)
            buf[o++] = '-';
        shortest(fabs(d), digits, &exp10);
        o += fixed_form(digits, exp10, buf + o);
    }
    t_put(b, buf, o);
}

static int text_of(tbuf *b, const value *v, text_mode mode)
{
    bool hex = mode == TEXT_STRING_LIKE;
    if (v->t == V_BYTES && !hex) {
        base64(b, v->s);
        return 0;
    }
    if (v->t == V_BYTES || v->t == V_TRACE_ID || v->t == V_SPAN_ID) {
        hex_bytes(b, v->s);
        return 0;
    }
    if (v->t == V_DOUBLE && mode == TEXT_IS_MATCH) {
        fixed_double(b, v->d);
        return 0;
    }
    return json_value(b, v, 1);
}

int ottl_value_text(ottl_env *e, const value *v, text_mode mode, pb_bytes *out, bool *nil)
{
    tbuf b = {.e = e};
    *nil = v->t == V_NIL;
    if (*nil || v->t == V_STRING) {
        *out = *nil ? bytes_of("", 0) : v->s;
        return 0;
    }
    int rc = text_of(&b, v, mode);
    if (rc == 0 && b.failed)
        rc = ottl_errorf(e, "out of memory");
    *out = bytes_of(b.p ? b.p : "", b.len);
    return rc;
}

int ottl_value_string_like(ottl_env *e, const value *v, pb_bytes *out, bool *nil)
{
    return ottl_value_text(e, v, TEXT_STRING_LIKE, out, nil);
}
