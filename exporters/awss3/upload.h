/*
 * upload.h: one batch's way into S3, on the loop thread: a single PUT, or
 * a multipart upload (initiate, parts in order, complete) that is aborted
 * when any step fails. Each request is signed when it starts, against the
 * hashes the payload computed once.
 */
#ifndef OTELC_AWSS3_UPLOAD_H
#define OTELC_AWSS3_UPLOAD_H

#include <stdint.h>

#include <otelc/plugin.h>

#include "s3/creds.h"
#include "s3/multipart.h"
#include "payload.h"
#include "s3/request.h"
#include "s3/s3error.h"

typedef struct s3_upload s3_upload;

/* Called once on the loop thread when the upload ended; reason is ""
 * for S3_OK and a secret-free line otherwise. u stays the caller's. */
typedef void (*s3_upload_done_fn)(s3_upload *u, s3_verdict v, const char *reason);

typedef enum s3_upload_step {
    S3_STEP_PUT = 0,
    S3_STEP_INITIATE,
    S3_STEP_PART,
    S3_STEP_COMPLETE,
    S3_STEP_ABORT,
} s3_upload_step;

struct s3_upload {
    /* Set by the caller before s3_upload_run; all borrowed. */
    const s3_client *client;
    s3_payload *payload;
    const s3_creds *creds;
    int64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    s3_upload_done_fn done;
    void *arg;
    otelc_ctx *ctx;      /* for logging */
    const otelc_host_api *api;

    /* Progress, the upload's own. */
    s3_request req;
    s3_upload_step step;
    uint32_t part;         /* part being sent, 0-based */
    char upload_id[256];
    char (*etags)[S3_ETAG_SIZE];
    char *complete_body;
    struct iovec complete_iov;
    char complete_sha256[SIGV4_HASH_HEX_SIZE];
    s3_verdict failure;    /* what ended a multipart upload, kept over abort */
    char reason[384];
};

/* Starts the upload (loop thread). done follows, maybe before this
 * returns if nothing could be sent. */
void s3_upload_run(s3_upload *u);

/* Stops a running upload on the loop thread without calling done; frees
 * its request. For shutdown. */
void s3_upload_cancel(s3_upload *u);

/* Frees what the upload allocated (not the struct, payload or creds). */
void s3_upload_fini(s3_upload *u);

#endif /* OTELC_AWSS3_UPLOAD_H */
