/* `${...}` expansion in config values, done on the parsed tree so that
 * positions stay right and a variable's value can never add YAML
 * structure (a value "{a: 1}" stays that string).
 *
 * Forms, in any scalar value (keys are never expanded):
 *   ${env:NAME}            the variable's value
 *   ${env:NAME:-default}   `default` when NAME is unset (set but empty
 *                          stays empty, as in the collector)
 *   ${NAME}, ${NAME:-d}    the same, the collector's short form
 *   $$                     a literal `$`
 * NAME is [A-Za-z_][A-Za-z0-9_]*. An unset variable without a default
 * expands to empty and logs a warning naming FILE:LINE:COL. Other
 * providers (`${file:...}`), an unterminated `${` or a bad name are
 * errors. Expanded text is not expanded again. A `$` before anything else
 * stays as it is.
 *
 * Not thread-safe with respect to the tree; reads the environment. */
#ifndef OTELC_CONFIG_ENV_H
#define OTELC_CONFIG_ENV_H

#include "config_error.h"
#include "config_node.h"

/* Expands every scalar value below `root` in place and marks the ones that
 * held `${...}` as expanded. Returns 0, or -1 with errors recorded in
 * `errs` (the other scalars are still expanded, so every error shows). */
int otelc_env_expand_tree(otelc_node *root, otelc_errors *errs);

#endif
