/*
 * answer.h: what a server's answer to an OTLP/HTTP export means, as the
 * collector's otlphttp exporter reads it. Pure functions, any thread.
 *
 *   2xx                  OK; a partial_success in the Export*ServiceResponse
 *                        (protobuf or JSON, by Content-Type) counts rejected
 *                        items (spans, data points, log records)
 *   429, 502, 503, 504   RETRY; for 429 and 503 a Retry-After (seconds or an
 *                        HTTP date) is the least wait the server asked for
 *   anything else        REJECT: permanent (400, 401, 403, 404, 413, 500 ...)
 *
 * The body of a failure is a google.rpc.Status (protobuf or JSON); its
 * message goes into the verdict's reason.
 */
#ifndef OTELC_OTLP_HTTP_ANSWER_H
#define OTELC_OTLP_HTTP_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#define OH_ANSWER_BODY_MAX 65536 /* bytes of an answer read, as the collector */

typedef struct oh_response {
    long status;              /* the HTTP status */
    const char *body;         /* the first OH_ANSWER_BODY_MAX bytes; may be NULL */
    size_t body_len;
    const char *content_type; /* the answer's Content-Type, or NULL */
    const char *retry_after;  /* the Retry-After value, or NULL when absent */
    int64_t now_real_ns;      /* for an HTTP date */
    otelc_signal signal;      /* the request's: which response it is (0: traces) */
} oh_response;

typedef struct oh_verdict {
    otelc_status status;    /* OTELC_OK, OTELC_RETRY or OTELC_REJECT */
    int64_t retry_after_ns; /* > 0: wait at least this long before the next attempt */
    int64_t rejected;       /* items a partial_success rejected; 0 when none */
    char reason[512];       /* "HTTP 503, Message=..." or the partial-success message */
} oh_verdict;

/* Reads r into v. */
void oh_classify(const oh_response *r, oh_verdict *v);

/* The statuses the OTLP specification says to retry. */
bool oh_status_retryable(long status);

/* A Retry-After value (delay-seconds or an IMF-fixdate) as a wait from
 * now; 0 for a date in the past; -1 when it does not parse. */
int64_t oh_retry_after_ns(const char *value, int64_t now_real_ns);

#endif /* OTELC_OTLP_HTTP_ANSWER_H */
