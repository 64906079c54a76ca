/* Deep merge of config trees; see config_merge.h. */
#include "config_merge.h"

#include <stddef.h>

#include "config_node_impl.h"

static void merge_maps(otelc_node *base, otelc_node *over);

/* Merges `over` (detached, with its key) into the child `base` of a map. */
static void merge_child(otelc_node *base, otelc_node *over)
{
    if (base->kind == OTELC_NODE_MAP && over->kind == OTELC_NODE_MAP) {
        merge_maps(base, over);
        otelc_node_free(over);
    } else if (base->kind == OTELC_NODE_MAP && over->kind == OTELC_NODE_NULL) {
        otelc_node_free(over);
    } else {
        otelc_node_free(otelc_node_swap(base, over));
    }
}

/* Moves every child of `over` into `base`; `over` is left empty. */
static void merge_maps(otelc_node *base, otelc_node *over)
{
    otelc_node *child;

    while ((child = otelc_node_detach_first(over)) != NULL) {
        otelc_node *existing = otelc_node_child_mut(base, child->key);

        if (existing != NULL)
            merge_child(existing, child);
        else
            otelc_node_append(base, child);
    }
}

otelc_node *otelc_config_merge(otelc_node *base, otelc_node *over)
{
    if (base == NULL)
        return over;
    if (over == NULL)
        return base;
    if (base->kind == OTELC_NODE_MAP && over->kind == OTELC_NODE_MAP) {
        merge_maps(base, over);
        otelc_node_free(over);
        return base;
    }
    if (base->kind == OTELC_NODE_MAP && over->kind == OTELC_NODE_NULL) {
        otelc_node_free(over);
        return base;
    }
    otelc_node_free(base);
    return over;
}
