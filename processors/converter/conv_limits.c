/*
 * conv_limits.c: the span limits. What is cut is counted in the span's
 * dropped_*_count fields, as the OpenTelemetry SDKs do: the first
 * attributes, events and links are kept, the rest dropped. Values longer
 * than max_attribute_value_length (in bytes) are cut, strings at a UTF-8
 * character boundary so that they stay valid; so are the string and bytes
 * items of array values.
 */
#include <string.h>

#include "conv_pb.h"

size_t conv_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    /* s[cut] is the first byte left out: if it continues a character,
     * that whole character goes. */
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    return cut;
}

/* A scalar cut to max bytes: v itself when short enough, else a new value
 * (values may be shared with the resource, so they are never cut in
 * place); NULL when the arena ran out. *cut counts the cuts. */
static pb_any *cut_scalar(conv_run *c, pb_any *v, size_t max, uint64_t *cut)
{
    size_t len, keep;
    if (v->value_case == PB_STRING) {
        len = strlen(v->string_value);
        keep = conv_utf8_cut(v->string_value, len, max);
    } else if (v->value_case == PB_BYTES) {
        len = v->bytes_value.len;
        keep = len > max ? max : len;
    } else {
        return v;
    }
    if (keep == len)
        return v;
    pb_any *nv = conv_alloc(c->a, sizeof(*nv));
    if (!nv)
        return NULL;
    *nv = *v;
    if (v->value_case == PB_STRING && !(nv->string_value = conv_strndup(c->a, v->string_value, keep)))
        return NULL;
    nv->bytes_value.len = v->value_case == PB_BYTES ? keep : nv->bytes_value.len;
    (*cut)++;
    return nv;
}

/* An array whose string and bytes items are cut; copied only if needed. */
static pb_any *cut_array(conv_run *c, pb_any *v, size_t max, uint64_t *cut)
{
    pb_array *arr = v->array_value;
    pb_any *nv = NULL;
    for (size_t k = 0; arr && k < arr->n_values; k++) {
        pb_any *item = arr->values[k] ? cut_scalar(c, arr->values[k], max, cut) : NULL;
        if (item == arr->values[k])
            continue;
        if (!item)
            return NULL;
        if (!nv) { /* first cut item: copy the value, the array and its items */
            pb_array *na = conv_alloc(c->a, sizeof(*na));
            pb_any **items = conv_alloc(c->a, arr->n_values * sizeof(pb_any *));
            if (!(nv = conv_alloc(c->a, sizeof(*nv))) || !na || !items)
                return NULL;
            *na = *arr;
            memcpy(items, arr->values, arr->n_values * sizeof(pb_any *));
            na->values = items;
            *nv = *v;
            nv->array_value = na;
        }
        nv->array_value->values[k] = item;
    }
    return nv ? nv : v;
}

static int cut_attrs(conv_run *c, pb_kv **attrs, size_t n)
{
    size_t max = (size_t)c->r->max_value_len;
    for (size_t i = 0; i < n; i++) {
        pb_any *v = attrs[i]->value;
        if (!v)
            continue;
        pb_any *nv = v->value_case == PB_ARRAY ? cut_array(c, v, max, &c->st->truncated)
                                               : cut_scalar(c, v, max, &c->st->truncated);
        if (!nv)
            return -1;
        attrs[i]->value = nv;
    }
    return 0;
}

/* Keeps the first max of *n items; returns how many went. */
static uint32_t keep_first(size_t *n, uint64_t max)
{
    if (!max || *n <= max)
        return 0;
    uint32_t dropped = (uint32_t)(*n - max);
    *n = (size_t)max;
    return dropped;
}

int conv_limit_span(conv_run *c, pb_span *sp)
{
    const conv_rules *r = c->r;
    uint32_t d = keep_first(&sp->n_attributes, r->max_attrs);
    sp->dropped_attributes_count += d;
    c->st->dropped_attributes += d;
    d = keep_first(&sp->n_events, r->max_events);
    sp->dropped_events_count += d;
    c->st->dropped_events += d;
    d = keep_first(&sp->n_links, r->max_links);
    sp->dropped_links_count += d;
    c->st->dropped_links += d;
    if (!r->max_value_len)
        return 0;
    int rc = cut_attrs(c, sp->attributes, sp->n_attributes);
    for (size_t i = 0; rc == 0 && i < sp->n_events; i++)
        rc = cut_attrs(c, sp->events[i]->attributes, sp->events[i]->n_attributes);
    for (size_t i = 0; rc == 0 && i < sp->n_links; i++)
        rc = cut_attrs(c, sp->links[i]->attributes, sp->links[i]->n_attributes);
    return rc;
}
