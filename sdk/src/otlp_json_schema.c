/*
 * otlp_json_schema.c: the trace messages of opentelemetry-proto
 * (collector/trace/v1, trace/v1, resource/v1, common/v1) as the OTLP/JSON
 * writer sees them.
 */
#include "otlp_json_schema.h"

#define KEY(name) ",\"" name "\":", (uint8_t)(sizeof(",\"" name "\":") - 1)
#define SCALAR(num, name, kind) [num] = {KEY(name), kind, 0, NULL}
#define MESSAGE(num, name, flags, sub) [num] = {KEY(name), K_MESSAGE, flags, sub}
#define LIST(num, name, sub) MESSAGE(num, name, F_REPEATED, sub)
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
