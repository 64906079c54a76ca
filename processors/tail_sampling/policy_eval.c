/*
 * policy_eval.c: walking a trace's pieces, and the policies that read
 * spans' own fields (latency, status_code, trace_state, trace_flags) or
 * only the trace's figures (probabilistic, span_count, the rate budgets).
 */
#include <math.h>
#include <string.h>

#include "trace_walk.h"
#include "tracestate.h"

/* ---- the walk ---- */

void ts_walk_start(ts_walk *w, const ts_trace_view *t)
{
    w->t = t;
    w->piece = 0;
    w->scope_open = false;
    otlp_walk_init(&w->w, t->n ? t->data[0] : NULL, t->n ? t->len[0] : 0);
}

int ts_walk_resource(ts_walk *w, otlp_resource *r)
{
    for (;;) {
        w->scope_open = false;
        int rc = otlp_walk_resource(&w->w, r);
        if (rc != 0 || w->piece + 1 >= w->t->n)
            return rc;
        w->piece++;
        otlp_walk_init(&w->w, w->t->data[w->piece], w->t->len[w->piece]);
    }
}

int ts_walk_span(ts_walk *w, otlp_span *sp)
{
    for (;;) {
        if (w->scope_open) {
            int rc = otlp_walk_span(&w->w, sp);
            if (rc != 0)
                return rc;
            w->scope_open = false;
        }
        otlp_scope sc;
        int rc = otlp_walk_scope(&w->w, &sc);
        if (rc <= 0)
            return rc;
        w->scope_open = true;
    }
}

ts_decision ts_any_span(const ts_trace_view *t, ts_span_pred pred, void *arg)
{
    ts_walk w;
    otlp_resource r;
    otlp_span sp;
    int rc;
    ts_walk_start(&w, t);
    while ((rc = ts_walk_resource(&w, &r)) > 0) {
        while ((rc = ts_walk_span(&w, &sp)) > 0)
            if (pred(arg, &sp))
                return TS_SAMPLED;
        if (rc < 0)
            break;
    }
    return rc < 0 ? TS_ERROR : TS_NOT_SAMPLED;
}

ts_decision ts_any_resource_or_span(const ts_trace_view *t, ts_resource_pred rp,
                                    ts_span_pred sp_pred, void *arg, bool invert)
{
    ts_decision hit = invert ? TS_INVERT_NOT_SAMPLED : TS_SAMPLED;
    ts_walk w;
    otlp_resource r;
    otlp_span sp;
    int rc;
    ts_walk_start(&w, t);
    while ((rc = ts_walk_resource(&w, &r)) > 0) {
        if (rp(arg, &r))
            return hit;
        while ((rc = ts_walk_span(&w, &sp)) > 0)
            if (sp_pred(arg, &sp))
                return hit;
        if (rc < 0)
            break;
    }
    if (rc < 0)
        return TS_ERROR;
    return invert ? TS_INVERT_SAMPLED : TS_NOT_SAMPLED;
}

/* ---- latency: the trace's span from earliest start to latest end,
 * checked after each span as the collector does ---- */

typedef struct latency_run {
    const ts_policy *p;
    uint64_t min, max;
} latency_run;

static bool latency_hit(void *arg, const otlp_span *sp)
{
    latency_run *l = arg;
    if (l->min == 0 || sp->start_time_unix_nano < l->min)
        l->min = sp->start_time_unix_nano;
    if (l->max == 0 || sp->end_time_unix_nano > l->max)
        l->max = sp->end_time_unix_nano;
    int64_t ms = ((int64_t)l->max - (int64_t)l->min) / 1000000; /* truncated, as Go's */
    if (l->p->u.latency.upper_ms == 0)
        return ms >= l->p->u.latency.lower_ms;
    return l->p->u.latency.lower_ms < ms && ms <= l->p->u.latency.upper_ms;
}

static ts_decision eval_latency(const ts_policy *p, const ts_trace_view *t)
{
    latency_run l = {p, 0, 0};
    return ts_any_span(t, latency_hit, &l);
}

/* ---- status_code, trace_flags, trace_state ---- */

static bool status_hit(void *arg, const otlp_span *sp)
{
    const ts_policy *p = arg;
    return sp->status_code >= 0 && sp->status_code < 3 &&
           (p->u.status_mask & (1u << sp->status_code));
}

static bool flags_hit(void *arg, const otlp_span *sp)
{
    (void)arg;
    return (sp->flags & 0xffu & 0x01u) != 0; /* the W3C sampled flag */
}

static bool trace_state_hit(void *arg, const otlp_span *sp)
{
    const ts_policy *p = arg;
    const char *val;
    size_t len;
    if (ts_tracestate_get((const char *)sp->trace_state.ptr, sp->trace_state.len,
                          p->u.trace_state.key, &val, &len) != 0)
        return false;
    for (size_t i = 0; i < p->u.trace_state.nvalues; i++) {
        const char *want = p->u.trace_state.values[i];
        if (strlen(want) == len && memcmp(want, val, len) == 0)
            return true;
    }
    return false;
}

ts_decision ts_eval_span_field(ts_policy *p, const ts_trace_view *t)
{
    switch (p->type) {
    case TS_STATUS_CODE: return ts_any_span(t, status_hit, p);
    case TS_TRACE_FLAGS: return ts_any_span(t, flags_hit, p);
    case TS_TRACE_STATE: return ts_any_span(t, trace_state_hit, p);
    default: return eval_latency(p, t);
    }
}

/* ---- probabilistic ---- */

uint64_t ts_fnv1a64(const void *salt, size_t salt_len, const void *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint8_t *s = salt, *d = data;
    for (size_t i = 0; i < salt_len; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ d[i]) * 0x100000001b3ULL;
    return h;
}

uint64_t ts_probability_threshold(double percent)
{
    /* The collector multiplies in a 64-bit mantissa (big.Float) and
     * truncates; x86-64's long double has that mantissa. */
    long double v = (long double)UINT64_MAX * (long double)(percent / 100);
    if (!(v > 0))
        return 0;
    if (v >= 18446744073709551615.0L)
        return UINT64_MAX;
    return (uint64_t)v;
}

static ts_decision eval_probabilistic(const ts_policy *p, const ts_trace_view *t)
{
    uint64_t h = ts_fnv1a64(p->u.probabilistic.salt, p->u.probabilistic.salt_len, t->id,
                            TS_TRACE_ID_LEN);
    return h <= p->u.probabilistic.threshold ? TS_SAMPLED : TS_NOT_SAMPLED;
}

/* ---- the budgets: golang.org/x/time/rate's Limiter.AllowN ---- */

void ts_bucket_init(ts_bucket *b, double rate, double burst)
{
    *b = (ts_bucket){.rate = rate, .burst = burst};
}

bool ts_bucket_take(ts_bucket *b, double n, int64_t now_ns)
{
    if (b->rate == 0) { /* no refill: the burst is spent once */
        if (b->burst < n)
            return false;
        b->burst -= n;
        return true;
    }
    if (!b->started || now_ns < b->last_ns) {
        b->tokens = b->started ? b->tokens : b->burst; /* a new limiter is full */
        b->last_ns = now_ns;
        b->started = true;
    }
    double tokens = b->tokens + (double)(now_ns - b->last_ns) / 1e9 * b->rate;
    tokens = fmin(tokens, b->burst) - n;
    int64_t wait_ns = tokens < 0 ? (int64_t)(1e9 * (-tokens / b->rate)) : 0;
    if (n > b->burst || wait_ns > 0)
        return false;
    b->tokens = tokens;
    b->last_ns = now_ns;
    return true;
}

static ts_decision eval_budget(ts_policy *p, const ts_trace_view *t)
{
    double cost = p->type == TS_BYTES_LIMITING ? (double)t->bytes : (double)t->spans;
    return ts_bucket_take(&p->u.bucket, cost, t->now_ns) ? TS_SAMPLED : TS_NOT_SAMPLED;
}

static ts_decision eval_span_count(const ts_policy *p, const ts_trace_view *t)
{
    int64_t n = (int64_t)t->spans, min = p->u.span_count.min, max = p->u.span_count.max;
    if ((max == 0 && n >= min) || (n >= min && n <= max))
        return TS_SAMPLED;
    return TS_NOT_SAMPLED;
}

ts_decision ts_eval_trace_figures(ts_policy *p, const ts_trace_view *t)
{
    switch (p->type) {
    case TS_ALWAYS_SAMPLE: return TS_SAMPLED;
    case TS_PROBABILISTIC: return eval_probabilistic(p, t);
    case TS_SPAN_COUNT: return eval_span_count(p, t);
    default: return eval_budget(p, t);
    }
}
