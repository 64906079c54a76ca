/*
 * json_fmt.c: string escaping, hex, base64 and numbers for the OTLP/JSON
 * writer, into room the caller has reserved.
 *
 * Strings are scanned a word (8 bytes) at a time: most OTLP strings are
 * ASCII with nothing to escape, so a word is stored as it is and the scan
 * stops only at a byte that needs an escape or is >= 0x80. The first such
 * high byte has the rest of the string checked as UTF-8 once; from there
 * high bytes are copied like any other.
 */
#include "json_fmt.h"

#include <otelc/sdk/utf8.h>

#include <float.h>
#include <locale.h>
#include <math.h> /* classification macros only: the SDK does not link libm */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONES 0x0101010101010101ull
#define LOW7 0x7f7f7f7f7f7f7f7full
#define HIGHS 0x8080808080808080ull

/* The word at p with p[0] in its low byte, whatever the machine's order. */
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* The high bit of each byte of w that equals b. Exact per byte: the sums
 * stay below 0x100, so no carry reaches the next byte. */
static uint64_t bytes_equal(uint64_t w, uint8_t b)
{
    uint64_t x = w ^ (ONES * b);
    return ~(((x & LOW7) + LOW7) | x) & HIGHS;
}

/* The high bit of each byte a JSON string cannot hold as it is (< 0x20,
 * '"', '\\'), and of each byte >= 0x80 when `high` is HIGHS. */
static uint64_t stop_bytes(uint64_t w, uint64_t high)
{
    uint64_t control = ~((w & LOW7) + ONES * (0x80 - 0x20)) & ~w & HIGHS;
    return control | bytes_equal(w, '"') | bytes_equal(w, '\\') | (w & high);
}

static void store_le64(char *d, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(d, &w, sizeof w);
}

#define SPACES 0x2020202020202020ull

/* The `left` (1..7) bytes before `end` as a word, the rest spaces (which
 * need no escape). When the string has 8 bytes before `end` they are
 * read as one overlapping word; a padded copy in memory would be stored
 * and loaded back at once, which stalls the load. */
static uint64_t tail_word(const uint8_t *start, const uint8_t *end, size_t left)
{
    if (end - start >= 8)
        return load_le64(end - 8) >> (8 * (8 - left)) | SPACES << (8 * left);
    uint64_t w = SPACES;
    for (const uint8_t *p = end; p > end - left;)
        w = w << 8 | *--p;
    return w;
}

/* Moves *pp and d past the bytes of w before the first that `stop` flags
 * (all `len` of them when none is); returns the new d. */
static char *advance(char *d, const uint8_t **pp, uint64_t stop, size_t len)
{
    size_t k = stop ? (size_t)__builtin_ctzll(stop) / 8 : len;
    *pp += k;
    return d + k;
}

/*
 * Copies the bytes from *pp up to the first that stop_bytes() flags, or
 * to `end`; leaves *pp at that byte and returns the output's end. Whole
 * words are stored before they are checked (the room allows it). `start`
 * is the string's first byte: the tail may be read from there on.
 */
static char *copy_run(char *d, const uint8_t **pp, const uint8_t *start, const uint8_t *end,
                      uint64_t high)
{
    const uint8_t *p = *pp;
    while (end - p >= 8) {
        uint64_t w = load_le64(p);
        uint64_t stop = stop_bytes(w, high);
        memcpy(d, p, 8);
        if (stop)
            return advance(d, pp, stop, 8);
        p += 8;
        d += 8;
        *pp = p;
    }
    if (p == end)
        return d;
    uint64_t w = tail_word(start, end, (size_t)(end - p));
    store_le64(d, w);
    return advance(d, pp, stop_bytes(w, high), (size_t)(end - p));
}

static const char hex_digits[] = "0123456789abcdef";

/* The escape of a byte < 0x20, '"' or '\\'. */
static char *put_escape(char *d, uint8_t c)
{
    static const char short_forms[32] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
                                         ['\r'] = 'r', ['\t'] = 't'};
    d[0] = '\\';
    if (c == '"' || c == '\\') {
        d[1] = (char)c;
        return d + 2;
    }
    if (short_forms[c]) {
        d[1] = short_forms[c];
        return d + 2;
    }
    d[1] = 'u';
    d[2] = '0';
    d[3] = '0';
    d[4] = hex_digits[c >> 4];
    d[5] = hex_digits[c & 15];
    return d + 6;
}

char *jf_escape(char *d, const uint8_t *p, size_t n)
{
    const uint8_t *start = p, *end = p + n;
    for (;;) {
        d = copy_run(d, &p, start, end, 0);
        if (p == end)
            return d;
        d = put_escape(d, *p++);
    }
}

char *jf_string(char *d, const uint8_t *p, size_t n)
{
    const uint8_t *start = p, *end = p + n;
    *d++ = '"';
    for (;;) {
        d = copy_run(d, &p, start, end, HIGHS);
        if (p == end)
            break;
        if (*p >= 0x80) {
            /* all before p is ASCII, so p starts a character */
            if (!otlp_utf8_valid(p, (size_t)(end - p)))
                return NULL;
            d = jf_escape(d, p, (size_t)(end - p));
            break;
        }
        d = put_escape(d, *p++);
    }
    *d++ = '"';
    return d;
}

/* "00" "01" ... "ff": two hex digits for each byte value. */
#define HEX_ROW(h)                                                                                 \
    h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h "e" h "f"
static const char hex_pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4")
    HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a") HEX_ROW("b")
        HEX_ROW("c") HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");

char *jf_hex(char *d, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++, d += 2)
        memcpy(d, hex_pairs + 2 * (size_t)p[i], 2);
    return d;
}

static const char b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Four base64 characters of the 24 bits in v. */
static void b64_quad(char *d, uint32_t v)
{
    d[0] = b64_digits[v >> 18];
    d[1] = b64_digits[(v >> 12) & 63];
    d[2] = b64_digits[(v >> 6) & 63];
    d[3] = b64_digits[v & 63];
}

char *jf_base64(char *d, const uint8_t *p, size_t n)
{
    size_t whole = n - n % 3;
    for (size_t i = 0; i < whole; i += 3, d += 4)
        b64_quad(d, (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2]);
    if (n % 3) {
        uint32_t v = (uint32_t)p[whole] << 16;
        if (n % 3 == 2)
            v |= (uint32_t)p[whole + 1] << 8;
        b64_quad(d, v);
        d[3] = '=';
        if (n % 3 == 1)
            d[2] = '=';
        d += 4;
    }
    return d;
}

/* Two decimal digits for each value below 100. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* How many decimal digits v has: from its bit length (log10(2) is about
 * 1233 / 4096), corrected by one comparison. */
static size_t decimal_len(uint64_t v)
{
    static const uint64_t pow10[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
    uint64_t w = v | 1; /* 0 has one digit, as 1 has */
    unsigned bits = 64 - (unsigned)__builtin_clzll(w);
    unsigned t = (bits * 1233) >> 12;
    return t + 1 - (w < pow10[t]);
}

/* Writes v's digits so that they end just before `end`. */
static void digits_before(char *end, uint64_t v)
{
    while (v >= 100) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (size_t)(v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        memcpy(end - 2, digit_pairs + 2 * (size_t)v, 2);
    else
        end[-1] = (char)('0' + v);
}

char *jf_u64(char *d, uint64_t v)
{
    d += decimal_len(v);
    digits_before(d, v);
    return d;
}

char *jf_i64(char *d, int64_t v)
{
    if (v < 0)
        *d++ = '-';
    /* negate in unsigned arithmetic so INT64_MIN does not overflow */
    return jf_u64(d, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void make_c_numeric(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

locale_t jf_c_numeric(void)
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
static char *format_shortest(char *buf, double d)
{
    locale_t c = jf_c_numeric();
    locale_t prev = c ? uselocale(c) : (locale_t)0;
    int len = 0;
    bool subnormal = d > -DBL_MIN && d < DBL_MIN;
    for (int prec = subnormal ? 1 : 15; prec <= 17; prec++) {
        len = snprintf(buf, JF_NUMBER_ROOM, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (prev)
        uselocale(prev);
    return buf + (len > 0 ? len : 0);
}

/* Writes m with k digits after a decimal point (k > 0). */
static char *fixed_point(char *buf, uint64_t m, size_t k)
{
    size_t n = decimal_len(m);
    if (n <= k) { /* 0.000ddd */
        buf[0] = '0';
        buf[1] = '.';
        memset(buf + 2, '0', k - n);
        char *end = buf + 2 + k;
        digits_before(end, m);
        return end;
    }
    char *end = buf + n + 1;
    digits_before(end, m);
    memmove(buf, buf + 1, n - k); /* the integer part, one place left */
    buf[n - k] = '.';
    return end;
}

/*
 * The common doubles (prices, ratios, durations) have few decimals: when
 * d is m / 10^k for an integer m < 2^53 and the smallest such k <= 9, that
 * is its shortest form. m and 10^k are exact and IEEE division rounds
 * correctly, so m / 10^k == d proves "m with k decimals" reads back as d.
 * Writes it without sign and returns its end, or NULL when d does not fit.
 */
static char *format_short_decimal(char *buf, double d)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    const double limit = 9007199254740992.0; /* 2^53 */
    if (d < 1e-4 || d >= 1e15)
        return NULL;
    for (unsigned k = 0; k < sizeof pow10 / sizeof pow10[0] && d * pow10[k] < limit; k++) {
        double scaled = d * pow10[k];
        uint64_t m = (uint64_t)scaled;
        if (scaled - (double)m >= 0.5) /* exact: both below 2^53 */
            m++;
        if ((double)m / pow10[k] != d)
            continue;
        return k == 0 ? jf_u64(buf, m) : fixed_point(buf, m, k);
    }
    return NULL;
}

static char *put_literal(char *d, const char *s, size_t n)
{
    memcpy(d, s, n);
    return d + n;
}

char *jf_double(char *d, double v)
{
    if (isnan(v))
        return put_literal(d, "\"NaN\"", 5);
    if (isinf(v))
        return v < 0 ? put_literal(d, "\"-Infinity\"", 11) : put_literal(d, "\"Infinity\"", 10);
    if (v == 0) /* a bare -0 would read back as the integer 0 and lose its sign */
        return signbit(v) ? put_literal(d, "-0.0", 4) : put_literal(d, "0", 1);
    char *end = format_short_decimal(d + (v < 0), v < 0 ? -v : v);
    if (!end)
        return format_shortest(d, v);
    if (v < 0)
        *d = '-';
    return end;
}
