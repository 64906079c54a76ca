/*
 * otlp_json_lex.c: JSON (RFC 8259) tokens for the OTLP/JSON reader, from
 * yajl, a JSON library that streams: it builds no document tree, so what
 * a body costs is bounded by the body (jansson's tree of a 19 MiB body of
 * empty objects took 1.9 GB).
 *
 * yajl pushes (callbacks), the reader pulls: the body goes to yajl_parse
 * FEED_CHUNK bytes at a time when the reader has taken every queued token,
 * and the callbacks queue that chunk's tokens, copying the strings yajl
 * lends only for the callback. An error waits behind the tokens before
 * it, so the reader meets errors in document order: a wrong type in a
 * field is reported before a syntax error further on.
 *
 * yajl leaves some checks to its user; here they are:
 * - numbers come as text (yajl_number): integers must fit int64 and reals
 *   be finite;
 * - yajl checks only the shape of UTF-8 sequences: decoded strings are
 *   checked strictly (no overlong forms, surrogates or values past
 *   U+10FFFF);
 * - yajl turns a \u escape of a lone high surrogate into '?' and pairs a
 *   high surrogate with whatever \u escape follows: surrogate escapes are
 *   checked in the raw text;
 * - yajl's nesting has no limit: OJL_MAX_NESTING.
 * U+0000 (\u0000) may be in strings: the reader decides.
 */
#include "otlp_json_lex.h"

#include "json_fmt.h"

#include <otelc/sdk/utf8.h>

#include <yajl/yajl_parse.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes given to yajl at once: the queue holds one chunk's tokens (about
 * one per byte at most) and strings, so it stays small. From 1 to 64 KiB
 * the speed is the same. */
#define FEED_CHUNK 16384

/* A queued token: a value (an ojv_type), a key, or the end of a container. */
enum { TOK_KEY = OJV_ARRAY + 1, TOK_END_OBJECT, TOK_END_ARRAY };

struct oj_tok {
    int kind;
    size_t end; /* input offset just past it */
    union {
        struct {
            size_t off, n; /* a string or key: its text in l->text */
        } s;
        int64_t i;
        double d;
    } u;
};

/* Input offset where yajl is, within the input. */
static size_t here(const oj_lex *l)
{
    size_t at = l->base + yajl_get_bytes_consumed(l->yajl);
    return at < l->len ? at : l->len;
}

/* Stops yajl at the token it is reporting; 0, for the callback to return. */
static int stop(oj_lex *l, const char *why, bool nomem)
{
    l->stop = (struct oj_stop){why, here(l), nomem};
    return 0;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t unit)
{
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *b = realloc(*buf, n * unit);
    if (!b)
        return false;
    *buf = b;
    *cap = n;
    return true;
}

/* Queues t where yajl is; 0 (yajl stopped) if memory ran out. */
static int push(oj_lex *l, struct oj_tok t)
{
    if (l->count == l->toks_cap &&
        !grow((void **)&l->toks, &l->toks_cap, l->count + 1, sizeof *l->toks))
        return stop(l, "out of memory", true);
    t.end = here(l);
    l->toks[l->count++] = t;
    return 1;
}

/* Room for n more bytes of text; 0 (yajl stopped) if memory ran out. */
static int reserve_text(oj_lex *l, size_t n)
{
    if (n <= l->text_cap - l->text_used)
        return 1;
    if (!grow((void **)&l->text, &l->text_cap, l->text_used + n, 1))
        return stop(l, "out of memory", true);
    return 1;
}

/* yajl hands a string without escapes straight from the input (unless a
 * chunk boundary cut it); one elsewhere may have been decoded. */
static bool from_input(const oj_lex *l, const unsigned char *s)
{
    uintptr_t p = (uintptr_t)s, start = (uintptr_t)l->json;
    return p >= start && p - start < l->len;
}

/* The raw text of the string whose closing quote is at close: back to
 * the nearest '"' not escaped, i.e. after an even run of backslashes. */
static const char *raw_string(const oj_lex *l, size_t close)
{
    const char *j = l->json;
    for (size_t q = close; q-- > 0;) {
        size_t b = q;
        if (j[q] != '"')
            continue;
        while (b > 0 && j[b - 1] == '\\')
            b--;
        if ((q - b) % 2 == 0)
            return j + q + 1;
    }
    return NULL;
}

/* Four hex digits, which yajl has checked. */
static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned char)p[i];
        v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Every \u escape of a high surrogate in s..end is followed by one of a
 * low surrogate, and no low one stands alone. */
static bool surrogates_paired(const char *s, const char *end)
{
    bool want_low = false;
    while (s < end) {
        bool u = end - s >= 6 && s[0] == '\\' && s[1] == 'u';
        unsigned cp = u ? hex4(s + 2) : 0;
        if ((cp >= 0xDC00 && cp <= 0xDFFF) != want_low)
            return false;
        want_low = cp >= 0xD800 && cp <= 0xDBFF;
        s += u ? 6 : s[0] == '\\' ? 2 : 1;
    }
    return !want_low;
}

/* The string yajl has just read ends with the quote before here(). */
static bool escapes_valid(const oj_lex *l)
{
    size_t end = here(l);
    if (end == 0 || l->json[end - 1] != '"')
        return false;
    const char *raw = raw_string(l, end - 1);
    return raw && surrogates_paired(raw, l->json + end - 1);
}

static int queue_string(oj_lex *l, int kind, const unsigned char *s, size_t n)
{
    if (!from_input(l, s) && !escapes_valid(l))
        return stop(l, "invalid Unicode escape (unpaired surrogate)", false);
    if (!otlp_utf8_valid(s, n))
        return stop(l, "invalid UTF-8 in a string", false);
    if (!reserve_text(l, n + 1))
        return 0;
    struct oj_tok t = {.kind = kind, .u.s = {l->text_used, n}};
    memcpy(l->text + l->text_used, s, n);
    l->text[l->text_used + n] = '\0';
    l->text_used += n + 1;
    return push(l, t);
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    return queue_string(ctx, OJV_STRING, s, n);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t n)
{
    return queue_string(ctx, TOK_KEY, s, n);
}

/* A number's text as yajl read it (its grammar checked), converted as C
 * reads it: integers within int64, finite reals. */
static int on_number(void *ctx, const char *s, size_t n)
{
    oj_lex *l = ctx;
    if (!reserve_text(l, n + 1))
        return 0;
    char *text = l->text + l->text_used; /* scratch, not kept */
    memcpy(text, s, n);
    text[n] = '\0';
    struct oj_tok t = {.kind = strpbrk(text, ".eE") ? OJV_REAL : OJV_INT};
    errno = 0;
    if (t.kind == OJV_INT) {
        t.u.i = strtoll(text, NULL, 10);
        return errno == 0 ? push(l, t) : stop(l, "too big integer", false);
    }
    locale_t c = jf_c_numeric();
    t.u.d = c ? strtod_l(text, NULL, c) : strtod(text, NULL);
    return isfinite(t.u.d) ? push(l, t) : stop(l, "real number overflow", false);
}

static int on_null(void *ctx)
{
    return push(ctx, (struct oj_tok){.kind = OJV_NULL});
}

static int on_boolean(void *ctx, int b)
{
    return push(ctx, (struct oj_tok){.kind = b ? OJV_TRUE : OJV_FALSE});
}

static int open_container(oj_lex *l, int kind)
{
    if (++l->depth > OJL_MAX_NESTING)
        return stop(l, "too deeply nested", false);
    return push(l, (struct oj_tok){.kind = kind});
}

static int close_container(oj_lex *l, int kind)
{
    l->depth--;
    return push(l, (struct oj_tok){.kind = kind});
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, OJV_OBJECT);
}

static int on_end_map(void *ctx)
{
    return close_container(ctx, TOK_END_OBJECT);
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, OJV_ARRAY);
}

static int on_end_array(void *ctx)
{
    return close_container(ctx, TOK_END_ARRAY);
}

/* Numbers go to on_number as text, so the integer and double callbacks
 * are not needed. */
static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

static bool fail_at(oj_lex *l, const char *why, size_t pos, bool nomem)
{
    if (!l->failed) {
        l->failed = true;
        l->why = why;
        l->pos = pos;
        l->nomem = nomem;
    }
    return false;
}

bool ojl_fail(oj_lex *l, const char *why)
{
    return fail_at(l, why, l->pos, false);
}

void ojl_init(oj_lex *l, const char *json, size_t len)
{
    memset(l, 0, sizeof(*l));
    l->json = json;
    l->len = len;
    l->yajl = yajl_alloc(&callbacks, NULL, l);
    if (!l->yajl)
        fail_at(l, "out of memory", 0, true);
}

void ojl_free(oj_lex *l)
{
    if (l->yajl)
        yajl_free(l->yajl);
    free(l->toks);
    free(l->text);
    memset(l, 0, sizeof(*l));
}

/* yajl's message and where it stopped: the last byte it read, in or just
 * after the token it refused (the end, for input that ends too soon). */
static void note_yajl_error(oj_lex *l)
{
    unsigned char *msg = yajl_get_error(l->yajl, 0, NULL, 0);
    snprintf(l->yajl_why, sizeof l->yajl_why, "%s", msg ? (const char *)msg : "invalid JSON");
    l->yajl_why[strcspn(l->yajl_why, "\n")] = '\0';
    if (msg)
        yajl_free_error(l->yajl, msg);
    size_t at = here(l);
    l->stop = (struct oj_stop){l->yajl_why, at > 0 && !l->completed ? at - 1 : at, false};
}

/* Gives yajl the next chunk, or tells it the input ended; the tokens it
 * reports replace the queue, which the reader has emptied. */
static void feed(oj_lex *l)
{
    yajl_status st;
    l->head = l->count = l->text_used = 0;
    if (l->fed < l->len) {
        size_t n = l->len - l->fed < FEED_CHUNK ? l->len - l->fed : FEED_CHUNK;
        l->base = l->fed;
        l->fed += n;
        st = yajl_parse(l->yajl, (const unsigned char *)l->json + l->base, n);
    } else {
        l->base = l->len;
        l->completed = true;
        st = yajl_complete_parse(l->yajl);
    }
    if (st == yajl_status_error)
        note_yajl_error(l);
}

/* The next token, NULL once an error is met; take pops it. */
static const struct oj_tok *next(oj_lex *l, bool take)
{
    while (!l->failed && l->head == l->count) {
        if (l->stop.why)
            fail_at(l, l->stop.why, l->stop.pos, l->stop.nomem);
        else if (l->completed)
            fail_at(l, "unexpected end of input", l->len, false);
        else
            feed(l);
    }
    if (l->failed)
        return NULL;
    const struct oj_tok *t = &l->toks[l->head];
    if (take) {
        l->head++;
        l->pos = t->end;
    }
    return t;
}

static void to_value(const oj_lex *l, const struct oj_tok *t, ojv *v)
{
    v->type = t->kind == TOK_KEY ? OJV_STRING : (ojv_type)t->kind;
    if (v->type == OJV_STRING) {
        v->s = l->text + t->u.s.off;
        v->n = t->u.s.n;
    } else if (v->type == OJV_INT) {
        v->i = t->u.i;
    } else if (v->type == OJV_REAL) {
        v->d = t->u.d;
    }
}

bool ojl_value(oj_lex *l, ojv *v)
{
    v->type = OJV_NULL; /* defined even after an error */
    const struct oj_tok *t = next(l, true);
    if (!t)
        return false;
    if (t->kind > OJV_ARRAY) /* yajl keeps the grammar: the reader's slip */
        return ojl_fail(l, "expected a value");
    to_value(l, t, v);
    return true;
}

bool ojl_member(oj_lex *l, ojv *key)
{
    const struct oj_tok *t = next(l, true);
    if (!t || t->kind == TOK_END_OBJECT)
        return false;
    if (t->kind != TOK_KEY)
        return ojl_fail(l, "expected a key");
    to_value(l, t, key);
    return true;
}

bool ojl_element(oj_lex *l)
{
    const struct oj_tok *t = next(l, false);
    if (!t)
        return false;
    if (t->kind != TOK_END_ARRAY)
        return true;
    next(l, true);
    return false;
}

bool ojl_skip(oj_lex *l, const ojv *v)
{
    size_t open = v->type == OJV_OBJECT || v->type == OJV_ARRAY;
    while (open > 0) {
        const struct oj_tok *t = next(l, true);
        if (!t)
            return false;
        if (t->kind == OJV_OBJECT || t->kind == OJV_ARRAY)
            open++;
        else if (t->kind == TOK_END_OBJECT || t->kind == TOK_END_ARRAY)
            open--;
    }
    return !l->failed;
}

bool ojl_at_end(oj_lex *l)
{
    while (!l->failed && l->head == l->count && !l->stop.why && !l->completed)
        feed(l);
    if (l->failed)
        return false;
    if (l->head < l->count)
        return fail_at(l, "end of input expected", l->toks[l->head].end, false);
    if (l->stop.why)
        return fail_at(l, l->stop.why, l->stop.pos, l->stop.nomem);
    return true;
}

void ojl_where(const oj_lex *l, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < l->pos && i < l->len; i++) {
        if (l->json[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}
