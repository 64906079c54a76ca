/* The config tree: what a YAML file becomes after parsing, environment
 * expansion and merging. Every value and every map key knows the file,
 * line and column (1-based) it came from, so any later check can point at
 * it.
 *
 * A tree is built by the config loader and read-only afterwards: every
 * function here only reads, so any number of threads may read one tree at
 * once. Nodes are owned by the tree (the otelc_config that loaded it);
 * pointers handed out stay valid until the tree is freed. */
#ifndef OTELC_CONFIG_NODE_H
#define OTELC_CONFIG_NODE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct otelc_node otelc_node;

/* otelc_node_kind (NULL, SCALAR, MAP, LIST) is the plugin ABI's. */
#include <otelc/plugin.h>

/* A place in a config file. `file` is owned by the tree; line and col start
 * at 1. A position with file NULL means "unknown". */
typedef struct otelc_pos {
    const char *file;
    unsigned line;
    unsigned col;
} otelc_pos;

/* NULL reads as OTELC_NODE_NULL throughout: an absent node and an empty
 * one mean the same ("use the defaults"). */
otelc_node_kind otelc_node_kind_of(const otelc_node *node);

/* "an empty value", "a scalar", "a map", "a list": for messages. */
const char *otelc_node_kind_name(otelc_node_kind kind);

/* True for a map and for an empty value, which stands for an empty map
 * wherever a map is expected. */
bool otelc_node_is_map_like(const otelc_node *node);

/* Where the value starts. */
otelc_pos otelc_node_pos(const otelc_node *node);

/* Where the node's key starts, for a value in a map; the value's own
 * position otherwise. Errors about the key itself (unknown, malformed,
 * defined twice) point here. */
otelc_pos otelc_node_key_pos(const otelc_node *node);

/* The key under which the node sits in its parent map; NULL for the root
 * and for list items. */
const char *otelc_node_key(const otelc_node *node);

const otelc_node *otelc_node_parent(const otelc_node *node);

/* A scalar's text after environment expansion (NUL-terminated, never
 * NULL for a scalar); NULL for every other kind. */
const char *otelc_node_text(const otelc_node *node);

/* The scalar was quoted (or a block scalar) in YAML, so it is meant as a
 * string. */
bool otelc_node_is_quoted(const otelc_node *node);

/* The scalar's text came (partly) from `${...}` expansion. */
bool otelc_node_is_expanded(const otelc_node *node);

/* Children of a map or list; 0 for every other kind. */
size_t otelc_node_count(const otelc_node *node);

/* Iteration in document order:
 *   for (c = otelc_node_first(map); c; c = otelc_node_next(c)) ...
 * first() returns NULL for scalars and empty values. */
const otelc_node *otelc_node_first(const otelc_node *node);
const otelc_node *otelc_node_next(const otelc_node *child);

/* The value under `key` in a map, or NULL when there is none (also when
 * `map` is not a map, or `key` is NULL). */
const otelc_node *otelc_node_child(const otelc_node *map, const char *key);

/* The path of the node from the root, e.g. "service.pipelines.traces" or
 * "service.extensions[1]"; "" for the root. Writes at most `cap` bytes
 * (NUL included, cut if needed) and returns the full length, like
 * snprintf. */
size_t otelc_node_path(const otelc_node *node, char *buf, size_t cap);

#endif
