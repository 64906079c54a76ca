/*
 * parse.c: statements, boolean expressions and calls.
 *
 *   statement := (editor | converter) ('where' boolExpr)?
 *   boolExpr  := term ('or' term)*
 *   term      := boolValue ('and' boolValue)*
 *   boolValue := 'not'? (comparison | 'true' | 'false' | converter
 *                        | '(' boolExpr ')')
 *   comparison := value ('==' | '!=' | '<' | '<=' | '>' | '>=') value
 *   call      := name '(' (argument (',' argument)*)? ')' key*
 *   argument  := (lowerName '=')? value
 *
 * What the grammar accepts but the collector then refuses (a converter
 * as the statement's editor, an editor called as a value, an indexed
 * editor) is refused when the tree is bound (bind.c), with the
 * collector's messages.
 */
#include "parse.h"

#include <stdio.h>
#include <string.h>

static void describe(const parser *p, const token *t, char *out, size_t cap)
{
    if (t->kind == T_EOF)
        snprintf(out, cap, "end of text");
    else
        snprintf(out, cap, "\"%.*s\"", t->len > 40 ? 40 : (int)t->len, p->text + t->pos);
}

void *ottl_syntax_error(parser *p, const char *expected)
{
    const token *t = peek(p);
    char what[64];
    if (p->hard || (p->has_err && p->err_pos > t->pos))
        return NULL;
    describe(p, t, what, sizeof what);
    ottl_fail(p->err, p->text, t->pos, "unexpected %s, expected %s", what, expected);
    p->err_pos = t->pos;
    p->has_err = true;
    return NULL;
}

void *ottl_hard_error(parser *p, uint32_t pos, const char *fmt, ...)
{
    va_list ap;
    if (p->hard)
        return NULL;
    ottl_position(p->text, pos, &p->err->line, &p->err->col);
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
    p->hard = p->has_err = true;
    p->err_pos = pos;
    return NULL;
}

bool ottl_nest(parser *p)
{
    if (++p->depth <= OTTL_MAX_NESTING)
        return true;
    p->depth--;
    return ottl_hard_error(p, peek(p)->pos, "nested more than %d levels deep", OTTL_MAX_NESTING) !=
           NULL;
}

node *ottl_new_node(parser *p, node_kind k, uint32_t pos)
{
    node *n = ottl_arena_alloc(p->a, sizeof(node));
    if (!n)
        return ottl_hard_error(p, pos, "out of memory");
    n->kind = k;
    n->pos = pos;
    return n;
}

bool ottl_vec_push(parser *p, node_vec *vec, node *n)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? 2 * vec->cap : 4;
        node **v = ottl_arena_alloc(p->a, cap * sizeof(node *));
        if (!v)
            return ottl_hard_error(p, n->pos, "out of memory") != NULL;
        if (vec->n)
            memcpy(v, vec->v, vec->n * sizeof(node *));
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = n;
    return true;
}

/* ---- calls ---- */

static bool named_argument(const parser *p)
{
    return peek(p)->kind == T_LOWER && peek_at(p, 1)->kind == T_EQUAL;
}

static bool parse_argument(parser *p, call_arg *arg)
{
    const token *t = peek(p);
    arg->pos = t->pos;
    if (named_argument(p)) {
        arg->name = p->text + t->pos;
        arg->nlen = t->len;
        p->i += 2;
    }
    arg->value = ottl_parse_value(p);
    return arg->value != NULL;
}

static bool parse_arguments(parser *p, call_node *c)
{
    size_t cap = 4;
    if (accept(p, T_RPAREN))
        return true;
    c->args = ottl_arena_alloc(p->a, cap * sizeof(call_arg));
    do {
        if (c->nargs == cap) {
            call_arg *more = ottl_arena_alloc(p->a, 2 * cap * sizeof(call_arg));
            if (more && c->args)
                memcpy(more, c->args, cap * sizeof(call_arg));
            c->args = more;
            cap *= 2;
        }
        if (!c->args)
            return ottl_hard_error(p, peek(p)->pos, "out of memory") != NULL;
        if (!parse_argument(p, &c->args[c->nargs++]))
            return false;
    } while (accept(p, T_COMMA));
    return accept(p, T_RPAREN) || ottl_syntax_error(p, "\",\" or \")\"");
}

node *ottl_parse_call(parser *p)
{
    const token *name = peek(p);
    node *n = ottl_new_node(p, N_CALL, name->pos);
    if (!n)
        return NULL;
    n->call.name = p->text + name->pos;
    n->call.len = name->len;
    p->i++;
    if (!accept(p, T_LPAREN))
        return ottl_syntax_error(p, "\"(\"");
    if (!parse_arguments(p, &n->call))
        return NULL;
    return ottl_parse_keys(p, &n->call.keys, &n->call.nkeys) ? n : NULL;
}

static bool at_call(const parser *p)
{
    tok_kind k = peek(p)->kind;
    return (k == T_LOWER || k == T_UPPER) && peek_at(p, 1)->kind == T_LPAREN;
}

/* ---- boolean expressions ---- */

static node *parse_bool_expr(parser *p);

static cmp_op cmp_of(const parser *p, const token *t)
{
    const char *s = p->text + t->pos;
    if (t->len == 1)
        return *s == '<' ? CMP_LT : CMP_GT;
    switch (*s) {
    case '=': return CMP_EQ;
    case '!': return CMP_NE;
    case '<': return CMP_LE;
    default: return CMP_GE;
    }
}

/* value op value, or NULL with the token index where it was. */
static node *try_comparison(parser *p)
{
    size_t start = p->i;
    node *l = ottl_parse_value(p);
    if (!l || peek(p)->kind != T_CMP) {
        if (l)
            ottl_syntax_error(p, "a comparison operator");
        p->i = start;
        return NULL;
    }
    node *n = ottl_new_node(p, N_CMP, peek(p)->pos);
    if (!n)
        return NULL;
    n->bin.op = cmp_of(p, peek(p));
    p->i++;
    n->bin.l = l;
    if (!(n->bin.r = ottl_parse_value(p))) {
        p->i = start;
        return NULL;
    }
    return n;
}

/* 'true', 'false' or a converter (not followed by a comparison). */
static node *parse_const(parser *p)
{
    const token *t = peek(p);
    if (t->kind == T_BOOL) {
        node *n = ottl_new_node(p, N_BOOL, t->pos);
        if (n)
            n->b = p->text[t->pos] == 't';
        p->i++;
        return n;
    }
    if (t->kind == T_UPPER && peek_at(p, 1)->kind == T_LPAREN)
        return ottl_parse_call(p);
    return ottl_syntax_error(p, "a comparison, true, false, a converter or \"(\"");
}

static node *parse_bool_inner(parser *p)
{
    node *n = try_comparison(p);
    if (n || p->hard)
        return n;
    if (peek(p)->kind != T_LPAREN) {
        size_t start = p->i;
        if ((n = parse_const(p)))
            return n;
        p->i = start;
        return NULL;
    }
    p->i++;
    if (!(n = parse_bool_expr(p)))
        return NULL;
    return accept(p, T_RPAREN) ? n : ottl_syntax_error(p, "\")\"");
}

static node *parse_bool_value(parser *p)
{
    const token *t = peek(p);
    bool negate = accept(p, T_NOT);
    if (!ottl_nest(p))
        return NULL;
    node *inner = parse_bool_inner(p);
    unnest(p);
    if (!inner || !negate)
        return inner;
    node *n = ottl_new_node(p, N_NOT, t->pos);
    if (n)
        n->sub = inner;
    return n;
}

/* left (op right)*, built as one AND or OR node with every operand. */
static node *parse_chain(parser *p, tok_kind op, node_kind kind, node *(*operand)(parser *))
{
    node *first = operand(p);
    if (!first || peek(p)->kind != op)
        return first;
    node *n = ottl_new_node(p, kind, first->pos);
    node_vec items = {0};
    if (!n || !ottl_vec_push(p, &items, first))
        return NULL;
    while (accept(p, op)) {
        node *next = operand(p);
        if (!next || !ottl_vec_push(p, &items, next))
            return NULL;
    }
    n->list.items = items.v;
    n->list.n = items.n;
    return n;
}

static node *parse_term(parser *p)
{
    return parse_chain(p, T_AND, N_AND, parse_bool_value);
}

static node *parse_bool_expr(parser *p)
{
    return parse_chain(p, T_OR, N_OR, parse_term);
}

/* ---- entry ---- */

static bool is_where(const parser *p)
{
    const token *t = peek(p);
    return t->kind == T_LOWER && t->len == 5 && memcmp(p->text + t->pos, "where", 5) == 0;
}

static int parse_statement(parser *p, parsed *out)
{
    if (!at_call(p)) {
        ottl_syntax_error(p, "an editor call such as set(...)");
        return -1;
    }
    if (!(out->editor = ottl_parse_call(p)))
        return -1;
    if (is_where(p)) {
        p->i++;
        if (!(out->where = parse_bool_expr(p)))
            return -1;
    }
    return 0;
}

static int parse_end(parser *p)
{
    if (peek(p)->kind == T_EOF)
        return 0;
    ottl_syntax_error(p, p->t[p->i - 1].kind == T_RPAREN ? "\"where\" or the end" : "the end");
    return -1;
}

int ottl_parse(parsed *out, const char *text, bool statement, ottl_error *err)
{
    parser p = {.a = &out->mem, .err = err};
    size_t len = strlen(text);
    if (!(p.text = out->text = ottl_arena_dup(&out->mem, text, len)))
        return ottl_fail(err, text, 0, "out of memory");
    if (ottl_lex(p.a, p.text, &p.t, &p.n, err) != 0)
        return -1;
    int rc = statement ? parse_statement(&p, out)
                       : ((out->where = parse_bool_expr(&p)) ? 0 : -1);
    if (rc == 0)
        rc = parse_end(&p);
    if (rc != 0 && !p.has_err)
        ottl_syntax_error(&p, "a statement");
    return rc;
}
