/* Explicit and exponential histograms; see hist.h. */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ExponentialHistogramDataPoint and Buckets field numbers. */
enum {
    EXP_COUNT = 4, EXP_SUM = 5, EXP_SCALE = 6, EXP_ZERO_COUNT = 7, EXP_POSITIVE = 8,
    EXP_MIN = 12, EXP_MAX = 13, BUCKETS_OFFSET = 1, BUCKETS_COUNTS = 2,
};

otlpm_hist *otlpm_hist_new(size_t nbounds)
{
    otlpm_hist *h = calloc(1, sizeof(*h) + (nbounds + 1) * sizeof(uint64_t));
    if (h)
        h->nbuckets = nbounds + 1;
    return h;
}

/* The first bound >= v (Go's sort.SearchFloat64s); nbounds if none. */
static size_t bucket_of(const double *bounds, size_t nbounds, double v)
{
    size_t lo = 0, hi = nbounds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bounds[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void otlpm_hist_add(otlpm_hist *h, const double *bounds, double v, uint64_t n)
{
    h->count += n;
    h->sum += v * (double)n;
    h->buckets[bucket_of(bounds, h->nbuckets - 1, v)] += n;
}

void otlpm_hist_reset(otlpm_hist *h)
{
    h->count = 0;
    h->sum = 0;
    memset(h->buckets, 0, h->nbuckets * sizeof(uint64_t));
}

/* ---- exponential ---- */

otlpm_expo *otlpm_expo_new(uint32_t max_size)
{
    if (max_size < 2)
        max_size = 2; /* one bucket could never be downscaled into */
    otlpm_expo *e = calloc(1, sizeof(*e) + max_size * sizeof(uint64_t));
    if (!e)
        return NULL;
    e->max_size = max_size;
    e->scale = OTLPM_EXPO_MAX_SCALE;
    return e;
}

void otlpm_expo_reset(otlpm_expo *e)
{
    uint32_t max_size = e->max_size;
    memset(e, 0, sizeof(*e) + max_size * sizeof(uint64_t));
    e->max_size = max_size;
    e->scale = OTLPM_EXPO_MAX_SCALE;
}

/* x >> c rounding towards minus infinity, for negative indexes too. */
static int32_t shr(int32_t x, int c)
{
    return x >= 0 ? x >> c : -((-x - 1) >> c) - 1;
}

int32_t otlpm_expo_index(double v, int32_t scale)
{
    static const double log2e = 1.4426950408889634; /* 1 / ln 2 */
    int exp;
    double frac = frexp(v, &exp); /* v = frac * 2^exp, frac in [0.5, 1) */
    if (frac == 0.5) {
        /* exactly 2^k: the upper bound of bucket (2^k at this scale) - 1 */
        int32_t k = exp - 1;
        return scale > 0 ? k * (1 << scale) - 1 : shr(k - 1, -scale);
    }
    if (scale <= 0)
        return shr(exp - 1, -scale);
    return (int32_t)floor(log(v) * ldexp(log2e, scale));
}

/* Merges buckets so that indexes shift right by c (the scale drops by c). */
static void downscale(otlpm_expo *e, int c)
{
    int32_t base = shr(e->offset, c);
    uint32_t len = 0;
    for (uint32_t i = 0; i < e->len; i++) {
        uint32_t ni = (uint32_t)(shr(e->offset + (int32_t)i, c) - base);
        if (ni != i) {
            e->counts[ni] += e->counts[i];
            e->counts[i] = 0;
        }
        len = ni + 1;
    }
    e->offset = base;
    e->len = len;
    e->scale -= c;
}

/* How far the scale must drop for [lo, hi] to fit in max_size buckets. */
static int change_needed(const otlpm_expo *e, int32_t lo, int32_t hi)
{
    int c = 0;
    while ((int64_t)hi - lo + 1 > e->max_size) {
        lo = shr(lo, 1);
        hi = shr(hi, 1);
        c++;
    }
    return c;
}

/* Grows the bucket range to take idx (which fits in max_size). */
static void cover(otlpm_expo *e, int32_t idx)
{
    if (idx < e->offset) {
        uint32_t d = (uint32_t)(e->offset - idx);
        memmove(e->counts + d, e->counts, e->len * sizeof(uint64_t));
        memset(e->counts, 0, d * sizeof(uint64_t));
        e->offset = idx;
        e->len += d;
    } else if (idx >= e->offset + (int32_t)e->len) {
        e->len = (uint32_t)(idx - e->offset) + 1;
    }
}

static void add_positive(otlpm_expo *e, double v, uint64_t n)
{
    int32_t idx = otlpm_expo_index(v, e->scale);
    if (e->len == 0) {
        e->offset = idx;
        e->len = 1;
        e->counts[0] += n;
        return;
    }
    int32_t last = e->offset + (int32_t)e->len - 1;
    int c = change_needed(e, idx < e->offset ? idx : e->offset, idx > last ? idx : last);
    if (c > 0) {
        downscale(e, c);
        idx = shr(idx, c);
    }
    cover(e, idx);
    e->counts[idx - e->offset] += n;
}

void otlpm_expo_add(otlpm_expo *e, double v, uint64_t n)
{
    if (!(v > 0))
        v = 0; /* negative durations and NaN count as zero, as the connectors clamp them */
    e->min = e->count == 0 || v < e->min ? v : e->min;
    e->max = e->count == 0 || v > e->max ? v : e->max;
    e->count += n;
    e->sum += v * (double)n;
    if (v == 0)
        e->zero_count += n;
    else
        add_positive(e, v, n);
}

void otlpm_expo_write(pbw *w, const otlpm_expo *e)
{
    pbw_fixed64(w, EXP_COUNT, e->count);
    pbw_double(w, EXP_SUM, e->sum);
    pbw_sint32(w, EXP_SCALE, e->scale);
    pbw_fixed64(w, EXP_ZERO_COUNT, e->zero_count);
    size_t pos = pbw_open(w, EXP_POSITIVE);
    pbw_sint32(w, BUCKETS_OFFSET, e->offset);
    pbw_packed_varint(w, BUCKETS_COUNTS, e->counts, e->len);
    pbw_close(w, pos);
    if (e->count) {
        pbw_double(w, EXP_MIN, e->min);
        pbw_double(w, EXP_MAX, e->max);
    }
}
