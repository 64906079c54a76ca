/*
 * tk_yaml.c: YAML text to the config tree create() reads, with libyaml's
 * events. The rules are the host's: one document, no anchors or aliases,
 * no duplicate keys, map keys are scalars, plain null-like scalars are
 * empty values ("all defaults").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "testkit_impl.h"

#define MAX_DEPTH 64

typedef struct builder {
    otelc_test_host *h;
    otelc_node *root;
    otelc_node *open[MAX_DEPTH]; /* containers being filled */
    size_t depth;
    char *key; /* a map's key waiting for its value */
    unsigned key_line, key_col;
    unsigned documents;
} builder;

void tk_node_free(otelc_node *n)
{
    if (!n)
        return;
    /* The parser caps nesting depth, so this recursion is bounded. */
    for (size_t i = 0; i < n->children.n; i++)
        tk_node_free(n->children.items[i]);
    tk_vec_clear(&n->children, NULL);
    free(n->key);
    free(n->text);
    free(n);
}

static int fail(builder *b, yaml_mark_t at, const char *why)
{
    tk_error(b->h, "config:%zu:%zu: %s", at.line + 1, at.column + 1, why);
    return -1;
}

static otelc_node *node_new(otelc_node_kind kind, yaml_mark_t at)
{
    otelc_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = n->key_line = (unsigned)at.line + 1;
    n->col = n->key_col = (unsigned)at.column + 1;
    return n;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag)
        return false;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp((const char *)ev->data.scalar.value, nulls[i]) == 0)
            return true;
    return false;
}

static const otelc_node *find_key(const otelc_node *map, const char *key)
{
    for (size_t i = 0; i < map->children.n; i++) {
        const otelc_node *c = map->children.items[i];
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

/* The innermost open container, or NULL at the top. */
static otelc_node *open_top(const builder *b)
{
    return b->depth > 0 ? b->open[b->depth - 1] : NULL;
}

/* Hangs n below the innermost open container, taking it. */
static int attach(builder *b, otelc_node *n, yaml_mark_t at)
{
    otelc_node *top = open_top(b);
    if (!top) {
        tk_node_free(b->root); /* always NULL: a document has one root */
        b->root = n;
        return 0;
    }
    if (top->kind == OTELC_NODE_MAP && b->key) {
        const otelc_node *twin = find_key(top, b->key);
        if (twin) {
            tk_node_free(n);
            tk_error(b->h, "config:%u:%u: key '%s' defined twice (first at line %u)", b->key_line,
                     b->key_col, b->key, twin->key_line);
            return -1;
        }
        n->key = b->key;
        n->key_line = b->key_line;
        n->key_col = b->key_col;
        b->key = NULL;
    }
    n->parent = top;
    if (tk_vec_push(&top->children, n) != 0) {
        tk_node_free(n);
        return fail(b, at, "out of memory");
    }
    return 0;
}

static bool awaiting_key(const builder *b)
{
    const otelc_node *top = open_top(b);
    return top && top->kind == OTELC_NODE_MAP && !b->key;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    if (strlen(text) != ev->data.scalar.length)
        return fail(b, ev->start_mark, "a value holds a NUL character");
    if (awaiting_key(b)) {
        b->key = strdup(text);
        b->key_line = (unsigned)ev->start_mark.line + 1;
        b->key_col = (unsigned)ev->start_mark.column + 1;
        return b->key ? 0 : fail(b, ev->start_mark, "out of memory");
    }
    bool null = is_null_scalar(ev);
    otelc_node *n = node_new(null ? OTELC_NODE_NULL : OTELC_NODE_SCALAR, ev->start_mark);
    if (n && !null && !(n->text = strdup(text))) {
        tk_node_free(n);
        n = NULL;
    }
    if (!n)
        return fail(b, ev->start_mark, "out of memory");
    return attach(b, n, ev->start_mark);
}

static int on_open(builder *b, const yaml_event_t *ev, otelc_node_kind kind)
{
    if (awaiting_key(b))
        return fail(b, ev->start_mark, "a map key must be a plain value, not a map or list");
    if (b->depth == MAX_DEPTH)
        return fail(b, ev->start_mark, "nesting is deeper than 64 levels");
    otelc_node *n = node_new(kind, ev->start_mark);
    if (!n)
        return fail(b, ev->start_mark, "out of memory");
    if (attach(b, n, ev->start_mark) != 0)
        return -1;
    b->open[b->depth++] = n;
    return 0;
}

static bool has_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: return ev->data.scalar.anchor != NULL;
    case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.anchor != NULL;
    case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.anchor != NULL;
    default: return false;
    }
}

static int on_event(builder *b, const yaml_event_t *ev)
{
    if (has_anchor(ev))
        return fail(b, ev->start_mark, "YAML anchors (&name) are not supported");
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        return ++b->documents > 1 ? fail(b, ev->start_mark, "one YAML document only") : 0;
    case YAML_ALIAS_EVENT: return fail(b, ev->start_mark, "YAML aliases (*name) are not supported");
    case YAML_SCALAR_EVENT: return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT: return on_open(b, ev, OTELC_NODE_LIST);
    case YAML_MAPPING_START_EVENT: return on_open(b, ev, OTELC_NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: b->depth--; return 0;
    default: return 0;
    }
}

/* libyaml's own words, with where the construct it was in began. */
static int parse_error(builder *b, const yaml_parser_t *p)
{
    char why[256];
    const char *problem = p->problem ? p->problem : "cannot parse";
    if (p->context)
        snprintf(why, sizeof(why), "%s (%s that starts at line %zu, column %zu)", problem,
                 p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    else
        snprintf(why, sizeof(why), "%s", problem);
    return fail(b, p->problem_mark, why);
}

static int run(builder *b, yaml_parser_t *p)
{
    yaml_event_t ev;
    for (;;) {
        if (!yaml_parser_parse(p, &ev))
            return parse_error(b, p);
        int rc = on_event(b, &ev);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (rc != 0 || end)
            return rc;
    }
}

otelc_node *tk_yaml_parse(otelc_test_host *h, const char *yaml)
{
    builder b = {.h = h};
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        tk_error(h, "config: out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)yaml, strlen(yaml));
    int rc = run(&b, &p);
    yaml_parser_delete(&p);
    free(b.key);
    if (rc == 0 && !b.root)
        b.root = node_new(OTELC_NODE_NULL, (yaml_mark_t){0, 0, 0});
    if (rc != 0 || !b.root) {
        tk_node_free(b.root);
        return NULL;
    }
    return b.root;
}
