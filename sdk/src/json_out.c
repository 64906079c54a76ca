/*
 * json_out.c: the byte-level JSON output of the OTLP/JSON writer: the
 * refillable window, and values formatted by json_fmt.c into room
 * reserved for each (pieces of it for long strings and bytes).
 */
#include "json_out.h"

#include "json_fmt.h"

#include <otelc/sdk/utf8.h>

#include <errno.h>
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

/* Input bytes per piece of a string too long for one reservation. */
#define STRING_PIECE ((JO_MAX_RESERVE - JF_STRING_ROOM(0)) / 6)

/* A string whose escaped form may not fit one reservation: checked as a
 * whole, then escaped a piece at a time. */
static void put_long_string(struct json_out *o, const uint8_t *p, size_t n)
{
    if (!otlp_utf8_valid(p, n)) {
        jo_fail(o, -EILSEQ);
        return;
    }
    jo_putc(o, '"');
    while (n) {
        size_t k = n < STRING_PIECE ? n : STRING_PIECE;
        char *d = jo_reserve(o, JF_STRING_ROOM(k));
        if (!d)
            return;
        o->cur = jf_escape(d, p, k);
        p += k;
        n -= k;
    }
    jo_putc(o, '"');
}

void jo_string(struct json_out *o, const uint8_t *p, size_t n)
{
    if (n > STRING_PIECE) {
        put_long_string(o, p, n);
        return;
    }
    char *d = jo_reserve(o, JF_STRING_ROOM(n));
    if (!d)
        return;
    d = jf_string(d, p, n);
    if (d)
        o->cur = d;
    else
        jo_fail(o, -EILSEQ);
}

/* Input bytes per piece of hex or base64 (a multiple of 3 for base64). */
#define BINARY_PIECE ((size_t)3 * 1024)

void jo_hex(struct json_out *o, const uint8_t *p, size_t n)
{
    jo_putc(o, '"');
    while (n) {
        size_t k = n < BINARY_PIECE ? n : BINARY_PIECE;
        char *d = jo_reserve(o, 2 * k);
        if (!d)
            return;
        o->cur = jf_hex(d, p, k);
        p += k;
        n -= k;
    }
    jo_putc(o, '"');
}

void jo_base64(struct json_out *o, const uint8_t *p, size_t n)
{
    jo_putc(o, '"');
    while (n) {
        size_t k = n < BINARY_PIECE ? n : BINARY_PIECE;
        char *d = jo_reserve(o, (k + 2) / 3 * 4);
        if (!d)
            return;
        o->cur = jf_base64(d, p, k);
        p += k;
        n -= k;
    }
    jo_putc(o, '"');
}

/* Room for a number and, when quoted, its opening quote; NULL once the
 * output has failed. */
static char *start_number(struct json_out *o, bool quoted)
{
    char *d = jo_reserve(o, JF_NUMBER_ROOM);
    if (d && quoted)
        *d++ = '"';
    return d;
}

static void end_number(struct json_out *o, char *d, bool quoted)
{
    if (quoted)
        *d++ = '"';
    o->cur = d;
}

void jo_u64(struct json_out *o, uint64_t v, bool quoted)
{
    char *d = start_number(o, quoted);
    if (d)
        end_number(o, jf_u64(d, v), quoted);
}

void jo_i64(struct json_out *o, int64_t v, bool quoted)
{
    char *d = start_number(o, quoted);
    if (d)
        end_number(o, jf_i64(d, v), quoted);
}

void jo_double(struct json_out *o, double v)
{
    char *d = jo_reserve(o, JF_NUMBER_ROOM);
    if (d)
        o->cur = jf_double(d, v);
}
