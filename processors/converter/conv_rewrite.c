/*
 * conv_rewrite.c: the converter's rewrite: one editor pass for the
 * renames and deletes, one for what follows them (moves, coerce, limits).
 */
#include "conv_rewrite.h"

#include <stdlib.h>

/* The spans of the current scope through fn. */
static int each_span(conv_run *c, int (*fn)(conv_run *c, const otlp_span *sp))
{
    otlp_scope sc;
    otlp_span sp;
    int rc;
    while ((rc = otlp_edit_scope(c->ed, &sc)) > 0) {
        while ((rc = otlp_edit_span(c->ed, &sp)) > 0)
            if ((rc = fn(c, &sp)) < 0)
                return rc;
        if (rc < 0)
            return rc;
    }
    return rc;
}

static int rename_span(conv_run *c, const otlp_span *sp)
{
    return conv_rename_list(c, OTLP_EDIT_SPAN, &sp->attrs, sp->kind);
}

static int rename_pass(conv_run *c, const uint8_t *in, size_t len)
{
    otlp_resource res;
    int rc;
    otlp_edit_begin(c->ed, in, len);
    while ((rc = otlp_edit_resource(c->ed, &res)) > 0)
        if ((rc = conv_rename_list(c, OTLP_EDIT_RESOURCE, &res.attrs, -1)) < 0 ||
            (rc = each_span(c, rename_span)) < 0)
            return rc;
    return rc < 0 ? rc : otlp_edit_finish(c->ed, NULL);
}

static int rest_span(conv_run *c, const otlp_span *sp)
{
    int rc = conv_resource_span(c);
    (void)sp;
    if (rc == OTLP_OK && c->r->has_coerce)
        rc = conv_coerce_list(c, OTLP_EDIT_SPAN);
    return rc < 0 ? rc : conv_limit_span(c);
}

static int rest_pass(conv_run *c, const uint8_t *in, size_t len)
{
    otlp_resource res;
    otlp_walker pre; /* one step ahead of the editor, for to_resource */
    int rc;
    otlp_walk_init(&pre, in, len);
    otlp_edit_begin(c->ed, in, len);
    while ((rc = otlp_edit_resource(c->ed, &res)) > 0)
        if ((rc = conv_resource_enter(c, &res, &pre)) < 0 || (rc = each_span(c, rest_span)) < 0)
            return rc;
    return rc < 0 ? rc : otlp_edit_finish(c->ed, NULL);
}

static bool has_rest(const conv_rules *r)
{
    return r->nto_resource || r->nfrom_resource || r->has_coerce || r->max_attrs ||
           r->max_value_len || r->max_events || r->max_links;
}

/* Both passes as the rules ask (the rest always, when neither would). */
static int run_passes(conv_run *c, const uint8_t *in, size_t len)
{
    int rc;
    if (c->r->has_renames) {
        c->ed = c->w->renames;
        if ((rc = rename_pass(c, in, len)) != OTLP_OK || !has_rest(c->r))
            return rc;
        in = otlp_edit_output(c->ed, &len);
    }
    c->ed = c->w->rest;
    return rest_pass(c, in, len);
}

int conv_rewrite(const conv_rules *r, conv_work *w, const uint8_t *in, size_t len,
                 uint8_t **out, size_t *out_len, conv_stats *st)
{
    conv_run c = {r, w, st, NULL};
    *out = NULL;
    int rc = run_passes(&c, in, len);
    if (rc == OTLP_OK)
        rc = otlp_edit_take(c.ed, out, out_len);
    if (rc == OTLP_OK)
        return CONV_OK;
    *out = NULL;
    return rc == OTLP_ENOMEM ? CONV_ENOMEM : CONV_EDECODE;
}
