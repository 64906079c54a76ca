/*
 * bind.c: a parsed text bound to its context, once, at create: paths to
 * the context's fields, enum symbols to their values, calls to functions
 * with their arguments in parameter order, and the literal arguments
 * that need it compiled (regexes, globs). What the collector refuses
 * when it builds a statement is refused here, with its wording where it
 * has one; what otelc lacks is refused by name.
 */
#include "paths.h"
#include "regex.h"

#include <stdio.h>
#include <string.h>

typedef struct binder {
    parsed *p;
    ottl_context ctx;
    ottl_error *err;
} binder;

static int bind_node(binder *b, node *n);

static int fail(binder *b, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(binder *b, uint32_t pos, const char *fmt, ...)
{
    va_list ap;
    ottl_position(b->p->text, pos, &b->err->line, &b->err->col);
    va_start(ap, fmt);
    vsnprintf(b->err->msg, sizeof b->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- enums ---- */

bool ottl_symbol_is_enum(const char *s, size_t n);

/* The contexts with enums: resource and scope have none. */
static int enum_value(ottl_context ctx, const char *s, size_t n, int64_t *out)
{
    unsigned contexts;
    if (ctx == OTTL_CTX_RESOURCE || ctx == OTTL_CTX_SCOPE)
        return -2;
    if (!ottl_enum_lookup(s, n, out, &contexts) || !(contexts & (1u << ctx)))
        return -1;
    return 0;
}

static int bind_enum(binder *b, node *n)
{
    int64_t v;
    if (!ottl_symbol_is_enum(n->str.p, n->str.n))
        return fail(b, n->pos, "\"%.*s\" is not a value (a function is named only as an argument)",
                    (int)n->str.n, n->str.p);
    int rc = enum_value(b->ctx, n->str.p, n->str.n, &v);
    if (rc == -2)
        return fail(b, n->pos, "enums aren't supported for the %s context: %.*s",
                    ottl_context_name(b->ctx), (int)n->str.n, n->str.p);
    if (rc < 0)
        return fail(b, n->pos, "enum symbol, %.*s, not found", (int)n->str.n, n->str.p);
    n->kind = N_INT;
    n->i = v;
    return 0;
}

/* ---- arguments ---- */

static bool is_lower_name(const char *s, size_t n)
{
    return n && s[0] >= 'a' && s[0] <= 'z';
}

static int own(binder *b, void *p, void (*free_fn)(void *))
{
    owned *o = ottl_arena_alloc(&b->p->mem, sizeof(owned));
    if (!o) {
        free_fn(p);
        return -1;
    }
    o->p = p;
    o->free_fn = free_fn;
    o->next = b->p->owned;
    b->p->owned = o;
    return 0;
}

static int bind_pattern(binder *b, call_node *c, size_t i, bool glob)
{
    node *a = c->argv[i];
    char why[160];
    if (a->kind != N_STRING)
        return fail(b, a->pos, "the %s argument of %.*s must be a string literal",
                    c->fn->params[i].name, (int)c->len, c->name);
    void *re = glob ? (void *)ottl_glob_compile(a->str.p, a->str.n, why, sizeof why)
                    : (void *)ottl_regex_compile(a->str.p, a->str.n, why, sizeof why);
    if (!re)
        return fail(b, a->pos, "the %s of %.*s is not a valid %s: %s", c->fn->params[i].name,
                    (int)c->len, c->name, glob ? "pattern" : "regex", why);
    c->aux[i] = re;
    return own(b, re, glob ? ottl_glob_free : ottl_regex_free) == 0
               ? 0
               : fail(b, a->pos, "out of memory");
}

static int bind_func_arg(binder *b, call_node *c, size_t i)
{
    node *a = c->argv[i];
    const ottl_fn *f = a->kind == N_ENUM ? ottl_fn_find(a->str.p, a->str.n) : NULL;
    if (!f || !f->string_fn)
        return fail(b, a->pos,
                    "the %s argument of %.*s must name a converter from a string to a string "
                    "(SHA256, SHA1, SHA512, MD5, ToLowerCase, ToUpperCase)",
                    c->fn->params[i].name, (int)c->len, c->name);
    a->kind = N_FUNCREF;
    a->fnref = f;
    return 0;
}

/* Metric settings written with the metric's data message, which a
 * datapoint pass is visiting point by point. */
static bool in_data_message(int id)
{
    return id == PATH_METRIC_TEMPORALITY || id == PATH_METRIC_MONOTONIC;
}

static int bind_target(binder *b, call_node *c, size_t i, bool map)
{
    node *a = c->argv[i];
    if (a->kind != N_PATH)
        return fail(b, a->pos, "the %s argument of %.*s must be a path", c->fn->params[i].name,
                    (int)c->len, c->name);
    if (bind_node(b, a) != 0)
        return -1;
    const path_def *d = ottl_path_def(a);
    if (map && (d->id != PATH_ATTRS || a->path.nkeys))
        return fail(b, a->pos, "the %s argument of %.*s must be attributes (a map path)%s",
                    c->fn->params[i].name, (int)c->len, c->name,
                    a->path.nkeys ? ": a map inside a value is not supported by otelc yet" : "");
    if (!d->settable)
        return fail(b, a->pos, "the path %s.%s cannot be set (read-only in otelc)",
                    ottl_context_name((ottl_context)d->level), d->name);
    if (a->path.nkeys > 1)
        return fail(b, a->pos, "setting a value inside a map value (more than one index) is "
                               "not supported by otelc yet");
    if (b->ctx == OTTL_CTX_DATAPOINT && in_data_message(d->id))
        return fail(b, a->pos, "the path metric.%s is set in the metric context only in otelc "
                               "(a datapoint statement edits its point)", d->name);
    return 0;
}

static int want_literal(binder *b, call_node *c, size_t i, node_kind k, const char *what)
{
    if (c->argv[i]->kind != k)
        return fail(b, c->argv[i]->pos, "the %s argument of %.*s must be %s",
                    c->fn->params[i].name, (int)c->len, c->name, what);
    return 0;
}

static int bind_strings(binder *b, call_node *c, size_t i)
{
    node *a = c->argv[i];
    if (a->kind == N_LIST) {
        size_t k = 0;
        while (k < a->list.n && a->list.items[k]->kind == N_STRING)
            k++;
        if (k == a->list.n)
            return 0;
    }
    return fail(b, a->pos, "the %s argument of %.*s must be a list of string literals",
                c->fn->params[i].name, (int)c->len, c->name);
}

static int bind_arg(binder *b, call_node *c, size_t i)
{
    switch (c->fn->params[i].kind) {
    case P_TARGET: return bind_target(b, c, i, false);
    case P_MAP: return bind_target(b, c, i, true);
    case P_STRING: return want_literal(b, c, i, N_STRING, "a string literal");
    case P_INT: return want_literal(b, c, i, N_INT, "an int literal");
    case P_BOOL: return want_literal(b, c, i, N_BOOL, "true or false");
    case P_STRINGS: return bind_strings(b, c, i);
    case P_FUNC: return bind_func_arg(b, c, i);
    case P_REGEX: return bind_pattern(b, c, i, false);
    case P_GLOB: return bind_pattern(b, c, i, true);
    default: return bind_node(b, c->argv[i]);
    }
}

/* The parameter a named argument stands for, or -1. */
static int param_named(const ottl_fn *f, const call_arg *a)
{
    for (unsigned k = 0; k < f->nparams; k++)
        if (strlen(f->params[k].name) == a->nlen &&
            memcmp(f->params[k].name, a->name, a->nlen) == 0)
            return (int)k;
    return -1;
}

static int place_args(binder *b, call_node *c, uint32_t pos)
{
    const ottl_fn *f = c->fn;
    bool named = false;
    for (size_t k = 0; k < c->nargs; k++) {
        const call_arg *a = &c->args[k];
        int at = a->name ? param_named(f, a) : (named ? -2 : (int)k);
        if (a->name)
            named = true;
        if (at == -2)
            return fail(b, a->pos, "named arguments must come after all unnamed ones");
        if (at < 0 || at >= (int)f->nparams)
            return at < 0 ? fail(b, a->pos, "%s has no argument named %.*s", f->name,
                                 (int)a->nlen, a->name)
                          : fail(b, a->pos, "incorrect number of arguments. Expected: %u "
                                            "Received: %zu", f->nparams, c->nargs);
        if (c->argv[at])
            return fail(b, a->pos, "the %s argument of %s is given twice",
                        f->params[at].name, f->name);
        c->argv[at] = a->value;
    }
    for (unsigned k = 0; k < f->nparams; k++)
        if (!c->argv[k] && !f->params[k].optional)
            return fail(b, pos, "incorrect number of arguments. Expected: %u Received: %zu",
                        f->nparams, c->nargs);
    return 0;
}

static int bind_args(binder *b, call_node *c, uint32_t pos)
{
    if (place_args(b, c, pos) != 0)
        return -1;
    for (unsigned k = 0; k < c->fn->nparams; k++)
        if (c->argv[k] && bind_arg(b, c, k) != 0)
            return -1;
    const char *why = c->fn->check ? c->fn->check(c) : NULL;
    return why ? fail(b, pos, "%s: %s", c->fn->name, why) : 0;
}

/* ---- calls ---- */

static int find_function(binder *b, node *n)
{
    call_node *c = &n->call;
    c->fn = ottl_fn_find(c->name, c->len);
    if (!c->fn && ottl_fn_collector_only(c->name, c->len))
        return fail(b, n->pos, "the function %.*s is not supported by otelc yet (see docs/ottl.md)",
                    (int)c->len, c->name);
    if (!c->fn)
        return fail(b, n->pos, "undefined function \"%.*s\"", (int)c->len, c->name);
    if (!(c->fn->contexts & (1u << b->ctx)))
        return fail(b, n->pos, "the function %s is not available in the %s context", c->fn->name,
                    ottl_context_name(b->ctx));
    return 0;
}

static int bind_keys(binder *b, node **keys, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (bind_node(b, keys[k]) != 0)
            return -1;
    return 0;
}

/* A converter called as a value (an editor there is refused). */
static int bind_converter(binder *b, node *n)
{
    call_node *c = &n->call;
    if (is_lower_name(c->name, c->len))
        return fail(b, n->pos, "converter names must start with an uppercase letter but got '%.*s'",
                    (int)c->len, c->name);
    if (find_function(b, n) != 0 || bind_args(b, c, n->pos) != 0)
        return -1;
    return bind_keys(b, c->keys, c->nkeys);
}

static int bind_editor(binder *b, node *n)
{
    call_node *c = &n->call;
    if (!is_lower_name(c->name, c->len))
        return fail(b, n->pos, "editor names must start with a lowercase letter but got '%.*s'",
                    (int)c->len, c->name);
    if (c->nkeys)
        return fail(b, c->keys[0]->pos,
                    "only paths and converters may be indexed, not editors, but got %.*s[...]",
                    (int)c->len, c->name);
    if (find_function(b, n) != 0)
        return -1;
    if (!c->fn->editor)
        return fail(b, n->pos, "%s is a converter, not an editor", c->fn->name);
    return bind_args(b, c, n->pos);
}

/* ---- the tree ---- */

static int bind_items(binder *b, node **items, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (bind_node(b, items[k]) != 0)
            return -1;
    return 0;
}

static int bind_path(binder *b, node *n)
{
    if (ottl_bind_path(n, b->ctx, b->p->text, b->err) != 0)
        return -1;
    return bind_keys(b, n->path.keys, n->path.nkeys);
}

static int bind_node(binder *b, node *n)
{
    switch (n->kind) {
    case N_ENUM: return bind_enum(b, n);
    case N_PATH: return bind_path(b, n);
    case N_CALL: return bind_converter(b, n);
    case N_LIST: case N_AND: case N_OR: return bind_items(b, n->list.items, n->list.n);
    case N_MAP: return bind_items(b, n->map.vals, n->map.n);
    case N_MATH: case N_CMP:
        return bind_node(b, n->bin.l) != 0 ? -1 : bind_node(b, n->bin.r);
    case N_NOT: return bind_node(b, n->sub);
    default: return 0;
    }
}

int ottl_bind(parsed *p, ottl_context ctx, ottl_error *err)
{
    binder b = {p, ctx, err};
    if (p->editor && bind_editor(&b, p->editor) != 0)
        return -1;
    return p->where ? bind_node(&b, p->where) : 0;
}

void ottl_parsed_release(parsed *p)
{
    for (owned *o = p->owned; o; o = o->next)
        o->free_fn(o->p);
    p->owned = NULL;
    ottl_arena_free(&p->mem);
}
