/*
 * policy_combine.c: the policies made of policies (and, drop, not,
 * composite), the dispatch over every type, and the final decision.
 */
#include <stdlib.h>

#include "trace_walk.h"

static bool says_not(ts_decision d)
{
    return d == TS_NOT_SAMPLED || d == TS_INVERT_NOT_SAMPLED;
}

/* and: sampled unless a sub-policy says not sampled. */
static ts_decision eval_and(ts_policy *p, const ts_trace_view *t)
{
    for (size_t i = 0; i < p->u.combo.n; i++) {
        ts_decision d = ts_policy_eval(p->u.combo.subs[i], t);
        if (d == TS_ERROR || says_not(d))
            return d == TS_ERROR ? TS_ERROR : TS_NOT_SAMPLED;
    }
    return TS_SAMPLED;
}

/* drop: dropped when every sub-policy would sample. */
static ts_decision eval_drop(ts_policy *p, const ts_trace_view *t)
{
    ts_decision d = eval_and(p, t);
    return d == TS_SAMPLED ? TS_DROPPED : d;
}

static ts_decision eval_not(ts_policy *p, const ts_trace_view *t)
{
    ts_decision d = ts_policy_eval(p->u.combo.subs[0], t);
    if (d == TS_SAMPLED)
        return TS_NOT_SAMPLED;
    return d == TS_NOT_SAMPLED ? TS_SAMPLED : d;
}

/* composite: the first sub-policy that samples decides, within its
 * share of spans per second and the total (counted per second of the
 * clock; a trace over budget is not sampled and spends nothing). */
static ts_decision eval_composite(ts_policy *p, const ts_trace_view *t)
{
    int64_t second = t->now_ns / 1000000000;
    if (second != p->u.composite.second) {
        p->u.composite.second = second;
        for (size_t i = 0; i < p->u.composite.n; i++)
            p->u.composite.subs[i].sampled = 0;
    }
    for (size_t i = 0; i < p->u.composite.n; i++) {
        ts_composite_sub *sub = &p->u.composite.subs[i];
        ts_decision d = ts_policy_eval(sub->policy, t);
        if (d == TS_ERROR)
            return TS_ERROR;
        if (d != TS_SAMPLED && d != TS_INVERT_SAMPLED)
            continue;
        int64_t would = sub->sampled + (int64_t)t->spans;
        if (would > sub->allocated || would > p->u.composite.max_total)
            return TS_NOT_SAMPLED;
        sub->sampled = would;
        return TS_SAMPLED;
    }
    return TS_NOT_SAMPLED;
}

ts_decision ts_policy_eval(ts_policy *p, const ts_trace_view *t)
{
    switch (p->type) {
    case TS_LATENCY:
    case TS_STATUS_CODE:
    case TS_TRACE_STATE:
    case TS_TRACE_FLAGS: return ts_eval_span_field(p, t);
    case TS_STRING_ATTRIBUTE:
    case TS_NUMERIC_ATTRIBUTE:
    case TS_BOOLEAN_ATTRIBUTE: return ts_eval_attribute(p, t);
    case TS_AND: return eval_and(p, t);
    case TS_DROP: return eval_drop(p, t);
    case TS_NOT: return eval_not(p, t);
    case TS_COMPOSITE: return eval_composite(p, t);
    case TS_OTTL_CONDITION: return ts_eval_ottl(p, t);
    default: return ts_eval_trace_figures(p, t);
    }
}

ts_decision ts_final_decision(const bool seen[TS_ERROR + 1])
{
    if (seen[TS_DROPPED])
        return TS_DROPPED;
    if (seen[TS_INVERT_NOT_SAMPLED])
        return TS_NOT_SAMPLED;
    if (seen[TS_SAMPLED])
        return TS_SAMPLED;
    if (seen[TS_INVERT_SAMPLED] && !seen[TS_NOT_SAMPLED])
        return TS_SAMPLED;
    return TS_NOT_SAMPLED;
}

void ts_policy_free(ts_policy *p)
{
    if (!p)
        return;
    if (p->type == TS_STRING_ATTRIBUTE)
        ts_string_match_free(&p->u.string);
    if (p->type == TS_TRACE_STATE)
        free((void *)p->u.trace_state.values);
    if (p->type == TS_OTTL_CONDITION)
        ts_ottl_free(p->u.ottl);
    if (p->type == TS_AND || p->type == TS_DROP || p->type == TS_NOT) {
        for (size_t i = 0; i < p->u.combo.n; i++)
            ts_policy_free(p->u.combo.subs[i]);
        free(p->u.combo.subs);
    }
    if (p->type == TS_COMPOSITE) {
        for (size_t i = 0; i < p->u.composite.n; i++)
            ts_policy_free(p->u.composite.subs[i].policy);
        free(p->u.composite.subs);
    }
    free(p);
}
