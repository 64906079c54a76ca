/*
 * value_text.c: the text form of a value, as Go prints it: integers in
 * decimal, bools as true/false, doubles with the fewest digits that read
 * back the same (strconv's -1 precision), bytes in standard base64.
 */
#include "value.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shortest decimal digits of |d| that read back as d, and the
 * exponent of the first digit: |d| = 0.DIGITS x 10^(exp + 1). */
static size_t shortest_digits(double d, char digits[24], int *exp)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(d));
        if (strtod(tmp, NULL) == fabs(d))
            break;
    }
    size_t n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    *exp = (int)strtol(p + 1, NULL, 10);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

static void put_str(attr_buf *b, const char *s)
{
    attr_buf_put(b, s, strlen(s));
}

/* Go's 'f' format with those digits: never an exponent. */
static void put_fixed(attr_buf *b, const char *digits, size_t n, int exp)
{
    if (exp < 0) {
        put_str(b, "0.");
        for (int i = -1; i > exp; i--)
            put_str(b, "0");
        attr_buf_put(b, digits, n);
        return;
    }
    size_t whole = (size_t)exp + 1;
    attr_buf_put(b, digits, n < whole ? n : whole);
    for (size_t i = n; i < whole; i++)
        put_str(b, "0");
    if (n > whole) {
        put_str(b, ".");
        attr_buf_put(b, digits + whole, n - whole);
    }
}

/* Go's 'e' format with those digits, the exponent without padding (as
 * pcommon's AsString cleans it: 1e-07 becomes 1e-7). */
static void put_exponent(attr_buf *b, const char *digits, size_t n, int exp)
{
    char e[16];
    attr_buf_put(b, digits, 1);
    if (n > 1) {
        put_str(b, ".");
        attr_buf_put(b, digits + 1, n - 1);
    }
    snprintf(e, sizeof e, "e%c%d", exp < 0 ? '-' : '+', abs(exp));
    put_str(b, e);
}

static void put_double(attr_buf *b, double d, enum attr_text_style style)
{
    char digits[24];
    int exp;
    if (isnan(d) || isinf(d)) {
        put_str(b, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
        return;
    }
    size_t n = shortest_digits(d, digits, &exp);
    if (signbit(d))
        put_str(b, "-");
    double a = fabs(d);
    if (style == ATTR_TEXT_ASSTRING && a != 0 && (a < 1e-6 || a >= 1e21))
        put_exponent(b, digits, n, exp);
    else
        put_fixed(b, digits, n, a == 0 ? 0 : exp);
}

static void put_base64(attr_buf *b, pb_bytes in)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < in.len; i += 3) {
        uint32_t v = (uint32_t)in.ptr[i] << 16;
        size_t left = in.len - i;
        if (left > 1)
            v |= (uint32_t)in.ptr[i + 1] << 8;
        if (left > 2)
            v |= in.ptr[i + 2];
        char q[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63], left > 1 ? abc[v >> 6 & 63] : '=',
                     left > 2 ? abc[v & 63] : '='};
        attr_buf_put(b, q, 4);
    }
}

bool attr_value_text(const otlp_anyvalue *v, enum attr_text_style style, attr_buf *b)
{
    char num[24];
    switch (v->type) {
    case OTLP_ANY_STRING: attr_buf_put(b, v->bytes.ptr, v->bytes.len); return true;
    case OTLP_ANY_BOOL: put_str(b, v->boolean ? "true" : "false"); return true;
    case OTLP_ANY_INT:
        snprintf(num, sizeof num, "%" PRId64, v->integer);
        put_str(b, num);
        return true;
    case OTLP_ANY_DOUBLE: put_double(b, v->number, style); return true;
    case OTLP_ANY_BYTES:
        if (style == ATTR_TEXT_FIXED)
            return false;
        put_base64(b, v->bytes);
        return true;
    case OTLP_ANY_EMPTY: return style == ATTR_TEXT_ASSTRING;
    default: return false;
    }
}
