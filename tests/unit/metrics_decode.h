/*
 * metrics_decode.h: what a test needs to read the OTLP metrics a plugin
 * emitted on the test kit: the request decoded with protobuf-c, metrics
 * found by name, data points found by their string attributes.
 *
 * Decoded requests are protobuf-c's (free with md_free); pointers into
 * them live as long as the request.
 */
#ifndef TESTS_METRICS_DECODE_H
#define TESTS_METRICS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/testkit.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest md_req;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics md_resource;
typedef Opentelemetry__Proto__Metrics__V1__Metric md_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint md_number;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint md_hist;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint md_expo;
typedef Opentelemetry__Proto__Common__V1__KeyValue md_kv;

/* The i-th emitted batch decoded, or NULL (not a valid request). */
md_req *md_decode(otelc_test_host *h, size_t i);
void md_free(md_req *r);

/* The first metric of that name in the request (in any resource), or in
 * the resource whose service.name is service. NULL if none. */
md_metric *md_metric_named(const md_req *r, const char *name);
md_metric *md_metric_of(const md_req *r, const char *service, const char *name);

/* The value of attribute key among attrs as text (strings as they are,
 * bools as true/false, ints in decimal), or NULL if absent. */
const char *md_attr(md_kv *const *attrs, size_t n, const char *key);

/* The data point of m whose attributes include every key, value pair of
 * match (key, value, ..., NULL; value NULL: the key is absent), or NULL.
 * *count (may be NULL) gets how many points match. */
md_number *md_sum_point(const md_metric *m, const char *const *match, size_t *count);
md_hist *md_hist_point(const md_metric *m, const char *const *match, size_t *count);
md_expo *md_expo_point(const md_metric *m, const char *const *match, size_t *count);

/* Points of a metric of any type. */
size_t md_points(const md_metric *m);
/* Data points summed over every emitted batch from first on. */
size_t md_total_points(otelc_test_host *h, size_t first);

#endif /* TESTS_METRICS_DECODE_H */
