/*
 * http_answer.h: what the HTTP port answers, built from pure inputs.
 *
 * An answer is a status, a content type and a small body held inline, so
 * building one allocates nothing: the ExportTraceServiceResponse of a
 * success, a google.rpc.Status of a failure in the request's own encoding
 * (protobuf or JSON, as OTLP/HTTP requires), or a line of text when the
 * request's encoding is not one OTLP knows. Transports (HTTP/1.1 and h2)
 * turn it into bytes. Pure: no I/O, no globals, any thread.
 */
#ifndef OTELC_OTLP_HTTP_ANSWER_H
#define OTELC_OTLP_HTTP_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a body is encoded: follows the request's Content-Type. */
typedef enum http_body_kind {
    HTTP_BODY_TEXT = 0,  /* text/plain: the request's type is unknown */
    HTTP_BODY_PROTO = 1, /* application/x-protobuf */
    HTTP_BODY_JSON = 2,  /* application/json */
} http_body_kind;

#define HTTP_ANSWER_BODY_MAX 640
/* Seconds a 503 asks clients to wait: the Retry-After value. */
#define HTTP_RETRY_AFTER "1"

typedef struct http_answer {
    int status;               /* 200, 400, 404, ... */
    const char *content_type; /* static text */
    bool retry_after;         /* send "Retry-After: HTTP_RETRY_AFTER" */
    bool allow_post;          /* send "Allow: POST" (405) */
    size_t len;
    uint8_t body[HTTP_ANSWER_BODY_MAX];
} http_answer;

/* 200 with an empty-partial-success ExportTraceServiceResponse: protobuf
 * 0a 00, JSON {"partialSuccess":{}}, as the collector sends it. */
void http_answer_ok(http_answer *a, http_body_kind kind);

/*
 * An error status with a google.rpc.Status body {code: grpc_code,
 * message: msg} (protobuf, or JSON {"code":3,"message":"..."}); as text,
 * the message alone. msg (borrowed; may be NULL) is cut to fit the body,
 * and bytes outside printable ASCII become '?', so the JSON stays valid.
 */
void http_answer_error(http_answer *a, http_body_kind kind, int status, int grpc_code,
                       const char *msg);

/* The reason phrase of a status ("Payload Too Large"); "Unknown" else. */
const char *http_reason(int status);

#endif /* OTELC_OTLP_HTTP_ANSWER_H */
