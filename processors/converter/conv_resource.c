/*
 * conv_resource.c: attributes between a resource and its spans.
 *
 * to_resource: a resource without the key takes the value of the first
 * span that has it; with `move`, spans whose value equals the resource's
 * lose theirs (spans with another value keep it: nothing is lost).
 * from_resource: spans without the key get the resource's value; with
 * `move`, the resource loses it afterwards (a span's own value wins).
 */
#include "conv_pb.h"

typedef int (*span_fn)(conv_run *c, pb_span *sp, const char *key, pb_any **value);

static int each_span(conv_run *c, pb_rs *rs, const char *key, pb_any **value, span_fn fn)
{
    for (size_t i = 0; i < rs->n_scope_spans; i++)
        for (size_t j = 0; j < rs->scope_spans[i]->n_spans; j++) {
            int rc = fn(c, rs->scope_spans[i]->spans[j], key, value);
            if (rc != 0)
                return rc;
        }
    return 0;
}

static conv_list span_list(pb_span *sp)
{
    return (conv_list){&sp->n_attributes, &sp->attributes};
}

/* Stops the walk (1) at the first span with the key, taking its value. */
static int first_value(conv_run *c, pb_span *sp, const char *key, pb_any **value)
{
    conv_list l = span_list(sp);
    long i = conv_list_find(&l, key);
    if (i < 0 || !sp->attributes[i]->value)
        return 0;
    *value = sp->attributes[i]->value;
    return 1;
}

static int drop_equal(conv_run *c, pb_span *sp, const char *key, pb_any **value)
{
    conv_list l = span_list(sp);
    long i = conv_list_find(&l, key);
    if (i >= 0 && conv_any_equal(c, sp->attributes[i]->value, *value)) {
        conv_list_remove(&l, (size_t)i);
        c->st->moved++;
    }
    return 0;
}

static int add_missing(conv_run *c, pb_span *sp, const char *key, pb_any **value)
{
    conv_list l = span_list(sp);
    if (conv_list_find(&l, key) >= 0)
        return 0;
    pb_kv *kv = conv_kv_new(c, key, *value);
    if (!kv || conv_list_append(c, &l, kv) != 0)
        return -1;
    c->st->moved++;
    return 0;
}

static int to_resource(conv_run *c, pb_rs *rs, const conv_key_action *ka)
{
    conv_list res = {0};
    pb_any *value = NULL;
    long i = -1;
    if (rs->resource) {
        res = (conv_list){&rs->resource->n_attributes, &rs->resource->attributes};
        i = conv_list_find(&res, ka->key);
    }
    if (i >= 0) {
        value = (*res.v)[i]->value;
    } else {
        if (each_span(c, rs, ka->key, &value, first_value) < 0)
            return -1;
        if (!value)
            return 0; /* no span has it: the resource stays as it is */
        pb_kv *kv = conv_kv_new(c, ka->key, value);
        if (!kv || conv_resource_list(c, rs, &res) != 0 || conv_list_append(c, &res, kv) != 0)
            return -1;
        c->st->moved++;
    }
    if (ka->action == CONV_MOVE && value)
        return each_span(c, rs, ka->key, &value, drop_equal);
    return 0;
}

static int from_resource(conv_run *c, pb_rs *rs, const conv_key_action *ka)
{
    if (!rs->resource)
        return 0;
    conv_list res = {&rs->resource->n_attributes, &rs->resource->attributes};
    long i = conv_list_find(&res, ka->key);
    if (i < 0 || !(*res.v)[i]->value)
        return 0;
    pb_any *value = (*res.v)[i]->value;
    if (each_span(c, rs, ka->key, &value, add_missing) != 0)
        return -1;
    if (ka->action == CONV_MOVE)
        conv_list_remove(&res, (size_t)i);
    return 0;
}

int conv_resource_moves(conv_run *c, pb_rs *rs)
{
    for (size_t i = 0; i < c->r->nto_resource; i++)
        if (to_resource(c, rs, &c->r->to_resource[i]) != 0)
            return -1;
    for (size_t i = 0; i < c->r->nfrom_resource; i++)
        if (from_resource(c, rs, &c->r->from_resource[i]) != 0)
            return -1;
    return 0;
}
