/*
 * answer.h: what a server's answer to an OTLP/gRPC Export call means, as
 * the collector's otlp_grpc exporter reads it. Pure functions, any thread;
 * the response parser is fed straight from nghttp2's callbacks and is the
 * part exposed to the network (tests/fuzz/fuzz_otlp_grpc_answer.c).
 *
 *   grpc-status 0                       OK; a partial_success in the
 *                                       Export*ServiceResponse counts
 *                                       rejected items
 *   UNAVAILABLE, DEADLINE_EXCEEDED,     RETRY; a google.rpc.RetryInfo in
 *   ABORTED, CANCELLED, OUT_OF_RANGE,   grpc-status-details-bin is the least
 *   DATA_LOSS                           wait the server asked for
 *   RESOURCE_EXHAUSTED                  RETRY only with a RetryInfo (the
 *                                       server says it will recover), else
 *                                       REJECT
 *   anything else                       REJECT (INVALID_ARGUMENT, INTERNAL,
 *                                       UNAUTHENTICATED ...)
 *
 * Without a grpc-status the HTTP status and the HTTP/2 reset code are
 * mapped to a gRPC code as gRPC's own clients map them.
 */
#ifndef OTELC_OTLP_GRPC_ANSWER_H
#define OTELC_OTLP_GRPC_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#define OG_ANSWER_MAX 65536 /* bytes of a response message kept (it is a few) */

enum og_code {
    OG_CODE_OK = 0,
    OG_CODE_CANCELLED = 1,
    OG_CODE_UNKNOWN = 2,
    OG_CODE_INVALID_ARGUMENT = 3,
    OG_CODE_DEADLINE_EXCEEDED = 4,
    OG_CODE_NOT_FOUND = 5,
    OG_CODE_ALREADY_EXISTS = 6,
    OG_CODE_PERMISSION_DENIED = 7,
    OG_CODE_RESOURCE_EXHAUSTED = 8,
    OG_CODE_FAILED_PRECONDITION = 9,
    OG_CODE_ABORTED = 10,
    OG_CODE_OUT_OF_RANGE = 11,
    OG_CODE_UNIMPLEMENTED = 12,
    OG_CODE_INTERNAL = 13,
    OG_CODE_UNAVAILABLE = 14,
    OG_CODE_DATA_LOSS = 15,
    OG_CODE_UNAUTHENTICATED = 16,
};

/* A call's answer as it arrives: header fields of the response HEADERS
 * and trailers (or one Trailers-Only HEADERS), and the DATA deframed. */
typedef struct og_answer {
    int http_status;       /* :status; 0 until seen */
    int grpc_status;       /* -1 until seen */
    char message[384];     /* grpc-message, percent-decoded */
    char *details;         /* grpc-status-details-bin (base64), malloc'd, or NULL */
    size_t details_len;
    int encoding;          /* grpc-encoding of the response: og_compression */
    bool bad_encoding;     /* an encoding we cannot read */
    bool grpc_content;     /* content-type application/grpc[...] */
    /* the first response message */
    uint8_t prefix[5];
    size_t prefix_have;
    uint8_t *msg;          /* malloc'd, up to OG_ANSWER_MAX */
    size_t msg_len, msg_want;
    bool msg_compressed, msg_done, msg_too_big;
} og_answer;

typedef struct og_verdict {
    otelc_status status;    /* OTELC_OK, OTELC_RETRY or OTELC_REJECT */
    int code;               /* the gRPC status code */
    int64_t retry_after_ns; /* > 0: wait at least this long before the next attempt */
    bool retry_info;        /* a RetryInfo was present (even with no delay) */
    int64_t rejected;       /* items a partial_success rejected; 0 when none */
    char reason[512];       /* "rpc error: code = Unavailable desc = ..." or the partial message */
} og_verdict;

void og_answer_init(og_answer *a);
void og_answer_free(og_answer *a);

/* One header field of the response (HEADERS or trailers). */
void og_answer_header(og_answer *a, const uint8_t *name, size_t nlen, const uint8_t *value,
                      size_t vlen);

/* DATA bytes as they come; messages past the first are read and dropped. */
void og_answer_data(og_answer *a, const uint8_t *p, size_t n);

/* The verdict once the stream closed; h2_error is the RST_STREAM code
 * (0 when the stream ended normally). */
void og_answer_verdict(og_answer *a, uint32_t h2_error, og_verdict *v);

/* A verdict for a call that got no answer (no connection, deadline,
 * connection lost): code and a description. */
void og_verdict_local(og_verdict *v, int code, const char *desc);

/* The collector's shouldRetry. */
bool og_code_retryable(int code, bool has_retry_info);

/* grpc-go's name of a code ("Unavailable"); "Code(n)" for others. */
const char *og_code_name(int code, char *buf, size_t cap);

/* The code gRPC clients give an HTTP status without grpc-status. */
int og_code_of_http(int http_status);

/* The code gRPC clients give an RST_STREAM error code. */
int og_code_of_h2(uint32_t h2_error);

#endif /* OTELC_OTLP_GRPC_ANSWER_H */
