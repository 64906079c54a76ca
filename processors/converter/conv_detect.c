/*
 * conv_detect.c: deciding on the wire, without decoding or allocating,
 * whether any rule touches a request. Most batches in a pipeline that
 * already speaks the current conventions pass through on this answer.
 */
#include "conv_detect.h"

#include <otelc/sdk/otlp_walk.h>

/* A value longer than the limit (strings and bytes, also inside arrays). */
static int too_long(const conv_rules *r, const otlp_anyvalue *v)
{
    if (v->type == OTLP_ANY_STRING || v->type == OTLP_ANY_BYTES)
        return v->bytes.len > r->max_value_len;
    if (v->type != OTLP_ANY_ARRAY)
        return 0;
    otlp_list items = otlp_any_items(v);
    otlp_list_iter it;
    otlp_anyvalue e;
    int rc;
    otlp_list_iter_init(&it, &items);
    while ((rc = otlp_array_next(&it, &e)) > 0)
        if ((e.type == OTLP_ANY_STRING || e.type == OTLP_ANY_BYTES) &&
            e.bytes.len > r->max_value_len)
            return 1;
    return rc;
}

static conv_type type_of(const otlp_anyvalue *v)
{
    switch (v->type) {
    case OTLP_ANY_STRING: return CONV_TO_STRING;
    case OTLP_ANY_INT: return CONV_TO_INT;
    case OTLP_ANY_DOUBLE: return CONV_TO_DOUBLE;
    case OTLP_ANY_BOOL: return CONV_TO_BOOL;
    default: return CONV_NONE;
    }
}

/* Where an attribute list sits: the rules differ. */
typedef enum where { ON_RESOURCE, ON_SPAN, ON_EVENT_OR_LINK } where;

/* Does a rule act on this attribute? */
static int attr_touched(const conv_rules *r, const otlp_kv *kv, where at)
{
    if (at != ON_EVENT_OR_LINK) {
        const conv_entry *e = conv_rules_find(r, kv->key.ptr, kv->key.len);
        if (e && (e->rename || e->del || (e->coerce && type_of(&kv->value) != e->coerce)))
            return 1;
        if (e && (at == ON_SPAN ? e->to_resource : e->from_resource))
            return 1;
    }
    return at != ON_RESOURCE && r->max_value_len ? too_long(r, &kv->value) : 0;
}

/* Scans an attribute list; 1 when touched, else 0 with *count set. */
static int attrs_touched(const conv_rules *r, const otlp_list *attrs, where at, uint64_t *count)
{
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    *count = 0;
    otlp_list_iter_init(&it, attrs);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        (*count)++;
        if ((rc = attr_touched(r, &kv, at)) != 0)
            return rc;
    }
    return rc;
}

/* Events or links: too many of them, or a value over the length limit. */
static int events_touched(const conv_rules *r, const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_event ev;
    uint64_t n = 0, attrs;
    int rc;
    otlp_list_iter_init(&it, &sp->events);
    while ((rc = otlp_event_next(&it, &ev)) > 0) {
        if ((r->max_events && ++n > r->max_events) ||
            (r->max_value_len && (rc = attrs_touched(r, &ev.attrs, ON_EVENT_OR_LINK, &attrs)) != 0))
            return rc < 0 ? rc : 1;
    }
    return rc;
}

static int links_touched(const conv_rules *r, const otlp_span *sp)
{
    otlp_list_iter it;
    otlp_link ln;
    uint64_t n = 0, attrs;
    int rc;
    otlp_list_iter_init(&it, &sp->links);
    while ((rc = otlp_link_next(&it, &ln)) > 0) {
        if ((r->max_links && ++n > r->max_links) ||
            (r->max_value_len && (rc = attrs_touched(r, &ln.attrs, ON_EVENT_OR_LINK, &attrs)) != 0))
            return rc < 0 ? rc : 1;
    }
    return rc;
}

static int span_touched(const conv_rules *r, const otlp_span *sp)
{
    uint64_t n;
    int rc = attrs_touched(r, &sp->attrs, ON_SPAN, &n);
    if (rc != 0)
        return rc;
    if (r->max_attrs && n > r->max_attrs)
        return 1;
    if ((r->max_events || r->max_value_len) && (rc = events_touched(r, sp)) != 0)
        return rc;
    if ((r->max_links || r->max_value_len) && (rc = links_touched(r, sp)) != 0)
        return rc;
    return 0;
}

static int resource_touched(const conv_rules *r, otlp_walker *w, const otlp_resource *res)
{
    uint64_t n;
    otlp_scope sc;
    otlp_span sp;
    int rc = attrs_touched(r, &res->attrs, ON_RESOURCE, &n);
    while (rc == 0 && (rc = otlp_walk_scope(w, &sc)) > 0)
        while ((rc = otlp_walk_span(w, &sp)) > 0)
            if ((rc = span_touched(r, &sp)) != 0)
                return rc;
    return rc;
}

int conv_touches(const conv_rules *r, const uint8_t *buf, size_t len)
{
    otlp_walker w;
    otlp_resource res;
    int rc;
    otlp_walk_init(&w, buf, len);
    while ((rc = otlp_walk_resource(&w, &res)) > 0)
        if ((rc = resource_touched(r, &w, &res)) != 0)
            return rc;
    return rc;
}
