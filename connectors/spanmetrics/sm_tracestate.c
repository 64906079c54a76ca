/*
 * sm_tracestate.c: how many spans a sampled span stands for.
 *
 * A sampler that follows OTEP 235 writes its rejection threshold into the
 * span's tracestate (`ot=th:<1-14 hex digits>`): it kept a span with
 * probability (2^56 - T) / 2^56, so the span stands for 2^56 / (2^56 - T)
 * spans. The collector's connector counts calls and observes durations
 * that many times, rounding the quotient up or down at random in
 * proportion to the remainder so that the sums stay unbiased.
 */
#include <string.h>

#include "sm.h"

#define MAX_ADJUSTED (UINT64_C(1) << 56)

/* The value of the `ot` list member, or an empty view. */
static pb_bytes ot_member(pb_bytes ts)
{
    const char *p = (const char *)ts.ptr, *end = p + ts.len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        const char *member = p;
        while (p < end && *p != ',')
            p++;
        if (p - member > 3 && memcmp(member, "ot=", 3) == 0)
            return (pb_bytes){(const uint8_t *)member + 3, (size_t)(p - member - 3)};
    }
    return (pb_bytes){NULL, 0};
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The threshold of `th:` in an ot value; false if absent or malformed. */
static bool threshold(pb_bytes ot, uint64_t *t)
{
    const char *p = (const char *)ot.ptr, *end = p + ot.len;
    while (p < end) {
        const char *field = p;
        while (p < end && *p != ';')
            p++;
        size_t len = (size_t)(p - field);
        if (p < end)
            p++;
        if (len < 3 || memcmp(field, "th:", 3) != 0)
            continue;
        if (len - 3 < 1 || len - 3 > 14)
            return false;
        uint64_t v = 0;
        for (size_t i = 3; i < len; i++) {
            int d = hex_digit(field[i]);
            if (d < 0)
                return false;
            v = v << 4 | (uint64_t)d;
        }
        *t = v << (4 * (14 - (len - 3)));
        return true;
    }
    return false;
}

/* xorshift64*: cheap, and good enough to round counts. s->mu held. */
static uint64_t next_random(sm *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * UINT64_C(2685821657736338717);
}

uint64_t sm_adjusted_count(sm *s, pb_bytes tracestate, bool *adjusted)
{
    uint64_t t;
    *adjusted = false;
    pb_bytes ot = tracestate.len ? ot_member(tracestate) : (pb_bytes){NULL, 0};
    if (!ot.ptr || !threshold(ot, &t))
        return 1;
    uint64_t den = MAX_ADJUSTED - t;
    uint64_t q = MAX_ADJUSTED / den, rem = MAX_ADJUSTED % den;
    *adjusted = true;
    if (rem && next_random(s) % den < rem)
        q++;
    return q;
}
