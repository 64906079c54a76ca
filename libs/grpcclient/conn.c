/*
 * conn.c: the exporter's HTTP/2 connection on its loop thread: a
 * bufferevent (over OpenSSL when TLS) carrying an nghttp2 client session,
 * the keepalive PINGs, and gRPC's connection back-off between attempts.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <otelc/sdk/clock.h>

#include "client.h"

#define SEC_NS 1000000000LL
#define CONNECT_TIMEOUT_S 20 /* gRPC's minimum connect timeout */
#define BACKOFF_FIRST_NS SEC_NS
#define BACKOFF_MAX_NS (120 * SEC_NS)
#define WRITE_MIN ((size_t)32 * 1024) /* grpc-go's write buffer when unset */
#define LOCAL_WINDOW (1 << 20)   /* answers are small: generous is free */
#define MAX_HEADER_LIST (64 * 1024)

static size_t write_limit(const og_conn *c)
{
    uint64_t w = c->x->cfg->write_buffer_size;
    return w > WRITE_MIN ? (size_t)w : WRITE_MIN;
}

/* ---- nghttp2's callbacks ---- */

static og_call *call_of(nghttp2_session *s, int32_t stream_id)
{
    return nghttp2_session_get_stream_user_data(s, stream_id);
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *arg)
{
    og_conn *c = arg;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    (void)s;
    (void)flags;
    if (evbuffer_get_length(out) >= write_limit(c))
        return NGHTTP2_ERR_WOULDBLOCK;
    return evbuffer_add(out, data, len) == 0 ? (ssize_t)len : NGHTTP2_ERR_CALLBACK_FAILURE;
}

/* DATA frames are written from the request body straight into the
 * output buffer: one copy, none through nghttp2's own buffer. */
static int on_send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd,
                        size_t length, nghttp2_data_source *src, void *arg)
{
    og_conn *c = arg;
    og_call *call = call_of(s, frame->hd.stream_id);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    (void)src;
    if (!call)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (evbuffer_get_length(out) >= write_limit(c))
        return NGHTTP2_ERR_WOULDBLOCK;
    if (evbuffer_add(out, framehd, 9) != 0)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    const uint8_t *p;
    size_t n;
    while (length && (n = og_body_next(&call->req->body, &call->cur, length, &p)) > 0) {
        if (evbuffer_add(out, p, n) != 0)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        length -= n;
    }
    return length ? NGHTTP2_ERR_CALLBACK_FAILURE : 0;
}

static ssize_t on_read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                            uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    og_call *call = call_of(s, stream_id);
    (void)buf;
    (void)src;
    (void)arg;
    if (!call)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    uint64_t left = call->req->body.len - call->framed;
    size_t n = left < length ? (size_t)left : length;
    call->framed += n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (call->framed == call->req->body.len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *arg)
{
    og_call *call = call_of(s, frame->hd.stream_id);
    (void)flags;
    (void)arg;
    if (call && frame->hd.type == NGHTTP2_HEADERS)
        og_answer_header(&call->answer, name, namelen, value, valuelen);
    return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data,
                   size_t len, void *arg)
{
    og_call *call = call_of(s, stream_id);
    (void)flags;
    (void)arg;
    if (call)
        og_answer_data(&call->answer, data, len);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
                           void *arg)
{
    og_conn *c = arg;
    og_call *call = call_of(s, stream_id);
    if (call) {
        nghttp2_session_set_stream_user_data(s, stream_id, NULL);
        c->streams--;
        og_call_closed(call, error_code);
    }
    return 0;
}

static void reset_backoff(ogrpc *x)
{
    x->backoff_ns = BACKOFF_FIRST_NS;
}

/* GOAWAY: streams the server took finish here; new ones go to a new
 * connection. One draining connection at a time is enough. */
static void on_goaway(og_conn *c)
{
    ogrpc *x = c->x;
    c->draining = true;
    if (x->conn != c)
        return;
    if (x->old)
        og_conn_close(x->old, "superseded while draining");
    x->old = c;
    x->conn = NULL;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *frame, void *arg)
{
    og_conn *c = arg;
    (void)s;
    if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK) &&
        !c->established) {
        c->established = true;
        reset_backoff(c->x);
    } else if (frame->hd.type == NGHTTP2_GOAWAY) {
        on_goaway(c);
    } else if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        c->ping_out = false;
    }
    return 0;
}

static int session_new(og_conn *c)
{
    nghttp2_session_callbacks *cb;
    if (nghttp2_session_callbacks_new(&cb) != 0)
        return -1;
    nghttp2_session_callbacks_set_send_callback(cb, on_send);
    nghttp2_session_callbacks_set_send_data_callback(cb, on_send_data);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
    int rc = nghttp2_session_client_new(&c->h2, cb, c);
    nghttp2_session_callbacks_del(cb);
    if (rc != 0)
        return -1;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, LOCAL_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST},
    };
    return nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 3);
}

/* ---- the connection's life ---- */

static void schedule_retry(ogrpc *x)
{
    int64_t d = x->backoff_ns ? x->backoff_ns : BACKOFF_FIRST_NS;
    /* gRPC's jitter: +-20 %. */
    x->rng = x->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    double j = 0.8 + 0.4 * (double)(x->rng >> 11) / (double)(1ULL << 53);
    int64_t wait = (int64_t)((double)d * j);
    x->backoff_ns = (int64_t)((double)d * 1.6);
    if (x->backoff_ns > BACKOFF_MAX_NS)
        x->backoff_ns = BACKOFF_MAX_NS;
    struct timeval tv = {(time_t)(wait / SEC_NS), (suseconds_t)(wait % SEC_NS / 1000)};
    evtimer_add(x->backoff, &tv);
}

void og_conn_close(og_conn *c, const char *why)
{
    ogrpc *x = c->x;
    bool failed = !c->connected, pause = x->conn_error_pause;
    if (x->conn == c)
        x->conn = NULL;
    if (x->old == c)
        x->old = NULL;
    if (failed) {
        x->failing = true;
        snprintf(x->conn_error, sizeof(x->conn_error), "%s", why);
        schedule_retry(x);
    }
    if (c->h2)
        nghttp2_session_del(c->h2); /* calls no callbacks */
    if (c->ka_timer)
        event_free(c->ka_timer);
    bufferevent_free(c->bev);
    og_on_conn_lost(x, c, why, failed && pause);
    free(c);
}

void og_conn_flush(og_conn *c)
{
    if (!c->dead && c->h2 && nghttp2_session_send(c->h2) != 0)
        c->dead = true;
    bool idle = c->h2 && !nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) &&
                evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
    if (c->dead || idle)
        og_conn_close(c, c->dead ? "the connection failed" : "closed by the server (GOAWAY)");
}

static void on_read(struct bufferevent *bev, void *arg)
{
    og_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len;
    c->last_read_ns = otelc_mono_ns();
    while (!c->dead && (len = evbuffer_get_contiguous_space(in)) > 0) {
        const uint8_t *p = evbuffer_pullup(in, (ssize_t)len);
        ssize_t n = nghttp2_session_mem_recv(c->h2, p, len);
        if (n < 0) {
            c->x->api->log(c->x->ctx, OTELC_LOG_DEBUG, "HTTP/2 error from %s: %s",
                           c->x->set.shown, nghttp2_strerror((int)n));
            c->dead = true;
            break;
        }
        evbuffer_drain(in, (size_t)n);
    }
    og_conn_flush(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    og_conn_flush(arg);
}

static void keepalive_tick(evutil_socket_t fd, short what, void *arg)
{
    og_conn *c = arg;
    const og_settings *st = &c->x->set;
    int64_t now = otelc_mono_ns();
    (void)fd;
    (void)what;
    if (c->ping_out && now - c->ping_sent_ns >= st->keepalive_timeout_ns) {
        og_conn_close(c, "keepalive ping failed to receive ACK within timeout");
        return;
    }
    bool due = now - c->last_read_ns >= st->keepalive_time_ns && !c->ping_out;
    if (due && (c->streams > 0 || st->keepalive_without_stream) &&
        nghttp2_submit_ping(c->h2, NGHTTP2_FLAG_NONE, NULL) == 0) {
        c->ping_out = true;
        c->ping_sent_ns = now;
        og_conn_flush(c);
    }
}

static int start_keepalive(og_conn *c)
{
    struct timeval tick = {1, 0};
    if (!c->x->set.keepalive)
        return 0;
    c->ka_timer = event_new(c->x->base, -1, EV_PERSIST, keepalive_tick, c);
    return c->ka_timer && event_add(c->ka_timer, &tick) == 0 ? 0 : -1;
}

/* TCP (and TLS) is up: HTTP/2 begins, waiting calls get their streams. */
static void on_connected(og_conn *c)
{
    ogrpc *x = c->x;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const char *alpn = x->set.tls.on ? og_tls_alpn_error(bufferevent_openssl_get_ssl(c->bev))
                                     : NULL;
    if (alpn || session_new(c) != 0 || start_keepalive(c) != 0) {
        og_conn_close(c, alpn ? alpn : "out of memory");
        return;
    }
    bufferevent_set_timeouts(c->bev, NULL, NULL);
    if (x->cfg->read_buffer_size)
        bufferevent_set_max_single_read(c->bev, (size_t)x->cfg->read_buffer_size);
    c->connected = true;
    c->last_read_ns = otelc_mono_ns();
    og_count(x, x->metrics.connections, 1);
    x->failing = false;
    x->conn_error_pause = false;
    og_on_conn_ready(x, c);
    og_conn_flush(c);
}

static void connect_error(og_conn *c, short events, char *why, size_t cap)
{
    int dns = bufferevent_socket_get_dns_error(c->bev);
    if (dns)
        snprintf(why, cap, "connection error: desc = \"transport: Error while dialing: lookup "
                           "%s: %s\"", c->x->set.host, evutil_gai_strerror(dns));
    else if (events & BEV_EVENT_TIMEOUT)
        snprintf(why, cap, "connection error: desc = \"transport: Error while dialing: dial "
                           "tcp %s: i/o timeout\"", c->x->set.shown);
    else
        snprintf(why, cap, "connection error: desc = \"transport: Error while dialing: dial "
                           "tcp %s: %s\"", c->x->set.shown,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Why an established connection ended. Under TLS 1.3 the server checks
 * our certificate after the handshake: its refusal (certificate required,
 * bad certificate) is an alert on the first read, named here. */
static void closed_why(og_conn *c, short events, char *why, size_t cap)
{
    unsigned long e = c->x->set.tls.on ? bufferevent_get_openssl_error(c->bev) : 0;
    char tls[200] = "";
    if (ERR_GET_LIB(e) == 0)
        e = 0; /* libevent's own code (a reset while reading), not OpenSSL's */
    if (e)
        ERR_error_string_n(e, tls, sizeof(tls));
    snprintf(why, cap, "error reading from server: %s%s", e ? "tls: " : "",
             e ? tls : events & BEV_EVENT_EOF ? "EOF" : "connection reset");
}

static void on_event(struct bufferevent *bev, short events, void *arg)
{
    og_conn *c = arg;
    char why[640];
    if (events & BEV_EVENT_CONNECTED) {
        on_connected(c);
        return;
    }
    if (!(events & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)))
        return;
    if (c->connected) {
        closed_why(c, events, why, sizeof(why));
    } else {
        unsigned long e = c->x->set.tls.on ? bufferevent_get_openssl_error(bev) : 0;
        if (c->x->set.tls.on && og_tls_failed(bev, e))
            c->x->conn_error_pause = og_tls_failure(bev, e, why, sizeof(why));
        else
            connect_error(c, events, why, sizeof(why));
    }
    og_conn_close(c, why);
}

/* ---- opening, streams ---- */

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    og_conn_open(arg);
}

int og_conn_init(ogrpc *x)
{
    x->backoff = evtimer_new(x->base, on_backoff, x);
    x->rng = (uint64_t)otelc_real_ns() ^ (uint64_t)(uintptr_t)x;
    reset_backoff(x);
    return x->backoff ? 0 : -1;
}

static struct bufferevent *new_bev(ogrpc *x)
{
    const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    if (!x->set.tls.on)
        return bufferevent_socket_new(x->base, -1, opts);
    SSL *ssl = og_tls_ssl_new(x);
    struct bufferevent *bev =
        ssl ? bufferevent_openssl_socket_new(x->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, opts)
            : NULL;
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* A connection that could not even begin counts as a failed attempt. */
static void open_failed(ogrpc *x, const char *why)
{
    x->failing = true;
    snprintf(x->conn_error, sizeof(x->conn_error), "%s", why);
    schedule_retry(x);
    og_on_conn_lost(x, NULL, why, false);
}

void og_conn_open(ogrpc *x)
{
    struct timeval connect_to = {CONNECT_TIMEOUT_S, 0};
    og_conn *c = calloc(1, sizeof(*c));
    struct bufferevent *bev = c ? new_bev(x) : NULL;
    if (!bev) {
        free(c);
        open_failed(x, "connection error: desc = \"out of memory\"");
        return;
    }
    c->x = x;
    c->bev = bev;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(bev, EV_WRITE, write_limit(c) / 2, 0);
    bufferevent_set_timeouts(bev, &connect_to, &connect_to);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    x->conn = c;
    if (bufferevent_socket_connect_hostname(bev, x->dns, AF_UNSPEC, x->set.host,
                                            x->set.port) != 0)
        og_conn_close(c, "connection error: desc = \"cannot start to connect\"");
}

/* grpc-timeout: the time left, in milliseconds while they fit gRPC's 8
 * digits, else seconds. */
static void timeout_value(int64_t left_ns, char *out, size_t cap)
{
    int64_t ms = left_ns > 0 ? (left_ns + 999999) / 1000000 : 1;
    if (ms < 100000000)
        snprintf(out, cap, "%lldm", (long long)ms);
    else
        snprintf(out, cap, "%lldS", (long long)(ms / 1000 < 99999999 ? ms / 1000 : 99999999));
}

bool og_conn_submit(og_conn *c, og_call *call)
{
    ogrpc *x = c->x;
    nghttp2_nv nva[OG_NV_MAX];
    char tmo[24];
    size_t n = og_call_nva(x, call, nva);
    if (call->deadline_ns) {
        timeout_value(call->deadline_ns - otelc_mono_ns(), tmo, sizeof(tmo));
        nva[n++] = (nghttp2_nv){(uint8_t *)"grpc-timeout", (uint8_t *)tmo, 12, strlen(tmo),
                                NGHTTP2_NV_FLAG_NONE};
    }
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = on_read_body};
    int32_t id = nghttp2_submit_request(c->h2, NULL, nva, n, &dp, call);
    if (id < 0)
        return false;
    call->stream_id = id;
    call->conn = c;
    call->state = OG_CALL_STREAMING;
    c->streams++;
    return true;
}

void og_conn_cancel(og_conn *c, og_call *call)
{
    nghttp2_session_set_stream_user_data(c->h2, call->stream_id, NULL);
    nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, call->stream_id, NGHTTP2_CANCEL);
    c->streams--;
    call->conn = NULL;
}
