/*
 * policy.h: the tail sampler's policies, as the collector's
 * tailsamplingprocessor evaluates them, and its rule for the final
 * decision. A policy looks at a whole trace (every piece of it received
 * so far) and answers one decision; stateful policies (rate_limiting,
 * bytes_limiting, composite) keep their budgets in the policy itself.
 *
 * THREADS. Building and freeing belong to create and destroy. Evaluation
 * changes the stateful policies' budgets and the regex caches: one
 * thread at a time per policy set (the processor's lock).
 */
#ifndef OTELC_TS_POLICY_H
#define OTELC_TS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#include "attraction/regex.h"
#include "group.h"
#include "lru.h"

/* A policy's answer. The inverted ones come from invert_match, as the
 * collector's deprecated InvertSampled / InvertNotSampled. */
typedef enum ts_decision {
    TS_NOT_SAMPLED = 0,
    TS_SAMPLED,
    TS_DROPPED,
    TS_INVERT_SAMPLED,
    TS_INVERT_NOT_SAMPLED,
    TS_ERROR, /* the trace could not be read (malformed piece) */
} ts_decision;

typedef enum ts_policy_type {
    TS_ALWAYS_SAMPLE,
    TS_LATENCY,
    TS_NUMERIC_ATTRIBUTE,
    TS_PROBABILISTIC,
    TS_STATUS_CODE,
    TS_STRING_ATTRIBUTE,
    TS_RATE_LIMITING,
    TS_BYTES_LIMITING,
    TS_SPAN_COUNT,
    TS_TRACE_STATE,
    TS_BOOLEAN_ATTRIBUTE,
    TS_TRACE_FLAGS,
    TS_AND,
    TS_DROP,
    TS_NOT,
    TS_COMPOSITE,
    TS_OTTL_CONDITION,
} ts_policy_type;

/* What a policy reads: a trace's pieces, each one ExportTraceServiceRequest
 * holding only that trace's spans (group.h), in arrival order. */
typedef struct ts_trace_view {
    const uint8_t *id;             /* TS_TRACE_ID_LEN bytes */
    const uint8_t *const *data;    /* piece bytes, lent for the evaluation */
    const size_t *len;
    size_t n;
    uint64_t spans, bytes;
    int64_t now_ns; /* the decision's time (realtime), for the rate budgets */
} ts_trace_view;

/* A token bucket of golang.org/x/time/rate: full at first, refilled
 * continuously at rate per second up to burst. */
typedef struct ts_bucket {
    double rate, burst, tokens;
    int64_t last_ns;
    bool started;
} ts_bucket;

typedef struct ts_policy ts_policy;

typedef struct ts_attr_match {
    const char *key;
    size_t key_len;
    bool invert;
} ts_attr_match;

typedef struct ts_string_match {
    ts_attr_match m;
    const char *const *values; /* exact values (empty ones left out) */
    size_t nvalues;
    attr_regex **regex; /* when enabled_regex_matching (then values unused) */
    size_t nregex;
    ts_lru *cache; /* value -> matched, cache_max_size entries, with regex */
} ts_string_match;

typedef struct ts_composite_sub {
    ts_policy *policy;
    int64_t allocated; /* spans per second */
    int64_t sampled;   /* spans sampled in the current second */
} ts_composite_sub;

struct ts_policy {
    ts_policy_type type;
    const char *name; /* the config's (lives with the config) */
    union {
        struct {
            int64_t lower_ms, upper_ms;
        } latency;
        struct {
            ts_attr_match m;
            int64_t min, max;
        } numeric;
        struct {
            uint64_t threshold;
            const char *salt;
            size_t salt_len;
        } probabilistic;
        unsigned status_mask; /* bit per Status.StatusCode */
        ts_string_match string;
        ts_bucket bucket; /* rate_limiting, bytes_limiting */
        struct {
            int64_t min, max;
        } span_count;
        struct {
            const char *key;
            const char *const *values;
            size_t nvalues;
        } trace_state;
        struct {
            ts_attr_match m;
            bool value;
        } boolean;
        struct {
            ts_policy **subs; /* and, drop; not has one */
            size_t n;
        } combo;
        struct {
            ts_composite_sub *subs;
            size_t n;
            int64_t max_total, second;
        } composite;
        struct ts_ottl *ottl; /* policy_ottl.c */
    } u;
};

/* ottl_condition (policy_ottl.c): SAMPLED when a span condition holds
 * for some span or a spanevent condition for some span event. */
ts_decision ts_eval_ottl(ts_policy *p, const ts_trace_view *t);
void ts_ottl_free(struct ts_ottl *o);

/* The policy's decision on t; TS_ERROR when a piece cannot be read. */
ts_decision ts_policy_eval(ts_policy *p, const ts_trace_view *t);

/* The final decision over per-policy outcomes, the collector's order: a
 * drop wins, then an inverted not-sampled, then a sampled, then an
 * inverted sampled when no policy said not sampled; else not sampled.
 * seen[d] says that some policy answered d. Returns TS_SAMPLED,
 * TS_NOT_SAMPLED or TS_DROPPED. */
ts_decision ts_final_decision(const bool seen[TS_ERROR + 1]);

/* FNV-1a 64 over salt then data (the probabilistic policy's hash). */
uint64_t ts_fnv1a64(const void *salt, size_t salt_len, const void *data, size_t len);
/* The probabilistic threshold of a percentage, as the collector's
 * big.Float computation: round(percent / 100 * (2^64 - 1)) to 64 bits,
 * truncated, saturated. */
uint64_t ts_probability_threshold(double percent);

/* Token bucket: true and take n when n tokens are there at now_ns. */
void ts_bucket_init(ts_bucket *b, double rate, double burst);
bool ts_bucket_take(ts_bucket *b, double n, int64_t now_ns);

/* Frees what the policy allocated (subs, regexes, caches), recursively. */
void ts_policy_free(ts_policy *p);

#endif /* OTELC_TS_POLICY_H */
