/* An ExportMetricsServiceRequest written piece by piece; see write.h. */
#include "write.h"

#include "attrs.h"

/* Field numbers of metrics.proto (and the resource and scope messages). */
enum {
    REQ_RESOURCE_METRICS = 1,
    RM_RESOURCE = 1, RM_SCOPE_METRICS = 2, RESOURCE_ATTRIBUTES = 1,
    SM_SCOPE = 1, SM_METRICS = 2, SCOPE_NAME = 1,
    METRIC_NAME = 1, METRIC_DESCRIPTION = 2, METRIC_UNIT = 3, METRIC_SUM = 7, METRIC_HISTOGRAM = 9,
    METRIC_EXPONENTIAL = 10,
    AGG_POINTS = 1, AGG_TEMPORALITY = 2, SUM_MONOTONIC = 3,
    POINT_START = 2, POINT_TIME = 3,
    NUM_AS_INT = 6, NUM_EXEMPLARS = 5, NUM_ATTRIBUTES = 7,
    HIST_COUNT = 4, HIST_SUM = 5, HIST_BUCKETS = 6, HIST_BOUNDS = 7, HIST_EXEMPLARS = 8,
    HIST_ATTRIBUTES = 9,
    EXP_ATTRIBUTES = 1, EXP_EXEMPLARS = 11,
    EX_TIME = 2, EX_AS_DOUBLE = 3, EX_SPAN_ID = 4, EX_TRACE_ID = 5,
};

otlpm_frame otlpm_resource_begin(pbw *w, const uint8_t *attrs, size_t alen, const char *scope)
{
    otlpm_frame f = {.outer = pbw_open(w, REQ_RESOURCE_METRICS)};
    size_t r = pbw_open(w, RM_RESOURCE);
    otlpm_attrs_write(w, RESOURCE_ATTRIBUTES, attrs, alen);
    pbw_close(w, r);
    f.inner = pbw_open(w, RM_SCOPE_METRICS);
    size_t s = pbw_open(w, SM_SCOPE);
    pbw_str(w, SCOPE_NAME, scope);
    pbw_close(w, s);
    return f;
}

void otlpm_resource_end(pbw *w, otlpm_frame f)
{
    pbw_close(w, f.inner);
    pbw_close(w, f.outer);
}

otlpm_frame otlpm_metric_begin(pbw *w, const char *name, const char *description,
                               const char *unit, enum otlpm_kind kind)
{
    static const uint32_t field[] = {METRIC_SUM, METRIC_HISTOGRAM, METRIC_EXPONENTIAL};
    otlpm_frame f = {.outer = pbw_open(w, SM_METRICS), .kind = kind};
    pbw_str(w, METRIC_NAME, name);
    if (*description)
        pbw_str(w, METRIC_DESCRIPTION, description);
    if (*unit)
        pbw_str(w, METRIC_UNIT, unit);
    f.inner = pbw_open(w, field[kind]);
    return f;
}

void otlpm_metric_end(pbw *w, otlpm_frame f, enum otlpm_temporality t)
{
    pbw_varint(w, AGG_TEMPORALITY, (uint64_t)t);
    if (f.kind == OTLPM_SUM)
        pbw_varint(w, SUM_MONOTONIC, 1);
    pbw_close(w, f.inner);
    pbw_close(w, f.outer);
}

static void exemplars(pbw *w, uint32_t field, const otlpm_point *p)
{
    for (size_t i = 0; i < p->nex; i++) {
        const otlpm_exemplar *x = &p->ex[i];
        size_t m = pbw_open(w, field);
        pbw_fixed64(w, EX_TIME, p->time_ns);
        pbw_double(w, EX_AS_DOUBLE, x->value);
        pbw_bytes(w, EX_SPAN_ID, x->span_id, sizeof(x->span_id));
        pbw_bytes(w, EX_TRACE_ID, x->trace_id, sizeof(x->trace_id));
        pbw_close(w, m);
    }
}

/* The point's attributes and times; returns the point's mark. */
static size_t point_begin(pbw *w, const otlpm_point *p, uint32_t attrs_field)
{
    size_t m = pbw_open(w, AGG_POINTS);
    otlpm_attrs_write(w, attrs_field, p->attrs, p->alen);
    pbw_fixed64(w, POINT_START, p->start_ns);
    pbw_fixed64(w, POINT_TIME, p->time_ns);
    return m;
}

void otlpm_sum_point(pbw *w, const otlpm_point *p, int64_t value)
{
    size_t m = point_begin(w, p, NUM_ATTRIBUTES);
    pbw_fixed64(w, NUM_AS_INT, (uint64_t)value);
    exemplars(w, NUM_EXEMPLARS, p);
    pbw_close(w, m);
}

void otlpm_hist_point(pbw *w, const otlpm_point *p, const double *bounds, size_t nbounds,
                      const otlpm_hist *h)
{
    size_t m = point_begin(w, p, HIST_ATTRIBUTES);
    pbw_fixed64(w, HIST_COUNT, h->count);
    pbw_double(w, HIST_SUM, h->sum);
    pbw_packed_fixed64(w, HIST_BUCKETS, h->buckets, h->nbuckets);
    pbw_packed_double(w, HIST_BOUNDS, bounds, nbounds);
    exemplars(w, HIST_EXEMPLARS, p);
    pbw_close(w, m);
}

void otlpm_expo_point(pbw *w, const otlpm_point *p, const otlpm_expo *e)
{
    size_t m = point_begin(w, p, EXP_ATTRIBUTES);
    otlpm_expo_write(w, e);
    exemplars(w, EXP_EXEMPLARS, p);
    pbw_close(w, m);
}
