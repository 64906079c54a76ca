/*
 * decide.h: the probabilistic sampler's decision for one span or log
 * record, as the collector's processor makes it: where the randomness
 * comes from (the trace id's hash, the trace id's last 56 bits, `rv`, or
 * for logs the hash of a record attribute), whether an arriving threshold
 * is consistent with it, the mode's threshold, fail_closed, the priority
 * override, and the sampling information a kept item leaves with (a
 * span's tracestate, a log record's sampling.randomness and
 * sampling.threshold attributes). Pure: no I/O, no allocation; a sampler
 * is read-only after ps_sampler_init and may be shared by threads.
 */
#ifndef PS_DECIDE_H
#define PS_DECIDE_H

#include "tracestate.h"

typedef enum ps_mode {
    PS_MODE_HASH_SEED = 0, /* the default, as in the collector */
    PS_MODE_EQUALIZING,
    PS_MODE_PROPORTIONAL,
} ps_mode;

typedef struct ps_sampler {
    bool never;             /* 0 %, or a hash rate of no bucket */
    ps_mode mode;
    ps_threshold threshold; /* hash_seed, equalizing */
    double ratio;           /* proportional: in [2^-56, 1] */
    unsigned precision;     /* hex digits of written thresholds; 0: all */
    uint32_t seed;          /* hash_seed */
    bool fail_closed;
} ps_sampler;

/*
 * Sets s up from the config: pct a float32 percentage >= 0 (above 100
 * means 100), the mode, hash_seed, sampling_precision and fail_closed.
 */
void ps_sampler_init(ps_sampler *s, float pct, ps_mode mode, uint32_t seed, unsigned precision,
                     bool fail_closed);

/* What the span's sampling.priority attribute says. */
typedef enum ps_priority {
    PS_PRIORITY_DEFER = 0, /* absent, negative, NaN or not a number */
    PS_PRIORITY_KEEP,      /* > 0: always kept */
    PS_PRIORITY_DROP,      /* 0: never kept */
} ps_priority;

/* The `policy` label of the collector's metric. */
typedef enum ps_policy {
    PS_POLICY_TRACE_ID_HASH = 0,
    PS_POLICY_TRACE_ID_W3C,
    PS_POLICY_SAMPLING_RANDOMNESS,
    PS_POLICY_SAMPLING_PRIORITY,
    PS_POLICY_MISSING_RANDOMNESS,
    PS_POLICY_ATTRIBUTE, /* logs: from_attribute's hash; the label is its name */
    PS_POLICY_COUNT,
} ps_policy;

const char *ps_policy_name(ps_policy p);

/* Why a span's sampling information was not usable (logged). */
typedef enum ps_error {
    PS_ERR_NONE = 0,
    PS_ERR_TRACESTATE,        /* see ps_verdict.ts_error */
    PS_ERR_MISSING_RANDOMNESS,
    PS_ERR_INCONSISTENT,      /* arriving threshold above the randomness */
    PS_ERR_RANDOMNESS_IN_USE, /* hash_seed mode, `rv` present */
    PS_ERR_THRESHOLD_IN_USE,  /* hash_seed mode, `th` present */
} ps_error;

/* The collector's message for a verdict's error. */
const char *ps_error_text(ps_error e, int ts_error);

/* One span or log record; a log record's fields come after the span's. */
typedef struct ps_span_in {
    const uint8_t *trace_id; /* 16 bytes; any other length reads as none */
    size_t trace_id_len;
    const char *tracestate; /* spans; borrowed while the verdict is used */
    size_t tracestate_len;
    ps_priority priority;   /* spans: sampling.priority */
    bool log;               /* a log record: the fields below apply */
    const char *rvalue, *tvalue; /* sampling.randomness, sampling.threshold; NULL: none */
    size_t rvalue_len, tvalue_len;
    bool trace_id_off;      /* attribute_source record: the trace id is not the source */
    const uint8_t *hashed;  /* hash_seed: from_attribute's bytes; NULL: none */
    size_t hashed_len;
    bool has_priority_th;   /* sampling_priority's probability, as a threshold */
    ps_threshold priority_th;
} ps_span_in;

typedef struct ps_verdict {
    bool sampled;
    ps_policy policy;
    ps_error error;       /* the decision's error: fail_closed applied */
    int ts_error;         /* PS_TS_* when error is PS_ERR_TRACESTATE */
    bool raise_refused;   /* a kept span's `th` was stricter: left as it was */
    bool rewrite;         /* sampled: write ts as the span's tracestate */
    ps_tracestate ts;
} ps_verdict;

/* Decides for one span. v->ts views in->tracestate. */
void ps_decide(const ps_sampler *s, const ps_span_in *in, ps_verdict *v);

#endif /* PS_DECIDE_H */
