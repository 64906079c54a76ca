/* YAML text to a config tree, with libyaml. Each value and map key keeps
 * its file, line and column. A map key defined twice, a second document,
 * anchors and aliases, non-scalar keys and nesting deeper than 64 levels
 * are errors; YAML syntax errors come out as "FILE:LINE:COL: problem".
 * `${...}` is left untouched here (config_env.c expands it afterwards).
 *
 * Reentrant: no state is shared between calls. */
#ifndef OTELC_CONFIG_YAML_H
#define OTELC_CONFIG_YAML_H

#include <stddef.h>

#include "config_error.h"
#include "config_node.h"

/* Largest config file read; beyond it the file is refused. */
#define OTELC_YAML_MAX_FILE_BYTES ((size_t)16 << 20)

/* Deepest nesting of maps and lists accepted. */
#define OTELC_YAML_MAX_DEPTH 64

/* Reads and parses the file at `path`. `path` is borrowed and also names
 * the file in positions, so it must outlive the tree. On success returns 0
 * and stores a new tree in *root (the caller's, freed with
 * otelc_node_free()); an empty file gives an empty value. On failure
 * returns -1, leaves *root NULL and has recorded every error in `errs`. */
int otelc_yaml_parse_file(const char *path, otelc_errors *errs, otelc_node **root);

/* The same for `text[0..len)` in memory; `name` plays the part of the path
 * (borrowed, must outlive the tree). `text` is only read during the call. */
int otelc_yaml_parse_string(const char *name, const char *text, size_t len, otelc_errors *errs,
                            otelc_node **root);

#endif
