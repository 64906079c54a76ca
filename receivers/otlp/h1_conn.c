/*
 * h1_conn.c: HTTP/1.1 on the HTTP port, parsed by libhttp-parser.
 *
 * One request at a time per connection: when a request's message ends,
 * parsing pauses until its answer is written, so pipelined requests are
 * answered in order and wait in the input buffer meanwhile (as Go's
 * server does); while the pipeline decides, the socket is not read.
 * Deadlines follow the collector's keys: read_header_timeout (request line
 * and headers), read_timeout (the whole request), idle_timeout (between
 * requests) and write_timeout (an answer, once it is ready). A connection
 * closed after an answer lingers briefly, dropping what the client still
 * sends, so that a TCP reset does not destroy the answer in flight.
 */
#include <http_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <otelc/sdk/clock.h>

#include "grpc_status.h"
#include "otlp_recv.h"

#define HEADER_LIMIT ((size_t)64 * 1024)
/* An early answer keeps the connection when at most this much body is
 * still to come (it is read and dropped); otherwise the connection closes. */
#define DISCARD_LIMIT ((uint64_t)256 * 1024)
#define LINGER_NS (INT64_C(2) * 1000000000)

typedef struct h1_req {
    mb_node node;          /* first: completions are posted by this link */
    atomic_int refs;
    mailbox *mb;           /* of the connection's loop; a reference */
    otlp_conn *conn;       /* NULL once orphaned; loop thread only */
    http_xchg hx;
    otlp_meta meta;
    otlp_meta authh;       /* every header, for the authenticator */
    size_t held;           /* inflight bytes counted for this request */
    int64_t received_ns;
    otelc_status outcome;  /* written by the completing thread */
    bool awaiting, answered, expect_continue;
} h1_req;

typedef enum hdr_state { HDR_URL, HDR_FIELD, HDR_VALUE } hdr_state;

struct h1_conn {
    http_parser p;
    h1_req *req;            /* the request being read or answered */
    char *hb;               /* the URL, or a header's name then value */
    size_t hlen, hcap, nlen;
    hdr_state hs;
    size_t header_bytes;
    int64_t begin_ns;       /* the current request's first byte */
    int64_t body_ns;        /* its headers' end (0 before): min_body_rate */
    uint64_t body_got;      /* its body bytes so far */
    int64_t read_deadline;  /* OTLP_NEVER: none */
    int64_t write_deadline;
    bool in_message;        /* between a message's first and last byte */
    bool complete;          /* the current message ended; parser paused */
    bool keep_alive;        /* another request may follow this one */
    bool close_after;       /* close once the output is sent */
    bool lingering;
    bool head;              /* a HEAD request: the answer has no body */
    bool header_overflow;
    bool oom;               /* no memory for a request */
};


static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* --- requests ------------------------------------------------------ */

static void req_on_done(mb_node *n);

static h1_req *req_new(otlp_conn *c)
{
    h1_req *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    atomic_init(&q->refs, 1); /* the connection's */
    q->node.run = req_on_done;
    q->mb = mailbox_ref(c->loop->mb);
    q->conn = c;
    return q;
}

static void req_unref(h1_req *q)
{
    if (atomic_fetch_sub_explicit(&q->refs, 1, memory_order_acq_rel) != 1)
        return;
    hx_free(&q->hx);
    otlp_meta_free(&q->meta);
    otlp_meta_free(&q->authh);
    mailbox_unref(q->mb);
    free(q);
}

static void req_reset(otlp_conn *c, h1_req *q)
{
    hx_free(&q->hx);
    hx_init(&q->hx, &c->srv->set.http, c->srv->set.max_msg);
    otlp_meta_free(&q->meta);
    otlp_meta_free(&q->authh);
    q->received_ns = otelc_real_ns();
    q->awaiting = q->answered = q->expect_continue = false;
}

/* The connection lets go of its request: it is kept for the next one
 * unless a completion still holds it. */
static void req_release(otlp_conn *c, bool for_good)
{
    h1_req *q = c->h1->req;
    if (!q)
        return;
    conn_held_release(c, &q->held);
    if (!for_good && atomic_load(&q->refs) == 1)
        return;
    q->conn = NULL;
    c->h1->req = NULL;
    req_unref(q);
}

/* A PENDING outcome arrives here from any thread and is posted home. */
static void req_emit_done(void *arg, otelc_status st)
{
    h1_req *q = arg;
    q->outcome = st;
    if (!mailbox_post_done(q->mb, &q->node))
        req_unref(q); /* the loop is gone: nobody to answer */
}

/* --- answers ------------------------------------------------------- */

/* Queues a's bytes on the socket; decides whether the connection stays. */
static void h1_write(otlp_conn *c, const http_answer *a)
{
    h1_conn *h = c->h1;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (atomic_load(&c->r->draining))
        h->keep_alive = false;
    const char *conn_hdr = !h->keep_alive          ? "Connection: close\r\n"
                           : h->p.http_minor == 0 ? "Connection: keep-alive\r\n"
                                                  : "";
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s%s%s\r\n",
                        a->status, http_reason(a->status), a->content_type, a->len,
                        a->retry_after ? "Retry-After: " HTTP_RETRY_AFTER "\r\n" : "",
                        a->allow_post ? "Allow: POST\r\n" : "", conn_hdr,
                        c->srv->set.http.h1_headers);
    if (!h->head)
        evbuffer_add(out, a->body, a->len);
    h->write_deadline = otlp_add_sat(otelc_mono_ns(), c->srv->set.http.write_ns);
    if (!h->keep_alive)
        h->close_after = true;
}

/* Answers the current request. An answer before the body ended keeps the
 * connection only when little body is left to drop and the client is not
 * waiting for "100 Continue" (it may never send that body). */
static void h1_answer(otlp_conn *c, const http_answer *a)
{
    h1_conn *h = c->h1;
    h1_req *q = h->req;
    if (!q) { /* every parser callback runs with a request; be safe anyway */
        h->keep_alive = false;
        h1_write(c, a);
        return;
    }
    q->answered = true;
    conn_held_release(c, &q->held);
    hx_free(&q->hx);
    if (h->in_message) {
        bool small_rest = !(h->p.flags & F_CHUNKED) &&
                          (!(h->p.flags & F_CONTENTLENGTH) || h->p.content_length <= DISCARD_LIMIT);
        if (!small_rest || q->expect_continue)
            h->keep_alive = false;
    }
    h1_write(c, a);
}

static void h1_emit(otlp_conn *c, h1_req *q, uint8_t *pb, size_t len, size_t items)
{
    http_answer a;
    otlp_meta *meta = c->srv->set.include_metadata ? &q->meta : NULL;
    otlp_request req = {q->hx.signal, pb, len, (uint32_t)items, q->received_ns, "http"};
    atomic_fetch_add_explicit(&q->refs, 1, memory_order_relaxed); /* the completion's */
    q->awaiting = true;
    otelc_status st = otlp_emit(c->r, &req, meta, req_emit_done, q);
    if (st == OTELC_PENDING) {
        /* Nothing is read until the answer is out: the socket waits. */
        bufferevent_disable(c->bev, EV_READ);
        return;
    }
    q->awaiting = false;
    hx_answer_outcome(&q->hx, st, atomic_load(&c->r->draining), &a);
    h1_answer(c, &a);
    req_unref(q); /* the completion's; the connection still holds one */
}

/* The message ended: decode, validate, emit or answer. */
static void h1_finish(otlp_conn *c)
{
    h1_req *q = c->h1->req;
    http_answer a;
    uint8_t *pb = NULL;
    size_t len = 0, items = 0;
    /* items fits 32 bits: a body of at most 2 GiB holds fewer items. */
    if (hx_finish(&q->hx, &pb, &len, &items, &a) == HX_ANSWERED) {
        h1_answer(c, &a);
    } else if (atomic_load(&c->r->draining)) {
        free(pb);
        hx_answer_outcome(&q->hx, OTELC_RETRY, true, &a);
        h1_answer(c, &a);
    } else {
        h1_emit(c, q, pb, len, items);
    }
}

/* The loop thread took the posted completion of a PENDING emit. */
static void req_on_done(mb_node *n)
{
    h1_req *q = (h1_req *)n;
    otlp_conn *c = q->conn;
    if (c && q->awaiting) {
        http_answer a;
        q->awaiting = false;
        hx_answer_outcome(&q->hx, q->outcome, atomic_load(&c->r->draining), &a);
        h1_answer(c, &a);
    }
    req_unref(q); /* the completion's; the connection still holds one */
    if (c) {
        h1_read(c); /* pipelined requests waited in the input */
        conn_settle(c);
    }
}

/* --- parser callbacks ---------------------------------------------- */

static int hb_add(h1_conn *h, const char *at, size_t len)
{
    h->header_bytes += len;
    if (h->header_bytes > HEADER_LIMIT) {
        h->header_overflow = true;
        return -1;
    }
    if (h->hlen + len > h->hcap) {
        size_t cap = h->hcap ? h->hcap : 256;
        while (cap < h->hlen + len)
            cap *= 2;
        char *p = realloc(h->hb, cap);
        if (!p)
            return -1;
        h->hb = p;
        h->hcap = cap;
    }
    memcpy(h->hb + h->hlen, at, len);
    h->hlen += len;
    return 0;
}

/* Hands the URL or the header collected so far to the request. */
static int hb_flush(otlp_conn *c)
{
    h1_conn *h = c->h1;
    h1_req *q = h->req;
    int rc = 0;
    if (h->hs == HDR_URL) {
        hx_target(&q->hx, h->hb, h->hlen);
    } else if (h->hs == HDR_VALUE) {
        const char *name = h->hb, *value = h->hb + h->nlen;
        size_t vlen = h->hlen - h->nlen;
        hx_header(&q->hx, name, h->nlen, value, vlen);
        if (h->nlen == 6 && strncasecmp(name, "expect", 6) == 0)
            q->expect_continue = vlen == 12 && strncasecmp(value, "100-continue", 12) == 0;
        if (c->srv->set.include_metadata && otlp_meta_wanted_http((const uint8_t *)name, h->nlen))
            rc = otlp_meta_add(&q->meta, (const uint8_t *)name, h->nlen, (const uint8_t *)value,
                               vlen);
        if (rc == 0)
            rc = otlp_auth_keep(c->srv, &q->authh, (const uint8_t *)name, h->nlen,
                                (const uint8_t *)value, vlen);
    }
    h->hlen = h->nlen = 0;
    return rc;
}

static int on_message_begin(http_parser *p)
{
    otlp_conn *c = p->data;
    h1_conn *h = c->h1;
    const otlp_http_opts *o = &c->srv->set.http;
    if (!h->req && !(h->req = req_new(c))) {
        h->oom = true;
        return -1;
    }
    req_reset(c, h->req);
    h->in_message = true;
    h->complete = h->head = false;
    h->hlen = h->nlen = h->header_bytes = 0;
    h->hs = HDR_URL;
    h->begin_ns = otelc_mono_ns();
    h->read_deadline = otlp_add_sat(h->begin_ns, min64(o->read_header_ns, o->read_ns));
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    otlp_conn *c = p->data;
    return hb_add(c->h1, at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    otlp_conn *c = p->data;
    h1_conn *h = c->h1;
    if (h->hs != HDR_FIELD && hb_flush(c) != 0)
        return -1;
    h->hs = HDR_FIELD;
    if (hb_add(h, at, len) != 0)
        return -1;
    h->nlen = h->hlen;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    otlp_conn *c = p->data;
    c->h1->hs = HDR_VALUE;
    return hb_add(c->h1, at, len);
}

/* Whether the request is refused at its headers (the answer in *a): by
 * the authenticator first, as confighttp does, then by the exchange. */
static bool refused_at_head(otlp_conn *c, h1_req *q, bool draining, bool full, http_answer *a)
{
    char why[256];
    if (c->srv->auth && !otlp_auth_pass(c->srv, &q->authh, why, sizeof(why))) {
        http_answer_error(a, q->hx.kind, 401, GRPC_UNAUTHENTICATED, why);
        return true;
    }
    if (!hx_head_check(&q->hx, draining, full, a))
        return false;
    if (full && a->status == 503)
        otlp_count_early(c->r);
    return true;
}

static int on_headers_complete(http_parser *p)
{
    otlp_conn *c = p->data;
    h1_conn *h = c->h1;
    h1_req *q = h->req;
    http_answer a;
    bool draining = atomic_load(&c->r->draining), full = !draining && otlp_pipeline_full(c->r);
    if (hb_flush(c) != 0)
        return -1;
    const char *m = http_method_str((enum http_method)p->method);
    hx_method(&q->hx, m, strlen(m));
    h->head = p->method == HTTP_HEAD;
    h->keep_alive = http_should_keep_alive(p) && c->srv->set.http.keepalives && !draining;
    if (refused_at_head(c, q, draining, full, &a))
        h1_answer(c, &a);
    else if (q->expect_continue && p->http_minor >= 1)
        evbuffer_add(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n", 25);
    h->body_ns = otelc_mono_ns();
    h->body_got = 0;
    h->read_deadline = hx_read_deadline(&c->srv->set.http, h->begin_ns, h->body_ns, 0);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    otlp_conn *c = p->data;
    h1_conn *h = c->h1;
    h1_req *q = h->req;
    http_answer a;
    h->body_got += len;
    h->read_deadline = hx_read_deadline(&c->srv->set.http, h->begin_ns, h->body_ns, h->body_got);
    if (q->answered) /* refused early: drop the rest, or stop if closing */
        return c->h1->keep_alive ? 0 : -1;
    conn_held_add(c, &q->held, len);
    if (hx_body(&q->hx, (const uint8_t *)at, len, &a))
        h1_answer(c, &a);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    otlp_conn *c = p->data;
    h1_conn *h = c->h1;
    h->in_message = false;
    h->complete = true;
    h->read_deadline = OTLP_NEVER;
    http_parser_pause(p, 1); /* the next request waits for this answer */
    if (!h->req->answered)
        h1_finish(c);
    return 0;
}

static const http_parser_settings h1_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* --- the connection ------------------------------------------------ */

static void h1_arm(otlp_conn *c)
{
    h1_conn *h = c->h1;
    int64_t next = min64(h->read_deadline, h->write_deadline);
    if (next == OTLP_NEVER)
        evtimer_del(c->timer);
    else
        conn_timer_at(c, next);
}

/* A request that cannot be parsed gets 400 (431 for huge headers) and
 * the connection closes; one answered already just closes. */
static void parse_failed(otlp_conn *c, enum http_errno e)
{
    h1_conn *h = c->h1;
    http_answer a;
    h->keep_alive = false;
    if (h->in_message && h->req && h->req->answered) {
        h->close_after = true;
        return;
    }
    if (h->oom)
        http_answer_error(&a, HTTP_BODY_TEXT, 503, GRPC_UNAVAILABLE, "out of memory");
    else if (h->header_overflow || e == HPE_HEADER_OVERFLOW)
        http_answer_error(&a, HTTP_BODY_TEXT, 431, GRPC_INVALID_ARGUMENT,
                          "request headers too large");
    else
        http_answer_error(&a, HTTP_BODY_TEXT, 400, GRPC_INVALID_ARGUMENT,
                          http_errno_description(e));
    h->head = false;
    if (h->in_message)
        h1_answer(c, &a);
    else
        h1_write(c, &a); /* it failed before a request began */
}

/* After an answered message: the next request may be parsed. */
static bool next_request(otlp_conn *c)
{
    h1_conn *h = c->h1;
    if (!h->req || !h->req->answered || h->close_after)
        return false;
    req_release(c, false);
    h->complete = false;
    h->read_deadline = otlp_add_sat(otelc_mono_ns(), c->srv->set.http.idle_ns);
    http_parser_pause(&h->p, 0);
    bufferevent_enable(c->bev, EV_READ);
    return true;
}

void h1_read(otlp_conn *c)
{
    h1_conn *h = c->h1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (!c->dead && !h->close_after) {
        if (h->complete && !next_request(c))
            break;
        size_t len = evbuffer_get_contiguous_space(in);
        if (len == 0)
            break;
        const char *data = (const char *)evbuffer_pullup(in, (ssize_t)len);
        size_t n = http_parser_execute(&h->p, &h1_settings, data, len);
        evbuffer_drain(in, n);
        enum http_errno e = HTTP_PARSER_ERRNO(&h->p);
        if (e != HPE_OK && e != HPE_PAUSED) {
            parse_failed(c, e);
        } else if (n == 0 && e == HPE_OK) {
            break; /* nothing taken (an upgrade stop): wait for more */
        }
    }
    /* Closing or lingering: what still arrives is dropped. */
    if (h->close_after)
        evbuffer_drain(in, evbuffer_get_length(in));
    h1_arm(c);
}

/* Half-closes the socket and keeps reading a little, so that the answer
 * reaches a client still sending. TLS connections close at once. */
static bool start_linger(otlp_conn *c)
{
    h1_conn *h = c->h1;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (c->srv->ssl_ctx || fd < 0 || shutdown(fd, SHUT_WR) != 0)
        return false;
    h->lingering = true;
    h->read_deadline = otlp_add_sat(otelc_mono_ns(), LINGER_NS);
    bufferevent_enable(c->bev, EV_READ);
    h1_arm(c);
    return true;
}

bool h1_finished(otlp_conn *c)
{
    h1_conn *h = c->h1;
    bool sent = evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
    if (sent && h->write_deadline != OTLP_NEVER) {
        h->write_deadline = OTLP_NEVER;
        h1_arm(c);
    }
    if (!h->close_after || !sent || h->lingering)
        return false;
    return !start_linger(c);
}

void h1_on_timer(otlp_conn *c)
{
    h1_conn *h = c->h1;
    int64_t now = otelc_mono_ns();
    if (now >= h->write_deadline || now >= h->read_deadline) {
        c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG, "closing an HTTP/1.1 connection: %s",
                       h->lingering         ? "linger over"
                       : now >= h->write_deadline ? "write_timeout passed"
                       : h->in_message      ? "request not read in time"
                                            : "idle_timeout passed");
        c->dead = true;
        return;
    }
    h1_arm(c);
}

bool h1_idle(const otlp_conn *c)
{
    const h1_conn *h = c->h1;
    return !h->in_message && !h->complete && !h->close_after;
}

void h1_drain(otlp_conn *c)
{
    h1_conn *h = c->h1;
    h->keep_alive = false;
    if (!h->in_message && !h->complete)
        h->close_after = true; /* between requests: close now */
}

int h1_start(otlp_conn *c)
{
    h1_conn *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    http_parser_init(&h->p, HTTP_REQUEST);
    h->p.data = c;
    h->read_deadline = c->sniff_deadline_ns;
    h->write_deadline = OTLP_NEVER;
    c->h1 = h;
    c->mode = CONN_H1;
    return 0;
}

void h1_free(otlp_conn *c)
{
    h1_conn *h = c->h1;
    req_release(c, true);
    free(h->hb);
    free(h);
    c->h1 = NULL;
}
