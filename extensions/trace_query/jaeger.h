/*
 * jaeger.h: OTLP spans in the Jaeger query API's JSON (what Grafana's
 * Jaeger data source reads), translated as the OpenTelemetry Collector's
 * Jaeger translator does: resources become processes (service.name is
 * the serviceName, the other attributes its tags), the parent a CHILD_OF
 * reference and links FOLLOWS_FROM ones, events logs, and the scope,
 * kind, status and trace state the tags otel.scope.name,
 * otel.scope.version, span.kind, otel.status_code, error,
 * otel.status_description and w3c.tracestate. Times are microseconds.
 * Pure functions; any thread.
 */
#ifndef OTELC_TQ_JAEGER_H
#define OTELC_TQ_JAEGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/sdk/otlp_walk.h>

#include "qout.h"

/* The service of spans whose resource has no service.name (OTel's rule). */
#define TQ_UNKNOWN_SERVICE "unknown_service"

/*
 * Writes one trace object {"traceID", "spans", "processes", "warnings"}
 * holding every span of the request pb (len bytes; built by tracebuild,
 * so all of one trace). Returns 0, -ENOMEM, or a negative OTLP_E* code
 * for a malformed request (the JSON is then cut).
 */
int jaeger_write_trace(qout *o, const uint8_t trace_id[16], const uint8_t *pb, size_t len);

/* One key/value condition of a search's tags. */
typedef struct jaeger_tag_cond {
    const char *key;
    const char *value;
} jaeger_tag_cond;

/*
 * True when the span satisfies every condition: a condition holds when the
 * span's attributes, its resource's, or the tags the translation adds
 * have the key with that value (compared as text). Pure.
 */
bool jaeger_tags_match(const otlp_resource *r, const otlp_scope *sc, const otlp_span *sp,
                       const jaeger_tag_cond *conds, size_t n);

#endif /* OTELC_TQ_JAEGER_H */
