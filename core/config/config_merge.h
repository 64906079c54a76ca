/* Merging the trees of several --config files, later over earlier: maps
 * merge key by key, deeply; lists, scalars and values of another kind are
 * replaced whole; an empty value merged over a map changes nothing (it
 * means "all defaults", an empty map). Every node keeps the position of
 * the file that supplied it. Keys new in a later file come after the
 * earlier file's keys.
 *
 * Not thread-safe with respect to the trees. */
#ifndef OTELC_CONFIG_MERGE_H
#define OTELC_CONFIG_MERGE_H

#include "config_node.h"

/* Merges `over` into `base` and returns the merged tree, which is either
 * of the two (the caller owns it). Both must be roots (detached); `over`
 * is consumed and `base` may be freed, so neither is used afterwards.
 * Either may be NULL. Cannot fail: nodes are moved, never copied. */
otelc_node *otelc_config_merge(otelc_node *base, otelc_node *over);

#endif
