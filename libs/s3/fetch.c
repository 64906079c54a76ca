/*
 * fetch.c: one GET from the bucket and the group that waits for it.
 */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define FETCH_TIMEOUT_MS 30000
#define PUT_MS_PER_MIB 1000 /* a PUT's timeout grows with its size: 1 MiB/s at worst */

void s3_fetch_group_init(s3_fetch_group *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->pending = 0;
}

void s3_fetch_group_fini(s3_fetch_group *g)
{
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

void s3_fetch_group_add(s3_fetch_group *g, s3_fetch *f)
{
    memset(&f->req, 0, sizeof(f->req));
    f->on_end = NULL;
    f->group = g;
    f->rc = 0;
    f->status = 0;
    f->body = NULL;
    f->len = 0;
    f->reason[0] = 0;
    pthread_mutex_lock(&g->mu);
    g->pending++;
    pthread_mutex_unlock(&g->mu);
}

void s3_fetch_group_wait(s3_fetch_group *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->pending)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

void s3_fetch_finish(s3_fetch *f, int rc, const char *reason)
{
    s3_fetch_group *g = f->group;
    f->rc = rc;
    if (reason && !f->reason[0])
        snprintf(f->reason, sizeof(f->reason), "%s", reason);
    s3_request_clear(&f->req);
    pthread_mutex_lock(&g->mu);
    g->pending--;
    pthread_cond_broadcast(&g->cv); /* f may be freed by its owner from here on */
    pthread_mutex_unlock(&g->mu);
}

/* Takes the answer out of the request, which frees it otherwise. A server
 * that ignored the range sent the whole object: the range is cut out. */
static int take_body(s3_fetch *f)
{
    f->body = f->req.response;
    f->len = f->req.response_len;
    f->req.response = NULL;
    f->req.response_len = 0;
    f->req.response_cap = 0;
    if (!f->range_len || f->status == 206)
        return f->range_len && f->len != f->range_len ? -EIO : 0;
    if (f->len < f->range_off + f->range_len)
        return -EIO;
    memmove(f->body, f->body + f->range_off, f->range_len);
    f->len = f->range_len;
    f->body[f->len] = 0;
    return 0;
}

static void on_done(void *arg, CURLcode crc)
{
    s3_fetch *f = arg;
    if (f->on_end)
        f->on_end(f->end_arg, f);
    if (crc != CURLE_OK) {
        snprintf(f->reason, sizeof(f->reason), "%s",
                 crc == CURLE_WRITE_ERROR ? "the object is larger than the query limit"
                 : f->req.errbuf[0]       ? f->req.errbuf
                                          : curl_easy_strerror(crc));
        s3_fetch_finish(f, crc == CURLE_WRITE_ERROR ? -EFBIG : -EIO, NULL);
        return;
    }
    curl_easy_getinfo(f->req.xfer.easy, CURLINFO_RESPONSE_CODE, &f->status);
    if (f->method && strcmp(f->method, "GET") != 0 && f->status / 100 == 2) {
        s3_fetch_finish(f, 0, NULL); /* PUT, DELETE: the answer says nothing more */
        return;
    }
    if (f->status == 200 || (f->status == 206 && f->range_len)) {
        int rc = take_body(f);
        s3_fetch_finish(f, rc, rc ? "the answer does not hold the range asked for" : NULL);
        return;
    }
    s3_error e;
    bool coded = s3_error_parse(f->req.response, f->req.response_len, &e);
    if (coded)
        snprintf(f->reason, sizeof(f->reason), "%s: %s (HTTP %ld)", e.code, e.message,
                 f->status);
    else
        snprintf(f->reason, sizeof(f->reason), "HTTP %ld", f->status);
    s3_fetch_finish(f, f->status == 404 ? -ENOENT : -EIO, NULL);
}

/* PUT and DELETE: the body (if any) from put_body, signed with its hash;
 * the request reads it through f->put_iov until it ends. */
static void write_spec(s3_fetch *f, s3_request_spec *spec)
{
    spec->method = f->method;
    if (strcmp(f->method, "PUT") != 0)
        return;
    f->put_iov.iov_base = (void *)f->put_body;
    f->put_iov.iov_len = f->put_len;
    spec->payload_hash = f->put_sha256;
    spec->content_type = f->content_type;
    spec->iov = &f->put_iov;
    spec->niov = 1;
    spec->len = f->put_len;
    spec->timeout_ms += (int64_t)(f->put_len >> 20) * PUT_MS_PER_MIB;
}

void s3_fetch_start(s3_fetch *f, const s3_client *c, const s3_creds *creds)
{
    char err[256], range[48];
    f->creds = creds;
    snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)f->range_off,
             (unsigned long long)(f->range_off + f->range_len - 1));
    s3_request_spec spec = {.method = "GET", .key = f->key, .query = f->query,
                            .nquery = f->nquery, .payload_hash = EMPTY_SHA256,
                            .timeout_ms = FETCH_TIMEOUT_MS, .creds = creds,
                            .range = f->range_len ? range : NULL,
                            .response_max = f->max_bytes};
    if (f->method && strcmp(f->method, "GET") != 0)
        write_spec(f, &spec);
    if (s3_request_start(&f->req, c, &spec, on_done, f, err, sizeof(err)) != 0)
        s3_fetch_finish(f, -EIO, err);
}
