/*
 * otlp_json_scalar.c: the scalar conversions of the OTLP/JSON reader:
 * proto3 JSON lets integers be numbers or strings, doubles be numbers or
 * a few special strings, and bytes use either base64 alphabet.
 */
#include "otlp_json_scalar.h"

#include "json_fmt.h"

#include <locale.h>
#include <math.h> /* classification macros only: the SDK does not link libm */
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20); /* fold case */
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool ojs_hex_decode(const char *s, size_t n, uint8_t *out)
{
    if (n % 2)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool ojs_base64_decode(const char *s, size_t n, uint8_t *out, size_t *out_len)
{
    size_t pad = 0, k = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    while (n && s[n - 1] == '=' && pad < 2) {
        n--;
        pad++;
    }
    /* one leftover character carries no whole byte; padding only completes
     * the last group of four */
    if (n % 4 == 1 || (pad && (n + pad) % 4))
        return false;
    for (size_t i = 0; i < n; i++) {
        int v = base64_value(s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = k;
    return true;
}

/* Decimal digits only: no sign, no spaces, no exponent. */
static bool parse_digits(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}


bool ojs_int64(const ojv *v, int64_t *out)
{
    double x;
    uint64_t mag;
    if (v->type == OJV_INT) {
        *out = v->i;
        return true;
    }
    if (v->type == OJV_REAL) {
        /* a whole number in range: the conversion is then exact */
        x = v->d;
        if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) ||
            (double)(int64_t)x != x)
            return false;
        *out = (int64_t)x;
        return true;
    }
    if (v->type != OJV_STRING)
        return false;
    const char *s = v->s;
    size_t n = v->n;
    bool negative = n > 0 && s[0] == '-';
    if (!parse_digits(s + negative, n - negative, &mag))
        return false;
    if (mag > (uint64_t)INT64_MAX + negative)
        return false;
    /* negate in unsigned arithmetic: -2^63 has no positive counterpart */
    *out = negative ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

bool ojs_uint64(const ojv *v, uint64_t *out)
{
    double x;
    if (v->type == OJV_INT) {
        if (v->i < 0)
            return false;
        *out = (uint64_t)v->i;
        return true;
    }
    if (v->type == OJV_REAL) {
        x = v->d;
        if (!(x >= 0.0 && x < 18446744073709551616.0) || (double)(uint64_t)x != x)
            return false;
        *out = (uint64_t)x;
        return true;
    }
    if (v->type != OJV_STRING)
        return false;
    return parse_digits(v->s, v->n, out);
}

/* A decimal number in a string, as JSON writes numbers. */
static bool parse_number_string(const char *s, size_t n, double *out)
{
    char *end;
    if (n == 0 || strspn(s, "0123456789+-.eE") != n)
        return false; /* keeps out "inf", "nan", hex floats and spaces */
    locale_t c = jf_c_numeric();
    double d = c ? strtod_l(s, &end, c) : strtod(s, &end);
    if (end != s + n || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool string_is(const ojv *v, const char *lit)
{
    size_t n = strlen(lit);
    return v->n == n && memcmp(v->s, lit, n) == 0;
}

bool ojs_double(const ojv *v, double *out)
{
    if (v->type == OJV_INT) {
        *out = (double)v->i;
        return true;
    }
    if (v->type == OJV_REAL) {
        *out = v->d;
        return true;
    }
    if (v->type != OJV_STRING)
        return false;
    if (string_is(v, "NaN"))
        *out = NAN;
    else if (string_is(v, "Infinity"))
        *out = INFINITY;
    else if (string_is(v, "-Infinity"))
        *out = -INFINITY;
    else
        return parse_number_string(v->s, v->n, out);
    return true;
}
