/*
 * value.c: typing YAML scalars, hashing, converting and comparing values
 * as the collector does (its attraction and filtermatcher packages).
 */
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void attr_buf_put(attr_buf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap - b->len < n)
            cap *= 2;
        char *grown = realloc(b->p, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void attr_buf_free(attr_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- YAML scalars ---- */

static bool one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

/* The base a Go integer literal's prefix says; *p moves past it. */
static int literal_base(const char **p)
{
    const char *s = *p;
    int base = 10;
    if (s[0] == '0' && s[1] && strchr("xXoObB", s[1])) {
        base = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
        *p += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        *p += 1;
    }
    return base;
}

/* Go's strconv.ParseInt(s, 0, 64) after YAML dropped the underscores. */
static bool yaml_int(const char *text, int64_t *out)
{
    char s[72];
    size_t n = 0;
    for (; *text; text++)
        if (*text != '_' && n + 1 < sizeof s)
            s[n++] = *text;
        else if (*text != '_')
            return false;
    s[n] = '\0';
    const char *p = s;
    bool neg = *p == '-';
    p += *p == '-' || *p == '+';
    int base = literal_base(&p);
    if (!isalnum((unsigned char)*p))
        return false;
    char *end;
    errno = 0;
    unsigned long long u = strtoull(p, &end, base);
    /* Past int64, Go's decoder gives a uint64, which pcommon wraps. */
    if (*end || errno || (neg && u > (unsigned long long)INT64_MAX + 1))
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* YAML's float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float_form(const char *s)
{
    size_t before = 0, after = 0;
    s += *s == '-' || *s == '+';
    while (isdigit((unsigned char)*s))
        s++, before++;
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++)
            after++;
    if (before == 0 && after == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        s += *s == '-' || *s == '+';
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

static bool yaml_float(const char *s, double *out)
{
    static const char *const pos_inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const neg_inf[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nan[] = {".nan", ".NaN", ".NAN", NULL};
    char *end;
    if (one_of(s, pos_inf) || one_of(s, neg_inf) || one_of(s, nan)) {
        *out = one_of(s, nan) ? NAN : one_of(s, neg_inf) ? -INFINITY : INFINITY;
        return true;
    }
    if (!yaml_float_form(s))
        return false;
    errno = 0;
    *out = strtod(s, &end);
    return *end == '\0' && errno == 0;
}

bool attr_value_from_yaml(const char *text, otlp_anyvalue *out)
{
    static const char *const null[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const yes[] = {"true", "True", "TRUE", NULL};
    static const char *const no[] = {"false", "False", "FALSE", NULL};
    memset(out, 0, sizeof(*out));
    if (!text || one_of(text, null))
        return false;
    if (one_of(text, yes) || one_of(text, no)) {
        out->type = OTLP_ANY_BOOL;
        out->boolean = one_of(text, yes);
    } else if (yaml_int(text, &out->integer)) {
        out->type = OTLP_ANY_INT;
    } else if (yaml_float(text, &out->number)) {
        out->type = OTLP_ANY_DOUBLE;
    } else {
        out->type = OTLP_ANY_STRING;
        out->bytes = (pb_bytes){(const uint8_t *)text, strlen(text)};
    }
    return true;
}

/* ---- hashing ---- */

static void le64(uint64_t v, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

void attr_value_hash(const otlp_anyvalue *v, char out[65])
{
    uint8_t scalar[8], md[EVP_MAX_MD_SIZE];
    const uint8_t *p = scalar;
    size_t n = 0;
    unsigned md_len = 0;
    uint64_t bits;
    switch (v->type) {
    case OTLP_ANY_STRING: p = v->bytes.ptr, n = v->bytes.len; break;
    case OTLP_ANY_BOOL: scalar[0] = v->boolean ? 1 : 0, n = 1; break;
    case OTLP_ANY_INT: le64((uint64_t)v->integer, scalar), n = 8; break;
    case OTLP_ANY_DOUBLE: memcpy(&bits, &v->number, 8), le64(bits, scalar), n = 8; break;
    default: break;
    }
    out[0] = '\0';
    /* The collector hashes only a non-empty input; the rest becomes "". */
    if (n == 0 || !EVP_Digest(p, n, md, &md_len, EVP_sha256(), NULL))
        return;
    for (size_t i = 0; i < md_len && i < 32; i++) {
        out[2 * i] = "0123456789abcdef"[md[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
    }
    out[64] = '\0';
}

/* ---- conversion ---- */

/* strconv.ParseInt(s, 10, 64): sign and decimal digits, nothing else. */
static bool parse_int10(pb_bytes s, int64_t *out)
{
    char tmp[32];
    char *end;
    if (s.len == 0 || s.len >= sizeof tmp)
        return false;
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    const char *digits = tmp + (tmp[0] == '-' || tmp[0] == '+');
    if (!isdigit((unsigned char)*digits))
        return false;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

/* strconv.ParseFloat(s, 64), near enough: strtod over the whole string,
 * without the leading blanks and "nan(...)" forms Go refuses. */
static bool parse_double(pb_bytes s, double *out)
{
    char tmp[400];
    char *end;
    if (s.len == 0 || s.len >= sizeof tmp || isspace(s.ptr[0]))
        return false;
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    if (strchr(tmp, '('))
        return false;
    errno = 0;
    *out = strtod(tmp, &end);
    return *end == '\0' && errno == 0;
}

/* Go's int64(f) on amd64: out of range and NaN give INT64_MIN. */
static int64_t truncate_double(double d)
{
    if (isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

static bool to_int(const otlp_anyvalue *v, otlp_anyvalue *out)
{
    out->type = OTLP_ANY_INT;
    switch (v->type) {
    case OTLP_ANY_DOUBLE: out->integer = truncate_double(v->number); return true;
    case OTLP_ANY_BOOL: out->integer = v->boolean; return true;
    case OTLP_ANY_STRING: return parse_int10(v->bytes, &out->integer);
    default: return false;
    }
}

static bool to_double(const otlp_anyvalue *v, otlp_anyvalue *out)
{
    out->type = OTLP_ANY_DOUBLE;
    switch (v->type) {
    case OTLP_ANY_INT: out->number = (double)v->integer; return true;
    case OTLP_ANY_BOOL: out->number = v->boolean; return true;
    case OTLP_ANY_STRING: return parse_double(v->bytes, &out->number);
    default: return false;
    }
}

static bool to_string(const otlp_anyvalue *v, attr_buf *b, otlp_anyvalue *out)
{
    size_t at = b->len;
    if (v->type == OTLP_ANY_STRING || !attr_value_text(v, ATTR_TEXT_ASSTRING, b) || b->failed)
        return false;
    out->type = OTLP_ANY_STRING;
    out->bytes = (pb_bytes){(const uint8_t *)b->p + at, b->len - at};
    return true;
}

bool attr_value_convert(const otlp_anyvalue *v, enum attr_conv to, attr_buf *b,
                        otlp_anyvalue *out)
{
    memset(out, 0, sizeof(*out));
    switch (to) {
    case ATTR_TO_INT: return v->type != OTLP_ANY_INT && to_int(v, out);
    case ATTR_TO_DOUBLE: return v->type != OTLP_ANY_DOUBLE && to_double(v, out);
    case ATTR_TO_STRING: return to_string(v, b, out);
    default: return false;
    }
}

bool attr_value_equal(const otlp_anyvalue *a, const otlp_anyvalue *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case OTLP_ANY_BOOL: return a->boolean == b->boolean;
    case OTLP_ANY_INT:
    case OTLP_ANY_STRINDEX: return a->integer == b->integer;
    case OTLP_ANY_DOUBLE: return a->number == b->number;
    case OTLP_ANY_EMPTY: return true;
    default:
        return a->bytes.len == b->bytes.len &&
               (a->bytes.len == 0 || memcmp(a->bytes.ptr, b->bytes.ptr, a->bytes.len) == 0);
    }
}
