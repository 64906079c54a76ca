/*
 * hist.h: the two histogram aggregations OTLP knows, as the collector's
 * connectors keep them.
 *
 * Explicit buckets: counts per bound, a value equal to a bound falls into
 * that bound's bucket (Prometheus' "le"), one more bucket above the last
 * bound. The bounds belong to the caller and are shared by every
 * histogram of a metric.
 *
 * Exponential buckets (base 2^(2^-scale)): bucket i holds values in
 * (base^i, base^(i+1)]. A histogram starts at scale 20 and lowers its
 * scale, merging neighbouring buckets, whenever the values seen would
 * need more than max_size buckets, as the collector's go-expohisto does.
 * Only values >= 0 occur (durations); 0 goes to the zero bucket.
 *
 * Memory: each histogram is one allocation, freed with free(). Threads:
 * none of their own; callers serialise updates.
 */
#ifndef OTLPMETRICS_HIST_H
#define OTLPMETRICS_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "pbw.h"

typedef struct otlpm_hist {
    uint64_t count;
    double sum;
    size_t nbuckets;    /* bounds + 1 */
    uint64_t buckets[]; /* counts; the last is above every bound */
} otlpm_hist;

/* A zeroed histogram for nbounds bounds, or NULL. */
otlpm_hist *otlpm_hist_new(size_t nbounds);
/* Adds value v n times. */
void otlpm_hist_add(otlpm_hist *h, const double *bounds, double v, uint64_t n);
void otlpm_hist_reset(otlpm_hist *h);

#define OTLPM_EXPO_MAX_SCALE 20

typedef struct otlpm_expo {
    uint64_t count, zero_count;
    double sum, min, max;
    int32_t scale;
    int32_t offset;   /* index of counts[0] */
    uint32_t len;     /* buckets in use */
    uint32_t max_size;
    uint64_t counts[]; /* max_size slots */
} otlpm_expo;

/* An empty histogram of at most max_size positive buckets, or NULL. */
otlpm_expo *otlpm_expo_new(uint32_t max_size);
/* Adds value v (>= 0; negative values count as 0) n times. */
void otlpm_expo_add(otlpm_expo *e, double v, uint64_t n);
void otlpm_expo_reset(otlpm_expo *e);
/* The bucket index of v > 0 at scale. */
int32_t otlpm_expo_index(double v, int32_t scale);

/* Writes the histogram's fields of an ExponentialHistogramDataPoint
 * (count, sum, scale, zero_count, positive, min, max) to w. */
void otlpm_expo_write(pbw *w, const otlpm_expo *e);

#endif /* OTLPMETRICS_HIST_H */
