/*
 * json_out.c: the byte-level JSON output of the OTLP/JSON writer: the
 * refillable window, string escaping, hex, base64 and numbers.
 */
#include "json_out.h"

#include <otelc/sdk/utf8.h>

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h> /* classification macros only: the SDK does not link libm */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define BUF_FIRST_CAP 4096

void jo_init_sink(struct json_out *o, otlp_json_sink sink, void *ctx, char *stage,
                  size_t stage_cap)
{
    memset(o, 0, sizeof *o);
    o->sink = sink;
    o->ctx = ctx;
    o->stage = stage;
    o->stage_cap = stage_cap;
    o->cur = stage;
    o->lim = stage + stage_cap;
}

void jo_init_buf(struct json_out *o, struct otlp_buf *buf)
{
    memset(o, 0, sizeof *o);
    o->buf = buf;
    if (buf->data) {
        o->cur = buf->data + buf->len;
        o->lim = buf->data + buf->cap;
    } else {
        buf->len = buf->cap = 0;
    }
}

void jo_fail(struct json_out *o, int err)
{
    if (!o->err)
        o->err = err;
    o->cur = o->scratch;
    o->lim = o->scratch + sizeof o->scratch;
}

static void refill_sink(struct json_out *o)
{
    size_t used = (size_t)(o->cur - o->stage);
    if (used) {
        int rc = o->sink(o->ctx, o->stage, used);
        if (rc) {
            jo_fail(o, rc);
            return;
        }
    }
    o->cur = o->stage;
    o->lim = o->stage + o->stage_cap;
}

static void refill_buf(struct json_out *o, size_t n)
{
    struct otlp_buf *b = o->buf;
    if (b->data)
        b->len = (size_t)(o->cur - b->data);
    size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            jo_fail(o, -ENOMEM);
            return;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        jo_fail(o, -ENOMEM);
        return;
    }
    b->data = p;
    b->cap = cap;
    o->cur = p + b->len;
    o->lim = p + cap;
}

void jo_refill(struct json_out *o, size_t n)
{
    if (o->err)
        jo_fail(o, o->err); /* rewind the scratch area */
    else if (o->sink)
        refill_sink(o);
    else
        refill_buf(o, n);
}

void jo_put_slow(struct json_out *o, const void *p, size_t n)
{
    const char *s = p;
    while (n && !o->err) {
        size_t avail = (size_t)(o->lim - o->cur);
        if (!avail) {
            jo_refill(o, n);
            continue;
        }
        size_t k = n < avail ? n : avail;
        memcpy(o->cur, s, k);
        o->cur += k;
        s += k;
        n -= k;
    }
}

int jo_finish(struct json_out *o)
{
    if (!o->err) {
        if (o->sink)
            refill_sink(o);
        else if (o->buf->data)
            o->buf->len = (size_t)(o->cur - o->buf->data);
    }
    return o->err;
}

/* 1 for the bytes a JSON string cannot hold as they are. */
static const uint8_t needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 control */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 control */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
    /* 0x60 and up: copied as they are (UTF-8 is checked beforehand) */
};

static const char hex_digits[] = "0123456789abcdef";

static void put_escape(struct json_out *o, uint8_t c)
{
    char *d = jo_room(o, 6);
    d[0] = '\\';
    switch (c) {
    case '"': d[1] = '"'; break;
    case '\\': d[1] = '\\'; break;
    case '\b': d[1] = 'b'; break;
    case '\f': d[1] = 'f'; break;
    case '\n': d[1] = 'n'; break;
    case '\r': d[1] = 'r'; break;
    case '\t': d[1] = 't'; break;
    default:
        d[1] = 'u';
        d[2] = '0';
        d[3] = '0';
        d[4] = hex_digits[c >> 4];
        d[5] = hex_digits[c & 15];
        o->cur += 6;
        return;
    }
    o->cur += 2;
}

void jo_string(struct json_out *o, const uint8_t *p, size_t n)
{
    if (!otlp_utf8_valid(p, n)) {
        jo_fail(o, -EILSEQ);
        return;
    }
    const uint8_t *end = p + n;
    jo_putc(o, '"');
    while (p < end) {
        const uint8_t *run = p;
        while (p < end && !needs_escape[*p])
            p++;
        jo_put(o, run, (size_t)(p - run));
        if (p < end)
            put_escape(o, *p++);
    }
    jo_putc(o, '"');
}

void jo_hex(struct json_out *o, const uint8_t *p, size_t n)
{
    jo_putc(o, '"');
    while (n) {
        size_t k = n < JO_MAX_ROOM / 2 ? n : JO_MAX_ROOM / 2;
        char *d = jo_room(o, 2 * k);
        for (size_t i = 0; i < k; i++) {
            d[2 * i] = hex_digits[p[i] >> 4];
            d[2 * i + 1] = hex_digits[p[i] & 15];
        }
        o->cur += 2 * k;
        p += k;
        n -= k;
    }
    jo_putc(o, '"');
}

static const char b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes n (1..3) bytes as four base64 characters at d. */
static void b64_quad(char *d, const uint8_t *p, size_t n)
{
    uint32_t v = (uint32_t)p[0] << 16;
    if (n > 1)
        v |= (uint32_t)p[1] << 8;
    if (n > 2)
        v |= p[2];
    d[0] = b64_digits[v >> 18];
    d[1] = b64_digits[(v >> 12) & 63];
    d[2] = n > 1 ? b64_digits[(v >> 6) & 63] : '=';
    d[3] = n > 2 ? b64_digits[v & 63] : '=';
}

void jo_base64(struct json_out *o, const uint8_t *p, size_t n)
{
    jo_putc(o, '"');
    while (n) {
        /* JO_MAX_ROOM output characters hold 3/4 of as many input bytes */
        size_t k = n < JO_MAX_ROOM / 4 * 3 ? n : JO_MAX_ROOM / 4 * 3;
        char *d = jo_room(o, (k + 2) / 3 * 4);
        for (size_t i = 0; i < k; i += 3, d += 4)
            b64_quad(d, p + i, k - i < 3 ? k - i : 3);
        o->cur = d;
        p += k;
        n -= k;
    }
    jo_putc(o, '"');
}

/* Two decimal digits for each value below 100. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* Writes v's digits so that they end just before `end`; returns the start. */
static char *format_u64(char *end, uint64_t v)
{
    char *s = end;
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100);
        v /= 100;
        s -= 2;
        memcpy(s, digit_pairs + (size_t)2 * pair, 2);
    }
    if (v >= 10) {
        s -= 2;
        memcpy(s, digit_pairs + (size_t)2 * v, 2);
    } else {
        *--s = (char)('0' + v);
    }
    return s;
}

static void put_integer(struct json_out *o, uint64_t magnitude, bool negative, bool quoted)
{
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *digits_end = quoted ? end - 1 : end;
    char *s = format_u64(digits_end, magnitude);
    if (negative)
        *--s = '-';
    if (quoted) {
        *--s = '"';
        *digits_end = '"';
    }
    jo_put(o, s, (size_t)(end - s));
}

void jo_u64(struct json_out *o, uint64_t v, bool quoted)
{
    put_integer(o, v, false, quoted);
}

void jo_i64(struct json_out *o, int64_t v, bool quoted)
{
    /* negate in unsigned arithmetic so INT64_MIN does not overflow */
    uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    put_integer(o, magnitude, v < 0, quoted);
}

static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void make_c_numeric(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t jo_c_numeric(void)
{
    pthread_once(&c_numeric_once, make_c_numeric);
    return c_numeric;
}

/*
 * Formats d with as few significant digits as read back exactly. A normal
 * double that some decimal of at most 15 digits reads back as is printed
 * as exactly that decimal by %.15g (its rounding interval is narrower than
 * half the 15-digit spacing), so 15, 16, 17 digits are all to try;
 * subnormals have fewer bits and may need fewer digits.
 */
static size_t format_shortest(char *buf, size_t cap, double d)
{
    locale_t c = jo_c_numeric();
    locale_t prev = c ? uselocale(c) : (locale_t)0;
    int len = 0;
    bool subnormal = d > -DBL_MIN && d < DBL_MIN;
    for (int prec = subnormal ? 1 : 15; prec <= 17; prec++) {
        len = snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (prev)
        uselocale(prev);
    return len > 0 ? (size_t)len : 0;
}

/*
 * The common doubles (prices, ratios, durations) have few decimals: when
 * d is m / 10^k for an integer m < 2^53 and the smallest such k <= 9, that
 * is its shortest form. m and 10^k are exact and IEEE division rounds
 * correctly, so m / 10^k == d proves "m with k decimals" reads back as d.
 * Writes it without sign and returns its length, or 0 when d does not fit.
 */
static size_t format_short_decimal(char *buf, double d)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    const double limit = 9007199254740992.0; /* 2^53 */
    if (d < 1e-4 || d >= 1e15)
        return 0;
    for (unsigned k = 0; k < sizeof pow10 / sizeof pow10[0] && d * pow10[k] < limit; k++) {
        double scaled = d * pow10[k];
        uint64_t m = (uint64_t)scaled;
        if (scaled - (double)m >= 0.5) /* exact: both below 2^53 */
            m++;
        if ((double)m / pow10[k] != d)
            continue;
        char digits[24];
        char *end = digits + sizeof digits;
        char *s = format_u64(end, m);
        size_t n = (size_t)(end - s), len = 0;
        if (k == 0) {
            memcpy(buf, s, n);
            return n;
        }
        if (n <= k) { /* 0.000ddd */
            buf[0] = '0';
            buf[1] = '.';
            memset(buf + 2, '0', k - n);
            len = 2 + k - n;
        } else {
            memcpy(buf, s, n - k);
            buf[n - k] = '.';
            len = n - k + 1;
            s += n - k;
            n = k;
        }
        memcpy(buf + len, s, n);
        return len + n;
    }
    return 0;
}

void jo_double(struct json_out *o, double d)
{
    char tmp[40];
    if (isnan(d)) {
        jo_put(o, "\"NaN\"", 5);
    } else if (isinf(d)) {
        if (d < 0)
            jo_put(o, "\"-Infinity\"", 11);
        else
            jo_put(o, "\"Infinity\"", 10);
    } else if (d == 0) {
        /* a bare -0 would read back as the integer 0 and lose its sign */
        if (signbit(d))
            jo_put(o, "-0.0", 4);
        else
            jo_putc(o, '0');
    } else {
        size_t n = format_short_decimal(tmp + 1, d < 0 ? -d : d);
        if (n && d < 0) {
            tmp[0] = '-';
            jo_put(o, tmp, n + 1);
        } else if (n) {
            jo_put(o, tmp + 1, n);
        } else {
            jo_put(o, tmp, format_shortest(tmp, sizeof tmp, d));
        }
    }
}
