/*
 * otlp_validate_schema.c: opentelemetry-proto's request messages (traces,
 * metrics, logs and what they share) as tables for the validator.
 */
#include "otlp_validate_schema.h"

#define WIRE(k)                                                                                    \
    ((k) == VK_VARINT || (k) == VK_PACKED_VARINT                ? PB_VARINT                       \
     : (k) == VK_FIXED64 || (k) == VK_PACKED_I64 ? PB_I64                                          \
     : (k) == VK_FIXED32                         ? PB_I32                                          \
                                                 : PB_LEN)
#define ONE(n, k) {n, k, false, NULL, WIRE(k)}
#define MANY(n, k) {n, k, true, NULL, WIRE(k)}
#define SUB(n, m) {n, VK_MSG, false, &(m), PB_LEN}
#define SUBS(n, m) {n, VK_MSG, true, &(m), PB_LEN}
#define SCHEMA(f, req, role) {f, sizeof(f) / sizeof((f)[0]) - 1, req, role, NULL}
#define ITEM(f, req, noun) {f, sizeof(f) / sizeof((f)[0]) - 1, req, ROLE_ITEM, noun}

/* ---- common/v1 and resource/v1 ---- */

/* The schema is recursive (AnyValue -> ArrayValue -> AnyValue). */
static const struct vmsg any_value_schema;

static const struct vfield array_value_fields[] = {[1] = SUBS("values", any_value_schema)};
static const struct vmsg array_value_schema = SCHEMA(array_value_fields, 0, ROLE_PLAIN);

static const struct vfield kvlist_value_fields[] = {[1] = SUBS("values", otlp_vkey_value)};
static const struct vmsg kvlist_value_schema = SCHEMA(kvlist_value_fields, 0, ROLE_PLAIN);

static const struct vfield any_value_fields[] = {
    [1] = ONE("string_value", VK_STRING),    [2] = ONE("bool_value", VK_VARINT),
    [3] = ONE("int_value", VK_VARINT),       [4] = ONE("double_value", VK_FIXED64),
    [5] = SUB("array_value", array_value_schema),   [6] = SUB("kvlist_value", kvlist_value_schema),
    [7] = ONE("bytes_value", VK_BYTES),      [8] = ONE("string_value_strindex", VK_VARINT),
};
static const struct vmsg any_value_schema = SCHEMA(any_value_fields, 0, ROLE_ANY);

static const struct vfield key_value_fields[] = {
    [1] = ONE("key", VK_STRING),
    [2] = SUB("value", any_value_schema),
    [3] = ONE("key_strindex", VK_VARINT),
};
const struct vmsg otlp_vkey_value = SCHEMA(key_value_fields, 0, ROLE_PLAIN);

static const struct vfield entity_ref_fields[] = {
    [1] = ONE("schema_url", VK_STRING),
    [2] = ONE("type", VK_STRING),
    [3] = MANY("id_keys", VK_STRING),
    [4] = MANY("description_keys", VK_STRING),
};
static const struct vmsg entity_ref_schema = SCHEMA(entity_ref_fields, 0, ROLE_PLAIN);

static const struct vfield resource_fields[] = {
    [1] = SUBS("attributes", otlp_vkey_value),
    [2] = ONE("dropped_attributes_count", VK_VARINT),
    [3] = SUBS("entity_refs", entity_ref_schema),
};
static const struct vmsg resource_schema = SCHEMA(resource_fields, 0, ROLE_PLAIN);

static const struct vfield scope_fields[] = {
    [1] = ONE("name", VK_STRING),
    [2] = ONE("version", VK_STRING),
    [3] = SUBS("attributes", otlp_vkey_value),
    [4] = ONE("dropped_attributes_count", VK_VARINT),
};
static const struct vmsg scope_schema = SCHEMA(scope_fields, 0, ROLE_PLAIN);

/* ---- trace/v1 ---- */

static const struct vfield status_fields[] = {
    [2] = ONE("message", VK_STRING),
    [3] = ONE("code", VK_VARINT),
};
static const struct vmsg status_schema = SCHEMA(status_fields, 0, ROLE_PLAIN);

static const struct vfield event_fields[] = {
    [1] = ONE("time_unix_nano", VK_FIXED64),
    [2] = ONE("name", VK_STRING),
    [3] = SUBS("attributes", otlp_vkey_value),
    [4] = ONE("dropped_attributes_count", VK_VARINT),
};
static const struct vmsg event_schema = SCHEMA(event_fields, 0, ROLE_PLAIN);

static const struct vfield link_fields[] = {
    [1] = ONE("trace_id", VK_ID16),
    [2] = ONE("span_id", VK_ID8),
    [3] = ONE("trace_state", VK_STRING),
    [4] = SUBS("attributes", otlp_vkey_value),
    [5] = ONE("dropped_attributes_count", VK_VARINT),
    [6] = ONE("flags", VK_FIXED32),
};
static const struct vmsg link_schema = SCHEMA(link_fields, VBIT(1) | VBIT(2), ROLE_PLAIN);

const struct vfield otlp_vspan_fields[] = {
    [1] = ONE("trace_id", VK_ID16),
    [2] = ONE("span_id", VK_ID8),
    [3] = ONE("trace_state", VK_STRING),
    [4] = ONE("parent_span_id", VK_ID8_OPT),
    [5] = ONE("name", VK_STRING),
    [6] = ONE("kind", VK_VARINT),
    [7] = ONE("start_time_unix_nano", VK_FIXED64),
    [8] = ONE("end_time_unix_nano", VK_FIXED64),
    [9] = SUBS("attributes", otlp_vkey_value),
    [10] = ONE("dropped_attributes_count", VK_VARINT),
    [11] = SUBS("events", event_schema),
    [12] = ONE("dropped_events_count", VK_VARINT),
    [13] = SUBS("links", link_schema),
    [14] = ONE("dropped_links_count", VK_VARINT),
    [15] = SUB("status", status_schema),
    [16] = ONE("flags", VK_FIXED32),
};
const struct vmsg otlp_vspan = ITEM(otlp_vspan_fields, VBIT(1) | VBIT(2), "span");

static const struct vfield scope_spans_fields[] = {
    [1] = SUB("scope", scope_schema),
    [2] = SUBS("spans", otlp_vspan),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg scope_spans_schema = SCHEMA(scope_spans_fields, 0, ROLE_PLAIN);

static const struct vfield resource_spans_fields[] = {
    [1] = SUB("resource", resource_schema),
    [2] = SUBS("scope_spans", scope_spans_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg resource_spans_schema = SCHEMA(resource_spans_fields, 0, ROLE_PLAIN);

static const struct vfield traces_request_fields[] = {
    [1] = SUBS("resource_spans", resource_spans_schema),
};
const struct vmsg otlp_vtraces_request = SCHEMA(traces_request_fields, 0, ROLE_PLAIN);

/* ---- metrics/v1 ---- */

static const struct vfield exemplar_fields[] = {
    [2] = ONE("time_unix_nano", VK_FIXED64),
    [3] = ONE("as_double", VK_FIXED64),
    [4] = ONE("span_id", VK_ID8_OPT),
    [5] = ONE("trace_id", VK_ID16_OPT),
    [6] = ONE("as_int", VK_FIXED64),
    [7] = SUBS("filtered_attributes", otlp_vkey_value),
};
static const struct vmsg exemplar_schema = SCHEMA(exemplar_fields, 0, ROLE_PLAIN);

static const struct vfield number_point_fields[] = {
    [2] = ONE("start_time_unix_nano", VK_FIXED64),
    [3] = ONE("time_unix_nano", VK_FIXED64),
    [4] = ONE("as_double", VK_FIXED64),
    [5] = SUBS("exemplars", exemplar_schema),
    [6] = ONE("as_int", VK_FIXED64),
    [7] = SUBS("attributes", otlp_vkey_value),
    [8] = ONE("flags", VK_VARINT),
};
static const struct vmsg number_point_schema = ITEM(number_point_fields, 0, "data point");

static const struct vfield histogram_point_fields[] = {
    [2] = ONE("start_time_unix_nano", VK_FIXED64),
    [3] = ONE("time_unix_nano", VK_FIXED64),
    [4] = ONE("count", VK_FIXED64),
    [5] = ONE("sum", VK_FIXED64),
    [6] = MANY("bucket_counts", VK_PACKED_I64),
    [7] = MANY("explicit_bounds", VK_PACKED_I64),
    [8] = SUBS("exemplars", exemplar_schema),
    [9] = SUBS("attributes", otlp_vkey_value),
    [10] = ONE("flags", VK_VARINT),
    [11] = ONE("min", VK_FIXED64),
    [12] = ONE("max", VK_FIXED64),
};
static const struct vmsg histogram_point_schema = ITEM(histogram_point_fields, 0, "data point");

static const struct vfield buckets_fields[] = {
    [1] = ONE("offset", VK_VARINT),
    [2] = MANY("bucket_counts", VK_PACKED_VARINT),
};
static const struct vmsg buckets_schema = SCHEMA(buckets_fields, 0, ROLE_PLAIN);

static const struct vfield exp_histogram_point_fields[] = {
    [1] = SUBS("attributes", otlp_vkey_value),
    [2] = ONE("start_time_unix_nano", VK_FIXED64),
    [3] = ONE("time_unix_nano", VK_FIXED64),
    [4] = ONE("count", VK_FIXED64),
    [5] = ONE("sum", VK_FIXED64),
    [6] = ONE("scale", VK_VARINT),
    [7] = ONE("zero_count", VK_FIXED64),
    [8] = SUB("positive", buckets_schema),
    [9] = SUB("negative", buckets_schema),
    [10] = ONE("flags", VK_VARINT),
    [11] = SUBS("exemplars", exemplar_schema),
    [12] = ONE("min", VK_FIXED64),
    [13] = ONE("max", VK_FIXED64),
    [14] = ONE("zero_threshold", VK_FIXED64),
};
static const struct vmsg exp_histogram_point_schema =
    ITEM(exp_histogram_point_fields, 0, "data point");

static const struct vfield quantile_fields[] = {
    [1] = ONE("quantile", VK_FIXED64),
    [2] = ONE("value", VK_FIXED64),
};
static const struct vmsg quantile_schema = SCHEMA(quantile_fields, 0, ROLE_PLAIN);

static const struct vfield summary_point_fields[] = {
    [2] = ONE("start_time_unix_nano", VK_FIXED64),
    [3] = ONE("time_unix_nano", VK_FIXED64),
    [4] = ONE("count", VK_FIXED64),
    [5] = ONE("sum", VK_FIXED64),
    [6] = SUBS("quantile_values", quantile_schema),
    [7] = SUBS("attributes", otlp_vkey_value),
    [8] = ONE("flags", VK_VARINT),
};
static const struct vmsg summary_point_schema = ITEM(summary_point_fields, 0, "data point");

/* Gauge and Summary have only their points; Sum, Histogram and
 * ExponentialHistogram add a temporality (and Sum is_monotonic). */
static const struct vfield gauge_fields[] = {[1] = SUBS("data_points", number_point_schema)};
static const struct vmsg gauge_schema = SCHEMA(gauge_fields, 0, ROLE_PLAIN);

static const struct vfield sum_fields[] = {
    [1] = SUBS("data_points", number_point_schema),
    [2] = ONE("aggregation_temporality", VK_VARINT),
    [3] = ONE("is_monotonic", VK_VARINT),
};
static const struct vmsg sum_schema = SCHEMA(sum_fields, 0, ROLE_PLAIN);

static const struct vfield histogram_fields[] = {
    [1] = SUBS("data_points", histogram_point_schema),
    [2] = ONE("aggregation_temporality", VK_VARINT),
};
static const struct vmsg histogram_schema = SCHEMA(histogram_fields, 0, ROLE_PLAIN);

static const struct vfield exp_histogram_fields[] = {
    [1] = SUBS("data_points", exp_histogram_point_schema),
    [2] = ONE("aggregation_temporality", VK_VARINT),
};
static const struct vmsg exp_histogram_schema = SCHEMA(exp_histogram_fields, 0, ROLE_PLAIN);

static const struct vfield summary_fields[] = {[1] = SUBS("data_points", summary_point_schema)};
static const struct vmsg summary_schema = SCHEMA(summary_fields, 0, ROLE_PLAIN);

static const struct vfield metric_fields[] = {
    [1] = ONE("name", VK_STRING),
    [2] = ONE("description", VK_STRING),
    [3] = ONE("unit", VK_STRING),
    [5] = SUB("gauge", gauge_schema),
    [7] = SUB("sum", sum_schema),
    [9] = SUB("histogram", histogram_schema),
    [10] = SUB("exponential_histogram", exp_histogram_schema),
    [11] = SUB("summary", summary_schema),
    [12] = SUBS("metadata", otlp_vkey_value),
};
static const struct vmsg metric_schema = SCHEMA(metric_fields, 0, ROLE_PLAIN);

static const struct vfield scope_metrics_fields[] = {
    [1] = SUB("scope", scope_schema),
    [2] = SUBS("metrics", metric_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg scope_metrics_schema = SCHEMA(scope_metrics_fields, 0, ROLE_PLAIN);

static const struct vfield resource_metrics_fields[] = {
    [1] = SUB("resource", resource_schema),
    [2] = SUBS("scope_metrics", scope_metrics_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg resource_metrics_schema = SCHEMA(resource_metrics_fields, 0, ROLE_PLAIN);

static const struct vfield metrics_request_fields[] = {
    [1] = SUBS("resource_metrics", resource_metrics_schema),
};
const struct vmsg otlp_vmetrics_request = SCHEMA(metrics_request_fields, 0, ROLE_PLAIN);

/* ---- logs/v1 ---- */

static const struct vfield log_record_fields[] = {
    [1] = ONE("time_unix_nano", VK_FIXED64),
    [2] = ONE("severity_number", VK_VARINT),
    [3] = ONE("severity_text", VK_STRING),
    [5] = SUB("body", any_value_schema),
    [6] = SUBS("attributes", otlp_vkey_value),
    [7] = ONE("dropped_attributes_count", VK_VARINT),
    [8] = ONE("flags", VK_FIXED32),
    [9] = ONE("trace_id", VK_ID16_OPT),
    [10] = ONE("span_id", VK_ID8_OPT),
    [11] = ONE("observed_time_unix_nano", VK_FIXED64),
    [12] = ONE("event_name", VK_STRING),
};
static const struct vmsg log_record_schema = ITEM(log_record_fields, 0, "log record");

static const struct vfield scope_logs_fields[] = {
    [1] = SUB("scope", scope_schema),
    [2] = SUBS("log_records", log_record_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg scope_logs_schema = SCHEMA(scope_logs_fields, 0, ROLE_PLAIN);

static const struct vfield resource_logs_fields[] = {
    [1] = SUB("resource", resource_schema),
    [2] = SUBS("scope_logs", scope_logs_schema),
    [3] = ONE("schema_url", VK_STRING),
};
static const struct vmsg resource_logs_schema = SCHEMA(resource_logs_fields, 0, ROLE_PLAIN);

static const struct vfield logs_request_fields[] = {
    [1] = SUBS("resource_logs", resource_logs_schema),
};
const struct vmsg otlp_vlogs_request = SCHEMA(logs_request_fields, 0, ROLE_PLAIN);
