/*
 * trace_walk.h: walking every piece of a trace as one request, the way
 * the collector walks a trace's ReceivedBatches: resource after
 * resource, each followed by its spans. For the policies.
 */
#ifndef OTELC_TS_TRACE_WALK_H
#define OTELC_TS_TRACE_WALK_H

#include <stdbool.h>

#include <otelc/sdk/otlp_walk.h>

#include "policy.h"

typedef struct ts_walk {
    const ts_trace_view *t;
    size_t piece;
    otlp_walker w;
    bool scope_open;
} ts_walk;

void ts_walk_start(ts_walk *w, const ts_trace_view *t);
/* The next resource of the trace: 1, 0 at the end, or a negative OTLP_E*. */
int ts_walk_resource(ts_walk *w, otlp_resource *r);
/* The next span of the current resource, across its scopes: same returns. */
int ts_walk_span(ts_walk *w, otlp_span *sp);

/* Predicates over a span or a resource; arg is the policy. */
typedef bool (*ts_span_pred)(void *arg, const otlp_span *sp);
typedef bool (*ts_resource_pred)(void *arg, const otlp_resource *r);

/* SAMPLED when pred holds for some span; else NOT_SAMPLED (ERROR if a
 * piece cannot be read). pred may keep state across calls (latency). */
ts_decision ts_any_span(const ts_trace_view *t, ts_span_pred pred, void *arg);
/* The attribute policies' walk: each resource, then its spans. Without
 * invert, SAMPLED at the first match, else NOT_SAMPLED; with invert,
 * INVERT_NOT_SAMPLED at the first match, else INVERT_SAMPLED. */
ts_decision ts_any_resource_or_span(const ts_trace_view *t, ts_resource_pred rp,
                                    ts_span_pred sp, void *arg, bool invert);

/* The policy families; p's type picks the policy within its family.
 * latency, status_code, trace_state, trace_flags: */
ts_decision ts_eval_span_field(ts_policy *p, const ts_trace_view *t);
/* always_sample, probabilistic, span_count, rate_limiting, bytes_limiting: */
ts_decision ts_eval_trace_figures(ts_policy *p, const ts_trace_view *t);
/* string_attribute, numeric_attribute, boolean_attribute: */
ts_decision ts_eval_attribute(ts_policy *p, const ts_trace_view *t);
void ts_string_match_free(ts_string_match *m);

#endif /* OTELC_TS_TRACE_WALK_H */
