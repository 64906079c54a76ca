/*
 * s3error.h: what an S3 answer means for the batch being uploaded.
 *
 * S3 explains a refusal with an XML <Error> holding <Code> and <Message>;
 * the code, not the HTTP status alone, tells whether the batch should be
 * retried, whether the backend refuses everything (credentials, signature,
 * region, clock, bucket: a caller pauses and keeps its data), or
 * whether this one object can never be stored.
 */
#ifndef OTELC_S3_S3ERROR_H
#define OTELC_S3_S3ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum s3_verdict {
    S3_OK = 0,     /* stored */
    S3_RETRY = 1,  /* try this batch again later (5xx, throttling, network) */
    S3_PAUSE = 2,  /* the backend refuses everything: pause, keep the data */
    S3_REJECT = 3, /* this object can never be stored */
} s3_verdict;

typedef struct s3_error {
    char code[64];     /* "SignatureDoesNotMatch"; "" when the body had none */
    char message[256]; /* S3's message, printable ASCII only */
} s3_error;

/*
 * Reads <Code> and <Message> from an S3 XML error body (body may be NULL
 * when len is 0). Returns true when a code was found; out is always
 * filled (empty strings when absent). Pure; any thread.
 */
bool s3_error_parse(const char *body, size_t len, s3_error *out);

/*
 * The verdict for an HTTP status and S3 error code (NULL or "" when there
 * was none). Known codes decide first; an unknown code or a bare status
 * counts as RETRY for 5xx, 408 and 429, OK for 2xx, and PAUSE for anything
 * else, so an unexplained refusal never drops data. Pure; any thread.
 */
s3_verdict s3_classify(long http_status, const char *code);

/* "ok", "retry", "pause" or "reject". */
const char *s3_verdict_name(s3_verdict v);

#endif /* OTELC_S3_S3ERROR_H */
