/*
 * upload.c: the steps of one upload, driven by request completions.
 */
#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "s3/s3xml.h"

#define ABORT_TIMEOUT_MS 10000
/* SHA-256 of no bytes, for bodiless requests. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void on_request_done(void *arg, CURLcode rc);

static void finish(s3_upload *u, s3_verdict v, const char *reason)
{
    s3_request_clear(&u->req);
    u->done(u, v, v == S3_OK ? "" : reason);
}

static void start_abort(s3_upload *u);

/* A step failed: a started multipart upload is aborted first. */
static void fail(s3_upload *u, s3_verdict v, const char *reason)
{
    if (u->upload_id[0] && u->step != S3_STEP_ABORT) {
        u->failure = v;
        snprintf(u->reason, sizeof(u->reason), "%s", reason);
        start_abort(u);
        return;
    }
    finish(u, v, reason);
}

static void send_step(s3_upload *u, s3_request_spec *spec)
{
    char err[256];
    int64_t left = u->deadline_ns ? (u->deadline_ns - otelc_mono_ns()) / 1000000 : 0;
    if (u->step == S3_STEP_ABORT) {
        left = ABORT_TIMEOUT_MS;
    } else if (u->deadline_ns && left <= 0) {
        fail(u, S3_RETRY, "timeout: the upload took longer than the exporter's timeout");
        return;
    }
    spec->timeout_ms = left;
    spec->creds = u->creds;
    s3_request_clear(&u->req);
    int rc = s3_request_start(&u->req, u->client, spec, on_request_done, u, err, sizeof(err));
    if (rc != SIGV4_OK)
        fail(u, rc == SIGV4_EINVAL ? S3_PAUSE : S3_RETRY, err);
}

static void start_put(s3_upload *u)
{
    const s3_payload *p = u->payload;
    s3_request_spec spec = {.method = "PUT", .key = p->key, .object_headers = true,
                            .content_type = p->content_type, .payload_hash = p->sha256[0],
                            .iov = p->iov, .niov = p->niov, .off = 0, .len = p->len};
    u->step = S3_STEP_PUT;
    send_step(u, &spec);
}

static void start_initiate(s3_upload *u)
{
    static const sigv4_pair q[] = {{"uploads", NULL}};
    s3_request_spec spec = {.method = "POST", .key = u->payload->key, .query = q, .nquery = 1,
                            .object_headers = true, .content_type = u->payload->content_type,
                            .payload_hash = EMPTY_SHA256};
    u->step = S3_STEP_INITIATE;
    send_step(u, &spec);
}

static void start_part(s3_upload *u)
{
    const s3_payload *p = u->payload;
    char number[16];
    snprintf(number, sizeof(number), "%u", u->part + 1);
    sigv4_pair q[] = {{"partNumber", number}, {"uploadId", u->upload_id}};
    s3_request_spec spec = {.method = "PUT", .key = p->key, .query = q, .nquery = 2,
                            .payload_hash = p->sha256[u->part], .iov = p->iov, .niov = p->niov};
    s3_plan_range(&p->plan, p->len, u->part, &spec.off, &spec.len);
    u->step = S3_STEP_PART;
    send_step(u, &spec);
}

static void start_complete(s3_upload *u)
{
    size_t len = 0;
    free(u->complete_body);
    u->complete_body = s3_complete_body((const char(*)[S3_ETAG_SIZE])u->etags,
                                        u->payload->plan.nparts, &len);
    u->complete_iov = (struct iovec){u->complete_body, len};
    if (!u->complete_body || sigv4_payload_hash(&u->complete_iov, 1, u->complete_sha256) != 0) {
        fail(u, S3_RETRY, "out of memory building the multipart completion");
        return;
    }
    sigv4_pair q[] = {{"uploadId", u->upload_id}};
    s3_request_spec spec = {.method = "POST", .key = u->payload->key, .query = q, .nquery = 1,
                            .content_type = "application/xml",
                            .payload_hash = u->complete_sha256, .iov = &u->complete_iov,
                            .niov = 1, .len = len};
    u->step = S3_STEP_COMPLETE;
    send_step(u, &spec);
}

static void start_abort(s3_upload *u)
{
    sigv4_pair q[] = {{"uploadId", u->upload_id}};
    s3_request_spec spec = {.method = "DELETE", .key = u->payload->key, .query = q, .nquery = 1,
                            .payload_hash = EMPTY_SHA256};
    u->step = S3_STEP_ABORT;
    send_step(u, &spec);
}

static void after_initiate(s3_upload *u)
{
    const s3_request *r = &u->req;
    int n = s3_xml_text(r->response, r->response_len, "UploadId", u->upload_id,
                        sizeof(u->upload_id));
    if (n <= 0 || (size_t)n >= sizeof(u->upload_id) - 1) { /* absent, empty or cut */
        u->upload_id[0] = 0;
        fail(u, S3_RETRY, "no UploadId in the answer to a multipart initiation");
        return;
    }
    u->etags = calloc(u->payload->plan.nparts, sizeof(*u->etags));
    if (!u->etags) {
        fail(u, S3_RETRY, "out of memory");
        return;
    }
    u->part = 0;
    start_part(u);
}

static void after_part(s3_upload *u)
{
    if (!u->req.etag[0]) {
        fail(u, S3_RETRY, "no ETag in the answer to a part upload");
        return;
    }
    memcpy(u->etags[u->part], u->req.etag, sizeof(u->req.etag));
    if (++u->part < u->payload->plan.nparts)
        start_part(u);
    else
        start_complete(u);
}

static void after_abort(s3_upload *u, s3_verdict v, const char *reason)
{
    if (v != S3_OK)
        u->api->log(u->ctx, OTELC_LOG_WARN,
                    "could not abort multipart upload of %s: %s (its parts stay until a "
                    "bucket lifecycle rule removes incomplete uploads)",
                    u->payload->key, reason);
    finish(u, u->failure, u->reason);
}

static void on_request_done(void *arg, CURLcode rc)
{
    s3_upload *u = arg;
    char reason[384] = "";
    s3_verdict v = s3_request_outcome(&u->req, rc, reason, sizeof(reason));
    if (u->step == S3_STEP_ABORT) {
        after_abort(u, v, reason);
    } else if (v != S3_OK) {
        fail(u, v, reason);
    } else if (u->step == S3_STEP_INITIATE) {
        after_initiate(u);
    } else if (u->step == S3_STEP_PART) {
        after_part(u);
    } else {
        finish(u, S3_OK, "");
    }
}

void s3_upload_run(s3_upload *u)
{
    if (u->payload->plan.nparts > 1)
        start_initiate(u);
    else
        start_put(u);
}

void s3_upload_cancel(s3_upload *u)
{
    if (u->req.xfer.easy)
        s3_loop_cancel(u->client->loop, &u->req.xfer);
    s3_request_clear(&u->req);
}

void s3_upload_fini(s3_upload *u)
{
    s3_request_clear(&u->req);
    free(u->etags);
    free(u->complete_body);
    u->etags = NULL;
    u->complete_body = NULL;
}
