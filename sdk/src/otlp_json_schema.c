/*
 * otlp_json_schema.c: the request messages of opentelemetry-proto
 * (trace/v1, metrics/v1, logs/v1, resource/v1, common/v1) as the OTLP/JSON
 * writer sees them.
 */
#include "otlp_json_schema.h"

#define KEY(name) ",\"" name "\":", (uint8_t)(sizeof(",\"" name "\":") - 1)
#define SCALAR(num, name, kind) [num] = {KEY(name), kind, 0, NULL}
#define MESSAGE(num, name, flags, sub) [num] = {KEY(name), K_MESSAGE, flags, sub}
#define LIST(num, name, sub) MESSAGE(num, name, F_REPEATED, sub)
#define PACKED(num, name, kind) [num] = {KEY(name), kind, F_REPEATED | F_PACKED, NULL}
#define OPTIONAL(num, name, kind) [num] = {KEY(name), kind, F_PRESENT, NULL}
#define ONEOF(num, name, kind) [num] = {KEY(name), kind, F_ONEOF, NULL}
#define SCHEMA(fields, anyvalue)                                                                   \
    {(fields), (uint8_t)(sizeof(fields) / sizeof((fields)[0]) - 1), (anyvalue)}

static const struct wschema any_value_schema, key_value_schema;

static const struct wfield array_value_fields[] = {
    LIST(1, "values", &any_value_schema),
};
static const struct wschema array_value_schema = SCHEMA(array_value_fields, false);

static const struct wfield kvlist_fields[] = {
    LIST(1, "values", &key_value_schema),
};
static const struct wschema kvlist_schema = SCHEMA(kvlist_fields, false);

static const struct wfield any_value_fields[] = {
    [1] = {KEY("stringValue"), K_STRING, F_ONEOF, NULL},
    [2] = {KEY("boolValue"), K_BOOL, F_ONEOF, NULL},
    [3] = {KEY("intValue"), K_INT64, F_ONEOF, NULL},
    [4] = {KEY("doubleValue"), K_DOUBLE, F_ONEOF, NULL},
    MESSAGE(5, "arrayValue", F_ONEOF, &array_value_schema),
    MESSAGE(6, "kvlistValue", F_ONEOF, &kvlist_schema),
    [7] = {KEY("bytesValue"), K_BYTES, F_ONEOF, NULL},
    [8] = {KEY("stringValueStrindex"), K_INT32, F_ONEOF, NULL},
};
static const struct wschema any_value_schema = SCHEMA(any_value_fields, true);

static const struct wfield key_value_fields[] = {
    SCALAR(1, "key", K_STRING),
    MESSAGE(2, "value", 0, &any_value_schema),
    SCALAR(3, "keyStrindex", K_INT32),
};
static const struct wschema key_value_schema = SCHEMA(key_value_fields, false);

static const struct wfield entity_ref_fields[] = {
    SCALAR(1, "schemaUrl", K_STRING),
    SCALAR(2, "type", K_STRING),
    [3] = {KEY("idKeys"), K_STRING, F_REPEATED, NULL},
    [4] = {KEY("descriptionKeys"), K_STRING, F_REPEATED, NULL},
};
static const struct wschema entity_ref_schema = SCHEMA(entity_ref_fields, false);

static const struct wfield resource_fields[] = {
    LIST(1, "attributes", &key_value_schema),
    SCALAR(2, "droppedAttributesCount", K_UINT32),
    LIST(3, "entityRefs", &entity_ref_schema),
};
static const struct wschema resource_schema = SCHEMA(resource_fields, false);

static const struct wfield scope_fields[] = {
    SCALAR(1, "name", K_STRING),
    SCALAR(2, "version", K_STRING),
    LIST(3, "attributes", &key_value_schema),
    SCALAR(4, "droppedAttributesCount", K_UINT32),
};
static const struct wschema scope_schema = SCHEMA(scope_fields, false);

static const struct wfield status_fields[] = {
    SCALAR(2, "message", K_STRING),
    SCALAR(3, "code", K_INT32),
};
static const struct wschema status_schema = SCHEMA(status_fields, false);

static const struct wfield event_fields[] = {
    SCALAR(1, "timeUnixNano", K_FIXED64),
    SCALAR(2, "name", K_STRING),
    LIST(3, "attributes", &key_value_schema),
    SCALAR(4, "droppedAttributesCount", K_UINT32),
};
static const struct wschema event_schema = SCHEMA(event_fields, false);

static const struct wfield link_fields[] = {
    SCALAR(1, "traceId", K_HEXID),
    SCALAR(2, "spanId", K_HEXID),
    SCALAR(3, "traceState", K_STRING),
    LIST(4, "attributes", &key_value_schema),
    SCALAR(5, "droppedAttributesCount", K_UINT32),
    SCALAR(6, "flags", K_FIXED32),
};
static const struct wschema link_schema = SCHEMA(link_fields, false);

static const struct wfield span_fields[] = {
    SCALAR(1, "traceId", K_HEXID),
    SCALAR(2, "spanId", K_HEXID),
    SCALAR(3, "traceState", K_STRING),
    SCALAR(4, "parentSpanId", K_HEXID),
    SCALAR(5, "name", K_STRING),
    SCALAR(6, "kind", K_INT32),
    SCALAR(7, "startTimeUnixNano", K_FIXED64),
    SCALAR(8, "endTimeUnixNano", K_FIXED64),
    LIST(9, "attributes", &key_value_schema),
    SCALAR(10, "droppedAttributesCount", K_UINT32),
    LIST(11, "events", &event_schema),
    SCALAR(12, "droppedEventsCount", K_UINT32),
    LIST(13, "links", &link_schema),
    SCALAR(14, "droppedLinksCount", K_UINT32),
    MESSAGE(15, "status", 0, &status_schema),
    SCALAR(16, "flags", K_FIXED32),
};
static const struct wschema span_schema = SCHEMA(span_fields, false);

static const struct wfield scope_spans_fields[] = {
    MESSAGE(1, "scope", 0, &scope_schema),
    LIST(2, "spans", &span_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
static const struct wschema scope_spans_schema = SCHEMA(scope_spans_fields, false);

static const struct wfield resource_spans_fields[] = {
    MESSAGE(1, "resource", 0, &resource_schema),
    LIST(2, "scopeSpans", &scope_spans_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
const struct wschema otlp_resource_spans_schema = SCHEMA(resource_spans_fields, false);

/* ---- metrics/v1 ---- */

static const struct wfield exemplar_fields[] = {
    SCALAR(2, "timeUnixNano", K_FIXED64),
    ONEOF(3, "asDouble", K_DOUBLE),
    SCALAR(4, "spanId", K_HEXID),
    SCALAR(5, "traceId", K_HEXID),
    ONEOF(6, "asInt", K_SFIXED64),
    LIST(7, "filteredAttributes", &key_value_schema),
};
static const struct wschema exemplar_schema = SCHEMA(exemplar_fields, false);

static const struct wfield number_point_fields[] = {
    SCALAR(2, "startTimeUnixNano", K_FIXED64),
    SCALAR(3, "timeUnixNano", K_FIXED64),
    ONEOF(4, "asDouble", K_DOUBLE),
    LIST(5, "exemplars", &exemplar_schema),
    ONEOF(6, "asInt", K_SFIXED64),
    LIST(7, "attributes", &key_value_schema),
    SCALAR(8, "flags", K_UINT32),
};
static const struct wschema number_point_schema = SCHEMA(number_point_fields, false);

static const struct wfield histogram_point_fields[] = {
    SCALAR(2, "startTimeUnixNano", K_FIXED64),
    SCALAR(3, "timeUnixNano", K_FIXED64),
    SCALAR(4, "count", K_FIXED64),
    OPTIONAL(5, "sum", K_DOUBLE),
    PACKED(6, "bucketCounts", K_FIXED64),
    PACKED(7, "explicitBounds", K_DOUBLE),
    LIST(8, "exemplars", &exemplar_schema),
    LIST(9, "attributes", &key_value_schema),
    SCALAR(10, "flags", K_UINT32),
    OPTIONAL(11, "min", K_DOUBLE),
    OPTIONAL(12, "max", K_DOUBLE),
};
static const struct wschema histogram_point_schema = SCHEMA(histogram_point_fields, false);

static const struct wfield buckets_fields[] = {
    SCALAR(1, "offset", K_SINT32),
    PACKED(2, "bucketCounts", K_UINT64),
};
static const struct wschema buckets_schema = SCHEMA(buckets_fields, false);

static const struct wfield exp_histogram_point_fields[] = {
    LIST(1, "attributes", &key_value_schema),
    SCALAR(2, "startTimeUnixNano", K_FIXED64),
    SCALAR(3, "timeUnixNano", K_FIXED64),
    SCALAR(4, "count", K_FIXED64),
    OPTIONAL(5, "sum", K_DOUBLE),
    SCALAR(6, "scale", K_SINT32),
    SCALAR(7, "zeroCount", K_FIXED64),
    MESSAGE(8, "positive", 0, &buckets_schema),
    MESSAGE(9, "negative", 0, &buckets_schema),
    SCALAR(10, "flags", K_UINT32),
    LIST(11, "exemplars", &exemplar_schema),
    OPTIONAL(12, "min", K_DOUBLE),
    OPTIONAL(13, "max", K_DOUBLE),
    SCALAR(14, "zeroThreshold", K_DOUBLE),
};
static const struct wschema exp_histogram_point_schema =
    SCHEMA(exp_histogram_point_fields, false);

static const struct wfield quantile_fields[] = {
    SCALAR(1, "quantile", K_DOUBLE),
    SCALAR(2, "value", K_DOUBLE),
};
static const struct wschema quantile_schema = SCHEMA(quantile_fields, false);

static const struct wfield summary_point_fields[] = {
    SCALAR(2, "startTimeUnixNano", K_FIXED64),
    SCALAR(3, "timeUnixNano", K_FIXED64),
    SCALAR(4, "count", K_FIXED64),
    SCALAR(5, "sum", K_DOUBLE),
    LIST(6, "quantileValues", &quantile_schema),
    LIST(7, "attributes", &key_value_schema),
    SCALAR(8, "flags", K_UINT32),
};
static const struct wschema summary_point_schema = SCHEMA(summary_point_fields, false);

static const struct wfield gauge_fields[] = {
    LIST(1, "dataPoints", &number_point_schema),
};
static const struct wschema gauge_schema = SCHEMA(gauge_fields, false);

static const struct wfield sum_fields[] = {
    LIST(1, "dataPoints", &number_point_schema),
    SCALAR(2, "aggregationTemporality", K_INT32),
    SCALAR(3, "isMonotonic", K_BOOL),
};
static const struct wschema sum_schema = SCHEMA(sum_fields, false);

static const struct wfield histogram_fields[] = {
    LIST(1, "dataPoints", &histogram_point_schema),
    SCALAR(2, "aggregationTemporality", K_INT32),
};
static const struct wschema histogram_schema = SCHEMA(histogram_fields, false);

static const struct wfield exp_histogram_fields[] = {
    LIST(1, "dataPoints", &exp_histogram_point_schema),
    SCALAR(2, "aggregationTemporality", K_INT32),
};
static const struct wschema exp_histogram_schema = SCHEMA(exp_histogram_fields, false);

static const struct wfield summary_fields[] = {
    LIST(1, "dataPoints", &summary_point_schema),
};
static const struct wschema summary_schema = SCHEMA(summary_fields, false);

static const struct wfield metric_fields[] = {
    SCALAR(1, "name", K_STRING),
    SCALAR(2, "description", K_STRING),
    SCALAR(3, "unit", K_STRING),
    MESSAGE(5, "gauge", F_ONEOF, &gauge_schema),
    MESSAGE(7, "sum", F_ONEOF, &sum_schema),
    MESSAGE(9, "histogram", F_ONEOF, &histogram_schema),
    MESSAGE(10, "exponentialHistogram", F_ONEOF, &exp_histogram_schema),
    MESSAGE(11, "summary", F_ONEOF, &summary_schema),
    LIST(12, "metadata", &key_value_schema),
};
static const struct wschema metric_schema = SCHEMA(metric_fields, false);

static const struct wfield scope_metrics_fields[] = {
    MESSAGE(1, "scope", 0, &scope_schema),
    LIST(2, "metrics", &metric_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
static const struct wschema scope_metrics_schema = SCHEMA(scope_metrics_fields, false);

static const struct wfield resource_metrics_fields[] = {
    MESSAGE(1, "resource", 0, &resource_schema),
    LIST(2, "scopeMetrics", &scope_metrics_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
const struct wschema otlp_resource_metrics_schema = SCHEMA(resource_metrics_fields, false);

/* ---- logs/v1 ---- */

static const struct wfield log_record_fields[] = {
    SCALAR(1, "timeUnixNano", K_FIXED64),
    SCALAR(2, "severityNumber", K_INT32),
    SCALAR(3, "severityText", K_STRING),
    MESSAGE(5, "body", 0, &any_value_schema),
    LIST(6, "attributes", &key_value_schema),
    SCALAR(7, "droppedAttributesCount", K_UINT32),
    SCALAR(8, "flags", K_FIXED32),
    SCALAR(9, "traceId", K_HEXID),
    SCALAR(10, "spanId", K_HEXID),
    SCALAR(11, "observedTimeUnixNano", K_FIXED64),
    SCALAR(12, "eventName", K_STRING),
};
static const struct wschema log_record_schema = SCHEMA(log_record_fields, false);

static const struct wfield scope_logs_fields[] = {
    MESSAGE(1, "scope", 0, &scope_schema),
    LIST(2, "logRecords", &log_record_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
static const struct wschema scope_logs_schema = SCHEMA(scope_logs_fields, false);

static const struct wfield resource_logs_fields[] = {
    MESSAGE(1, "resource", 0, &resource_schema),
    LIST(2, "scopeLogs", &scope_logs_schema),
    SCALAR(3, "schemaUrl", K_STRING),
};
const struct wschema otlp_resource_logs_schema = SCHEMA(resource_logs_fields, false);
