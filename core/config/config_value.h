/* Typed reads of config values, for the host and for plugins' key tables.
 *
 * Every accessor takes the value's node (NULL when the key is absent) and
 * returns one of:
 *   OTELC_CFG_OK       the value was stored in *out
 *   OTELC_CFG_DEFAULT  the key is absent or empty (`key:`, `~`, or a
 *                      `${env:...}` that expanded to nothing): *out is left
 *                      alone, so a default stored there beforehand stays
 *   OTELC_CFG_ERROR    the value is wrong: one line was added to `errs`,
 *                      "FILE:LINE:COL: key 'dotted.path': message", and
 *                      *out is left alone
 * so callers keep reading and `otelc validate` reports every problem.
 *
 * Scalars are read from their text whatever their YAML quoting (the
 * collector's weak typing): "8192" is a valid int and an unquoted 2024 a
 * valid string. A `${env:...}` value is typed by the accessor the key is
 * read with, so `send_batch_size: ${env:N}` is an int.
 *
 * Read-only on the tree; `errs` must belong to the calling thread. */
#ifndef OTELC_CONFIG_VALUE_H
#define OTELC_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_error.h"
#include "config_node.h"

enum {
    OTELC_CFG_ERROR = -1,
    OTELC_CFG_OK = 0,
    OTELC_CFG_DEFAULT = 1,
};

/* Any scalar's text; *out points into the tree (valid while it lives). */
int otelc_cfg_string(const otelc_node *node, otelc_errors *errs, const char **out);

/* true, True, TRUE, false, False, FALSE. */
int otelc_cfg_bool(const otelc_node *node, otelc_errors *errs, bool *out);

/* A decimal integer with an optional sign, within [min, max]. */
int otelc_cfg_int(const otelc_node *node, otelc_errors *errs, int64_t min, int64_t max,
                  int64_t *out);

/* A finite decimal number ("0.5", "1e3"). */
int otelc_cfg_double(const otelc_node *node, otelc_errors *errs, double *out);

/* A Go duration ("200ms", "1m30s", "0"; see config_units.h), in
 * nanoseconds; negative ones are refused unless `allow_negative`. */
int otelc_cfg_duration(const otelc_node *node, otelc_errors *errs, bool allow_negative,
                       int64_t *out_ns);

/* A size in bytes ("4MiB", "1MB", "512"; see config_units.h). */
int otelc_cfg_size(const otelc_node *node, otelc_errors *errs, uint64_t *out_bytes);

/* A list of scalars. On OTELC_CFG_OK, *out is a new array of *count
 * pointers into the tree: the caller frees the array (free()), never the
 * strings. An empty list gives OTELC_CFG_OK with *out NULL and *count 0. */
int otelc_cfg_string_list(const otelc_node *node, otelc_errors *errs, const char ***out,
                          size_t *count);

/* OTELC_CFG_OK for a map, OTELC_CFG_DEFAULT for an absent or empty value
 * (an empty map), else records "expected a map" and returns the error. */
int otelc_cfg_map(const otelc_node *node, otelc_errors *errs);

/* The same for a list (an empty value is an empty list). */
int otelc_cfg_list(const otelc_node *node, otelc_errors *errs);

/* Records "expected <expected>, got <what it is>" at the value, e.g.
 * otelc_cfg_wrong_type(errs, node, "a map"). */
void otelc_cfg_wrong_type(otelc_errors *errs, const otelc_node *node, const char *expected);

/* Records "unknown key" at a map child's key. */
void otelc_cfg_unknown_key(otelc_errors *errs, const otelc_node *child);

/* Records "unknown key" for every key of `map` not in `known` (a
 * NULL-terminated list) and returns how many there were. */
size_t otelc_cfg_check_keys(const otelc_node *map, const char *const *known, otelc_errors *errs);

#endif
