/*
 * otlp_json_lex.c: JSON (RFC 8259) tokens for the OTLP/JSON reader, read
 * in place. Accepts what jansson accepted for the reader before: strict
 * UTF-8, \u0000 in strings (the reader decides), integers within int64
 * and finite reals.
 */
#include "otlp_json_lex.h"

#include "json_fmt.h"

#include <otelc/sdk/utf8.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ojl_init(oj_lex *l, const char *json, size_t len)
{
    memset(l, 0, sizeof(*l));
    l->start = l->p = json;
    l->end = json + len;
}

void ojl_free(oj_lex *l)
{
    free(l->buf);
    l->buf = NULL;
    l->cap = 0;
}

static bool bad(oj_lex *l, const char *why)
{
    if (!l->failed) {
        l->failed = true;
        l->why = why;
    }
    return false;
}

static void skip_ws(oj_lex *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\n' || *l->p == '\r' || *l->p == '\t'))
        l->p++;
}

/* Reads c (after whitespace) if it is next. */
static bool eat(oj_lex *l, char c)
{
    skip_ws(l);
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return true;
    }
    return false;
}

/* Room for n more bytes and a NUL in the scratch buffer at offset used. */
static bool reserve(oj_lex *l, size_t used, size_t n)
{
    if (used + n + 1 <= l->cap)
        return true;
    size_t cap = l->cap ? l->cap : 256;
    while (cap < used + n + 1)
        cap *= 2;
    char *b = realloc(l->buf, cap);
    if (!b) {
        l->nomem = true;
        return bad(l, "out of memory");
    }
    l->buf = b;
    l->cap = cap;
    return true;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX at l->p (after the backslash and 'u'), a surrogate pair whole. */
static bool unicode_escape(oj_lex *l, uint32_t *cp)
{
    int hi = l->end - l->p >= 4 ? hex4(l->p) : -1;
    if (hi < 0)
        return bad(l, "invalid \\u escape");
    l->p += 4;
    *cp = (uint32_t)hi;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return bad(l, "invalid Unicode escape (lone low surrogate)");
    if (hi < 0xD800 || hi > 0xDBFF)
        return true;
    int lo = l->end - l->p >= 6 && l->p[0] == '\\' && l->p[1] == 'u' ? hex4(l->p + 2) : -1;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return bad(l, "invalid Unicode escape (lone high surrogate)");
    l->p += 6;
    *cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
    return true;
}

/* One escape after its backslash, appended at buf + *used. */
static bool escape(oj_lex *l, size_t *used)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (l->p >= l->end)
        return bad(l, "unexpected end of input in a string");
    char c = *l->p++;
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        l->buf[(*used)++] = to[k - from];
        return true;
    }
    uint32_t cp = 0;
    if (c != 'u')
        return bad(l, "invalid escape");
    if (!unicode_escape(l, &cp))
        return false;
    *used += put_utf8(l->buf + *used, cp);
    return true;
}

/* A string at l->p (its opening quote read) into the scratch buffer. The
 * buffer is grown once for the longest run the input can give. */
static bool string_body(oj_lex *l, ojv *v)
{
    size_t used = 0;
    for (;;) {
        const char *run = l->p;
        while (l->p < l->end && *l->p != '"' && *l->p != '\\' && (unsigned char)*l->p >= 0x20)
            l->p++;
        size_t n = (size_t)(l->p - run);
        if (!reserve(l, used, n + 4))
            return false;
        memcpy(l->buf + used, run, n);
        used += n;
        if (l->p >= l->end)
            return bad(l, "unexpected end of input in a string");
        char c = *l->p++;
        if (c == '"')
            break;
        if (c != '\\')
            return bad(l, "control character in a string");
        if (!escape(l, &used))
            return false;
    }
    l->buf[used] = '\0';
    if (!otlp_utf8_valid(l->buf, used))
        return bad(l, "invalid UTF-8 in a string");
    v->type = OJV_STRING;
    v->s = l->buf;
    v->n = used;
    return true;
}

static const char *digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* The end of a number token at p, or NULL if malformed; *real when it
 * has a fraction or an exponent. */
static const char *number_end(const char *p, const char *end, bool *real)
{
    *real = false;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        p = digits(p, end);
    else
        return NULL;
    if (p < end && *p == '.') {
        const char *q = digits(p + 1, end);
        if (q == p + 1)
            return NULL;
        p = q;
        *real = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *q = digits(p, end);
        if (q == p)
            return NULL;
        p = q;
        *real = true;
    }
    return p;
}

static bool number(oj_lex *l, ojv *v)
{
    bool real;
    const char *e = number_end(l->p, l->end, &real);
    if (!e)
        return bad(l, "invalid number");
    size_t n = (size_t)(e - l->p);
    if (!reserve(l, 0, n))
        return false;
    memcpy(l->buf, l->p, n); /* the input need not end in a NUL */
    l->buf[n] = '\0';
    l->p = e;
    errno = 0;
    if (!real) {
        v->type = OJV_INT;
        v->i = strtoll(l->buf, NULL, 10);
        return errno == 0 || bad(l, "too big integer");
    }
    locale_t c = jf_c_numeric();
    v->type = OJV_REAL;
    v->d = c ? strtod_l(l->buf, NULL, c) : strtod(l->buf, NULL);
    return isfinite(v->d) || bad(l, "real number overflow");
}

static bool literal(oj_lex *l, const char *word, ojv_type t, ojv *v)
{
    size_t n = strlen(word);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, word, n) != 0)
        return bad(l, "invalid token");
    l->p += n;
    v->type = t;
    return true;
}

bool ojl_value(oj_lex *l, ojv *v)
{
    v->type = OJV_NULL; /* defined even after an error */
    skip_ws(l);
    if (l->failed)
        return false;
    if (l->p >= l->end)
        return bad(l, "unexpected end of input");
    char c = *l->p;
    switch (c) {
    case '{': l->p++; v->type = OJV_OBJECT; return true;
    case '[': l->p++; v->type = OJV_ARRAY; return true;
    case '"': l->p++; return string_body(l, v);
    case 't': return literal(l, "true", OJV_TRUE, v);
    case 'f': return literal(l, "false", OJV_FALSE, v);
    case 'n': return literal(l, "null", OJV_NULL, v);
    default: return c == '-' || (c >= '0' && c <= '9') ? number(l, v) : bad(l, "invalid token");
    }
}

bool ojl_member(oj_lex *l, bool *first, ojv *key)
{
    if (l->failed)
        return false;
    if (eat(l, '}'))
        return false;
    if (!*first && !eat(l, ','))
        return bad(l, "expected ',' or '}'");
    *first = false;
    if (!eat(l, '"'))
        return bad(l, "expected a string as object key");
    if (!string_body(l, key))
        return false;
    return eat(l, ':') || bad(l, "expected ':'");
}

bool ojl_element(oj_lex *l, bool *first)
{
    if (l->failed)
        return false;
    if (eat(l, ']'))
        return false;
    if (!*first && !eat(l, ','))
        return bad(l, "expected ',' or ']'");
    *first = false;
    return true;
}

static bool skip_at(oj_lex *l, const ojv *v, unsigned depth)
{
    bool first = true;
    ojv x, key;
    if (v->type != OJV_OBJECT && v->type != OJV_ARRAY)
        return true;
    if (depth >= OJL_MAX_NESTING)
        return bad(l, "too deeply nested");
    while (v->type == OJV_OBJECT ? ojl_member(l, &first, &key) : ojl_element(l, &first)) {
        if (!ojl_value(l, &x) || !skip_at(l, &x, depth + 1))
            return false;
    }
    return !l->failed;
}

bool ojl_skip(oj_lex *l, const ojv *v)
{
    return skip_at(l, v, 0);
}

bool ojl_at_end(oj_lex *l)
{
    skip_ws(l);
    return l->p == l->end || bad(l, "end of input expected");
}

void ojl_where(const oj_lex *l, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = l->start; p < l->p && p < l->end; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}
