/*
 * grpc_status.h: what the gRPC side answers, decided from pure inputs.
 *
 * Status codes, the mapping from pipeline outcomes to them, the checks of
 * request headers (path, content-type) and the percent-encoding that the
 * grpc-message trailer requires. Pure: no I/O, no globals, any thread.
 */
#ifndef OTELC_OTLP_GRPC_STATUS_H
#define OTELC_OTLP_GRPC_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include <otelc/plugin.h>

/* gRPC status codes used by the receiver (values from the gRPC spec). */
typedef enum grpc_code {
    GRPC_OK = 0,
    GRPC_CANCELLED = 1,
    GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
    GRPC_UNAUTHENTICATED = 16,
} grpc_code;

/* The services, one per signal; each has one method, Export. */
#define GRPC_TRACE_SERVICE "opentelemetry.proto.collector.trace.v1.TraceService"
#define GRPC_METRICS_SERVICE "opentelemetry.proto.collector.metrics.v1.MetricsService"
#define GRPC_LOGS_SERVICE "opentelemetry.proto.collector.logs.v1.LogsService"
#define GRPC_EXPORT_PATH "/" GRPC_TRACE_SERVICE "/Export"

typedef enum grpc_route {
    GRPC_ROUTE_EXPORT = 0,      /* a service's Export method */
    GRPC_ROUTE_NO_METHOD = 1,   /* one of the services, another method */
    GRPC_ROUTE_NO_SERVICE = 2,  /* any other service, or not a gRPC path */
} grpc_route;

/* Classifies a :path value of `n` bytes (not NUL-terminated); for the
 * first two routes *signal is the service's signal (else untouched). */
grpc_route grpc_route_of(const char *path, size_t n, otelc_signal *signal);

/* The service of a signal ("opentelemetry.proto.collector.logs.v1.
 * LogsService"); static text. */
const char *grpc_service_of(otelc_signal signal);

/* True for "application/grpc" alone or followed by "+..." or ";...". */
bool grpc_content_type_ok(const char *v, size_t n);

/*
 * The gRPC status a pipeline outcome answers with: OK → OK, RETRY →
 * UNAVAILABLE (the client retries later), REJECT → INVALID_ARGUMENT
 * (never retried). PENDING is not an answer; it maps to INTERNAL.
 */
grpc_code grpc_code_for_outcome(otelc_status st);

/*
 * Percent-encodes `msg` for the grpc-message trailer into `out` (`cap`
 * bytes, always NUL-terminated when cap > 0): bytes outside printable
 * ASCII and '%' become %XX. A message too long is cut at a character
 * boundary of the encoding. Returns the encoded length.
 */
size_t grpc_message_encode(const char *msg, char *out, size_t cap);

/* The canonical upper-case name of a code ("UNAVAILABLE"), for logs. */
const char *grpc_code_name(int code);

#endif /* OTELC_OTLP_GRPC_STATUS_H */
