/*
 * h2_client.c: gRPC calls over one nghttp2 client session on libevent.
 *
 * Bytes come in through the bufferevent read callback and go straight
 * to nghttp2; frames go out through nghttp2's send callback into the
 * bufferevent's output, which is capped so that a slow server pushes
 * back (WOULDBLOCK until the output drains below half). All sending
 * happens from the loop (the flush event, read and write callbacks), so
 * nghttp2 is never re-entered from its own callbacks.
 */
#include "h2_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <otelc/sdk/clock.h>

#include "tls.h"

#define OUTPUT_HIGH ((size_t)256 * 1024)
#define REPLY_MAX ((size_t)64 * 1024)
#define CONNECT_TIMEOUT_S 5

typedef enum conn_state { CONN_IDLE, CONN_CONNECTING, CONN_READY, CONN_DRAINING } conn_state;

struct h2_conn {
    struct event_base *base;
    const h2_target *t;
    h2_done_fn done;
    h2_state_fn state_cb;
    void *arg;
    nghttp2_session_callbacks *cbs;
    struct bufferevent *bev;
    nghttp2_session *session;
    struct event *flush_ev;
    const struct addrinfo *ai;      /* address being tried or in use */
    conn_state state;
    size_t inflight;
    h2_call *head, *tail;           /* in submission order */
};

static void conn_send(h2_conn *c);
static int start_connect(h2_conn *c);

/* ------------------------------------------------------------------ */
/* Calls in flight                                                     */
/* ------------------------------------------------------------------ */

static void list_add(h2_conn *c, h2_call *call)
{
    call->next = NULL;
    call->prev = c->tail;
    if (c->tail)
        c->tail->next = call;
    else
        c->head = call;
    c->tail = call;
    c->inflight++;
}

static void list_remove(h2_conn *c, h2_call *call)
{
    if (call->prev)
        call->prev->next = call->next;
    else
        c->head = call->next;
    if (call->next)
        call->next->prev = call->prev;
    else
        c->tail = call->prev;
    call->prev = call->next = NULL;
    c->inflight--;
}

static void finish_call(h2_conn *c, h2_call *call, int code)
{
    list_remove(c, call);
    c->done(call, code, c->arg);
}

static h2_call *call_by_stream(h2_conn *c, int32_t id)
{
    for (h2_call *call = c->head; call; call = call->next)
        if (call->stream_id == id)
            return call;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Closing                                                             */
/* ------------------------------------------------------------------ */

/* Tears the transport down and ends every call still in flight. */
static void conn_down(h2_conn *c, h2_event ev, const char *why)
{
    if (c->state == CONN_IDLE)
        return;
    if (c->session)
        nghttp2_session_del(c->session);
    c->session = NULL;
    if (c->bev)
        bufferevent_free(c->bev);
    c->bev = NULL;
    c->state = CONN_IDLE;
    while (c->head) {
        h2_call *call = c->head;
        if (!call->message[0])
            snprintf(call->message, sizeof(call->message), "%s", why);
        finish_call(c, call, call->timed_out ? GRPC_DEADLINE_EXCEEDED : GRPC_UNAVAILABLE);
    }
    c->state_cb(c, ev, why, c->arg);
}

/* ------------------------------------------------------------------ */
/* nghttp2 callbacks                                                   */
/* ------------------------------------------------------------------ */

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    h2_conn *c = ud;
    struct evbuffer *out = bufferevent_get_output(c->bev);

    if (evbuffer_get_length(out) >= OUTPUT_HIGH)
        return NGHTTP2_ERR_WOULDBLOCK;
    if (evbuffer_add(out, data, len) != 0)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    return (ssize_t)len;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    h2_call *call = src->ptr;
    size_t n = call->body_len - call->sent;

    if (n > len)
        n = len;
    memcpy(buf, call->body + call->sent, n);
    call->sent += n;
    if (call->sent == call->body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static bool name_is(const uint8_t *name, size_t nlen, const char *want)
{
    return nlen == strlen(want) && memcmp(name, want, nlen) == 0;
}

/* Response headers and trailers alike: a trailers-only answer carries all. */
static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
    h2_call *call = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);

    if (f->hd.type != NGHTTP2_HEADERS || !call)
        return 0;
    if (name_is(name, nlen, ":status")) {
        int status = 0;
        for (size_t i = 0; i < vlen && value[i] >= '0' && value[i] <= '9'; i++)
            status = status * 10 + (value[i] - '0');
        if (status >= 200)
            call->http_status = status;
    } else if (name_is(name, nlen, "grpc-status")) {
        call->grpc_code = grpc_code_parse(value, vlen);
    } else if (name_is(name, nlen, "grpc-message")) {
        grpc_message_decode(value, vlen, call->message, sizeof(call->message));
    }
    return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *ud)
{
    h2_call *call = nghttp2_session_get_stream_user_data(s, id);

    if (!call || call->reply.len + len > REPLY_MAX)
        return 0;
    if (grpc_buf_reserve(&call->reply, call->reply.len + len) == 0) {
        memcpy(call->reply.data + call->reply.len, data, len);
        call->reply.len += len;
    }
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    h2_conn *c = ud;

    if (f->hd.type == NGHTTP2_GOAWAY && c->state == CONN_READY)
        c->state = CONN_DRAINING;
    return 0;
}

/* Says why a call failed when the server gave no grpc-message. */
static void explain(h2_call *call, int code)
{
    if (code == GRPC_OK || call->message[0])
        return;
    if (call->http_status && call->http_status != 200)
        snprintf(call->message, sizeof(call->message), "HTTP status %d", call->http_status);
    else if (call->reset)
        snprintf(call->message, sizeof(call->message), "stream reset: %s",
                 nghttp2_http2_strerror(call->rst_code));
    else if (call->grpc_code < 0)
        snprintf(call->message, sizeof(call->message), "no grpc-status in the response");
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *ud)
{
    h2_conn *c = ud;
    h2_call *call = nghttp2_session_get_stream_user_data(s, id);
    int code;

    if (!call)
        return 0;
    if (error_code != NGHTTP2_NO_ERROR) {
        call->reset = true;
        call->rst_code = error_code;
    }
    if (call->timed_out)
        code = GRPC_DEADLINE_EXCEEDED;
    else
        code = grpc_outcome(call->http_status, call->grpc_code, call->reset, call->rst_code);
    explain(call, code);
    finish_call(c, call, code);
    return 0;
}

/* A request that never left (GOAWAY came first, or its stream was refused). */
static int on_not_sent(nghttp2_session *s, const nghttp2_frame *f, int lib_error, void *ud)
{
    h2_conn *c = ud;
    h2_call *call;

    if (f->hd.type != NGHTTP2_HEADERS || !(call = call_by_stream(c, f->hd.stream_id)))
        return 0;
    snprintf(call->message, sizeof(call->message), "request not sent: %s",
             nghttp2_strerror(lib_error));
    finish_call(c, call, GRPC_UNAVAILABLE);
    return 0;
}

static nghttp2_session_callbacks *make_callbacks(void)
{
    nghttp2_session_callbacks *cbs;

    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return NULL;
    nghttp2_session_callbacks_set_send_callback(cbs, on_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs, on_not_sent);
    return cbs;
}

/* ------------------------------------------------------------------ */
/* Transport                                                           */
/* ------------------------------------------------------------------ */

static void conn_send(h2_conn *c)
{
    if (!c->session)
        return;
    int rv = nghttp2_session_send(c->session);
    if (rv != 0) {
        conn_down(c, H2_FAILED, nghttp2_strerror(rv));
        return;
    }
    if (c->state == CONN_DRAINING && c->inflight == 0)
        conn_down(c, H2_CLOSED, "server sent GOAWAY");
    else if (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session))
        conn_down(c, H2_CLOSED, "HTTP/2 session ended");
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    conn_send(arg);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    h2_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    ssize_t n;

    while (c->session && (n = evbuffer_get_contiguous_space(in)) > 0) {
        const uint8_t *p = evbuffer_pullup(in, n);
        ssize_t rv = nghttp2_session_mem_recv(c->session, p, (size_t)n);
        if (rv < 0) {
            conn_down(c, H2_FAILED, nghttp2_strerror((int)rv));
            return;
        }
        evbuffer_drain(in, (size_t)n);
    }
    conn_send(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    conn_send(arg);
}

/* The handshake is done: start the HTTP/2 session. */
static void conn_established(h2_conn *c)
{
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20},
    };
    int one = 1;

    bufferevent_set_timeouts(c->bev, NULL, NULL);
    setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (c->t->tls && !client_tls_alpn_ok(bufferevent_openssl_get_ssl(c->bev))) {
        conn_down(c, H2_FAILED, "the server did not agree to HTTP/2 (ALPN)");
        return;
    }
    if (nghttp2_session_client_new(&c->session, c->cbs, c) != 0 ||
        nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, 2) != 0) {
        conn_down(c, H2_FAILED, "out of memory");
        return;
    }
    c->state = CONN_READY;
    c->state_cb(c, H2_UP, NULL, c->arg);
    conn_send(c);
}

static void describe_error(h2_conn *c, short what, char *why, size_t cap)
{
    unsigned long tls_err = c->t->tls ? bufferevent_get_openssl_error(c->bev) : 0;
    int sock_err = EVUTIL_SOCKET_ERROR();

    if (what & BEV_EVENT_TIMEOUT)
        snprintf(why, cap, "connect timed out after %d s", CONNECT_TIMEOUT_S);
    else if (tls_err)
        ERR_error_string_n(tls_err, why, cap);
    else if ((what & BEV_EVENT_EOF) || sock_err == 0)
        snprintf(why, cap, "the server closed the connection");
    else
        snprintf(why, cap, "%s", evutil_socket_error_to_string(sock_err));
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    h2_conn *c = arg;
    char why[160];

    if (what & BEV_EVENT_CONNECTED) {
        conn_established(c);
        return;
    }
    describe_error(c, what, why, sizeof(why));
    if (c->state == CONN_CONNECTING) {
        bufferevent_free(c->bev);
        c->bev = NULL;
        for (c->ai = c->ai->ai_next; c->ai; c->ai = c->ai->ai_next)
            if (start_connect(c) == 0)
                return;
    }
    conn_down(c, H2_FAILED, why);
}

static struct bufferevent *new_bev(h2_conn *c)
{
    if (!c->t->tls)
        return bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
    SSL *ssl = client_tls_new(c->t->tls, c->t->host, c->t->insecure);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* One attempt at c->ai. */
static int start_connect(h2_conn *c)
{
    struct timeval tv = {CONNECT_TIMEOUT_S, 0};

    c->bev = new_bev(c);
    if (!c->bev)
        return -1;
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(c->bev, EV_WRITE, OUTPUT_HIGH / 2, 0);
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(c->bev, c->ai->ai_addr, (int)c->ai->ai_addrlen) != 0) {
        bufferevent_free(c->bev);
        c->bev = NULL;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Public                                                              */
/* ------------------------------------------------------------------ */

h2_conn *h2_conn_new(struct event_base *base, const h2_target *t, h2_done_fn done,
                     h2_state_fn state, void *arg)
{
    h2_conn *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    *c = (h2_conn){.base = base, .t = t, .done = done, .state_cb = state, .arg = arg};
    c->cbs = make_callbacks();
    c->flush_ev = event_new(base, -1, 0, on_flush, c);
    if (!c->cbs || !c->flush_ev) {
        h2_conn_free(c);
        return NULL;
    }
    return c;
}

int h2_conn_connect(h2_conn *c)
{
    if (c->state != CONN_IDLE)
        return -1;
    for (c->ai = c->t->addrs; c->ai; c->ai = c->ai->ai_next) {
        if (start_connect(c) == 0) {
            c->state = CONN_CONNECTING;
            return 0;
        }
    }
    return -1;
}

bool h2_conn_ready(const h2_conn *c)
{
    return c->state == CONN_READY;
}

size_t h2_conn_inflight(const h2_conn *c)
{
    return c->inflight;
}

/* The request headers; values are copied by nghttp2. */
static size_t request_headers(const h2_conn *c, nghttp2_nv *nv, char *timeout, size_t tcap)
{
#define NV(n, v) (nghttp2_nv){(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), 0}
    size_t k = 0;
    nv[k++] = NV(":method", "POST");
    nv[k++] = NV(":scheme", c->t->tls ? "https" : "http");
    nv[k++] = NV(":path", GRPC_EXPORT_PATH);
    nv[k++] = NV(":authority", c->t->authority);
    nv[k++] = NV("content-type", "application/grpc");
    nv[k++] = NV("te", "trailers");
    nv[k++] = NV("user-agent", "otelc-client/" OTELC_VERSION);
    nv[k++] = NV("grpc-accept-encoding", "identity");
    if (c->t->gzip)
        nv[k++] = NV("grpc-encoding", "gzip");
    if (c->t->timeout_ms) {
        snprintf(timeout, tcap, "%um", c->t->timeout_ms);
        nv[k++] = NV("grpc-timeout", timeout);
    }
    return k;
#undef NV
}

int h2_conn_submit(h2_conn *c, h2_call *call, uint64_t now_ns)
{
    nghttp2_nv nv[12];
    char timeout[16];
    nghttp2_data_provider body = {.source.ptr = call, .read_callback = read_body};

    if (c->state != CONN_READY)
        return -1;
    call->sent = 0;
    call->http_status = 0;
    call->grpc_code = -1;
    call->reset = call->timed_out = false;
    call->rst_code = 0;
    call->message[0] = '\0';
    call->reply.len = 0;
    call->started_ns = now_ns;
    size_t n = request_headers(c, nv, timeout, sizeof(timeout));
    int32_t id = nghttp2_submit_request(c->session, NULL, nv, n, &body, call);
    if (id < 0) {
        /* Stream ids ran out: finish what is in flight, then reconnect. */
        if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE)
            c->state = CONN_DRAINING;
        return -1;
    }
    call->stream_id = id;
    list_add(c, call);
    event_active(c->flush_ev, 0, 0);
    return 0;
}

void h2_conn_expire(h2_conn *c, uint64_t now_ns, uint64_t timeout_ns)
{
    bool cancelled = false;

    for (h2_call *call = c->head; call && now_ns - call->started_ns >= timeout_ns;
         call = call->next) {
        if (call->timed_out)
            continue;
        call->timed_out = true;
        snprintf(call->message, sizeof(call->message), "no answer within %.1f s",
                 (double)timeout_ns / 1e9);
        nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, call->stream_id,
                                  NGHTTP2_CANCEL);
        cancelled = true;
    }
    if (cancelled)
        event_active(c->flush_ev, 0, 0);
}

void h2_conn_close(h2_conn *c, const char *why)
{
    conn_down(c, H2_FAILED, why);
}

void h2_conn_free(h2_conn *c)
{
    if (!c)
        return;
    h2_conn_close(c, "client shutting down");
    if (c->flush_ev)
        event_free(c->flush_ev);
    if (c->cbs)
        nghttp2_session_callbacks_del(c->cbs);
    free(c);
}
