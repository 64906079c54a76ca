/*
 * unquote.c: string literals, read as the collector reads them (Go's
 * strconv.Unquote on a double-quoted literal): \a \b \f \n \r \t \v \\ \"
 * \xHH \ooo \uHHHH \UHHHHHHHH, no raw newline. One difference, on
 * purpose: a literal whose bytes (after \x and octal escapes) are not
 * UTF-8 is refused, because a value set from it would make the request
 * invalid OTLP.
 */
#include "internal.h"

#include <otelc/sdk/utf8.h>

typedef struct unq {
    const char *s;    /* the literal's body */
    size_t n, i;      /* its length, the read position */
    char *out;
    size_t len;
} unq;

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_rune(unq *u, uint32_t r)
{
    char *o = u->out + u->len;
    if (r < 0x80) {
        o[0] = (char)r;
        u->len += 1;
    } else if (r < 0x800) {
        o[0] = (char)(0xc0 | r >> 6);
        o[1] = (char)(0x80 | (r & 0x3f));
        u->len += 2;
    } else if (r < 0x10000) {
        o[0] = (char)(0xe0 | r >> 12);
        o[1] = (char)(0x80 | ((r >> 6) & 0x3f));
        o[2] = (char)(0x80 | (r & 0x3f));
        u->len += 3;
    } else {
        o[0] = (char)(0xf0 | r >> 18);
        o[1] = (char)(0x80 | ((r >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((r >> 6) & 0x3f));
        o[3] = (char)(0x80 | (r & 0x3f));
        u->len += 4;
    }
}

/* n hex digits after the escape letter. -1 when they are not there. */
static int64_t read_hex(unq *u, int n)
{
    int64_t v = 0;
    for (int k = 0; k < n; k++) {
        int d = u->i < u->n ? hex_value(u->s[u->i]) : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
        u->i++;
    }
    return v;
}

static int read_octal(unq *u, char first)
{
    int v = first - '0';
    for (int k = 0; k < 2; k++) {
        char c = u->i < u->n ? u->s[u->i] : 0;
        if (c < '0' || c > '7')
            return -1;
        v = v * 8 + (c - '0');
        u->i++;
    }
    return v > 255 ? -1 : v;
}

static char simple_escape(char c)
{
    switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    case '\\': return '\\';
    case '"': return '"';
    default: return 0;
    }
}

/* One escape after its backslash. 0, or -1 when it is not Go's. */
static int escape(unq *u)
{
    char c = u->i < u->n ? u->s[u->i++] : 0;
    char simple = simple_escape(c);
    int64_t v;
    if (simple) {
        u->out[u->len++] = simple;
        return 0;
    }
    if (c == 'x' || (c >= '0' && c <= '7')) {
        v = c == 'x' ? read_hex(u, 2) : read_octal(u, c);
        if (v < 0)
            return -1;
        u->out[u->len++] = (char)v;
        return 0;
    }
    if (c != 'u' && c != 'U')
        return -1;
    v = read_hex(u, c == 'u' ? 4 : 8);
    if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return -1;
    put_rune(u, (uint32_t)v);
    return 0;
}

int ottl_unquote(arena *a, const char *text, const token *t, char **out, size_t *n,
                 ottl_error *err)
{
    /* Escapes never make the text longer; \xHH may make 2 bytes of 4. */
    unq u = {text + t->pos + 1, t->len - 2, 0, NULL, 0};
    u.out = ottl_arena_alloc(a, u.n + 4);
    if (!u.out)
        return ottl_fail(err, text, t->pos, "out of memory");
    while (u.i < u.n) {
        char c = u.s[u.i++];
        if (c == '\n')
            return ottl_fail(err, text, t->pos, "a string may not hold a line break (write \\n)");
        if (c != '\\') {
            u.out[u.len++] = c;
        } else if (escape(&u) != 0) {
            return ottl_fail(err, text, (uint32_t)(t->pos + u.i),
                             "invalid escape in string (Go's escapes are \\n \\t \\\" \\\\ "
                             "\\xHH \\uHHHH ...)");
        }
    }
    if (!otlp_utf8_valid(u.out, u.len))
        return ottl_fail(err, text, t->pos, "the string is not valid UTF-8");
    u.out[u.len] = 0;
    *out = u.out;
    *n = u.len;
    return 0;
}
