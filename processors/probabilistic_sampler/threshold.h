/*
 * threshold.h: the numbers of OpenTelemetry's consistent probability
 * sampling (OTEP 235, W3C Trace Context level 2), as the collector's
 * pkg/sampling computes them: 56-bit randomness, thresholds and their
 * `th` and `rv` encodings, and the legacy FNV hash of hash_seed mode.
 *
 * A span is kept when its randomness is at least the threshold. A
 * threshold of 0 keeps everything; PS_NEVER (2^56) keeps nothing. All
 * functions are pure and thread-safe.
 */
#ifndef PS_THRESHOLD_H
#define PS_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_MAX_ADJUSTED_COUNT (UINT64_C(1) << 56)
#define PS_ALWAYS UINT64_C(0)              /* threshold: 100 % */
#define PS_NEVER PS_MAX_ADJUSTED_COUNT     /* threshold: 0 % */
#define PS_RANDOMNESS_ALL (PS_MAX_ADJUSTED_COUNT - 1) /* sampled at every probability */
#define PS_HEX_DIGITS 14                   /* 56 bits */

typedef uint64_t ps_threshold;  /* [0, 2^56] */
typedef uint64_t ps_randomness; /* [0, 2^56) */

/* What ps_threshold_from_probability reports besides success. */
enum ps_prob_status {
    PS_PROB_OK = 0,
    PS_PROB_RANGE = -1, /* outside [2^-56, 1] */
};

static inline bool ps_should_sample(ps_threshold th, ps_randomness rnd)
{
    return rnd >= th;
}

/* The probability a threshold keeps: (2^56 - th) / 2^56. */
double ps_threshold_probability(ps_threshold th);

/*
 * The threshold for probability prob, rounded to prec significant hex
 * digits (prec 0 or above 14: all 14), one more for each leading 0 or f
 * of the threshold, at most 14. On PS_PROB_RANGE *out is PS_ALWAYS, as
 * the collector's function leaves it.
 */
int ps_threshold_from_probability(double prob, unsigned prec, ps_threshold *out);

/*
 * Parses a `th` value: 1 to 14 hex digits, trailing zeros omitted.
 * Returns 0, or -1 (then *out is PS_ALWAYS).
 */
int ps_tvalue_parse(const char *s, size_t len, ps_threshold *out);

/*
 * Writes th's `th` encoding and a NUL into out (15 bytes): "0" for
 * PS_ALWAYS, "" for PS_NEVER, else up to 14 lowercase hex digits without
 * trailing zeros. Returns its length.
 */
size_t ps_tvalue_format(ps_threshold th, char out[PS_HEX_DIGITS + 1]);

/* Parses an `rv` value: exactly 14 hex digits. 0 or -1. */
int ps_rvalue_parse(const char *s, size_t len, ps_randomness *out);

/* Writes the 14 lowercase hex digits of rnd and a NUL into out. */
void ps_rvalue_format(ps_randomness rnd, char out[PS_HEX_DIGITS + 1]);

/* The randomness of a 16-byte trace id: its last 7 bytes, big-endian. */
ps_randomness ps_trace_id_randomness(const uint8_t id[16]);

/* FNV-1a (32 bits) over the seed's 4 little-endian bytes, then b. */
uint32_t ps_fnv32a(uint32_t seed, const uint8_t *b, size_t len);

/*
 * hash_seed mode's randomness for bytes b (a trace id): the 14-bit FNV
 * bucket placed so that "bucket < scaled rate" reads as "randomness >=
 * threshold", as the collector builds it.
 */
ps_randomness ps_hash_randomness(uint32_t seed, const uint8_t *b, size_t len);

/*
 * hash_seed mode's threshold for percentage pct (0 < pct <= 100, a
 * float32 as the collector reads it): the rate scaled to 2^14 buckets in
 * float32 and truncated. PS_NEVER when that rounds to no bucket.
 */
ps_threshold ps_hash_threshold(float pct);

#endif /* PS_THRESHOLD_H */
