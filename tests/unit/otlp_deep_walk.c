/*
 * otlp_deep_walk.c: reads every part of a request through the walker API.
 */
#include "otlp_deep_walk.h"

#include <otelc/sdk/otlp_walk.h>

static int walk_value(const otlp_anyvalue *v, unsigned depth);

static int walk_attrs(const otlp_list *l, unsigned depth)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, l);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        if ((rc = walk_value(&kv.value, depth)) < 0)
            return rc;
    return rc;
}

static int walk_value(const otlp_anyvalue *v, unsigned depth)
{
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_anyvalue item;
    int rc = 0;
    if (depth > OTLP_MAX_DEPTH)
        return OTLP_EDEPTH;
    if (v->type == OTLP_ANY_KVLIST)
        return walk_attrs(&items, depth + 1);
    otlp_list_iter_init(&it, &items);
    while (v->type == OTLP_ANY_ARRAY && (rc = otlp_array_next(&it, &item)) > 0)
        if ((rc = walk_value(&item, depth + 1)) < 0)
            return rc;
    return rc;
}

static int walk_span_children(const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_event e;
    otlp_link l;
    int rc = walk_attrs(&sp->attrs, 0);
    if (rc < 0)
        return rc;
    otlp_list_iter_init(&it, &sp->events);
    while ((rc = otlp_event_next(&it, &e)) > 0)
        if ((rc = walk_attrs(&e.attrs, 0)) < 0)
            return rc;
    if (rc < 0)
        return rc;
    otlp_list_iter_init(&it, &sp->links);
    while ((rc = otlp_link_next(&it, &l)) > 0)
        if ((rc = walk_attrs(&l.attrs, 0)) < 0)
            return rc;
    return rc;
}

int fx_deep_walk(const uint8_t *buf, size_t len, size_t *spans)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    size_t n = 0;
    int rc = 0;
    otlp_walk_init(&w, buf, len);
    while (rc >= 0 && otlp_walk_resource(&w, &r) > 0) {
        rc = walk_attrs(&r.attrs, 0);
        while (rc >= 0 && otlp_walk_scope(&w, &s) > 0) {
            rc = walk_attrs(&s.attrs, 0);
            while (rc >= 0 && otlp_walk_span(&w, &sp) > 0) {
                n++;
                rc = walk_span_children(&sp);
            }
        }
    }
    if (rc >= 0)
        rc = otlp_walk_error(&w);
    if (rc >= 0)
        *spans = n;
    return rc < 0 ? rc : OTLP_OK;
}
