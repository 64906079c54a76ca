/*
 * h2_http.c: OTLP/HTTP exports on h2 streams of the HTTP port. The
 * request goes through the same exchange as on HTTP/1.1 (http_xchg.c);
 * the answer is an HTTP/2 response with the body held by the stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>

#include "grpc_status.h"
#include "otlp_recv.h"

/* A header whose name is a literal; the value is copied by nghttp2. */
#define NVC(n, v, vlen)                                                                            \
    {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vlen), NGHTTP2_NV_FLAG_NO_COPY_NAME}

static ssize_t body_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *src, void *user)
{
    otlp_stream *s = src->ptr;
    size_t n = s->ans->len - s->resp_sent;
    if (n > length)
        n = length;
    memcpy(buf, s->ans->body + s->resp_sent, n);
    s->resp_sent += n;
    if (s->resp_sent == s->ans->len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* Submits a's status, headers and body on s (answered once). */
static void h2x_answer(otlp_stream *s, const http_answer *a)
{
    if (!stream_settle(s))
        return;
    nghttp2_session *h2 = s->conn->h2;
    const otlp_http_opts *o = &s->conn->srv->set.http;
    s->ans = malloc(sizeof(*s->ans));
    nghttp2_nv nv[5 + OTLP_MAX_RESPONSE_HEADERS];
    size_t n = 0;
    char status[8], len[24];
    if (!s->ans)
        goto out_reset;
    memcpy(s->ans, a, sizeof(*a));
    snprintf(status, sizeof(status), "%d", a->status);
    snprintf(len, sizeof(len), "%zu", a->len);
    nv[n++] = (nghttp2_nv)NVC(":status", status, strlen(status));
    nv[n++] = (nghttp2_nv)NVC("content-type", a->content_type, strlen(a->content_type));
    nv[n++] = (nghttp2_nv)NVC("content-length", len, strlen(len));
    if (a->retry_after)
        nv[n++] = (nghttp2_nv)NVC("retry-after", HTTP_RETRY_AFTER, sizeof(HTTP_RETRY_AFTER) - 1);
    if (a->allow_post)
        nv[n++] = (nghttp2_nv)NVC("allow", "POST", 4);
    for (size_t i = 0; i < o->nheaders; i++)
        nv[n++] = (nghttp2_nv){(uint8_t *)o->headers[i].name, (uint8_t *)o->headers[i].value,
                               strlen(o->headers[i].name), strlen(o->headers[i].value),
                               NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    nghttp2_data_provider body = {.source.ptr = s, .read_callback = body_read};
    if (nghttp2_submit_response(h2, s->id, nv, n, a->len && !s->head ? &body : NULL) == 0)
        return;
out_reset:
    nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

static bool is(const uint8_t *name, size_t nlen, const char *lit)
{
    return strlen(lit) == nlen && memcmp(name, lit, nlen) == 0;
}

int h2x_header(otlp_stream *s, const uint8_t *name, size_t nlen, const uint8_t *value,
               size_t vlen)
{
    const otlp_settings *set = &s->conn->srv->set;
    if (is(name, nlen, ":method")) {
        hx_method(&s->hx, (const char *)value, vlen);
        s->head = is(value, vlen, "HEAD");
    }
    else if (is(name, nlen, ":path"))
        hx_target(&s->hx, (const char *)value, vlen);
    else
        hx_header(&s->hx, (const char *)name, nlen, (const char *)value, vlen);
    if (set->include_metadata && otlp_meta_wanted_http(name, nlen))
        return otlp_meta_add(&s->meta, name, nlen, value, vlen);
    return 0;
}

void h2x_headers_done(otlp_stream *s)
{
    http_answer a;
    char why[256];
    otlp_recv *r = s->conn->r;
    bool draining = atomic_load(&r->draining), full = !draining && otlp_pipeline_full(r);
    s->body_ns = otelc_mono_ns();
    /* confighttp authenticates before anything else looks at a request. */
    if (s->conn->srv->auth && !otlp_auth_pass(s->conn->srv, &s->authh, why, sizeof(why))) {
        http_answer_error(&a, s->hx.kind, 401, GRPC_UNAUTHENTICATED, why);
        h2x_answer(s, &a);
        return;
    }
    if (!hx_head_check(&s->hx, draining, full, &a)) {
        conn_timer_arm(s->conn); /* min_body_rate's deadline may come first */
        return;
    }
    if (full && a.status == 503)
        otlp_count_early(r);
    h2x_answer(s, &a);
}

void h2x_data(otlp_stream *s, const uint8_t *p, size_t n)
{
    http_answer a;
    if (s->answered)
        return;
    s->body_got += n;
    conn_held_add(s->conn, &s->held, n);
    if (hx_body(&s->hx, p, n, &a))
        h2x_answer(s, &a);
}

static void h2x_emit(otlp_stream *s, uint8_t *pb, size_t len, size_t items)
{
    otlp_conn *c = s->conn;
    http_answer a;
    otlp_meta *meta = c->srv->set.include_metadata ? &s->meta : NULL;
    otlp_request req = {s->hx.signal, pb, len, (uint32_t)items, s->received_ns, "http"};
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed); /* the completion's */
    s->awaiting = true;
    c->awaiting++;
    otelc_status st = otlp_emit(c->r, &req, meta, stream_emit_done, s);
    if (st == OTELC_PENDING)
        return;
    s->awaiting = false;
    c->awaiting--;
    hx_answer_outcome(&s->hx, st, atomic_load(&c->r->draining), &a);
    h2x_answer(s, &a);
    stream_unref(s); /* the completion's; the connection still holds one */
}

void h2x_request_done(otlp_stream *s)
{
    http_answer a;
    uint8_t *pb = NULL;
    size_t len = 0, items = 0;
    s->ended = true;
    if (s->answered)
        return;
    /* items fits 32 bits: a body of at most 2 GiB holds fewer items. */
    if (hx_finish(&s->hx, &pb, &len, &items, &a) == HX_ANSWERED) {
        h2x_answer(s, &a);
        return;
    }
    if (atomic_load(&s->conn->r->draining)) {
        free(pb);
        hx_answer_outcome(&s->hx, OTELC_RETRY, true, &a);
        h2x_answer(s, &a);
        return;
    }
    h2x_emit(s, pb, len, items);
}

/* Still receiving: neither the request's end nor an answer yet. */
static bool receiving(const otlp_stream *s)
{
    return s->http && !s->ended && !s->answered;
}

static int64_t stream_deadline(const otlp_stream *s)
{
    return hx_read_deadline(&s->conn->srv->set.http, s->begin_ns, s->body_ns, s->body_got);
}

int64_t h2x_read_deadline(const otlp_conn *c)
{
    int64_t next = OTLP_NEVER;
    if (c->srv->proto != OTLP_HTTP)
        return OTLP_NEVER;
    for (const otlp_stream *s = c->streams; s; s = s->next)
        if (receiving(s) && stream_deadline(s) < next)
            next = stream_deadline(s);
    return next;
}

void h2x_expire(otlp_conn *c, int64_t now)
{
    if (c->srv->proto != OTLP_HTTP)
        return;
    for (otlp_stream *s = c->streams; s; s = s->next) {
        if (!receiving(s) || now < stream_deadline(s))
            continue;
        http_answer a;
        http_answer_error(&a, s->hx.kind, 408, GRPC_DEADLINE_EXCEEDED,
                          "the request was not received within read_timeout or min_body_rate");
        h2x_answer(s, &a); /* the rest of its body is dropped */
    }
}

void h2x_completed(otlp_stream *s)
{
    http_answer a;
    if (!s->conn || !s->awaiting)
        return;
    hx_answer_outcome(&s->hx, s->outcome, atomic_load(&s->conn->r->draining), &a);
    h2x_answer(s, &a);
}
