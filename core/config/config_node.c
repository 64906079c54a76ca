/* The config tree: building, reading and paths. */
#include "config_node_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

otelc_node *otelc_node_new(otelc_node_kind kind, otelc_pos pos)
{
    otelc_node *node = calloc(1, sizeof(*node));

    if (node == NULL)
        return NULL;
    node->kind = kind;
    node->pos = pos;
    node->key_pos = pos;
    return node;
}

void otelc_node_free(otelc_node *node)
{
    otelc_node *child, *next;

    if (node == NULL)
        return;
    /* The parser caps nesting depth, so this recursion is bounded. */
    for (child = node->first; child != NULL; child = next) {
        next = child->next;
        otelc_node_free(child);
    }
    free(node->key);
    free(node->text);
    free(node);
}

int otelc_node_set_text(otelc_node *node, const char *text, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    otelc_node_take_text(node, copy);
    return 0;
}

void otelc_node_take_text(otelc_node *node, char *text)
{
    free(node->text);
    node->text = text;
}

void otelc_node_append(otelc_node *parent, otelc_node *child)
{
    child->parent = parent;
    child->next = NULL;
    if (parent->last != NULL)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->count++;
}

int otelc_node_append_keyed(otelc_node *map, otelc_node *child, const char *key,
                            otelc_pos key_pos)
{
    char *copy = strdup(key);

    if (copy == NULL)
        return -1;
    free(child->key);
    child->key = copy;
    child->key_pos = key_pos;
    otelc_node_append(map, child);
    return 0;
}

otelc_node *otelc_node_detach_first(otelc_node *parent)
{
    otelc_node *child = parent->first;

    if (child == NULL)
        return NULL;
    parent->first = child->next;
    if (parent->first == NULL)
        parent->last = NULL;
    parent->count--;
    child->parent = NULL;
    child->next = NULL;
    return child;
}

otelc_node *otelc_node_swap(otelc_node *old, otelc_node *repl)
{
    otelc_node *parent = old->parent;
    otelc_node **link;

    repl->parent = parent;
    repl->next = old->next;
    if (parent != NULL) {
        for (link = &parent->first; *link != old; link = &(*link)->next)
            ;
        *link = repl;
        if (parent->last == old)
            parent->last = repl;
    }
    old->parent = NULL;
    old->next = NULL;
    return old;
}

otelc_node *otelc_node_child_mut(otelc_node *map, const char *key)
{
    if (map == NULL || key == NULL || map->kind != OTELC_NODE_MAP)
        return NULL;
    for (otelc_node *child = map->first; child != NULL; child = child->next) {
        if (strcmp(child->key, key) == 0)
            return child;
    }
    return NULL;
}

const otelc_node *otelc_node_child(const otelc_node *map, const char *key)
{
    /* The cast only lets one lookup serve both; nothing is written. */
    return otelc_node_child_mut((otelc_node *)map, key);
}

otelc_node_kind otelc_node_kind_of(const otelc_node *node)
{
    return node != NULL ? node->kind : OTELC_NODE_NULL;
}

const char *otelc_node_kind_name(otelc_node_kind kind)
{
    switch (kind) {
    case OTELC_NODE_NULL:
        return "an empty value";
    case OTELC_NODE_SCALAR:
        return "a scalar";
    case OTELC_NODE_MAP:
        return "a map";
    case OTELC_NODE_LIST:
        return "a list";
    }
    return "an unknown value";
}

bool otelc_node_is_map_like(const otelc_node *node)
{
    otelc_node_kind kind = otelc_node_kind_of(node);

    return kind == OTELC_NODE_MAP || kind == OTELC_NODE_NULL;
}

otelc_pos otelc_node_pos(const otelc_node *node)
{
    otelc_pos none = {NULL, 0, 0};

    return node != NULL ? node->pos : none;
}

otelc_pos otelc_node_key_pos(const otelc_node *node)
{
    otelc_pos none = {NULL, 0, 0};

    if (node == NULL)
        return none;
    return node->key != NULL ? node->key_pos : node->pos;
}

const char *otelc_node_key(const otelc_node *node)
{
    return node != NULL ? node->key : NULL;
}

const otelc_node *otelc_node_parent(const otelc_node *node)
{
    return node != NULL ? node->parent : NULL;
}

const char *otelc_node_text(const otelc_node *node)
{
    return node != NULL && node->kind == OTELC_NODE_SCALAR ? node->text : NULL;
}

bool otelc_node_is_quoted(const otelc_node *node)
{
    return node != NULL && (node->flags & OTELC_NODE_QUOTED) != 0;
}

bool otelc_node_is_expanded(const otelc_node *node)
{
    return node != NULL && (node->flags & OTELC_NODE_EXPANDED) != 0;
}

size_t otelc_node_count(const otelc_node *node)
{
    return node != NULL ? node->count : 0;
}

const otelc_node *otelc_node_first(const otelc_node *node)
{
    return node != NULL ? node->first : NULL;
}

const otelc_node *otelc_node_next(const otelc_node *child)
{
    return child != NULL ? child->next : NULL;
}

static size_t index_in_parent(const otelc_node *node)
{
    size_t index = 0;

    for (const otelc_node *c = node->parent->first; c != node; c = c->next)
        index++;
    return index;
}

/* Appends `text` at *len, writing only what fits in cap - 1 bytes. */
static void path_put(char *buf, size_t cap, size_t *len, const char *text, size_t n)
{
    if (*len + 1 < cap) {
        size_t room = cap - 1 - *len;
        memcpy(buf + *len, text, n < room ? n : room);
    }
    *len += n;
}

static void path_build(const otelc_node *node, char *buf, size_t cap, size_t *len)
{
    char index[32];
    int n;

    if (node->parent == NULL)
        return;
    path_build(node->parent, buf, cap, len);
    if (node->parent->kind == OTELC_NODE_LIST) {
        n = snprintf(index, sizeof(index), "[%zu]", index_in_parent(node));
        path_put(buf, cap, len, index, (size_t)n);
        return;
    }
    if (*len > 0)
        path_put(buf, cap, len, ".", 1);
    path_put(buf, cap, len, node->key, strlen(node->key));
}

size_t otelc_node_path(const otelc_node *node, char *buf, size_t cap)
{
    size_t len = 0;

    if (node != NULL)
        path_build(node, buf, cap, &len);
    if (cap > 0)
        buf[len < cap ? len : cap - 1] = '\0';
    return len;
}
