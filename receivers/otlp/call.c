/*
 * call.c: one gRPC call on one HTTP/2 stream: headers checked, the message
 * collected, decompressed and validated, then emitted into the pipeline;
 * the answer goes out when the outcome is known. Streams of the HTTP
 * port carry OTLP/HTTP exports instead, which h2_http.c handles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/otlp_validate.h>
#include <otelc/sdk/clock.h>

#include "grpc_status.h"
#include "otlp_recv.h"

/* Request headers larger than this reset the stream (abuse, not OTLP). */
#define HEADER_LIST_LIMIT ((size_t)64 * 1024)

static void stream_on_done(mb_node *n);

otlp_stream *stream_new(otlp_conn *c, int32_t id)
{
    otlp_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1); /* the connection's, until the stream closes */
    s->node.run = stream_on_done;
    s->mb = mailbox_ref(c->loop->mb);
    s->conn = c;
    s->id = id;
    s->route = GRPC_ROUTE_NO_SERVICE;
    s->received_ns = otelc_real_ns();
    s->begin_ns = otelc_mono_ns();
    s->http = c->srv->proto == OTLP_HTTP;
    if (s->http)
        hx_init(&s->hx, &c->srv->set.http, c->srv->set.max_msg);
    else
        grpc_frame_init(&s->rd, c->srv->set.max_msg);
    s->next = c->streams;
    if (c->streams)
        c->streams->prev = s;
    c->streams = s;
    c->nstreams++;
    if (s->http && c->srv->set.http.read_ns != OTLP_NEVER)
        conn_timer_arm(c); /* its read_timeout may come first */
    return s;
}

void stream_unref(otlp_stream *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    grpc_frame_free(&s->rd);
    hx_free(&s->hx);
    free(s->ans);
    otlp_meta_free(&s->meta);
    otlp_meta_free(&s->authh);
    mailbox_unref(s->mb);
    free(s);
}

void stream_detach(otlp_stream *s)
{
    otlp_conn *c = s->conn;
    if (!c)
        return;
    conn_held_release(c, &s->held);
    if (s->awaiting) {
        s->awaiting = false;
        c->awaiting--;
    }
    if (s->prev)
        s->prev->next = s->next;
    else
        c->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->conn = NULL;
    if (--c->nstreams == 0) {
        c->idle_since_ns = otelc_mono_ns();
        if (c->srv->set.idle_ns != OTLP_NEVER)
            conn_timer_arm(c);
    }
    stream_unref(s);
}

static bool is(const uint8_t *name, size_t nlen, const char *lit)
{
    return strlen(lit) == nlen && memcmp(name, lit, nlen) == 0;
}

int call_header(otlp_stream *s, const uint8_t *name, size_t nlen, const uint8_t *value,
                size_t vlen)
{
    const otlp_settings *set = &s->conn->srv->set;
    s->header_bytes += nlen + vlen + 32; /* RFC 9113's accounting */
    if (s->header_bytes > HEADER_LIST_LIMIT)
        return -1;
    if (otlp_auth_keep(s->conn->srv, &s->authh, name, nlen, value, vlen) != 0)
        return -1;
    if (s->http)
        return h2x_header(s, name, nlen, value, vlen);
    if (is(name, nlen, ":method")) {
        s->is_post = vlen == 4 && memcmp(value, "POST", 4) == 0;
    } else if (is(name, nlen, ":path")) {
        s->route = (int)grpc_route_of((const char *)value, vlen, &s->signal);
    } else if (is(name, nlen, "content-type")) {
        s->saw_type = true;
        s->type_ok = grpc_content_type_ok((const char *)value, vlen);
    } else if (is(name, nlen, "grpc-encoding")) {
        s->enc = grpc_encoding_parse((const char *)value, vlen);
    } else if (set->include_metadata && otlp_meta_wanted(name, nlen)) {
        return otlp_meta_add(&s->meta, name, nlen, value, vlen);
    }
    return 0;
}

/* A call to a service or method not served gets grpc-go's answer for one
 * the server never registered; GRPC_OK: the route is served. A signal
 * no pipeline takes is such a service, as in the collector. */
static int route_refusal(const otlp_stream *s, char *msg, size_t cap)
{
    const char *service = grpc_service_of(s->signal);
    if (s->route == GRPC_ROUTE_NO_SERVICE)
        snprintf(msg, cap, "unknown service");
    else if (!(s->conn->r->served & s->signal))
        snprintf(msg, cap, "unknown service %s", service);
    else if (s->route == GRPC_ROUTE_NO_METHOD)
        snprintf(msg, cap, "unknown method for service %s", service);
    else
        return GRPC_OK;
    return GRPC_UNIMPLEMENTED;
}

void call_headers_done(otlp_stream *s)
{
    char why[256];
    int code;
    if (s->http)
        h2x_headers_done(s);
    else if (!s->is_post)
        answer_http(s, 405, "gRPC requests use POST");
    else if (!s->saw_type || !s->type_ok)
        answer_http(s, 415, "content-type must be application/grpc");
    else if ((code = route_refusal(s, why, sizeof(why))) != GRPC_OK)
        answer_status(s, code, why);
    else if (s->enc == GRPC_ENC_UNKNOWN)
        answer_status(s, GRPC_UNIMPLEMENTED, "grpc-encoding not supported; use gzip or zstd");
    else if (s->conn->srv->auth && !otlp_auth_pass(s->conn->srv, &s->authh, why, sizeof(why)))
        answer_status(s, GRPC_UNAUTHENTICATED, why);
    else if (atomic_load(&s->conn->r->draining))
        answer_status(s, GRPC_UNAVAILABLE, "receiver is shutting down");
    else if (otlp_pipeline_full(s->conn->r)) {
        otlp_count_early(s->conn->r);
        answer_status(s, GRPC_UNAVAILABLE, "the pipeline is full; retry later");
    }
}

static int frame_code(int rc)
{
    return rc == GRPC_FRAME_TOO_BIG || rc == GRPC_FRAME_NOMEM ? GRPC_RESOURCE_EXHAUSTED
                                                              : GRPC_INTERNAL;
}

void call_data(otlp_stream *s, const uint8_t *p, size_t n)
{
    if (s->http) {
        h2x_data(s, p, n);
        return;
    }
    if (s->answered)
        return;
    conn_held_add(s->conn, &s->held, n);
    int rc = grpc_frame_feed(&s->rd, p, n);
    if (rc != GRPC_FRAME_OK)
        answer_status(s, frame_code(rc), grpc_frame_strerror(rc));
}

static const char *outcome_message(otelc_status st)
{
    switch (st) {
    case OTELC_OK: return NULL;
    case OTELC_RETRY: return "the pipeline is full; retry later";
    case OTELC_REJECT: return "the pipeline refused the data";
    default: return "unexpected pipeline outcome";
    }
}

/* A PENDING outcome arrives here from any thread and is posted home. */
void stream_emit_done(void *arg, otelc_status st)
{
    otlp_stream *s = arg;
    s->outcome = st;
    if (!mailbox_post_done(s->mb, &s->node))
        stream_unref(s); /* the loop is gone: nobody to answer */
}

static void call_completed(otlp_stream *s)
{
    if (!s->conn || !s->awaiting)
        return;
    answer_status(s, grpc_code_for_outcome(s->outcome), outcome_message(s->outcome));
}

/* The loop thread took the posted completion: answer, then drop the
 * completion's reference. */
static void stream_on_done(mb_node *n)
{
    otlp_stream *s = (otlp_stream *)n;
    otlp_conn *c = s->conn;
    if (s->http)
        h2x_completed(s);
    else
        call_completed(s);
    stream_unref(s);
    if (c)
        conn_settle(c);
}

/* Hands buf (owned) to the pipeline and answers unless the outcome is
 * still pending. */
static void emit_message(otlp_stream *s, uint8_t *buf, size_t len, uint32_t items)
{
    otlp_conn *c = s->conn;
    otlp_meta *meta = c->srv->set.include_metadata ? &s->meta : NULL;
    otlp_request req = {s->signal, buf, len, items, s->received_ns, "grpc"};
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed); /* the completion's */
    s->awaiting = true;
    c->awaiting++;
    otelc_status st = otlp_emit(c->r, &req, meta, stream_emit_done, s);
    if (st == OTELC_PENDING)
        return;
    s->awaiting = false;
    c->awaiting--;
    answer_status(s, grpc_code_for_outcome(st), outcome_message(st));
    stream_unref(s); /* the completion's; the connection still holds one */
}

/* Replaces *buf with its decompressed form; answers and returns -1 on
 * failure (*buf is then freed). */
static int decompress(otlp_stream *s, uint8_t **buf, size_t *len)
{
    uint8_t *plain = NULL;
    size_t plen = 0;
    if (s->enc == GRPC_ENC_IDENTITY) {
        free(*buf);
        answer_status(s, GRPC_INTERNAL, "compressed flag set without grpc-encoding");
        return -1;
    }
    int rc = grpc_inflate(s->enc, *buf, *len, s->conn->srv->set.max_msg, &plain, &plen);
    free(*buf);
    *buf = NULL;
    if (rc == GRPC_INFLATE_TOO_BIG || rc == GRPC_INFLATE_NOMEM) {
        answer_status(s, GRPC_RESOURCE_EXHAUSTED,
                      "decompressed message larger than max_recv_msg_size_mib");
        return -1;
    }
    if (rc != GRPC_INFLATE_OK) {
        answer_status(s, GRPC_INTERNAL, "cannot decompress the message");
        return -1;
    }
    conn_held_add(s->conn, &s->held, plen);
    *buf = plain;
    *len = plen;
    return 0;
}

void call_request_done(otlp_stream *s)
{
    uint8_t *buf = NULL;
    size_t len = 0, items = 0;
    bool compressed = false;
    otlp_verror verr;
    if (s->http) {
        h2x_request_done(s);
        return;
    }
    s->ended = true;
    if (s->answered)
        return;
    int rc = grpc_frame_finish(&s->rd, &buf, &len, &compressed);
    if (rc != GRPC_FRAME_OK) {
        answer_status(s, frame_code(rc), grpc_frame_strerror(rc));
        return;
    }
    if (compressed && decompress(s, &buf, &len) != 0)
        return;
    if (otlp_validate_signal(s->signal, buf, len, &items, &verr) != OTLP_OK ||
        items > UINT32_MAX) {
        free(buf);
        answer_status(s, GRPC_INVALID_ARGUMENT, verr.msg[0] ? verr.msg : "invalid request");
        return;
    }
    if (items == 0) { /* nothing to deliver: an empty request is a success */
        free(buf);
        answer_status(s, GRPC_OK, NULL);
        return;
    }
    if (atomic_load(&s->conn->r->draining)) {
        free(buf);
        answer_status(s, GRPC_UNAVAILABLE, "receiver is shutting down");
        return;
    }
    emit_message(s, buf, len, (uint32_t)items);
}
