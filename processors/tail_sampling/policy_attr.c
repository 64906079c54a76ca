/*
 * policy_attr.c: the attribute policies (string_attribute,
 * numeric_attribute, boolean_attribute). Each looks for its key among a
 * resource's attributes, then among its spans' attributes, and reads the
 * value as the collector's pdata does: a value of another type reads as
 * "", 0 or false.
 */
#include <stdlib.h>
#include <string.h>

#include "trace_walk.h"

static pb_bytes str_of(const otlp_anyvalue *v)
{
    pb_bytes none = {(const uint8_t *)"", 0};
    return v->type == OTLP_ANY_STRING ? v->bytes : none;
}

static int64_t int_of(const otlp_anyvalue *v)
{
    return v->type == OTLP_ANY_INT ? v->integer : 0;
}

static bool bool_of(const otlp_anyvalue *v)
{
    return v->type == OTLP_ANY_BOOL && v->boolean;
}

static bool find(const ts_attr_match *m, const otlp_list *attrs, otlp_anyvalue *v)
{
    return otlp_attr_find(attrs, m->key, m->key_len, v) > 0;
}

/* ---- string_attribute ---- */

static bool exact(const ts_string_match *m, pb_bytes s)
{
    for (size_t i = 0; i < m->nvalues; i++)
        if (strlen(m->values[i]) == s.len && memcmp(m->values[i], s.ptr, s.len) == 0)
            return true;
    return false;
}

static bool regex_hit(ts_string_match *m, pb_bytes s)
{
    bool hit = false;
    if (m->cache && ts_lru_get(m->cache, s.ptr, s.len, &hit))
        return hit;
    for (size_t i = 0; i < m->nregex && !hit; i++)
        hit = attr_regex_search(m->regex[i], s.ptr, s.len);
    if (m->cache)
        (void)ts_lru_put(m->cache, s.ptr, s.len, hit); /* a cache miss costs time only */
    return hit;
}

static bool str_matches(ts_string_match *m, pb_bytes s)
{
    return m->nregex ? regex_hit(m, s) : exact(m, s);
}

static bool str_resource(void *arg, const otlp_resource *r)
{
    ts_string_match *m = &((ts_policy *)arg)->u.string;
    otlp_anyvalue v;
    return find(&m->m, &r->attrs, &v) && str_matches(m, str_of(&v));
}

static bool str_span(void *arg, const otlp_span *sp)
{
    ts_string_match *m = &((ts_policy *)arg)->u.string;
    otlp_anyvalue v;
    if (!find(&m->m, &sp->attrs, &v))
        return false;
    pb_bytes s = str_of(&v);
    return s.len > 0 && str_matches(m, s); /* an empty span value never matches */
}

void ts_string_match_free(ts_string_match *m)
{
    for (size_t i = 0; m->regex && i < m->nregex; i++)
        attr_regex_free(m->regex[i]);
    free(m->regex);
    ts_lru_free(m->cache);
    free((void *)m->values);
}

/* ---- numeric_attribute ---- */

static bool in_range(const ts_policy *p, const otlp_anyvalue *v)
{
    int64_t x = int_of(v);
    return x >= p->u.numeric.min && x <= p->u.numeric.max;
}

static bool num_resource(void *arg, const otlp_resource *r)
{
    const ts_policy *p = arg;
    otlp_anyvalue v;
    return find(&p->u.numeric.m, &r->attrs, &v) && in_range(p, &v);
}

static bool num_span(void *arg, const otlp_span *sp)
{
    const ts_policy *p = arg;
    otlp_anyvalue v;
    return find(&p->u.numeric.m, &sp->attrs, &v) && in_range(p, &v);
}

/* ---- boolean_attribute ---- */

static bool bool_resource(void *arg, const otlp_resource *r)
{
    const ts_policy *p = arg;
    otlp_anyvalue v;
    return find(&p->u.boolean.m, &r->attrs, &v) && bool_of(&v) == p->u.boolean.value;
}

static bool bool_span(void *arg, const otlp_span *sp)
{
    const ts_policy *p = arg;
    otlp_anyvalue v;
    return find(&p->u.boolean.m, &sp->attrs, &v) && bool_of(&v) == p->u.boolean.value;
}

ts_decision ts_eval_attribute(ts_policy *p, const ts_trace_view *t)
{
    switch (p->type) {
    case TS_STRING_ATTRIBUTE:
        return ts_any_resource_or_span(t, str_resource, str_span, p, p->u.string.m.invert);
    case TS_NUMERIC_ATTRIBUTE:
        return ts_any_resource_or_span(t, num_resource, num_span, p, p->u.numeric.m.invert);
    default:
        return ts_any_resource_or_span(t, bool_resource, bool_span, p, p->u.boolean.m.invert);
    }
}
