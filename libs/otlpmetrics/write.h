/*
 * write.h: an ExportMetricsServiceRequest written piece by piece.
 *
 *   pbw w; pbw_init(&w);
 *   otlpm_frame r = otlpm_resource_begin(&w, attrs, alen, "scope");
 *   otlpm_frame m = otlpm_metric_begin(&w, "calls", "Calls.", "", OTLPM_SUM);
 *   otlpm_sum_point(&w, &point, 42, NULL, 0);
 *   otlpm_metric_end(&w, m, OTLPM_CUMULATIVE);
 *   otlpm_resource_end(&w, r);
 *
 * Any number of resources, metrics per resource and points per metric;
 * the bytes left in w are the request. Field numbers are those of
 * opentelemetry/proto/metrics/v1/metrics.proto.
 */
#ifndef OTLPMETRICS_WRITE_H
#define OTLPMETRICS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "pbw.h"

enum otlpm_temporality { OTLPM_DELTA = 1, OTLPM_CUMULATIVE = 2 };
enum otlpm_kind { OTLPM_SUM, OTLPM_HISTOGRAM, OTLPM_EXPONENTIAL };

/* Marks of the nested messages one begin opened. */
typedef struct otlpm_frame {
    size_t outer, inner;
    enum otlpm_kind kind;
} otlpm_frame;

/* One exemplar: the span behind a measurement. */
typedef struct otlpm_exemplar {
    uint8_t trace_id[16], span_id[8];
    double value;
} otlpm_exemplar;

/* What every data point has: its attribute blob (attrs.h) and times. */
typedef struct otlpm_point {
    const uint8_t *attrs;
    size_t alen;
    uint64_t start_ns, time_ns;
    const otlpm_exemplar *ex; /* exemplars, stamped with time_ns; may be NULL */
    size_t nex;
} otlpm_point;

/* A ResourceMetrics with these resource attributes and one ScopeMetrics
 * of scope `scope`. */
otlpm_frame otlpm_resource_begin(pbw *w, const uint8_t *attrs, size_t alen, const char *scope);
void otlpm_resource_end(pbw *w, otlpm_frame f);

/* A Metric of kind; description and unit may be "" (not written). A
 * description becomes the Prometheus exporter's HELP text. */
otlpm_frame otlpm_metric_begin(pbw *w, const char *name, const char *description,
                               const char *unit, enum otlpm_kind kind);
/* Closes it with its temporality (sums are monotonic). */
void otlpm_metric_end(pbw *w, otlpm_frame f, enum otlpm_temporality t);

void otlpm_sum_point(pbw *w, const otlpm_point *p, int64_t value);
void otlpm_hist_point(pbw *w, const otlpm_point *p, const double *bounds, size_t nbounds,
                      const otlpm_hist *h);
void otlpm_expo_point(pbw *w, const otlpm_point *p, const otlpm_expo *e);

#endif /* OTLPMETRICS_WRITE_H */
