/*
 * otlp_walk_signals.h: the allocation-free walker over OTLP metrics and
 * logs requests: the views of log records, metrics and data points.
 *
 * Part of the otelc plugin SDK. An ExportMetricsServiceRequest and an
 * ExportLogsServiceRequest have the trace request's two outer levels
 * with the same field numbers (ResourceMetrics / ResourceLogs: resource
 * 1, scope_* 2, schema_url 3; ScopeMetrics / ScopeLogs: scope 1, items 2,
 * schema_url 3), so otlp_walk_resource and otlp_walk_scope walk them as
 * they are; otlp_walk_log and otlp_walk_metric take the place of
 * otlp_walk_span one level down. The rules of otlp_walk.h hold: views
 * point into the caller's buffer, nothing is allocated, unknown fields are
 * skipped, a known field of the wrong wire type is OTLP_EWIRETYPE.
 *
 *     otlp_walk_init(&w, buf, len);
 *     while (otlp_walk_resource(&w, &r) > 0)
 *         while (otlp_walk_scope(&w, &s) > 0)
 *             while (otlp_walk_metric(&w, &m) > 0) {
 *                 otlp_list_iter it;
 *                 otlp_list_iter_init(&it, &m.points);
 *                 while (otlp_datapoint_next(&it, m.kind, &dp) > 0)
 *                     use(&m, &dp);
 *             }
 */
#ifndef OTELC_SDK_OTLP_WALK_SIGNALS_H
#define OTELC_SDK_OTLP_WALK_SIGNALS_H

#include <otelc/sdk/otlp_walk.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One LogRecord (logs/v1). */
typedef struct otlp_log {
    pb_bytes raw; /* the whole LogRecord body; the views below point into it */
    uint64_t time_unix_nano;
    uint64_t observed_time_unix_nano;
    int32_t severity_number; /* SeverityNumber: 0 unspecified, 1 TRACE .. 24 FATAL4 */
    pb_bytes severity_text;
    bool has_body;
    otlp_anyvalue body;      /* the body's value, one level decoded */
    otlp_list attrs;         /* field 6 */
    uint32_t dropped_attributes_count;
    uint32_t flags;
    pb_bytes trace_id;       /* empty or 16 bytes (validation checks it) */
    pb_bytes span_id;        /* empty or 8 bytes */
    pb_bytes event_name;
} otlp_log;

/* What a Metric holds: its data field's number. */
enum otlp_metric_kind {
    OTLP_METRIC_NONE = 0,
    OTLP_METRIC_GAUGE = 5,
    OTLP_METRIC_SUM = 7,
    OTLP_METRIC_HISTOGRAM = 9,
    OTLP_METRIC_EXP_HISTOGRAM = 10,
    OTLP_METRIC_SUMMARY = 11,
};

/* One Metric (metrics/v1). */
typedef struct otlp_metric {
    pb_bytes raw; /* the whole Metric body */
    pb_bytes name;
    pb_bytes description;
    pb_bytes unit;
    enum otlp_metric_kind kind; /* the last data field met, NONE without */
    pb_bytes data;              /* that field's body (Gauge, Sum, ...) */
    otlp_list points;           /* its data_points (field 1 of data) */
    int32_t temporality;        /* AggregationTemporality; 0 where it has none */
    bool monotonic;             /* Sum.is_monotonic */
    otlp_list metadata;         /* field 12: KeyValue */
} otlp_metric;

/* One data point of any kind; only what routing, matching and editing
 * read is decoded. */
typedef struct otlp_datapoint {
    pb_bytes raw;
    enum otlp_metric_kind kind; /* the metric's */
    otlp_list attrs;            /* field 7, 9 or 1 by kind */
    uint64_t start_time_unix_nano;
    uint64_t time_unix_nano;
    uint32_t flags;
} otlp_datapoint;

/*
 * Advances to the next LogRecord (otlp_walk_log) or Metric
 * (otlp_walk_metric) of the current scope of a logs or metrics request
 * and decodes it. Returns 1, 0 at the end of the scope, or a negative
 * OTLP_E* code (sticky, as every step of the walker).
 */
int otlp_walk_log(otlp_walker *w, otlp_log *out);
int otlp_walk_metric(otlp_walker *w, otlp_metric *out);

/* Decodes a LogRecord or Metric body (`raw` views it). OTLP_OK or < 0. */
int otlp_log_decode(pb_bytes body, otlp_log *out);
int otlp_metric_decode(pb_bytes body, otlp_metric *out);

/* The field number of a data point's attributes for a metric kind. */
uint32_t otlp_datapoint_attrs_field(enum otlp_metric_kind kind);

/* Decodes a data point body of a metric of `kind`. OTLP_OK or < 0. */
int otlp_datapoint_decode(pb_bytes body, enum otlp_metric_kind kind, otlp_datapoint *out);

/* Data point iteration over otlp_metric.points; same returns as
 * otlp_attr_next. */
int otlp_datapoint_next(otlp_list_iter *it, enum otlp_metric_kind kind, otlp_datapoint *out);

/* Counts the data points of a metric (its points list) without decoding
 * them. OTLP_OK with *n, or a negative code. */
int otlp_metric_count_points(const otlp_metric *m, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_OTLP_WALK_SIGNALS_H */
