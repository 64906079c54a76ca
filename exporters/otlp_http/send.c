/*
 * send.c: POSTs on the loop thread. Jobs come in from the consumer
 * threads, become libcurl easy handles on the multi handle of libs/s3's
 * loop, and end by completing their ticket (after a Retry-After wait on a
 * loop timer when the server asked for one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <otelc/sdk/clock.h>

#include "otlp_http.h"

static void on_transfer_done(void *arg, CURLcode rc);

/* ---- the answer, as libcurl hands it over ---- */

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
    oh_job *job = arg;
    size_t len = size * n;
    size_t take = OH_ANSWER_BODY_MAX - job->answer_len;
    take = len < take ? len : take;
    char *grown = take ? realloc(job->answer, job->answer_len + take + 1) : NULL;
    if (grown) { /* answers are mostly a few bytes: grown as they come */
        job->answer = grown;
        memcpy(job->answer + job->answer_len, p, take);
        job->answer_len += take;
        job->answer[job->answer_len] = 0;
    }
    return len; /* the rest of a long answer is of no use, but no error */
}

/* Copies a header's value (trimmed) into out when line is that header. */
static void header_value(const char *line, size_t len, const char *name, char *out,
                         size_t size, bool *seen)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0)
        return;
    const char *v = line + nl, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vl = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
    memcpy(out, v, vl);
    out[vl] = 0;
    if (seen)
        *seen = true;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    oh_job *job = arg;
    size_t len = size * n;
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new answer (after 100, a redirect) */
        job->content_type[0] = 0;
        job->retry_after[0] = 0;
        job->has_retry_after = false;
        return len;
    }
    header_value(p, len, "content-type:", job->content_type, sizeof(job->content_type), NULL);
    header_value(p, len, "retry-after:", job->retry_after, sizeof(job->retry_after),
                 &job->has_retry_after);
    return len;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
    oh_job *job = arg;
    return s3_body_read(&job->reader, buf, size * nitems);
}

/* libcurl rewinds a body it must send again (a redirect, a reused
 * connection that died): the same bytes are served. */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
    oh_job *job = arg;
    if (origin != SEEK_SET || offset < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    return s3_body_seek(&job->reader, (uint64_t)offset) == 0 ? CURL_SEEKFUNC_OK
                                                             : CURL_SEEKFUNC_FAIL;
}

/* ---- setting a transfer up ---- */

static void set_tls(CURL *e, const oh_tls *t)
{
    curl_easy_setopt(e, CURLOPT_SSLVERSION, t->min_version | t->max_version);
    if (t->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
    if (t->ca_pem) {
        struct curl_blob b = {(void *)t->ca_pem, strlen(t->ca_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
    }
    if (t->cert_file)
        curl_easy_setopt(e, CURLOPT_SSLCERT, t->cert_file);
    if (t->cert_pem) {
        struct curl_blob b = {(void *)t->cert_pem, strlen(t->cert_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
    }
    if (t->key_file)
        curl_easy_setopt(e, CURLOPT_SSLKEY, t->key_file);
    if (t->key_pem) {
        struct curl_blob b = {(void *)t->key_pem, strlen(t->key_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
    }
    if (t->skip_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

/* The connection keys of confighttp, as libcurl has them. */
static void set_connection(CURL *e, const ohttp *x)
{
    const oh_cfg *c = x->cfg;
    if (c->proxy_url && *c->proxy_url)
        curl_easy_setopt(e, CURLOPT_PROXY, c->proxy_url);
    if (c->read_buffer_size)
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)c->read_buffer_size);
    if (c->write_buffer_size)
        curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)c->write_buffer_size);
    if (c->idle_conn_timeout > 0)
        curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, (long)(c->idle_conn_timeout / 1000000000LL));
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, c->disable_keep_alives ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, c->force_attempt_http2 ? CURL_HTTP_VERSION_2TLS
                                                                     : CURL_HTTP_VERSION_1_1);
    if (x->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, x->connect_to);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (x->timeout_ns > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(x->timeout_ns / 1000000));
}

static void set_request(CURL *e, oh_job *job, const ohttp *x)
{
    curl_easy_setopt(e, CURLOPT_URL, oh_target_of(x, job->req)->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->req->body.len);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, job);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, job);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER,
                     job->headers ? job->headers
                                  : x->headers[otelc_signal_index(job->req->signal)]);
    /* Go's client follows redirects; 307 and 308 keep the POST. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
}

/* ---- a job's end ---- */

static void list_remove(ohttp *x, oh_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else
        x->running = job->next;
    if (job->next)
        job->next->prev = job->prev;
    job->next = job->prev = NULL;
}

static void list_add(ohttp *x, oh_job *job)
{
    job->prev = NULL;
    job->next = x->running;
    if (x->running)
        x->running->prev = job;
    x->running = job;
}

/* Completes the job's ticket and frees it: the end of every attempt. */
static void finish(ohttp *x, oh_job *job, otelc_status st)
{
    if (job->xfer.easy)
        curl_easy_cleanup(job->xfer.easy);
    otelc_ticket *t = job->ticket;
    if (job->owns_req) {
        oh_body_free(&job->req->body);
        free(job->req->metadata);
        free(job->req);
    }
    curl_slist_free_all(job->headers);
    free(job->answer);
    free(job);
    x->api->complete(t, st);
    pthread_mutex_lock(&x->mu);
    x->inflight--;
    pthread_cond_broadcast(&x->idle);
    pthread_mutex_unlock(&x->mu);
}

static void on_hold_done(evutil_socket_t fd, short what, void *arg)
{
    oh_job *job = arg;
    ohttp *x = job->owner;
    list_remove(x, job);
    finish(x, job, OTELC_RETRY);
}

/* The server asked to wait: the ticket completes with RETRY only then,
 * so the host's back-off starts after the wait. */
static void hold(ohttp *x, oh_job *job, int64_t wait_ns)
{
    pthread_mutex_lock(&x->mu);
    bool releasing = x->releasing; /* shutdown began: no new waits */
    pthread_mutex_unlock(&x->mu);
    if (releasing) {
        list_remove(x, job);
        finish(x, job, OTELC_RETRY);
        return;
    }
    wait_ns = wait_ns < OH_HOLD_MAX_NS ? wait_ns : OH_HOLD_MAX_NS;
    struct timeval tv = {(time_t)(wait_ns / 1000000000LL),
                         (suseconds_t)(wait_ns % 1000000000LL / 1000)};
    curl_easy_cleanup(job->xfer.easy);
    job->xfer.easy = NULL;
    evtimer_assign(&job->hold, s3_loop_base(x->loop), on_hold_done, job);
    if (evtimer_add(&job->hold, &tv) != 0) {
        list_remove(x, job);
        finish(x, job, OTELC_RETRY);
        return;
    }
    job->holding = true;
}

/* Failures no retry can fix without someone changing the config or the
 * server's certificate: the exporter pauses, and the host probes. */
static bool transport_is_config(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL ||
           rc == CURLE_URL_MALFORMAT || rc == CURLE_SSL_CRL_BADFILE ||
           rc == CURLE_SSL_ISSUER_ERROR;
}

static void transport_failed(ohttp *x, oh_job *job, CURLcode rc)
{
    oh_verdict v = {.status = OTELC_RETRY};
    snprintf(v.reason, sizeof(v.reason), "failed to make an HTTP request: %s",
             job->errbuf[0] ? job->errbuf : curl_easy_strerror(rc));
    oh_report(x, job->req, transport_is_config(rc) ? OH_OUT_PAUSE : OH_OUT_RETRY, &v);
    list_remove(x, job);
    finish(x, job, OTELC_RETRY);
}

static void on_transfer_done(void *arg, CURLcode rc)
{
    oh_job *job = arg;
    ohttp *x = job->owner;
    if (rc != CURLE_OK) {
        transport_failed(x, job, rc);
        return;
    }
    oh_response r = {.body = job->answer, .body_len = job->answer_len,
                     .content_type = job->content_type,
                     .retry_after = job->has_retry_after ? job->retry_after : NULL,
                     .now_real_ns = otelc_real_ns(), .signal = job->req->signal};
    curl_easy_getinfo(job->xfer.easy, CURLINFO_RESPONSE_CODE, &r.status);
    oh_verdict v;
    oh_classify(&r, &v);
    oh_report(x, job->req,
              v.status == OTELC_OK ? OH_OUT_OK : v.status == OTELC_RETRY ? OH_OUT_RETRY
                                                                         : OH_OUT_REJECT,
              &v);
    if (v.status == OTELC_OK)
        x->api->metric_add(x->bytes, (double)job->req->body.len);
    if (v.status == OTELC_RETRY && v.retry_after_ns > 0) {
        hold(x, job, v.retry_after_ns);
        return;
    }
    list_remove(x, job);
    finish(x, job, v.status);
}

/* ---- the loop's work ---- */

static void start_job(ohttp *x, oh_job *job)
{
    CURL *e = curl_easy_init();
    job->xfer = (s3_transfer){e, on_transfer_done, job};
    list_add(x, job);
    if (!e) {
        list_remove(x, job);
        finish(x, job, OTELC_RETRY);
        return;
    }
    s3_body_init(&job->reader, job->req->body.iov, job->req->body.niov, 0, job->req->body.len);
    set_request(e, job, x);
    set_connection(e, x);
    set_tls(e, &x->set.tls);
    if (s3_loop_add(x->loop, &job->xfer) != 0) {
        list_remove(x, job);
        finish(x, job, OTELC_RETRY);
    }
}

/* Shutdown: held jobs end now; with cancel, running transfers too. */
static void end_jobs(ohttp *x, bool cancel)
{
    oh_job *job = x->running;
    while (job) {
        oh_job *next = job->next;
        if (job->holding || cancel) {
            if (job->holding)
                evtimer_del(&job->hold);
            else
                s3_loop_cancel(x->loop, &job->xfer);
            list_remove(x, job);
            finish(x, job, OTELC_RETRY);
        }
        job = next;
    }
}

void oh_on_wake(void *arg)
{
    ohttp *x = arg;
    pthread_mutex_lock(&x->mu);
    oh_job *list = x->incoming;
    x->incoming = NULL;
    x->incoming_tail = &x->incoming;
    bool release = x->releasing, cancel = x->cancelling;
    pthread_mutex_unlock(&x->mu);
    if (release || cancel)
        end_jobs(x, cancel);
    while (list) {
        oh_job *job = list;
        list = job->next;
        if (cancel)
            finish(x, job, OTELC_RETRY);
        else
            start_job(x, job);
    }
}

bool oh_submit(ohttp *x, oh_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&x->mu);
    bool taken = x->accepting;
    if (taken) {
        *x->incoming_tail = job;
        x->incoming_tail = &job->next;
        x->inflight++;
    }
    pthread_mutex_unlock(&x->mu);
    if (taken)
        s3_loop_wake(x->loop);
    return taken;
}

/* ---- what every request shares ---- */

static int add(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

/* One target's lines: ours first, skipping what the config's headers set
 * (they win, as in the collector), then the config's. Only the Host line
 * of a server_name_override differs between targets. */
static int target_headers(ohttp *x, unsigned k)
{
    static const char *const types[] = {"Content-Type: application/x-protobuf",
                                        "Content-Type: application/json"};
    const oh_headers *u = &x->user_headers;
    const oh_target *t = &x->set.target[k];
    struct curl_slist **own = &x->own[k];
    char enc[64];
    snprintf(enc, sizeof(enc), "Content-Encoding: %s", oh_compression_name(x->set.compression));
    int bad = oh_headers_has(u, "Content-Type") ? 0 : add(own, types[x->set.encoding]);
    if (x->set.compression != OH_NONE)
        bad |= add(own, enc);
    if (!oh_headers_has(u, "User-Agent"))
        bad |= add(own, "User-Agent: otelc/" OTELC_VERSION);
    bad |= add(own, "Expect:"); /* no 100-continue round trip */
    if (t->host_header[0] && !oh_headers_has(u, "Host"))
        bad |= add(own, t->host_header);
    for (const struct curl_slist *o = *own; o; o = o->next)
        bad |= add(&x->headers[k], o->data);
    for (size_t i = 0; i < u->n; i++)
        bad |= add(&x->headers[k], u->lines[i]);
    if (t->connect_to[0])
        bad |= add(&x->connect_to, t->connect_to);
    return bad;
}

int oh_send_setup(ohttp *x)
{
    int bad = 0;
    for (unsigned k = 0; k < 3; k++)
        if (x->set.target[k].on)
            bad |= target_headers(x, k);
    CURLM *m = s3_loop_multi(x->loop);
    if (x->cfg->max_idle_conns > 0)
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)x->cfg->max_idle_conns);
    if (x->cfg->max_conns_per_host > 0)
        curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)x->cfg->max_conns_per_host);
    return bad ? -1 : 0;
}
