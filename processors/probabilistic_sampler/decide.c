/*
 * decide.c: one span's sampling decision, in the collector's order:
 * randomness and carrier (the parsed tracestate), the consistency check,
 * the mode's threshold or fail_closed's, sampling.priority, and the
 * threshold a kept span records.
 */
#include "decide.h"

#include <string.h>

void ps_sampler_init(ps_sampler *s, float pct, ps_mode mode, uint32_t seed, unsigned precision,
                     bool fail_closed)
{
    const double min = 1.0 / (double)PS_MAX_ADJUSTED_COUNT;
    *s = (ps_sampler){.mode = mode, .seed = seed, .precision = precision,
                      .fail_closed = fail_closed};
    if (pct > 100)
        pct = 100;
    s->never = pct == 0;
    if (s->never)
        return;
    /* Divided in float64, as the collector does; tiny rates round up. */
    double ratio = (double)pct / 100;
    if (ratio < min)
        ratio = min;
    if (mode == PS_MODE_EQUALIZING) {
        (void)ps_threshold_from_probability(ratio, precision, &s->threshold);
    } else if (mode == PS_MODE_PROPORTIONAL) {
        s->ratio = ratio;
    } else {
        s->threshold = ps_hash_threshold(pct);
        s->never = s->threshold == PS_NEVER;
    }
}

const char *ps_policy_name(ps_policy p)
{
    static const char *const names[PS_POLICY_COUNT] = {
        "trace_id_hash", "trace_id_w3c", "sampling_randomness", "sampling_priority",
        "missing_randomness", "attribute"};
    return p < PS_POLICY_COUNT ? names[p] : "unknown";
}

const char *ps_error_text(ps_error e, int ts_error)
{
    switch (e) {
    case PS_ERR_NONE:
        return "none";
    case PS_ERR_TRACESTATE:
        return ps_ts_strerror(ts_error);
    case PS_ERR_MISSING_RANDOMNESS:
        return "missing randomness";
    case PS_ERR_INCONSISTENT:
        return "inconsistent arriving threshold: item should not have been sampled";
    case PS_ERR_RANDOMNESS_IN_USE:
        return "item has sampling randomness, equalizing or proportional mode recommended";
    default:
        return "item has sampling threshold, equalizing or proportional mode recommended";
    }
}

/* Where the randomness came from, and whether the tracestate is kept
 * for updating (the collector's "carrier"). */
typedef struct rand_src {
    ps_randomness rnd;
    ps_policy policy;
    bool carrier;
} rand_src;

static bool trace_id_empty(const ps_span_in *in)
{
    if (in->trace_id_len != 16)
        return true;
    for (size_t i = 0; i < 16; i++)
        if (in->trace_id[i])
            return false;
    return true;
}

static void set_missing(rand_src *r)
{
    r->rnd = PS_RANDOMNESS_ALL;
    r->policy = PS_POLICY_MISSING_RANDOMNESS;
}

/* Parses the carrier (a span's tracestate, a record's attributes);
 * false (error recorded) when unreadable. */
static bool parse_ts(const ps_span_in *in, ps_verdict *v)
{
    v->ts_error = in->log ? ps_carrier_parse(&v->ts, in->rvalue, in->rvalue_len, in->tvalue,
                                             in->tvalue_len)
                          : ps_tracestate_parse(&v->ts, in->tracestate, in->tracestate_len);
    if (v->ts_error != PS_TS_OK)
        v->error = PS_ERR_TRACESTATE;
    return v->ts_error == PS_TS_OK;
}

/* 0 %: randomness does not matter; the tracestate is kept even when it
 * did not parse (only sampling.priority can keep the span). */
static void from_never(const ps_span_in *in, ps_verdict *v, rand_src *r)
{
    r->rnd = PS_RANDOMNESS_ALL;
    r->policy = PS_POLICY_SAMPLING_PRIORITY;
    r->carrier = true;
    (void)parse_ts(in, v);
}

/* hash_seed's source: the trace id, or for a log record without one (or
 * with attribute_source record) its from_attribute's bytes. */
static void hash_source(const ps_sampler *s, const ps_span_in *in, rand_src *r)
{
    set_missing(r);
    if (!in->trace_id_off && !trace_id_empty(in)) {
        r->rnd = ps_hash_randomness(s->seed, in->trace_id, 16);
        r->policy = PS_POLICY_TRACE_ID_HASH;
    } else if (in->log && in->hashed && in->hashed_len) {
        r->rnd = ps_hash_randomness(s->seed, in->hashed, in->hashed_len);
        r->policy = PS_POLICY_ATTRIBUTE;
    }
}

/* hash_seed: the hash, written as `rv` unless the item carries OTEP 235
 * information already (then that is an error); a log record gets one
 * only when it has randomness. */
static void from_hash(const ps_sampler *s, const ps_span_in *in, ps_verdict *v, rand_src *r)
{
    hash_source(s, in, r);
    if (!parse_ts(in, v))
        return;
    if (ps_ts_has_rv(&v->ts))
        v->error = PS_ERR_RANDOMNESS_IN_USE;
    else if (ps_ts_has_th(&v->ts))
        v->error = PS_ERR_THRESHOLD_IN_USE;
    else if (!in->log || r->policy != PS_POLICY_MISSING_RANDOMNESS)
        ps_ts_set_rv(&v->ts, r->rnd);
    r->carrier = v->error == PS_ERR_NONE;
}

/* proportional, equalizing: `rv`, else the trace id's last 56 bits. */
static void from_consistent(const ps_span_in *in, ps_verdict *v, rand_src *r)
{
    set_missing(r);
    if (!parse_ts(in, v))
        return;
    r->carrier = true;
    if (ps_ts_has_rv(&v->ts)) {
        r->rnd = v->ts.rnd;
        r->policy = PS_POLICY_SAMPLING_RANDOMNESS;
    } else if (!trace_id_empty(in)) {
        r->rnd = ps_trace_id_randomness(in->trace_id);
        r->policy = PS_POLICY_TRACE_ID_W3C;
    }
}

/* An arriving threshold the randomness does not pass is a lie: it is
 * removed (kept spans then record the new one). */
static void check_consistency(const rand_src *r, ps_verdict *v)
{
    if (r->policy == PS_POLICY_MISSING_RANDOMNESS) {
        v->error = PS_ERR_MISSING_RANDOMNESS;
    } else if (r->carrier && ps_ts_has_th(&v->ts) &&
               !ps_should_sample(v->ts.threshold, r->rnd)) {
        ps_ts_clear_th(&v->ts);
        v->error = PS_ERR_INCONSISTENT;
    }
}

static ps_threshold proportional(const ps_sampler *s, double incoming)
{
    ps_threshold th;
    int rc = ps_threshold_from_probability(incoming * s->ratio, s->precision, &th);
    return rc == PS_PROB_RANGE ? PS_NEVER : th; /* below 2^-56: not sampled */
}

static ps_threshold mode_threshold(const ps_sampler *s, const ps_verdict *v, bool carrier)
{
    bool has = carrier && ps_ts_has_th(&v->ts);
    if (s->never)
        return PS_NEVER;
    if (s->mode == PS_MODE_EQUALIZING)
        return has && s->threshold < v->ts.threshold ? v->ts.threshold : s->threshold;
    if (s->mode == PS_MODE_PROPORTIONAL)
        return proportional(s, has ? ps_threshold_probability(v->ts.threshold) : 1.0);
    return s->threshold;
}

void ps_decide(const ps_sampler *s, const ps_span_in *in, ps_verdict *v)
{
    rand_src r = {0};
    v->error = PS_ERR_NONE;
    v->ts_error = PS_TS_OK;
    v->raise_refused = v->rewrite = false;
    if (s->never)
        from_never(in, v, &r);
    else if (s->mode == PS_MODE_HASH_SEED)
        from_hash(s, in, v, &r);
    else
        from_consistent(in, v, &r);
    if (v->error == PS_ERR_NONE)
        check_consistency(&r, v);
    ps_threshold th = v->error == PS_ERR_NONE ? mode_threshold(s, v, r.carrier)
                      : s->fail_closed       ? PS_NEVER
                                             : PS_ALWAYS;
    if (in->priority != PS_PRIORITY_DEFER) {
        th = in->priority == PS_PRIORITY_KEEP ? PS_ALWAYS : PS_NEVER;
        r.policy = PS_POLICY_SAMPLING_PRIORITY;
    } else if (in->has_priority_th) { /* logs: a probability that replaces the mode's */
        th = in->priority_th;
        r.policy = PS_POLICY_SAMPLING_PRIORITY;
    }
    v->sampled = ps_should_sample(th, r.rnd);
    v->policy = r.policy;
    if (v->sampled && r.carrier) {
        v->raise_refused = ps_ts_update_th(&v->ts, th) != 0;
        v->rewrite = true;
    }
}
