/*
 * conn.c: one client connection on its loop thread: socket I/O through a
 * bufferevent, HTTP/2 through nghttp2 (HTTP/1.1 is h1_conn.c's), the
 * inflight byte budgets that pause reading, the keepalive timer, and on
 * the HTTP port the peek at the first bytes that picks the protocol.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <otelc/sdk/clock.h>

#include "otlp_recv.h"

/* Flow-control windows we grant. Bytes are consumed as they are buffered
 * (automatic WINDOW_UPDATE), so a message larger than a window still
 * arrives; the inflight budgets are what push back. */
#define STREAM_WINDOW (1 << 20)
#define CONN_WINDOW (8 << 20)
#define MAX_HEADER_LIST (64 * 1024)
#define PING_FLOOD_STRIKES 2
#define IDLE_PING_INTERVAL_NS (INT64_C(7200) * 1000000000)
/* SETTINGS and PING frames a client may send at once, and per second
 * after that. Each is acknowledged: a client sending them without end
 * would have us answer without end. Real clients send a few per minute. */
#define CTL_BURST 100
#define CTL_PER_SEC 10
#define SEC_NS INT64_C(1000000000)

/* What an HTTP/2 client sends first (RFC 9113, 3.4). */
static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN (sizeof(h2_preface) - 1)

void conn_held_add(otlp_conn *c, size_t *slot, size_t n)
{
    *slot += n;
    c->held += n;
    atomic_fetch_add_explicit(&c->srv->inflight, n, memory_order_relaxed);
}

void conn_held_release(otlp_conn *c, size_t *slot)
{
    c->held -= *slot;
    atomic_fetch_sub_explicit(&c->srv->inflight, *slot, memory_order_relaxed);
    *slot = 0;
}

/* Reads pause only while answers are owed: those answers are what bring
 * the counts down again, so a paused connection always wakes up. */
static void update_reading(otlp_conn *c)
{
    const otlp_settings *st = &c->srv->set;
    if (c->mode != CONN_H2)
        return; /* HTTP/1.1 reads one request at a time by itself */
    bool over = c->awaiting > 0 &&
                (c->held >= st->conn_budget ||
                 atomic_load_explicit(&c->srv->inflight, memory_order_relaxed) >= st->total_budget);
    if (over && !c->paused) {
        c->paused = true;
        bufferevent_disable(c->bev, EV_READ);
        c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG, "connection reads paused: %zu bytes unanswered",
                       c->held);
    } else if (!over && c->paused) {
        c->paused = false;
        bufferevent_enable(c->bev, EV_READ);
        c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG, "connection reads resumed");
    }
}

/* Feeds buffered input to nghttp2 chunk by chunk, stopping when a budget
 * is reached; what is left stays in the input buffer for later. */
static void h2_read(otlp_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (!c->paused && !c->dead) {
        size_t len = evbuffer_get_contiguous_space(in);
        if (len == 0)
            break;
        const uint8_t *p = evbuffer_pullup(in, (ssize_t)len);
        ssize_t n = nghttp2_session_mem_recv(c->h2, p, len);
        if (n < 0) {
            c->dead = true;
            break;
        }
        evbuffer_drain(in, (size_t)n);
        update_reading(c);
    }
}

static int h2_setup(otlp_conn *c);

/* HTTP port: the first bytes decide. They stay in the input buffer for
 * the protocol chosen (nghttp2 expects to read the preface itself). */
static void conn_sniff(otlp_conn *c)
{
    char head[H2_PREFACE_LEN];
    ssize_t n = evbuffer_copyout(bufferevent_get_input(c->bev), head, sizeof(head));
    if (n <= 0)
        return;
    if (memcmp(head, h2_preface, (size_t)n) != 0) {
        if (h1_start(c) != 0)
            c->dead = true;
    } else if ((size_t)n == H2_PREFACE_LEN) {
        if (h2_setup(c) != 0) {
            c->dead = true;
            return;
        }
        c->mode = CONN_H2;
        c->born_ns = c->last_input_ns = c->idle_since_ns = otelc_mono_ns();
        conn_timer_arm(c);
    }
}

static void conn_read(otlp_conn *c)
{
    if (c->mode == CONN_SNIFF)
        conn_sniff(c);
    if (c->mode == CONN_H2)
        h2_read(c);
    else if (c->mode == CONN_H1)
        h1_read(c);
}

static void conn_flush(otlp_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (c->mode != CONN_H2)
        return; /* HTTP/1.1 answers are written whole when ready */
    while (!c->dead && evbuffer_get_length(out) < c->srv->set.write_limit) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->h2, &data);
        if (n <= 0) {
            c->dead = n < 0;
            return;
        }
        if (evbuffer_add(out, data, (size_t)n) != 0)
            c->dead = true;
    }
}

static bool conn_finished(otlp_conn *c)
{
    if (c->dead)
        return true;
    if (c->mode == CONN_H1)
        return h1_finished(c);
    if (c->mode == CONN_SNIFF)
        return c->closing;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0 ||
        nghttp2_session_want_write(c->h2))
        return false;
    return c->closing || !nghttp2_session_want_read(c->h2);
}

void conn_settle(otlp_conn *c)
{
    if (!c->dead) {
        bool was_paused = c->paused;
        update_reading(c);
        if (was_paused && !c->paused)
            conn_read(c); /* input that waited in the buffer */
        conn_flush(c);
    }
    if (conn_finished(c))
        conn_free(c);
}

void conn_free(otlp_conn *c)
{
    otlp_loop *l = c->loop;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    /* nghttp2_session_del calls no callbacks: streams are detached here. */
    if (c->h2)
        nghttp2_session_del(c->h2);
    while (c->streams)
        stream_detach(c->streams);
    if (c->h1)
        h1_free(c);
    event_free(c->timer);
    bufferevent_free(c->bev);
    atomic_fetch_sub(&c->r->nconns, 1);
    free(c);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}


void conn_timer_at(otlp_conn *c, int64_t next)
{
    int64_t wait = next - otelc_mono_ns();
    if (wait < 1000000)
        wait = 1000000;
    if (wait > INT64_C(86400) * 1000000000)
        wait = INT64_C(86400) * 1000000000;
    struct timeval tv = {(time_t)(wait / 1000000000), (suseconds_t)(wait % 1000000000 / 1000)};
    evtimer_add(c->timer, &tv);
}

/* Arms the timer for the earliest keepalive deadline. Deadlines that
 * moved since (new input, a stream started) are re-checked when it fires. */
void conn_timer_arm(otlp_conn *c)
{
    const otlp_settings *st = &c->srv->set;
    int64_t next = c->ping_sent_ns ? otlp_add_sat(c->ping_sent_ns, st->ping_timeout_ns)
                                   : otlp_add_sat(c->last_input_ns, st->ping_ns);
    if (c->nstreams == 0 && !c->goaway)
        next = min64(next, otlp_add_sat(c->idle_since_ns, st->idle_ns));
    if (!c->settings_seen)
        next = min64(next, otlp_add_sat(c->born_ns, st->handshake_ns));
    if (!c->goaway)
        next = min64(next, otlp_add_sat(c->born_ns, st->age_ns));
    else
        next = min64(next, otlp_add_sat(c->goaway_ns, st->grace_ns));
    conn_timer_at(c, min64(next, h2x_read_deadline(c)));
}

static void send_goaway(otlp_conn *c, uint32_t code, const char *debug, size_t dlen)
{
    if (c->goaway)
        return;
    c->goaway = true;
    c->goaway_ns = otelc_mono_ns();
    int32_t last = nghttp2_session_get_last_proc_stream_id(c->h2);
    nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, last, code, (const uint8_t *)debug, dlen);
}

void conn_drain(otlp_conn *c)
{
    if (c->mode == CONN_H1) {
        h1_drain(c);
    } else if (c->mode == CONN_SNIFF) {
        c->closing = true;
    } else {
        send_goaway(c, NGHTTP2_NO_ERROR, NULL, 0);
        conn_timer_arm(c);
    }
}

/* Returns false when the connection must close now. */
static bool keepalive_due(otlp_conn *c, int64_t now)
{
    const otlp_settings *st = &c->srv->set;
    if (!c->settings_seen && now - c->born_ns >= st->handshake_ns) {
        c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG,
                       "closing a connection: no HTTP/2 preface and SETTINGS in time");
        return false;
    }
    if (c->ping_sent_ns && c->last_input_ns > c->ping_sent_ns)
        c->ping_sent_ns = 0; /* anything heard since proves the peer alive */
    if (c->ping_sent_ns && now - c->ping_sent_ns >= st->ping_timeout_ns) {
        c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG, "closing a connection: keepalive ping unanswered");
        return false;
    }
    if (!c->ping_sent_ns && now - c->last_input_ns >= st->ping_ns) {
        nghttp2_submit_ping(c->h2, NGHTTP2_FLAG_NONE, NULL);
        c->ping_sent_ns = now;
    }
    if (c->nstreams == 0 && st->idle_ns != OTLP_NEVER && now - c->idle_since_ns >= st->idle_ns)
        send_goaway(c, NGHTTP2_NO_ERROR, NULL, 0);
    if (st->age_ns != OTLP_NEVER && now - c->born_ns >= st->age_ns)
        send_goaway(c, NGHTTP2_NO_ERROR, NULL, 0);
    if (c->goaway && st->grace_ns != OTLP_NEVER && now - c->goaway_ns >= st->grace_ns)
        return false;
    return true;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    otlp_conn *c = arg;
    int64_t now = otelc_mono_ns();
    if (c->mode == CONN_H1) {
        h1_on_timer(c);
    } else if (c->mode == CONN_SNIFF) {
        if (now >= c->sniff_deadline_ns)
            c->dead = true; /* a client that never sent a request */
        else
            conn_timer_at(c, c->sniff_deadline_ns);
    } else if (!keepalive_due(c, now)) {
        c->dead = true;
    } else {
        h2x_expire(c, now);
        conn_timer_arm(c);
    }
    conn_settle(c);
}

/* Takes a token for a client SETTINGS or PING; false once they run out:
 * the connection then gets GOAWAY ENHANCE_YOUR_CALM and closes. */
static bool control_frame_allowed(otlp_conn *c, int64_t now)
{
    int64_t gained = (now - c->ctl_refill_ns) / SEC_NS * CTL_PER_SEC;
    if (gained > 0) {
        c->ctl_tokens = gained >= CTL_BURST - c->ctl_tokens ? CTL_BURST
                                                            : c->ctl_tokens + (int)gained;
        c->ctl_refill_ns = now;
    }
    if (c->ctl_tokens > 0) {
        c->ctl_tokens--;
        return true;
    }
    c->r->api->log(c->r->ctx, OTELC_LOG_DEBUG, "closing a connection: SETTINGS or PING flood");
    send_goaway(c, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_control_frames", 23);
    c->closing = true;
    return false;
}

void conn_client_settings(otlp_conn *c)
{
    c->settings_seen = true;
    control_frame_allowed(c, otelc_mono_ns());
}

void conn_client_ping(otlp_conn *c)
{
    const otlp_settings *st = &c->srv->set;
    int64_t now = otelc_mono_ns();
    if (!control_frame_allowed(c, now))
        return;
    int64_t allowed = c->nstreams == 0 && !st->permit_idle_pings ? IDLE_PING_INTERVAL_NS
                                                                 : st->min_ping_ns;
    bool strike = c->client_ping_ns && now - c->client_ping_ns < allowed;
    if (strike && ++c->ping_strikes > PING_FLOOD_STRIKES) {
        /* The debug text is what gRPC clients look for to back off. */
        send_goaway(c, NGHTTP2_ENHANCE_YOUR_CALM, "too_many_pings", 14);
        c->closing = true;
    }
    c->client_ping_ns = now;
}

static bool conn_idle(const otlp_conn *c)
{
    if (c->mode == CONN_SNIFF)
        return true;
    if (c->mode == CONN_H1)
        return h1_idle(c);
    return c->nstreams == 0 && c->awaiting == 0;
}

bool conn_evict_idle(otlp_loop *l)
{
    otlp_conn *victim = NULL;
    for (otlp_conn *c = l->conns; c; c = c->next)
        if (conn_idle(c) && (!victim || c->last_input_ns < victim->last_input_ns))
            victim = c;
    if (!victim)
        return false;
    conn_free(victim);
    return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    otlp_conn *c = arg;
    c->last_input_ns = otelc_mono_ns();
    conn_read(c);
    conn_settle(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    conn_settle(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        conn_free(arg);
}

static int h2_setup(otlp_conn *c)
{
    const otlp_settings *st = &c->srv->set;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, st->max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST},
    };
    if (nghttp2_session_server_new2(&c->h2, c->r->cbs, c, c->r->h2opt) != 0)
        return -1;
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0 ||
        nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0)
        return -1;
    return 0;
}

static struct bufferevent *make_bev(otlp_loop *l, int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (l->srv->ssl_ctx)
        return otlp_tls_bev(l->srv, l->base, fd);
    return bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
}

/* gRPC speaks HTTP/2 at once; the HTTP port waits for the first bytes,
 * for as long as a request's headers may take. */
static int conn_begin(otlp_conn *c)
{
    c->born_ns = c->last_input_ns = c->idle_since_ns = otelc_mono_ns();
    c->ctl_tokens = CTL_BURST;
    c->ctl_refill_ns = c->born_ns;
    if (c->srv->proto == OTLP_HTTP) {
        c->mode = CONN_SNIFF;
        c->sniff_deadline_ns = otlp_add_sat(c->born_ns, c->srv->set.http.read_header_ns);
        conn_timer_at(c, c->sniff_deadline_ns);
        return 0;
    }
    if (h2_setup(c) != 0)
        return -1;
    c->mode = CONN_H2;
    conn_timer_arm(c);
    if (atomic_load(&c->r->draining))
        send_goaway(c, NGHTTP2_NO_ERROR, NULL, 0);
    return 0;
}

void conn_accept(otlp_loop *l, int fd)
{
    struct bufferevent *bev = make_bev(l, fd);
    if (!bev) {
        close(fd);
        return;
    }
    conn_adopt(l, bev);
}

void conn_adopt(otlp_loop *l, struct bufferevent *bev)
{
    otlp_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        bufferevent_free(bev);
        return;
    }
    c->r = l->r;
    c->srv = l->srv;
    c->loop = l;
    c->bev = bev;
    c->timer = evtimer_new(l->base, on_timer, c);
    if (!c->timer || conn_begin(c) != 0)
        goto out_free_parts;
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    atomic_fetch_add(&c->r->nconns, 1);
    bufferevent_set_max_single_read(c->bev, c->srv->set.read_chunk);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    conn_settle(c);
    return;
out_free_parts:
    if (c->h2)
        nghttp2_session_del(c->h2);
    if (c->timer)
        event_free(c->timer);
    bufferevent_free(c->bev); /* closes its socket */
    free(c);
}
