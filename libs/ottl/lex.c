/*
 * lex.c: the collector's OTTL lexer. Its rules are tried in the
 * collector's order at each position, the first that matches winning:
 * bytes (0x..), float, int (a sign directly before a digit belongs to
 * the number, so "a -1" is a path and the int -1, as in the collector),
 * string, the keywords not/or/and, comparison, + -, * /, true/false,
 * = ( ) { } : , . [ ], then identifiers, whitespace skipped.
 *
 * Identifiers are read whole ([A-Za-z][A-Za-z0-9_]*) and classed by their
 * first letter; the collector's lexer splits "IsMatch" into four tokens
 * its grammar joins again, which comes to the same names.
 */
#include "internal.h"

#include <string.h>

typedef struct lexer {
    const char *text;
    size_t pos;
} lexer;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static size_t digits(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

/* [-+]?\d*\.\d+([eE][-+]?\d+)? at s: its length, or 0. */
static size_t float_len(const char *s)
{
    size_t n = (*s == '-' || *s == '+') ? 1 : 0;
    n += digits(s + n);
    if (s[n] != '.' || !is_digit(s[n + 1]))
        return 0;
    n += 1 + digits(s + n + 1);
    if (s[n] == 'e' || s[n] == 'E') {
        size_t e = n + 1 + ((s[n + 1] == '-' || s[n + 1] == '+') ? 1 : 0);
        if (is_digit(s[e]))
            n = e + digits(s + e);
    }
    return n;
}

/* [-+]?\d+ at s: its length, or 0. */
static size_t int_len(const char *s)
{
    size_t sign = (*s == '-' || *s == '+') ? 1 : 0;
    size_t d = digits(s + sign);
    return d ? sign + d : 0;
}

static size_t bytes_len(const char *s)
{
    if (s[0] != '0' || s[1] != 'x' || !is_hex(s[2]))
        return 0;
    size_t n = 2;
    while (is_hex(s[n]))
        n++;
    return n;
}

/* "(\\.|[^\\"])*" at s: its length, or 0 when it does not close. */
static size_t string_len(const char *s)
{
    size_t n = 1;
    while (s[n] && s[n] != '"')
        n += (s[n] == '\\' && s[n + 1]) ? 2 : 1;
    return s[n] == '"' ? n + 1 : 0;
}

static tok_kind word_kind(const char *s, size_t n)
{
    static const struct {
        const char *w;
        tok_kind k;
    } words[] = {{"not", T_NOT},   {"or", T_OR},     {"and", T_AND},
                 {"true", T_BOOL}, {"false", T_BOOL}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i].w) == n && memcmp(words[i].w, s, n) == 0)
            return words[i].k;
    return (*s >= 'A' && *s <= 'Z') ? T_UPPER : T_LOWER;
}

static size_t cmp_len(const char *s)
{
    if ((s[0] == '=' || s[0] == '!' || s[0] == '<' || s[0] == '>') && s[1] == '=')
        return 2;
    return (s[0] == '<' || s[0] == '>') ? 1 : 0;
}

static tok_kind punct_kind(char c)
{
    switch (c) {
    case '+': case '-': return T_ADDSUB;
    case '*': case '/': return T_MULDIV;
    case '=': return T_EQUAL;
    case '(': return T_LPAREN;
    case ')': return T_RPAREN;
    case '{': return T_LBRACE;
    case '}': return T_RBRACE;
    case ':': return T_COLON;
    case ',': return T_COMMA;
    case '.': return T_DOT;
    case '[': return T_LBRACK;
    case ']': return T_RBRACK;
    default: return T_EOF;
    }
}

/* Literals and operators, in the collector's order. *len 0: none. */
static tok_kind lex_symbol(const char *s, size_t *len)
{
    if ((*len = bytes_len(s)))
        return T_BYTES;
    if ((*len = float_len(s)))
        return T_FLOAT;
    if ((*len = int_len(s)))
        return T_INT;
    if ((*len = cmp_len(s)))
        return T_CMP;
    tok_kind k = punct_kind(*s);
    *len = k == T_EOF ? 0 : 1;
    return k;
}

/* The token at l->pos, whitespace skipped. 0, or -1 with err. */
static int lex_one(lexer *l, token *t, ottl_error *err)
{
    const char *s = l->text;
    /* Go's \s: space, \t, \n, \f, \r */
    while (s[l->pos] == ' ' || s[l->pos] == '\t' || s[l->pos] == '\n' || s[l->pos] == '\r' ||
           s[l->pos] == '\f')
        l->pos++;
    const char *p = s + l->pos;
    size_t len = 0;
    t->pos = (uint32_t)l->pos;
    if (!*p) {
        t->kind = T_EOF;
    } else if (*p == '"') {
        if (!(len = string_len(p)))
            return ottl_fail(err, s, t->pos, "a string is not closed (missing \")");
        t->kind = T_STRING;
    } else if (is_ident(*p) && !is_digit(*p) && *p != '_') {
        while (is_ident(p[len]))
            len++;
        t->kind = word_kind(p, len);
    } else {
        t->kind = lex_symbol(p, &len);
        if (!len)
            return ottl_fail(err, s, t->pos, "invalid character '%c'", *p);
    }
    t->len = (uint32_t)len;
    l->pos += len;
    return 0;
}

int ottl_lex(arena *a, const char *text, token **out, size_t *n, ottl_error *err)
{
    lexer l = {text, 0};
    size_t cap = 16, count = 0;
    token *toks = ottl_arena_alloc(a, cap * sizeof(token));
    for (;;) {
        if (!toks)
            return ottl_fail(err, text, 0, "out of memory");
        if (lex_one(&l, &toks[count], err) != 0)
            return -1;
        if (toks[count++].kind == T_EOF)
            break;
        if (count == cap) {
            token *more = ottl_arena_alloc(a, 2 * cap * sizeof(token));
            if (more)
                memcpy(more, toks, cap * sizeof(token));
            toks = more;
            cap *= 2;
        }
    }
    *out = toks;
    *n = count;
    return 0;
}
