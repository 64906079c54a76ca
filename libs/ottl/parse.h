/*
 * parse.h: the recursive-descent parser's state, shared by parse.c
 * (statements, boolean expressions, calls) and ottl_parse_value.c (values,
 * math, lists, maps, paths, literals).
 *
 * The grammar is the collector's (pkg/ottl/grammar.go), which its
 * parser generator reads with unlimited lookahead; the only place that
 * needs it is a boolean value, where a comparison is tried first and, if
 * it does not parse, a constant or a parenthesised expression. A failed
 * attempt rewinds the token index; the error kept is the one that got
 * furthest into the text, as the collector reports it.
 */
#ifndef OTTL_PARSE_H
#define OTTL_PARSE_H

#include "internal.h"

typedef struct parser {
    const char *text;
    token *t;
    size_t n, i;
    arena *a;
    ottl_error *err;
    uint32_t err_pos;
    bool has_err;
    bool hard; /* an error no other alternative can cure (a bad literal) */
    unsigned depth; /* nesting of values and expressions being parsed */
} parser;

/* Deepest nesting of parentheses, lists, maps, calls and keys: far above
 * what a statement needs, low enough that recursion stays small whatever
 * a config holds, and that a value built from nested literals stays
 * within OTLP_MAX_DEPTH (receivers refuse deeper AnyValues). */
#define OTTL_MAX_NESTING 60

/* Enters one level of nesting; false (a hard error) past the limit. */
bool ottl_nest(parser *p);
static inline void unnest(parser *p)
{
    p->depth--;
}

static inline const token *peek(const parser *p)
{
    return &p->t[p->i];
}

static inline const token *peek_at(const parser *p, size_t ahead)
{
    size_t k = p->i + ahead;
    return &p->t[k < p->n ? k : p->n - 1];
}

static inline bool accept(parser *p, tok_kind k)
{
    if (p->t[p->i].kind != k)
        return false;
    if (k != T_EOF)
        p->i++;
    return true;
}

/* Records a syntax error at the current token (if none got further). */
void *ottl_syntax_error(parser *p, const char *expected);
/* Records an error that ends parsing (bad literal, no memory). */
void *ottl_hard_error(parser *p, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

node *ottl_new_node(parser *p, node_kind k, uint32_t pos);

/* A growable array of node pointers in the arena. */
typedef struct node_vec {
    node **v;
    size_t n, cap;
} node_vec;
bool ottl_vec_push(parser *p, node_vec *vec, node *n);

/* value := nil | math | bytes | string | bool | enum | map | list */
node *ottl_parse_value(parser *p);
/* mathExpression := term (('+'|'-') term)* */
node *ottl_parse_math(parser *p);
/* A call: name '(' args ')' keys*; the name token is current. */
node *ottl_parse_call(parser *p);
/* keys := ('[' (string | int | math) ']')* */
bool ottl_parse_keys(parser *p, node ***keys, size_t *n);

#endif /* OTTL_PARSE_H */
