/*
 * ottl_parse_value.c: values.
 *
 *   value     := 'nil' | mathExpr | bytes | string | bool | enum | map | list
 *   mathExpr  := addTerm (('+' | '-') addTerm)*
 *   addTerm   := mathValue (('*' | '/') mathValue)*
 *   mathValue := literal | '(' mathExpr ')'
 *   literal   := editor | converter | float | int | path
 *   path      := field ('.' field)*        field := lowerName key*
 *   key       := '[' (string | int | mathExpr) ']'
 *   list      := '[' value* (',' value)* ']'
 *   map       := '{' (string ':' value ','?)* '}'
 *   enum      := UPPERCASE_NAME            (also a function given by name)
 *
 * A math expression of one literal is that literal. Whether the first
 * field of a path names a context is decided when the path is bound.
 */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool lower_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return false;
    return true;
}

static bool upper_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            return false;
    return true;
}

/* ---- literals ---- */

static node *parse_int(parser *p)
{
    const token *t = peek(p);
    char buf[32];
    node *n = ottl_new_node(p, N_INT, t->pos);
    if (!n)
        return NULL;
    if (t->len >= sizeof buf)
        return ottl_hard_error(p, t->pos, "integer out of range");
    memcpy(buf, p->text + t->pos, t->len);
    buf[t->len] = 0;
    errno = 0;
    n->i = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
        return ottl_hard_error(p, t->pos, "integer out of range");
    p->i++;
    return n;
}

static node *parse_float(parser *p)
{
    const token *t = peek(p);
    char buf[64];
    node *n = ottl_new_node(p, N_FLOAT, t->pos);
    if (!n)
        return NULL;
    size_t len = t->len < sizeof buf - 1 ? t->len : sizeof buf - 1;
    memcpy(buf, p->text + t->pos, len);
    buf[len] = 0;
    errno = 0;
    n->d = strtod(buf, NULL);
    if (errno == ERANGE && isinf(n->d))
        return ottl_hard_error(p, t->pos, "number out of range");
    p->i++;
    return n;
}

static int hex_digit(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static node *parse_bytes(parser *p)
{
    const token *t = peek(p);
    const char *h = p->text + t->pos + 2;
    size_t digits = t->len - 2;
    node *n = ottl_new_node(p, N_BYTES, t->pos);
    if (!n)
        return NULL;
    if (digits % 2)
        return ottl_hard_error(p, t->pos, "a byte literal needs an even number of hex digits");
    uint8_t *b = ottl_arena_alloc(p->a, digits / 2 + 1);
    if (!b)
        return ottl_hard_error(p, t->pos, "out of memory");
    for (size_t k = 0; k < digits / 2; k++)
        b[k] = (uint8_t)(hex_digit(h[2 * k]) << 4 | hex_digit(h[2 * k + 1]));
    n->str.p = (const char *)b;
    n->str.n = digits / 2;
    p->i++;
    return n;
}

static node *parse_string(parser *p)
{
    const token *t = peek(p);
    node *n = ottl_new_node(p, N_STRING, t->pos);
    char *s;
    if (!n)
        return NULL;
    if (ottl_unquote(p->a, p->text, t, &s, &n->str.n, p->err) != 0) {
        p->hard = p->has_err = true;
        return NULL;
    }
    n->str.p = s;
    p->i++;
    return n;
}

/* ---- keys and paths ---- */

static node *parse_key(parser *p)
{
    const token *t = peek(p);
    if (t->kind == T_STRING)
        return parse_string(p);
    if (t->kind == T_INT && peek_at(p, 1)->kind == T_RBRACK)
        return parse_int(p);
    return ottl_parse_math(p);
}

bool ottl_parse_keys(parser *p, node ***keys, size_t *n)
{
    node_vec vec = {0};
    while (accept(p, T_LBRACK)) {
        node *k = parse_key(p);
        if (!k || !ottl_vec_push(p, &vec, k))
            return false;
        if (!accept(p, T_RBRACK))
            return ottl_syntax_error(p, "\"]\"") != NULL;
    }
    *keys = vec.v;
    *n = vec.n;
    return true;
}

static bool parse_field(parser *p, path_seg *seg)
{
    const token *t = peek(p);
    if (t->kind != T_LOWER)
        return ottl_syntax_error(p, "a path name") != NULL;
    if (!lower_only(p->text + t->pos, t->len))
        return ottl_hard_error(p, t->pos, "path names are lower case: \"%.*s\"", (int)t->len,
                          p->text + t->pos) != NULL;
    seg->name = p->text + t->pos;
    seg->len = t->len;
    seg->pos = t->pos;
    p->i++;
    return ottl_parse_keys(p, &seg->keys, &seg->nkeys);
}

static node *parse_path(parser *p)
{
    node *n = ottl_new_node(p, N_PATH, peek(p)->pos);
    size_t cap = 4;
    path_seg *segs = ottl_arena_alloc(p->a, cap * sizeof(path_seg));
    if (!n)
        return NULL;
    do {
        if (n->path.nsegs == cap) {
            path_seg *more = ottl_arena_alloc(p->a, 2 * cap * sizeof(path_seg));
            if (more && segs)
                memcpy(more, segs, cap * sizeof(path_seg));
            segs = more;
            cap *= 2;
        }
        if (!segs)
            return ottl_hard_error(p, n->pos, "out of memory");
        if (!parse_field(p, &segs[n->path.nsegs++]))
            return NULL;
    } while (accept(p, T_DOT));
    n->path.segs = segs;
    return n;
}

/* ---- math ---- */

static node *parse_math_value(parser *p)
{
    const token *t = peek(p);
    if (accept(p, T_LPAREN)) {
        if (!ottl_nest(p))
            return NULL;
        node *n = ottl_parse_math(p);
        unnest(p);
        if (!n)
            return NULL;
        return accept(p, T_RPAREN) ? n : ottl_syntax_error(p, "\")\"");
    }
    if ((t->kind == T_LOWER || t->kind == T_UPPER) && peek_at(p, 1)->kind == T_LPAREN)
        return ottl_parse_call(p);
    switch (t->kind) {
    case T_FLOAT: return parse_float(p);
    case T_INT: return parse_int(p);
    case T_LOWER: return parse_path(p);
    default: return ottl_syntax_error(p, "a value");
    }
}

static math_op math_of(const parser *p, const token *t)
{
    switch (p->text[t->pos]) {
    case '+': return MATH_ADD;
    case '-': return MATH_SUB;
    case '*': return MATH_MUL;
    default: return MATH_DIV;
    }
}

/* left (op right)*, left-associative, ops of one precedence level. */
static node *parse_math_level(parser *p, tok_kind op, node *(*operand)(parser *))
{
    node *left = operand(p);
    while (left && peek(p)->kind == op) {
        node *n = ottl_new_node(p, N_MATH, peek(p)->pos);
        if (!n)
            return NULL;
        n->bin.op = math_of(p, peek(p));
        p->i++;
        n->bin.l = left;
        if (!(n->bin.r = operand(p)))
            return NULL;
        left = n;
    }
    return left;
}

static node *parse_add_term(parser *p)
{
    return parse_math_level(p, T_MULDIV, parse_math_value);
}

node *ottl_parse_math(parser *p)
{
    return parse_math_level(p, T_ADDSUB, parse_add_term);
}

/* ---- lists and maps ---- */

/* '[' value* (',' value)* ']': the collector's grammar also reads
 * "[1 2]" and "[, 1]"; so does this. */
static node *parse_list(parser *p)
{
    node *n = ottl_new_node(p, N_LIST, peek(p)->pos);
    node_vec items = {0};
    if (!n)
        return NULL;
    p->i++;
    while (peek(p)->kind != T_COMMA && peek(p)->kind != T_RBRACK) {
        node *v = ottl_parse_value(p);
        if (!v || !ottl_vec_push(p, &items, v))
            return NULL;
    }
    while (accept(p, T_COMMA)) {
        node *v = ottl_parse_value(p);
        if (!v || !ottl_vec_push(p, &items, v))
            return NULL;
    }
    if (!accept(p, T_RBRACK))
        return ottl_syntax_error(p, "\",\" or \"]\"");
    n->list.items = items.v;
    n->list.n = items.n;
    return n;
}

static bool map_grow(parser *p, node *n, size_t *cap)
{
    size_t c = *cap ? 2 * *cap : 4;
    const char **keys = ottl_arena_alloc(p->a, c * sizeof(char *));
    size_t *klens = ottl_arena_alloc(p->a, c * sizeof(size_t));
    node **vals = ottl_arena_alloc(p->a, c * sizeof(node *));
    if (!keys || !klens || !vals)
        return ottl_hard_error(p, n->pos, "out of memory") != NULL;
    if (n->map.n) {
        memcpy(keys, n->map.keys, n->map.n * sizeof(char *));
        memcpy(klens, n->map.klens, n->map.n * sizeof(size_t));
        memcpy(vals, n->map.vals, n->map.n * sizeof(node *));
    }
    n->map.keys = keys;
    n->map.klens = klens;
    n->map.vals = vals;
    *cap = c;
    return true;
}

static bool parse_map_item(parser *p, node *n, size_t *cap)
{
    if (peek(p)->kind != T_STRING)
        return ottl_syntax_error(p, "a string key or \"}\"") != NULL;
    node *key = parse_string(p);
    if (!key)
        return false;
    if (!accept(p, T_COLON))
        return ottl_syntax_error(p, "\":\"") != NULL;
    node *v = ottl_parse_value(p);
    if (!v || (n->map.n == *cap && !map_grow(p, n, cap)))
        return false;
    n->map.keys[n->map.n] = key->str.p;
    n->map.klens[n->map.n] = key->str.n;
    n->map.vals[n->map.n++] = v;
    return true;
}

/* '{' (string ':' value ','?)* '}' */
static node *parse_map(parser *p)
{
    node *n = ottl_new_node(p, N_MAP, peek(p)->pos);
    size_t cap = 0;
    if (!n)
        return NULL;
    p->i++;
    while (!accept(p, T_RBRACE)) {
        if (!parse_map_item(p, n, &cap))
            return NULL;
        accept(p, T_COMMA);
    }
    return n;
}

/* ---- values ---- */

static node *parse_symbol(parser *p)
{
    const token *t = peek(p);
    node *n = ottl_new_node(p, N_ENUM, t->pos);
    if (!n)
        return NULL;
    n->str.p = p->text + t->pos;
    n->str.n = t->len;
    p->i++;
    return n;
}

static bool is_nil(const parser *p, const token *t)
{
    return t->kind == T_LOWER && t->len == 3 && memcmp(p->text + t->pos, "nil", 3) == 0;
}

static node *parse_value_in(parser *p);

node *ottl_parse_value(parser *p)
{
    if (!ottl_nest(p))
        return NULL;
    node *n = parse_value_in(p);
    unnest(p);
    return n;
}

static node *parse_value_in(parser *p)
{
    const token *t = peek(p);
    node *n;
    if (is_nil(p, t)) {
        n = ottl_new_node(p, N_NIL, t->pos);
        p->i++;
        return n;
    }
    switch (t->kind) {
    case T_BYTES: return parse_bytes(p);
    case T_STRING: return parse_string(p);
    case T_BOOL:
        if ((n = ottl_new_node(p, N_BOOL, t->pos)))
            n->b = p->text[t->pos] == 't';
        p->i++;
        return n;
    case T_LBRACK: return parse_list(p);
    case T_LBRACE: return parse_map(p);
    case T_UPPER:
        /* not a call: an enum, or a function given by name (an argument) */
        if (peek_at(p, 1)->kind != T_LPAREN)
            return parse_symbol(p);
        return ottl_parse_math(p);
    default: return ottl_parse_math(p);
    }
}

/* Used by bind.c: an all-uppercase symbol can be an enum. */
bool ottl_symbol_is_enum(const char *s, size_t n);
bool ottl_symbol_is_enum(const char *s, size_t n)
{
    return upper_only(s, n);
}
