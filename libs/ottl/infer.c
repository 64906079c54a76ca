/*
 * infer.c: the context of a group of statements or conditions whose
 * paths name their context (the transform and filter processors' flat
 * lists), chosen as the collector's priority inferrer chooses it:
 *
 *  - the named context with the highest priority wins (log, datapoint,
 *    metric, spanevent, span, resource, scope): a group reading span and
 *    resource paths runs per span;
 *  - if a function or enum the texts use does not exist there, the
 *    contexts of the signal below it are tried in priority order, the
 *    first that has them all winning.
 *
 * A path naming a context of another signal (span. in log statements)
 * is refused where it is.
 *
 * The winner must still be able to read every path (a group of resource
 * and scope paths infers resource, which cannot read scope paths): that
 * is checked when the texts are bound, with the binding's message.
 */
#include "paths.h"

#include <string.h>

typedef struct hints {
    int best;            /* the named context of highest priority, or -1 */
    otelc_signal signal;
    unsigned enum_ctxs;  /* the contexts having every enum symbol used */
    const ottl_fn *fns[32];
    size_t nfns;
    const char *text;
    ottl_error *err;
} hints;

/* Lower number: higher priority. */
static int priority(int ctx)
{
    static const int prio[OTTL_CTX_COUNT] = {
        [OTTL_CTX_LOG] = 0,       [OTTL_CTX_DATAPOINT] = 1, [OTTL_CTX_METRIC] = 2,
        [OTTL_CTX_SPANEVENT] = 3, [OTTL_CTX_SPAN] = 4,      [OTTL_CTX_RESOURCE] = 5,
        [OTTL_CTX_SCOPE] = 6};
    return prio[ctx];
}

static const char *signal_name(otelc_signal s)
{
    return s == OTELC_LOGS ? "logs" : s == OTELC_METRICS ? "metrics" : "traces";
}

static int hint_path(hints *h, const node *n)
{
    const path_seg *s = &n->path.segs[0];
    int ctx = n->path.nsegs > 1 && s->nkeys == 0 ? ottl_context_of_name(s->name, s->len) : -1;
    if (ctx < 0)
        return ottl_fail(h->err, h->text, n->pos,
                         "missing context name for path \"%.*s\": write its context (span., "
                         "log., datapoint., resource., ...) before it, or give the group a "
                         "context",
                         (int)s->len, s->name);
    if (!ottl_context_in_signal((ottl_context)ctx, h->signal))
        return ottl_fail(h->err, h->text, n->pos, "the %s context is not one of %s",
                         ottl_context_name((ottl_context)ctx), signal_name(h->signal));
    if (h->best < 0 || priority(ctx) < priority(h->best))
        h->best = ctx;
    return 0;
}

static void hint_function(hints *h, const node *n)
{
    const ottl_fn *f = ottl_fn_find(n->call.name, n->call.len);
    if (f && h->nfns < sizeof h->fns / sizeof h->fns[0])
        h->fns[h->nfns++] = f; /* unknown names are refused when bound */
}

static int walk(hints *h, const node *n);

static int walk_all(hints *h, node *const *items, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (walk(h, items[k]) != 0)
            return -1;
    return 0;
}

static int walk_path(hints *h, const node *n)
{
    if (hint_path(h, n) != 0)
        return -1;
    for (size_t k = 0; k < n->path.nsegs; k++)
        if (walk_all(h, n->path.segs[k].keys, n->path.segs[k].nkeys) != 0)
            return -1;
    return 0;
}

static int walk_call(hints *h, const node *n)
{
    hint_function(h, n);
    for (size_t k = 0; k < n->call.nargs; k++)
        if (walk(h, n->call.args[k].value) != 0)
            return -1;
    return walk_all(h, n->call.keys, n->call.nkeys);
}

static int walk(hints *h, const node *n)
{
    switch (n->kind) {
    case N_ENUM: { /* a function given by name is not an enum */
        int64_t v;
        unsigned ctxs;
        if (ottl_enum_lookup(n->str.p, n->str.n, &v, &ctxs))
            h->enum_ctxs &= ctxs;
        return 0;
    }
    case N_PATH: return walk_path(h, n);
    case N_CALL: return walk_call(h, n);
    case N_LIST: case N_AND: case N_OR: return walk_all(h, n->list.items, n->list.n);
    case N_MAP: return walk_all(h, n->map.vals, n->map.n);
    case N_MATH: case N_CMP: return walk(h, n->bin.l) != 0 ? -1 : walk(h, n->bin.r);
    case N_NOT: return walk(h, n->sub);
    default: return 0;
    }
}

/* Whether ctx has every function and enum the texts use. */
static bool fits(const hints *h, int ctx)
{
    if (!(h->enum_ctxs & (1u << ctx)))
        return false;
    for (size_t k = 0; k < h->nfns; k++)
        if (!(h->fns[k]->contexts & (1u << ctx)))
            return false;
    return true;
}

/* The contexts of the signal below best (those reaching it), tried by
 * priority. */
static int lower_fit(const hints *h)
{
    static const int order[] = {OTTL_CTX_LOG,  OTTL_CTX_DATAPOINT, OTTL_CTX_METRIC,
                                OTTL_CTX_SPANEVENT, OTTL_CTX_SPAN, OTTL_CTX_RESOURCE,
                                OTTL_CTX_SCOPE};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int c = order[k];
        if (c != h->best && ottl_context_in_signal((ottl_context)c, h->signal) &&
            ottl_context_reaches(c, h->best) && fits(h, c))
            return c;
    }
    return h->best;
}

int ottl_infer(parsed *const *p, size_t n, otelc_signal signal, ottl_context *out,
               ottl_error *err, size_t *bad)
{
    hints h = {.best = -1, .signal = signal, .enum_ctxs = ALL_CTX, .err = err};
    for (size_t k = 0; k < n; k++) {
        h.text = p[k]->text;
        *bad = k;
        if ((p[k]->editor && walk(&h, p[k]->editor) != 0) ||
            (p[k]->where && walk(&h, p[k]->where) != 0))
            return -1;
    }
    if (h.best < 0) {
        *bad = 0;
        return ottl_fail(err, n ? p[0]->text : "", 0,
                         "unable to infer a context: no path names one (resource., scope., "
                         "span., log., metric., datapoint., ...); give the group a context");
    }
    *out = (ottl_context)(fits(&h, h.best) ? h.best : lower_fit(&h));
    return 0;
}
