/*
 * conv_apply.c: every pass over a decoded request, in rule order:
 * renames and deletes, resource moves, coerce, limits.
 */
#include "conv_pb.h"

static int rename_rs(conv_run *c, pb_rs *rs)
{
    if (rs->resource) {
        conv_list l = {&rs->resource->n_attributes, &rs->resource->attributes};
        if (conv_rename_list(c, &l, -1) != 0)
            return -1;
    }
    for (size_t i = 0; i < rs->n_scope_spans; i++)
        for (size_t j = 0; j < rs->scope_spans[i]->n_spans; j++) {
            pb_span *sp = rs->scope_spans[i]->spans[j];
            conv_list l = {&sp->n_attributes, &sp->attributes};
            if (conv_rename_list(c, &l, (int)sp->kind) != 0)
                return -1;
        }
    return 0;
}

static int coerce_and_limit(conv_run *c, pb_rs *rs)
{
    if (c->r->has_coerce && rs->resource) {
        conv_list l = {&rs->resource->n_attributes, &rs->resource->attributes};
        if (conv_coerce_list(c, &l) != 0)
            return -1;
    }
    for (size_t i = 0; i < rs->n_scope_spans; i++)
        for (size_t j = 0; j < rs->scope_spans[i]->n_spans; j++) {
            pb_span *sp = rs->scope_spans[i]->spans[j];
            conv_list l = {&sp->n_attributes, &sp->attributes};
            if (c->r->has_coerce && conv_coerce_list(c, &l) != 0)
                return -1;
            if (conv_limit_span(c, sp) != 0)
                return -1;
        }
    return 0;
}

int conv_apply(conv_run *c, pb_request *req)
{
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        pb_rs *rs = req->resource_spans[i];
        if (rename_rs(c, rs) != 0 || conv_resource_moves(c, rs) != 0 ||
            coerce_and_limit(c, rs) != 0)
            return -1;
    }
    return c->a->failed ? -1 : 0;
}
