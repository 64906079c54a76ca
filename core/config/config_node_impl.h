/* The node struct and the functions that build and change trees. Only
 * the config modules include this; everyone else reads trees through
 * config_node.h. Not thread-safe: a tree is built by one thread. */
#ifndef OTELC_CONFIG_NODE_IMPL_H
#define OTELC_CONFIG_NODE_IMPL_H

#include "config_node.h"

#define OTELC_NODE_QUOTED 0x1u
#define OTELC_NODE_EXPANDED 0x2u

struct otelc_node {
    otelc_node_kind kind;
    unsigned flags;        /* OTELC_NODE_* */
    otelc_node *parent;
    otelc_node *next;      /* next sibling, in document order */
    otelc_node *first;     /* children of a map or list */
    otelc_node *last;
    size_t count;
    char *key;             /* set for values in a map */
    otelc_pos key_pos;
    otelc_pos pos;
    char *text;            /* scalars only, NUL-terminated */
};

/* A new detached node of `kind` at `pos` (pos.file is borrowed and must
 * outlive the tree). Returns NULL when out of memory. */
otelc_node *otelc_node_new(otelc_node_kind kind, otelc_pos pos);

/* Frees `node` and everything below it; NULL is fine. The node must be
 * detached (or be a root). */
void otelc_node_free(otelc_node *node);

/* Sets a scalar's text to a copy of `text[0..len)`. Returns 0, or -1 when
 * out of memory (text unchanged). */
int otelc_node_set_text(otelc_node *node, const char *text, size_t len);

/* Replaces a scalar's text with `text`, taking ownership of it. */
void otelc_node_take_text(otelc_node *node, char *text);

/* Appends a detached `child` to a list, or to a map when the child already
 * carries its key (a child detached from another map). */
void otelc_node_append(otelc_node *parent, otelc_node *child);

/* Appends a detached `child` to a map under a copy of `key`, whose
 * position is `key_pos`. Does not look for duplicates. Returns 0, or -1
 * when out of memory (child left detached and still the caller's). */
int otelc_node_append_keyed(otelc_node *map, otelc_node *child, const char *key,
                            otelc_pos key_pos);

/* Detaches and returns the first child of `parent` (NULL when it has
 * none). A map's child keeps its key. */
otelc_node *otelc_node_detach_first(otelc_node *parent);

/* Puts detached `repl` (with its own key, if any) in the place of `old`
 * among its siblings, and returns `old`, now detached, to the caller. */
otelc_node *otelc_node_swap(otelc_node *old, otelc_node *repl);

/* Mutable lookup for the config modules. */
otelc_node *otelc_node_child_mut(otelc_node *map, const char *key);

#endif
