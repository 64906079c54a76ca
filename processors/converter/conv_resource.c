/*
 * conv_resource.c: attributes between a resource and its spans.
 *
 * to_resource: a resource without the key takes the value of the first
 * span that has it; with `move`, spans whose value equals the resource's
 * lose theirs (spans with another value keep it: nothing is lost).
 * from_resource: spans without the key get the resource's value; with
 * `move`, the resource loses it (a span's own value wins).
 *
 * The values are settled when the editor enters a resource: its own, or
 * the first span's, found by a second walker over the same input (the
 * editor writes the resource before its spans). They are views of the
 * input, which lives until the pass finishes.
 */
#include <stdlib.h>
#include <string.h>

#include "conv_edit.h"

/* Room for one value per move rule. */
static int moves_room(conv_run *c, size_t n)
{
    conv_work *w = c->w;
    if (n <= w->moves_cap)
        return OTLP_OK;
    otlp_anyvalue *m = realloc(w->moves, n * sizeof(*m));
    if (!m)
        return OTLP_ENOMEM;
    w->moves = m;
    w->moves_cap = n;
    return OTLP_OK;
}

/* Fills the to_resource values the resource lacks from its first spans
 * that have them; pre stands on the resource. */
static int first_span_values(conv_run *c, otlp_walker *pre, otlp_anyvalue *to, size_t missing)
{
    const conv_rules *r = c->r;
    otlp_scope sc;
    otlp_span sp;
    int rc = 0;
    while (missing > 0 && (rc = otlp_walk_scope(pre, &sc)) > 0)
        while (missing > 0 && (rc = otlp_walk_span(pre, &sp)) > 0)
            for (size_t i = 0; i < r->nto_resource; i++) {
                const char *key = r->to_resource[i].key;
                if (to[i].type != OTLP_ANY_EMPTY)
                    continue;
                if ((rc = otlp_span_attr(&sp, key, strlen(key), &to[i])) < 0)
                    return rc;
                missing -= to[i].type != OTLP_ANY_EMPTY;
            }
    return missing > 0 && rc < 0 ? rc : OTLP_OK;
}

/* to_resource: the resource's values, else the first span's, added. */
static int to_resource(conv_run *c, const otlp_resource *res, otlp_walker *pre, otlp_anyvalue *to)
{
    const conv_rules *r = c->r;
    size_t missing = 0;
    int rc;
    for (size_t i = 0; i < r->nto_resource; i++) {
        const char *key = r->to_resource[i].key;
        to[i].type = OTLP_ANY_EMPTY;
        if ((rc = otlp_attr_find(&res->attrs, key, strlen(key), &to[i])) < 0)
            return rc;
        missing += to[i].type == OTLP_ANY_EMPTY;
    }
    if (missing == 0 || (rc = first_span_values(c, pre, to, missing)) != OTLP_OK)
        return missing == 0 ? OTLP_OK : rc;
    for (size_t i = 0; i < r->nto_resource; i++) {
        const char *key = r->to_resource[i].key;
        if (to[i].type == OTLP_ANY_EMPTY)
            continue;
        /* A key the resource has already stays as it is. */
        rc = otlp_edit_attr_put(c->ed, OTLP_EDIT_RESOURCE, key, strlen(key), &to[i],
                                OTLP_ATTR_INSERT);
        if (rc < 0)
            return rc;
        c->st->moved += (uint64_t)rc;
    }
    return OTLP_OK;
}

/* from_resource: the values spans lack; a move takes them off. */
static int from_resource(conv_run *c, const otlp_resource *res, const otlp_anyvalue *to,
                         otlp_anyvalue *from)
{
    const conv_rules *r = c->r;
    int rc = OTLP_OK;
    for (size_t i = 0; i < r->nfrom_resource && rc >= 0; i++) {
        const conv_key_action *ka = &r->from_resource[i];
        from[i].type = OTLP_ANY_EMPTY;
        if ((rc = otlp_attr_find(&res->attrs, ka->key, strlen(ka->key), &from[i])) < 0)
            return rc;
        /* The value to_resource just gave the resource counts too. */
        for (size_t j = 0; j < r->nto_resource && from[i].type == OTLP_ANY_EMPTY; j++)
            if (strcmp(r->to_resource[j].key, ka->key) == 0)
                from[i] = to[j];
        if (from[i].type != OTLP_ANY_EMPTY && ka->action == CONV_MOVE)
            rc = otlp_edit_attr_delete(c->ed, OTLP_EDIT_RESOURCE, ka->key, strlen(ka->key));
    }
    return rc < 0 ? rc : OTLP_OK;
}

int conv_resource_enter(conv_run *c, const otlp_resource *res, otlp_walker *pre)
{
    const conv_rules *r = c->r;
    otlp_resource walked;
    int rc = moves_room(c, r->nto_resource + r->nfrom_resource);
    if (rc != OTLP_OK)
        return rc;
    otlp_anyvalue *to = c->w->moves, *from = to + r->nto_resource;
    if (r->nto_resource && (rc = otlp_walk_resource(pre, &walked)) != 1)
        return rc < 0 ? rc : OTLP_EMALFORMED;
    if ((rc = to_resource(c, res, pre, to)) != OTLP_OK ||
        (rc = from_resource(c, res, to, from)) != OTLP_OK)
        return rc;
    return r->has_coerce ? conv_coerce_list(c, OTLP_EDIT_RESOURCE) : OTLP_OK;
}

/* A span whose value equals the resource's loses it (to_resource move). */
static int drop_equal(conv_run *c, const char *key, const otlp_anyvalue *value)
{
    otlp_list cur;
    otlp_anyvalue v;
    int rc = otlp_edit_attrs(c->ed, OTLP_EDIT_SPAN, &cur);
    if (rc == OTLP_OK)
        rc = otlp_attr_find(&cur, key, strlen(key), &v);
    if (rc <= 0 || !conv_any_equal(&v, value))
        return rc;
    c->st->moved++;
    rc = otlp_edit_attr_delete(c->ed, OTLP_EDIT_SPAN, key, strlen(key));
    return rc < 0 ? rc : OTLP_OK;
}

int conv_resource_span(conv_run *c)
{
    const conv_rules *r = c->r;
    const otlp_anyvalue *to = c->w->moves, *from = to + r->nto_resource;
    int rc = OTLP_OK;
    for (size_t i = 0; i < r->nto_resource && rc >= 0; i++)
        if (r->to_resource[i].action == CONV_MOVE && to[i].type != OTLP_ANY_EMPTY)
            rc = drop_equal(c, r->to_resource[i].key, &to[i]);
    for (size_t i = 0; i < r->nfrom_resource && rc >= 0; i++) {
        const char *key = r->from_resource[i].key;
        if (from[i].type == OTLP_ANY_EMPTY)
            continue;
        rc = otlp_edit_attr_put(c->ed, OTLP_EDIT_SPAN, key, strlen(key), &from[i],
                                OTLP_ATTR_INSERT);
        c->st->moved += rc > 0;
    }
    return rc < 0 ? rc : OTLP_OK;
}
