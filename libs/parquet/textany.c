/*
 * textany.c: attribute text typed again, the reverse of anytext.c: the
 * companion map's type name says how to read the text (docs/storage.md),
 * and arrays and key-value lists are parsed from their JSON straight into
 * AnyValue protobuf.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_walk.h>

#include "pq_int.h"

/* AnyValue fields. */
enum { AV_STRING = 1, AV_BOOL = 2, AV_INT = 3, AV_DOUBLE = 4, AV_ARRAY = 5, AV_KVLIST = 6,
       AV_BYTES = 7 };

static bool view_is(pq_view v, const char *s)
{
    return v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

/* ---- scalars ------------------------------------------------------------ */

/* The text NUL-terminated in tmp; false when it does not fit. */
static bool to_cstr(pq_view v, char *tmp, size_t cap)
{
    if (v.len >= cap || memchr(v.ptr, 0, v.len))
        return false;
    memcpy(tmp, v.ptr, v.len);
    tmp[v.len] = '\0';
    return true;
}

static int put_int(pq_buf *out, pq_view v)
{
    char tmp[32], *end;
    if (!to_cstr(v, tmp, sizeof(tmp)) || v.len == 0)
        return -EBADMSG;
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    if (errno || *end)
        return -EBADMSG;
    pq_pb_tag(out, AV_INT, 0);
    pq_buf_varint(out, (uint64_t)x);
    return 0;
}

static void put_double_field(pq_buf *out, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    pq_pb_tag(out, AV_DOUBLE, 1);
    pq_buf_u64le(out, bits);
}

static int put_double(pq_buf *out, pq_view v)
{
    char tmp[64], *end;
    if (!to_cstr(v, tmp, sizeof(tmp)) || v.len == 0)
        return -EBADMSG;
    double d = strtod(tmp, &end);
    if (*end)
        return -EBADMSG;
    put_double_field(out, d);
    return 0;
}

static int b64_digit(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 with padding, into a bytes field written even if empty. */
static int put_base64(pq_buf *out, pq_view v)
{
    size_t pad = v.len >= 1 && v.ptr[v.len - 1] == '=' ? 1 + (v.len >= 2 && v.ptr[v.len - 2] == '=') : 0;
    if (v.len % 4)
        return -EBADMSG;
    size_t at = pq_pb_open(out, AV_BYTES);
    for (size_t i = 0; i < v.len; i += 4) {
        uint32_t q = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = i + k >= v.len - pad ? 0 : b64_digit(v.ptr[i + k]);
            if (d < 0)
                return -EBADMSG;
            q = q << 6 | (uint32_t)d;
        }
        uint8_t b[3] = {(uint8_t)(q >> 16), (uint8_t)(q >> 8), (uint8_t)q};
        pq_buf_put(out, b, i + 4 < v.len ? 3 : 3 - pad);
    }
    pq_pb_close(out, at);
    return 0;
}

/* ---- JSON arrays and objects -------------------------------------------- */

typedef struct jp {
    const uint8_t *p, *end;
    pq_buf *out;
    int depth;
} jp;

static void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool eat(jp *j, char c)
{
    ws(j);
    if (j->p < j->end && *j->p == (uint8_t)c) {
        j->p++;
        return true;
    }
    return false;
}

static bool word(jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return false;
    j->p += n;
    return true;
}

static void put_utf8(pq_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 63)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | cp >> 12), u[1] = (uint8_t)(0x80 | ((cp >> 6) & 63));
        u[2] = (uint8_t)(0x80 | (cp & 63)), n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | cp >> 18), u[1] = (uint8_t)(0x80 | ((cp >> 12) & 63));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 63)), u[3] = (uint8_t)(0x80 | (cp & 63)), n = 4;
    }
    pq_buf_put(b, u, n);
}

static int hex4(jp *j, uint32_t *cp)
{
    *cp = 0;
    if (j->end - j->p < 4)
        return -EBADMSG;
    for (int i = 0; i < 4; i++) {
        uint8_t c = *j->p++;
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return -EBADMSG;
        *cp = *cp << 4 | (uint32_t)d;
    }
    return 0;
}

/* \uXXXX, with a surrogate pair joined; a lone surrogate is refused. */
static int unicode_escape(jp *j)
{
    uint32_t cp, lo;
    if (hex4(j, &cp) != 0 || (cp >= 0xdc00 && cp < 0xe000))
        return -EBADMSG;
    if (cp >= 0xd800 && cp < 0xdc00) {
        if (!word(j, "\\u") || hex4(j, &lo) != 0 || lo < 0xdc00 || lo >= 0xe000)
            return -EBADMSG;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    put_utf8(j->out, cp);
    return 0;
}

static int escape(jp *j)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (j->p >= j->end)
        return -EBADMSG;
    uint8_t c = *j->p++;
    if (c == 'u')
        return unicode_escape(j);
    const char *at = memchr(from, c, sizeof(from) - 1);
    if (!at)
        return -EBADMSG;
    pq_buf_byte(j->out, (uint8_t)to[at - from]);
    return 0;
}

/* A JSON string as a string field (written even when empty). */
static int string_field(jp *j, uint32_t field)
{
    if (!eat(j, '"'))
        return -EBADMSG;
    size_t at = pq_pb_open(j->out, field);
    while (j->p < j->end && *j->p != '"') {
        const uint8_t *run = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\')
            j->p++;
        pq_buf_put(j->out, run, (size_t)(j->p - run));
        if (j->p < j->end && *j->p == '\\' && (j->p++, escape(j) != 0))
            return -EBADMSG;
    }
    if (j->p >= j->end)
        return -EBADMSG;
    j->p++;
    pq_pb_close(j->out, at);
    return 0;
}

/* An integer when it has no fraction or exponent and fits, else a double. */
static int number(jp *j)
{
    const uint8_t *start = j->p;
    bool real = false;
    while (j->p < j->end && strchr("+-0123456789.eE", *j->p) && *j->p) {
        real |= *j->p == '.' || *j->p == 'e' || *j->p == 'E';
        j->p++;
    }
    pq_view v = {start, (size_t)(j->p - start)};
    char tmp[64];
    if (!real && to_cstr(v, tmp, sizeof(tmp))) {
        char *end;
        errno = 0;
        long long x = strtoll(tmp, &end, 10);
        if (!errno && !*end && v.len && !(x == 0 && tmp[0] == '-')) { /* -0: a double */
            pq_pb_tag(j->out, AV_INT, 0);
            pq_buf_varint(j->out, (uint64_t)x);
            return 0;
        }
    }
    return put_double(j->out, v);
}

static int value(jp *j);

/* Each item as a repeated message field 1 (ArrayValue.values,
 * KeyValueList.values). */
static int items(jp *j, char close, bool object)
{
    if (eat(j, close))
        return 0;
    do {
        size_t at = pq_pb_open(j->out, 1);
        int rc = object ? string_field(j, 1) : 0;
        if (rc == 0 && object && !eat(j, ':'))
            rc = -EBADMSG;
        size_t v = object && rc == 0 ? pq_pb_open(j->out, 2) : 0;
        rc = rc ? rc : value(j);
        if (rc != 0)
            return rc;
        if (object)
            pq_pb_close(j->out, v);
        pq_pb_close(j->out, at);
    } while (eat(j, ','));
    return eat(j, close) ? 0 : -EBADMSG;
}

static int container(jp *j, uint32_t field, char close, bool object)
{
    if (++j->depth > OTLP_MAX_DEPTH)
        return -EBADMSG;
    j->p++;
    size_t at = pq_pb_open(j->out, field);
    int rc = items(j, close, object);
    pq_pb_close(j->out, at);
    j->depth--;
    return rc;
}

/* One JSON value as an AnyValue body: null is the empty value. */
static int value(jp *j)
{
    ws(j);
    if (j->p >= j->end)
        return -EBADMSG;
    switch (*j->p) {
    case '"': return string_field(j, AV_STRING);
    case '[': return container(j, AV_ARRAY, ']', false);
    case '{': return container(j, AV_KVLIST, '}', true);
    case 't':
    case 'f': {
        bool b = *j->p == 't';
        if (!word(j, b ? "true" : "false"))
            return -EBADMSG;
        pq_pb_tag(j->out, AV_BOOL, 0);
        pq_buf_byte(j->out, b);
        return 0;
    }
    case 'n': return word(j, "null") ? 0 : -EBADMSG;
    default: return number(j);
    }
}

static int put_json(pq_buf *out, pq_view text, char open)
{
    jp j = {text.ptr, text.ptr + text.len, out, 0};
    ws(&j);
    if (j.p >= j.end || *j.p != (uint8_t)open)
        return -EBADMSG;
    int rc = value(&j);
    ws(&j);
    return rc ? rc : j.p == j.end ? 0 : -EBADMSG;
}

/* ---- by type name ------------------------------------------------------- */

int pq_text_any(pq_buf *out, const pq_view *type, pq_view text)
{
    int rc = 0;
    if (!type || view_is(*type, "string")) {
        size_t at = pq_pb_open(out, AV_STRING); /* present even when empty */
        pq_buf_put(out, text.ptr, text.len);
        pq_pb_close(out, at);
    } else if (view_is(*type, "bool")) {
        bool t = view_is(text, "true");
        if (!t && !view_is(text, "false"))
            return -EBADMSG;
        pq_pb_tag(out, AV_BOOL, 0);
        pq_buf_byte(out, t);
    } else if (view_is(*type, "int")) {
        rc = put_int(out, text);
    } else if (view_is(*type, "double")) {
        rc = put_double(out, text);
    } else if (view_is(*type, "bytes")) {
        rc = put_base64(out, text);
    } else if (view_is(*type, "array") || view_is(*type, "map")) {
        rc = put_json(out, text, type->ptr[0] == 'a' ? '[' : '{');
    } else if (!view_is(*type, "empty")) {
        return pq_text_any(out, NULL, text); /* a type this reader does not know: the text */
    }
    return rc ? rc : out->err;
}
