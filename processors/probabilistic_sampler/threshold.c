/*
 * threshold.c: OTEP 235 thresholds and randomness, and the legacy hash,
 * computed as the collector's pkg/sampling and probabilistic sampler do.
 */
#include "threshold.h"

#include <math.h>

#define HASH_BUCKETS_LG2 14
#define HASH_BUCKETS (1u << HASH_BUCKETS_LG2)
#define FNV32_OFFSET 2166136261u
#define FNV32_PRIME 16777619u

double ps_threshold_probability(ps_threshold th)
{
    return (double)(PS_MAX_ADJUSTED_COUNT - th) / (double)PS_MAX_ADJUSTED_COUNT;
}

/* 2^56 minus the probability scaled to 2^56, rounded half away from 0. */
static uint64_t rejection_scaled(double prob)
{
    return PS_MAX_ADJUSTED_COUNT - (uint64_t)round(prob * (double)PS_MAX_ADJUSTED_COUNT);
}

int ps_threshold_from_probability(double prob, unsigned prec, ps_threshold *out)
{
    int exp_accept, exp_reject;
    *out = PS_ALWAYS;
    if (!(prob >= 1.0 / (double)PS_MAX_ADJUSTED_COUNT && prob <= 1.0))
        return PS_PROB_RANGE;
    if (prob == 1.0)
        return PS_PROB_OK;
    /* One more digit per leading 0 or f of the threshold: both the
     * probability and its complement are normalised (exponents <= 0). */
    int digits = prec == 0 || prec > PS_HEX_DIGITS ? PS_HEX_DIGITS : (int)prec;
    (void)frexp(prob, &exp_accept);
    (void)frexp(1 - prob, &exp_reject);
    int more = exp_accept / -4 > exp_reject / -4 ? exp_accept / -4 : exp_reject / -4;
    digits = digits + more > PS_HEX_DIGITS ? PS_HEX_DIGITS : digits + more;
    uint64_t th = rejection_scaled(prob);
    unsigned shift = 4 * (unsigned)(PS_HEX_DIGITS - digits);
    if (shift) {
        th += UINT64_C(1) << (shift - 1);
        th = th >> shift << shift;
    }
    *out = th;
    return PS_PROB_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* len (<= 14) hex digits, either case, as strconv.ParseUint(s, 16, 64). */
static int parse_hex(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int d = hex_value(s[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int ps_tvalue_parse(const char *s, size_t len, ps_threshold *out)
{
    uint64_t v;
    *out = PS_ALWAYS;
    if (len > PS_HEX_DIGITS || parse_hex(s, len, &v) != 0)
        return -1;
    *out = v << (4 * (PS_HEX_DIGITS - len));
    return 0;
}

void ps_rvalue_format(ps_randomness rnd, char out[PS_HEX_DIGITS + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = PS_HEX_DIGITS - 1; i >= 0; i--, rnd >>= 4)
        out[i] = digits[rnd & 0xf];
    out[PS_HEX_DIGITS] = '\0';
}

size_t ps_tvalue_format(ps_threshold th, char out[PS_HEX_DIGITS + 1])
{
    size_t n = PS_HEX_DIGITS;
    if (th == PS_ALWAYS) {
        out[0] = '0', out[1] = '\0';
        return 1;
    }
    if (th >= PS_NEVER) {
        out[0] = '\0';
        return 0;
    }
    ps_rvalue_format(th, out);
    while (n > 0 && out[n - 1] == '0')
        n--;
    out[n] = '\0';
    return n;
}

int ps_rvalue_parse(const char *s, size_t len, ps_randomness *out)
{
    if (len != PS_HEX_DIGITS)
        return -1;
    return parse_hex(s, len, out);
}

ps_randomness ps_trace_id_randomness(const uint8_t id[16])
{
    uint64_t v = 0;
    for (int i = 9; i < 16; i++)
        v = v << 8 | id[i];
    return v;
}

uint32_t ps_fnv32a(uint32_t seed, const uint8_t *b, size_t len)
{
    uint32_t h = FNV32_OFFSET;
    for (int i = 0; i < 4; i++)
        h = (h ^ ((seed >> (8 * i)) & 0xff)) * FNV32_PRIME;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * FNV32_PRIME;
    return h;
}

ps_randomness ps_hash_randomness(uint32_t seed, const uint8_t *b, size_t len)
{
    uint32_t hashed32 = ps_fnv32a(seed, b, len);
    uint64_t hashed = hashed32 & (HASH_BUCKETS - 1);
    /* 14 bits R' = buckets - 1 - bucket, so that bucket < rate reads as
     * R' >= buckets - rate; then the 18 unused hash bits mixed into 28;
     * then the bucket itself. */
    uint64_t rprime14 = HASH_BUCKETS - 1 - hashed;
    uint64_t unused18 = hashed32 >> (32 - HASH_BUCKETS_LG2);
    uint64_t mixed28 = unused18 ^ (unused18 << 10);
    return rprime14 << 42 | mixed28 << 14 | hashed;
}

ps_threshold ps_hash_threshold(float pct)
{
    /* float32 arithmetic and truncation, kept from the collector's first
     * version so that the same traces stay sampled across versions. */
    float scaled = pct * 163.84f;
    uint32_t rate = (uint32_t)scaled;
    if (rate == 0)
        return PS_NEVER;
    return (uint64_t)(HASH_BUCKETS - rate) << 42;
}
