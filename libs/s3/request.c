/*
 * request.c: building, signing and reading one S3 request.
 */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SMALL_BODY (1u << 20) /* below this, skip the 100-continue round trip */

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
    s3_request *r = arg;
    return s3_body_read(&r->body, buf, size * nitems);
}

/* libcurl rewinds a body it must send again (redirect, dead reused
 * connection); serving the same bytes keeps the signature valid. */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
    s3_request *r = arg;
    if (origin != SEEK_SET || offset < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    return s3_body_seek(&r->body, (uint64_t)offset) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* Makes room for want more bytes of the answer; false past its limit. */
static bool response_room(s3_request *r, size_t want)
{
    size_t max = r->response_max ? r->response_max : S3_RESPONSE_MAX;
    if (r->response_len + want > max)
        return false;
    if (r->response_len + want <= r->response_cap)
        return true;
    size_t cap = r->response_cap ? r->response_cap : 16384;
    while (cap < r->response_len + want)
        cap *= 2;
    cap = cap < max ? cap : max;
    char *p = realloc(r->response, cap + 1);
    if (!p)
        return false;
    r->response = p;
    r->response_cap = cap;
    return true;
}

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
    s3_request *r = arg;
    size_t len = size * n;
    size_t max = r->response_max ? r->response_max : S3_RESPONSE_MAX;
    size_t take = len < max - r->response_len ? len : max - r->response_len;
    if (r->response_max && take < len)
        return 0; /* a whole answer was asked for and it is too big: fail */
    if (take && response_room(r, take)) {
        memcpy(r->response + r->response_len, p, take);
        r->response_len += take;
        r->response[r->response_len] = 0;
    } else if (take && r->response_max) {
        return 0; /* out of memory for an answer that matters */
    }
    return len; /* the rest of a long error answer is of no use, but not an error */
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    s3_request *r = arg;
    size_t len = size * n;
    if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
        const char *v = p + 5, *end = p + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        size_t vl = (size_t)(end - v) < S3_ETAG_SIZE - 1 ? (size_t)(end - v) : 0;
        memcpy(r->etag, v, vl);
        r->etag[vl] = 0;
    }
    return len;
}

/* "path_prefix/key", unencoded: what the signer signs. The bucket itself
 * (key "") is "/bucket" in path style, as S3's SDKs send it, else "/". */
static char *raw_path(const s3_endpoint *s, const char *key)
{
    size_t n = strlen(s->path_prefix) + strlen(key) + 2;
    char *p = malloc(n);
    if (p && !*key && s->path_prefix[0])
        snprintf(p, n, "%s", s->path_prefix);
    else if (p)
        snprintf(p, n, "%s/%s", s->path_prefix, key);
    return p;
}

/* Appends the encoded query to url (which has room). */
static void put_query(char *url, size_t cap, const sigv4_pair *q, size_t nq)
{
    size_t w = strlen(url);
    for (size_t i = 0; i < nq && w < cap; i++) {
        url[w++] = i ? '&' : '?';
        w += sigv4_uri_encode(url + w, cap - w, q[i].name, strlen(q[i].name));
        if (q[i].value && w < cap) {
            url[w++] = '=';
            w += sigv4_uri_encode(url + w, cap - w, q[i].value, strlen(q[i].value));
        }
    }
}

static char *build_url(const s3_endpoint *s, const char *path, const sigv4_pair *q, size_t nq)
{
    size_t need = strlen(s->base_url) + sigv4_uri_encode_path(NULL, 0, path, strlen(path)) + 1;
    for (size_t i = 0; i < nq; i++)
        need += 2 + sigv4_uri_encode(NULL, 0, q[i].name, strlen(q[i].name)) +
                (q[i].value ? sigv4_uri_encode(NULL, 0, q[i].value, strlen(q[i].value)) : 0);
    char *url = malloc(need);
    if (!url)
        return NULL;
    size_t w = (size_t)snprintf(url, need, "%s", s->base_url);
    sigv4_uri_encode_path(url + w, need - w, path, strlen(path));
    put_query(url, need, q, nq);
    return url;
}

/* The headers signed besides those the signer adds itself. */
static size_t signed_headers(const s3_object_headers *s, const s3_request_spec *spec,
                             sigv4_pair *h)
{
    size_t n = 0;
    if (spec->content_type)
        h[n++] = (sigv4_pair){"content-type", spec->content_type};
    if (!spec->object_headers || !s)
        return n;
    if (!spec->content_type)
        h[n++] = (sigv4_pair){"content-type", s->content_type};
    if (s->content_encoding)
        h[n++] = (sigv4_pair){"content-encoding", s->content_encoding};
    if (s->storage_class[0])
        h[n++] = (sigv4_pair){"x-amz-storage-class", s->storage_class};
    if (s->acl[0])
        h[n++] = (sigv4_pair){"x-amz-acl", s->acl};
    return n;
}

static int add_line(s3_request *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (!l)
        return -1;
    r->headers = l;
    return 0;
}

static int add_header(s3_request *r, const char *name, const char *value)
{
    char line[SIGV4_AUTHORIZATION_SIZE + 64];
    int n = snprintf(line, sizeof(line), "%s: %s", name, value);
    return n > 0 && (size_t)n < sizeof(line) ? add_line(r, line) : -1;
}

/* A session token can be long: its header is built to size. */
static int add_token(s3_request *r, const char *token)
{
    size_t n = strlen(token) + sizeof("x-amz-security-token: ");
    char *line = malloc(n);
    if (!line)
        return -1;
    snprintf(line, n, "x-amz-security-token: %s", token);
    int rc = add_line(r, line);
    explicit_bzero(line, n);
    free(line);
    return rc;
}

static int sign_into_headers(s3_request *r, const s3_client *c, const s3_request_spec *spec,
                             const char *path)
{
    const s3_endpoint *s = c->ep;
    sigv4_pair h[8];
    size_t nh = signed_headers(c->obj, spec, h);
    sigv4_request req = {spec->method, path, s->host_header, spec->query, spec->nquery, h, nh,
                         spec->payload_hash, NULL, 0};
    sigv4_credentials cr = {spec->creds->access_key_id, spec->creds->secret_access_key,
                            spec->creds->session_token};
    sigv4_scope scope = {s->region, "s3", time(NULL), 0};
    sigv4_result out;
    int rc = sigv4_sign(c->signer, &cr, &scope, &req, &out, NULL);
    if (rc != SIGV4_OK)
        return rc;
    int bad = add_header(r, "Host", s->host_header);
    for (size_t i = 0; i < nh; i++)
        bad |= add_header(r, h[i].name, h[i].value);
    bad |= add_header(r, "Authorization", out.authorization);
    bad |= add_header(r, "x-amz-date", out.amz_date);
    bad |= add_header(r, "x-amz-content-sha256", out.content_sha256);
    if (cr.session_token && *cr.session_token)
        bad |= add_token(r, cr.session_token);
    if (spec->len < SMALL_BODY)
        bad |= add_line(r, "Expect:"); /* an empty value removes it */
    explicit_bzero(&out, sizeof(out));
    return bad ? SIGV4_ECRYPTO : SIGV4_OK;
}

static void set_limits(CURL *e, int64_t timeout_ms)
{
    if (timeout_ms > 0) {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms
                                                                                   : 10000));
        return;
    }
    /* No overall limit: still give up on a dead peer. */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
}

static void set_options(s3_request *r, const s3_endpoint *s, const s3_request_spec *spec,
                        const char *url)
{
    CURL *e = r->xfer.easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(spec->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_RANGE, spec->range); /* NULL: the whole object */
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, spec->method);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)spec->len);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "otelc-awss3/" OTELC_VERSION);
    if (s->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
    if (s->insecure_skip_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    set_limits(e, spec->timeout_ms);
}

int s3_request_start(s3_request *r, const s3_client *c, const s3_request_spec *spec,
                     void (*done)(void *arg, CURLcode rc), void *arg, char *err,
                     size_t err_size)
{
    memset(r, 0, sizeof(*r));
    r->response_max = spec->response_max;
    s3_body_init(&r->body, spec->iov, spec->niov, spec->off, spec->len);
    r->xfer = (s3_transfer){curl_easy_init(), done, arg};
    char *path = raw_path(c->ep, spec->key);
    char *url = path ? build_url(c->ep, path, spec->query, spec->nquery) : NULL;
    int rc = r->xfer.easy && url ? sign_into_headers(r, c, spec, path) : SIGV4_ECRYPTO;
    if (rc == SIGV4_OK) {
        set_options(r, c->ep, spec, url); /* libcurl copies the URL */
        if (s3_loop_add(c->loop, &r->xfer) != 0)
            rc = SIGV4_ECRYPTO;
    }
    free(url);
    free(path);
    if (rc != SIGV4_OK) {
        snprintf(err, err_size, "cannot prepare %s request: %s", spec->method,
                 rc == SIGV4_ECRYPTO ? "out of memory" : sigv4_strerror(rc));
        s3_request_clear(r);
    }
    return rc;
}

void s3_request_clear(s3_request *r)
{
    if (r->xfer.easy)
        curl_easy_cleanup(r->xfer.easy);
    /* The headers may carry a session token: wipe before freeing. */
    for (struct curl_slist *l = r->headers; l; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(r->headers);
    free(r->response);
    r->xfer.easy = NULL;
    r->headers = NULL;
    r->response = NULL;
    r->response_len = 0;
    r->response_cap = 0;
}

/* Failures no retry can fix: the endpoint or its certificate is wrong. */
static bool transport_is_config(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL ||
           rc == CURLE_URL_MALFORMAT;
}

s3_verdict s3_request_outcome(const s3_request *r, CURLcode rc, char *reason, size_t size)
{
    if (rc != CURLE_OK) {
        snprintf(reason, size, "connection: %s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
        return transport_is_config(rc) ? S3_PAUSE : S3_RETRY;
    }
    long status = 0;
    curl_easy_getinfo(r->xfer.easy, CURLINFO_RESPONSE_CODE, &status);
    s3_error e;
    bool coded = s3_error_parse(r->response, r->response_len, &e);
    /* A 200 can carry an error (CompleteMultipartUpload does that). */
    bool failed = status < 200 || status >= 300 || (coded && strstr(r->response, "<Error>"));
    if (!failed)
        return S3_OK;
    if (coded)
        snprintf(reason, size, "%s: %s (HTTP %ld)", e.code, e.message, status);
    else
        snprintf(reason, size, "HTTP %ld", status);
    return s3_classify(status, coded ? e.code : NULL);
}
